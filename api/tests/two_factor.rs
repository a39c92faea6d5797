//! Two-factor sign-in (TOTP): enrolment, the login's second step, codes that
//! work once, recovery codes, the wrong-code limit, and super admins who
//! must enrol before anything else when the console requires it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, enrol_two_factor, field_error, problem, spawn_with,
    test_settings, totp_code,
};
use ori_api::config::Settings;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

async fn app(require_2fa: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        require_2fa,
        ..test_settings(dir.path()).await
    };
    spawn_with(settings, dir).await
}

async fn login(app: &TestApp, password: &str, code: Option<&str>) -> Response {
    let mut body = json!({"email": ADMIN_EMAIL, "password": password});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.anon
        .post(app.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get(client: &Client, app: &TestApp, path: &str) -> Response {
    client.get(app.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn a_super_admin_must_turn_it_on_before_anything_else_when_required() {
    let app = app(true).await;
    let me: Value = get(&app.client, &app, "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["two_factor_setup_required"], true);
    assert_eq!(me["two_factor_enabled"], false);

    for path in [
        "/api/v1/carriers",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/audit",
    ] {
        let body = problem(get(&app.client, &app, path).await, StatusCode::FORBIDDEN).await;
        assert_eq!(
            body["type"], "urn:ori:problem:two-factor-setup-required",
            "{path}"
        );
    }
    let status: Value = get(&app.client, &app, "/api/v1/me/two-factor")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status,
        json!({"enabled": false, "required": true, "recovery_codes_left": 0})
    );

    enrol_two_factor(&app.client, &app.base, ADMIN_PASSWORD).await;
    assert_eq!(
        get(&app.client, &app, "/api/v1/carriers").await.status(),
        StatusCode::OK,
        "the same session goes on, past the second factor"
    );
    let me: Value = get(&app.client, &app, "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["two_factor_setup_required"], false);
    assert_eq!(me["two_factor_enabled"], true);

    // Required: it cannot be turned off.
    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/disable"))
        .json(&json!({"password": ADMIN_PASSWORD, "code": "123456"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::CONFLICT).await;

    // An admin (not a super admin) is not held up.
    let admin = app.user_client("admin").await;
    let res = get(&admin, &app, "/api/v1/tokens").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn login_asks_for_the_code_after_the_password_and_each_code_works_once() {
    let app = app(false).await;
    let (secret, _) = enrol_two_factor(&app.client, &app.base, ADMIN_PASSWORD).await;

    // A wrong password says nothing about a second factor.
    let body = problem(
        login(&app, "wrong password!", None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["type"], "urn:ori:problem:unauthorized");

    let res = login(&app, ADMIN_PASSWORD, None).await;
    assert!(res.headers().get("set-cookie").is_none(), "no session yet");
    let body = problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["type"], "urn:ori:problem:two-factor-required");
    assert!(field_error(&body, "code").unwrap().contains("6-digit code"));

    let body = problem(
        login(&app, ADMIN_PASSWORD, Some("000000")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["type"], "urn:ori:problem:two-factor-required");
    assert!(field_error(&body, "code").unwrap().contains("wrong"));

    // The enrolment used this step's code; the next step's is new.
    let code = totp_code(&secret, 1);
    let res = login(&app, ADMIN_PASSWORD, Some(&code)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["two_factor_enabled"], true);

    let body = problem(
        login(&app, ADMIN_PASSWORD, Some(&code)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        field_error(&body, "code").unwrap().contains("used already"),
        "a code cannot be replayed: {body}"
    );
    let older = totp_code(&secret, 0);
    let res = login(&app, ADMIN_PASSWORD, Some(&older)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "nor an older one");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = app(false).await;
    let (_, codes) = enrol_two_factor(&app.client, &app.base, ADMIN_PASSWORD).await;
    assert_eq!(codes.len(), 10);
    let unique: std::collections::BTreeSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);

    let typed = codes[3].to_uppercase().replace('-', " ");
    let res = login(&app, ADMIN_PASSWORD, Some(&typed)).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "case and separators do not matter"
    );
    let res = login(&app, ADMIN_PASSWORD, Some(&codes[3])).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "used up");

    let status: Value = get(&app.client, &app, "/api/v1/me/two-factor")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["recovery_codes_left"], 9);
}

#[tokio::test]
async fn wrong_codes_are_limited_even_with_the_right_password() {
    let app = app(false).await;
    let (secret, _) = enrol_two_factor(&app.client, &app.base, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        let res = login(&app, ADMIN_PASSWORD, Some("111111")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = login(&app, ADMIN_PASSWORD, Some(&totp_code(&secret, 1))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));

    let pool = app.raw_db().await;
    let failures: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login.failure'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    assert!(failures >= 5, "wrong codes are audited ({failures})");
}

#[tokio::test]
async fn enrolment_needs_the_password_and_the_apps_code_and_ends_other_sessions() {
    let app = app(false).await;
    let elsewhere = common::bearer_client(
        &common::login(&app.anon, &app.base, ADMIN_EMAIL, ADMIN_PASSWORD).await,
    );

    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/setup"))
        .json(&json!({"password": "not my password"}))
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        field_error(&body, "password").unwrap(),
        "The password is wrong."
    );

    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/setup"))
        .json(&json!({"password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let setup: Value = res.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Ori:root%40ori.test?secret=")
    );
    assert!(
        setup["qr_code"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );

    // Stored encrypted, not as the secret itself.
    let pool = app.raw_db().await;
    let row = sqlx::query("SELECT secret FROM user_two_factor")
        .fetch_one(&pool)
        .await
        .unwrap();
    let stored: Vec<u8> = row.try_get("secret").unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret));

    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/confirm"))
        .json(&json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(field_error(&body, "code").unwrap().contains("wrong"));
    let res = login(&app, ADMIN_PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK, "not on until confirmed");

    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/confirm"))
        .json(&json!({"code": totp_code(&secret, 0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        get(&app.client, &app, "/api/v1/me").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&elsewhere, &app, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "a session opened with the password alone ends"
    );
    let res = app
        .client
        .post(app.url("/api/v1/me/two-factor/setup"))
        .json(&json!({"password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::CONFLICT).await;

    let audit: Value = get(&app.client, &app, "/api/v1/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let text = audit.to_string();
    assert!(text.contains("user.two_factor_on"), "{text}");
    assert!(!text.contains(&secret), "the secret is in no answer");
}

#[tokio::test]
async fn it_can_be_turned_off_with_the_password_and_a_code() {
    let app = app(false).await;
    let (secret, codes) = enrol_two_factor(&app.client, &app.base, ADMIN_PASSWORD).await;
    let disable = |code: String| {
        app.client
            .post(app.url("/api/v1/me/two-factor/disable"))
            .json(&json!({"password": ADMIN_PASSWORD, "code": code}))
            .send()
    };
    let body = problem(
        disable("000000".into()).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&body, "code").unwrap().contains("wrong"));
    let res = disable(totp_code(&secret, 1)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let res = login(&app, ADMIN_PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK, "the password alone again");
    let res = login(&app, ADMIN_PASSWORD, Some(&codes[0])).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "a code is ignored when it is off"
    );
    let status: Value = get(&app.client, &app, "/api/v1/me/two-factor")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["enabled"], false);
}
