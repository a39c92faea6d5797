//! Password-guessing throttle, kept in the database so that every replica
//! counts the same failures. An attempt is counted *before* the password is
//! checked (a burst of parallel guesses cannot all pass a check made before
//! any was recorded) and taken back when the password was right.
//!
//! Three counters apply to each attempt:
//! - the client (its IPv4 address or IPv6 /64): a hard limit over a window;
//! - the account from that client: a progressive delay, so one client's
//!   guessing slows quickly while the owner elsewhere is not held up;
//! - the account from anywhere: a progressive delay with a low ceiling, so
//!   guessing from many addresses stays slow, yet nobody can lock the owner
//!   out for longer than that ceiling.

use std::time::Duration;

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::db::{Backend, Db};
use crate::error::ApiError;
use crate::time_util::now_ms;

const MINUTE_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// `max` failures in a window of `window_ms` from the first; then none
    /// until the window ends.
    Limit { max: i64, window_ms: i64 },
    /// `free` failures, then a wait of `base_ms`, doubling per failure up to
    /// `max_ms`, before the next try. Forgotten after `quiet_ms` without one.
    Delay {
        free: i64,
        base_ms: i64,
        max_ms: i64,
        quiet_ms: i64,
    },
}

const CLIENT: Policy = Policy::Limit {
    max: 20,
    window_ms: 15 * MINUTE_MS,
};
const ACCOUNT_FROM_CLIENT: Policy = Policy::Delay {
    free: 3,
    base_ms: 1000,
    max_ms: 15 * MINUTE_MS,
    quiet_ms: 15 * MINUTE_MS,
};
const ACCOUNT: Policy = Policy::Delay {
    free: 10,
    base_ms: 1000,
    max_ms: 30_000,
    quiet_ms: 15 * MINUTE_MS,
};
/// Two-factor codes tried after the account's right password: whoever gets
/// here knows the password, so few guesses at a million codes.
const SECOND_FACTOR: Policy = Policy::Limit {
    max: 5,
    window_ms: 15 * MINUTE_MS,
};

impl Policy {
    /// Whether a counter's window has passed, so it starts again from zero.
    fn expired(self, row: &Counter, now: i64) -> bool {
        match self {
            Policy::Limit { window_ms, .. } => row.window_start + window_ms <= now,
            Policy::Delay { quiet_ms, .. } => row.window_start + quiet_ms <= now,
        }
    }

    /// How long an attempt must wait, if the counter refuses one now.
    fn wait(self, row: &Counter, now: i64) -> Option<i64> {
        let until = match self {
            Policy::Limit { max, window_ms } if row.failures >= max => row.window_start + window_ms,
            Policy::Limit { .. } => return None,
            Policy::Delay { .. } => row.blocked_until,
        };
        (until > now).then_some(until - now)
    }

    /// The counter after one more failure at `now`.
    fn failed(self, row: &Counter, now: i64) -> Counter {
        let failures = row.failures + 1;
        match self {
            Policy::Limit { .. } => Counter {
                failures,
                window_start: if row.failures == 0 {
                    now
                } else {
                    row.window_start
                },
                blocked_until: 0,
            },
            Policy::Delay {
                free,
                base_ms,
                max_ms,
                ..
            } => {
                let over = failures - free;
                let delay = if over < 0 {
                    0
                } else {
                    let doublings = u32::try_from(over.min(30)).unwrap_or(30);
                    base_ms.saturating_mul(1 << doublings).min(max_ms)
                };
                Counter {
                    failures,
                    // Measured from the latest failure: quiet for a while, forgotten.
                    window_start: now,
                    blocked_until: if delay > 0 { now + delay } else { 0 },
                }
            }
        }
    }

    /// Whether this failure is the one that starts holding attempts back.
    fn starts_holding_back(self, failures: i64) -> bool {
        match self {
            Policy::Limit { max, .. } => failures == max,
            Policy::Delay { free, .. } => failures == free,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    failures: i64,
    window_start: i64,
    blocked_until: i64,
}

/// What one password check is counted against.
#[derive(Debug, Clone)]
pub struct Subject {
    keys: Vec<(String, Policy)>,
}

impl Subject {
    /// A check of `email`'s password by the client `client` (a
    /// `client_addr::throttle_key`).
    pub fn new(client: &str, email: &str) -> Self {
        let mut keys = vec![
            (format!("ip:{client}"), CLIENT),
            (format!("account:{email}"), ACCOUNT),
            (format!("account_ip:{email}|{client}"), ACCOUNT_FROM_CLIENT),
        ];
        // One lock order for every transaction: no deadlocks on PostgreSQL.
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Self { keys }
    }

    /// A two-factor code tried for the account `user_id`, from anywhere.
    pub fn second_factor(user_id: Uuid) -> Self {
        Self {
            keys: vec![(format!("2fa:{user_id}"), SECOND_FACTOR)],
        }
    }
}

/// The 429 for an attempt a counter refused.
pub fn too_many(wait: Duration) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: u64::try_from(wait.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1),
    }
}

