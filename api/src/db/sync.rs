//! The LiveKit reconciler's bookkeeping: leases, outcomes, remote ids,
//! tombstones, and the installation id. Several replicas share one
//! database; a lease (an `UPDATE … WHERE lease is free`) keeps two of them
//! from working on the same carrier.

use ori_shared::number::Direction;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::Db;
use super::carriers::CONFIG_CHANGED;
use crate::time_util::now_ms;

/// This installation's id, created once and shared by every replica.
pub async fn installation_id(db: &Db) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO installation (singleton, id) VALUES (1, $1) ON CONFLICT (singleton) DO NOTHING")
        .bind(Uuid::new_v4().to_string())
        .execute(&db.pool)
        .await?;
    sqlx::query_scalar("SELECT id FROM installation WHERE singleton = 1")
        .fetch_one(&db.pool)
        .await
}

/// Claims one carrier that needs a sync (changed since its last sync and
/// not waiting for a retry) for `lease_ms`.
pub async fn claim_next(db: &Db, owner: &str, lease_ms: i64) -> sqlx::Result<Option<Uuid>> {
    let now = now_ms();
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE carriers SET lease_owner = $1, lease_until = $2 \
         WHERE id = (SELECT id FROM carriers \
                     WHERE config_rev > synced_rev \
                       AND (next_attempt_at IS NULL OR next_attempt_at <= $3) \
                       AND (lease_until IS NULL OR lease_until < $3) \
                     ORDER BY updated_at LIMIT 1) \
           AND (lease_until IS NULL OR lease_until < $3) \
         RETURNING id",
    )
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
}

/// Claims this carrier whatever its state, if no worker holds it — not even
/// this replica's own background loop.
pub async fn claim(db: &Db, id: Uuid, owner: &str, lease_ms: i64) -> sqlx::Result<bool> {
    let now = now_ms();
    let n = sqlx::query(
        "UPDATE carriers SET lease_owner = $2, lease_until = $3 \
         WHERE id = $1 AND (lease_until IS NULL OR lease_until < $4)",
    )
    .bind(id.to_string())
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// LiveKit now equals revision `rev`. A later edit keeps the carrier dirty
/// (`config_rev > synced_rev`), so it syncs again.
pub async fn record_success(db: &Db, id: Uuid, owner: &str, rev: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE carriers SET synced_rev = $3, last_synced_at = $4, sync_error = NULL, \
         sync_attempts = 0, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL, \
         sync_status = CASE WHEN config_rev = $3 THEN 'synced' ELSE 'pending' END \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id.to_string())
    .bind(owner)
    .bind(rev)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The attempt failed; retry at `next_attempt_at`.
pub async fn record_failure(
    db: &Db,
    id: Uuid,
    owner: &str,
    message: &str,
    next_attempt_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE carriers SET sync_status = 'error', sync_error = $3, \
         sync_attempts = sync_attempts + 1, next_attempt_at = $4, \
         lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id.to_string())
    .bind(owner)
    .bind(message)
    .bind(next_attempt_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// How many attempts have failed in a row (for the backoff).
pub async fn attempts(db: &Db, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT sync_attempts FROM carriers WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await
        .map(Option::unwrap_or_default)
}

/// Marks carriers whose LiveKit objects drifted as needing a sync.
pub async fn mark_dirty(db: &Db, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET {CONFIG_CHANGED} WHERE id = $1"
    )))
    .bind(id.to_string())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Records the carrier's trunk ids; `false` when the carrier is gone.
pub async fn set_trunk_ids(
    db: &Db,
    id: Uuid,
    outbound: Option<&str>,
    inbound: Option<&str>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE carriers SET lk_outbound_trunk_id = $2, lk_inbound_trunk_id = $3 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(outbound)
    .bind(inbound)
    .execute(&db.pool)
    .await
    .map(|r| r.rows_affected() > 0)
}

/// Records a number's dispatch rule id; `false` when the number is gone.
pub async fn set_rule_id(db: &Db, number_id: Uuid, rule: Option<&str>) -> sqlx::Result<bool> {
    sqlx::query("UPDATE phone_numbers SET lk_dispatch_rule_id = $2 WHERE id = $1")
        .bind(number_id.to_string())
        .bind(rule)
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected() > 0)
}

/// A number as the planner needs it.
#[derive(Debug, Clone)]
pub struct SyncNumber {
    pub id: Uuid,
    /// As typed.
    pub number: String,
    /// The canonical E.164 form, when derivable.
    pub e164: Option<String>,
    pub direction: Direction,
    /// `None` when no bot is assigned or the bot was deleted.
    pub agent_name: Option<String>,
    pub lk_dispatch_rule_id: Option<String>,
}

