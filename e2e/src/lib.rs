//! Harness for the real-browser tests: starts the real `ori` binary on a
//! temporary SQLite database with the built SPA, and drives headless Chromium
//! through chromedriver.
//!
//! Needs `target/debug/ori` (`cargo build -p ori-api`), `dist/` (`trunk build
//! --release`) and `/usr/bin/chromium` + `chromedriver`
//! (`scripts/install-tools.sh --browser`); `scripts/test.sh` does all three.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process in its own process group, killed with its children on drop.
pub struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let pgid = self.0.id();
        // Kill the whole group: chromedriver leaves Chromium processes behind otherwise.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{pgid}"))
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_group(cmd: &mut Command) -> anyhow::Result<Guard> {
    cmd.process_group(0);
    Ok(Guard(cmd.spawn()?))
}

async fn wait_for_http(url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if reqwest::get(url).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{url} did not come up within 20 s")
}

/// Login of the first super admin of every [`Console`].
pub const ADMIN_EMAIL: &str = "admin@e2e.test";
/// Password of [`ADMIN_EMAIL`] (the API wants at least 12 characters).
pub const ADMIN_PASSWORD: &str = "e2e-admin-password-7f3k9q";

/// The real console, on a free port with a fresh data directory.
pub struct Console {
    pub base: String,
    _process: Guard,
    _data: tempfile::TempDir,
}

impl Console {
    pub async fn start() -> anyhow::Result<Self> {
        let bin = root().join("target/debug/ori");
        let dist = root().join("dist");
        if !bin.is_file() {
            bail!("{} is missing: run `cargo build -p ori-api`", bin.display());
        }
        if !dist.join("index.html").is_file() {
            bail!("{} is missing: run `trunk build --release`", dist.display());
        }
        let data = tempfile::tempdir()?;
        let port = free_port()?;
        let process = spawn_group(
            Command::new(bin)
                .env("ORI_BIND", format!("127.0.0.1:{port}"))
                .env("ORI_DATA_DIR", data.path())
                .env("ORI_STATIC_DIR", &dist)
                .env("ORI_ADMIN_EMAIL", ADMIN_EMAIL)
                .env("ORI_ADMIN_PASSWORD", ADMIN_PASSWORD)
                .env_remove("ORI_ADMIN_PASSWORD_FILE")
                .env_remove("ORI_DATABASE_URL")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        )
        .context("starting ori")?;
        let base = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("{base}/healthz")).await?;
        Ok(Self {
            base,
            _process: process,
            _data: data,
        })
    }

    /// Logs in through the API and returns the Bearer token.
    pub async fn token(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await?;
        if !status.is_success() {
            bail!("login as {email} failed: {status} {body}");
        }
        body["token"]
            .as_str()
            .map(str::to_owned)
            .context("login response without a token")
    }

    /// Creates an account (`member`, `admin` or `super_admin`) as the first super admin.
    pub async fn create_user(&self, email: &str, password: &str, role: &str) -> anyhow::Result<()> {
        let token = self.token(ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/users", self.base))
            .bearer_auth(token)
            .json(&serde_json::json!({ "email": email, "password": password, "role": role }))
            .send()
            .await?;
        let status = response.status();
        if status != reqwest::StatusCode::CREATED {
            bail!(
                "creating {email} failed: {status} {}",
                response.text().await?
            );
        }
        Ok(())
    }
}

/// Headless Chromium driven through its own chromedriver.
pub struct Browser {
    pub client: Client,
    _driver: Guard,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> anyhow::Result<Self> {
        // Err means a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port()?;
        let driver = spawn_group(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .context("starting chromedriver (scripts/install-tools.sh --browser installs it)")?;
        let url = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("{url}/status")).await?;
        let profile = tempfile::tempdir()?;
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            bail!("capabilities must be an object");
        };
        let client = ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&url)
            .await
            .context("connecting to chromedriver")?;
        Ok(Self {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Opens `url`, fills in the login form and submits it (the page must be
    /// the login page, or redirect to it).
    pub async fn log_in(&self, url: &str, email: &str, password: &str) -> anyhow::Result<()> {
        self.client.goto(url).await?;
        self.wait_text("h1", "Log in").await?;
        self.fill("#login-email", email).await?;
        self.fill("#login-password", password).await?;
        self.client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Replaces the value of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let input = self.client.find(Locator::Css(css)).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the button whose text contains `text`.
    pub async fn click_button(&self, text: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for el in self.client.find_all(Locator::Css("button")).await? {
                if el.text().await?.contains(text) {
                    el.click().await?;
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("no button containing {text:?} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_path(&self, path: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let current = self.client.current_url().await?;
            if current.path() == path {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("still at {} instead of {path} after 10 s", current.path());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> anyhow::Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    /// Waits for an element matching `css` whose text contains `text`.
    pub async fn wait_text(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for el in self.client.find_all(Locator::Css(css)).await? {
                if el.text().await?.contains(text) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("no {css} containing {text:?} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
