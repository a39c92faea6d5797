//! Twirp errors as twitchtv/twirp v8 writes them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The HTTP status Twirp uses for an error code (twirp `ServerHTTPStatusFromErrorCode`).
pub fn status_for_code(code: &str) -> u16 {
    match code {
        "canceled" => 408,
        "invalid_argument" | "malformed" | "out_of_range" => 400,
        "deadline_exceeded" => 408,
        "not_found" | "bad_route" => 404,
        "already_exists" | "aborted" => 409,
        "permission_denied" => 403,
        "unauthenticated" => 401,
        "resource_exhausted" => 429,
        "failed_precondition" => 412,
        "unimplemented" => 501,
        "unavailable" => 503,
        // unknown, internal, data_loss and anything else
        _ => 500,
    }
}

/// A Twirp error: `{"code": …, "msg": …, "meta": {…}}` with its HTTP status.
///
/// As in twirp, `meta` is omitted from the body when it is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwirpError {
    /// HTTP status the error is answered with (normally derived from `code`).
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

impl TwirpError {
    /// An error with the status Twirp uses for `code`.
    pub fn new(code: impl Into<String>, msg: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            status: status_for_code(&code),
            code,
            msg: msg.into(),
            meta: BTreeMap::new(),
        }
    }

    /// Overrides the HTTP status (for injecting odd combinations).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds a `meta` entry.
    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }

    pub fn invalid_argument(msg: impl Into<String>) -> Self {
        Self::new("invalid_argument", msg)
    }
    pub fn malformed(msg: impl Into<String>) -> Self {
        Self::new("malformed", msg)
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new("not_found", msg)
    }
    /// What LiveKit answers when a handler returns a bare Go error.
    pub fn unknown(msg: impl Into<String>) -> Self {
        Self::new("unknown", msg)
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new("internal", msg)
    }
    pub fn unavailable(msg: impl Into<String>) -> Self {
        Self::new("unavailable", msg)
    }
    pub fn unauthenticated(msg: impl Into<String>) -> Self {
        Self::new("unauthenticated", msg)
    }
    pub fn unimplemented(msg: impl Into<String>) -> Self {
        Self::new("unimplemented", msg)
    }
    pub fn resource_exhausted(msg: impl Into<String>) -> Self {
        Self::new("resource_exhausted", msg)
    }
    pub fn bad_route(msg: impl Into<String>, method: &str, path: &str) -> Self {
        Self::new("bad_route", msg).with_meta("twirp_invalid_route", format!("{method} {path}"))
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({"code": "internal"}))
    }
}

impl fmt::Display for TwirpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "twirp {} ({}): {}", self.code, self.status, self.msg)
    }
}

impl std::error::Error for TwirpError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(TwirpError::invalid_argument("x").status, 400);
        assert_eq!(TwirpError::unknown("x").status, 500);
        assert_eq!(TwirpError::unavailable("x").status, 503);
        assert_eq!(TwirpError::unauthenticated("x").status, 401);
        assert_eq!(TwirpError::new("failed_precondition", "x").status, 412);
    }

    #[test]
    fn meta_omitted_when_empty() {
        let v = TwirpError::not_found("gone").body();
        assert_eq!(v, serde_json::json!({"code": "not_found", "msg": "gone"}));
        let v = TwirpError::bad_route("no", "GET", "/x").body();
        assert_eq!(v["meta"]["twirp_invalid_route"], "GET /x");
    }
}
