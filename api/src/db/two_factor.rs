//! Stored two-factor enrolments and recovery codes. Secrets arrive here
//! encrypted and codes hashed: this module never sees either in the clear.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::time_util::now_ms;

/// An account's enrolment.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The TOTP secret, encrypted by `SecretBox`.
    pub secret: Vec<u8>,
    /// `None` until the first right code confirms the app has it.
    pub confirmed_at: Option<i64>,
}

pub async fn get(db: &Db, user_id: Uuid) -> sqlx::Result<Option<Enrolment>> {
    let row = sqlx::query("SELECT secret, confirmed_at FROM user_two_factor WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(Enrolment {
            secret: row.try_get("secret")?,
            confirmed_at: row.try_get("confirmed_at")?,
        })
    })
    .transpose()
}

/// Starts (or starts again) an enrolment with a new secret. Refused (false)
/// when the account already has a confirmed one.
pub async fn start(db: &Db, user_id: Uuid, secret: &[u8]) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO user_two_factor (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
             created_at = excluded.created_at, last_step = 0 \
         WHERE user_two_factor.confirmed_at IS NULL",
    )
    .bind(user_id.to_string())
    .bind(secret)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the time step `step` for the account: true only if no code of this
/// step or a later one was accepted before, so each code works once, even
/// when two replicas check it at the same moment.
pub async fn claim_step(conn: &mut AnyConnection, user_id: Uuid, step: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE user_two_factor SET last_step = $2 WHERE user_id = $1 AND last_step < $2",
    )
    .bind(user_id.to_string())
    .bind(step)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the enrolment confirmed and replaces the recovery codes.
pub async fn confirm(
    conn: &mut AnyConnection,
    user_id: Uuid,
    code_hashes: &[String],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_two_factor SET confirmed_at = $2 WHERE user_id = $1")
        .bind(user_id.to_string())
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id.to_string())
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses up a recovery code: true if it was the account's and unused.
pub async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: Uuid,
    code_hash: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id.to_string())
    .bind(code_hash)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Unused recovery codes of the account.
pub async fn recovery_codes_left(db: &Db, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id.to_string())
        .fetch_one(&db.pool)
        .await
}

/// Turns two-factor sign-in off: the secret and the recovery codes go.
pub async fn remove(conn: &mut AnyConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM user_two_factor WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether the account has two-factor sign-in on (a confirmed enrolment).
pub async fn enabled(db: &Db, user_id: Uuid) -> sqlx::Result<bool> {
    Ok(get(db, user_id)
        .await?
        .is_some_and(|e| e.confirmed_at.is_some()))
}
