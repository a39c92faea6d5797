//! Accounts, bots, the number pool, the audit log, and first start.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use common::{ADMIN_EMAIL, field_error, id, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_last_super_admin_cannot_be_demoted_or_deleted() {
    let app = spawn_app().await;
    let users: Vec<Value> = app.get("/api/v1/users").await.json().await.unwrap();
    assert_eq!(users.len(), 1);
    let root = format!("/api/v1/users/{}", id(&users[0]));
    let p = problem(
        app.patch(&root, &json!({"role": "admin"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("last super admin"));
    problem(app.delete(&root).await, StatusCode::CONFLICT).await;

    let second: Value = app
        .post("/api/v1/users", &json!({"email": "Second@Ori.Test", "password": "a long enough password", "role": "super_admin", "timezone": "Asia/Kolkata"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (second["email"].as_str(), second["timezone"].as_str()),
        (Some("second@ori.test"), Some("Asia/Kolkata"))
    );
    let demoted: Value = app
        .patch(&root, &json!({"role": "admin"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(demoted["role"], "admin");
    // The demoted account's sessions ended at once; the new super admin is the last one.
    let second_path = format!("/api/v1/users/{}", id(&second));
    problem(app.delete(&second_path).await, StatusCode::UNAUTHORIZED).await;
    let second_client = common::bearer_client(
        &common::login(
            &app.anon,
            &app.base,
            "second@ori.test",
            "a long enough password",
        )
        .await,
    );
    let res = second_client
        .delete(app.url(&second_path))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::CONFLICT).await;

    let dup = second_client.post(app.url("/api/v1/users")).json(&json!({"email": "second@ori.test", "password": "a long enough password", "role": "member"})).send().await.unwrap();
    assert!(field_error(&problem(dup, StatusCode::CONFLICT).await, "email").is_some());
    let bad = second_client
        .post(app.url("/api/v1/users"))
        .json(&json!({"email": "x", "password": "short", "role": "root", "timezone": "Mars/Base"}))
        .send()
        .await
        .unwrap();
    let p = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    for f in ["email", "password", "role"] {
        assert!(field_error(&p, f).is_some(), "{f}: {p}");
    }
}

#[tokio::test]
async fn me_shows_and_changes_the_timezone() {
    let app = spawn_app().await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["timezone"], "UTC");
    let p = problem(
        app.patch("/api/v1/me", &json!({"timezone": "Mars/Olympus"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        field_error(&p, "timezone")
            .unwrap()
            .contains("not a time zone")
    );
    let me: Value = app
        .patch("/api/v1/me", &json!({"timezone": "Europe/London"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["timezone"], "Europe/London");
}

#[tokio::test]
async fn deleting_a_bot_leaves_its_numbers_reporting_it_missing() {
    let app = spawn_app().await;
    let bot: Value = app
        .post(
            "/api/v1/bots",
            &json!({"name": "Receptionist", "agent_name": "inbound-agent"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let p = problem(
        app.post(
            "/api/v1/bots",
            &json!({"name": " ", "agent_name": "bad name"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&p, "name").is_some() && field_error(&p, "agent_name").is_some());
    let renamed: Value = app
        .patch(
            &format!("/api/v1/bots/{}", id(&bot)),
            &json!({"name": "Front desk"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (renamed["name"].as_str(), renamed["agent_name"].as_str()),
        (Some("Front desk"), Some("inbound-agent"))
    );

    let c = app.simple_carrier("Acme").await;
    let n: Value = app
        .add_number(&c, json!({"number": "+14155551234", "bot_id": id(&bot)}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (n["bot_name"].as_str(), n["bot_missing"].as_bool()),
        (Some("Front desk"), Some(false))
    );
    assert_eq!(
        app.delete(&format!("/api/v1/bots/{}", id(&bot)))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let numbers: Vec<Value> = app
        .get(&format!("/api/v1/carriers/{}/numbers", id(&c)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        numbers[0]["bot_id"], bot["id"],
        "the number still points at the bot"
    );
    assert_eq!(
        (
            numbers[0]["bot_name"].clone(),
            numbers[0]["bot_missing"].clone()
        ),
        (Value::Null, json!(true))
    );
    let bots: Vec<Value> = app.get("/api/v1/bots").await.json().await.unwrap();
    assert!(bots.is_empty());
}

#[tokio::test]
async fn the_number_pool_has_outbound_numbers_of_synced_carriers() {
    let app = spawn_app().await;
    let synced = app.carrier(json!({"name": "Synced", "sip_address": "a.example", "outbound_cps": 5, "outbound_burst": 10, "outbound_channels": 60})).await;
    let pending = app.simple_carrier("Pending").await;
    for (c, number, direction) in [
        (&synced, "+14155550001", "both"),
        (&synced, "+14155550002", "outbound"),
        (&synced, "+14155550003", "inbound"),
        (&pending, "+14155550004", "both"),
    ] {
        assert_eq!(
            app.add_number(c, json!({"number": number, "direction": direction}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let db = app.raw_db().await;
    sqlx::query("UPDATE carriers SET sync_status = 'synced' WHERE id = $1")
        .bind(id(&synced))
        .execute(&db)
        .await
        .unwrap();
    let admin = app.user_client("admin").await;
    let pool: Vec<Value> = admin
        .get(app.url("/api/v1/number-pool"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = pool.iter().map(|p| p["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["+14155550001", "+14155550002"]);
    assert_eq!(pool[0]["carrier_name"], "Synced");
    assert_eq!(
        (
            pool[0]["outbound_cps"].clone(),
            pool[0]["outbound_burst"].clone(),
            pool[0]["outbound_channels"].clone()
        ),
        (json!(5.0), json!(10), json!(60))
    );
}

#[tokio::test]
async fn every_change_and_login_is_audited_without_secret_values() {
    let app = spawn_app().await;
    let secret = "sip-Secret-Value-42";
    let c = app
        .carrier(json!({"name": "Audited", "sip_address": "a.example", "password": secret}))
        .await;
    let cp = format!("/api/v1/carriers/{}", id(&c));
    app.patch(
        &cp,
        &json!({"password": "another-Secret-99", "outbound_cps": 2}),
    )
    .await;
    app.patch(&cp, &json!({"outbound_cps": 2})).await; // no change: no row
    let n: Value = app
        .add_number(&c, json!({"number": "+14155551234"}))
        .await
        .json()
        .await
        .unwrap();
    let np = format!("{cp}/numbers/{}", id(&n));
    app.patch(&np, &json!({"label": "Sales"})).await;
    app.delete(&np).await;
    let bot: Value = app
        .post("/api/v1/bots", &json!({"name": "B", "agent_name": "b"}))
        .await
        .json()
        .await
        .unwrap();
    app.patch(
        &format!("/api/v1/bots/{}", id(&bot)),
        &json!({"agent_name": "b2"}),
    )
    .await;
    app.delete(&format!("/api/v1/bots/{}", id(&bot))).await;
    let user: Value = app
        .post(
            "/api/v1/users",
            &json!({"email": "m@ori.test", "password": "a long enough password", "role": "member"}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.patch(
        &format!("/api/v1/users/{}", id(&user)),
        &json!({"role": "admin"}),
    )
    .await;
    app.delete(&format!("/api/v1/users/{}", id(&user))).await;
    app.anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": "wrong"}))
        .send()
        .await
        .unwrap();
    app.delete(&cp).await;

    let text = app
        .get("/api/v1/audit?limit=200")
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains(secret) && !text.contains("another-Secret-99"));
    let page: Value = serde_json::from_str(&text).unwrap();
    let rows = page["items"].as_array().unwrap();
    let actions: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "login.success",
            "carrier.create",
            "carrier.update",
            "number.create",
            "number.update",
            "number.delete",
            "bot.create",
            "bot.update",
            "bot.delete",
            "user.create",
            "user.update",
            "user.delete",
            "login.failure",
            "carrier.delete",
        ]
    );
    let update = rows
        .iter()
        .find(|r| r["action"] == "carrier.update")
        .unwrap();
    assert_eq!(update["fields"], json!(["password", "outbound_cps"]));
    assert_eq!(update["actor_email"], ADMIN_EMAIL);
    assert_eq!(update["target_id"], c["id"]);
    let failure = rows
        .iter()
        .find(|r| r["action"] == "login.failure")
        .unwrap();
    assert!(failure["actor_id"].is_null());

    // Filter by target and page through.
    let mine: Value = app
        .get(&format!("/api/v1/audit?target={}", id(&c)))
        .await
        .json()
        .await
        .unwrap();
    let mine: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(mine, ["carrier.delete", "carrier.update", "carrier.create"]);
    let first: Value = app
        .get("/api/v1/audit?limit=10")
        .await
        .json()
        .await
        .unwrap();
    let rest: Value = app
        .get(&format!(
            "/api/v1/audit?limit=10&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["items"].as_array().unwrap().len() + rest["items"].as_array().unwrap().len(),
        15
    );
    assert!(rest["next_cursor"].is_null());
}

/// Captures every log line the app writes, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn sip_passwords_appear_in_no_response_log_line_or_column() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .init();
    let app = spawn_app().await;
    let secret = "Pl41ntext-SIP-pw";
    let mut bodies = Vec::new();
    let res = app
        .post(
            "/api/v1/carriers",
            &json!({"name": "A", "sip_address": "h.example", "password": secret}),
        )
        .await;
    bodies.push(res.text().await.unwrap());
    let c: Value = serde_json::from_str(&bodies[0]).unwrap();
    let path = format!("/api/v1/carriers/{}", id(&c));
    for res in [
        app.patch(&path, &json!({"password": secret, "name": "B"}))
            .await,
        app.get(&path).await,
        app.get("/api/v1/carriers").await,
        app.post(
            "/api/v1/carriers",
            &json!({"name": "", "sip_address": "x", "password": secret}),
        )
        .await,
        app.post(
            "/api/v1/carriers",
            &json!({"name": "C", "sip_address": "x", "password": 271828182}),
        )
        .await,
        app.get("/api/v1/audit").await,
    ] {
        bodies.push(res.text().await.unwrap());
    }
    for body in &bodies {
        assert!(
            !body.contains(secret) && !body.contains("271828182"),
            "leaked in {body}"
        );
    }
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("/api/v1/carriers"), "the capture works");
    assert!(
        !logged.contains(secret) && !logged.contains("271828182"),
        "a log line holds the password"
    );

    let db = app.raw_db().await;
    let rows: Vec<(Option<Vec<u8>>, String, String)> =
        sqlx::query_as("SELECT password_secret, name, sip_address FROM carriers")
            .fetch_all(&db)
            .await
            .unwrap();
    for (stored, name, address) in rows {
        let stored = stored.unwrap();
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()));
        assert!(!name.contains(secret) && !address.contains(secret));
    }
    let audit: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT fields, detail FROM audit_log")
            .fetch_all(&db)
            .await
            .unwrap();
    assert!(
        audit
            .iter()
            .all(|(f, d)| !f.contains(secret) && !d.as_deref().unwrap_or("").contains(secret))
    );
}

#[tokio::test]
async fn the_first_admin_comes_from_the_environment() {
    // spawn_app sets ORI_ADMIN_EMAIL/PASSWORD through the settings and logs in with them.
    let app = spawn_app().await;
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(ADMIN_EMAIL), Some("super_admin"))
    );
    let audit: Value = app.get("/api/v1/audit").await.json().await.unwrap();
    let created = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "user.create")
        .unwrap();
    assert!(created["actor_id"].is_null());
}

/// Starts the real binary, reads its console output up to the line saying
/// where it listens, stops it, and returns those lines.
fn start_ori(data_dir: &std::path::Path, database_url: &str) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ori"))
        .env("ORI_BIND", "127.0.0.1:0")
        .env("ORI_DATA_DIR", data_dir)
        .env("ORI_DATABASE_URL", database_url)
        .env("RUST_LOG", "info")
        .env_remove("ORI_ADMIN_EMAIL")
        .env_remove("ORI_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        let started = line.contains("listening on");
        lines.push(line);
        if started {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("listening on")),
        "the server did not start: {lines:?}"
    );
    lines
}

#[tokio::test]
async fn without_configured_credentials_a_password_is_generated_and_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let settings = common::test_settings(dir.path()).await;
    let url = settings.database_url.unwrap();
    let lines = start_ori(dir.path(), &url);
    let email = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Email:"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("{lines:?}"))
        .to_owned();
    let password = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Password:"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert_eq!(email, "admin@localhost");
    assert!(password.len() >= 20);

    let lines = start_ori(dir.path(), &url);
    assert!(
        lines.iter().all(|l| !l.contains("Password")),
        "shown only once: {lines:?}"
    );

    // The generated password works.
    let settings = common::Settings {
        admin_password: None,
        ..common::test_settings(dir.path()).await
    };
    let app = ori_api::startup::Application::build(&common::Settings {
        database_url: Some(url.clone()),
        ..settings
    })
    .await
    .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let token = common::login(&reqwest::Client::new(), &base, &email, &password).await;
    assert!(!token.is_empty());
}
