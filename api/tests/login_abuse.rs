//! Password guessing and login floods: attempts are counted before the
//! password is checked, in the database (so replicas share the counts), with
//! a progressive delay per account instead of a lockout, a hard limit per
//! client (an IPv6 /64 is one client), a bounded number of password hashes
//! at once, and clients told apart only through trusted proxies.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Settings, TestApp, problem};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// An app that believes `X-Forwarded-For` from this machine: the tests play
/// a reverse proxy in front of many clients.
async fn behind_a_proxy(database_url: Option<String>) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        trusted_proxies: "127.0.0.1/32, ::1".into(),
        ..common::test_settings(dir.path()).await
    };
    if database_url.is_some() {
        settings.database_url = database_url;
    }
    common::spawn_with(settings, dir).await
}

async fn log_in_from(
    client: &Client,
    app: &TestApp,
    from: &str,
    email: &str,
    pw: &str,
) -> Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": pw}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<Value> {
    let page: Value = app
        .get("/api/v1/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn guessing_slows_one_client_while_the_owner_elsewhere_logs_in() {
    let app = behind_a_proxy(None).await;
    let c = &app.anon;
    for _ in 0..3 {
        let res = log_in_from(c, &app, "198.51.100.1", ADMIN_EMAIL, "a wrong guess").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    // The guessing client now waits, even with the right password...
    let res = log_in_from(c, &app, "198.51.100.1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res);
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    // ...but the owner on another network is not locked out.
    let res = log_in_from(c, &app, "203.0.113.9", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK, "the owner from a new client");
    // And the delay is a delay: after it, the right password works there too.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let res = log_in_from(c, &app, "198.51.100.1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);

    let rows = audit_actions(&app).await;
    let held = rows
        .iter()
        .find(|r| r["action"] == "login.throttled")
        .expect("holding a client back is audited");
    let detail = held["detail"].as_str().unwrap();
    assert!(detail.contains("198.51.100.1"), "{detail}");
    assert!(
        rows.iter().any(|r| r["action"] == "login.failure"
            && r["detail"].as_str().unwrap().contains("198.51.100.1")),
        "the forwarded client is what the audit log records"
    );
}

#[tokio::test]
async fn guesses_from_many_addresses_are_slowed_per_account_with_a_ceiling() {
    let app = behind_a_proxy(None).await;
    for i in 0..10 {
        let from = format!("198.51.100.{}", 10 + i);
        let res = log_in_from(&app.anon, &app, &from, ADMIN_EMAIL, "guess").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let res = log_in_from(&app.anon, &app, "192.0.2.200", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) <= 30, "never longer than the ceiling");
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_gets_no_more_than_the_free_tries() {
    let app = common::spawn_app().await;
    let attempts = (0..200).map(|_| {
        app.anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": "a parallel guess"}))
            .send()
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|r| r.as_ref().unwrap().status() == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.as_ref().unwrap().status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Counted before each check, so the burst gets the three free guesses of
    // one account from one client, not one guess per request in flight.
    assert!(checked <= 3, "{checked} passwords were checked");
    assert_eq!(checked + refused, 200);
}

/// The `ori` binary, started as its own process so that its memory is its
/// own, behind a "proxy" (this test) it trusts, on the test's database.
struct Server {
    child: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let settings = common::test_settings(dir.path()).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_ori"))
            .env("ORI_CONFIG", dir.path().join("none.toml"))
            .env("ORI_BIND", format!("127.0.0.1:{port}"))
            .env("ORI_DATA_DIR", dir.path())
            .env("ORI_STATIC_DIR", dir.path().join("no-spa"))
            .env("ORI_DATABASE_URL", settings.database_url.unwrap())
            .env("ORI_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ORI_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("ORI_JWT_SECRET", common::JWT_SECRET)
            .env("ORI_TRUSTED_PROXIES", "127.0.0.1")
            .env("RUST_LOG", "error")
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(format!("{base}/healthz")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            child,
            base,
            _dir: dir,
        }
    }

    /// The server's peak resident memory so far, in MiB.
    fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib / 1024
    }

    async fn log_in(&self, client: &Client, from: &str, email: &str, pw: &str) -> Response {
        client
            .post(format!("{}/api/v1/auth/login", self.base))
            .header("x-forwarded-for", from)
            .json(&json!({"email": email, "password": pw}))
            .send()
            .await
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_hundred_parallel_logins_stay_bounded_and_the_owner_still_gets_in() {
    let server = std::sync::Arc::new(Server::start().await);
    eprintln!("at start: peak RSS {} MiB", server.peak_rss_mib());
    let client = Client::new();
    // 600 clients, each a different address and account: no throttle stops
    // them, only the bound on password hashes running at once.
    let flood: Vec<_> = (0..600)
        .map(|i| {
            let (server, client) = (server.clone(), client.clone());
            tokio::spawn(async move {
                let from = format!("10.{}.{}.1", i / 250, i % 250);
                let email = format!("guess{i}@ori.test");
                server
                    .log_in(&client, &from, &email, "flooding guess")
                    .await
                    .status()
            })
        })
        .collect();
    // The owner, from yet another client, during the flood: told to come
    // back at once when the queue is full, and let in when it does.
    let mut owner_in = false;
    for _ in 0..20 {
        let res = server
            .log_in(&client, "192.0.2.50", ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        if res.status() == StatusCode::OK {
            owner_in = true;
            break;
        }
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        tokio::time::sleep(Duration::from_secs(retry_after(&res))).await;
    }
    assert!(owner_in, "the owner got in during the flood");
    let mut statuses = Vec::new();
    for task in flood {
        statuses.push(task.await.unwrap());
    }
    let busy = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(busy + checked, 600, "{statuses:?}");
    assert!(busy > 0, "beyond the queue, answered 429 at once");
    let peak = server.peak_rss_mib();
    eprintln!(
        "600 parallel logins: {checked} checked, {busy} told to come back, peak RSS {peak} MiB"
    );
    assert!(peak < 200, "peak RSS {peak} MiB");
}

#[tokio::test]
async fn an_ipv6_client_is_its_64_and_spoofed_forwarding_counts_for_nothing() {
    let app = behind_a_proxy(None).await;
    for i in 0..20 {
        let from = format!("2001:db8:1:2::{:x}", i + 1);
        let res = log_in_from(&app.anon, &app, &from, &format!("nobody{i}@ori.test"), "x").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let res = log_in_from(&app.anon, &app, "2001:db8:1:2:ffff::1", "new@ori.test", "x").await;
    problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    let res = log_in_from(&app.anon, &app, "2001:db8:1:3::1", "new@ori.test", "x").await;
    problem(res, StatusCode::UNAUTHORIZED).await;

    // Without ORI_TRUSTED_PROXIES, X-Forwarded-For is whatever a client
    // writes: every request is the TCP peer's, and the limit holds.
    let plain = common::spawn_app().await;
    for i in 0..20 {
        let from = format!("198.51.100.{i}");
        let res = log_in_from(&plain.anon, &plain, &from, &format!("n{i}@ori.test"), "x").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let res = log_in_from(&plain.anon, &plain, "203.0.113.1", "m@ori.test", "x").await;
    problem(res, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn replicas_on_one_database_share_the_counts() {
    let first = behind_a_proxy(None).await;
    let second = behind_a_proxy(Some(first.database_url.clone())).await;
    for replica in [&first, &second, &first] {
        let res = log_in_from(&replica.anon, replica, "198.51.100.7", ADMIN_EMAIL, "guess").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let res = log_in_from(&second.anon, &second, "198.51.100.7", ADMIN_EMAIL, "guess").await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the second replica knows the first one's failures"
    );
}

#[tokio::test]
async fn the_current_password_check_is_throttled_like_a_login() {
    let app = common::spawn_app().await;
    let change = |current: &'static str| {
        app.client
            .patch(app.url("/api/v1/me"))
            .json(&json!({"current_password": current, "new_password": "a new long password"}))
            .send()
    };
    for _ in 0..3 {
        let p = problem(
            change("a guess").await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            common::field_error(&p, "current_password").as_deref(),
            Some("The current password is wrong.")
        );
    }
    let res = change(ADMIN_PASSWORD).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
