//! The reachability monitor's rows (`carrier_probes`): which monitored
//! carriers are due, claimed by moving `due_at` a period ahead so that each is
//! probed once per period whichever replica claims it, and each verdict.

use ori_shared::carrier::Transport;
use ori_shared::dto::Reachability;
use ori_shared::probe::ProbeResult;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::{Backend, Db};
use crate::time_util::now_ms;

/// Misses in a row that make a carrier unreachable.
pub const MISSES_TO_UNREACHABLE: i64 = 3;

/// Keeps the carrier's monitor row in step with its settings, in the
/// caller's transaction: on, a row (due now when it is new or its target
/// changed, which also clears the old verdict); off, none.
pub async fn follow(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    monitored: bool,
    target_changed: bool,
) -> sqlx::Result<()> {
    if !monitored {
        sqlx::query("DELETE FROM carrier_probes WHERE carrier_id = $1")
            .bind(carrier_id.to_string())
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let on_conflict = if target_changed {
        "DO UPDATE SET due_at = excluded.due_at, state = 'unknown', failures = 0, \
         last_at = NULL, last_result = NULL"
    } else {
        "DO NOTHING"
    };
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO carrier_probes (carrier_id, due_at) VALUES ($1, $2) \
         ON CONFLICT (carrier_id) {on_conflict}"
    )))
    .bind(carrier_id.to_string())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A carrier to probe now.
#[derive(Debug, Clone)]
pub struct Due {
    pub carrier_id: Uuid,
    pub sip_address: String,
    pub transport: Transport,
}

/// Claims up to `limit` monitored carriers whose probe is due, moving each
/// one's `due_at` a period ahead (from when it was due, so the cadence does
/// not drift by the claim's lateness; from now after a pause, so an outage
/// is not followed by a burst). Another replica's claim in the same period
/// finds them not due.
pub async fn claim_due(db: &Db, limit: u32, period_ms: i64) -> sqlx::Result<Vec<Due>> {
    let now = now_ms();
    let skip_locked = match db.backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let claimed: Vec<String> = {
        let _turn = db.write_turn().await;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE carrier_probes \
             SET due_at = CASE WHEN due_at + $2 > $1 THEN due_at + $2 ELSE $1 + $2 END \
             WHERE carrier_id IN (SELECT carrier_id FROM carrier_probes WHERE due_at <= $1 \
                                  ORDER BY due_at LIMIT $3{skip_locked}) \
               AND due_at <= $1 \
             RETURNING carrier_id"
        )))
        .bind(now)
        .bind(period_ms)
        .bind(i64::from(limit))
        .fetch_all(&db.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get("carrier_id"))
            .collect::<sqlx::Result<_>>()?
    };
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    // Their targets in one read (a carrier deleted since is simply absent).
    let list: Vec<String> = (1..=claimed.len()).map(|i| format!("${i}")).collect();
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, sip_address, transport FROM carriers WHERE id IN ({})",
        list.join(", ")
    )));
    for id in &claimed {
        query = query.bind(id);
    }
    query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let transport: String = row.try_get("transport")?;
            Ok(Due {
                carrier_id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
                sip_address: row.try_get("sip_address")?,
                transport: Transport::parse(&transport).unwrap_or_default(),
            })
        })
        .collect()
}

/// Records a probe's outcome and returns the carrier's verdict after it:
/// any answer makes it reachable, the third miss in a row unreachable, and
/// fewer misses keep what it was. `None` when it is no longer monitored.
pub async fn record(
    db: &Db,
    carrier_id: Uuid,
    result: &ProbeResult,
) -> sqlx::Result<Option<Verdict>> {
    let json = serde_json::to_string(result).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let _turn = db.write_turn().await;
    let before: Option<String> =
        sqlx::query_scalar("SELECT state FROM carrier_probes WHERE carrier_id = $1")
            .bind(carrier_id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    let after: Option<String> = sqlx::query_scalar(
        "UPDATE carrier_probes SET last_at = $2, last_result = $3, \
         failures = CASE WHEN $4 = 1 THEN 0 ELSE failures + 1 END, \
         state = CASE WHEN $4 = 1 THEN 'reachable' \
                      WHEN failures + 1 >= $5 THEN 'unreachable' ELSE state END \
         WHERE carrier_id = $1 RETURNING state",
    )
    .bind(carrier_id.to_string())
    .bind(now_ms())
    .bind(json)
    .bind(i64::from(result.reachable))
    .bind(MISSES_TO_UNREACHABLE)
    .fetch_optional(&db.pool)
    .await?;
    let Some(state) = after.as_deref().and_then(Reachability::parse) else {
        return Ok(None);
    };
    let changed = before.as_deref() != Some(state.as_str());
    if changed {
        // The list shows the verdict: this replica's cached pages are stale.
        db.wrote();
    }
    Ok(Some(Verdict { state, changed }))
}

/// A carrier's verdict after a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub state: Reachability,
    /// It differs from the verdict before this probe.
    pub changed: bool,
}
