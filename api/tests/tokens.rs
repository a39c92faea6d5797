//! API tokens: created once, used as Bearer, limited by their owner's role,
//! refused at once when revoked or expired.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    Settings, TestApp, bearer_client, field_error, id, login, problem, spawn_app, spawn_with,
    test_settings,
};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An account with `role`: its id and a client logged in as it.
async fn account(app: &TestApp, role: &str) -> (String, Client) {
    let email = format!("{role}-{}@ori.test", Uuid::new_v4().simple());
    let password = "a long enough password";
    let res = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "password": password, "role": role}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "create {role}");
    let user: Value = res.json().await.unwrap();
    let client = bearer_client(&login(&app.anon, &app.base, &email, password).await);
    (id(&user).to_owned(), client)
}

/// Creates a token as `client` and returns the 201 body (with the secret).
async fn create(app: &TestApp, client: &Client, body: Value) -> Value {
    let res = client
        .post(app.url("/api/v1/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/tokens/{}", id(&created)));
    created
}

fn secret(created: &Value) -> &str {
    created["token"].as_str().unwrap()
}

async fn status_of(app: &TestApp, client: &Client, path: &str) -> StatusCode {
    client.get(app.url(path)).send().await.unwrap().status()
}

async fn my_tokens(app: &TestApp, client: &Client) -> Vec<Value> {
    client
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_works_as_bearer_until_it_is_revoked() {
    let app = spawn_app().await;
    let created = create(
        &app,
        &app.client,
        json!({"name": " CRM sync ", "expires_in_days": 30}),
    )
    .await;
    let token = secret(&created).to_owned();
    assert!(token.starts_with("ori_") && token.len() == 47, "{token}");
    assert_eq!(created["name"], "CRM sync");
    assert_eq!(
        created["role"], "super_admin",
        "default: the creator's role"
    );
    assert_eq!(created["status"], "active");
    assert!(token.starts_with(created["prefix"].as_str().unwrap()));
    assert!(created["last_used_at"].is_null() && created["revoked_at"].is_null());
    assert!(created["expires_at"].is_string());

    let integrator = bearer_client(&token);
    let res = integrator
        .get(app.url("/api/v1/carriers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Writes need no same-origin headers with a token.
    let res = integrator
        .post(app.url("/api/v1/carriers"))
        .header("origin", "https://elsewhere.example")
        .json(&json!({"name": "Via Token", "sip_address": "sip.token.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    let listed = my_tokens(&app, &app.client).await;
    assert_eq!(listed.len(), 1);
    let row = &listed[0];
    assert_eq!(id(row), id(&created));
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(row.get("token").is_none(), "GET never returns the secret");
    let one: Value = app
        .get(&format!("/api/v1/tokens/{}", id(&created)))
        .await
        .json()
        .await
        .unwrap();
    assert!(one.get("token").is_none());
    assert_eq!(one["prefix"], created["prefix"]);

    // Stored: the hash, not the secret.
    let db = app.raw_db().await;
    let (hash, prefix): (String, String) =
        sqlx::query_as("SELECT token_hash, prefix FROM api_tokens WHERE id = $1")
            .bind(id(&created))
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!hash.contains(&token) && hash != token && !token.contains(&hash));
    assert_eq!(prefix.len(), 12);

    let res = app
        .delete(&format!("/api/v1/tokens/{}", id(&created)))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = integrator
        .get(app.url("/api/v1/carriers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let p = problem(res, StatusCode::UNAUTHORIZED).await;
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    let listed = my_tokens(&app, &app.client).await;
    assert_eq!(listed[0]["status"], "revoked");
    assert!(listed[0]["revoked_at"].is_string());
    // Revoking again changes nothing.
    let again = app
        .delete(&format!("/api/v1/tokens/{}", id(&created)))
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    // The audit log has the create and the revoke, never the secret.
    let audit = app
        .get("/api/v1/audit?limit=200")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("token.create") && audit.contains("token.revoke"));
    assert!(!audit.contains(&token));
    let log: Value = serde_json::from_str(&audit).unwrap();
    let revokes = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "token.revoke")
        .count();
    assert_eq!(revokes, 1, "a second revoke is not recorded");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let created = create(
        &app,
        &app.client,
        json!({"name": "Short", "expires_in_days": 1}),
    )
    .await;
    let integrator = bearer_client(secret(&created));
    assert_eq!(
        status_of(&app, &integrator, "/api/v1/me").await,
        StatusCode::OK
    );
    let db = app.raw_db().await;
    sqlx::query("UPDATE api_tokens SET expires_at = created_at - 1000 WHERE id = $1")
        .bind(id(&created))
        .execute(&db)
        .await
        .unwrap();
    let res = integrator.get(app.url("/api/v1/me")).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(my_tokens(&app, &app.client).await[0]["status"], "expired");
    // A token that never expires has no expiry.
    let forever = create(
        &app,
        &app.client,
        json!({"name": "Forever", "expires_in_days": null}),
    )
    .await;
    assert!(forever["expires_at"].is_null());
}

#[tokio::test]
async fn field_rules_and_a_role_above_the_creators_are_422() {
    let app = spawn_app().await;
    let (_, admin) = account(&app, "admin").await;
    let res = admin
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "Too high", "role": "super_admin"}))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let message = field_error(&p, "role").unwrap();
    assert!(message.contains("higher role than yours"), "{message}");

    let res = admin
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "   ", "role": "root", "expires_in_days": 3651}))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    for field in ["name", "role", "expires_in_days"] {
        assert!(field_error(&p, field).is_some(), "{field}: {p}");
    }
    for days in [json!(0), json!(1.5), json!("soon")] {
        let res = admin
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": "x", "expires_in_days": days}))
            .send()
            .await
            .unwrap();
        let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(field_error(&p, "expires_in_days").is_some(), "{days}");
    }
    let lower = create(&app, &admin, json!({"name": "Lower", "role": "member"})).await;
    assert_eq!(lower["role"], "member");
}

