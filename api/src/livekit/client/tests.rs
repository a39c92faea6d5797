use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

use jsonwebtoken::{DecodingKey, Validation, decode};
use serde_json::{Value, json};

use super::*;
use crate::livekit::types::{AuthPassword, SipTransport};

const SECRET: &str = "a-very-secret-api-secret-of-32-bytes";

/// What the fake server saw.
#[derive(Debug)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A one-shot HTTP server on 127.0.0.1 that answers each connection with
/// the next canned `(status line, content type, body)`.
fn serve(answers: Vec<(&'static str, &'static str, String)>) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for (status, content_type, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').unwrap();
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut raw = vec![0; len];
            reader.read_exact(&mut raw).unwrap();
            let _ = tx.send(Seen {
                request_line: request_line.trim_end().to_owned(),
                headers,
                body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            });
            let mut stream = stream;
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    (url, rx)
}

fn client_for(url: &str) -> LiveKitClient {
    LiveKitClient::new(LiveKitConfig {
        url: url.to_owned(),
        api_key: "devkey".into(),
        api_secret: SecretString::from(SECRET),
        timeouts: LiveKitTimeouts::default(),
    })
    .unwrap()
}

fn ok_json(body: Value) -> (&'static str, &'static str, String) {
    ("200 OK", "application/json", body.to_string())
}

fn twirp(status: &'static str, code: &str, msg: &str) -> (&'static str, &'static str, String) {
    (
        status,
        "application/json",
        json!({"code": code, "msg": msg, "meta": {}}).to_string(),
    )
}

