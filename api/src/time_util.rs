//! Times are stored as Unix milliseconds (portable across SQLite and
//! PostgreSQL) and shown as RFC 3339.

use time::OffsetDateTime;

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A stored time as a date-time; out-of-range values clamp to the epoch.
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