#[tokio::test]
async fn a_members_token_cannot_reach_super_admin_routes() {
    let app = spawn_app().await;
    let (_, member) = account(&app, "member").await;
    let created = create(&app, &member, json!({"name": "Member's"})).await;
    assert_eq!(created["role"], "member");
    let integrator = bearer_client(secret(&created));
    let res = integrator
        .get(app.url("/api/v1/carriers"))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN).await;
    assert_eq!(
        status_of(&app, &integrator, "/api/v1/tokens").await,
        StatusCode::OK
    );

    // A super admin's token scoped to member is a member.
    let scoped = create(
        &app,
        &app.client,
        json!({"name": "Scoped", "role": "member"}),
    )
    .await;
    let scoped = bearer_client(secret(&scoped));
    let me: Value = scoped
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "member");
    for path in ["/api/v1/carriers", "/api/v1/users", "/api/v1/number-pool"] {
        assert_eq!(
            status_of(&app, &scoped, path).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn demoting_the_owner_limits_the_token_and_deleting_removes_it() {
    let app = spawn_app().await;
    let (user_id, owner) = account(&app, "super_admin").await;
    let created = create(&app, &owner, json!({"name": "Ops"})).await;
    assert_eq!(created["role"], "super_admin");
    let integrator = bearer_client(secret(&created));
    assert_eq!(
        status_of(&app, &integrator, "/api/v1/carriers").await,
        StatusCode::OK
    );

    let user_path = format!("/api/v1/users/{user_id}");
    let res = app.patch(&user_path, &json!({"role": "member"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        status_of(&app, &integrator, "/api/v1/carriers").await,
        StatusCode::FORBIDDEN,
        "the owner's current role caps the token"
    );
    // The listed role is what it was created with; the cap applies per request.
    assert_eq!(my_tokens(&app, &integrator).await[0]["role"], "super_admin");

    assert_eq!(
        app.delete(&user_path).await.status(),
        StatusCode::NO_CONTENT
    );
    let res = integrator.get(app.url("/api/v1/me")).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED).await;
    let db = app.raw_db().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1")
        .bind(&user_id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 0, "deleted with their owner");
}

#[tokio::test]
async fn tokens_are_private_and_cannot_mint_tokens() {
    let app = spawn_app().await;
    let (_, member) = account(&app, "member").await;
    let theirs = create(&app, &member, json!({"name": "Theirs"})).await;
    let path = format!("/api/v1/tokens/{}", id(&theirs));
    problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
    assert!(my_tokens(&app, &app.client).await.is_empty());
    let integrator = bearer_client(secret(&theirs));
    assert_eq!(
        status_of(&app, &integrator, "/api/v1/me").await,
        StatusCode::OK,
        "not revoked"
    );

    let res = integrator
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "Successor"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::FORBIDDEN).await;
    // A token may revoke itself.
    let res = integrator.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        integrator.get(app.url("/api/v1/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // An unknown token that looks like one is refused the same way.
    let forged = bearer_client(&format!("ori_{}", "A".repeat(43)));
    problem(
        forged.get(app.url("/api/v1/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn last_used_at(db: &sqlx::AnyPool, token_id: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE id = $1")
        .bind(token_id.to_owned())
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn last_used_is_written_at_most_once_a_minute() {
    // The test rewinds the row behind the app's back, as another replica
    // would: without the read cache the next request sees it at once.
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        read_cache_ms: 0,
        ..test_settings(dir.path()).await
    };
    let app = spawn_with(settings, dir).await;
    let created = create(&app, &app.client, json!({"name": "Busy"})).await;
    let integrator = bearer_client(secret(&created));
    let db = app.raw_db().await;
    let last_used = || last_used_at(&db, id(&created));
    assert_eq!(last_used().await, None);
    integrator.get(app.url("/api/v1/me")).send().await.unwrap();
    let first = last_used().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    integrator.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        last_used().await,
        Some(first),
        "not written again within the minute"
    );
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id(&created))
        .bind(first - 61_000)
        .execute(&db)
        .await
        .unwrap();
    integrator.get(app.url("/api/v1/me")).send().await.unwrap();
    assert!(
        last_used().await.unwrap() >= first,
        "written again after a minute"
    );
}
