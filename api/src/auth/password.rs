//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1
//! lane), run off the async runtime because each hash takes tens of ms.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash (same parameters as ours) of a password nobody has, verified
/// against for unknown accounts so that they take as long as a wrong
/// password. A constant, so start-up does not spend 19 MiB computing it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$PXfUZE0kOA5bDBh9d6xDuA$rrdfF19HJ6m62HUnMM73NOKeFc6vnRiQI0uKWE1QTc4";

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Checks `password` against `hash`, or against a dummy hash when the
/// account does not exist (`None`), so both cases cost the same.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(a.clone())).await);
        assert!(!verify("wrong".into(), Some(a)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(
            verify(
                "no account has this password".into(),
                Some(DUMMY_HASH.into())
            )
            .await,
            "the dummy is a real hash with our parameters"
        );
    }
}
