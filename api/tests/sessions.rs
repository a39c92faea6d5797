//! Server-side sessions: a login token stops working the moment its session
//! ends — by logout, "log out everywhere", an admin, a role change, the
//! account's deletion, a password change elsewhere, or idleness.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Settings, bearer_client, login, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

async fn me_status(token: &str, app: &common::TestApp) -> StatusCode {
    bearer_client(token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn new_member(app: &common::TestApp, role: &str) -> (String, String) {
    let email = format!("{role}-{}@ori.test", uuid::Uuid::new_v4().simple());
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "password": "a long enough password", "role": role}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, email)
}

#[tokio::test]
async fn logout_ends_the_session_for_every_copy_of_its_token() {
    let app = spawn_app().await;
    let token = login(&app.anon, &app.base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(me_status(&token, &app).await, StatusCode::OK);
    let out = bearer_client(&token)
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let res = bearer_client(&token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(p["detail"], "You were logged out. Log in again.");
    // Other sessions of the account are untouched.
    assert_eq!(me_status(&app.admin_token, &app).await, StatusCode::OK);
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    let (_, email) = new_member(&app, "admin").await;
    let laptop = login(&app.anon, &app.base, &email, "a long enough password").await;
    let phone = login(&app.anon, &app.base, &email, "a long enough password").await;
    let res = bearer_client(&laptop)
        .delete(app.url("/api/v1/me/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "this browser's cookie is cleared too"
    );
    assert_eq!(me_status(&laptop, &app).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&phone, &app).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&app.admin_token, &app).await, StatusCode::OK);
}

#[tokio::test]
async fn an_admin_a_role_change_and_deletion_end_another_accounts_sessions() {
    let app = spawn_app().await;
    let (id, email) = new_member(&app, "member").await;
    let log_in = || login(&app.anon, &app.base, &email, "a long enough password");

    let token = log_in().await;
    let res = app.delete(&format!("/api/v1/users/{id}/sessions")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(me_status(&token, &app).await, StatusCode::UNAUTHORIZED);
    let rows = app.get(&format!("/api/v1/audit?target={id}")).await;
    let rows: serde_json::Value = rows.json().await.unwrap();
    assert!(
        rows.to_string().contains("user.sessions_end"),
        "audited: {rows}"
    );

    let token = log_in().await;
    let res = app
        .patch(&format!("/api/v1/users/{id}"), &json!({"role": "member"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        me_status(&token, &app).await,
        StatusCode::OK,
        "the same role again changes nothing"
    );
    let res = app
        .patch(&format!("/api/v1/users/{id}"), &json!({"role": "admin"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me_status(&token, &app).await, StatusCode::UNAUTHORIZED);

    let token = log_in().await;
    assert_eq!(me_status(&token, &app).await, StatusCode::OK);
    let res = app.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(me_status(&token, &app).await, StatusCode::UNAUTHORIZED);

    let res = app.delete(&format!("/api/v1/users/{id}/sessions")).await;
    problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_new_password_ends_the_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    let (_, email) = new_member(&app, "admin").await;
    let here = login(&app.anon, &app.base, &email, "a long enough password").await;
    let elsewhere = login(&app.anon, &app.base, &email, "a long enough password").await;
    let res = bearer_client(&here)
        .patch(app.url("/api/v1/me"))
        .json(&json!({"current_password": "a long enough password",
                      "new_password": "another long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me_status(&here, &app).await, StatusCode::OK);
    assert_eq!(me_status(&elsewhere, &app).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_unused_for_the_idle_timeout_ends() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        session_idle_secs: 2,
        ..common::test_settings(dir.path()).await
    };
    let app = common::spawn_with(settings, dir).await;
    let token = login(&app.anon, &app.base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Used more often than the timeout, it lives on past it.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(me_status(&token, &app).await, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let res = bearer_client(&token)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        p["detail"],
        "You were logged out after 2 seconds without activity. Log in again."
    );
    // Ended, not merely refused: being used again does not revive it.
    assert_eq!(me_status(&token, &app).await, StatusCode::UNAUTHORIZED);
}
