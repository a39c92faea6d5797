//! The LiveKit reconciler's bookkeeping: leases, outcomes, remote ids and
//! what was last sent, tombstones, and the installation id.
//!
//! Several replicas share one database. A worker **claims** a carrier (or
//! the full-pass job) with a lease: an owner, an expiry and a generation
//! that every claim bumps; tombstones are claimed with an owner and expiry. Every write of an outcome or a remote
//! id is **fenced**: it names the owner and generation in its `WHERE`, so a
//! worker that lost its lease (it stalled past the expiry and someone else
//! claimed) records nothing. "Now" is always the database's clock, never a
//! replica's own, so a replica whose clock runs ahead cannot steal leases.

use ori_shared::number::Direction;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::remote::CONFIG_CHANGED;
use super::{Backend, Db};
use crate::time_util::now_ms;

pub use super::remote::{DISPATCH_RULE, TRUNK};

/// `NOW_MS` in a statement becomes the database's clock, in Unix ms.
fn sql(db: &Db, template: &str) -> AssertSqlSafe<String> {
    let now = match db.backend {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    };
    AssertSqlSafe(template.replace("NOW_MS", now))
}

/// Row locks for a claim's inner `SELECT`: PostgreSQL skips rows another
/// replica is claiming instead of waiting for it; SQLite has one writer.
fn skip_locked(db: &Db) -> &'static str {
    match db.backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    }
}

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

/// A worker's hold on one carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub carrier_id: Uuid,
    pub owner: String,
    pub generation: i64,
}

fn lease_from(row: &sqlx::any::AnyRow, owner: &str) -> sqlx::Result<Lease> {
    let id: String = row.try_get("id")?;
    Ok(Lease {
        carrier_id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
        owner: owner.to_owned(),
        generation: row.try_get("lease_gen")?,
    })
}

/// Claims one carrier that needs a sync (changed since its last sync and
/// not waiting for a retry) for `lease_ms`.
pub async fn claim_next(db: &Db, owner: &str, lease_ms: i64) -> sqlx::Result<Option<Lease>> {
    let _turn = db.write_turn().await;
    let row = sqlx::query(sql(
        db,
        &format!(
            "UPDATE carriers SET lease_owner = $1, lease_until = NOW_MS + $2, lease_gen = lease_gen + 1 \
             WHERE id = (SELECT id FROM carriers \
                         WHERE config_rev > synced_rev \
                           AND (next_attempt_at IS NULL OR next_attempt_at <= NOW_MS) \
                           AND (lease_until IS NULL OR lease_until < NOW_MS) \
                         ORDER BY updated_at LIMIT 1{}) \
               AND (lease_until IS NULL OR lease_until < NOW_MS) \
             RETURNING id, lease_gen",
            skip_locked(db)
        ),
    ))
    .bind(owner)
    .bind(lease_ms)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| lease_from(&r, owner)).transpose()
}

/// Claims this carrier whatever its state, if no worker holds it — not even
/// this replica's own background loop.
pub async fn claim(db: &Db, id: Uuid, owner: &str, lease_ms: i64) -> sqlx::Result<Option<Lease>> {
    let _turn = db.write_turn().await;
    let row = sqlx::query(sql(
        db,
        "UPDATE carriers SET lease_owner = $2, lease_until = NOW_MS + $3, lease_gen = lease_gen + 1 \
         WHERE id = $1 AND (lease_until IS NULL OR lease_until < NOW_MS) \
         RETURNING id, lease_gen",
    ))
    .bind(id.to_string())
    .bind(owner)
    .bind(lease_ms)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| lease_from(&r, owner)).transpose()
}

/// The fence every write of a leased carrier adds to its `WHERE`
/// (`$1` id, `$2` owner, `$3` generation).
const FENCE: &str = "id = $1 AND lease_owner = $2 AND lease_gen = $3";

