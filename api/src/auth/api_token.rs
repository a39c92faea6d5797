//! API token secrets: `ori_` + base64url of 32 random bytes. Only their SHA-256
//! is stored: a fast hash is right here (unlike passwords) because the secret
//! has 256 bits of entropy, so there is nothing to guess, and every request
//! looks a token up by it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ori_shared::tokens::{DISPLAY_PREFIX_LEN, TOKEN_PREFIX};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A new token, before it is stored.
pub struct Minted {
    /// The secret, shown once.
    pub token: String,
    /// Its first characters, kept to tell tokens apart.
    pub prefix: String,
    pub hash: String,
}

pub fn mint() -> Minted {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    Minted {
        prefix: token[..DISPLAY_PREFIX_LEN].to_owned(),
        hash: hash(&token),
        token,
    }
}

/// Lower-case hex SHA-256 of the whole token text.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a Bearer value is meant as an API token (not a login JWT).
pub fn is_api_token(bearer: &str) -> bool {
    bearer.starts_with(TOKEN_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_distinct_and_hashed() {
        let (a, b) = (mint(), mint());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), TOKEN_PREFIX.len() + 43);
        assert!(is_api_token(&a.token));
        assert!(a.token.starts_with(&a.prefix));
        assert_eq!(a.hash, hash(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.token));
        // A JWT starts with base64 of `{"`, never with `ori_`.
        assert!(!is_api_token("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    }
}
