//! Harness for the real-browser tests: starts the real `ori` binary on a
//! temporary SQLite database with the built SPA, optionally wired to an
//! in-process LiveKit double, and drives headless Chromium through
//! chromedriver.
//!
//! Needs `target/debug/ori` (`cargo build -p ori-api`), `dist/` (`trunk build
//! --release`), `/usr/bin/chromium` + `chromedriver` and axe-core
//! (`scripts/install-tools.sh --browser`); `scripts/e2e.sh` builds the first two
//! and runs the tests.
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
//! // e2e/screenshots/carriers-{1280,768}.png and .axe.json; fails on serious
//! // or critical axe violations and on console errors.
//! browser.screenshot("carriers").await?;
//! browser.close().await?;
//! # Ok(()) }
//! ```
//!
//! Every [`Browser::screenshot`] is also a check of the screen, at both widths:
//! axe-core (injected from `.tools/axe-core`, never served by the console) must
//! find no `serious` or `critical` violation, and the page must have logged no
//! console error or uncaught exception (see [`Browser::assert_no_console_errors`]).
//! End a test with [`Browser::close`], which checks the console one last time.
//!
//! Every wait gives up after [`WAIT`] and names what it waited for and what it
//! saw last. Tests may use `#[tokio::test]` (current-thread) even with the
//! LiveKit double: its server runs on actix-web's own worker thread.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub use fantoccini::key::Key;
pub use ori_livekit_double::LiveKitDouble;

/// How long every `wait_*` (and the helpers that wait for an element) tries.
pub const WAIT: Duration = Duration::from_secs(10);
/// For what waits on a sync (the reconciler, LiveKit, then the page's next poll, which
/// backs off to 5 s): on a loaded CI machine this takes longer than a page's own work.
pub const WAIT_SYNC: Duration = Duration::from_secs(30);

/// Where [`Browser::screenshot`] saves its PNGs, relative to the repository
/// root (git-ignored).
pub const SCREENSHOTS_DIR: &str = "e2e/screenshots";

/// Window size of every [`Browser`], restored after each screenshot.
pub const WINDOW_WIDTH: u32 = 1280;
pub const WINDOW_HEIGHT: u32 = 900;
/// The narrow width [`Browser::screenshot`] also captures.
pub const NARROW_WIDTH: u32 = 768;

/// The axe-core that `scripts/install-tools.sh --browser` installs (npm, exact).
pub const AXE_CORE_VERSION: &str = "4.14.1";

/// The axe rule sets every screenshot runs: WCAG 2.0/2.1/2.2 A and AA, and
/// Deque's best practices.
pub const AXE_TAGS: [&str; 6] = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

/// Violations of these impacts fail [`Browser::screenshot`]; `moderate` and
/// `minor` ones are only printed (and kept in the `.axe.json`).
pub const AXE_FAILING_IMPACTS: [&str; 2] = ["serious", "critical"];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// [`SCREENSHOTS_DIR`] as an absolute path.
pub fn screenshots_dir() -> PathBuf {
    root().join(SCREENSHOTS_DIR)
}

/// Where the installed axe-core lives (`axe.min.js`, `package.json`).
pub fn axe_core_dir() -> PathBuf {
    root().join(".tools/axe-core/node_modules/axe-core")
}

