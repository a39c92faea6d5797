//! Black-box tests of the double over HTTP, with reqwest.

use std::time::Duration;

use ori_livekit_double::auth::now_secs;
use ori_livekit_double::proto::{SipDispatchRule, SipDispatchRuleIndividual};
use ori_livekit_double::{
    Fault, LiveKitDouble, SipDispatchRuleInfo, SipInboundTrunkInfo, TwirpError,
};
use serde_json::{Value, json};

struct Resp {
    status: u16,
    content_type: String,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_owned()
    }
    fn msg(&self) -> String {
        self.json()["msg"].as_str().unwrap_or("").to_owned()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

async fn raw(
    lk: &LiveKitDouble,
    http_method: reqwest::Method,
    path: &str,
    auth: Option<String>,
    content_type: Option<&str>,
    body: &str,
) -> Resp {
    let mut rb = client().request(http_method, format!("{}{}", lk.url, path));
    if let Some(a) = auth {
        rb = rb.header("Authorization", a);
    }
    if let Some(ct) = content_type {
        rb = rb.header("Content-Type", ct);
    }
    let r = rb
        .body(body.to_owned())
        .send()
        .await
        .expect("request to the double");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ASCII content type").to_owned())
        .unwrap_or_default();
    let text = r.text().await.expect("response body");
    Resp {
        status,
        content_type,
        text,
    }
}

/// POSTs JSON to a method with a valid admin token.
async fn call(lk: &LiveKitDouble, method: &str, body: Value) -> Resp {
    call_with_token(lk, method, Some(lk.bearer()), body).await
}

async fn call_with_token(
    lk: &LiveKitDouble,
    method: &str,
    auth: Option<String>,
    body: Value,
) -> Resp {
    raw(
        lk,
        reqwest::Method::POST,
        &format!("/twirp/livekit.SIP/{method}"),
        auth,
        Some("application/json"),
        &body.to_string(),
    )
    .await
}

fn outbound_body() -> Value {
    json!({"trunk": {
        "name": "carrier-a outbound",
        "metadata": "{\"ori\":\"carrier-a\"}",
        "address": "sip.carrier-a.example",
        "transport": "SIP_TRANSPORT_TCP",
        "numbers": ["+15550100"],
        "auth_username": "lk-out",
        "auth_password": "s3cret",
        "destination_country": "US",
        "headers": {"X-Carrier": "a"}
    }})
}

fn inbound_body(numbers: &[&str], allowed_numbers: &[&str]) -> Value {
    json!({"trunk": {
        "name": "carrier-a inbound",
        "numbers": numbers,
        "allowed_numbers": allowed_numbers,
        "allowed_addresses": ["203.0.113.0/24"],
        "auth_username": "lk-in",
        "auth_password": "s3cret",
        "krisp_enabled": true
    }})
}

fn rule_body(trunk: &str, pin: &str, number: &str) -> Value {
    json!({"dispatch_rule": {
        "name": format!("rule {number}"),
        "metadata": "ori",
        "trunk_ids": [trunk],
        "numbers": [number],
        "rule": {"dispatch_rule_individual": {"room_prefix": "call", "pin": pin}},
        "room_config": {"agents": [{"agent_name": "bot", "metadata": "{}"}]},
        "attributes": {"a": "1"}
    }})
}

fn assert_id(id: &str, prefix: &str) {
    assert!(id.starts_with(prefix), "{id}");
    assert_eq!(id.len(), prefix.len() + 12, "{id}");
    assert!(
        id[prefix.len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
}

// ---------------------------------------------------------------------------
// auth
// ---------------------------------------------------------------------------

#[tokio::test]
async fn auth_missing_token_is_twirp_unauthenticated() {
    let lk = LiveKitDouble::start().await;
    let r = call_with_token(&lk, "ListSIPInboundTrunk", None, json!({})).await;
    assert_eq!(r.status, 401);
    assert!(
        r.content_type.starts_with("application/json"),
        "{}",
        r.content_type
    );
    assert_eq!(
        r.json(),
        json!({"code": "unauthenticated", "msg": "permissions denied"})
    );
    // "Bearer " with nothing after it: HTTP trims the trailing space, so the
    // middleware sees "Bearer" and rejects it in plain text (as Go's net/http would).
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some("Bearer ".into()),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.text,
        "invalid authorization header. Must start with Bearer "
    );
}

#[tokio::test]
async fn auth_middleware_failures_are_plain_text() {
    let lk = LiveKitDouble::start().await;
    let now = now_secs();
    let plain = |r: &Resp| {
        assert_eq!(r.status, 401, "{}", r.text);
        assert!(
            r.content_type.starts_with("text/plain"),
            "{}",
            r.content_type
        );
    };

    let r = call_with_token(&lk, "ListSIPInboundTrunk", Some(lk.mint_token()), json!({})).await;
    plain(&r);
    assert_eq!(
        r.text,
        "invalid authorization header. Must start with Bearer "
    );

    let wrong_sig = ori_livekit_double::auth::sign_hs256(
        "another-secret",
        &json!({"iss": "devkey", "exp": now + 600, "sip": {"admin": true}}),
    );
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {wrong_sig}")),
        json!({}),
    )
    .await;
    plain(&r);
    assert!(
        r.text.starts_with("invalid authorization token"),
        "{}",
        r.text
    );

    let wrong_iss =
        lk.sign_claims(&json!({"iss": "otherkey", "exp": now + 600, "sip": {"admin": true}}));
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {wrong_iss}")),
        json!({}),
    )
    .await;
    plain(&r);
    assert_eq!(r.text, "invalid API key: otherkey");

    let no_exp = lk.sign_claims(&json!({"iss": "devkey", "sip": {"admin": true}}));
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {no_exp}")),
        json!({}),
    )
    .await;
    plain(&r);
    assert!(
        r.text.starts_with("invalid authorization token: "),
        "{}",
        r.text
    );

    let expired =
        lk.sign_claims(&json!({"iss": "devkey", "exp": now - 61 - 5, "sip": {"admin": true}}));
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {expired}")),
        json!({}),
    )
    .await;
    plain(&r);
    assert!(r.text.contains("expired"), "{}", r.text);

    let not_yet = lk.sign_claims(
        &json!({"iss": "devkey", "nbf": now + 300, "exp": now + 600, "sip": {"admin": true}}),
    );
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {not_yet}")),
        json!({}),
    )
    .await;
    plain(&r);

    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some("Bearer not.a.jwt".into()),
        json!({}),
    )
    .await;
    plain(&r);
    assert_eq!(r.text, "invalid authorization token");

    // Within the 60 s leeway: accepted.
    let leeway = lk.sign_claims(&json!({"iss": "devkey", "exp": now - 20, "sip": {"admin": true}}));
    let r = call_with_token(
        &lk,
        "ListSIPInboundTrunk",
        Some(format!("Bearer {leeway}")),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn auth_without_sip_admin_is_permissions_denied() {
    let lk = LiveKitDouble::start().await;
    let now = now_secs();
    for claims in [
        json!({"iss": "devkey", "exp": now + 600}),
        json!({"iss": "devkey", "exp": now + 600, "sip": {"call": true}}),
        json!({"iss": "devkey", "exp": now + 600, "video": {"roomAdmin": true}}),
    ] {
        let t = lk.sign_claims(&claims);
        let r = call_with_token(
            &lk,
            "CreateSIPOutboundTrunk",
            Some(format!("Bearer {t}")),
            outbound_body(),
        )
        .await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json(),
            json!({"code": "unauthenticated", "msg": "permissions denied"})
        );
    }
    assert!(lk.outbound_trunks().is_empty());
}

