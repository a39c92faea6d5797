//! A small Twirp JSON client for LiveKit's SIP service.
//!
//! Every call is `POST {url}/twirp/livekit.SIP/{Method}` with a JSON body and
//! a fresh HS256 token (`iss` = API key, 10 minutes, `sip.admin`). Errors are
//! turned into [`LiveKitError`], whose text tells an admin what to fix.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use tokio::sync::Semaphore;

use super::types::{
    CreateSipDispatchRuleRequest, CreateSipInboundTrunkRequest, CreateSipOutboundTrunkRequest,
    DeleteSipDispatchRuleRequest, DeleteSipTrunkRequest, ListRemove, ListSipDispatchRuleRequest,
    ListSipDispatchRuleResponse, ListSipInboundTrunkRequest, ListSipInboundTrunkResponse,
    ListSipOutboundTrunkRequest, ListSipOutboundTrunkResponse, SipDispatchRuleInfo,
    SipInboundTrunkInfo, SipInboundTrunkNumbersUpdate, SipOutboundTrunkInfo, TwirpError,
    UpdateSipDispatchRuleRequest, UpdateSipInboundTrunkFieldsRequest, UpdateSipInboundTrunkRequest,
    UpdateSipOutboundTrunkRequest,
};
use crate::redact;

/// How long a request token is valid.
const TOKEN_TTL: Duration = Duration::from_secs(10 * 60);
/// Most LiveKit calls one replica has in flight at once.
const MAX_IN_FLIGHT: usize = 16;
/// Longest piece of a LiveKit answer quoted in an error.
const BODY_QUOTE_MAX: usize = 300;

/// How long to wait for LiveKit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveKitTimeouts {
    /// To open the connection (TCP and TLS).
    pub connect: Duration,
    /// For the whole request, answer included.
    pub request: Duration,
}

impl Default for LiveKitTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            request: Duration::from_secs(10),
        }
    }
}

/// Where LiveKit is and how to sign requests. `Debug` hides the secret
/// and any password in the URL.
#[derive(Clone)]
pub struct LiveKitConfig {
    /// `http(s)://host[:port]`; `ws(s)://` is accepted and mapped.
    pub url: String,
    pub api_key: String,
    pub api_secret: SecretString,
    pub timeouts: LiveKitTimeouts,
}

impl fmt::Debug for LiveKitConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitConfig")
            .field("url", &redact::url(&self.url))
            .field("api_key", &self.api_key)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// A failed LiveKit call. `Display` is meant for the carrier's sync banner.
#[derive(Debug)]
pub enum LiveKitError {
    /// The configured URL cannot be used.
    BadUrl { url: String, reason: String },
    /// No connection could be made (refused, DNS, TLS, connect timeout).
    Unreachable { url: String, reason: String },
    /// Connected, but no complete answer in time.
    Timeout { url: String, after: Duration },
    /// LiveKit refused our token: wrong key or secret, clock skew, or a key
    /// without SIP admin rights.
    Auth { status: u16, detail: String },
    /// A Twirp error answer.
    Twirp {
        status: u16,
        code: String,
        msg: String,
    },
    /// An answer that is neither success nor a Twirp error (a proxy's page,
    /// a wrong URL…).
    Http { status: u16, body: String },
    /// A success whose body we could not read.
    Decode {
        method: &'static str,
        reason: String,
    },
    /// Could not sign the token or send the request.
    Internal(String),
}

const AUTH_HINT: &str = "check ORI_LIVEKIT_API_KEY and ORI_LIVEKIT_API_SECRET";

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

impl fmt::Display for LiveKitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadUrl { url, reason } => {
                write!(
                    f,
                    "The LiveKit URL \"{url}\" is not usable: {reason} — check ORI_LIVEKIT_URL"
                )
            }
            Self::Unreachable { url, reason } => {
                write!(f, "LiveKit at {url} is unreachable: {reason}")
            }
            Self::Timeout { url, after } => {
                write!(
                    f,
                    "LiveKit at {url} did not answer within {} s",
                    secs(*after)
                )
            }
            Self::Auth { status, detail } => write!(
                f,
                "LiveKit refused our API key/secret ({status}): {detail} — {AUTH_HINT}"
            ),
            Self::Twirp { status, code, msg } => match code.as_str() {
                "unavailable" => write!(
                    f,
                    "LiveKit is unavailable ({status}, {code}): {msg} — it may be starting up or \
                     its SIP service may not be running; sync will retry"
                ),
                "bad_route" => write!(
                    f,
                    "LiveKit does not offer this SIP API call ({code}): {msg} — check that \
                     ORI_LIVEKIT_URL points at a LiveKit server with SIP enabled"
                ),
                "resource_exhausted" => write!(
                    f,
                    "LiveKit is rate-limiting us ({code}): {msg}; sync will retry"
                ),
                _ if *status >= 500 => {
                    write!(f, "LiveKit failed to handle the request ({code}): {msg}")
                }
                _ => write!(f, "LiveKit rejected the request ({code}): {msg}"),
            },
            Self::Http { status, body } => {
                write!(f, "LiveKit answered HTTP {status}")?;
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                if *status == 404 {
                    write!(
                        f,
                        " — check that ORI_LIVEKIT_URL points at the LiveKit server"
                    )?;
                }
                Ok(())
            }
            Self::Decode { method, reason } => {
                write!(
                    f,
                    "LiveKit's answer to {method} could not be read: {reason}"
                )
            }
            Self::Internal(reason) => write!(f, "Could not call LiveKit: {reason}"),
        }
    }
}