/// `axe.min.js`, read once; an error says how to install it.
fn axe_source() -> anyhow::Result<&'static str> {
    static SOURCE: OnceLock<Result<String, String>> = OnceLock::new();
    let loaded = SOURCE.get_or_init(|| {
        let dir = axe_core_dir();
        let install = "run `scripts/install-tools.sh --browser`";
        let package = std::fs::read_to_string(dir.join("package.json")).map_err(|e| {
            format!(
                "axe-core is missing from {} ({e}): {install}",
                dir.display()
            )
        })?;
        let version = serde_json::from_str::<Value>(&package)
            .ok()
            .and_then(|p| p["version"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if version != AXE_CORE_VERSION {
            return Err(format!(
                "{} holds axe-core {version:?}, not {AXE_CORE_VERSION}: {install}",
                dir.display()
            ));
        }
        std::fs::read_to_string(dir.join("axe.min.js"))
            .map_err(|e| format!("reading axe.min.js in {}: {e}: {install}", dir.display()))
    });
    match loaded {
        Ok(source) => Ok(source),
        Err(message) => bail!("{message}"),
    }
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
    step: impl AsyncFnMut() -> anyhow::Result<Poll<T>>,
) -> anyhow::Result<T> {
    poll_within(what, WAIT, step).await
}

/// Runs `step` every 100 ms until it is ready, for at most `within`.
async fn poll_within<T>(
    what: &str,
    within: Duration,
    mut step: impl AsyncFnMut() -> anyhow::Result<Poll<T>>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + within;
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
                within.as_secs()
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
            // Served over plain HTTP: the session cookie cannot be Secure.
            .env("ORI_INSECURE_HTTP", "true")
            // Most tests are not about two-factor sign-in; tests/two_factor.rs turns it on.
            .env("ORI_REQUIRE_2FA", "false")
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
    /// chromedriver's URL and the session's id, for its browser-log endpoint.
    driver_url: String,
    session_id: String,
    http: reqwest::Client,
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
            // Every console message, uncaught exception, CSP report and failed load,
            // read back from chromedriver's log endpoint by `console_errors`.
            "goog:loggingPrefs": { "browser": "ALL" },
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
        let session_id = client
            .session_id()
            .await?
            .context("chromedriver gave no session id")?;
        Ok(Self {
            client,
            driver_url: url,
            session_id,
            http: reqwest::Client::new(),
            _driver: driver,
            _profile: profile,
        })
    }

    /// Checks the console one last time ([`Browser::assert_no_console_errors`])
    /// and ends the session; the way to end a test.
    pub async fn close(self) -> anyhow::Result<()> {
        let checked = self.assert_no_console_errors().await;
        self.client.clone().close().await?;
        checked
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

    /// Waits until the element matching `css` has the focus (the console
    /// moves it after the element renders, not at once).
    pub async fn wait_focus(&self, css: &str) -> anyhow::Result<()> {
        poll(&format!("the focus on {css}"), async || {
            let focused = self
                .execute(
                    "return document.activeElement === document.querySelector(arguments[0])",
                    vec![json!(css)],
                )
                .await?;
            Ok(if focused == Value::Bool(true) {
                Poll::Ready(())
            } else {
                Poll::Pending("elsewhere".to_owned())
            })
        })
        .await
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) -> anyhow::Result<()> {
        self.wait_count(css, 0).await
    }

    /// Waits for an element matching `css` whose text contains `text`.
    pub async fn wait_text(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.wait_text_within(css, text, WAIT).await
    }

    /// [`Browser::wait_text`] for at most `within` (e.g. [`WAIT_SYNC`]).
    pub async fn wait_text_within(
        &self,
        css: &str,
        text: &str,
        within: Duration,
    ) -> anyhow::Result<()> {
        poll_within(
            &format!("a {css} containing {text:?}"),
            within,
            async || {
                let mut seen = Vec::new();
                for el in self.client.find_all(Locator::Css(css)).await? {
                    let current = el.text().await?;
                    if current.contains(text) {
                        return Ok(Poll::Ready(()));
                    }
                    seen.push(current);
                }
                Ok(Poll::Pending(format!("texts {seen:?}")))
            },
        )
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
    ///
    /// At each width it also runs axe ([`Browser::axe`]: the full results go to
    /// `<name>-<width>.axe.json`), and then checks the console
    /// ([`Browser::assert_no_console_errors`]). Fails, after both widths, with
    /// the list of every `serious` or `critical` violation and console error.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let wide = dir.join(format!("{name}-{WINDOW_WIDTH}.png"));
        let narrow = dir.join(format!("{name}-{NARROW_WIDTH}.png"));
        self.save_png(&wide).await?;
        let mut problems = Vec::new();
        let wide_axe = self.axe(name, WINDOW_WIDTH).await?;
        problems.extend(wide_axe.failure());
        let (_, height) = self.client.get_window_size().await?;
        let height = u32::try_from(height).unwrap_or(WINDOW_HEIGHT);
        self.client.set_window_size(NARROW_WIDTH, height).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let narrow_checked = async {
            self.save_png(&narrow).await?;
            self.axe(name, NARROW_WIDTH).await
        }
        .await;
        // Restore the size even when the narrow shot failed.
        self.client
            .set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT)
            .await?;
        problems.extend(narrow_checked?.failure());
        if let Err(e) = self.assert_no_console_errors().await {
            problems.push(format!("{e:#}"));
        }
        if !problems.is_empty() {
            bail!("screenshot {name:?}: {}", problems.join("\n\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok((wide, narrow))
    }

    /// Runs axe-core on the page as it is now ([`AXE_TAGS`]), once its finite
    /// animations and transitions have ended (at most 2 s), and writes the
    /// full results to `<SCREENSHOTS_DIR>/<name>-<width>.axe.json`. Injects
    /// axe first when the page lacks it (a WebDriver script is not subject to
    /// the page's CSP); the console never serves it. Prints a one-line summary.
    pub async fn axe(&self, name: &str, width: u32) -> anyhow::Result<AxeReport> {
        self.inject_axe().await?;
        let answer = self
            .client
            .execute_async(AXE_RUN, vec![json!(AXE_TAGS)])
            .await
            .context("running axe")?;
        if let Some(error) = answer.get("error") {
            bail!("axe.run failed on {name} at {width} px: {error}");
        }
        let results = answer
            .get("ok")
            .cloned()
            .with_context(|| format!("axe.run gave no results: {answer}"))?;
        let path = screenshots_dir().join(format!("{name}-{width}.axe.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&results)?)
            .with_context(|| format!("writing {}", path.display()))?;
        let report = AxeReport {
            screen: format!("{name} at {width} px"),
            path,
            results,
        };
        eprintln!("axe: {}", report.summary());
        Ok(report)
    }

    /// Puts axe-core into the page unless it is already there (it stays across
    /// the SPA's own navigations, not across page loads).
    async fn inject_axe(&self) -> anyhow::Result<()> {
        const VERSION: &str = "return window.axe ? String(window.axe.version) : null";
        if self.client.execute(VERSION, vec![]).await? == AXE_CORE_VERSION {
            return Ok(());
        }
        let script = format!("{}\n;{VERSION};", axe_source()?);
        let version = self
            .client
            .execute(&script, vec![])
            .await
            .context("injecting axe-core")?;
        if version != AXE_CORE_VERSION {
            bail!("injected axe-core {AXE_CORE_VERSION} but the page reports {version}");
        }
        Ok(())
    }

    /// The browser log since the last call (chromedriver hands each entry out once).
    async fn browser_log(&self) -> anyhow::Result<Vec<Value>> {
        let url = format!("{}/session/{}/se/log", self.driver_url, self.session_id);
        let answer: Value = self
            .http
            .post(&url)
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .with_context(|| format!("POST {url}"))?
            .json()
            .await
            .with_context(|| format!("the answer of POST {url}"))?;
        answer["value"]
            .as_array()
            .cloned()
            .with_context(|| format!("POST {url} answered {answer}"))
    }

    /// Fails when the page logged an error since the last check (see
    /// [`Browser::console_errors`]), listing them. Warnings are printed, not failed.
    pub async fn assert_no_console_errors(&self) -> anyhow::Result<()> {
        let errors = self.console_errors().await?;
        if !errors.is_empty() {
            bail!(
                "the page logged {} console error(s):\n  {}",
                errors.len(),
                errors.join("\n  ")
            );
        }
        Ok(())
    }

    /// The errors the page logged since the last check, and takes them out (a
    /// test that expects one takes it out this way, then checks on): a
    /// `console.error`, an uncaught exception or rejection (a Rust panic too),
    /// a CSP violation, a resource that failed to load. The one thing allowed,
    /// because it is how the API answers by design and the app shows it: a 4xx
    /// answer to an `/api/` request (the session check's 401 on the login page,
    /// a wrong password, 404, 412, 422…), which Chrome logs as "Failed to load
    /// resource". Those and warnings are printed.
    pub async fn console_errors(&self) -> anyhow::Result<Vec<String>> {
        let mut errors = Vec::new();
        for entry in self.browser_log().await? {
            match classify_log_entry(&entry) {
                LogVerdict::Error(line) => errors.push(line),
                LogVerdict::Allowed(line) => eprintln!("console (allowed): {line}"),
                LogVerdict::Warning(line) => eprintln!("console warning: {line}"),
                LogVerdict::Info => {}
            }
        }
        Ok(errors)
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

/// Waits (at most 2 s) for the page's finite animations and transitions, so
/// colours are final, then runs axe on the document with the tags in
/// `arguments[0]`; answers `{ok: results}` or `{error}`.
const AXE_RUN: &str = r#"
const tags = arguments[0];
const done = arguments[arguments.length - 1];
const finite = document.getAnimations().filter((a) => {
  const end = a.effect && a.effect.getComputedTiming().endTime;
  return Number.isFinite(end);
});
const settled = Promise.all(finite.map((a) => a.finished.catch(() => null)));
const timeout = new Promise((resolve) => setTimeout(resolve, 2000));
Promise.race([settled, timeout])
  .then(() => axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  }))
  .then((results) => done({ ok: results }), (e) => done({ error: String((e && e.stack) || e) }));
"#;

/// What axe found on one screen at one width.
#[derive(Debug, Clone)]
pub struct AxeReport {
    /// `<name> at <width> px`.
    pub screen: String,
    /// Where the full results were written.
    pub path: PathBuf,
    /// axe's results object (`violations`, `incomplete`, `passes`…).
    pub results: Value,
}

impl AxeReport {
    /// axe's violations (one per rule, each with its `nodes`).
    pub fn violations(&self) -> &[Value] {
        self.results["violations"]
            .as_array()
            .map_or(&[], Vec::as_slice)
    }

    /// How many rules were violated, per impact (`critical`, `serious`, `moderate`, `minor`).
    pub fn counts(&self) -> [(&'static str, usize); 4] {
        ["critical", "serious", "moderate", "minor"].map(|impact| {
            let n = self
                .violations()
                .iter()
                .filter(|v| v["impact"] == impact)
                .count();
            (impact, n)
        })
    }

    /// `list-empty at 1280 px: 0 critical, 0 serious, 1 moderate (region), 0 minor`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .map(|(impact, n)| {
                let ids: Vec<&str> = self
                    .violations()
                    .iter()
                    .filter(|v| v["impact"] == *impact)
                    .filter_map(|v| v["id"].as_str())
                    .collect();
                if ids.is_empty() {
                    format!("{n} {impact}")
                } else {
                    format!("{n} {impact} ({})", ids.join(", "))
                }
            })
            .collect();
        format!("{}: {}", self.screen, parts.join(", "))
    }

    /// The violations whose impact is in [`AXE_FAILING_IMPACTS`].
    pub fn failing(&self) -> Vec<&Value> {
        self.violations()
            .iter()
            .filter(|v| {
                AXE_FAILING_IMPACTS
                    .iter()
                    .any(|impact| v["impact"] == *impact)
            })
            .collect()
    }

    /// A readable list of the failing violations, or `None` when there are none:
    /// rule, impact, help, and per element its selector, HTML and what to fix.
    pub fn failure(&self) -> Option<String> {
        let failing = self.failing();
        if failing.is_empty() {
            return None;
        }
        let mut out = format!(
            "axe found {} serious or critical violation(s) on {} (all results: {}):",
            failing.len(),
            self.screen,
            // Relative to the repository root: shorter than the absolute path.
            self.path
                .file_name()
                .map_or_else(
                    || self.path.clone(),
                    |f| PathBuf::from(SCREENSHOTS_DIR).join(f)
                )
                .display()
        );
        for violation in failing {
            let text = |key: &str| violation[key].as_str().unwrap_or("?").to_owned();
            out.push_str(&format!(
                "\n- {} ({}): {}\n  {}",
                text("id"),
                text("impact"),
                text("help"),
                text("helpUrl")
            ));
            for node in violation["nodes"].as_array().into_iter().flatten() {
                let target = node["target"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join(" >> ")
                    })
                    .unwrap_or_default();
                let html: String = node["html"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(300)
                    .collect();
                out.push_str(&format!("\n  * {target}\n    {html}"));
                if let Some(summary) = node["failureSummary"].as_str() {
                    for line in summary.lines() {
                        out.push_str(&format!("\n      {}", line.trim()));
                    }
                }
            }
        }
        Some(out)
    }
}

/// What [`Browser::assert_no_console_errors`] makes of one browser-log entry.
#[derive(Debug, PartialEq, Eq)]
enum LogVerdict {
    Error(String),
    Allowed(String),
    Warning(String),
    Info,
}

fn classify_log_entry(entry: &Value) -> LogVerdict {
    let level = entry["level"].as_str().unwrap_or("");
    let source = entry["source"].as_str().unwrap_or("?");
    let message = entry["message"].as_str().unwrap_or("");
    let line = format!("[{source}] {message}");
    match level {
        "SEVERE" if source == "network" && is_api_client_error(message) => {
            LogVerdict::Allowed(line)
        }
        "SEVERE" => LogVerdict::Error(line),
        "WARNING" => LogVerdict::Warning(line),
        _ => LogVerdict::Info,
    }
}

/// `http://…/api/v1/me - Failed to load resource: the server responded with a
/// status of 401 (Unauthorized)`: a 4xx answer to a request under `/api/`.
fn is_api_client_error(message: &str) -> bool {
    let Some((url, rest)) = message.split_once(" - ") else {
        return false;
    };
    let Some(status) = rest
        .strip_prefix("Failed to load resource: the server responded with a status of ")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse::<u16>().ok())
    else {
        return false;
    };
    let under_api = reqwest::Url::parse(url).is_ok_and(|u| u.path().starts_with("/api/"));
    under_api && (400..500).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(level: &str, source: &str, message: &str) -> Value {
        json!({ "level": level, "source": source, "message": message, "timestamp": 1 })
    }

    #[test]
    fn only_api_client_errors_are_allowed() {
        let api_401 = "http://127.0.0.1:1/api/v1/me - Failed to load resource: the server responded with a status of 401 (Unauthorized)";
        assert!(matches!(
            classify_log_entry(&entry("SEVERE", "network", api_401)),
            LogVerdict::Allowed(_)
        ));
        for (source, message) in [
            (
                "network",
                "http://127.0.0.1:1/api/v1/carriers - Failed to load resource: the server responded with a status of 500 (Internal Server Error)",
            ),
            (
                "network",
                "http://127.0.0.1:1/favicon.ico - Failed to load resource: the server responded with a status of 404 (Not Found)",
            ),
            (
                "network",
                "http://127.0.0.1:1/api/v1/me - Failed to load resource: net::ERR_CONNECTION_REFUSED",
            ),
            ("console-api", "http://127.0.0.1:1/app.js 0:69 \"boom\""),
            (
                "javascript",
                "http://127.0.0.1:1/app.js 0:1 Uncaught Error: panicked",
            ),
            (
                "security",
                "Applying inline style violates the following Content Security Policy directive",
            ),
        ] {
            assert!(
                matches!(
                    classify_log_entry(&entry("SEVERE", source, message)),
                    LogVerdict::Error(_)
                ),
                "{message}"
            );
        }
        assert!(matches!(
            classify_log_entry(&entry("WARNING", "console-api", "careful")),
            LogVerdict::Warning(_)
        ));
        assert_eq!(
            classify_log_entry(&entry("INFO", "console-api", "hello")),
            LogVerdict::Info
        );
    }
}
