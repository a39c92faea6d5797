//! What every handler can reach: the state shared by the routes and the
//! request extractors (`auth::extract`), below both.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::auth::jwt::JwtKeys;
use crate::auth::rate_limit::FailureLimiter;
use crate::crypto::SecretBox;
use crate::db::Db;
use crate::livekit::{Reconciler, SyncMetrics};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub secrets: SecretBox,
    pub jwt: JwtKeys,
    pub login_limits: Arc<LoginLimits>,
    /// Wakes the LiveKit reconciler after a change.
    pub sync_wakeup: Arc<Notify>,
    /// `None` when LiveKit is not configured: carriers stay `pending`.
    pub reconciler: Option<Arc<Reconciler>>,
    pub metrics: Arc<SyncMetrics>,
    /// `ORI_ALLOW_LOOPBACK_SIP`: loopback SIP addresses are accepted.
    pub allow_loopback_sip: bool,
    /// `ORI_INSECURE_HTTP`: the session cookie is not `Secure` (nor `__Host-`).
    pub insecure_http: bool,
}

impl AppState {
    /// Tells the reconciler that a carrier's configuration changed.
    pub fn changed(&self) {
        self.sync_wakeup.notify_one();
    }
}

/// Failed logins allowed per window, per client IP and per account.
#[derive(Debug)]
pub struct LoginLimits {
    pub per_ip: FailureLimiter,
    pub per_account: FailureLimiter,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let window = Duration::from_secs(15 * 60);
        Self {
            per_ip: FailureLimiter::new(20, window),
            per_account: FailureLimiter::new(5, window),
        }
    }
}
