//! Issue 11, the operations items: key files that cannot start weak or
//! race, the session cookie and HSTS, `/metrics` access, and the log of
//! refused requests. On SQLite, or PostgreSQL with `ORI_TEST_DB=postgres`.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Settings, bearer_client, login, problem, test_settings};
use ori_api::crypto::SecretBox;
use ori_api::startup::Application;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

/// Builds and starts `settings`' app; returns its base URL and the app's
/// metrics port, if any.
async fn start(settings: &Settings) -> (String, Option<u16>) {
    let app = Application::build(settings).await.expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    (base, metrics)
}

async fn build_error(settings: &Settings) -> String {
    match Application::build(settings).await {
        Ok(_) => panic!("the app started"),
        Err(e) => format!("{e}"),
    }
}

// ---- 6. Key files -------------------------------------------------------

#[tokio::test]
async fn an_empty_or_short_secret_file_stops_start_up_naming_it() {
    // The JWT secret generated into the data directory.
    for content in ["", "\n", "only-31-characters-long-secret!"] {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.jwt_secret = None;
        let path = dir.path().join("jwt.secret");
        std::fs::write(&path, content).unwrap();
        let e = build_error(&settings).await;
        assert!(e.contains(&path.display().to_string()), "{content:?}: {e}");
        assert!(e.contains("at least 32"), "{e}");
        // The file is reported, not replaced.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
    let dir = tempfile::tempdir().unwrap();
    // One named by ORI_JWT_SECRET_FILE.
    let named = dir.path().join("named-jwt");
    std::fs::write(&named, "short\n").unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.jwt_secret_file = Some(named.clone());
    let e = build_error(&settings).await;
    assert!(
        e.contains("ORI_JWT_SECRET_FILE") && e.contains(&named.display().to_string()),
        "{e}"
    );
    // By value.
    let mut settings = test_settings(dir.path()).await;
    settings.jwt_secret = Some("short".into());
    let e = build_error(&settings).await;
    assert!(
        e.contains("ORI_JWT_SECRET") && e.contains("at least 32"),
        "{e}"
    );

    // The encryption key: in the data directory, and named by ORI_SECRET_KEY_FILE.
    for content in ["", "c2hvcnQ="] {
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(dir.path()).await;
        let path = dir.path().join("secret.key");
        std::fs::write(&path, content).unwrap();
        let e = build_error(&settings).await;
        assert!(e.contains(&path.display().to_string()), "{content:?}: {e}");
        let named = dir.path().join("named-key");
        std::fs::write(&named, content).unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.secret_key_file = Some(named.clone());
        let e = build_error(&settings).await;
        assert!(e.contains(&named.display().to_string()), "{e}");
    }
}

#[tokio::test]
async fn replicas_starting_together_on_a_fresh_data_dir_share_one_key() {
    // The database exists already (its first start had other keys), so the
    // only race left is the two replicas' key files.
    let first = tempfile::tempdir().unwrap();
    let seed = test_settings(first.path()).await;
    drop(Application::build(&seed).await.expect("first start"));
    let shared = tempfile::tempdir().unwrap();
    let replica = || {
        let mut s = seed.clone();
        s.data_dir = shared.path().to_path_buf();
        s.jwt_secret = None;
        s
    };
    let (a, b) = (replica(), replica());
    let (a, b) = tokio::join!(Application::build(&a), Application::build(&b));
    let (a, b) = (a.expect("replica a"), b.expect("replica b"));
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{}", a.port()),
        format!("http://127.0.0.1:{}", b.port()),
    );
    tokio::spawn(a.run_until_stopped());
    tokio::spawn(b.run_until_stopped());

    let mut names: Vec<String> = std::fs::read_dir(shared.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["jwt.secret", "secret.key"],
        "no temporary files left"
    );
    #[cfg(unix)]
    for name in &names {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(shared.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }

    // A login token from one replica works on the other: one JWT secret.
    let anon = reqwest::Client::new();
    for (from, to) in [(&base_a, &base_b), (&base_b, &base_a)] {
        let token = login(&anon, from, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let me = bearer_client(&token)
            .get(format!("{to}/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
    // Each replica encrypts SIP passwords with the key in the file.
    let file_key = SecretBox::load_or_create(None, shared.path()).unwrap();
    let token = login(&anon, &base_a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (i, base) in [&base_a, &base_b].into_iter().enumerate() {
        let res = bearer_client(&token)
            .post(format!("{base}/api/v1/carriers"))
            .json(
                &json!({"name": format!("Replica {i}"), "sip_address": "sip.example.com",
                          "username": "u", "password": format!("pw-{i}")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    sqlx::any::install_default_drivers();
    let db = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(seed.database_url.as_deref().unwrap())
        .await
        .unwrap();
    let rows = sqlx::query("SELECT name, password_secret FROM carriers ORDER BY name")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (i, row) in rows.iter().enumerate() {
        let sealed: Vec<u8> = row.try_get("password_secret").unwrap();
        let plain = file_key
            .decrypt(&sealed)
            .expect("decrypts with the file's key");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&plain),
            format!("pw-{i}")
        );
    }
}

// ---- 10. The session cookie and HSTS -------------------------------------

async fn login_response(base: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
}

async fn me_with_cookie(base: &str, cookie: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_session_cookie_is_host_prefixed_and_secure_unless_insecure_http() {
    for insecure in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.insecure_http = insecure;
        let (base, _) = start(&settings).await;
        let res = login_response(&base).await;
        assert_eq!(res.status(), StatusCode::OK);
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        let (name, other) = if insecure {
            ("ori_session=", "__Host-ori_session=")
        } else {
            ("__Host-ori_session=", "ori_session=")
        };
        assert!(set_cookie.starts_with(name), "{set_cookie}");
        let attrs: Vec<&str> = set_cookie.split(';').map(str::trim).skip(1).collect();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(attrs.contains(&attr), "{set_cookie} lacks {attr}");
        }
        assert_eq!(attrs.contains(&"Secure"), !insecure, "{set_cookie}");
        assert!(!set_cookie.contains("Domain"), "{set_cookie}");
        // Accepted under the configured name only.
        let pair = set_cookie.split(';').next().unwrap().to_owned();
        let value = pair.split_once('=').unwrap().1;
        assert_eq!(me_with_cookie(&base, &pair).await, StatusCode::OK);
        assert_eq!(
            me_with_cookie(&base, &format!("{other}{value}")).await,
            StatusCode::UNAUTHORIZED
        );
        // Logging out clears the same cookie.
        let out = reqwest::Client::new()
            .post(format!("{base}/api/v1/auth/logout"))
            .header("cookie", &pair)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        let cleared = out.headers()["set-cookie"].to_str().unwrap();
        assert!(cleared.starts_with(name), "{cleared}");
        assert_eq!(cleared.contains("Secure"), !insecure, "{cleared}");
    }
}

/// actix's `connection_info()` takes the scheme from `X-Forwarded-Proto`
/// (or `Forwarded`) when present, as a TLS-terminating proxy sends it; the
/// header rule itself is unit-tested in `startup::tests::hsts_only_over_https`.
#[tokio::test]
async fn hsts_is_sent_only_for_requests_served_over_https() {
    let app = common::spawn_app().await;
    for path in ["/healthz", "/api/v1/me", "/"] {
        let plain = app.anon.get(app.url(path)).send().await.unwrap();
        assert!(
            !plain.headers().contains_key("strict-transport-security"),
            "{path}"
        );
        let https = app
            .anon
            .get(app.url(path))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert_eq!(
            https.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}

// ---- 12. /metrics and the log of refusals --------------------------------

const METRICS_TOKEN: &str = "metrics-token-of-some-length-0123";

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.metrics_token = Some(METRICS_TOKEN.into());
    let (base, metrics_port) = start(&settings).await;
    assert_eq!(metrics_port, None);
    let url = format!("{base}/metrics");
    for wrong in [None, Some("nope"), Some(&METRICS_TOKEN[1..])] {
        let res = get(&url, wrong).await;
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let p = problem(res, StatusCode::UNAUTHORIZED).await;
        assert!(
            p["detail"].as_str().unwrap().contains("ORI_METRICS_TOKEN"),
            "{p}"
        );
    }
    // A login token is no metrics token.
    let login_token = login(&reqwest::Client::new(), &base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        get(&url, Some(&login_token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = get(&url, Some(METRICS_TOKEN)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("ori_sync_pending_carriers")
    );

    // A token too short to be one is refused at start.
    settings.metrics_token = Some("short".into());
    let e = build_error(&settings).await;
    assert!(
        e.contains("ORI_METRICS_TOKEN") && e.contains("at least 16"),
        "{e}"
    );
}

#[tokio::test]
async fn metrics_bind_serves_them_on_their_own_listener_only() {
    for token in [None, Some(METRICS_TOKEN)] {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.metrics_bind = Some("127.0.0.1:0".into());
        settings.metrics_token = token.map(Into::into);
        let (base, metrics_port) = start(&settings).await;
        let metrics = format!("http://127.0.0.1:{}", metrics_port.expect("a metrics port"));
        let main = get(&format!("{base}/metrics"), token).await;
        problem(main, StatusCode::NOT_FOUND).await;
        let res = get(&format!("{metrics}/metrics"), token).await;
        assert_eq!(res.status(), StatusCode::OK, "{token:?}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("ori_sync_pending_carriers")
        );
        if token.is_some() {
            let res = get(&format!("{metrics}/metrics"), None).await;
            problem(res, StatusCode::UNAUTHORIZED).await;
        }
        // Nothing else is served there.
        let api = get(&format!("{metrics}/api/v1/me"), None).await;
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            get(&format!("{metrics}/healthz"), None).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn without_token_or_bind_metrics_are_open_only_on_a_loopback_bind() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(dir.path()).await;
    let (base, _) = start(&settings).await;
    assert_eq!(
        get(&format!("{base}/metrics"), None).await.status(),
        StatusCode::OK
    );

    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.bind = "0.0.0.0:0".into();
    let (base, _) = start(&settings).await;
    let res = get(&format!("{base}/metrics"), None).await;
    problem(res, StatusCode::NOT_FOUND).await;
    // The rest of the console is served as usual.
    assert_eq!(
        get(&format!("{base}/healthz"), None).await.status(),
        StatusCode::OK
    );
}

/// Everything this test binary logs, for the refusal-log test.
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Sink(sink.clone()))
            .try_init()
            .expect("the only subscriber of this test binary");
        log
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn request_id(res: &reqwest::Response) -> String {
    res.headers()["x-request-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn refused_requests_are_logged_with_route_and_client_capped_and_without_secrets() {
    let log = captured();
    let app = common::spawn_app().await;
    let member = app.user_client("member").await;
    let carrier = app.simple_carrier("Logged").await;
    let bad_token = "ori_not-a-real-token-but-secret-0123456789abcdefghijk";
    let bad_password = "a wrong password that must not be logged";

    let mut ids = Vec::new();
    // 401: an unknown API token.
    let res = bearer_client(bad_token)
        .get(app.url("/api/v1/carriers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    ids.push((
        request_id(&res),
        "GET",
        "/api/v1/carriers",
        "401",
        "unknown, revoked or expired",
    ));
    // 403: a member on a carrier.
    let res = member
        .get(app.url(&format!("/api/v1/carriers/{}", common::id(&carrier))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    ids.push((
        request_id(&res),
        "GET",
        "/api/v1/carriers/{id}",
        "403",
        "Only super admins",
    ));
    // 403: a cross-site write with the session cookie.
    let cookie = login_response(&app.base).await.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();
    let res = app
        .anon
        .patch(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"timezone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    ids.push((
        request_id(&res),
        "PATCH",
        "/api/v1/me",
        "403",
        "Cross-site request refused",
    ));
    // 401: a wrong password.
    let res = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": bad_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    ids.push((
        request_id(&res),
        "POST",
        "/api/v1/auth/login",
        "401",
        "Email or password is wrong",
    ));

    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    for (id, method, route, status, reason) in &ids {
        let line = text
            .lines()
            .find(|l| l.contains(id.as_str()) && l.contains("request refused method="))
            .unwrap_or_else(|| panic!("no refusal logged for {method} {route}:\n{text}"));
        assert!(line.contains(" WARN "), "{line}");
        for want in [
            format!("method=\"{method}\""),
            format!("route=\"{route}\""),
            "client=\"127.0.0.1\"".to_owned(),
            format!("status={status}"),
        ] {
            assert!(line.contains(&want), "{want} not in {line}");
        }
        assert!(line.contains(reason), "{reason} not in {line}");
    }

    // A flood: at most REFUSALS_PER_MINUTE lines, however many refusals.
    let limit = ori_api::telemetry::REFUSALS_PER_MINUTE as usize;
    for _ in 0..limit + 10 {
        let res = app.anon.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        ids.push((request_id(&res), "GET", "/api/v1/me", "401", ""));
    }
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    // Every warning about these requests counts: no other logger may add
    // unthrottled lines (TracingLogger logs error answers at warn).
    let logged = text
        .lines()
        .filter(|l| l.contains(" WARN ") && ids.iter().any(|(id, ..)| l.contains(id.as_str())))
        .count();
    assert_eq!(logged, limit, "capped per minute:\n{text}");
    for secret in [
        bad_token,
        bad_password,
        cookie_value.as_str(),
        app.admin_token.as_str(),
    ] {
        assert!(!text.contains(secret), "the log holds a secret: {secret}");
    }
}
