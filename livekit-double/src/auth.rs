//! LiveKit API authentication (livekit `pkg/service/auth.go`, protocol `auth/verifier.go`).
//!
//! * `Authorization: Bearer <JWT>` (or `?access_token=`); a header without the
//!   `Bearer ` prefix is rejected.
//! * The token must be HS256, signed with the secret of the API key named in `iss`.
//! * `exp` is required; `exp`/`nbf` are checked with 60 s of leeway; an `iat` in the
//!   future (beyond the leeway) is rejected, as go-jose does.
//! * Failures here are answered by the HTTP middleware as **plain text** 401s.
//! * A missing token passes the middleware; the SIP handlers then answer the Twirp
//!   error `unauthenticated` / "permissions denied" (401). So does a valid token
//!   without the `sip.admin` grant.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

/// Leeway LiveKit allows on `exp`, `nbf` and `iat` (go-jose `DefaultLeeway`).
pub const LEEWAY_SECS: u64 = 60;

/// Message of the plain-text 401 for an `Authorization` header without `Bearer `.
pub const MSG_NOT_BEARER: &str = "invalid authorization header. Must start with Bearer ";
/// Message (prefix) of the plain-text 401 for a token that cannot be parsed or verified.
pub const MSG_INVALID_TOKEN: &str = "invalid authorization token";
/// Message (prefix) of the plain-text 401 for an unknown API key (`iss`).
pub const MSG_INVALID_API_KEY: &str = "invalid API key";

/// The grants the SIP service looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SipGrants {
    pub admin: bool,
    pub call: bool,
}

