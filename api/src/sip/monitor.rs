//! The reachability monitor: every replica runs one; together they probe each
//! monitored carrier once per period (a claim moves its `due_at` a period
//! ahead, see [`crate::db::probes`]) and record the verdict.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;

use super::{ProbeOptions, probe};
use crate::db::{Db, probes};
use crate::livekit::SyncMetrics;

/// Carriers claimed at once, and probed at once (a miss may take the whole timeout).
const BATCH: u32 = 64;
/// The longest wait before looking for due carriers again.
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
    loop {
        match probes::claim_due(&db, BATCH, period_ms).await {
            Ok(due) => {
                let full = due.len() == BATCH as usize;
                stream::iter(due)
                    .for_each_concurrent(BATCH as usize, |carrier| {
                        let (db, options, metrics) = (&db, &options, &metrics);
                        async move {
                            let result =
                                probe(&carrier.sip_address, carrier.transport, options).await;
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
                    })
                    .await;
                if full {
                    continue; // more may be due
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not claim carriers to probe"),
        }
        tokio::time::sleep(LOOK_EVERY.min(settings.period)).await;
    }
}
