//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1
//! lane), run off the async runtime because each hash takes tens of ms.
//!
//! Every hash goes through one gate: as many run at once as there are cores,
//! a short queue waits, and beyond it the caller is told to come back
//! (`Busy`, a 429) at once. A flood of logins cannot take every core or
//! gigabytes of memory (19 MiB a hash; see also `main`'s mmap threshold).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

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

struct Gate {
    running: Arc<tokio::sync::Semaphore>,
    admitted: AtomicUsize,
    max_admitted: usize,
}

static GATE: LazyLock<Gate> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
    Gate {
        running: Arc::new(tokio::sync::Semaphore::new(cores)),
        admitted: AtomicUsize::new(0),
        // The running hashes and four times as many waiting.
        max_admitted: cores * 5,
    }
});

/// Too many password hashes are running or waiting: try again shortly.
#[derive(Debug, thiserror::Error)]
#[error("the server is checking too many passwords at once")]
pub struct Busy;

/// A place at the gate, taken before any other work on a password so that a
/// refusal costs nothing.
#[derive(Debug)]
pub struct Ticket(());

impl Drop for Ticket {
    fn drop(&mut self) {
        GATE.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A place at the gate, or `Busy` when its queue is full.
pub fn reserve() -> Result<Ticket, Busy> {
    if GATE.admitted.fetch_add(1, Ordering::AcqRel) >= GATE.max_admitted {
        GATE.admitted.fetch_sub(1, Ordering::AcqRel);
        return Err(Busy);
    }
    Ok(Ticket(()))
}

impl Ticket {
    /// Runs `work` on a blocking thread once a core is free. The ticket and
    /// the permit go with it, so an abandoned request still counts until
    /// its hash has finished.
    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let permit = GATE.running.clone().acquire_owned().await?;
        let done = tokio::task::spawn_blocking(move || {
            let _held = (permit, self);
            work()
        });
        Ok(done.await?)
    }

    pub async fn hash(self, password: String) -> anyhow::Result<String> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks `password` against `hash`, or against a dummy hash when the
    /// account does not exist (`None`), so both cases cost the same.
    pub async fn verify(self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        self.run(move || match hash {
            Some(hash) => verify_blocking(&password, &hash),
            None => {
                verify_blocking(&password, DUMMY_HASH);
                false
            }
        })
        .await
    }
}

/// Hashes a new password (a 429 when the gate is full).
pub async fn hash(password: String) -> Result<String, crate::error::ApiError> {
    Ok(reserve()?.hash(password).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let verify = async |password: &str, hash: Option<&str>| {
            let ticket = reserve().unwrap();
            let hash = hash.map(str::to_owned);
            ticket.verify(password.into(), hash).await.unwrap()
        };
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", Some(&a)).await);
        assert!(!verify("wrong", Some(&a)).await);
        assert!(!verify("anything", None).await);
        assert!(
            verify("no account has this password", Some(DUMMY_HASH)).await,
            "the dummy is a real hash with our parameters"
        );
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;

    #[test]
    fn the_queue_is_bounded_and_places_come_back() {
        let before = GATE.admitted.load(Ordering::Acquire);
        let tickets: Vec<Ticket> = std::iter::from_fn(|| reserve().ok()).take(10_000).collect();
        assert!(tickets.len() + before <= GATE.max_admitted, "bounded");
        assert!(reserve().is_err(), "full");
        drop(tickets);
        assert!(reserve().is_ok(), "free again");
    }
}
