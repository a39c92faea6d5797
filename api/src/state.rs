//! What every handler can reach: the state shared by the routes and the
//! request extractors (`auth::extract`), below both.

use std::sync::Arc;

use actix_web::web::Bytes;
use tokio::sync::Notify;

use crate::auth::jwt::JwtKeys;
use crate::crypto::SecretBox;
use crate::db::Db;
use crate::db::memo::Memo;
use crate::livekit::{Reconciler, SyncMetrics};
use crate::sip::ProbeOptions;

/// Carrier list pages as sent, by (search, page size, cursor).
pub type CarrierPages = Memo<(String, u32, Option<String>), Bytes>;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub secrets: SecretBox,
    pub jwt: JwtKeys,
    pub sessions: SessionPolicy,
    /// Wakes the LiveKit reconciler after a change.
    pub sync_wakeup: Arc<Notify>,
    /// `None` when LiveKit is not configured: carriers stay `pending`.
    pub reconciler: Option<Arc<Reconciler>>,
    pub metrics: Arc<SyncMetrics>,
    /// `ORI_ALLOW_LOOPBACK_SIP`: loopback SIP addresses are accepted.
    pub allow_loopback_sip: bool,
    /// How Test connection probes a carrier (timeout, loopback, extra TLS roots).
    pub probe: Arc<ProbeOptions>,
    /// `ORI_INSECURE_HTTP`: the session cookie is not `Secure` (nor `__Host-`).
    pub insecure_http: bool,
    /// `ORI_REQUIRE_2FA`: super admins must turn on two-factor sign-in.
    pub require_2fa: bool,
    pub carrier_pages: Arc<CarrierPages>,
}

impl AppState {
    /// Tells the reconciler that a carrier's configuration changed.
    pub fn changed(&self) {
        self.sync_wakeup.notify_one();
    }
}

/// How long a login session may sit unused.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_ms: i64,
}

impl SessionPolicy {
    pub fn from_idle_secs(secs: u64) -> Self {
        let idle_ms = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self {
            idle_ms: idle_ms.max(1000),
        }
    }

    /// How stale a session's last-seen time may get before a request
    /// rewrites it: a tenth of the idle timeout, at most a minute.
    pub fn touch_every_ms(&self) -> i64 {
        (self.idle_ms / 10).clamp(1, 60_000)
    }

    /// The idle timeout in words, for the message that ends a session.
    pub fn idle_words(&self) -> String {
        let secs = self.idle_ms / 1000;
        match secs {
            s if s % 3600 == 0 => plural(s / 3600, "hour"),
            s if s % 60 == 0 => plural(s / 60, "minute"),
            s => plural(s, "second"),
        }
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeouts_read_as_words() {
        assert_eq!(
            SessionPolicy::from_idle_secs(1800).idle_words(),
            "30 minutes"
        );
        assert_eq!(SessionPolicy::from_idle_secs(3600).idle_words(), "1 hour");
        assert_eq!(SessionPolicy::from_idle_secs(90).idle_words(), "90 seconds");
        assert_eq!(SessionPolicy::from_idle_secs(1800).touch_every_ms(), 60_000);
        assert_eq!(SessionPolicy::from_idle_secs(2).touch_every_ms(), 200);
    }
}
