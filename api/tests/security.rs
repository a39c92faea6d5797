//! Who may call what: every route × role, tokens, CSRF, throttling, headers.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, bearer_client, problem, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// Routes anyone may call.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
];
/// Routes any signed-in account may call.
const ANY_ACCOUNT: &[&str] = &[
    "/api/v1/me",
    "/api/v1/me/sessions",
    "/api/v1/me/two-factor",
    "/api/v1/me/two-factor/setup",
    "/api/v1/me/two-factor/confirm",
    "/api/v1/me/two-factor/disable",
    "/api/v1/tokens",
    "/api/v1/tokens/{id}",
];
/// Routes admins (and super admins) may call.
const ADMINS: &[&str] = &["/api/v1/number-pool"];

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Level {
    Member,
    Admin,
    Super,
}

async fn call(client: &Client, base: &str, method: &str, path: &str) -> StatusCode {
    let url = format!(
        "{base}{}",
        path.replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{number_id}", &uuid::Uuid::now_v7().to_string())
    );
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = client.request(method.clone(), url);
    if matches!(method, Method::POST | Method::PATCH) {
        req = req.json(&json!({}));
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn every_route_in_the_openapi_document_enforces_its_role() {
    let app = spawn_app().await;
    let member = app.user_client("member").await;
    let admin = app.user_client("admin").await;
    let doc: Value = app
        .anon
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    let mut operations: Vec<(&String, &String, &Value)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            let ops = ops.as_object().unwrap().iter();
            ops.map(move |(method, op)| (path, method, op))
        })
        .collect();
    // Last: "log out everywhere" ends the sessions of the clients used here.
    operations.sort_by_key(|(path, _, _)| path.as_str() == "/api/v1/me/sessions");
    for (path, method, op) in operations {
        {
            let secured = op
                .get("security")
                .is_some_and(|s| !s.as_array().unwrap().is_empty());
            if PUBLIC.contains(&path.as_str()) {
                assert!(!secured, "{method} {path} is public but documents security");
                continue;
            }
            assert!(
                secured,
                "{method} {path} documents no security and is not listed as public"
            );
            let needs = if ANY_ACCOUNT.contains(&path.as_str()) {
                Level::Member
            } else if ADMINS.contains(&path.as_str()) {
                Level::Admin
            } else {
                Level::Super
            };
            let anon = call(&app.anon, &app.base, method, path).await;
            assert_eq!(anon, StatusCode::UNAUTHORIZED, "anonymous {method} {path}");
            for (level, client) in [
                (Level::Member, &member),
                (Level::Admin, &admin),
                (Level::Super, &app.client),
            ] {
                let status = call(client, &app.base, method, path).await;
                if level < needs {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{level:?} {method} {path}");
                } else {
                    assert!(
                        status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                        "{level:?} {method} {path} got {status}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} protected routes found");
}

/// The session id a login token of ours names.
fn session_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

fn claims(sub: &str, sid: &str, exp_offset: i64) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"sub": sub, "iss": "ori-console", "aud": "ori-console", "iat": now, "exp": now + exp_offset, "sid": sid})
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(ADMIN_EMAIL), Some("super_admin"))
    );
    let sub = me["id"].as_str().unwrap();
    let sid = &session_of(&app.admin_token);
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());

    let good =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(sub, sid, 600), &key).unwrap();
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(sub, sid, -120),
        &key,
    )
    .unwrap();
    let hs384 =
        jsonwebtoken::encode(&Header::new(Algorithm::HS384), &claims(sub, sid, 600), &key).unwrap();
    let other_key = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(sub, sid, 600),
        &EncodingKey::from_secret(b"another secret that is 32+ bytes long"),
    )
    .unwrap();
    let mut parts: Vec<&str> = good.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD.encode(claims(sub, sid, 99_999).to_string());
    parts[1] = &tampered_payload;
    let tampered = parts.join(".");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(sub, sid, 600).to_string())
    );

    let status = |token: String| {
        let app = &app;
        async move {
            app.anon
                .get(app.url("/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        status(good).await,
        StatusCode::OK,
        "a well-formed token of ours works"
    );
    // Signed with our key but naming no session (or another account's).
    let no_session = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(sub, &uuid::Uuid::now_v7().to_string(), 600),
        &key,
    )
    .unwrap();
    let someone_else = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(&uuid::Uuid::now_v7().to_string(), sid, 600),
        &key,
    )
    .unwrap();
    for (what, token) in [
        ("no session", no_session),
        ("another account's session", someone_else),
        ("expired", expired),
        ("HS384", hs384),
        ("other key", other_key),
        ("tampered", tampered),
        ("alg none", none),
        ("garbage", "abc".into()),
    ] {
        let res = app
            .anon
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer", "{what}");
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn a_password_change_revokes_older_tokens() {
    let app = spawn_app().await;
    let old =
        bearer_client(&common::login(&app.anon, &app.base, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let res = app
        .client
        .patch(app.url("/api/v1/me"))
        .json(&json!({"current_password": ADMIN_PASSWORD, "new_password": "an even better passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        old.get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let token = common::login(
        &app.anon,
        &app.base,
        ADMIN_EMAIL,
        "an even better passphrase",
    )
    .await;
    assert_eq!(
        bearer_client(&token)
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let wrong = bearer_client(&token)
        .patch(app.url("/api/v1/me"))
        .json(&json!({"current_password": "nope", "new_password": "yet another passphrase"}))
        .send()
        .await
        .unwrap();
    let p = problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(common::field_error(&p, "current_password").is_some());
}

/// Logs in through the cookie, as the SPA does, and returns the Cookie header.
async fn session_cookie(app: &common::TestApp) -> String {
    let res = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie} lacks {attr}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP on localhost");
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn cookie_sessions_refuse_cross_site_writes() {
    let app = spawn_app().await;
    let cookie = session_cookie(&app).await;
    let me = app
        .anon
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let body = json!({"name": "CSRF", "sip_address": "evil.example"});
    let post = |headers: Vec<(&'static str, String)>| {
        let mut req = app
            .anon
            .post(app.url("/api/v1/carriers"))
            .header("cookie", &cookie)
            .json(&body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let evil = post(vec![("origin", "https://evil.example".into())])
        .await
        .unwrap();
    assert_eq!(
        problem(evil, StatusCode::FORBIDDEN).await["detail"],
        "Cross-site request refused."
    );
    let cross = post(vec![("sec-fetch-site", "cross-site".into())])
        .await
        .unwrap();
    problem(cross, StatusCode::FORBIDDEN).await;
    let same = post(vec![
        ("origin", app.base.clone()),
        ("sec-fetch-site", "same-origin".into()),
    ])
    .await
    .unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);
    // A Bearer token is never sent by a browser on its own: no origin check.
    let bearer = app
        .client
        .post(app.url("/api/v1/carriers"))
        .header("origin", "https://evil.example")
        .json(&json!({"name": "API", "sip_address": "a.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::CREATED);

    let out = app
        .anon
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn unknown_accounts_take_as_long_as_wrong_passwords() {
    let app = spawn_app().await;
    let mut timings = Vec::new();
    for email in [
        ADMIN_EMAIL,
        "nobody@ori.test",
        ADMIN_EMAIL,
        "nobody@ori.test",
    ] {
        let start = std::time::Instant::now();
        let res = app
            .anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        timings.push(start.elapsed().as_secs_f64());
    }
    let known = timings[0] + timings[2];
    let unknown = timings[1] + timings[3];
    // Both run one argon2id verification; without the dummy hash the
    // unknown account would answer orders of magnitude faster.
    assert!(
        unknown > known / 3.0,
        "known {known:.3}s vs unknown {unknown:.3}s"
    );
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    for path in ["/api/v1/me", "/healthz", "/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(
            h["content-security-policy"],
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
    }
    let api = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
}
