//! API tokens: each belongs to one user (deleted with it) and is found by the
//! SHA-256 of its secret.

use ori_shared::accounts::Role;
use ori_shared::tokens::{ApiToken, TokenStatus};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Db;
use crate::time_util::{from_ms, now_ms};

/// `last_used_at` is written at most this often per token, so that a busy
/// integration does not turn every read into a write.
pub const TOUCH_EVERY_MS: i64 = 60_000;

const COLUMNS: &str = "id, name, role, prefix, created_at, expires_at, last_used_at, revoked_at";

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn token(row: &AnyRow, now: OffsetDateTime) -> sqlx::Result<ApiToken> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let time = |column: &str| -> sqlx::Result<Option<OffsetDateTime>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_ms))
    };
    let (expires_at, revoked_at) = (time("expires_at")?, time("revoked_at")?);
    Ok(ApiToken {
        id: Uuid::parse_str(&id).map_err(decode_err)?,
        name: row.try_get("name")?,
        role: Role::parse(&role).map_err(|e| sqlx::Error::Decode(e.into()))?,
        prefix: row.try_get("prefix")?,
        created_at: from_ms(row.try_get("created_at")?),
        expires_at,
        last_used_at: time("last_used_at")?,
        revoked_at,
        status: TokenStatus::at(now, expires_at, revoked_at),
    })
}

/// What to store for a new token.
pub struct Insert<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub role: Role,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub expires_in_days: Option<u32>,
}

pub async fn insert(conn: &mut AnyConnection, new: Insert<'_>) -> sqlx::Result<ApiToken> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let expires_at = new
        .expires_in_days
        .map(|days| now + i64::from(days) * 86_400_000);
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, role, token_hash, prefix, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(new.user_id.to_string())
    .bind(new.name)
    .bind(new.role.as_str())
    .bind(new.hash)
    .bind(new.prefix)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(ApiToken {
        id,
        name: new.name.to_owned(),
        role: new.role,
        prefix: new.prefix.to_owned(),
        created_at: from_ms(now),
        expires_at: expires_at.map(from_ms),
        last_used_at: None,
        revoked_at: None,
        status: TokenStatus::Active,
    })
}

/// A user's tokens, newest first (revoked and expired ones too).
pub async fn list(db: &Db, user_id: Uuid) -> sqlx::Result<Vec<ApiToken>> {
    let now = from_ms(now_ms());
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(user_id.to_string())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|row| token(row, now))
    .collect()
}

/// One of the user's tokens; another user's is `None`, as if it did not exist.
pub async fn get(
    conn: &mut AnyConnection,
    user_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<ApiToken>> {
    let now = from_ms(now_ms());
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2"
    )))
    .bind(id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(conn)
    .await?
    .map(|row| token(&row, now))
    .transpose()
}

/// Revokes one of the user's tokens. `Some(true)`: revoked now; `Some(false)`:
/// it already was (its first revocation time stays); `None`: no such token of theirs.
pub async fn revoke(
    conn: &mut AnyConnection,
    user_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<bool>> {
    let n = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(user_id.to_string())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        return Ok(Some(true));
    }
    Ok(get(conn, user_id, id).await?.map(|_| false))
}

/// A token found by its hash, with its owner as they are now.
#[derive(Debug, Clone)]
pub struct Presented {
    pub id: Uuid,
    pub role: Role,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub user_id: Uuid,
    pub email: String,
    pub user_role: Role,
    pub timezone: String,
}

pub async fn by_hash(db: &Db, hash: &str) -> sqlx::Result<Option<Presented>> {
    db.memos
        .tokens
        .get_or_load(&db.writes, hash.to_owned(), async || {
            read_by_hash(db, hash).await
        })
        .await
}

async fn read_by_hash(db: &Db, hash: &str) -> sqlx::Result<Option<Presented>> {
    let Some(row) = sqlx::query(
        "SELECT t.id, t.role, t.expires_at, t.revoked_at, t.last_used_at, \
         u.id AS user_id, u.email, u.role AS user_role, u.timezone \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let uuid = |column: &str| -> sqlx::Result<Uuid> {
        Uuid::parse_str(&row.try_get::<String, _>(column)?).map_err(decode_err)
    };
    let role = |column: &str| -> sqlx::Result<Role> {
        Role::parse(&row.try_get::<String, _>(column)?).map_err(|e| sqlx::Error::Decode(e.into()))
    };
    Ok(Some(Presented {
        id: uuid("id")?,
        role: role("role")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
        user_id: uuid("user_id")?,
        email: row.try_get("email")?,
        user_role: role("user_role")?,
        timezone: row.try_get("timezone")?,
    }))
}

/// Records a use at `now` unless one was recorded in the last minute. The
/// condition is in the statement, so concurrent requests write it once.
pub async fn touch(db: &Db, id: Uuid, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $2 \
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(id.to_string())
    .bind(now)
    .bind(now - TOUCH_EVERY_MS)
    .execute(&db.pool)
    .await?;
    db.wrote();
    Ok(())
}