fn outbound() -> SipOutboundTrunkInfo {
    SipOutboundTrunkInfo {
        name: "carrier-a outbound".into(),
        address: "sip.carrier-a.example".into(),
        transport: SipTransport::Tcp,
        numbers: vec!["+15550100".into()],
        auth_username: "lk-out".into(),
        auth_password: AuthPassword::from("s3cret"),
        destination_country: "US".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_outbound_trunk_speaks_twirp_json_with_a_fresh_token() {
    let (url, seen) = serve(vec![ok_json(json!({
        "sip_trunk_id": "ST_Br84cMbYBDPm", "name": "carrier-a outbound", "metadata": "",
        "address": "sip.carrier-a.example", "destination_country": "US",
        "transport": "SIP_TRANSPORT_TCP", "numbers": ["+15550100"],
        "auth_username": "lk-out", "auth_password": "s3cret", "headers": {},
        "media": null, "created_at": null
    }))]);
    let client = client_for(&url);
    let mut trunk = outbound();
    trunk.sip_trunk_id = "ST_should_not_be_sent".into();
    let created = client.create_outbound_trunk(&trunk).await.unwrap();
    assert_eq!(created.sip_trunk_id, "ST_Br84cMbYBDPm");
    assert_eq!(created.transport, SipTransport::Tcp);

    let seen = seen.recv().unwrap();
    assert_eq!(
        seen.request_line,
        "POST /twirp/livekit.SIP/CreateSIPOutboundTrunk HTTP/1.1"
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(
        seen.body,
        json!({"trunk": {
            "name": "carrier-a outbound", "address": "sip.carrier-a.example",
            "destination_country": "US", "transport": "SIP_TRANSPORT_TCP",
            "numbers": ["+15550100"], "auth_username": "lk-out", "auth_password": "s3cret"
        }})
    );

    let token = seen
        .header("authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["devkey"]);
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "nbf", "iss"]);
    let claims = decode::<Value>(
        token,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["sip"], json!({"admin": true}));
    assert_eq!(claims["sub"], "");
    let ttl = claims["exp"].as_u64().unwrap() - claims["nbf"].as_u64().unwrap();
    assert_eq!(ttl, 600);
    // Signed with the secret, not anything else.
    assert!(
        decode::<Value>(
            token,
            &DecodingKey::from_secret(b"another secret"),
            &validation
        )
        .is_err()
    );
}

#[tokio::test]
async fn update_list_and_delete_use_livekits_methods() {
    let (url, seen) = serve(vec![
        ok_json(json!({"sip_trunk_id": "ST_1", "numbers": ["+1"]})),
        ok_json(json!({"items": [{"sip_trunk_id": "ST_1"}, {"sip_trunk_id": "ST_2"}]})),
        ok_json(json!({"items": [{"sip_trunk_id": "ST_3", "allowed_numbers": []}]})),
        ok_json(json!({"items": [{"sip_dispatch_rule_id": "SDR_1", "rule": null}]})),
        ok_json(json!({"sip_trunk_id": "ST_1", "kind": "TRUNK_LEGACY"})),
        ok_json(json!({"sip_dispatch_rule_id": "SDR_1"})),
        ok_json(json!({"sip_trunk_id": "ST_9"})),
        ok_json(json!({"sip_dispatch_rule_id": "SDR_9"})),
        ok_json(json!({"sip_dispatch_rule_id": "SDR_8"})),
        ok_json(json!({"sip_trunk_id": "ST_8"})),
    ]);
    let client = client_for(&format!("{url}/"));

    let mut trunk = outbound();
    trunk.sip_trunk_id = "ST_ignored".into();
    client.update_outbound_trunk("ST_1", &trunk).await.unwrap();
    let s = seen.recv().unwrap();
    assert!(
        s.request_line
            .contains("/twirp/livekit.SIP/UpdateSIPOutboundTrunk ")
    );
    assert_eq!(s.body["sip_trunk_id"], "ST_1");
    assert_eq!(s.body["replace"]["address"], "sip.carrier-a.example");
    assert!(s.body["replace"].get("sip_trunk_id").is_none());

    let out = client
        .list_outbound_trunks(&Default::default())
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/ListSIPOutboundTrunk "));
    assert_eq!(s.body, json!({}));

    let inbound = client
        .list_inbound_trunks(&Default::default())
        .await
        .unwrap();
    assert_eq!(inbound[0].sip_trunk_id, "ST_3");
    assert!(
        seen.recv()
            .unwrap()
            .request_line
            .contains("/ListSIPInboundTrunk ")
    );

    let rules = client
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap();
    assert_eq!(rules[0].sip_dispatch_rule_id, "SDR_1");
    assert!(
        seen.recv()
            .unwrap()
            .request_line
            .contains("/ListSIPDispatchRule ")
    );

    client.delete_trunk("ST_1").await.unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/DeleteSIPTrunk "));
    assert_eq!(s.body, json!({"sip_trunk_id": "ST_1"}));

    client.delete_dispatch_rule("SDR_1").await.unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/DeleteSIPDispatchRule "));
    assert_eq!(s.body, json!({"sip_dispatch_rule_id": "SDR_1"}));

    let inbound_trunk = SipInboundTrunkInfo {
        sip_trunk_id: "ST_x".into(),
        numbers: vec!["+15550100".into()],
        ..Default::default()
    };
    client.create_inbound_trunk(&inbound_trunk).await.unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/CreateSIPInboundTrunk "));
    assert_eq!(s.body, json!({"trunk": {"numbers": ["+15550100"]}}));

    let rule = SipDispatchRuleInfo {
        sip_dispatch_rule_id: "SDR_x".into(),
        trunk_ids: vec!["ST_9".into()],
        ..Default::default()
    };
    client.create_dispatch_rule(&rule).await.unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/CreateSIPDispatchRule "));
    assert_eq!(s.body, json!({"dispatch_rule": {"trunk_ids": ["ST_9"]}}));

    client.update_dispatch_rule("SDR_8", &rule).await.unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/UpdateSIPDispatchRule "));
    assert_eq!(
        s.body,
        json!({"sip_dispatch_rule_id": "SDR_8", "replace": {"trunk_ids": ["ST_9"]}})
    );

    client
        .update_inbound_trunk("ST_8", &inbound_trunk)
        .await
        .unwrap();
    let s = seen.recv().unwrap();
    assert!(s.request_line.contains("/UpdateSIPInboundTrunk "));
    assert_eq!(
        s.body,
        json!({"sip_trunk_id": "ST_8", "replace": {"numbers": ["+15550100"]}})
    );
}

#[tokio::test]
async fn twirp_errors_become_actionable_messages() {
    let (url, _seen) = serve(vec![
        twirp(
            "404 Not Found",
            "not_found",
            "requested sip trunk does not exist",
        ),
        twirp(
            "400 Bad Request",
            "invalid_argument",
            "for security, one of the fields must be set",
        ),
        twirp(
            "503 Service Unavailable",
            "unavailable",
            "sip not connected",
        ),
        twirp("500 Internal Server Error", "unknown", "conflicting rules"),
        twirp(
            "500 Internal Server Error",
            "unknown",
            "requested sip dispatch rule does not exist",
        ),
    ]);
    let client = client_for(&url);

    let err = client
        .update_outbound_trunk("ST_gone", &outbound())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_transient());
    assert_eq!(
        err.to_string(),
        "LiveKit rejected the request (not_found): requested sip trunk does not exist"
    );

    let err = client
        .list_inbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert!(!err.is_not_found());
    assert_eq!(err.twirp_code(), Some("invalid_argument"));
    assert_eq!(
        err.to_string(),
        "LiveKit rejected the request (invalid_argument): for security, one of the fields must be set"
    );

    let err = client
        .list_inbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert!(
        err.to_string()
            .starts_with("LiveKit is unavailable (503, unavailable): sip not connected")
    );

    let err = client
        .list_inbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert!(!err.is_transient());
    assert_eq!(
        err.to_string(),
        "LiveKit failed to handle the request (unknown): conflicting rules"
    );
    assert!(!err.is_not_found());

    // An older server's bare "does not exist" is still "not found".
    let err = client
        .update_dispatch_rule("SDR_gone", &SipDispatchRuleInfo::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn deleting_what_is_already_gone_succeeds() {
    let (url, _seen) = serve(vec![
        twirp(
            "404 Not Found",
            "not_found",
            "requested sip dispatch rule does not exist",
        ),
        twirp(
            "404 Not Found",
            "not_found",
            "requested sip trunk does not exist",
        ),
        twirp(
            "400 Bad Request",
            "invalid_argument",
            "dispatch rule ID is required",
        ),
    ]);
    let client = client_for(&url);
    client.delete_dispatch_rule("SDR_gone").await.unwrap();
    client.delete_trunk("ST_gone").await.unwrap();
    let err = client.delete_dispatch_rule("").await.unwrap_err();
    assert_eq!(err.twirp_code(), Some("invalid_argument"));
}

#[tokio::test]
async fn auth_failures_name_the_settings_to_check() {
    let (url, _seen) = serve(vec![
        ("401 Unauthorized", "text/plain", "invalid API key\n".into()),
        twirp("401 Unauthorized", "unauthenticated", "permissions denied"),
        ("401 Unauthorized", "text/plain", String::new()),
    ]);
    let client = client_for(&url);

    let err = client
        .list_outbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "LiveKit refused our API key/secret (401): invalid API key — check ORI_LIVEKIT_API_KEY and ORI_LIVEKIT_API_SECRET"
    );
    assert!(!err.is_transient());

    let err = client
        .list_outbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "LiveKit refused our API key/secret (401): unauthenticated: permissions denied — check ORI_LIVEKIT_API_KEY and ORI_LIVEKIT_API_SECRET"
    );
    assert_eq!(err.twirp_code(), Some("unauthenticated"));

    let err = client
        .list_outbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("(401): no reason given"));
}

