//! Inputs that would open a trunk to the world, point it inside, or smuggle
//! hostile text: each is refused with a field message, on both databases.

#![allow(clippy::unwrap_used)]

mod common;

use common::{field_error, id, problem, spawn_app, spawn_with, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn refused(app: &common::TestApp, path: &str, body: Value, field: &str) -> String {
    let res = app.post(path, &body).await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    field_error(&p, field).unwrap_or_else(|| panic!("no {field} error in {p}"))
}

#[tokio::test]
async fn allowlists_open_to_the_world_and_usernames_without_passwords_are_refused() {
    let app = spawn_app().await;
    for wide in ["0.0.0.0/0", "::/0", "8.0.0.0/5"] {
        let message = refused(
            &app,
            "/api/v1/carriers",
            json!({"name": "Wide", "sip_address": "sip.example.com", "allowed_ips": [wide],
                   "inbound_auth": "ip_allowlist"}),
            "allowed_ips",
        )
        .await;
        assert!(message.contains("too wide"), "{wide}: {message}");
    }
    let message = refused(
        &app,
        "/api/v1/carriers",
        json!({"name": "User only", "sip_address": "sip.example.com", "username": "trunk"}),
        "password",
    )
    .await;
    assert_eq!(
        message,
        "A username needs its password: enter the password, or clear the username."
    );
}

#[tokio::test]
async fn an_open_inbound_trunk_is_flagged_until_it_is_protected() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Open door").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    assert_eq!(c["inbound_open"], false, "no numbers, no inbound trunk");
    let res = app
        .add_number(
            &c,
            json!({"number": "+14155550111", "direction": "outbound"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(c["inbound_open"], false, "outbound numbers take no calls");
    let res = app
        .add_number(
            &c,
            json!({"number": "+14155550112", "direction": "inbound"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(c["inbound_open"], true);
    let list: Value = app
        .get("/api/v1/carriers?q=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["inbound_open"], true);

    let res = app
        .patch(&path, &json!({"allowed_ips": ["203.0.113.0/24"]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["inbound_open"], false, "an allowlist guards it");
    let res = app
        .patch(
            &path,
            &json!({"allowed_ips": [], "username": "trunk", "password": "s3cret"}),
        )
        .await;
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["inbound_open"], false, "digest guards it");
}

#[tokio::test]
async fn sip_addresses_inside_are_refused_and_loopback_only_when_allowed() {
    let app = spawn_app().await;
    for inside in [
        "169.254.1.1",
        "[fe80::1]:5060",
        "0.0.0.0",
        "224.0.0.9",
        "127.0.0.1:5060",
        "localhost",
    ] {
        let message = refused(
            &app,
            "/api/v1/carriers",
            json!({"name": "Inside", "sip_address": inside}),
            "sip_address",
        )
        .await;
        assert!(
            message.contains("no carrier can be reached") || message.contains("loopback"),
            "{inside}: {message}"
        );
    }
    // A private interconnect is real: accepted.
    let private = app
        .carrier(json!({"name": "Private", "sip_address": "10.20.30.40:5060"}))
        .await;
    assert_eq!(private["sip_address"], "10.20.30.40:5060");
    // And a PATCH onto loopback is refused too.
    let res = app
        .patch(
            &format!("/api/v1/carriers/{}", id(&private)),
            &json!({"sip_address": "127.0.0.1"}),
        )
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    let dir = tempfile::tempdir().unwrap();
    let settings = common::Settings {
        allow_loopback_sip: true,
        ..test_settings(dir.path()).await
    };
    let dev = spawn_with(settings, dir).await;
    let local = dev
        .carrier(json!({"name": "Local PBX", "sip_address": "127.0.0.1:5070"}))
        .await;
    assert_eq!(local["sip_address"], "127.0.0.1:5070");
}

#[tokio::test]
async fn hostile_text_is_refused_with_messages_never_a_500() {
    let app = spawn_app().await;
    let message = refused(
        &app,
        "/api/v1/carriers",
        json!({"name": "Acme\u{202E}NI", "sip_address": "sip.example.com"}),
        "name",
    )
    .await;
    assert!(message.contains("direction-changing"), "{message}");
    let message = refused(
        &app,
        "/api/v1/carriers",
        json!({"name": "Nul\u{0}byte", "sip_address": "sip.example.com"}),
        "name",
    )
    .await;
    assert_eq!(message, "Name cannot contain control characters.");
    let c = app.simple_carrier("Hostile").await;
    let numbers = format!("/api/v1/carriers/{}/numbers", id(&c));
    let message = refused(
        &app,
        &numbers,
        json!({"number": "+14155550113", "label": "Sales\u{200B}"}),
        "label",
    )
    .await;
    assert!(message.contains("U+200B"), "{message}");
    let message = refused(
        &app,
        &numbers,
        json!({"number": format!("+1 {}", "4-".repeat(16))}),
        "number",
    )
    .await;
    assert_eq!(message, "Phone Number must be at most 32 characters.");
    let message = refused(
        &app,
        "/api/v1/carriers",
        json!({"name": "Long", "sip_address": format!("{}.example", "a".repeat(300))}),
        "sip_address",
    )
    .await;
    assert!(message.contains("at most 255"), "{message}");

    // Search text with a NUL: a field error, not a database error.
    let res = app.get("/api/v1/carriers?q=a%00b").await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(field_error(&p, "q").is_some());
    let res = app.get("/api/v1/audit?target=a%00b").await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    // A login email is checked before anything records it.
    for email in [
        format!("{}@example.com", "a".repeat(300)),
        "nul\u{0}@example.com".into(),
    ] {
        let res = app
            .anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "whatever it is"}))
            .send()
            .await
            .unwrap();
        let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(field_error(&p, "email").is_some());
    }
    let audit: Value = app
        .get("/api/v1/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "login.failure"),
        "a refused login email is not audited: {audit}"
    );
}
