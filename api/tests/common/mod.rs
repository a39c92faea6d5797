//! Spawns the real app on a random port with a fresh database: SQLite in a
//! temp dir by default, or its own PostgreSQL schema when
//! `ORI_TEST_DB=postgres` (`ORI_TEST_POSTGRES_URL`, default the CI server).

#![allow(dead_code)]

use ori_api::config::Settings;
use ori_api::startup::Application;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
}

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
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("create a schema");
    pool.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options[search_path]={schema}")
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = database_url(data_dir.path()).await;
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: Some(database_url.clone()),
        static_dir: data_dir.path().join("no-spa"),
        body_limit: 64 * 1024,
        ..Settings::default()
    };
    let app = Application::build(&settings).await.expect("build app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: Client::new(),
        database_url,
        data_dir,
    }
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