/// Extends the lease; `false` when it is no longer ours (or the carrier is
/// gone), and the worker must stop.
pub async fn renew(db: &Db, lease: &Lease, lease_ms: i64) -> sqlx::Result<bool> {
    let _turn = db.write_turn().await;
    let n = sqlx::query(sql(
        db,
        &format!("UPDATE carriers SET lease_until = NOW_MS + $4 WHERE {FENCE}"),
    ))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(lease_ms)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Whether the lease is still ours (the carrier exists and nobody claimed it since).
pub async fn holds(db: &Db, lease: &Lease) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM carriers WHERE {FENCE}"
    )))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// LiveKit now equals revision `rev`. A later edit keeps the carrier dirty
/// (`config_rev > synced_rev`), so it syncs again. `false`: the lease was lost.
pub async fn record_success(db: &Db, lease: &Lease, rev: i64) -> sqlx::Result<bool> {
    let _turn = db.write_turn().await;
    let n = sqlx::query(sql(
        db,
        &format!(
            "UPDATE carriers SET synced_rev = $4, last_synced_at = NOW_MS, sync_error = NULL, \
             sync_attempts = 0, sync_needs_change = 0, next_attempt_at = NULL, lk_unconfirmed = 0, \
             lease_owner = NULL, lease_until = NULL, \
             sync_status = CASE WHEN config_rev = $4 THEN 'synced' ELSE 'pending' END \
             WHERE {FENCE}"
        ),
    ))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(rev)
    .execute(&db.pool)
    .await?
    .rows_affected();
    // The list shows the sync status.
    db.wrote();
    Ok(n > 0)
}

/// How a failed attempt is recorded.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    pub message: &'a str,
    /// A retry alone cannot fix it (the banner says a change is needed).
    pub needs_change: bool,
    /// Wait before the next attempt, from the database's "now".
    pub retry_in_ms: i64,
}

/// The attempt failed; retry after `retry_in_ms`. `false`: the lease was lost.
pub async fn record_failure(db: &Db, lease: &Lease, failure: &Failure<'_>) -> sqlx::Result<bool> {
    let _turn = db.write_turn().await;
    let n = sqlx::query(sql(
        db,
        &format!(
            "UPDATE carriers SET sync_status = 'error', sync_error = $4, \
             sync_attempts = sync_attempts + 1, sync_needs_change = $5, \
             next_attempt_at = NOW_MS + $6, lease_owner = NULL, lease_until = NULL \
             WHERE {FENCE}"
        ),
    ))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(failure.message)
    .bind(i64::from(failure.needs_change))
    .bind(failure.retry_in_ms)
    .execute(&db.pool)
    .await?
    .rows_affected();
    // The list shows the sync status.
    db.wrote();
    Ok(n > 0)
}

/// Notes, before the first create of a sync, that LiveKit may soon hold an
/// object we have no id for (if the answer is lost). `false`: the lease was lost.
pub async fn mark_unconfirmed(db: &Db, lease: &Lease) -> sqlx::Result<bool> {
    let _turn = db.write_turn().await;
    let n = sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET lk_unconfirmed = 1 WHERE {FENCE}"
    )))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Gives the lease back without recording an outcome (the work was cut short).
pub async fn release(db: &Db, lease: &Lease) -> sqlx::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET lease_owner = NULL, lease_until = NULL WHERE {FENCE}"
    )))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
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

/// Marks a carrier whose LiveKit objects drifted as needing a sync, and
/// forgets what was sent, so that the sync sends everything again.
pub async fn mark_dirty(db: &Db, id: Uuid) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET {CONFIG_CHANGED}, lk_outbound_digest = NULL, lk_inbound_digest = NULL \
         WHERE id = $1"
    )))
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE phone_numbers SET lk_rule_digest = NULL WHERE carrier_id = $1")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Forgets what was sent for a carrier this worker holds, so that its sync
/// sends everything again ("Sync to LiveKit" repairs whatever drifted).
pub async fn forget_sent(db: &Db, lease: &Lease) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET lk_outbound_digest = NULL, lk_inbound_digest = NULL WHERE {FENCE}"
    )))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        sqlx::query("UPDATE phone_numbers SET lk_rule_digest = NULL WHERE carrier_id = $1")
            .bind(lease.carrier_id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Which of a carrier's trunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrunkSlot {
    Outbound,
    Inbound,
}