impl std::error::Error for LiveKitError {}

impl LiveKitError {
    /// LiveKit says the object does not exist (e.g. it was deleted by hand):
    /// an update should be replaced by a create.
    ///
    /// Older servers return the store's bare error, which Twirp sends as
    /// `unknown` ("requested sip trunk does not exist"); that counts too.
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::Twirp { code, msg, .. } => {
                code == "not_found" || (code == "unknown" && msg.ends_with("does not exist"))
            }
            _ => false,
        }
    }

    /// Worth retrying later without any change on our side.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Timeout { .. } => true,
            Self::Twirp { status, code, .. } => {
                matches!(
                    code.as_str(),
                    "unavailable" | "resource_exhausted" | "internal" | "aborted"
                ) || (*status >= 500 && code != "unknown" && code != "unimplemented")
            }
            Self::Http { status, .. } => matches!(status, 502..=504 | 429),
            _ => false,
        }
    }

    /// The Twirp error code, when LiveKit sent one.
    pub fn twirp_code(&self) -> Option<&str> {
        match self {
            Self::Twirp { code, .. } => Some(code),
            Self::Auth { .. } => Some("unauthenticated"),
            _ => None,
        }
    }
}

/// Trims and shortens a body for quoting.
fn quote(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() <= BODY_QUOTE_MAX {
        return body.to_owned();
    }
    let mut out: String = body.chars().take(BODY_QUOTE_MAX).collect();
    out.push('…');
    out
}

/// Classifies a non-success answer.
fn error_from_answer(status: StatusCode, body: &str) -> LiveKitError {
    let code = status.as_u16();
    if let Some(twirp) = TwirpError::parse(body) {
        if matches!(twirp.code.as_str(), "unauthenticated" | "permission_denied") {
            return LiveKitError::Auth {
                status: code,
                detail: quote(&format!("{}: {}", twirp.code, twirp.msg)),
            };
        }
        return LiveKitError::Twirp {
            status: code,
            code: twirp.code,
            msg: quote(&twirp.msg),
        };
    }
    if status == StatusCode::UNAUTHORIZED {
        let detail = quote(body);
        return LiveKitError::Auth {
            status: code,
            detail: if detail.is_empty() {
                "no reason given".into()
            } else {
                detail
            },
        };
    }
    LiveKitError::Http {
        status: code,
        body: quote(body),
    }
}

/// The deepest cause's text ("Connection refused (os error 111)").
fn root_cause(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `ws(s)://` → `http(s)://`, no trailing slash; http(s) only.
fn base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err("it is empty".into());
    }
    let lower = url.to_ascii_lowercase();
    let mapped = if lower.starts_with("wss://") {
        format!("https://{}", &url[6..])
    } else if lower.starts_with("ws://") {
        format!("http://{}", &url[5..])
    } else if lower.starts_with("https://") || lower.starts_with("http://") {
        url.to_owned()
    } else {
        return Err("it must start with http://, https://, ws:// or wss://".into());
    };
    reqwest::Url::parse(&mapped).map_err(|e| e.to_string())?;
    Ok(mapped)
}

/// A delete whose object is already gone has done its job.
fn already_gone_is_ok(result: Result<IgnoredAny, LiveKitError>) -> Result<(), LiveKitError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct SipGrant {
    admin: bool,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    nbf: u64,
    exp: u64,
    sip: SipGrant,
}

/// LiveKit's SIP API over Twirp JSON. Cheap to clone.
#[derive(Clone)]
pub struct LiveKitClient {
    http: reqwest::Client,
    base: String,
    /// `base` with any password hidden: what errors and logs show.
    shown: String,
    /// Bounds the calls in flight across every sync of this replica.
    in_flight: Arc<Semaphore>,
    api_key: String,
    api_secret: SecretString,
    timeouts: LiveKitTimeouts,
}

