//! A bench database (an SQLite file or a PostgreSQL schema of its own) and
//! an `ori` process on it, spoken to over real HTTP with an API token.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::Client;
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use tokio::process::{Child, Command};
use uuid::Uuid;

pub const ADMIN_EMAIL: &str = "bench@ori.test";
const ADMIN_PASSWORD: &str = "a long enough bench password";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// A database for one bench run, dropped (schema) or deleted (file) after.
pub struct BenchDb {
    pub url: String,
    schema: Option<(String, String)>,
    pub dir: tempfile::TempDir,
}

impl BenchDb {
    pub async fn create(engine: Engine, postgres: &str) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        if engine == Engine::Sqlite {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("ori.db").display());
            return Ok(Self {
                url,
                schema: None,
                dir,
            });
        }
        let schema = format!("bench_{}", Uuid::new_v4().simple());
        let pool = raw_pool(postgres).await?;
        // In `public`, as the tests do: made in the bench schema, it would go with it.
        pool.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .await
            .context("creating pg_trgm")?;
        pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .context("creating the bench schema")?;
        pool.close().await;
        let sep = if postgres.contains('?') { '&' } else { '?' };
        // `public` too: pg_trgm's operator classes live there.
        let url = format!("{postgres}{sep}options[search_path]={schema},public");
        Ok(Self {
            url,
            schema: Some((postgres.to_owned(), schema)),
            dir,
        })
    }

    pub async fn drop(self) -> Result<()> {
        if let Some((base, schema)) = &self.schema {
            let pool = raw_pool(base).await?;
            pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await
                .with_context(|| format!("dropping schema {schema}"))?;
            pool.close().await;
        }
        Ok(())
    }
}

pub async fn raw_pool(url: &str) -> Result<sqlx::AnyPool> {
    pool(url, 1).await
}

/// A plain pool of up to `max` connections to the bench database.
pub async fn pool(url: &str, max: u32) -> Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("connecting to {url}"))
}

/// A running `ori`.
pub struct Server {
    pub base: String,
    pub client: Client,
    /// `Authorization` header value with an API token.
    pub auth: String,
    /// From spawn to the first `/readyz` 200.
    pub cold_start: Duration,
    /// Where its stdout and stderr go.
    pub log_path: PathBuf,
    child: Child,
}

impl Server {
    /// Starts `ori` on `db` with `extra` environment, waits until ready and
    /// creates an API token.
    pub async fn start(ori: &Path, db: &BenchDb, extra: &[(String, String)]) -> Result<Self> {
        let mut server = Self::spawn(ori, db, extra, "ori").await?;
        server.log_in().await?;
        Ok(server)
    }

    /// Starts `ori` logging to `<name>.log` in the bench directory and waits
    /// until it is ready, without logging in (so a measurement that starts
    /// with the process does not include a password hash).
    pub async fn spawn(
        ori: &Path,
        db: &BenchDb,
        extra: &[(String, String)],
        name: &str,
    ) -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let base = format!("http://127.0.0.1:{port}");
        let log_path = db.dir.path().join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path)?;
        let started = Instant::now();
        let mut command = Command::new(ori);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ORI_BIND", format!("127.0.0.1:{port}"))
            .env("ORI_DATA_DIR", db.dir.path())
            .env("ORI_DATABASE_URL", &db.url)
            .env("ORI_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ORI_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("ORI_REQUIRE_2FA", "false")
            .env("ORI_INSECURE_HTTP", "true")
            .env("ORI_STATIC_DIR", static_dir())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", ori.display()))?;
        let client = Client::builder().timeout(Duration::from_secs(30)).build()?;
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("ori exited ({status}); its log: {}", log_path.display());
            }
            let ready = client.get(format!("{base}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("ori was not ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Self {
            base,
            client,
            auth: String::new(),
            cold_start: started.elapsed(),
            log_path,
            child,
        })
    }

    /// Logs in and keeps an API token for the requests that follow.
    pub async fn log_in(&mut self) -> Result<()> {
        self.auth = self.api_token().await?;
        Ok(())
    }

    async fn api_token(&self) -> Result<String> {
        let login: Value = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await?
            .error_for_status()
            .context("logging in")?
            .json()
            .await?;
        let jwt = login["token"].as_str().context("login gave no token")?;
        let created: Value = self
            .client
            .post(self.url("/api/v1/tokens"))
            .bearer_auth(jwt)
            .json(&json!({ "name": "bench" }))
            .send()
            .await?
            .error_for_status()
            .context("creating an API token")?
            .json()
            .await?;
        let token = created["token"].as_str().context("no API token")?;
        Ok(format!("Bearer {token}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Result<(Value, usize)> {
        let body = self
            .client
            .get(self.url(path))
            .header("Authorization", &self.auth)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("GET {path}"))?
            .bytes()
            .await?;
        Ok((serde_json::from_slice(&body)?, body.len()))
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory now and at its peak, in MiB (Linux `/proc`).
    pub fn memory(&self) -> Result<Memory> {
        let pid = self.pid().context("ori has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("{name} missing from /proc/{pid}/status"))?;
            let kib: f64 = line
                .split_whitespace()
                .nth(1)
                .context("no value")?
                .parse()?;
            Ok(kib / 1024.0)
        };
        Ok(Memory {
            rss_mib: field("VmRSS:")?,
            peak_mib: field("VmHWM:")?,
        })
    }

    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

pub struct Memory {
    pub rss_mib: f64,
    pub peak_mib: f64,
}

/// The built SPA, when there is one (so the process is what production runs).
fn static_dir() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    if dist.is_dir() {
        dist
    } else {
        PathBuf::from("no-spa")
    }
}