/// The outcome of a fenced write of a remote id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Yes,
    /// The row (carrier or number) is gone: delete what was just made.
    RowGone,
    /// Another worker holds the carrier now: stop, record nothing more.
    LeaseLost,
}

async fn recorded(db: &Db, lease: &Lease, rows: u64) -> sqlx::Result<Recorded> {
    if rows > 0 {
        return Ok(Recorded::Yes);
    }
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE id = $1")
        .bind(lease.carrier_id.to_string())
        .fetch_one(&db.pool)
        .await?;
    // The carrier gone, or still ours (so the number is what went).
    Ok(if exists == 0 || holds(db, lease).await? {
        Recorded::RowGone
    } else {
        Recorded::LeaseLost
    })
}

/// Records one trunk's id and the digest of what it holds — only that
/// column pair, so a write never overwrites the other trunk's id.
pub async fn set_trunk(
    db: &Db,
    lease: &Lease,
    slot: TrunkSlot,
    trunk_id: Option<&str>,
    digest: Option<&str>,
) -> sqlx::Result<Recorded> {
    let _turn = db.write_turn().await;
    let (id_col, digest_col) = match slot {
        TrunkSlot::Outbound => ("lk_outbound_trunk_id", "lk_outbound_digest"),
        TrunkSlot::Inbound => ("lk_inbound_trunk_id", "lk_inbound_digest"),
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET {id_col} = $4, {digest_col} = $5 WHERE {FENCE}"
    )))
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(trunk_id)
    .bind(digest)
    .execute(&db.pool)
    .await?
    .rows_affected();
    recorded(db, lease, rows).await
}

/// Records a number's dispatch rule id and digest, fenced by its carrier's lease.
pub async fn set_rule(
    db: &Db,
    lease: &Lease,
    number_id: Uuid,
    rule_id: Option<&str>,
    digest: Option<&str>,
) -> sqlx::Result<Recorded> {
    let _turn = db.write_turn().await;
    let rows = sqlx::query(
        "UPDATE phone_numbers SET lk_dispatch_rule_id = $4, lk_rule_digest = $5 \
         WHERE id = $6 AND carrier_id = $1 AND EXISTS (SELECT 1 FROM carriers c \
               WHERE c.id = $1 AND c.lease_owner = $2 AND c.lease_gen = $3)",
    )
    .bind(lease.carrier_id.to_string())
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(rule_id)
    .bind(digest)
    .bind(number_id.to_string())
    .execute(&db.pool)
    .await?
    .rows_affected();
    recorded(db, lease, rows).await
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
    pub lk_rule_digest: Option<String>,
}

pub async fn numbers(db: &Db, carrier_id: Uuid) -> sqlx::Result<Vec<SyncNumber>> {
    let rows = sqlx::query(
        "SELECT n.id, n.number, n.e164, n.direction, n.lk_dispatch_rule_id, n.lk_rule_digest, \
         b.agent_name \
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
                lk_rule_digest: row.try_get("lk_rule_digest")?,
            })
        })
        .collect()
}

/// A carrier's name, for messages.
pub async fn carrier_name(db: &Db, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM carriers WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await
}

