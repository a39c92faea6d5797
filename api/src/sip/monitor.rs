//! The reachability monitor: every replica runs one; together they probe each
//! monitored carrier once per period (a claim moves its `due_at` a period
//! ahead, see [`crate::db::probes`]) and record the verdict.
//!
//! Probes run as a pipeline, not in batches: a slot freed by one probe is
//! filled by the next due carrier at once, so carriers that time out (3 s
//! each) do not hold back the claims of everyone after them. Each probe is its
//! own task: recording a verdict takes SQLite's write turn, which a probe left
//! unpolled while this loop waits for the same turn to claim would never give back.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

use super::{ProbeOptions, probe};
use crate::db::{Db, probes};
use crate::livekit::SyncMetrics;

/// Probes in flight per replica (a miss may take the whole timeout).
const IN_FLIGHT: usize = 128;
/// After a claim that found fewer carriers due than it asked for, the wait
/// before looking again.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// How the monitor runs.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Each monitored carrier is probed once per period.
    pub period: Duration,
}

/// Probes due carriers until the process ends.
pub async fn run(
    db: Db,
    options: Arc<ProbeOptions>,
    settings: MonitorSettings,
    metrics: Arc<SyncMetrics>,
) {
    let period_ms = i64::try_from(settings.period.as_millis()).unwrap_or(i64::MAX);
    let look_every = LOOK_EVERY.min(settings.period);
    let mut running = JoinSet::new();
    let mut next_look = Instant::now();
    loop {
        let free = IN_FLIGHT - running.len();
        if free > 0 && Instant::now() >= next_look {
            let limit = u32::try_from(free).unwrap_or(u32::MAX);
            match probes::claim_due(&db, limit, period_ms).await {
                Ok(due) => {
                    if due.len() < free {
                        next_look = Instant::now() + look_every;
                    }
                    for carrier in due {
                        let (db, options, metrics) = (db.clone(), options.clone(), metrics.clone());
                        running.spawn(
                            async move { probe_one(&db, &options, &metrics, carrier).await },
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim carriers to probe");
                    next_look = Instant::now() + look_every;
                }
            }
        }
        if running.is_empty() {
            sleep_until(next_look).await;
            continue;
        }
        // A finished probe frees a slot; the next look may find more due.
        tokio::select! {
            _ = running.join_next() => {}
            () = sleep_until(next_look), if running.len() < IN_FLIGHT => {}
        }
    }
}

async fn probe_one(db: &Db, options: &ProbeOptions, metrics: &SyncMetrics, carrier: probes::Due) {
    let result = probe(&carrier.sip_address, carrier.transport, options).await;
    metrics.observe_probe(&result);
    match probes::record(db, carrier.carrier_id, &result).await {
        Ok(Some(verdict)) if verdict.changed => tracing::info!(
            carrier = %carrier.carrier_id,
            reachability = verdict.state.as_str(),
            message = %result.message,
            "carrier reachability changed"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(
            error = %e,
            carrier = %carrier.carrier_id,
            "could not record a probe"
        ),
    }
}