/// Result of the authentication middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No token at all: passes the middleware, fails later with "permissions denied".
    NoToken,
    /// A verified token.
    Verified(SipGrants),
    /// Rejected by the middleware: answer this text with a plain 401.
    Reject(String),
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs the middleware checks.
pub fn authenticate(
    authorization: Option<&str>,
    query_token: Option<&str>,
    api_key: &str,
    api_secret: &str,
) -> AuthOutcome {
    let token = match authorization {
        Some(h) if !h.is_empty() => match h.strip_prefix("Bearer ") {
            Some(t) => t,
            None => return AuthOutcome::Reject(MSG_NOT_BEARER.to_owned()),
        },
        _ => query_token.unwrap_or(""),
    };
    if token.is_empty() {
        return AuthOutcome::NoToken;
    }

    // ParseAPIToken: must be a compact JWS with alg HS256; `iss` names the key.
    let header = match jsonwebtoken::decode_header(token) {
        Ok(h) => h,
        Err(_) => return AuthOutcome::Reject(MSG_INVALID_TOKEN.to_owned()),
    };
    if header.alg != Algorithm::HS256 {
        return AuthOutcome::Reject(MSG_INVALID_TOKEN.to_owned());
    }
    let unverified: Value = match jsonwebtoken::dangerous::insecure_decode_claims(token) {
        Ok(v) => v,
        Err(_) => return AuthOutcome::Reject(MSG_INVALID_TOKEN.to_owned()),
    };
    let iss = unverified.get("iss").and_then(Value::as_str).unwrap_or("");
    if iss != api_key {
        return AuthOutcome::Reject(format!("{MSG_INVALID_API_KEY}: {iss}"));
    }

    // Verify(secret).
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    let claims = match jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(api_secret.as_bytes()),
        &validation,
    ) {
        Ok(data) => data.claims,
        Err(e) => {
            let reason = match e.kind() {
                ErrorKind::ExpiredSignature => {
                    "go-jose/go-jose/jwt: validation failed, token is expired (exp)".to_owned()
                }
                ErrorKind::ImmatureSignature => {
                    "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)".to_owned()
                }
                ErrorKind::InvalidSignature => {
                    "go-jose/go-jose: error in cryptographic primitive".to_owned()
                }
                ErrorKind::MissingRequiredClaim(c) => format!("{c} claim is required"),
                _ => e.to_string(),
            };
            return AuthOutcome::Reject(format!("{MSG_INVALID_TOKEN}: {reason}"));
        }
    };
    if let Some(iat) = claims.get("iat").and_then(Value::as_u64)
        && iat > now_secs() + LEEWAY_SECS
    {
        return AuthOutcome::Reject(format!(
            "{MSG_INVALID_TOKEN}: go-jose/go-jose/jwt: validation field, token issued in the future (iat)"
        ));
    }

    let sip = claims.get("sip");
    let flag = |name: &str| {
        sip.and_then(|s| s.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    AuthOutcome::Verified(SipGrants {
        admin: flag("admin"),
        call: flag("call"),
    })
}

/// Signs arbitrary claims with HS256 (for crafting good and bad tokens in tests).
pub fn sign_hs256(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_default()
}

/// The claims of a valid SIP admin token for `api_key`, valid for `ttl_secs`.
pub fn admin_claims(api_key: &str, ttl_secs: u64) -> Value {
    let now = now_secs();
    json!({
        "iss": api_key,
        "sub": "",
        "nbf": now,
        "exp": now + ttl_secs,
        "sip": {"admin": true},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "devkey";
    const SECRET: &str = "secret";

    fn run(token: &str) -> AuthOutcome {
        authenticate(Some(&format!("Bearer {token}")), None, KEY, SECRET)
    }

    #[test]
    fn good_token() {
        let t = sign_hs256(SECRET, &admin_claims(KEY, 600));
        assert_eq!(
            run(&t),
            AuthOutcome::Verified(SipGrants {
                admin: true,
                call: false
            })
        );
    }

    #[test]
    fn header_and_missing() {
        assert_eq!(authenticate(None, None, KEY, SECRET), AuthOutcome::NoToken);
        assert_eq!(
            authenticate(Some("Bearer "), None, KEY, SECRET),
            AuthOutcome::NoToken
        );
        assert_eq!(
            authenticate(Some("Basic abc"), None, KEY, SECRET),
            AuthOutcome::Reject(MSG_NOT_BEARER.to_owned())
        );
        let t = sign_hs256(SECRET, &admin_claims(KEY, 600));
        assert!(matches!(
            authenticate(None, Some(&t), KEY, SECRET),
            AuthOutcome::Verified(_)
        ));
    }

    #[test]
    fn rejections() {
        let now = now_secs();
        assert_eq!(
            run("garbage"),
            AuthOutcome::Reject(MSG_INVALID_TOKEN.into())
        );
        let wrong_iss = sign_hs256(SECRET, &admin_claims("other", 600));
        assert_eq!(
            run(&wrong_iss),
            AuthOutcome::Reject("invalid API key: other".into())
        );
        let wrong_sig = sign_hs256("not-the-secret", &admin_claims(KEY, 600));
        assert!(matches!(run(&wrong_sig), AuthOutcome::Reject(m) if m.contains("cryptographic")));
        let no_exp = sign_hs256(SECRET, &json!({"iss": KEY, "sip": {"admin": true}}));
        assert!(matches!(run(&no_exp), AuthOutcome::Reject(m) if m.contains("exp")));
        let expired = sign_hs256(
            SECRET,
            &json!({"iss": KEY, "exp": now - 120, "sip": {"admin": true}}),
        );
        assert!(matches!(run(&expired), AuthOutcome::Reject(m) if m.contains("expired")));
        // within the leeway
        let just_expired = sign_hs256(
            SECRET,
            &json!({"iss": KEY, "exp": now - 30, "sip": {"admin": true}}),
        );
        assert!(matches!(run(&just_expired), AuthOutcome::Verified(_)));
        let not_yet = sign_hs256(
            SECRET,
            &json!({"iss": KEY, "nbf": now + 600, "exp": now + 1200}),
        );
        assert!(matches!(run(&not_yet), AuthOutcome::Reject(m) if m.contains("nbf")));
    }
}
