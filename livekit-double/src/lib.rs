//! A strict test double of LiveKit's SIP Twirp API (`/twirp/livekit.SIP/<Method>`,
//! JSON only), for the Ori carrier console's integration and browser tests.
//!
//! It behaves as `shared/docs/livekit-sip.md` says LiveKit does — auth middleware
//! with plain-text 401s, Twirp errors and routes, LiveKit's validation and conflict
//! rules, ids, `EmitUnpopulated` responses — and is **stricter** in one respect:
//! unknown or misspelt JSON fields are rejected (`malformed`, 400, naming the
//! field) instead of being silently dropped. It also rejects the deprecated
//! top-level fields of `CreateSIPDispatchRuleRequest`.
//!
//! ```no_run
//! # async fn demo() {
//! use ori_livekit_double::{LiveKitDouble, TwirpError};
//!
//! let lk = LiveKitDouble::start().await;           // 127.0.0.1:<random port>
//! let token = lk.mint_token();                      // HS256, iss=devkey, sip.admin
//! // … point the API under test at lk.url with lk.api_key / lk.api_secret …
//! lk.fail_next_for("CreateSIPOutboundTrunk", 1, TwirpError::unavailable("try later"));
//! lk.fail_after_commit(Some("UpdateSIPInboundTrunk"), 1);
//! assert!(lk.outbound_trunks().is_empty());
//! # let _ = token;
//! # }
//! ```
//!
//! See [`faults`] for the order in which faults apply.
//!
//! # Control endpoints (for the `livekit-double` binary; no auth)
//!
//! | Request | Effect |
//! |---|---|
//! | `GET /_double/token` | `{"token": …}`: a SIP admin token valid for an hour |
//! | `GET /_double/state` | stored objects, per-method counts, `down`, `delay_ms`, queued faults |
//! | `GET /_double/requests` | log of Twirp requests: `[{method, body, status}]` (status 0 = dropped) |
//! | `POST /_double/reset` | forget objects, faults, counters and log |
//! | `POST /_double/faults` | queue a [`Fault`], e.g. `{"method": "CreateSIPOutboundTrunk", "times": 2, "action": {"kind": "error", "code": "unavailable", "msg": "x"}, "after_commit": false, "delay_ms": 0}`; `action.kind` is `error` (optional `status`), `drop`, `pass` or `raw` (`status`, `content_type`, `body` as sent) |
//! | `DELETE /_double/faults` | clear queued faults, the global delay and down mode |
//! | `POST /_double/down` | `{"down": true}`: every Twirp request answers 503 `unavailable` |
//! | `POST /_double/delay` | `{"delay_ms": 500}`: delay every Twirp request |
//! | `POST /_double/inbound_trunks`, `/outbound_trunks`, `/dispatch_rules` | plant an object as-is (strict JSON of the Info message, no LiveKit validation; an id is assigned when empty) |
//! | `DELETE /_double/objects/<id>` | delete a trunk or rule behind the client's back: `{"deleted": bool}` |

pub mod auth;
pub mod faults;
mod http;
pub mod proto;
pub mod routing;
pub mod service;
pub mod twirp;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use serde_json::Value;

pub use crate::faults::{Fault, FaultAction, after_commit_error};
pub use crate::http::RecordedRequest;
pub use crate::proto::{
    SipDispatchRuleInfo, SipInboundTrunkInfo, SipOutboundTrunkInfo, SipTransport,
};
pub use crate::routing::RoutedCall;
pub use crate::twirp::TwirpError;

use crate::http::{Shared, State};

/// How to start a double.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    pub api_key: String,
    pub api_secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: "devkey".into(),
            api_secret: "secret".into(),
        }
    }
}