#[tokio::test]
async fn access_token_query_parameter_works() {
    let lk = LiveKitDouble::start().await;
    let path = format!(
        "/twirp/livekit.SIP/ListSIPOutboundTrunk?access_token={}",
        lk.mint_token()
    );
    let r = raw(
        &lk,
        reqwest::Method::POST,
        &path,
        None,
        Some("application/json"),
        "{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"items": []}));
}

// ---------------------------------------------------------------------------
// routing and decoding
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bad_routes() {
    let lk = LiveKitDouble::start().await;
    let check = |r: Resp, route: &str| {
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(r.code(), "bad_route", "{}", r.text);
        assert_eq!(r.json()["meta"]["twirp_invalid_route"], route);
    };
    let r = raw(
        &lk,
        reqwest::Method::GET,
        "/twirp/livekit.SIP/ListSIPInboundTrunk",
        Some(lk.bearer()),
        None,
        "",
    )
    .await;
    check(r, "GET /twirp/livekit.SIP/ListSIPInboundTrunk");
    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.SIP/NoSuchMethod",
        Some(lk.bearer()),
        Some("application/json"),
        "{}",
    )
    .await;
    check(r, "POST /twirp/livekit.SIP/NoSuchMethod");
    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.Room/ListRooms",
        Some(lk.bearer()),
        Some("application/json"),
        "{}",
    )
    .await;
    check(r, "POST /twirp/livekit.Room/ListRooms");
    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.SIP/ListSIPInboundTrunk",
        Some(lk.bearer()),
        Some("text/plain"),
        "{}",
    )
    .await;
    check(r, "POST /twirp/livekit.SIP/ListSIPInboundTrunk");
    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.SIP/ListSIPInboundTrunk",
        Some(lk.bearer()),
        None,
        "{}",
    )
    .await;
    check(r, "POST /twirp/livekit.SIP/ListSIPInboundTrunk");
    // charset parameter is fine
    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.SIP/ListSIPInboundTrunk",
        Some(lk.bearer()),
        Some("application/json; charset=utf-8"),
        "{}",
    )
    .await;
    assert_eq!(r.status, 200);
    // known to LiveKit but not implemented here
    let r = call(&lk, "CreateSIPParticipant", json!({})).await;
    assert_eq!((r.status, r.code()), (501, "unimplemented".to_owned()));
}

