//! Accounts.

use ori_shared::accounts::{Role, User};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::{Backend, Db};
use crate::time_util::{from_ms, now_ms};

/// An account with what login needs.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
    pub token_epoch: i64,
}

const COLUMNS: &str = "id, email, password_hash, role, timezone, token_epoch, created_at";

fn record(row: &AnyRow) -> sqlx::Result<UserRecord> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        user: User {
            id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
            email: row.try_get("email")?,
            role: Role::parse(&role).map_err(|e| sqlx::Error::Decode(e.into()))?,
            timezone: row.try_get("timezone")?,
            created_at: from_ms(row.try_get("created_at")?),
        },
        password_hash: row.try_get("password_hash")?,
        token_epoch: row.try_get("token_epoch")?,
    })
}

pub async fn count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
}

pub async fn by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE email = $1"
    )))
    .bind(email)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

pub async fn by_id(db: &Db, id: Uuid) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<User>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users ORDER BY email"
    )))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| record(r).map(|u| u.user))
    .collect()
}

pub async fn insert(
    conn: &mut AnyConnection,
    email: &str,
    password_hash: &str,
    role: Role,
    timezone: &str,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, timezone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.to_string())
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(timezone)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn set_timezone(conn: &mut AnyConnection, id: Uuid, timezone: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET timezone = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(timezone)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a new password hash and revokes the account's older tokens.
pub async fn set_password(conn: &mut AnyConnection, id: Uuid, hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, token_epoch = token_epoch + 1, updated_at = $3 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(hash)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the super admins' rows (PostgreSQL) so two concurrent demotions or
/// deletions cannot both pass the "not the last super admin" check. SQLite
/// runs one writer at a time, so its check needs no lock.
async fn lock_super_admins(conn: &mut AnyConnection, backend: Backend) -> sqlx::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE role = 'super_admin' FOR UPDATE")
            .fetch_all(conn)
            .await?;
    }
    Ok(())
}

/// Outcome of a change that must keep one super admin.
#[derive(Debug, PartialEq, Eq)]
pub enum Guarded {
    Done,
    NotFound,
    LastSuperAdmin,
}

/// Why a guarded change changed nothing.
async fn why_unchanged(conn: &mut AnyConnection, id: Uuid) -> sqlx::Result<Guarded> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(match role {
        None => Guarded::NotFound,
        Some(_) => Guarded::LastSuperAdmin,
    })
}

/// The condition that keeps a super admin: the account is not one, or
/// another one exists. Checked inside the changing statement itself, so
/// SQLite needs no read-then-write transaction.
const KEEPS_A_SUPER_ADMIN: &str = "(role <> 'super_admin' OR \
    (SELECT COUNT(*) FROM users o WHERE o.role = 'super_admin' AND o.id <> $1) > 0)";

pub async fn set_role(
    conn: &mut AnyConnection,
    backend: Backend,
    id: Uuid,
    role: Role,
) -> sqlx::Result<Guarded> {
    lock_super_admins(conn, backend).await?;
    let guard = if role == Role::SuperAdmin {
        "1 = 1"
    } else {
        KEEPS_A_SUPER_ADMIN
    };
    let n = sqlx::query(AssertSqlSafe(format!(
        "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 AND {guard}"
    )))
    .bind(id.to_string())
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return why_unchanged(conn, id).await;
    }
    Ok(Guarded::Done)
}

pub async fn delete(conn: &mut AnyConnection, backend: Backend, id: Uuid) -> sqlx::Result<Guarded> {
    lock_super_admins(conn, backend).await?;
    let n = sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM users WHERE id = $1 AND {KEEPS_A_SUPER_ADMIN}"
    )))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return why_unchanged(conn, id).await;
    }
    Ok(Guarded::Done)
}