#[tokio::test]
async fn other_answers() {
    let long = "x".repeat(1000);
    let (url, _seen) = serve(vec![
        ("404 Not Found", "text/html", "<h1>nope</h1>".into()),
        ("502 Bad Gateway", "text/plain", long),
        ("200 OK", "application/json", "not json".into()),
    ]);
    let client = client_for(&url);

    let err = client
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap_err();
    assert!(!err.is_not_found(), "a wrong URL is not a missing object");
    assert_eq!(
        err.to_string(),
        "LiveKit answered HTTP 404: <h1>nope</h1> — check that ORI_LIVEKIT_URL points at the LiveKit server"
    );

    let err = client
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().chars().count() < 400, "body is shortened");

    let err = client
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("LiveKit's answer to ListSIPDispatchRule could not be read:")
    );
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let err = client_for(&url)
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, LiveKitError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("LiveKit at {url} is unreachable: ")),
        "{text}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold the connection without answering.
    let holder = thread::spawn(move || {
        let conn = listener.accept();
        thread::sleep(Duration::from_millis(1500));
        drop(conn);
    });
    let client = LiveKitClient::new(LiveKitConfig {
        url: url.clone(),
        api_key: "devkey".into(),
        api_secret: SecretString::from(SECRET),
        timeouts: LiveKitTimeouts {
            connect: Duration::from_secs(1),
            request: Duration::from_millis(300),
        },
    })
    .unwrap();
    let err = client
        .list_outbound_trunks(&Default::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("LiveKit at {url} did not answer within 0.3 s")
    );
    assert!(err.is_transient());
    holder.join().unwrap();
}

