//! Spawns the real app on a random port with a fresh database: SQLite in a
//! temp dir by default, or its own PostgreSQL schema when
//! `ORI_TEST_DB=postgres` (`ORI_TEST_POSTGRES_URL`, default the CI server).

#![allow(dead_code)]

pub mod kamailio;
pub mod livekit;
pub mod sip_peer;

pub use ori_api::config::Settings;
use ori_api::startup::Application;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    /// Sends the first super admin's Bearer token.
    pub client: Client,
    /// Sends no credentials.
    pub anon: Client,
    pub admin_token: String,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
}

pub const ADMIN_EMAIL: &str = "root@ori.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// Lets tests mint their own (bad) tokens.
pub const JWT_SECRET: &str = "test-only-jwt-secret-of-at-least-32-bytes";

pub fn backend() -> String {
    std::env::var("ORI_TEST_DB").unwrap_or_else(|_| "sqlite".into())
}

async fn database_url(dir: &std::path::Path) -> String {
    if backend() != "postgres" {
        return format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
    }
    let base = std::env::var("ORI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("t_{}", Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await
        .expect("connect to the test PostgreSQL");
    // pg_trgm once per database, in `public`: created from a test's own schema
    // it would go when that schema is dropped. Tests racing to create it may
    // see a duplicate; it exists either way.
    let _ = pool
        .execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .await;
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("create a schema");
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    // `public` after the test's schema: pg_trgm's operator classes live there.
    format!("{base}{sep}options[search_path]={schema},public")
}

/// Settings for a test app in `dir` with a fresh database and a known admin.
pub async fn test_settings(dir: &std::path::Path) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: Some(database_url(dir).await),
        static_dir: dir.join("no-spa"),
        body_limit: 64 * 1024,
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        jwt_secret: Some(JWT_SECRET.into()),
        // The tests speak plain HTTP: the cookie is `ori_session`, not Secure.
        insecure_http: true,
        // Most tests are not about the second factor (tests/two_factor.rs is).
        require_2fa: false,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(data_dir.path()).await;
    spawn_with(settings, data_dir).await
}

pub async fn spawn_with(settings: Settings, data_dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(&settings).await.expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let anon = Client::new();
    let admin_token = login(&anon, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    TestApp {
        base,
        client: bearer_client(&admin_token),
        anon,
        admin_token,
        database_url: settings.database_url.expect("database url"),
        data_dir,
    }
}

/// Logs in and returns the Bearer token.
pub async fn login(client: &Client, base: &str, email: &str, password: &str) -> String {
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::OK, "login as {email}");
    let body: Value = res.json().await.expect("login JSON");
    body["token"].as_str().expect("token").to_owned()
}

/// The authenticator app's code for `secret` (base32), `steps` time steps
/// from now (a code is refused once its step, or a later one, was used).
pub fn totp_code(secret: &str, steps: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32 secret");
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into())
        .expect("totp");
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + steps * 30;
    totp.generate(u64::try_from(now).expect("time"))
}

/// Turns on two-factor sign-in for the account `client` is signed in as;
/// returns its secret and recovery codes.
pub async fn enrol_two_factor(
    client: &Client,
    base: &str,
    password: &str,
) -> (String, Vec<String>) {
    let res = client
        .post(format!("{base}/api/v1/me/two-factor/setup"))
        .json(&json!({"password": password}))
        .send()
        .await
        .expect("setup");
    assert_eq!(res.status(), StatusCode::OK, "two-factor setup");
    let setup: Value = res.json().await.expect("setup JSON");
    let secret = setup["secret"].as_str().expect("secret").to_owned();
    let res = client
        .post(format!("{base}/api/v1/me/two-factor/confirm"))
        .json(&json!({"code": totp_code(&secret, 0)}))
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), StatusCode::OK, "two-factor confirm");
    let codes: Value = res.json().await.expect("codes JSON");
    let codes = codes["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (secret, codes)
}

/// A client that sends `Authorization: Bearer <token>`.
pub fn bearer_client(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .send()
            .await
            .expect("DELETE")
    }

    /// Creates a carrier and returns its JSON.
    pub async fn carrier(&self, body: Value) -> Value {
        let res = self.post("/api/v1/carriers", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {body}");
        res.json().await.expect("carrier JSON")
    }

    pub async fn simple_carrier(&self, name: &str) -> Value {
        self.carrier(json!({ "name": name, "sip_address": format!("sip.{}.example", name.to_lowercase().replace(' ', "-")) }))
            .await
    }

    /// Adds a number to a carrier and returns the response.
    pub async fn add_number(&self, carrier: &Value, body: Value) -> Response {
        self.post(&format!("/api/v1/carriers/{}/numbers", id(carrier)), &body)
            .await
    }

    /// Creates an account with `role` and returns a client logged in as it.
    pub async fn user_client(&self, role: &str) -> Client {
        let email = format!("{role}-{}@ori.test", Uuid::new_v4().simple());
        let password = "a long enough password";
        let res = self
            .post(
                "/api/v1/users",
                &json!({"email": email, "password": password, "role": role}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "create {role}");
        bearer_client(&login(&self.anon, &self.base, &email, password).await)
    }

    /// A database handle, for tests that look at raw rows.
    pub async fn raw_db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.database_url)
            .await
            .expect("connect raw")
    }
}

pub fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

/// The problem document of an error response, checking its content type.
pub async fn problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let ct = res.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    res.json().await.expect("problem JSON")
}

/// The message 422 gave for `field`.
pub fn field_error(problem: &Value, field: &str) -> Option<String> {
    problem["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .map(str::to_owned)
}
