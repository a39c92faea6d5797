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
        let _ = Command::new("kill").arg("--").arg(format!("-{pgid}")).status();
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