impl fmt::Debug for LiveKitClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitClient")
            .field("base", &self.shown)
            .field("api_key", &self.api_key)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl LiveKitClient {
    pub fn new(config: LiveKitConfig) -> Result<Self, LiveKitError> {
        let base = base_url(&config.url).map_err(|reason| LiveKitError::BadUrl {
            url: redact::url(&config.url),
            reason,
        })?;
        let shown = redact::url(&base);
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .user_agent(concat!("ori-carrier-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LiveKitError::Internal(format!("HTTP client setup failed: {e}")))?;
        Ok(Self {
            http,
            base,
            shown,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            api_key: config.api_key,
            api_secret: config.api_secret,
            timeouts: config.timeouts,
        })
    }

    /// The server's base URL (http or https), password hidden.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// A fresh token for one request.
    fn token(&self) -> Result<String, LiveKitError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| LiveKitError::Internal("the system clock is before 1970".into()))?
            .as_secs();
        let claims = Claims {
            iss: &self.api_key,
            sub: "",
            nbf: now,
            exp: now + TOKEN_TTL.as_secs(),
            sip: SipGrant { admin: true },
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.api_secret.expose_secret().as_bytes()),
        )
        .map_err(|e| LiveKitError::Internal(format!("could not sign the request token: {e}")))
    }

    fn send_error(&self, err: &reqwest::Error) -> LiveKitError {
        if err.is_timeout() && !err.is_connect() {
            return LiveKitError::Timeout {
                url: self.shown.clone(),
                after: self.timeouts.request,
            };
        }
        if err.is_connect() {
            let reason = if err.is_timeout() {
                format!("no connection within {} s", secs(self.timeouts.connect))
            } else {
                root_cause(err)
            };
            return LiveKitError::Unreachable {
                url: self.shown.clone(),
                reason,
            };
        }
        LiveKitError::Unreachable {
            url: self.shown.clone(),
            reason: root_cause(err),
        }
    }

    /// One Twirp call.
    async fn call<Req, Resp>(
        &self,
        method: &'static str,
        request: &Req,
    ) -> Result<Resp, LiveKitError>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let url = format!("{}/twirp/livekit.SIP/{method}", self.base);
        let body = serde_json::to_vec(request)
            .map_err(|e| LiveKitError::Internal(format!("could not encode {method}: {e}")))?;
        let token = self.token()?;
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| LiveKitError::Internal("the client is shutting down".into()))?;
        let started = Instant::now();
        let answer = self
            .http
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                let err = self.send_error(&e);
                tracing::warn!(method, elapsed_ms = started.elapsed().as_millis() as u64, error = %err, "LiveKit call failed");
                return Err(err);
            }
        };
        let status = answer.status();
        let text = answer.text().await.map_err(|e| self.send_error(&e))?;
        tracing::debug!(
            method,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "LiveKit call"
        );
        if !status.is_success() {
            let err = error_from_answer(status, &text);
            tracing::warn!(method, status = status.as_u16(), error = %err, "LiveKit refused a call");
            return Err(err);
        }
        serde_json::from_str(&text).map_err(|e| LiveKitError::Decode {
            method,
            reason: e.to_string(),
        })
    }

    pub async fn create_outbound_trunk(
        &self,
        trunk: &SipOutboundTrunkInfo,
    ) -> Result<SipOutboundTrunkInfo, LiveKitError> {
        let request = CreateSipOutboundTrunkRequest {
            trunk: SipOutboundTrunkInfo {
                sip_trunk_id: String::new(),
                ..trunk.clone()
            },
        };
        self.call("CreateSIPOutboundTrunk", &request).await
    }

    /// Replaces the whole trunk. A missing id answers
    /// [`LiveKitError::is_not_found`].
    pub async fn update_outbound_trunk(
        &self,
        sip_trunk_id: &str,
        trunk: &SipOutboundTrunkInfo,
    ) -> Result<SipOutboundTrunkInfo, LiveKitError> {
        let request = UpdateSipOutboundTrunkRequest {
            sip_trunk_id: sip_trunk_id.to_owned(),
            replace: SipOutboundTrunkInfo {
                sip_trunk_id: String::new(),
                ..trunk.clone()
            },
        };
        self.call("UpdateSIPOutboundTrunk", &request).await
    }

    /// Every outbound trunk, or those the filter names.
    pub async fn list_outbound_trunks(
        &self,
        filter: &ListSipOutboundTrunkRequest,
    ) -> Result<Vec<SipOutboundTrunkInfo>, LiveKitError> {
        let list: ListSipOutboundTrunkResponse = self.call("ListSIPOutboundTrunk", filter).await?;
        Ok(list.items)
    }

    pub async fn create_inbound_trunk(
        &self,
        trunk: &SipInboundTrunkInfo,
    ) -> Result<SipInboundTrunkInfo, LiveKitError> {
        let request = CreateSipInboundTrunkRequest {
            trunk: SipInboundTrunkInfo {
                sip_trunk_id: String::new(),
                ..trunk.clone()
            },
        };
        self.call("CreateSIPInboundTrunk", &request).await
    }

    /// Replaces the whole trunk. A missing id answers
    /// [`LiveKitError::is_not_found`].
    pub async fn update_inbound_trunk(
        &self,
        sip_trunk_id: &str,
        trunk: &SipInboundTrunkInfo,
    ) -> Result<SipInboundTrunkInfo, LiveKitError> {
        let request = UpdateSipInboundTrunkRequest {
            sip_trunk_id: sip_trunk_id.to_owned(),
            replace: SipInboundTrunkInfo {
                sip_trunk_id: String::new(),
                ..trunk.clone()
            },
        };
        self.call("UpdateSIPInboundTrunk", &request).await
    }

    /// Every inbound trunk, or those the filter names.
    pub async fn list_inbound_trunks(
        &self,
        filter: &ListSipInboundTrunkRequest,
    ) -> Result<Vec<SipInboundTrunkInfo>, LiveKitError> {
        let list: ListSipInboundTrunkResponse = self.call("ListSIPInboundTrunk", filter).await?;
        Ok(list.items)
    }

    /// Takes `numbers` (as the trunk holds them) off an inbound trunk,
    /// leaving the rest of it as it is.
    pub async fn remove_inbound_numbers(
        &self,
        sip_trunk_id: &str,
        numbers: Vec<String>,
    ) -> Result<SipInboundTrunkInfo, LiveKitError> {
        let request = UpdateSipInboundTrunkFieldsRequest {
            sip_trunk_id: sip_trunk_id.to_owned(),
            update: SipInboundTrunkNumbersUpdate {
                numbers: ListRemove { remove: numbers },
            },
        };
        self.call("UpdateSIPInboundTrunk", &request).await
    }

    /// Deletes an inbound or outbound trunk. A trunk that is already gone
    /// counts as deleted.
    pub async fn delete_trunk(&self, sip_trunk_id: &str) -> Result<(), LiveKitError> {
        let request = DeleteSipTrunkRequest {
            sip_trunk_id: sip_trunk_id.to_owned(),
        };
        already_gone_is_ok(self.call("DeleteSIPTrunk", &request).await)
    }

    pub async fn create_dispatch_rule(
        &self,
        rule: &SipDispatchRuleInfo,
    ) -> Result<SipDispatchRuleInfo, LiveKitError> {
        let request = CreateSipDispatchRuleRequest {
            dispatch_rule: SipDispatchRuleInfo {
                sip_dispatch_rule_id: String::new(),
                ..rule.clone()
            },
        };
        self.call("CreateSIPDispatchRule", &request).await
    }

    /// Replaces the whole rule. A missing id answers
    /// [`LiveKitError::is_not_found`].
    pub async fn update_dispatch_rule(
        &self,
        sip_dispatch_rule_id: &str,
        rule: &SipDispatchRuleInfo,
    ) -> Result<SipDispatchRuleInfo, LiveKitError> {
        let request = UpdateSipDispatchRuleRequest {
            sip_dispatch_rule_id: sip_dispatch_rule_id.to_owned(),
            replace: SipDispatchRuleInfo {
                sip_dispatch_rule_id: String::new(),
                ..rule.clone()
            },
        };
        self.call("UpdateSIPDispatchRule", &request).await
    }

    /// Every dispatch rule, or those the filter names.
    pub async fn list_dispatch_rules(
        &self,
        filter: &ListSipDispatchRuleRequest,
    ) -> Result<Vec<SipDispatchRuleInfo>, LiveKitError> {
        let list: ListSipDispatchRuleResponse = self.call("ListSIPDispatchRule", filter).await?;
        Ok(list.items)
    }

    /// Deletes a dispatch rule. A rule that is already gone counts as
    /// deleted.
    pub async fn delete_dispatch_rule(
        &self,
        sip_dispatch_rule_id: &str,
    ) -> Result<(), LiveKitError> {
        let request = DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: sip_dispatch_rule_id.to_owned(),
        };
        already_gone_is_ok(self.call("DeleteSIPDispatchRule", &request).await)
    }
}

#[cfg(test)]
mod tests;