/// A running double. Dropping it stops the server.
pub struct LiveKitDouble {
    /// Base URL, e.g. `http://127.0.0.1:41234` (what `LIVEKIT_URL` would be).
    pub url: String,
    pub addr: SocketAddr,
    pub api_key: String,
    pub api_secret: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl LiveKitDouble {
    /// Starts a double on 127.0.0.1:0 with `devkey`/`secret`.
    ///
    /// # Panics
    /// If it cannot bind a local port (a test-environment failure).
    pub async fn start() -> Self {
        match Self::start_with(Config::default()).await {
            Ok(d) => d,
            Err(e) => panic!("ori-livekit-double: cannot start: {e}"),
        }
    }

    /// Starts a double with the given config. Must run inside a Tokio runtime; the
    /// server runs on actix-web's own worker thread.
    pub async fn start_with(config: Config) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(config.bind)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            api_key: config.api_key.clone(),
            api_secret: config.api_secret.clone(),
            state: Mutex::new(State::default()),
        });
        let data = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .default_service(web::to(http::entry))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            url: format!("http://{addr}"),
            addr,
            api_key: config.api_key,
            api_secret: config.api_secret,
            shared,
            handle,
        })
    }

    /// Stops the server and waits for it.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }

    // ----- tokens -------------------------------------------------------------

    /// A valid SIP admin token (`iss` = api key, `nbf` now, `exp` in 10 minutes,
    /// `sip.admin`).
    pub fn mint_token(&self) -> String {
        self.sign_claims(&auth::admin_claims(&self.api_key, 600))
    }

    /// Signs arbitrary claims with HS256 and the double's secret (for bad tokens:
    /// no `exp`, expired, other `iss`, no `sip.admin`, …).
    pub fn sign_claims(&self, claims: &Value) -> String {
        auth::sign_hs256(&self.api_secret, claims)
    }

    /// `Bearer <mint_token()>`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.mint_token())
    }

    /// The URL of a `livekit.SIP` method.
    pub fn method_url(&self, method: &str) -> String {
        format!("{}{}{}", self.url, http::TWIRP_PREFIX, method)
    }

    // ----- inspection -----------------------------------------------------------

    /// Stored inbound trunks, sorted by id.
    pub fn inbound_trunks(&self) -> Vec<SipInboundTrunkInfo> {
        self.shared.lock().store.inbound.values().cloned().collect()
    }

    /// Stored outbound trunks, sorted by id.
    pub fn outbound_trunks(&self) -> Vec<SipOutboundTrunkInfo> {
        self.shared
            .lock()
            .store
            .outbound
            .values()
            .cloned()
            .collect()
    }

    /// Stored dispatch rules, sorted by id.
    pub fn dispatch_rules(&self) -> Vec<SipDispatchRuleInfo> {
        self.shared.lock().store.rules.values().cloned().collect()
    }

    /// Routes an inbound call to `called` (the To number, as the carrier sends
    /// it) the way LiveKit does — trunk by normalised number, then rule by
    /// exact number — over the stored objects; `None` when LiveKit would find
    /// no rule or an ambiguous match. See [`routing`].
    pub fn route_call(&self, called: &str) -> Option<RoutedCall> {
        let st = self.shared.lock();
        routing::route_call(st.store.inbound.values(), st.store.rules.values(), called)
    }

    /// Everything stored, as LiveKit would serialise it.
    pub fn snapshot(&self) -> Value {
        let st = self.shared.lock();
        serde_json::json!({
            "inbound_trunks": st.store.inbound.values().collect::<Vec<_>>(),
            "outbound_trunks": st.store.outbound.values().collect::<Vec<_>>(),
            "dispatch_rules": st.store.rules.values().collect::<Vec<_>>(),
        })
    }

    /// Requests received for `method` (every request whose path names it,
    /// whatever the outcome).
    pub fn request_count(&self, method: &str) -> u64 {
        self.shared.lock().counts.get(method).copied().unwrap_or(0)
    }

    /// Requests received, per method.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.clone()
    }

    /// Total requests received on the Twirp surface.
    pub fn total_requests(&self) -> u64 {
        self.shared.lock().counts.values().sum()
    }

    /// Log of the Twirp requests received (method, body, status answered).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// Resets the counters and the request log.
    pub fn reset_counters(&self) {
        let mut st = self.shared.lock();
        st.counts.clear();
        st.log.clear();
    }

    /// Forgets everything: objects, faults, counters and log.
    pub fn reset(&self) {
        *self.shared.lock() = State::default();
    }

    // ----- mutation behind the client's back -----------------------------------

    /// Deletes a trunk or dispatch rule directly (as if someone used the LiveKit
    /// console). Returns whether something was deleted.
    pub fn delete_behind_our_back(&self, id: &str) -> bool {
        self.shared.lock().store.remove_any(id)
    }

    /// Stores an inbound trunk without any validation (an id is assigned when
    /// empty). Returns its id.
    pub fn insert_foreign_inbound_trunk(&self, trunk: SipInboundTrunkInfo) -> String {
        self.shared.lock().store.plant_inbound(trunk)
    }

    /// Stores an outbound trunk without any validation. Returns its id.
    pub fn insert_foreign_outbound_trunk(&self, trunk: SipOutboundTrunkInfo) -> String {
        self.shared.lock().store.plant_outbound(trunk)
    }

    /// Stores a dispatch rule without any validation. Returns its id.
    pub fn insert_foreign_dispatch_rule(&self, rule: SipDispatchRuleInfo) -> String {
        self.shared.lock().store.plant_rule(rule)
    }

    /// Edits a stored inbound trunk in place (drift). False if absent.
    pub fn edit_inbound_trunk(&self, id: &str, f: impl FnOnce(&mut SipInboundTrunkInfo)) -> bool {
        self.shared
            .lock()
            .store
            .inbound
            .get_mut(id)
            .map(f)
            .is_some()
    }

    /// Edits a stored outbound trunk in place (drift). False if absent.
    pub fn edit_outbound_trunk(&self, id: &str, f: impl FnOnce(&mut SipOutboundTrunkInfo)) -> bool {
        self.shared
            .lock()
            .store
            .outbound
            .get_mut(id)
            .map(f)
            .is_some()
    }

    /// Edits a stored dispatch rule in place (drift). False if absent.
    pub fn edit_dispatch_rule(&self, id: &str, f: impl FnOnce(&mut SipDispatchRuleInfo)) -> bool {
        self.shared.lock().store.rules.get_mut(id).map(f).is_some()
    }

    // ----- fault injection -----------------------------------------------------------

    /// Queues a fault (see [`faults`] for when it applies).
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Fails the next `n` well-formed, authorised requests (any method) with `err`,
    /// without applying them.
    pub fn fail_next(&self, n: u32, err: TwirpError) {
        self.inject(Fault::error(None, n, err));
    }

    /// Like [`fail_next`](Self::fail_next), only for `method`.
    pub fn fail_next_for(&self, method: &str, n: u32, err: TwirpError) {
        self.inject(Fault::error(Some(method), n, err));
    }

    /// Applies the next `n` successful requests (of `method`, or any), then answers
    /// `500 unknown` as if a bare error surfaced after the write.
    pub fn fail_after_commit(&self, method: Option<&str>, n: u32) {
        self.inject(Fault::error(method, n, after_commit_error()).after_commit());
    }

    /// Closes the connection of the next `n` requests without answering (the
    /// change is not applied).
    pub fn drop_next(&self, method: Option<&str>, n: u32) {
        self.inject(Fault::drop_connection(method, n));
    }

    /// Applies the change of the next `n` successful requests, then closes the
    /// connection without answering.
    pub fn drop_after_commit(&self, method: Option<&str>, n: u32) {
        self.inject(Fault::drop_connection(method, n).after_commit());
    }

    /// Delays the next `n` requests (of `method`, or any) by `delay`.
    pub fn delay_next(&self, method: Option<&str>, n: u32, delay: Duration) {
        self.inject(Fault::delay(method, n, delay));
    }

    /// Delays every request by `delay` until changed (`Duration::ZERO` clears it).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().delay = delay;
    }

    /// While down, every Twirp request is answered `503 unavailable`.
    pub fn set_down(&self, down: bool) {
        self.shared.lock().down = down;
    }

    /// Clears queued faults, the global delay and down mode.
    pub fn clear_faults(&self) {
        self.shared.lock().clear_faults();
    }

    /// Faults still queued.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.clone()
    }
}

impl Drop for LiveKitDouble {
    fn drop(&mut self) {
        // Sends the stop command now; nobody waits for completion.
        let stopping = self.handle.stop(false);
        drop(stopping);
    }
}