/// Remembers a LiveKit object to delete once its row is gone.
pub async fn tombstone(
    conn: &mut AnyConnection,
    kind: &str,
    remote_id: &str,
    carrier_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO livekit_tombstones (id, kind, remote_id, carrier_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(kind)
    .bind(remote_id)
    .bind(carrier_id)
    .bind(now_ms())
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
    let _turn = db.write_turn().await;
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

/// Claims up to `limit` due tombstones for `lease_ms`.
pub async fn claim_tombstones(
    db: &Db,
    owner: &str,
    lease_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<Tombstone>> {
    let _turn = db.write_turn().await;
    let rows = sqlx::query(sql(
        db,
        &format!(
            "UPDATE livekit_tombstones SET lease_owner = $1, lease_until = NOW_MS + $2 \
             WHERE id IN (SELECT id FROM livekit_tombstones \
                          WHERE next_attempt_at <= NOW_MS \
                            AND (lease_until IS NULL OR lease_until < NOW_MS) \
                          ORDER BY next_attempt_at LIMIT $3{}) \
               AND (lease_until IS NULL OR lease_until < NOW_MS) \
             RETURNING id, kind, remote_id, attempts",
            skip_locked(db)
        ),
    ))
    .bind(owner)
    .bind(lease_ms)
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

pub async fn tombstone_done(db: &Db, id: &str, owner: &str) -> sqlx::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query("DELETE FROM livekit_tombstones WHERE id = $1 AND lease_owner = $2")
        .bind(id)
        .bind(owner)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn tombstone_failed(
    db: &Db,
    id: &str,
    owner: &str,
    error: &str,
    retry_in_ms: i64,
) -> sqlx::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query(sql(
        db,
        "UPDATE livekit_tombstones SET attempts = attempts + 1, last_error = $3, \
         next_attempt_at = NOW_MS + $4, lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2",
    ))
    .bind(id)
    .bind(owner)
    .bind(error)
    .bind(retry_in_ms)
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

/// A worker's hold on the full-pass job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLease {
    pub owner: String,
    pub generation: i64,
}

/// Takes the full-pass job when it is due and no replica holds it.
pub async fn claim_full_pass(
    db: &Db,
    owner: &str,
    interval_ms: i64,
    lease_ms: i64,
) -> sqlx::Result<Option<JobLease>> {
    let _turn = db.write_turn().await;
    let generation: Option<i64> = sqlx::query_scalar(sql(
        db,
        "UPDATE sync_jobs SET lease_owner = $1, lease_until = NOW_MS + $2, lease_gen = lease_gen + 1 \
         WHERE name = 'full_pass' AND (lease_until IS NULL OR lease_until < NOW_MS) \
           AND (last_run_at IS NULL OR last_run_at <= NOW_MS - $3) \
         RETURNING lease_gen",
    ))
    .bind(owner)
    .bind(lease_ms)
    .bind(interval_ms)
    .fetch_optional(&db.pool)
    .await?;
    Ok(generation.map(|generation| JobLease {
        owner: owner.to_owned(),
        generation,
    }))
}

/// Extends the full-pass lease; `false` when another replica took it.
pub async fn renew_full_pass(db: &Db, lease: &JobLease, lease_ms: i64) -> sqlx::Result<bool> {
    let _turn = db.write_turn().await;
    let n = sqlx::query(sql(
        db,
        "UPDATE sync_jobs SET lease_until = NOW_MS + $3 \
         WHERE name = 'full_pass' AND lease_owner = $1 AND lease_gen = $2",
    ))
    .bind(&lease.owner)
    .bind(lease.generation)
    .bind(lease_ms)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n > 0)
}

pub async fn finish_full_pass(db: &Db, lease: &JobLease) -> sqlx::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query(sql(
        db,
        "UPDATE sync_jobs SET lease_owner = NULL, lease_until = NULL, last_run_at = NOW_MS \
         WHERE name = 'full_pass' AND lease_owner = $1 AND lease_gen = $2",
    ))
    .bind(&lease.owner)
    .bind(lease.generation)
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
    let carriers = sqlx::query(sql(
        db,
        "SELECT id, lk_outbound_trunk_id, lk_inbound_trunk_id, \
         CASE WHEN lease_until IS NOT NULL AND lease_until >= NOW_MS THEN 1 ELSE 0 END AS leased \
         FROM carriers",
    ))
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