#[test]
fn urls_are_normalised() {
    assert_eq!(
        base_url("wss://lk.example.com/").unwrap(),
        "https://lk.example.com"
    );
    assert_eq!(
        base_url("ws://127.0.0.1:7880").unwrap(),
        "http://127.0.0.1:7880"
    );
    assert_eq!(
        base_url(" https://lk.example.com ").unwrap(),
        "https://lk.example.com"
    );
    assert!(base_url("").is_err());
    assert!(base_url("lk.example.com").is_err());
    assert!(base_url("ftp://lk.example.com").is_err());
    let err = LiveKitClient::new(LiveKitConfig {
        url: "lk.example.com".into(),
        api_key: "k".into(),
        api_secret: SecretString::from("s"),
        timeouts: LiveKitTimeouts::default(),
    })
    .unwrap_err();
    assert!(err.to_string().contains("ORI_LIVEKIT_URL"), "{err}");
}

#[test]
fn debug_never_shows_the_secret() {
    let config = LiveKitConfig {
        url: "http://127.0.0.1:7880".into(),
        api_key: "devkey".into(),
        api_secret: SecretString::from(SECRET),
        timeouts: LiveKitTimeouts::default(),
    };
    let client = LiveKitClient::new(config.clone()).unwrap();
    let text = format!("{config:?} {client:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("devkey"));
}

#[tokio::test]
async fn a_password_in_the_url_is_never_shown() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = LiveKitConfig {
        url: format!("http://ori:hunter2@127.0.0.1:{port}"),
        api_key: "devkey".into(),
        api_secret: SecretString::from(SECRET),
        timeouts: LiveKitTimeouts::default(),
    };
    let client = LiveKitClient::new(config.clone()).unwrap();
    let err = client
        .list_dispatch_rules(&Default::default())
        .await
        .unwrap_err();
    let text = format!("{err} {err:?} {config:?} {client:?} {}", client.url());
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("ori:***@127.0.0.1"), "{text}");
    let bad = LiveKitClient::new(LiveKitConfig {
        url: "ftp://ori:hunter2@lk.example.com".into(),
        ..config
    })
    .unwrap_err();
    assert!(!bad.to_string().contains("hunter2"), "{bad}");
}

#[test]
fn seconds_are_printed_plainly() {
    assert_eq!(secs(Duration::from_secs(10)), "10");
    assert_eq!(secs(Duration::from_millis(2500)), "2.5");
}
