//! The HTTP front: LiveKit's auth middleware, the Twirp router and the `/_double/…`
//! control endpoints.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::{Method, StatusCode, header};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{self, AuthOutcome};
use crate::faults::{Fault, FaultAction};
use crate::proto::{SipDispatchRuleInfo, SipInboundTrunkInfo, SipOutboundTrunkInfo};
use crate::service::{self, METHODS, Store, UNIMPLEMENTED_METHODS};
use crate::twirp::TwirpError;

pub(crate) const TWIRP_PREFIX: &str = "/twirp/livekit.SIP/";

/// One request the double received on the Twirp surface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// The `livekit.SIP` method named by the path.
    pub method: String,
    /// The body as JSON (or as a JSON string when it was not JSON).
    pub body: Value,
    /// HTTP status answered; 0 when the connection was dropped.
    pub status: u16,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub store: Store,
    pub faults: Vec<Fault>,
    pub delay: Duration,
    pub down: bool,
    pub counts: BTreeMap<String, u64>,
    pub log: Vec<RecordedRequest>,
}

impl State {
    fn take_fault(&mut self, method: &str) -> Option<Fault> {
        let i = self.faults.iter().position(|f| f.matches(method))?;
        let f = &mut self.faults[i];
        let taken = f.clone();
        f.times = f.times.saturating_sub(1);
        if f.times == 0 {
            self.faults.remove(i);
        }
        Some(taken)
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
        self.delay = Duration::ZERO;
        self.down = false;
    }
}

pub(crate) struct Shared {
    pub api_key: String,
    pub api_secret: String,
    pub state: Mutex<State>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

enum Reply {
    Json(u16, Value),
    /// Pre-serialised JSON (keeps LiveKit's field order).
    Body(u16, String),
    Twirp(TwirpError),
    Text(u16, String),
    /// Status, content type and body, as they are.
    Raw(u16, String, String),
    Drop,
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Self::Json(s, _) | Self::Body(s, _) | Self::Text(s, _) | Self::Raw(s, _, _) => *s,
            Self::Twirp(e) => e.status,
            Self::Drop => 0,
        }
    }

    fn into_response(self) -> HttpResponse {
        let status = |s: u16| StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self {
            Self::Json(s, v) => HttpResponse::build(status(s))
                .content_type("application/json")
                .body(v.to_string()),
            Self::Body(s, b) => HttpResponse::build(status(s))
                .content_type("application/json")
                .body(b),
            Self::Twirp(e) => HttpResponse::build(status(e.status))
                .content_type("application/json")
                .body(e.body().to_string()),
            Self::Text(s, t) => HttpResponse::build(status(s))
                .content_type("text/plain; charset=utf-8")
                .body(t),
            Self::Raw(s, content_type, body) => HttpResponse::build(status(s))
                .content_type(content_type)
                .body(body),
            Self::Drop => HttpResponse::Ok().body(AbortBody),
        }
    }
}

/// A body that fails on its first poll: actix-web then closes the connection before
/// flushing the status line, so the client gets no response at all.
struct AbortBody;

impl MessageBody for AbortBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other(
            "ori-livekit-double: dropping the connection (fault injection)",
        ))))
    }
}

fn body_as_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The single actix-web handler.
pub(crate) async fn entry(
    req: HttpRequest,
    body: Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let path = req.path().to_owned();
    if let Some(rest) = path.strip_prefix("/_double/") {
        return control(&req, rest, &body, &shared).into_response();
    }
    let method_name = path.strip_prefix(TWIRP_PREFIX).map(str::to_owned);
    let reply = process(&req, &path, method_name.as_deref(), &body, &shared).await;
    tracing::debug!(path = %path, status = reply.status(), "livekit-double request");
    if let Some(m) = method_name {
        shared.lock().log.push(RecordedRequest {
            method: m,
            body: body_as_json(&body),
            status: reply.status(),
        });
    }
    reply.into_response()
}

