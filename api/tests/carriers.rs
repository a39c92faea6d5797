//! The carriers API over HTTP, on the configured database.

#![allow(clippy::unwrap_used)]

mod common;

use common::{field_error, id, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn create_applies_spec_defaults() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/carriers",
            &json!({"name": " Primary trunk — IN ", "sip_address": "sip.example.com:5060"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let c: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/carriers/{}", id(&c)));
    assert_eq!(etag, "\"1\"");
    assert_eq!(c["name"], "Primary trunk — IN");
    assert_eq!(c["transport"], "auto");
    assert_eq!(c["outbound_cps"], 1.0);
    assert_eq!(c["outbound_burst"], 1);
    assert_eq!(c["outbound_channels"], 30);
    assert_eq!(c["inbound_auth"], "digest");
    assert_eq!(c["has_password"], false);
    assert_eq!(c["allowed_ips"], json!([]));
    assert_eq!(c["sync_status"], "pending");
    assert_eq!(c["did_count"], 0);
    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, c);
}

#[tokio::test]
async fn every_field_rejects_bad_values_with_its_own_message() {
    let app = spawn_app().await;
    let cases: &[(&str, Value, &str)] = &[
        ("name", json!("   "), "Name is required."),
        ("name", json!("x".repeat(101)), "at most 100 characters"),
        ("sip_address", json!(""), "SIP Address is required."),
        (
            "sip_address",
            json!("sip:carrier.example"),
            "without a scheme",
        ),
        (
            "sip_address",
            json!("carrier example.com"),
            "cannot contain spaces",
        ),
        ("sip_address", json!("user@carrier.example"), "\"@\""),
        (
            "sip_address",
            json!("carrier.example;transport=tcp"),
            ";transport=",
        ),
        (
            "sip_address",
            json!("carrier.example:0"),
            "Port must be a number from 1 to 65535.",
        ),
        (
            "sip_address",
            json!("carrier.example:65536"),
            "Port must be a number from 1 to 65535.",
        ),
        (
            "sip_address",
            json!("carri$er.example"),
            "not a valid host name",
        ),
        ("transport", json!("sctp"), "auto, udp, tcp or tls"),
        (
            "destination_country",
            json!("x".repeat(129)),
            "Destination Country must be at most",
        ),
        (
            "username",
            json!("a\u{7}b"),
            "Username cannot contain control characters.",
        ),
        (
            "password",
            json!("x".repeat(129)),
            "Password must be at most",
        ),
        (
            "allowed_ips",
            json!(["192.0.2.300"]),
            "not an IP address or CIDR range",
        ),
        (
            "allowed_ips",
            json!(["192.0.2.10", "192.0.2.10"]),
            "listed more than once",
        ),
        ("inbound_auth", json!("magic"), "digest or ip_allowlist"),
        (
            "outbound_cps",
            json!(0.09),
            "Outbound CPS must be a number from 0.1 to 100.",
        ),
        (
            "outbound_cps",
            json!(100.01),
            "Outbound CPS must be a number from 0.1 to 100.",
        ),
        (
            "outbound_cps",
            json!("fast"),
            "Outbound CPS must be a number from 0.1 to 100.",
        ),
        (
            "outbound_burst",
            json!(0),
            "Outbound Burst must be a whole number from 1 to 1000.",
        ),
        (
            "outbound_burst",
            json!(1001),
            "Outbound Burst must be a whole number from 1 to 1000.",
        ),
        (
            "outbound_burst",
            json!(1.5),
            "Outbound Burst must be a whole number from 1 to 1000.",
        ),
        (
            "outbound_channels",
            json!(0),
            "Outbound Channels must be a whole number from 1 to 500.",
        ),
        (
            "outbound_channels",
            json!(501),
            "Outbound Channels must be a whole number from 1 to 500.",
        ),
    ];
    for (field, value, message) in cases {
        let mut body = json!({"name": "A", "sip_address": "sip.a.example"});
        body[*field] = value.clone();
        let p = problem(
            app.post("/api/v1/carriers", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let got =
            field_error(&p, field).unwrap_or_else(|| panic!("no error for {field}={value}: {p}"));
        assert!(
            got.contains(message),
            "{field}={value}: got {got:?}, want {message:?}"
        );
        assert_eq!(
            p["errors"].as_array().unwrap().len(),
            1,
            "only {field} is wrong: {p}"
        );
    }
    // Values at the edges are accepted.
    for (field, value) in [
        ("outbound_cps", json!(0.1)),
        ("outbound_cps", json!(100)),
        ("outbound_burst", json!(1000)),
        ("outbound_channels", json!(500)),
        ("sip_address", json!("[2001:db8::1]:5061")),
        ("sip_address", json!("203.0.113.10:5062")),
    ] {
        let mut body = json!({"name": "Edge", "sip_address": "sip.a.example"});
        body[field] = value.clone();
        let res = app.post("/api/v1/carriers", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{field}={value}");
    }
    let list: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    assert_eq!(list["total"], 6, "no rejected request stored anything");
}

#[tokio::test]
async fn search_matches_name_or_address_in_any_case() {
    let app = spawn_app().await;
    app.carrier(json!({"name": "Twilio US", "sip_address": "acme.pstn.twilio.com"}))
        .await;
    app.carrier(json!({"name": "Telnyx", "sip_address": "sip.telnyx.com"}))
        .await;
    app.carrier(json!({"name": "Exotel India", "sip_address": "pstn.in2.exotel.com:5070"}))
        .await;
    app.carrier(json!({"name": "100% Carrier", "sip_address": "203.0.113.10"}))
        .await;
    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let search = |q: &str| {
        let url = format!("/api/v1/carriers?q={}", urlencode(q));
        let app = &app;
        async move { app.get(&url).await.json::<Value>().await.unwrap() }
    };
    assert_eq!(names(search("TWILIO").await), ["Twilio US"]);
    assert_eq!(
        names(search("telnyx.COM").await),
        ["Telnyx"],
        "matches the address"
    );
    assert_eq!(
        names(search("pstn").await),
        ["Exotel India", "Twilio US"],
        "substring, sorted by name"
    );
    assert_eq!(names(search("india").await), ["Exotel India"]);
    assert_eq!(
        names(search("%").await),
        ["100% Carrier"],
        "wildcards are literal"
    );
    assert_eq!(names(search("_").await), Vec::<String>::new());
    let none = search("nothing-like-this").await;
    assert_eq!(
        (none["total"].clone(), none["items"].clone()),
        (json!(0), json!([]))
    );
    let all = search("").await;
    assert_eq!(all["total"], 4);
    assert_eq!(
        names(all),
        ["100% Carrier", "Exotel India", "Telnyx", "Twilio US"]
    );
}

#[tokio::test]
async fn search_follows_renames_and_deletes_and_takes_any_text() {
    let app = spawn_app().await;
    let acme = app
        .carrier(json!({"name": "Acme \"Voice\"", "sip_address": "sip.acme.example"}))
        .await;
    let other = app
        .carrier(json!({"name": "Zed", "sip_address": "sip.zed.example"}))
        .await;
    let found = |q: &'static str| {
        let app = &app;
        async move {
            let url = format!("/api/v1/carriers?q={}", urlencode(q));
            let page: Value = app.get(&url).await.json().await.unwrap();
            let names: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(page["total"], names.len(), "total of {q:?}");
            names
        }
    };
    assert_eq!(
        found("\"voice\"").await,
        ["Acme \"Voice\""],
        "quotes are literal"
    );
    assert_eq!(found("ac").await, ["Acme \"Voice\""], "two letters");
    assert_eq!(found("z").await, ["Zed"], "one letter");

    let id = acme["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/carriers/{id}"),
            &json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        found("acme").await,
        ["Renamed"],
        "the address still matches"
    );
    assert_eq!(
        found("voice").await,
        Vec::<String>::new(),
        "the old name is gone"
    );
    assert_eq!(found("renamed").await, ["Renamed"]);

    let res = app
        .delete(&format!(
            "/api/v1/carriers/{}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(found("zed").await, Vec::<String>::new(), "deleted");
    assert_eq!(found("sip.").await, ["Renamed"]);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn pagination_walks_every_carrier_once() {
    let app = spawn_app().await;
    for i in 0..7 {
        // Same names on purpose: the id breaks ties.
        app.carrier(
            json!({"name": format!("Carrier {}", i % 3), "sip_address": format!("sip{i}.example")}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/carriers?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page: Value = app.get(&url).await.json().await.unwrap();
        assert_eq!(page["total"], 7);
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push((
                item["name"].as_str().unwrap().to_owned(),
                id(item).to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/carriers?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "pages are in name order with no repeats");
    sorted.dedup();
    assert_eq!(sorted.len(), 7);

    for bad in ["limit=0", "limit=201", "cursor=garbage"] {
        let p = problem(
            app.get(&format!("/api/v1/carriers?{bad}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let field = bad.split('=').next().unwrap();
        assert!(field_error(&p, field).is_some(), "{bad}: {p}");
    }
    problem(
        app.get("/api/v1/carriers?limit=abc").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn list_rows_carry_badges_counts_and_pacing() {
    let app = spawn_app().await;
    let c = app
        .carrier(json!({"name": "Both", "sip_address": "h.example", "password": "pw", "allowed_ips": ["192.0.2.1", "198.51.100.0/24"],
            "outbound_cps": 2.5, "outbound_burst": 5}))
        .await;
    app.simple_carrier("Neither").await;
    for n in ["+14155550001", "+14155550002"] {
        assert_eq!(
            app.add_number(&c, json!({"number": n})).await.status(),
            StatusCode::CREATED
        );
    }
    let list: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    let both = &list["items"][0];
    assert_eq!(both["has_password"], true);
    assert_eq!(both["allowed_ip_count"], 2);
    assert_eq!(both["did_count"], 2);
    assert_eq!(
        (both["outbound_cps"].clone(), both["outbound_burst"].clone()),
        (json!(2.5), json!(5))
    );
    assert_eq!(both["sync_status"], "pending");
    assert!(both["last_synced_at"].is_null());
    let neither = &list["items"][1];
    assert_eq!(
        (
            neither["has_password"].clone(),
            neither["allowed_ip_count"].clone()
        ),
        (json!(false), json!(0))
    );
}

#[tokio::test]
async fn password_is_write_only_and_kept_when_blank() {
    let app = spawn_app().await;
    let secret = "s3cret-Pa55word";
    let res = app
        .post("/api/v1/carriers", &json!({"name": "A", "sip_address": "h.example", "username": "ori", "password": secret}))
        .await;
    let text = res.text().await.unwrap();
    assert!(!text.contains(secret), "create response leaks the password");
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(c["has_password"], true);
    let path = format!("/api/v1/carriers/{}", id(&c));

    for body in [json!({"password": ""}), json!({"name": "Renamed"})] {
        let res = app.patch(&path, &body).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        assert!(!text.contains(secret));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["has_password"],
            true,
            "{body} keeps it"
        );
    }
    for path in [
        path.clone(),
        "/api/v1/carriers".into(),
        "/api/v1/openapi.json".into(),
    ] {
        assert!(!app.get(&path).await.text().await.unwrap().contains(secret));
    }

    // Stored encrypted: the plaintext is in no column of the row.
    let db = app.raw_db().await;
    let row: (Vec<u8>,) = sqlx::query_as("SELECT password_secret FROM carriers WHERE id = $1")
        .bind(id(&c))
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(!row.0.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let cleared: Value = app
        .patch(&path, &json!({"clear_password": true, "username": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["has_password"], false);
    let p = problem(
        app.patch(&path, &json!({"clear_password": true, "password": "x"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&p, "password").is_some());
}

#[tokio::test]
async fn ip_allowlist_needs_at_least_one_ip() {
    let app = spawn_app().await;
    let p = problem(
        app.post(
            "/api/v1/carriers",
            &json!({"name": "A", "sip_address": "h", "inbound_auth": "ip_allowlist"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        field_error(&p, "allowed_ips")
            .unwrap()
            .contains("at least one allowed IP")
    );

    // Allowed IPs without a password default to the allowlist mode.
    let c = app.carrier(json!({"name": "IP only", "sip_address": "h", "allowed_ips": ["54.172.60.0/30", "2001:db8::/32"]})).await;
    assert_eq!(c["inbound_auth"], "ip_allowlist");
    assert_eq!(c["allowed_ips"], json!(["54.172.60.0/30", "2001:db8::/32"]));
    let path = format!("/api/v1/carriers/{}", id(&c));
    let p = problem(
        app.patch(&path, &json!({"allowed_ips": []})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&p, "allowed_ips").is_some());
    let still: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        still["allowed_ips"].as_array().unwrap().len(),
        2,
        "a refused edit loses nothing"
    );
    let digest: Value = app
        .patch(&path, &json!({"allowed_ips": [], "inbound_auth": "digest"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            digest["inbound_auth"].clone(),
            digest["allowed_ips"].clone()
        ),
        (json!("digest"), json!([]))
    );

    let both = app.carrier(json!({"name": "Both", "sip_address": "h", "password": "p", "allowed_ips": ["192.0.2.10"]})).await;
    assert_eq!(both["inbound_auth"], "digest");
}

#[tokio::test]
async fn patch_changes_only_what_it_names() {
    let app = spawn_app().await;
    let c = app
        .carrier(json!({"name": "A", "sip_address": "h.example", "transport": "tcp", "destination_country": "IN",
            "username": "u", "password": "pw-1", "outbound_cps": 3, "outbound_burst": 4, "outbound_channels": 50}))
        .await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    let res = app
        .patch(
            &path,
            &json!({"transport": "TLS", "destination_country": null, "outbound_channels": 60}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["transport"], "tls");
    assert!(after["destination_country"].is_null());
    assert_eq!(after["outbound_channels"], 60);
    for field in [
        "name",
        "sip_address",
        "username",
        "outbound_cps",
        "outbound_burst",
        "inbound_auth",
        "created_at",
    ] {
        assert_eq!(after[field], c[field], "{field} unchanged");
    }
    assert_eq!(after["version"], 2);
}

/// Two saves sent at the same moment with the same ETag, on one replica and
/// on two: exactly one wins (200) and the other is refused (412), every
/// time, and the carrier holds the winner's edit.
#[tokio::test]
async fn simultaneous_saves_with_one_etag_let_exactly_one_win() {
    let first = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = common::Settings {
        database_url: Some(first.database_url.clone()),
        ..common::test_settings(dir.path()).await
    };
    let second = common::spawn_with(settings, dir).await;
    let c = first.simple_carrier("Raced").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    for round in 0..20 {
        let etag = first.get(&path).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let other = if round % 2 == 0 { &first } else { &second };
        let save = |app: &common::TestApp, name: String| {
            app.client
                .patch(app.url(&path))
                .header("If-Match", &etag)
                .json(&json!({ "name": name }))
                .send()
        };
        let (a, b) = tokio::join!(
            save(&first, format!("A{round}")),
            save(other, format!("B{round}"))
        );
        let (a, b) = (a.unwrap().status(), b.unwrap().status());
        let mut statuses = [a.as_u16(), b.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let winner = if a == StatusCode::OK { "A" } else { "B" };
        let now: Value = first.get(&path).await.json().await.unwrap();
        assert_eq!(now["name"], format!("{winner}{round}"), "round {round}");
    }
}

#[tokio::test]
async fn if_match_prevents_lost_updates() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Shared").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    let first = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    // Admin 1 saves with the ETag they loaded.
    let res = app
        .client
        .patch(app.url(&path))
        .header("If-Match", &first)
        .json(&json!({"name": "One"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(first, second);

    // Admin 2, still on the old ETag, is refused rather than overwriting.
    let res = app
        .client
        .patch(app.url(&path))
        .header("If-Match", &first)
        .json(&json!({"name": "Two"}))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::PRECONDITION_FAILED).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("changed by someone else")
    );
    let res = app
        .client
        .delete(app.url(&path))
        .header("If-Match", &first)
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::PRECONDITION_FAILED).await;
    let now: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(now["name"], "One");

    let res = app
        .client
        .delete(app.url(&path))
        .header("If-Match", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn errors_are_problem_documents_not_500s() {
    let app = spawn_app().await;
    let missing = "/api/v1/carriers/0190a4b0-0000-7000-8000-000000000000";
    problem(app.get(missing).await, StatusCode::NOT_FOUND).await;
    problem(
        app.patch(missing, &json!({"name": "x"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(app.delete(missing).await, StatusCode::NOT_FOUND).await;
    problem(
        app.get("/api/v1/carriers/not-a-uuid").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/api/v1/no-such-thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let bad_json = app
        .client
        .post(app.url("/api/v1/carriers"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(bad_json, StatusCode::BAD_REQUEST).await;
    let typo = problem(
        app.post(
            "/api/v1/carriers",
            &json!({"name": "A", "sip_address": "h", "pasword": "x"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        typo["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `pasword`")
    );
    let wrong_type = app
        .client
        .post(app.url("/api/v1/carriers"))
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    let huge =
        json!({"name": "A", "sip_address": "h", "destination_country": "x".repeat(70 * 1024)});
    problem(
        app.post("/api/v1/carriers", &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let list: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn delete_removes_the_carrier() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Gone").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn number_format_defaults_to_e164_and_is_validated() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Formats").await;
    assert_eq!(c["number_format"], "e164");
    let c2 = app
        .carrier(json!({"name": "No plus", "sip_address": "sip.np.example", "number_format": "e164_no_plus"}))
        .await;
    assert_eq!(c2["number_format"], "e164_no_plus");
    let p = problem(
        app.post(
            "/api/v1/carriers",
            &json!({"name": "Bad", "sip_address": "sip.bad.example", "number_format": "national"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&p, "number_format").is_some(), "{p}");
    let path = format!("/api/v1/carriers/{}", id(&c));
    let res = app
        .patch(&path, &json!({"number_format": "as_typed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let now: Value = res.json().await.unwrap();
    assert_eq!(now["number_format"], "as_typed");
    assert!(now["version"].as_i64() > c["version"].as_i64());
}

#[tokio::test]
async fn a_number_field_sent_as_text_is_a_field_error() {
    // The document says `number`: "60" is refused with the field's own message.
    let app = spawn_app().await;
    let c = app.simple_carrier("Text numbers").await;
    let res = app
        .patch(
            &format!("/api/v1/carriers/{}", id(&c)),
            &json!({"outbound_channels": "60"}),
        )
        .await;
    let problem = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        field_error(&problem, "outbound_channels").as_deref(),
        Some("Outbound Channels must be a whole number from 1 to 500.")
    );
}
