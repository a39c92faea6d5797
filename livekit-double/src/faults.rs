//! Fault injection.
//!
//! Order of processing for a `/twirp/livekit.SIP/<Method>` request:
//!
//! 1. the request is counted (per method) and logged;
//! 2. **down** mode answers every request `503 unavailable`;
//! 3. the global **delay** is slept;
//! 4. the auth middleware, routing, JSON decoding and the `sip.admin` check run
//!    exactly as in LiveKit (their failures do not consume faults);
//! 5. the first queued [`Fault`] whose `method` matches (or has none) is taken and its
//!    `delay_ms` slept; a before-commit fault then answers its error, or drops the
//!    connection, without touching the state;
//! 6. the RPC runs; an after-commit fault then replaces a *successful* answer with its
//!    error (the change stays applied) or drops the connection.
//!
//! **Dropping** closes the TCP connection without writing a single byte of the
//! response (the response body reports an I/O error before actix-web flushes the
//! status line), so the client sees "connection closed before message completed".
//! To simulate a hang instead, use a delay longer than the client's timeout.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::twirp::TwirpError;

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Nothing but the fault's delay.
    Pass,
    /// Answer a Twirp error. `status` defaults to the code's Twirp status.
    Error {
        code: String,
        msg: String,
        #[serde(default)]
        status: Option<u16>,
    },
    /// Close the connection without answering.
    Drop,
    /// Answer these bytes as they are: what a proxy in front of LiveKit
    /// sends (an HTML error page), or a JSON answer cut short.
    Raw {
        status: u16,
        content_type: String,
        body: String,
    },
}

impl FaultAction {
    /// An error action from a [`TwirpError`] (keeps its status).
    pub fn error(err: TwirpError) -> Self {
        Self::Error {
            code: err.code,
            msg: err.msg,
            status: Some(err.status),
        }
    }

    pub(crate) fn twirp_error(&self) -> Option<TwirpError> {
        match self {
            Self::Error { code, msg, status } => {
                let mut e = TwirpError::new(code.clone(), msg.clone());
                if let Some(s) = status {
                    e.status = *s;
                }
                Some(e)
            }
            _ => None,
        }
    }
}

/// One queued fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Only requests to this `livekit.SIP` method (e.g. `CreateSIPOutboundTrunk`);
    /// `None` matches any method.
    #[serde(default)]
    pub method: Option<String>,
    /// How many matching requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
    pub action: FaultAction,
    /// Apply the change first, then fail (only successful RPCs are turned into failures).
    #[serde(default)]
    pub after_commit: bool,
    /// Extra delay before the request is processed.
    #[serde(default)]
    pub delay_ms: u64,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Fail the next `times` requests (of `method`, or any) with `err`, before commit.
    pub fn error(method: Option<&str>, times: u32, err: TwirpError) -> Self {
        Self {
            method: method.map(str::to_owned),
            times,
            action: FaultAction::error(err),
            after_commit: false,
            delay_ms: 0,
        }
    }

    /// Drop the connection of the next `times` requests, before commit.
    pub fn drop_connection(method: Option<&str>, times: u32) -> Self {
        Self {
            method: method.map(str::to_owned),
            times,
            action: FaultAction::Drop,
            after_commit: false,
            delay_ms: 0,
        }
    }

    /// Answer the next `times` requests with `status`, `content_type` and
    /// `body` as they are, before commit.
    pub fn raw(
        method: Option<&str>,
        times: u32,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Self {
        Self {
            method: method.map(str::to_owned),
            times,
            action: FaultAction::Raw {
                status,
                content_type: content_type.to_owned(),
                body: body.to_owned(),
            },
            after_commit: false,
            delay_ms: 0,
        }
    }

    /// Delay the next `times` requests by `delay`.
    pub fn delay(method: Option<&str>, times: u32, delay: Duration) -> Self {
        Self {
            method: method.map(str::to_owned),
            times,
            action: FaultAction::Pass,
            after_commit: false,
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Turns the fault into an after-commit one.
    pub fn after_commit(mut self) -> Self {
        self.after_commit = true;
        self
    }

    pub(crate) fn matches(&self, method: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
    }
}

/// The standard error of an after-commit failure: what LiveKit answers when a bare
/// Go error surfaces after the store was written.
pub fn after_commit_error() -> TwirpError {
    TwirpError::unknown("ori-livekit-double: injected failure after commit")
}
