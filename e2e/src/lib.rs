//! Harness for the real-browser tests: starts the real `ori` binary on a
//! temporary SQLite database with the built SPA, optionally wired to an
//! in-process LiveKit double, and drives headless Chromium through
//! chromedriver.
//!
//! Needs `target/debug/ori` (`cargo build -p ori-api`), `dist/` (`trunk build
//! --release`) and `/usr/bin/chromium` + `chromedriver`
//! (`scripts/install-tools.sh --browser`); `scripts/test.sh` does all three.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use ori_e2e::{Browser, Console};
//! use serde_json::json;
//!
//! let console = Console::start_with_livekit().await?;
//! let carrier = console
//!     .create_carrier(json!({"name": "Acme", "sip_address": "sip.example.com"}))
//!     .await?;
//! let id = ori_e2e::id_of(&carrier)?;
//! console.wait_synced(id).await?;
//! assert_eq!(console.livekit().outbound_trunks().len(), 1);
//!
//! let browser = Browser::start().await?;
//! browser.log_in_admin(&console).await?;
//! browser.screenshot("carriers").await?; // e2e/screenshots/carriers-{1280,768}.png
//! # Ok(()) }
//! ```
//!
//! Every wait gives up after [`WAIT`] and names what it waited for and what it
//! saw last. Tests may use `#[tokio::test]` (current-thread) even with the
//! LiveKit double: its server runs on actix-web's own worker thread.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub use fantoccini::key::Key;
pub use ori_livekit_double::LiveKitDouble;

/// How long every `wait_*` (and the helpers that wait for an element) tries.
pub const WAIT: Duration = Duration::from_secs(10);

/// Where [`Browser::screenshot`] saves its PNGs, relative to the repository
/// root (git-ignored).
pub const SCREENSHOTS_DIR: &str = "e2e/screenshots";

/// Window size of every [`Browser`], restored after each screenshot.
pub const WINDOW_WIDTH: u32 = 1280;
pub const WINDOW_HEIGHT: u32 = 900;
/// The narrow width [`Browser::screenshot`] also captures.
pub const NARROW_WIDTH: u32 = 768;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// [`SCREENSHOTS_DIR`] as an absolute path.
pub fn screenshots_dir() -> PathBuf {
    root().join(SCREENSHOTS_DIR)
}