#[tokio::test]
async fn unknown_and_misspelt_fields_are_rejected() {
    let lk = LiveKitDouble::start().await;
    let mut body = outbound_body();
    body["trunk"]["adress"] = json!("x");
    let r = call(&lk, "CreateSIPOutboundTrunk", body).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "malformed");
    assert!(r.msg().contains("adress"), "{}", r.msg());
    assert!(
        r.msg().starts_with("the json request could not be decoded"),
        "{}",
        r.msg()
    );
    assert_eq!(r.json()["meta"]["argument"], "trunk.adress");

    let r = call(&lk, "CreateSIPOutboundTrunk", json!({"trunk_info": {}})).await;
    assert_eq!(r.code(), "malformed");
    assert!(r.msg().contains("trunk_info"));

    let mut body = rule_body("ST_x", "", "+1555");
    body["dispatch_rule"]["room_config"]["agents"][0]["agentName2"] = json!("b");
    let r = call(&lk, "CreateSIPDispatchRule", body).await;
    assert_eq!(r.code(), "malformed");
    assert!(r.msg().contains("agentName2"), "{}", r.msg());

    let mut body = outbound_body();
    body["trunk"]["transport"] = json!("TCP");
    let r = call(&lk, "CreateSIPOutboundTrunk", body).await;
    assert_eq!(r.code(), "malformed");
    assert!(r.msg().contains("transport"), "{}", r.msg());

    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": "ST_x", "update": {"numbers": {"append": ["+1"]}}}),
    )
    .await;
    assert_eq!(r.code(), "malformed");
    assert!(r.msg().contains("append"));

    let r = raw(
        &lk,
        reqwest::Method::POST,
        "/twirp/livekit.SIP/ListSIPInboundTrunk",
        Some(lk.bearer()),
        Some("application/json"),
        "not json",
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "malformed".to_owned()));
    assert!(lk.outbound_trunks().is_empty());
    assert!(lk.dispatch_rules().is_empty());
}

#[tokio::test]
async fn camel_case_null_and_enum_numbers_are_accepted() {
    let lk = LiveKitDouble::start().await;
    let r = call(
        &lk,
        "CreateSIPOutboundTrunk",
        json!({"trunk": {"address": "h.example", "numbers": ["+1"], "authUsername": "u", "transport": 3, "media": null, "fromHost": null}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["auth_username"], "u");
    assert_eq!(v["transport"], "SIP_TRANSPORT_TLS");
}

// ---------------------------------------------------------------------------
// validation rules
// ---------------------------------------------------------------------------

#[tokio::test]
async fn outbound_validation() {
    let lk = LiveKitDouble::start().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"numbers": []}), "no trunk numbers specified"),
        (json!({"address": ""}), "no outbound address specified"),
        (
            json!({"address": "sip:sip.carrier.example"}),
            "trunk address should be a hostname or IP, not SIP URI",
        ),
        (
            json!({"address": "sips:sip.carrier.example"}),
            "trunk address should be a hostname or IP, not SIP URI",
        ),
        (
            json!({"address": "user@sip.carrier.example"}),
            "trunk address should be a hostname or IP, not SIP URI",
        ),
        (
            json!({"address": "sip.carrier.example;lr"}),
            "trunk address should be a hostname or IP, not SIP URI",
        ),
        (
            json!({"address": "sip.carrier.example transport=tcp"}),
            "trunk address should not contain transport parameter",
        ),
        (
            json!({"from_host": "sip:me.example"}),
            "from_host should be a hostname or IP, not SIP URI",
        ),
        (
            json!({"sip_trunk_id": "ST_abc"}),
            "trunk id must not be set",
        ),
        (
            json!({"headers": {"Contact": "x"}}),
            "invalid header name: header name Contact not supported",
        ),
    ];
    for (patch, msg) in cases {
        let mut body = outbound_body();
        for (k, v) in patch.as_object().unwrap() {
            body["trunk"][k] = v.clone();
        }
        let r = call(&lk, "CreateSIPOutboundTrunk", body).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_argument".to_owned()),
            "{patch}: {}",
            r.text
        );
        assert_eq!(r.msg(), msg, "{patch}");
    }
    let r = call(&lk, "CreateSIPOutboundTrunk", json!({})).await;
    assert_eq!(r.msg(), "missing trunk");
    // host:port is fine
    let mut body = outbound_body();
    body["trunk"]["address"] = json!("203.0.113.7:5061");
    assert_eq!(call(&lk, "CreateSIPOutboundTrunk", body).await.status, 200);
    assert_eq!(lk.outbound_trunks().len(), 1);
}

