//! Tracing: `RUST_LOG`-filtered logs on stderr, and the rate-limited log of
//! refused requests.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // Ignore the error of a second init (tests spawn several apps).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The request log's span, as `tracing_actix_web`'s default but with the
/// client from `client_addr` (its default believes any `X-Forwarded-For`).
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let agent = request
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.client_ip = %crate::client_addr::client_text(request.request()),
            http.user_agent = %agent,
            http.target = %request.uri().path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Logs refused requests (401, 403: bad or missing credentials, a role
/// too low, a cross-site write) so that probing shows up in the logs, at
/// most `limit` lines per window so that a flood cannot fill the disk.
/// Lines name the method, the route pattern, the peer address and the
/// refusal's own message: never a header, so never a token or cookie.
#[derive(Debug)]
pub struct RefusalLog {
    limit: u32,
    window: Duration,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    logged: u32,
    suppressed: u64,
}

/// One refused request, as logged.
pub struct Refusal<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub client: &'a str,
    pub status: u16,
    pub reason: &'a str,
}

impl Default for RefusalLog {
    fn default() -> Self {
        Self::new(REFUSALS_PER_MINUTE, Duration::from_secs(60))
    }
}

/// Refusal lines per minute per process.
pub const REFUSALS_PER_MINUTE: u32 = 30;

impl RefusalLog {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            state: Mutex::new(Window {
                started: Instant::now(),
                logged: 0,
                suppressed: 0,
            }),
        }
    }

    /// Whether a refusal at `now` gets a line, and if so how many were
    /// suppressed since the previous line (reported on this one).
    fn admit(&self, now: Instant) -> Option<u64> {
        // A poisoned lock only means another thread panicked mid-count.
        let mut w = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.started) >= self.window {
            w.started = now;
            w.logged = 0;
        }
        if w.logged >= self.limit {
            w.suppressed += 1;
            return None;
        }
        w.logged += 1;
        Some(std::mem::take(&mut w.suppressed))
    }

    pub fn record(&self, refusal: &Refusal<'_>) {
        if let Some(suppressed) = self.admit(Instant::now()) {
            tracing::warn!(
                method = refusal.method,
                route = refusal.route,
                client = refusal.client,
                status = refusal.status,
                reason = refusal.reason,
                suppressed,
                "request refused"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_lines_are_capped_per_window_and_count_what_was_dropped() {
        let log = RefusalLog::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let admitted: Vec<_> = (0..10).map(|_| log.admit(t0)).collect();
        assert_eq!(admitted[..3], [Some(0), Some(0), Some(0)]);
        assert!(admitted[3..].iter().all(Option::is_none));
        // The next window's first line reports the seven dropped ones.
        let t1 = t0 + Duration::from_secs(61);
        assert_eq!(log.admit(t1), Some(7));
        assert_eq!(log.admit(t1), Some(0));
    }
}
