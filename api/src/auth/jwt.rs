//! Session tokens: HS256 JWTs with issuer, audience and expiry checked. The
//! algorithm is pinned, so `alg: none` and every other algorithm fail. A
//! token names its server-side session (`sid`), which must still exist.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ISSUER: &str = "ori-console";
pub const AUDIENCE: &str = "ori-console";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The session (`sessions.id`): ending it revokes the token.
    pub sid: Uuid,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// When a token issued now expires (Unix seconds).
    pub fn expiry(&self) -> anyhow::Result<i64> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Ok(now + i64::try_from(self.ttl.as_secs())?)
    }

    /// A token for `user`'s session `sid`, expiring at `exp` (Unix seconds).
    pub fn issue(&self, user: Uuid, sid: Uuid, exp: i64) -> anyhow::Result<String> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp,
            sid,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(3600),
        )
    }

    #[test]
    fn issued_tokens_verify() {
        let (id, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let exp = keys().expiry().unwrap();
        let token = keys().issue(id, sid, exp).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid, claims.exp), (id, sid, exp));
    }

    #[test]
    fn tampered_other_key_none_and_other_algs_fail() {
        let sid = Uuid::now_v7();
        let token = keys()
            .issue(Uuid::now_v7(), sid, keys().expiry().unwrap())
            .unwrap();
        let other = JwtKeys::new(b"another secret, also 32 bytes!!!", Duration::from_secs(60));
        assert!(other.verify(&token).is_none());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        let other_sid = Uuid::now_v7().to_string();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace(&sid.to_string(), &other_sid));
        assert!(
            keys().verify(&parts.join(".")).is_none(),
            "tampered payload"
        );
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!(
            "{none_header}.{}.",
            URL_SAFE_NO_PAD.encode(payload.as_bytes())
        );
        assert!(keys().verify(&unsigned).is_none(), "alg none");
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::from_str::<Claims>(&payload).unwrap(),
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(keys().verify(&hs512).is_none(), "HS512 with the right key");
    }

    #[test]
    fn expired_tokens_fail() {
        let mut claims: Claims = Claims {
            sub: Uuid::now_v7(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: 0,
            exp: time::OffsetDateTime::now_utc().unix_timestamp() - 120,
            sid: Uuid::now_v7(),
        };
        let enc = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let expired = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &enc).unwrap();
        assert!(keys().verify(&expired).is_none());
        claims.exp += 3600;
        claims.aud = "someone-else".into();
        let wrong_aud =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &enc).unwrap();
        assert!(keys().verify(&wrong_aud).is_none());
    }
}