#[tokio::test]
async fn inbound_validation() {
    let lk = LiveKitDouble::start().await;
    let r = call(
        &lk,
        "CreateSIPInboundTrunk",
        json!({"trunk": {"name": "open", "allowed_numbers": ["+1"]}}),
    )
    .await;
    assert_eq!(r.code(), "invalid_argument");
    assert!(
        r.msg()
            .starts_with("for security, one of the fields must be set"),
        "{}",
        r.msg()
    );
    // any one of them is enough (distinct allowed_numbers keep these wildcard
    // trunks from conflicting with each other)
    for trunk in [
        json!({"auth_username": "u", "auth_password": "p", "allowed_numbers": ["+1"]}),
        json!({"allowed_addresses": ["198.51.100.1"], "allowed_numbers": ["+2"]}),
        json!({"numbers": ["+15550199"]}),
    ] {
        let r = call(&lk, "CreateSIPInboundTrunk", json!({ "trunk": trunk })).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let mut body = inbound_body(&["+15550100"], &[]);
    body["trunk"]["sip_trunk_id"] = json!("ST_given");
    let r = call(&lk, "CreateSIPInboundTrunk", body).await;
    assert_eq!(r.msg(), "trunk id must not be set");
}

// ---------------------------------------------------------------------------
// round trips
// ---------------------------------------------------------------------------

#[tokio::test]
async fn outbound_round_trip() {
    let lk = LiveKitDouble::start().await;
    let r = call(&lk, "CreateSIPOutboundTrunk", outbound_body()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let created = r.json();
    let id = created["sip_trunk_id"].as_str().unwrap().to_owned();
    assert_id(&id, "ST_");
    // EmitUnpopulated: every field, snake_case, enums by name, unset messages null.
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "sip_trunk_id",
        "name",
        "metadata",
        "address",
        "destination_country",
        "transport",
        "numbers",
        "auth_username",
        "auth_password",
        "headers",
        "headers_to_attributes",
        "attributes_to_headers",
        "include_headers",
        "media_encryption",
        "media",
        "from_host",
        "created_at",
        "updated_at",
    ] {
        assert!(keys.contains(&k), "missing {k} in {created}");
    }
    assert_eq!(created["include_headers"], "SIP_NO_HEADERS");
    assert_eq!(created["media_encryption"], "SIP_MEDIA_ENCRYPT_DISABLE");
    assert_eq!(created["media"], Value::Null);
    assert_eq!(created["created_at"], Value::Null);
    assert_eq!(created["headers_to_attributes"], json!({}));

    let got = call(&lk, "GetSIPOutboundTrunk", json!({"sip_trunk_id": id})).await;
    assert_eq!(got.json(), json!({ "trunk": created }));
    // an outbound id is not an inbound trunk
    let r = call(&lk, "GetSIPInboundTrunk", json!({"sip_trunk_id": id})).await;
    assert_eq!(
        (r.status, r.msg()),
        (404, "requested sip trunk does not exist".to_owned())
    );

    let r = call(&lk, "UpdateSIPOutboundTrunk", json!({"sip_trunk_id": id, "update": {"name": "renamed", "numbers": {"add": ["+15550101"]}, "transport": "SIP_TRANSPORT_UDP"}})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let updated = r.json();
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["numbers"], json!(["+15550100", "+15550101"]));
    assert_eq!(updated["transport"], "SIP_TRANSPORT_UDP");
    assert_eq!(updated["auth_password"], "s3cret", "untouched fields stay");

    let mut replacement = outbound_body()["trunk"].clone();
    replacement["name"] = json!("replaced");
    replacement["headers"] = json!({});
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": id, "replace": replacement}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "replaced");
    assert_eq!(r.json()["sip_trunk_id"], id.as_str());
    assert_eq!(r.json()["headers"], json!({}));

    let listed = call(&lk, "ListSIPOutboundTrunk", json!({})).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    let r = call(&lk, "DeleteSIPTrunk", json!({"sip_trunk_id": id})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["sip_trunk_id"], id.as_str());
    assert_eq!(r.json()["kind"], "TRUNK_LEGACY");
    assert!(lk.outbound_trunks().is_empty());
    let r = call(&lk, "GetSIPOutboundTrunk", json!({"sip_trunk_id": id})).await;
    assert_eq!((r.status, r.code()), (404, "not_found".to_owned()));
    // deleting an unknown id is fine, like LiveKit
    let r = call(
        &lk,
        "DeleteSIPTrunk",
        json!({"sip_trunk_id": "ST_doesnotexist"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(&lk, "DeleteSIPTrunk", json!({})).await;
    assert_eq!(
        (r.status, r.msg()),
        (400, "trunk ID is required".to_owned())
    );
}

#[tokio::test]
async fn update_errors_and_list_update_rules() {
    let lk = LiveKitDouble::start().await;
    let id = call(&lk, "CreateSIPOutboundTrunk", outbound_body())
        .await
        .json()["sip_trunk_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = |u: Value| json!({"sip_trunk_id": id, "update": {"numbers": u}});
    for (lu, msg) in [
        (json!({}), "unsupported list update operation"),
        (
            json!({"clear": true, "add": ["+1"]}),
            "cannot clear and change the list at the same time",
        ),
        (
            json!({"set": ["+1"], "remove": ["+2"]}),
            "cannot set and change the list at the same time",
        ),
        (json!({"add": [""]}), "empty element in the list"),
    ] {
        let r = call(&lk, "UpdateSIPOutboundTrunk", bad(lu.clone())).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_argument".to_owned()),
            "{lu}"
        );
        assert_eq!(r.msg(), msg);
    }
    // valid request, invalid result: a bare error after applying -> unknown/500, nothing stored
    let r = call(&lk, "UpdateSIPOutboundTrunk", bad(json!({"clear": true}))).await;
    assert_eq!(
        (r.status, r.code()),
        (500, "unknown".to_owned()),
        "{}",
        r.text
    );
    assert_eq!(r.msg(), "no trunk numbers specified");
    assert_eq!(lk.outbound_trunks()[0].numbers, ["+15550100"]);

    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": "ST_nope", "update": {"name": "x"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.code(), r.msg()),
        (
            404,
            "not_found".to_owned(),
            "requested sip trunk does not exist".to_owned()
        )
    );
    let r = call(&lk, "UpdateSIPOutboundTrunk", json!({"sip_trunk_id": id})).await;
    assert_eq!(r.msg(), "missing or unsupported update action");
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"update": {"name": "x"}}),
    )
    .await;
    assert_eq!(r.msg(), "trunk id must be set");
    let mut replacement = outbound_body()["trunk"].clone();
    replacement["sip_trunk_id"] = json!("ST_other");
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": id, "replace": replacement}),
    )
    .await;
    assert_eq!(
        r.msg(),
        "trunk id in the info must be empty or match the id in the update"
    );
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": id, "replace": {"address": "sip:x", "numbers": ["+1"]}}),
    )
    .await;
    assert_eq!(
        (r.code(), r.msg()),
        (
            "invalid_argument".to_owned(),
            "trunk address should be a hostname or IP, not SIP URI".to_owned()
        )
    );
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": id, "replace": outbound_body()["trunk"], "update": {"name": "x"}}),
    )
    .await;
    assert_eq!(r.code(), "malformed");

    // inbound: removing the last security field after applying -> unknown/500
    let inb = call(
        &lk,
        "CreateSIPInboundTrunk",
        json!({"trunk": {"allowed_addresses": ["198.51.100.1"]}}),
    )
    .await
    .json();
    let inb_id = inb["sip_trunk_id"].as_str().unwrap();
    let r = call(&lk, "UpdateSIPInboundTrunk", json!({"sip_trunk_id": inb_id, "update": {"allowed_addresses": {"remove": ["198.51.100.1"]}}})).await;
    assert_eq!(
        (r.status, r.code()),
        (500, "unknown".to_owned()),
        "{}",
        r.text
    );
    let r = call(&lk, "UpdateSIPInboundTrunk", json!({"sip_trunk_id": inb_id, "update": {"allowed_addresses": {"set": ["198.51.100.2"]}, "numbers": {"add": ["+15550111"]}, "metadata": "m"}})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["allowed_addresses"], json!(["198.51.100.2"]));
    assert_eq!(r.json()["numbers"], json!(["+15550111"]));
    assert_eq!(r.json()["metadata"], "m");
}