async fn process(
    req: &HttpRequest,
    path: &str,
    method_name: Option<&str>,
    body: &[u8],
    shared: &Shared,
) -> Reply {
    let (down, delay) = {
        let mut st = shared.lock();
        if let Some(m) = method_name {
            *st.counts.entry(m.to_owned()).or_default() += 1;
        }
        (st.down, st.delay)
    };
    if down {
        return Reply::Twirp(TwirpError::unavailable(
            "ori-livekit-double: LiveKit is down (fault injection)",
        ));
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    // LiveKit's APIKeyAuthMiddleware runs before any routing.
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let outcome = auth::authenticate(
        authorization.as_deref(),
        query_param(req.query_string(), "access_token"),
        &shared.api_key,
        &shared.api_secret,
    );
    if let AuthOutcome::Reject(text) = &outcome {
        return Reply::Text(401, text.clone());
    }

    // Twirp routing.
    let http_method = req.method().as_str();
    if req.method() != Method::POST {
        return Reply::Twirp(TwirpError::bad_route(
            format!("unsupported method {http_method:?} (only POST is allowed)"),
            http_method,
            path,
        ));
    }
    let Some(method) =
        method_name.filter(|m| METHODS.contains(m) || UNIMPLEMENTED_METHODS.contains(m))
    else {
        return Reply::Twirp(TwirpError::bad_route(
            format!("no handler for path {path:?}"),
            http_method,
            path,
        ));
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => {}
        "application/protobuf" => {
            return Reply::Twirp(TwirpError::bad_route(
                format!(
                    "unexpected Content-Type: {content_type:?} (ori-livekit-double speaks only application/json; real LiveKit also accepts protobuf)"
                ),
                http_method,
                path,
            ));
        }
        _ => {
            return Reply::Twirp(TwirpError::bad_route(
                format!("unexpected Content-Type: {content_type:?}"),
                http_method,
                path,
            ));
        }
    }
    if UNIMPLEMENTED_METHODS.contains(&method) {
        return Reply::Twirp(TwirpError::unimplemented(format!(
            "ori-livekit-double does not implement {method}"
        )));
    }

    // The generated Twirp handler decodes the body before calling the service.
    let request = match service::decode_request(method, body) {
        Ok(r) => r,
        Err(e) => return Reply::Twirp(e),
    };
    // EnsureSIPAdminPermission + twirpAuthError.
    match &outcome {
        AuthOutcome::Verified(g) if g.admin => {}
        _ => return Reply::Twirp(TwirpError::unauthenticated("permissions denied")),
    }

    let fault = shared.lock().take_fault(method);
    if let Some(f) = &fault {
        if f.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
        if !f.after_commit {
            match &f.action {
                FaultAction::Pass => {}
                FaultAction::Drop => return Reply::Drop,
                FaultAction::Raw {
                    status,
                    content_type,
                    body,
                } => return Reply::Raw(*status, content_type.clone(), body.clone()),
                FaultAction::Error { .. } => {
                    if let Some(e) = f.action.twirp_error() {
                        return Reply::Twirp(e);
                    }
                }
            }
        }
    }

    let result = shared.lock().store.execute(request);
    match result {
        Err(e) => Reply::Twirp(e),
        Ok(v) => match fault {
            Some(f) if f.after_commit => match f.action {
                FaultAction::Pass => Reply::Body(200, v),
                FaultAction::Drop => Reply::Drop,
                FaultAction::Raw {
                    status,
                    content_type,
                    body,
                } => Reply::Raw(status, content_type, body),
                FaultAction::Error { .. } => match f.action.twirp_error() {
                    Some(e) => Reply::Twirp(e),
                    None => Reply::Body(200, v),
                },
            },
            _ => Reply::Body(200, v),
        },
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DownBody {
    down: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayBody {
    delay_ms: u64,
}

fn control_error(status: u16, msg: impl Into<String>) -> Reply {
    Reply::Json(status, json!({ "error": msg.into() }))
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    service::decode_json(body).map_err(|e| control_error(400, e.msg))
}

/// The `/_double/…` control surface (no auth; for the e2e binary).
fn control(req: &HttpRequest, rest: &str, body: &[u8], shared: &Shared) -> Reply {
    let m = req.method().clone();
    let result: Result<Reply, Reply> = (|| {
        Ok(match (m.as_str(), rest) {
            ("GET", "state") => {
                let st = shared.lock();
                Reply::Json(
                    200,
                    json!({
                        "inbound_trunks": st.store.inbound.values().collect::<Vec<_>>(),
                        "outbound_trunks": st.store.outbound.values().collect::<Vec<_>>(),
                        "dispatch_rules": st.store.rules.values().collect::<Vec<_>>(),
                        "counts": st.counts,
                        "down": st.down,
                        "delay_ms": u64::try_from(st.delay.as_millis()).unwrap_or(u64::MAX),
                        "faults": st.faults,
                    }),
                )
            }
            ("GET", "requests") => Reply::Json(200, json!(shared.lock().log)),
            ("GET", "token") => Reply::Json(
                200,
                json!({ "token": auth::sign_hs256(&shared.api_secret, &auth::admin_claims(&shared.api_key, 3600)) }),
            ),
            ("POST", "reset") => {
                *shared.lock() = State::default();
                Reply::Json(200, json!({}))
            }
            ("POST", "faults") => {
                let f: Fault = parse(body)?;
                let mut st = shared.lock();
                st.faults.push(f);
                Reply::Json(200, json!({ "queued": st.faults.len() }))
            }
            ("DELETE", "faults") => {
                shared.lock().clear_faults();
                Reply::Json(200, json!({}))
            }
            ("POST", "down") => {
                let b: DownBody = parse(body)?;
                shared.lock().down = b.down;
                Reply::Json(200, json!({ "down": b.down }))
            }
            ("POST", "delay") => {
                let b: DelayBody = parse(body)?;
                shared.lock().delay = Duration::from_millis(b.delay_ms);
                Reply::Json(200, json!({ "delay_ms": b.delay_ms }))
            }
            ("POST", "inbound_trunks") => {
                let t: SipInboundTrunkInfo = parse(body)?;
                let mut st = shared.lock();
                let id = st.store.plant_inbound(t);
                Reply::Json(200, json!(st.store.inbound.get(&id)))
            }
            ("POST", "outbound_trunks") => {
                let t: SipOutboundTrunkInfo = parse(body)?;
                let mut st = shared.lock();
                let id = st.store.plant_outbound(t);
                Reply::Json(200, json!(st.store.outbound.get(&id)))
            }
            ("POST", "dispatch_rules") => {
                let r: SipDispatchRuleInfo = parse(body)?;
                let mut st = shared.lock();
                let id = st.store.plant_rule(r);
                Reply::Json(200, json!(st.store.rules.get(&id)))
            }
            ("DELETE", other) if other.starts_with("objects/") => {
                let id = other.trim_start_matches("objects/");
                let deleted = shared.lock().store.remove_any(id);
                Reply::Json(200, json!({ "deleted": deleted }))
            }
            _ => control_error(
                404,
                format!("no control endpoint {} /_double/{rest}", m.as_str()),
            ),
        })
    })();
    result.unwrap_or_else(|e| e)
}