/// The `id` string of an API object (carrier, number, bot, user).
pub fn id_of(object: &Value) -> anyhow::Result<&str> {
    object["id"]
        .as_str()
        .with_context(|| format!("no string `id` in {object}"))
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

/// How long a started `ori` or chromedriver may take to answer HTTP (a debug
/// `ori` compresses the SPA at startup, which takes a while on a busy machine).
pub const STARTUP_WAIT: Duration = Duration::from_secs(90);

/// Waits until `url` answers, failing early if `process` exits.
async fn wait_for_http(url: &str, process: &mut Guard) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP_WAIT;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        if let Some(status) = process.0.try_wait()? {
            bail!("the process serving {url} exited with {status} before answering");
        }
        match reqwest::get(url).await {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!(
        "{url} did not come up within {} s (last error: {last})",
        STARTUP_WAIT.as_secs()
    )
}

/// One step of a wait: done with a value, or not yet, with what was seen.
enum Poll<T> {
    Ready(T),
    Pending(String),
}

/// WebDriver errors that mean "the page is still changing": retried until the deadline.
fn transient(error: &anyhow::Error) -> bool {
    match error.downcast_ref::<CmdError>() {
        Some(CmdError::Standard(w)) => matches!(
            w.error,
            ErrorStatus::StaleElementReference
                | ErrorStatus::NoSuchElement
                | ErrorStatus::ElementNotInteractable
                | ErrorStatus::ElementClickIntercepted
                | ErrorStatus::InvalidElementState
        ),
        _ => false,
    }
}

/// Runs `step` every 100 ms until it is ready, for at most [`WAIT`].
async fn poll<T>(
    what: &str,
    mut step: impl AsyncFnMut() -> anyhow::Result<Poll<T>>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = match step().await {
            Ok(Poll::Ready(value)) => return Ok(value),
            Ok(Poll::Pending(seen)) => seen,
            Err(e) if transient(&e) => format!("{e:#}"),
            Err(e) => return Err(e.context(format!("while waiting for {what}"))),
        };
        if Instant::now() > deadline {
            bail!(
                "timed out after {} s waiting for {what}; last saw: {seen}",
                WAIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Login of the first super admin of every [`Console`].
pub const ADMIN_EMAIL: &str = "admin@e2e.test";
/// Password of [`ADMIN_EMAIL`] (the API wants at least 12 characters).
pub const ADMIN_PASSWORD: &str = "e2e-admin-password-7f3k9q";

/// How to start a [`Console`]: `Console::builder().livekit().env(…).start()`.
#[derive(Debug, Default, Clone)]
pub struct ConsoleBuilder {
    livekit: bool,
    env: Vec<(String, String)>,
}

impl ConsoleBuilder {
    /// Also start an in-process [`LiveKitDouble`] and point the console at it,
    /// with fast sync settings (poll 200 ms, retries from 200 ms up to 2 s).
    pub fn livekit(mut self) -> Self {
        self.livekit = true;
        self
    }

    /// Sets an extra environment variable of the `ori` process (applied last,
    /// so it overrides the harness's own, e.g. `ORI_SYNC_FULL_PASS_SECS`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts the double (if asked for) and the console, and waits until it answers.
    pub async fn start(self) -> anyhow::Result<Console> {
        let bin = root().join("target/debug/ori");
        let dist = root().join("dist");
        if !bin.is_file() {
            bail!("{} is missing: run `cargo build -p ori-api`", bin.display());
        }
        if !dist.join("index.html").is_file() {
            bail!("{} is missing: run `trunk build --release`", dist.display());
        }
        let livekit = if self.livekit {
            Some(
                LiveKitDouble::start_with(ori_livekit_double::Config::default())
                    .await
                    .context("starting the LiveKit double")?,
            )
        } else {
            None
        };
        let data = tempfile::tempdir()?;
        let port = free_port()?;
        let mut cmd = Command::new(bin);
        cmd.env("ORI_BIND", format!("127.0.0.1:{port}"))
            .env("ORI_DATA_DIR", data.path())
            .env("ORI_STATIC_DIR", &dist)
            // No stray ori.toml from the working directory.
            .env("ORI_CONFIG", data.path().join("none.toml"))
            .env("ORI_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ORI_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("ORI_ADMIN_PASSWORD_FILE")
            .env_remove("ORI_DATABASE_URL")
            .env_remove("ORI_LIVEKIT_API_SECRET_FILE")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        match &livekit {
            Some(lk) => {
                cmd.env("ORI_LIVEKIT_URL", &lk.url)
                    .env("ORI_LIVEKIT_API_KEY", &lk.api_key)
                    .env("ORI_LIVEKIT_API_SECRET", &lk.api_secret)
                    .env("ORI_SYNC_POLL_MS", "200")
                    .env("ORI_SYNC_RETRY_BASE_MS", "200")
                    .env("ORI_SYNC_RETRY_MAX_SECS", "2");
            }
            None => {
                cmd.env_remove("ORI_LIVEKIT_URL")
                    .env_remove("ORI_LIVEKIT_API_KEY")
                    .env_remove("ORI_LIVEKIT_API_SECRET");
            }
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        let mut process = spawn_group(&mut cmd).context("starting ori")?;
        let base = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("{base}/healthz"), &mut process).await?;
        Ok(Console {
            base,
            http: reqwest::Client::new(),
            admin_token: Mutex::new(None),
            _process: process,
            livekit,
            _data: data,
        })
    }
}

/// An API answer: status, `ETag` header and body (JSON, `Null` when empty,
/// a JSON string when not JSON).
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: Value,
}

impl ApiResponse {
    /// The body if the status is `expected`, else an error with status and body.
    pub fn expect_status(self, expected: StatusCode, what: &str) -> anyhow::Result<Value> {
        if self.status != expected {
            bail!(
                "{what}: expected {expected}, got {} {}",
                self.status,
                self.body
            );
        }
        Ok(self.body)
    }

    /// The body if the status is 2xx, else an error with status and body.
    pub fn success(self, what: &str) -> anyhow::Result<Value> {
        if !self.status.is_success() {
            bail!("{what}: {} {}", self.status, self.body);
        }
        Ok(self.body)
    }
}

/// The real console, on a free port with a fresh data directory.
pub struct Console {
    pub base: String,
    http: reqwest::Client,
    admin_token: Mutex<Option<String>>,
    // Dropped in this order: the console, then the double, then the data.
    _process: Guard,
    livekit: Option<LiveKitDouble>,
    _data: tempfile::TempDir,
}

impl Console {
    /// Starts a console without LiveKit (carriers stay `pending`).
    pub async fn start() -> anyhow::Result<Self> {
        Self::builder().start().await
    }

    /// Starts a LiveKit double and a console syncing to it (fast sync settings).
    pub async fn start_with_livekit() -> anyhow::Result<Self> {
        Self::builder().livekit().start().await
    }

    /// Options for starting a console.
    pub fn builder() -> ConsoleBuilder {
        ConsoleBuilder::default()
    }

    /// The LiveKit double this console syncs to.
    ///
    /// # Panics
    /// If the console was started without one (a mistake in the test).
    pub fn livekit(&self) -> &LiveKitDouble {
        match &self.livekit {
            Some(lk) => lk,
            None => panic!("this Console has no LiveKit double: use Console::start_with_livekit"),
        }
    }

    /// The LiveKit double, if the console was started with one.
    pub fn try_livekit(&self) -> Option<&LiveKitDouble> {
        self.livekit.as_ref()
    }

    /// `base` + `path` (`path` starts with `/`), for `client.goto`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The shared HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Logs in through the API and returns the Bearer token.
    pub async fn token(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("login as {email} failed: {status} {body}");
        }
        body["token"]
            .as_str()
            .map(str::to_owned)
            .context("login response without a token")
    }

    /// The first super admin's token (logged in once, then cached).
    pub async fn admin_token(&self) -> anyhow::Result<String> {
        if let Some(token) = self.cached_token() {
            return Ok(token);
        }
        let token = self.token(ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        if let Ok(mut cached) = self.admin_token.lock() {
            *cached = Some(token.clone());
        }
        Ok(token)
    }

    fn cached_token(&self) -> Option<String> {
        self.admin_token.lock().ok().and_then(|t| t.clone())
    }

    fn forget_token(&self) {
        if let Ok(mut cached) = self.admin_token.lock() {
            *cached = None;
        }
    }

    fn api_url(&self, path: &str) -> String {
        if path.starts_with("/api/") {
            self.url(path)
        } else {
            self.url(&format!("/api/v1{path}"))
        }
    }

    /// Sends a request as the first super admin and returns whatever came back.
    /// `path` is under `/api/v1` unless it starts with `/api/`. A 401 with the
    /// cached token logs in again once (a test may have revoked it).
    pub async fn api_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> anyhow::Result<ApiResponse> {
        let url = self.api_url(path);
        let mut retried = false;
        loop {
            let had_cached = self.cached_token().is_some();
            let token = self.admin_token().await?;
            let mut request = self.http.request(method.clone(), &url).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some(etag) = if_match {
                request = request.header(reqwest::header::IF_MATCH, etag);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("{method} {url}"))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && had_cached && !retried {
                self.forget_token();
                retried = true;
                continue;
            }
            let etag = response
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await?;
            let body = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            return Ok(ApiResponse { status, etag, body });
        }
    }

    /// GET as the super admin; errors with status and body unless 2xx.
    pub async fn api_get(&self, path: &str) -> anyhow::Result<Value> {
        self.api_raw(Method::GET, path, None, None)
            .await?
            .success(&format!("GET {path}"))
    }

    /// POST `body` as the super admin; errors with status and body unless 2xx.
    pub async fn api_post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.api_raw(Method::POST, path, Some(&body), None)
            .await?
            .success(&format!("POST {path}"))
    }

    /// PATCH `body` as the super admin, with `If-Match` when given (an ETag
    /// such as `"3"`, see [`etag_of`]); errors with status and body unless 2xx.
    pub async fn api_patch(
        &self,
        path: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> anyhow::Result<Value> {
        self.api_raw(Method::PATCH, path, Some(&body), if_match)
            .await?
            .success(&format!("PATCH {path}"))
    }

    /// DELETE as the super admin; errors with status and body unless 2xx.
    /// Returns the body (`Null` for 204).
    pub async fn api_delete(&self, path: &str) -> anyhow::Result<Value> {
        self.api_raw(Method::DELETE, path, None, None)
            .await?
            .success(&format!("DELETE {path}"))
    }

    /// Creates an account (`member`, `admin` or `super_admin`) as the first super admin.
    pub async fn create_user(&self, email: &str, password: &str, role: &str) -> anyhow::Result<()> {
        let body = serde_json::json!({ "email": email, "password": password, "role": role });
        self.api_raw(Method::POST, "/users", Some(&body), None)
            .await?
            .expect_status(StatusCode::CREATED, &format!("creating {email}"))?;
        Ok(())
    }

    /// POST /api/v1/carriers (expects 201); returns the carrier.
    pub async fn create_carrier(&self, body: Value) -> anyhow::Result<Value> {
        self.api_raw(Method::POST, "/carriers", Some(&body), None)
            .await?
            .expect_status(StatusCode::CREATED, "creating a carrier")
    }

    /// GET /api/v1/carriers/{id}.
    pub async fn carrier(&self, id: &str) -> anyhow::Result<Value> {
        self.api_get(&format!("/carriers/{id}")).await
    }

    /// POST /api/v1/carriers/{id}/numbers (expects 201), e.g.
    /// `{"number": "+14155550100", "direction": "both"}`; returns the number.
    pub async fn add_number(&self, carrier_id: &str, body: Value) -> anyhow::Result<Value> {
        self.api_raw(
            Method::POST,
            &format!("/carriers/{carrier_id}/numbers"),
            Some(&body),
            None,
        )
        .await?
        .expect_status(StatusCode::CREATED, "adding a number")
    }

    /// GET /api/v1/carriers/{id}/numbers.
    pub async fn numbers(&self, carrier_id: &str) -> anyhow::Result<Value> {
        self.api_get(&format!("/carriers/{carrier_id}/numbers"))
            .await
    }

    /// POST /api/v1/bots (expects 201); returns the bot.
    pub async fn create_bot(&self, name: &str, agent_name: &str) -> anyhow::Result<Value> {
        let body = serde_json::json!({ "name": name, "agent_name": agent_name });
        self.api_raw(Method::POST, "/bots", Some(&body), None)
            .await?
            .expect_status(StatusCode::CREATED, &format!("creating bot {name}"))
    }

    /// Polls the carrier until its `sync_status` is `status` (`pending`,
    /// `synced` or `error`), for at most [`WAIT`]; returns it.
    pub async fn wait_sync_status(&self, id: &str, status: &str) -> anyhow::Result<Value> {
        poll(
            &format!("carrier {id} to be sync_status {status:?}"),
            async || {
                let carrier = self.carrier(id).await?;
                Ok(if carrier["sync_status"] == status {
                    Poll::Ready(carrier)
                } else {
                    Poll::Pending(carrier.to_string())
                })
            },
        )
        .await
    }

    /// Polls the carrier until it is `synced` (at most [`WAIT`]); returns it.
    pub async fn wait_synced(&self, id: &str) -> anyhow::Result<Value> {
        self.wait_sync_status(id, "synced").await
    }
}

/// The ETag of an API object from its `version` (`"3"`), for `If-Match`.
pub fn etag_of(object: &Value) -> anyhow::Result<String> {
    let version = object["version"]
        .as_i64()
        .with_context(|| format!("no integer `version` in {object}"))?;
    Ok(format!("\"{version}\""))
}

/// Headless Chromium driven through its own chromedriver.
pub struct Browser {
    pub client: Client,
    _driver: Guard,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a 1280×900 window.
    pub async fn start() -> anyhow::Result<Self> {
        // Err means a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port()?;
        let mut driver = spawn_group(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .context("starting chromedriver (scripts/install-tools.sh --browser installs it)")?;
        let url = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("{url}/status"), &mut driver).await?;
        let profile = tempfile::tempdir()?;
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let Value::Object(caps) = caps else {
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
        self.click("button[type=submit]").await
    }

    /// Logs in as the first super admin at the console's `/login` and waits
    /// until the SPA has left the login page.
    pub async fn log_in_admin(&self, console: &Console) -> anyhow::Result<()> {
        self.log_in(&console.url("/login"), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await?;
        poll("the login page to be left", async || {
            let path = self.path().await?;
            Ok(if path == "/login" {
                Poll::Pending(format!("path {path}"))
            } else {
                Poll::Ready(())
            })
        })
        .await
    }

    async fn first(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        poll(&format!("an element matching {css}"), async || {
            Ok(
                match self
                    .client
                    .find_all(Locator::Css(css))
                    .await?
                    .into_iter()
                    .next()
                {
                    Some(el) => Poll::Ready(el),
                    None => Poll::Pending("no match".into()),
                },
            )
        })
        .await
    }

    /// Replaces the value of the input matching `css` (waiting for it).
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let input = self.first(css).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Types `text` into the element matching `css` without clearing it first.
    pub async fn type_keys(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.first(css).await?.send_keys(text).await?;
        Ok(())
    }

    /// Presses `key` (`Key::Enter`, `Key::Backspace`, `Key::Escape`, `Key::Tab`, …)
    /// in the element matching `css`.
    pub async fn press_key(&self, css: &str, key: Key) -> anyhow::Result<()> {
        self.first(css).await?.send_keys(&key.to_string()).await?;
        Ok(())
    }

    /// Clicks the first element matching `css`, waiting until it exists and
    /// takes the click.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        poll(&format!("a clickable {css}"), async || {
            match self
                .client
                .find_all(Locator::Css(css))
                .await?
                .into_iter()
                .next()
            {
                Some(el) => {
                    el.click().await?;
                    Ok(Poll::Ready(()))
                }
                None => Ok(Poll::Pending("no match".into())),
            }
        })
        .await
    }

    /// Clicks the button whose text contains `text`.
    pub async fn click_button(&self, text: &str) -> anyhow::Result<()> {
        poll(&format!("a button containing {text:?}"), async || {
            let mut seen = Vec::new();
            for el in self.client.find_all(Locator::Css("button")).await? {
                let label = el.text().await?;
                if label.contains(text) {
                    el.click().await?;
                    return Ok(Poll::Ready(()));
                }
                seen.push(label);
            }
            Ok(Poll::Pending(format!("buttons {seen:?}")))
        })
        .await
    }

    /// The current page's path.
    pub async fn path(&self) -> anyhow::Result<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_path(&self, path: &str) -> anyhow::Result<()> {
        poll(&format!("the path to be {path}"), async || {
            let current = self.path().await?;
            Ok(if current == path {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("path {current}"))
            })
        })
        .await
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> anyhow::Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_count(&self, css: &str, n: usize) -> anyhow::Result<()> {
        poll(
            &format!("exactly {n} elements matching {css}"),
            async || {
                let count = self.count(css).await?;
                Ok(if count == n {
                    Poll::Ready(())
                } else {
                    Poll::Pending(format!("{count} elements"))
                })
            },
        )
        .await
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) -> anyhow::Result<()> {
        self.wait_count(css, 0).await
    }

    /// Waits for an element matching `css` whose text contains `text`.
    pub async fn wait_text(&self, css: &str, text: &str) -> anyhow::Result<()> {
        poll(&format!("a {css} containing {text:?}"), async || {
            let mut seen = Vec::new();
            for el in self.client.find_all(Locator::Css(css)).await? {
                let current = el.text().await?;
                if current.contains(text) {
                    return Ok(Poll::Ready(()));
                }
                seen.push(current);
            }
            Ok(Poll::Pending(format!("texts {seen:?}")))
        })
        .await
    }

    /// The text of the first element matching `css` (waiting for it to exist).
    pub async fn text_of(&self, css: &str) -> anyhow::Result<String> {
        poll(&format!("the text of {css}"), async || {
            Ok(Poll::Ready(self.first_now(css).await?.text().await?))
        })
        .await
    }

    /// An HTML attribute of the first element matching `css` (waiting for it).
    pub async fn attr_of(&self, css: &str, attr: &str) -> anyhow::Result<Option<String>> {
        poll(&format!("attribute {attr} of {css}"), async || {
            Ok(Poll::Ready(self.first_now(css).await?.attr(attr).await?))
        })
        .await
    }

    /// The `value` property of the input matching `css` (waiting for it).
    pub async fn value_of(&self, css: &str) -> anyhow::Result<String> {
        poll(&format!("the value of {css}"), async || {
            let value = self.first_now(css).await?.prop("value").await?;
            Ok(Poll::Ready(value.unwrap_or_default()))
        })
        .await
    }

    /// Whether the first element matching `css` is enabled (waiting for it).
    pub async fn is_enabled(&self, css: &str) -> anyhow::Result<bool> {
        poll(&format!("{css} (enabled or not)"), async || {
            Ok(Poll::Ready(self.first_now(css).await?.is_enabled().await?))
        })
        .await
    }

    /// Waits until the first element matching `css` is enabled (`true`) or
    /// disabled (`false`).
    pub async fn wait_enabled(&self, css: &str, enabled: bool) -> anyhow::Result<()> {
        let state = if enabled { "enabled" } else { "disabled" };
        poll(&format!("{css} to be {state}"), async || {
            let now = self.first_now(css).await?.is_enabled().await?;
            Ok(if now == enabled {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("{css} not {state}"))
            })
        })
        .await
    }

    /// The first element matching `css` now; `NoSuchElement` (retried by waits) if none.
    async fn first_now(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        Ok(self.client.find(Locator::Css(css)).await?)
    }

    /// Deletes every cookie of the current site (ends the browser's session).
    pub async fn delete_cookies(&self) -> anyhow::Result<()> {
        self.client.delete_all_cookies().await?;
        Ok(())
    }

    /// Runs JavaScript in the page (`arguments[0]` … are `args`); returns its result.
    pub async fn execute(&self, js: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        Ok(self.client.execute(js, args).await?)
    }

    /// Saves the page as `<SCREENSHOTS_DIR>/<name>-1280.png`, then at 768 wide
    /// (same height) as `<name>-768.png`, and restores 1280×900. Returns both paths.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let wide = dir.join(format!("{name}-{WINDOW_WIDTH}.png"));
        let narrow = dir.join(format!("{name}-{NARROW_WIDTH}.png"));
        self.save_png(&wide).await?;
        let (_, height) = self.client.get_window_size().await?;
        let height = u32::try_from(height).unwrap_or(WINDOW_HEIGHT);
        self.client.set_window_size(NARROW_WIDTH, height).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let saved = self.save_png(&narrow).await;
        // Restore the size even when the narrow shot failed.
        self.client
            .set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT)
            .await?;
        saved?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok((wide, narrow))
    }

    async fn save_png(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let png = self
            .client
            .screenshot()
            .await
            .context("taking a screenshot")?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }
}