#[tokio::test]
async fn inbound_number_conflicts() {
    let lk = LiveKitDouble::start().await;
    let a = call(
        &lk,
        "CreateSIPInboundTrunk",
        inbound_body(&["+1 555-0100"], &[]),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a_id = a.json()["sip_trunk_id"].as_str().unwrap().to_owned();
    // the same number after NormalizeNumber, neither restricts callers -> conflict
    let r = call(
        &lk,
        "CreateSIPInboundTrunk",
        inbound_body(&["15550100"], &[]),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "invalid_argument".to_owned()),
        "{}",
        r.text
    );
    assert!(
        r.msg()
            .starts_with("Conflicting inbound SIP Trunks: \"<new>\" and \""),
        "{}",
        r.msg()
    );
    assert!(r.msg().contains(&a_id));
    // distinct callers on the same number are fine
    let b = call(
        &lk,
        "CreateSIPInboundTrunk",
        inbound_body(&["+15550100"], &["+15559999"]),
    )
    .await;
    assert_eq!(b.status, 200, "{}", b.text);
    let b_id = b.json()["sip_trunk_id"].as_str().unwrap().to_owned();
    // …but not the same caller twice
    let r = call(
        &lk,
        "CreateSIPInboundTrunk",
        inbound_body(&["+15550100"], &["15559999"]),
    )
    .await;
    assert_eq!(r.code(), "invalid_argument");
    assert!(r.msg().contains("AllowedNumber"), "{}", r.msg());
    // other numbers don't conflict; wildcard trunks only with other wildcard trunks
    assert_eq!(
        call(
            &lk,
            "CreateSIPInboundTrunk",
            inbound_body(&["+15550200"], &[])
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(&lk, "CreateSIPInboundTrunk", inbound_body(&[], &[]))
            .await
            .status,
        200
    );
    assert_eq!(
        call(&lk, "CreateSIPInboundTrunk", inbound_body(&[], &[]))
            .await
            .code(),
        "invalid_argument"
    );
    // an update can create a conflict too
    let r = call(
        &lk,
        "UpdateSIPInboundTrunk",
        json!({"sip_trunk_id": b_id, "update": {"allowed_numbers": {"clear": true}}}),
    )
    .await;
    assert_eq!(r.code(), "invalid_argument", "{}", r.text);
    assert_eq!(lk.inbound_trunks().len(), 4);
    // updating a trunk without changing its numbers does not conflict with itself
    let r = call(
        &lk,
        "UpdateSIPInboundTrunk",
        json!({"sip_trunk_id": a_id, "update": {"name": "again"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn list_filters_and_pages() {
    let lk = LiveKitDouble::start().await;
    let mut ids = Vec::new();
    for n in ["+15550001", "+15550002", "+15550003"] {
        let r = call(&lk, "CreateSIPInboundTrunk", inbound_body(&[n], &[])).await;
        ids.push(r.json()["sip_trunk_id"].as_str().unwrap().to_owned());
    }
    let wildcard = call(&lk, "CreateSIPInboundTrunk", inbound_body(&[], &[]))
        .await
        .json()["sip_trunk_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let all = call(&lk, "ListSIPInboundTrunk", json!({})).await.json();
    let listed: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["sip_trunk_id"].as_str().unwrap())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "sorted by id");
    assert_eq!(listed.len(), 4);

    let r = call(&lk, "ListSIPInboundTrunk", json!({"trunk_ids": [ids[1]]}))
        .await
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    // numbers filter: normalised, and wildcard trunks always match
    let r = call(
        &lk,
        "ListSIPInboundTrunk",
        json!({"numbers": ["1 555 000 2"]}),
    )
    .await
    .json();
    let got: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["sip_trunk_id"].as_str().unwrap())
        .collect();
    assert!(
        got.contains(&ids[1].as_str()) && got.contains(&wildcard.as_str()) && got.len() == 2,
        "{got:?}"
    );
    // after_id pages; limit does not truncate
    let r = call(
        &lk,
        "ListSIPInboundTrunk",
        json!({"page": {"after_id": sorted[1], "limit": 1}}),
    )
    .await
    .json();
    let got: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["sip_trunk_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, sorted[2..]);

    // outbound numbers filter is exact
    call(&lk, "CreateSIPOutboundTrunk", outbound_body()).await;
    let r = call(
        &lk,
        "ListSIPOutboundTrunk",
        json!({"numbers": ["+15550100"]}),
    )
    .await
    .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = call(
        &lk,
        "ListSIPOutboundTrunk",
        json!({"numbers": ["15550100"]}),
    )
    .await
    .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn dispatch_rules_round_trip_and_conflicts() {
    let lk = LiveKitDouble::start().await;
    let r = call(
        &lk,
        "CreateSIPDispatchRule",
        rule_body("ST_aaaaaaaaaaaa", "", "+15550100"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rule = r.json();
    let id = rule["sip_dispatch_rule_id"].as_str().unwrap().to_owned();
    assert_id(&id, "SDR_");
    assert_eq!(
        rule["rule"],
        json!({"dispatch_rule_individual": {"room_prefix": "call", "pin": "", "no_randomness": false}})
    );
    assert_eq!(
        rule["room_config"]["agents"],
        json!([{"agent_name": "bot", "metadata": "{}"}])
    );
    assert_eq!(rule["room_config"]["egress"], Value::Null);
    assert_eq!(rule["inbound_numbers"], json!([]));
    assert_eq!(rule["hide_phone_number"], false);

    // same trunk + number + pin (after normalisation) -> conflict
    let r = call(
        &lk,
        "CreateSIPDispatchRule",
        rule_body("ST_aaaaaaaaaaaa", "", "1 555 0100"),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "invalid_argument".to_owned()),
        "{}",
        r.text
    );
    assert!(r.msg().contains(&id), "{}", r.msg());
    // a different pin, number or trunk is fine
    assert_eq!(
        call(
            &lk,
            "CreateSIPDispatchRule",
            rule_body("ST_aaaaaaaaaaaa", "1234", "+15550100")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &lk,
            "CreateSIPDispatchRule",
            rule_body("ST_aaaaaaaaaaaa", "", "+15550101")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &lk,
            "CreateSIPDispatchRule",
            rule_body("ST_bbbbbbbbbbbb", "", "+15550100")
        )
        .await
        .status,
        200
    );

    // validation
    let r = call(
        &lk,
        "CreateSIPDispatchRule",
        json!({"dispatch_rule": {"name": "no rule"}}),
    )
    .await;
    assert_eq!(
        (r.code(), r.msg()),
        ("invalid_argument".to_owned(), "missing rule".to_owned())
    );
    let r = call(&lk, "CreateSIPDispatchRule", json!({})).await;
    assert_eq!(r.msg(), "missing rule");
    let mut body = rule_body("ST_c", "", "+1");
    body["dispatch_rule"]["sip_dispatch_rule_id"] = json!("SDR_x");
    assert_eq!(
        call(&lk, "CreateSIPDispatchRule", body).await.msg(),
        "rule id must not be set"
    );
    let mut body = rule_body("ST_c", "", "+1");
    body["trunk_ids"] = json!(["ST_c"]);
    let r = call(&lk, "CreateSIPDispatchRule", body).await;
    assert_eq!(r.code(), "invalid_argument");
    assert!(
        r.msg().contains("deprecated") && r.msg().contains("trunk_ids"),
        "{}",
        r.msg()
    );
    let mut body = rule_body("ST_c", "", "+1");
    body["dispatch_rule"]["rule"] = json!({});
    let r = call(&lk, "CreateSIPDispatchRule", body).await;
    assert_eq!(
        (r.status, r.code()),
        (500, "unknown".to_owned()),
        "{}",
        r.text
    );
    let mut body = rule_body("ST_c", "", "+1");
    body["dispatch_rule"]["rule"]["dispatch_rule_direct"] = json!({"room_name": "r"});
    assert_eq!(
        call(&lk, "CreateSIPDispatchRule", body).await.code(),
        "malformed"
    );
    assert_eq!(lk.dispatch_rules().len(), 4);

    // update: attributes diff, trunk ids list update, rule replacement
    let r = call(
        &lk,
        "UpdateSIPDispatchRule",
        json!({"sip_dispatch_rule_id": id, "update": {
            "attributes": {"a": "", "b": "2"},
            "trunk_ids": {"add": ["ST_cccccccccccc"]},
            "rule": {"dispatch_rule_direct": {"room_name": "lobby", "pin": ""}},
            "metadata": "m2"
        }}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let u = r.json();
    assert_eq!(u["attributes"], json!({"b": "2"}));
    assert_eq!(
        u["trunk_ids"],
        json!(["ST_aaaaaaaaaaaa", "ST_cccccccccccc"])
    );
    assert_eq!(
        u["rule"],
        json!({"dispatch_rule_direct": {"room_name": "lobby", "pin": ""}})
    );
    assert_eq!(u["name"], "rule +15550100");

    // update into a conflict
    let r = call(&lk, "UpdateSIPDispatchRule", json!({"sip_dispatch_rule_id": id, "update": {"rule": {"dispatch_rule_individual": {"pin": "1234"}}}})).await;
    assert_eq!(r.code(), "invalid_argument", "{}", r.text);

    // list filters
    let r = call(
        &lk,
        "ListSIPDispatchRule",
        json!({"trunk_ids": ["ST_bbbbbbbbbbbb"]}),
    )
    .await
    .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = call(
        &lk,
        "ListSIPDispatchRule",
        json!({"dispatch_rule_ids": [id]}),
    )
    .await
    .json();
    assert_eq!(r["items"][0]["sip_dispatch_rule_id"], id.as_str());

    // replace, delete, not found
    let mut replacement = rule_body("ST_dddddddddddd", "", "+15550999")["dispatch_rule"].clone();
    replacement["name"] = json!("replaced");
    let r = call(
        &lk,
        "UpdateSIPDispatchRule",
        json!({"sip_dispatch_rule_id": id, "replace": replacement}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["attributes"], json!({"a": "1"}));
    let r = call(
        &lk,
        "DeleteSIPDispatchRule",
        json!({"sip_dispatch_rule_id": id}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "replaced");
    let r = call(
        &lk,
        "DeleteSIPDispatchRule",
        json!({"sip_dispatch_rule_id": id}),
    )
    .await;
    assert_eq!((r.status, r.code()), (404, "not_found".to_owned()));
    let r = call(
        &lk,
        "UpdateSIPDispatchRule",
        json!({"sip_dispatch_rule_id": id, "update": {"name": "x"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.msg()),
        (404, "requested sip dispatch rule does not exist".to_owned())
    );
}

// ---------------------------------------------------------------------------
// fault injection
// ---------------------------------------------------------------------------

#[tokio::test]
async fn fail_next_for_a_method() {
    let lk = LiveKitDouble::start().await;
    lk.fail_next_for(
        "CreateSIPOutboundTrunk",
        2,
        TwirpError::unavailable("try later"),
    );
    // other methods are unaffected
    assert_eq!(
        call(&lk, "ListSIPOutboundTrunk", json!({})).await.status,
        200
    );
    // malformed requests don't consume the fault
    assert_eq!(
        call(&lk, "CreateSIPOutboundTrunk", json!({"x": 1}))
            .await
            .code(),
        "malformed"
    );
    for _ in 0..2 {
        let r = call(&lk, "CreateSIPOutboundTrunk", outbound_body()).await;
        assert_eq!(r.status, 503);
        assert_eq!(r.json(), json!({"code": "unavailable", "msg": "try later"}));
    }
    assert!(lk.outbound_trunks().is_empty(), "not applied");
    assert_eq!(
        call(&lk, "CreateSIPOutboundTrunk", outbound_body())
            .await
            .status,
        200
    );
    assert!(lk.pending_faults().is_empty());
    assert_eq!(lk.request_count("CreateSIPOutboundTrunk"), 4);
    assert_eq!(lk.request_count("ListSIPOutboundTrunk"), 1);

    // any method, custom status
    lk.fail_next(
        1,
        TwirpError::new("resource_exhausted", "slow down").with_status(429),
    );
    let r = call(&lk, "ListSIPInboundTrunk", json!({})).await;
    assert_eq!((r.status, r.code()), (429, "resource_exhausted".to_owned()));
}

#[tokio::test]
async fn fail_after_commit_applies_the_change() {
    let lk = LiveKitDouble::start().await;
    lk.fail_after_commit(Some("CreateSIPOutboundTrunk"), 1);
    let r = call(&lk, "CreateSIPOutboundTrunk", outbound_body()).await;
    assert_eq!((r.status, r.code()), (500, "unknown".to_owned()));
    assert_eq!(lk.outbound_trunks().len(), 1, "the change was committed");
    // an invalid request is answered normally and keeps nothing
    lk.fail_after_commit(None, 1);
    let r = call(
        &lk,
        "CreateSIPOutboundTrunk",
        json!({"trunk": {"address": "x"}}),
    )
    .await;
    assert_eq!(r.code(), "invalid_argument");
}

#[tokio::test]
async fn dropped_connections() {
    let lk = LiveKitDouble::start().await;
    lk.drop_next(Some("CreateSIPOutboundTrunk"), 1);
    let err = client()
        .post(lk.method_url("CreateSIPOutboundTrunk"))
        .header("Authorization", lk.bearer())
        .json(&outbound_body())
        .send()
        .await
        .expect_err("the connection must be closed without an answer");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(lk.outbound_trunks().is_empty());

    lk.drop_after_commit(Some("CreateSIPOutboundTrunk"), 1);
    let err = client()
        .post(lk.method_url("CreateSIPOutboundTrunk"))
        .header("Authorization", lk.bearer())
        .json(&outbound_body())
        .send()
        .await;
    assert!(err.is_err());
    assert_eq!(lk.outbound_trunks().len(), 1, "committed before the drop");
    assert_eq!(lk.requests().last().map(|r| r.status), Some(0));

    // the server is still healthy
    assert_eq!(
        call(&lk, "ListSIPOutboundTrunk", json!({})).await.status,
        200
    );
}

#[tokio::test]
async fn delays_and_timeouts() {
    let lk = LiveKitDouble::start().await;
    lk.delay_next(Some("ListSIPInboundTrunk"), 1, Duration::from_millis(1500));
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = quick
        .post(lk.method_url("ListSIPInboundTrunk"))
        .header("Authorization", lk.bearer())
        .json(&json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    lk.set_delay(Duration::from_millis(200));
    let start = std::time::Instant::now();
    assert_eq!(
        call(&lk, "ListSIPInboundTrunk", json!({})).await.status,
        200
    );
    assert!(start.elapsed() >= Duration::from_millis(200));
    lk.clear_faults();
}

#[tokio::test]
async fn down_mode() {
    let lk = LiveKitDouble::start().await;
    lk.set_down(true);
    let r = call(&lk, "ListSIPInboundTrunk", json!({})).await;
    assert_eq!((r.status, r.code()), (503, "unavailable".to_owned()));
    // even without auth
    let r = call_with_token(&lk, "ListSIPInboundTrunk", None, json!({})).await;
    assert_eq!(r.status, 503);
    lk.set_down(false);
    assert_eq!(
        call(&lk, "ListSIPInboundTrunk", json!({})).await.status,
        200
    );
}

#[tokio::test]
async fn control_endpoints() {
    let lk = LiveKitDouble::start().await;
    let http = client();
    let token: Value = http
        .get(format!("{}/_double/token", lk.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    assert_eq!(
        call_with_token(&lk, "ListSIPInboundTrunk", Some(bearer), json!({}))
            .await
            .status,
        200
    );

    let r = http
        .post(format!("{}/_double/faults", lk.url))
        .json(&json!({"method": "ListSIPInboundTrunk", "times": 1, "action": {"kind": "error", "code": "internal", "msg": "boom"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = call(&lk, "ListSIPInboundTrunk", json!({})).await;
    assert_eq!(
        (r.status, r.code(), r.msg()),
        (500, "internal".to_owned(), "boom".to_owned())
    );

    let r = http
        .post(format!("{}/_double/faults", lk.url))
        .json(&json!({"action": {"kind": "explode"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    http.post(format!("{}/_double/down", lk.url))
        .json(&json!({"down": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        call(&lk, "ListSIPInboundTrunk", json!({})).await.status,
        503
    );
    http.delete(format!("{}/_double/faults", lk.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        call(&lk, "ListSIPInboundTrunk", json!({})).await.status,
        200
    );

    let planted: Value = http
        .post(format!("{}/_double/outbound_trunks", lk.url))
        .json(&json!({"metadata": "{\"ori\":\"orphan\"}", "address": "x", "numbers": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = planted["sip_trunk_id"].as_str().unwrap().to_owned();
    assert_id(&id, "ST_");
    let state: Value = http
        .get(format!("{}/_double/state", lk.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["outbound_trunks"][0]["sip_trunk_id"], id.as_str());
    assert!(state["counts"]["ListSIPInboundTrunk"].as_u64().unwrap() >= 4);
    let del: Value = http
        .delete(format!("{}/_double/objects/{id}", lk.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(del["deleted"], true);
    assert!(lk.outbound_trunks().is_empty());
    let log: Value = http
        .get(format!("{}/_double/requests", lk.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!log.as_array().unwrap().is_empty());
    http.post(format!("{}/_double/reset", lk.url))
        .send()
        .await
        .unwrap();
    assert_eq!(lk.total_requests(), 0);
}

// ---------------------------------------------------------------------------
// inspection and mutation behind the client's back
// ---------------------------------------------------------------------------

#[tokio::test]
async fn foreign_objects_and_deletion_behind_our_back() {
    let lk = LiveKitDouble::start().await;
    // an orphan tagged as ours, invalid by LiveKit's rules, planted directly
    let orphan = lk.insert_foreign_inbound_trunk(SipInboundTrunkInfo {
        metadata: "{\"ori\":\"carrier-x\"}".into(),
        ..Default::default()
    });
    assert_id(&orphan, "ST_");
    let rule = lk.insert_foreign_dispatch_rule(SipDispatchRuleInfo {
        rule: Some(SipDispatchRule {
            dispatch_rule_individual: Some(SipDispatchRuleIndividual::default()),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert_id(&rule, "SDR_");
    let listed = call(&lk, "ListSIPInboundTrunk", json!({})).await.json();
    assert_eq!(listed["items"][0]["metadata"], "{\"ori\":\"carrier-x\"}");
    assert_eq!(
        call(&lk, "ListSIPDispatchRule", json!({})).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let created = call(&lk, "CreateSIPOutboundTrunk", outbound_body())
        .await
        .json();
    let id = created["sip_trunk_id"].as_str().unwrap();
    assert!(lk.edit_outbound_trunk(id, |t| t.address = "drifted.example".into()));
    let got = call(&lk, "GetSIPOutboundTrunk", json!({"sip_trunk_id": id}))
        .await
        .json();
    assert_eq!(got["trunk"]["address"], "drifted.example");
    assert!(lk.delete_behind_our_back(id));
    assert!(!lk.delete_behind_our_back(id));
    let r = call(
        &lk,
        "UpdateSIPOutboundTrunk",
        json!({"sip_trunk_id": id, "update": {"name": "x"}}),
    )
    .await;
    assert_eq!(r.code(), "not_found");

    let log = lk.requests();
    assert_eq!(log.last().unwrap().method, "UpdateSIPOutboundTrunk");
    assert_eq!(log.last().unwrap().status, 404);
    assert_eq!(log.last().unwrap().body["sip_trunk_id"], id);
    assert_eq!(lk.request_counts().get("CreateSIPOutboundTrunk"), Some(&1));
    lk.reset();
    assert!(lk.inbound_trunks().is_empty() && lk.dispatch_rules().is_empty());
}

#[tokio::test]
async fn injected_fault_struct_round_trips_through_json() {
    let f = Fault::error(Some("DeleteSIPTrunk"), 3, TwirpError::unavailable("x")).after_commit();
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["action"]["kind"], "error");
    let back: Fault = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
}
