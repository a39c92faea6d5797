//! Runs `wrk` (Debian's package) against one route and reads its figures.
//!
//! Each run gets a Lua script: the case's request (method, body, headers)
//! and a `done` hook that prints one JSON line with the throughput and
//! latency percentiles, so nothing parses wrk's human-readable report.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use tokio::process::Command;

/// One load case: what each request sends.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: &'static str,
    pub path: String,
    /// Lua body of `request()`; `None` sends a plain GET.
    pub request: Option<String>,
    /// Lua run once per thread (ids and counters for writes).
    pub init: Option<String>,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Figures {
    pub requests: f64,
    pub duration_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Non-2xx/3xx answers, timeouts and socket errors.
    pub errors: f64,
}

impl Figures {
    pub fn rps(&self) -> f64 {
        self.requests / (self.duration_us / 1e6)
    }
}

const DONE: &str = r#"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "ORI-BENCH {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d,\"errors\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"#;

/// Runs `case` for `duration` at `connections` over `threads` threads.
pub async fn run(
    base: &str,
    auth: &str,
    case: &Case,
    connections: u32,
    duration: Duration,
    scratch: &Path,
) -> Result<Figures> {
    let mut script = String::new();
    script.push_str(&format!(
        "wrk.headers[\"Authorization\"] = {auth:?}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
    ));
    if let Some(init) = &case.init {
        script.push_str(init);
    }
    if let Some(request) = &case.request {
        script.push_str(&format!("function request()\n{request}\nend\n"));
    }
    script.push_str(DONE);
    let path = scratch.join(format!("{}.lua", case.name));
    std::fs::write(&path, script)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(&path)
        .arg(format!("{base}{}", case.path))
        .output()
        .await
        .context("running wrk (apt-get install wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed on {}: {}{}",
            case.name,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ORI-BENCH "))
        .with_context(|| format!("wrk printed no figures for {}: {stdout}", case.name))?;
    Ok(serde_json::from_str(line)?)
}
