//! `livekit-double`: runs the strict LiveKit SIP test double until killed.
//!
//! ```text
//! livekit-double [--bind 127.0.0.1:7880] [--api-key devkey] [--api-secret secret]
//! ```
//!
//! `--bind` defaults to `$LIVEKIT_DOUBLE_BIND`, else `127.0.0.1:0` (a free port).
//! The first line on stdout is the base URL (e.g. `http://127.0.0.1:41234`).
//! Control endpoints for tests live under `/_double/` (see the crate docs).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use ori_livekit_double::{Config, LiveKitDouble};

const USAGE: &str = "usage: livekit-double [--bind ADDR:PORT] [--api-key KEY] [--api-secret SECRET]
  --bind        address to listen on (default: $LIVEKIT_DOUBLE_BIND or 127.0.0.1:0)
  --api-key     API key expected as the JWT `iss` (default: devkey)
  --api-secret  HS256 secret (default: secret)
Prints the base URL on the first stdout line, then serves until killed.
Control endpoints: GET /_double/state, /_double/requests, /_double/token;
POST /_double/reset, /_double/faults, /_double/down, /_double/delay,
/_double/inbound_trunks, /_double/outbound_trunks, /_double/dispatch_rules;
DELETE /_double/faults, /_double/objects/<id>.";

fn parse_args() -> Result<Config, String> {
    let mut config = Config::default();
    if let Ok(bind) = std::env::var("LIVEKIT_DOUBLE_BIND") {
        config.bind = bind
            .parse::<SocketAddr>()
            .map_err(|e| format!("LIVEKIT_DOUBLE_BIND={bind:?}: {e}"))?;
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--bind" => {
                let v = value()?;
                config.bind = v
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--bind {v:?}: {e}"))?;
            }
            "--api-key" => config.api_key = value()?,
            "--api-secret" => config.api_secret = value()?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("livekit-double: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let double = match LiveKitDouble::start_with(config).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("livekit-double: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", double.url);
    let _ = out.flush();
    eprintln!(
        "livekit-double: serving LiveKit SIP (Twirp JSON) on {} with api key {:?}",
        double.url, double.api_key
    );

    wait_for_termination().await;
    double.stop().await;
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn wait_for_termination() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_termination() {
    let _ = tokio::signal::ctrl_c().await;
}
