//! Bots: what "Assign Bot" picks from. Numbers keep a deleted bot's id, so
//! the console can say "Bot not found".

use ori_shared::accounts::Bot;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::Db;
use super::remote::CONFIG_CHANGED;
use crate::time_util::now_ms;

/// A bot's columns and how many numbers point at it, in one query: a correlated
/// `COUNT(*)` (an `INTEGER` on SQLite, a `BIGINT` on PostgreSQL: both read as `i64`).
const SELECT: &str = "SELECT b.id, b.name, b.agent_name, \
     (SELECT COUNT(*) FROM phone_numbers n WHERE n.bot_id = b.id) AS number_count \
     FROM bots b";

fn bot(row: &sqlx::any::AnyRow) -> sqlx::Result<Bot> {
    let id: String = row.try_get("id")?;
    let count: i64 = row.try_get("number_count")?;
    Ok(Bot {
        id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
        name: row.try_get("name")?,
        agent_name: row.try_get("agent_name")?,
        number_count: u32::try_from(count).map_err(|e| sqlx::Error::Decode(e.into()))?,
    })
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<Bot>> {
    sqlx::query(AssertSqlSafe(format!("{SELECT} ORDER BY b.name, b.id")))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(bot)
        .collect()
}

pub async fn get(db: &Db, id: Uuid) -> sqlx::Result<Option<Bot>> {
    sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE b.id = $1")))
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(bot)
        .transpose()
}

pub async fn insert(conn: &mut AnyConnection, name: &str, agent_name: &str) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO bots (id, name, agent_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(agent_name)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(id)
}

/// Carriers whose inbound routing names this bot must sync again.
async fn touch_carriers_using(conn: &mut AnyConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET {CONFIG_CHANGED} \
         WHERE id IN (SELECT carrier_id FROM phone_numbers WHERE bot_id = $1)"
    )))
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut AnyConnection,
    id: Uuid,
    name: &str,
    agent_name: &str,
) -> sqlx::Result<bool> {
    let n =
        sqlx::query("UPDATE bots SET name = $2, agent_name = $3, updated_at = $4 WHERE id = $1")
            .bind(id.to_string())
            .bind(name)
            .bind(agent_name)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if n > 0 {
        touch_carriers_using(conn, id).await?;
    }
    Ok(n > 0)
}

pub async fn delete(conn: &mut AnyConnection, id: Uuid) -> sqlx::Result<bool> {
    let n = sqlx::query("DELETE FROM bots WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n > 0 {
        touch_carriers_using(conn, id).await?;
    }
    Ok(n > 0)
}