pub async fn numbers(db: &Db, carrier_id: Uuid) -> sqlx::Result<Vec<SyncNumber>> {
    let rows = sqlx::query(
        "SELECT n.id, n.number, n.e164, n.direction, n.lk_dispatch_rule_id, b.agent_name \
         FROM phone_numbers n LEFT JOIN bots b ON b.id = n.bot_id \
         WHERE n.carrier_id = $1 ORDER BY n.created_at, n.id",
    )
    .bind(carrier_id.to_string())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let direction: String = row.try_get("direction")?;
            Ok(SyncNumber {
                id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
                number: row.try_get("number")?,
                e164: row.try_get("e164")?,
                direction: Direction::parse(&direction)
                    .map_err(|e| sqlx::Error::Decode(e.into()))?,
                agent_name: row.try_get("agent_name")?,
                lk_dispatch_rule_id: row.try_get("lk_dispatch_rule_id")?,
            })
        })
        .collect()
}

/// Kinds of remote object a tombstone names.
pub const TRUNK: &str = "trunk";
pub const DISPATCH_RULE: &str = "dispatch_rule";

/// Remembers a LiveKit object to delete once its row is gone.
pub async fn tombstone(
    conn: &mut AnyConnection,
    kind: &str,
    remote_id: &str,
    carrier_id: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO livekit_tombstones (id, kind, remote_id, carrier_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(kind)
    .bind(remote_id)
    .bind(carrier_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An object created for a row that was deleted while the sync ran: the
/// tombstone worker deletes it.
pub async fn tombstone_created(
    db: &Db,
    kind: &str,
    remote_id: &str,
    carrier_id: Uuid,
) -> sqlx::Result<()> {
    let mut conn = db.pool.acquire().await?;
    tombstone(&mut conn, kind, remote_id, &carrier_id.to_string()).await
}

#[derive(Debug, Clone)]
pub struct Tombstone {
    pub id: String,
    pub kind: String,
    pub remote_id: String,
    pub attempts: i64,
}

pub async fn due_tombstones(db: &Db, limit: i64) -> sqlx::Result<Vec<Tombstone>> {
    let rows = sqlx::query(
        "SELECT id, kind, remote_id, attempts FROM livekit_tombstones \
         WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
    )
    .bind(now_ms())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Tombstone {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                remote_id: r.try_get("remote_id")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

pub async fn tombstone_done(db: &Db, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM livekit_tombstones WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn tombstone_failed(
    db: &Db,
    id: &str,
    error: &str,
    next_attempt_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE livekit_tombstones SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(next_attempt_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Remote ids the tombstones still hold (not orphans: deletion is under way).
pub async fn tombstoned_ids(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT remote_id FROM livekit_tombstones")
        .fetch_all(&db.pool)
        .await
}

/// Carriers waiting to sync (for the metrics gauge).
pub async fn pending_count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE config_rev > synced_rev")
        .fetch_one(&db.pool)
        .await
}

/// Takes the full-pass job when it is due and no replica holds it.
pub async fn claim_full_pass(
    db: &Db,
    owner: &str,
    interval_ms: i64,
    lease_ms: i64,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let n = sqlx::query(
        "UPDATE sync_jobs SET lease_owner = $1, lease_until = $2 \
         WHERE name = 'full_pass' AND (lease_until IS NULL OR lease_until < $3) \
           AND (last_run_at IS NULL OR last_run_at <= $4)",
    )
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .bind(now - interval_ms)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n > 0)
}

pub async fn finish_full_pass(db: &Db, owner: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sync_jobs SET lease_owner = NULL, lease_until = NULL, last_run_at = $2 \
         WHERE name = 'full_pass' AND lease_owner = $1",
    )
    .bind(owner)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Every carrier's recorded remote ids and whether a sync holds it now.
#[derive(Debug, Clone)]
pub struct RemoteIds {
    pub carrier_id: Uuid,
    pub outbound: Option<String>,
    pub inbound: Option<String>,
    pub leased: bool,
    pub rules: Vec<(Uuid, String)>,
}

pub async fn all_remote_ids(db: &Db) -> sqlx::Result<Vec<RemoteIds>> {
    let now = now_ms();
    let carriers = sqlx::query(
        "SELECT id, lk_outbound_trunk_id, lk_inbound_trunk_id, \
         CASE WHEN lease_until IS NOT NULL AND lease_until >= $1 THEN 1 ELSE 0 END AS leased FROM carriers",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let rules = sqlx::query(
        "SELECT id, carrier_id, lk_dispatch_rule_id FROM phone_numbers WHERE lk_dispatch_rule_id IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let parse = |s: String| Uuid::parse_str(&s).map_err(|e| sqlx::Error::Decode(e.into()));
    let mut out = Vec::with_capacity(carriers.len());
    let mut by_carrier: std::collections::HashMap<Uuid, Vec<(Uuid, String)>> = Default::default();
    for r in rules {
        let carrier = parse(r.try_get("carrier_id")?)?;
        by_carrier
            .entry(carrier)
            .or_default()
            .push((parse(r.try_get("id")?)?, r.try_get("lk_dispatch_rule_id")?));
    }
    for c in carriers {
        let id = parse(c.try_get("id")?)?;
        let leased: i64 = c.try_get("leased")?;
        out.push(RemoteIds {
            carrier_id: id,
            outbound: c.try_get("lk_outbound_trunk_id")?,
            inbound: c.try_get("lk_inbound_trunk_id")?,
            leased: leased == 1,
            rules: by_carrier.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}