/// An attempt that was counted as a failure before the check ran.
#[must_use = "settle the attempt with `succeeded` or `failed`"]
#[derive(Debug)]
pub struct Attempt {
    subject: Subject,
    /// Counters this attempt brought to their limit: worth an audit entry
    /// if the password was wrong.
    pub now_holding_back: Vec<String>,
}

/// Counts an attempt, or says how long to wait when any counter refuses it.
pub async fn attempt(db: &Db, subject: Subject) -> anyhow::Result<Result<Attempt, Duration>> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let mut rows = Vec::with_capacity(subject.keys.len());
    for (key, policy) in &subject.keys {
        let row = lock(&mut tx, db.backend, key, now).await?;
        let row = if policy.expired(&row, now) {
            Counter::default()
        } else {
            row
        };
        rows.push(row);
    }
    let wait = subject
        .keys
        .iter()
        .zip(&rows)
        .filter_map(|((_, policy), row)| policy.wait(row, now))
        .max();
    if let Some(wait) = wait {
        tx.rollback().await?;
        let wait = u64::try_from(wait).unwrap_or(0);
        return Ok(Err(Duration::from_millis(wait)));
    }
    let mut now_holding_back = Vec::new();
    for ((key, policy), row) in subject.keys.iter().zip(&rows) {
        let next = policy.failed(row, now);
        if policy.starts_holding_back(next.failures) {
            now_holding_back.push(key.clone());
        }
        store(&mut tx, key, next).await?;
    }
    tx.commit().await?;
    Ok(Ok(Attempt {
        subject,
        now_holding_back,
    }))
}

impl Attempt {
    /// The password was right: the account's counters start again, and the
    /// client's gets back the failure counted in advance.
    pub async fn succeeded(self, db: &Db) -> anyhow::Result<()> {
        let mut tx = db.begin().await?;
        for (key, policy) in &self.subject.keys {
            match policy {
                Policy::Delay { .. } => {
                    sqlx::query("DELETE FROM auth_throttle WHERE key = $1")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                Policy::Limit { .. } => {
                    sqlx::query(
                        "UPDATE auth_throttle SET failures = failures - 1 \
                         WHERE key = $1 AND failures > 0",
                    )
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The counter for `key`, locked until the transaction ends: PostgreSQL
/// locks the row; SQLite's first write takes the database's write lock.
async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    key: &str,
    now: i64,
) -> sqlx::Result<Counter> {
    sqlx::query(
        "INSERT INTO auth_throttle (key, failures, window_start, blocked_until) \
         VALUES ($1, 0, $2, 0) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let select = match backend {
        Backend::Postgres => {
            "SELECT failures, window_start, blocked_until FROM auth_throttle WHERE key = $1 FOR UPDATE"
        }
        Backend::Sqlite => {
            "SELECT failures, window_start, blocked_until FROM auth_throttle WHERE key = $1"
        }
    };
    let row = sqlx::query(select).bind(key).fetch_one(&mut *conn).await?;
    Ok(Counter {
        failures: row.try_get("failures")?,
        window_start: row.try_get("window_start")?,
        blocked_until: row.try_get("blocked_until")?,
    })
}

async fn store(conn: &mut AnyConnection, key: &str, row: Counter) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE auth_throttle SET failures = $2, window_start = $3, blocked_until = $4 \
         WHERE key = $1",
    )
    .bind(key)
    .bind(row.failures)
    .bind(row.window_start)
    .bind(row.blocked_until)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets counters that no longer hold anything back (run now and then).
pub async fn prune(db: &Db) -> sqlx::Result<u64> {
    let now = now_ms();
    let quiet = 15 * MINUTE_MS;
    let done =
        sqlx::query("DELETE FROM auth_throttle WHERE window_start <= $1 AND blocked_until <= $2")
            .bind(now - quiet)
            .bind(now)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_free_failures_to_the_ceiling() {
        let mut row = Counter::default();
        for n in 1..=8 {
            row = ACCOUNT.failed(&row, 0);
            assert_eq!(row.blocked_until, 0, "failure {n} is free");
        }
        let delays: Vec<i64> = (0..6)
            .map(|_| {
                row = ACCOUNT.failed(&row, 0);
                row.blocked_until
            })
            .collect();
        assert_eq!(delays, [0, 1000, 2000, 4000, 8000, 16000]);
        row = ACCOUNT.failed(&row, 0);
        row = ACCOUNT.failed(&row, 0);
        assert_eq!(row.blocked_until, 30_000, "the ceiling");
        assert_eq!(ACCOUNT.wait(&row, 10_000), Some(20_000));
        assert_eq!(ACCOUNT.wait(&row, 30_000), None);
    }

    #[test]
    fn the_client_limit_holds_until_its_window_ends() {
        let mut row = Counter::default();
        for i in 0..20 {
            assert_eq!(CLIENT.wait(&row, i), None);
            row = CLIENT.failed(&row, 1000 + i);
        }
        assert_eq!(row.window_start, 1000, "from the first failure");
        assert_eq!(CLIENT.wait(&row, 2000), Some(15 * MINUTE_MS - 1000));
        assert!(CLIENT.expired(&row, 1000 + 15 * MINUTE_MS));
        assert!(CLIENT.starts_holding_back(20));
    }
}
