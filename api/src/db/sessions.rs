//! Login sessions, kept server-side: a session token names its row, so
//! removing the row ends the session at once, wherever the token was copied.

use ori_shared::accounts::Role;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::time_util::now_ms;

/// The most of a `User-Agent` kept with a session.
const USER_AGENT_MAX: usize = 200;

/// A live session and its account, as a request sees them.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    pub timezone: String,
    /// The account has confirmed two-factor sign-in.
    pub two_factor_enabled: bool,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// Where a login came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_ip: String,
    pub user_agent: String,
}

/// Opens a session for `user_id` lasting until `expires_at` (Unix ms).
pub async fn create(
    conn: &mut AnyConnection,
    user_id: Uuid,
    expires_at: i64,
    origin: &Origin,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let agent: String = origin.user_agent.chars().take(USER_AGENT_MAX).collect();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, client_ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(user_id.to_string())
    .bind(now)
    .bind(expires_at)
    .bind(&origin.client_ip)
    .bind(agent)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The session `id` of `user_id`, if it has not been ended.
pub async fn find(db: &Db, id: Uuid, user_id: Uuid) -> anyhow::Result<Option<SessionRecord>> {
    db.memos
        .sessions
        .get_or_load(&db.writes, (id, user_id), async || {
            read(db, id, user_id).await
        })
        .await
}

async fn read(db: &Db, id: Uuid, user_id: Uuid) -> anyhow::Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT u.email, u.role, u.timezone, s.last_seen_at, s.expires_at, \
             CAST(CASE WHEN t.confirmed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS two_factor \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN user_two_factor t ON t.user_id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2",
    )
    .bind(id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Some(SessionRecord {
        user_id,
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(|e| anyhow::anyhow!("stored role: {e}"))?,
        timezone: row.try_get("timezone")?,
        two_factor_enabled: row.try_get::<i64, _>("two_factor")? == 1,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
    }))
}

/// Records activity on a session (the idle timeout counts from it).
pub async fn touch(db: &Db, id: Uuid, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
        .bind(id.to_string())
        .bind(now)
        .execute(&db.pool)
        .await?;
    db.wrote();
    Ok(())
}

/// Ends one session.
pub async fn end(db: &Db, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id.to_string())
        .execute(&db.pool)
        .await?;
    db.wrote();
    Ok(())
}

/// Ends every session of `user_id` but `keep`; how many ended.
pub async fn end_all(
    conn: &mut AnyConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> sqlx::Result<u64> {
    let keep = keep.map(|id| id.to_string()).unwrap_or_default();
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id.to_string())
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Removes sessions past their absolute expiry, or idle since before
/// `idle_before` (run now and then: such rows admit nobody anyway).
pub async fn prune(db: &Db, idle_before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
        .bind(now_ms())
        .bind(idle_before)
        .execute(&db.pool)
        .await?;
    db.wrote();
    Ok(done.rows_affected())
}
