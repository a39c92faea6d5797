//! Prometheus metrics of the sync, served at `/metrics`.

use prometheus::{Encoder, Histogram, HistogramOpts, IntCounter, IntGauge, Registry, TextEncoder};

#[derive(Debug, Clone)]
pub struct SyncMetrics {
    registry: Registry,
    pub attempts: IntCounter,
    pub failures: IntCounter,
    pub duration: Histogram,
    pub pending: IntGauge,
}

impl SyncMetrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let attempts = IntCounter::new(
            "ori_sync_attempts_total",
            "Carrier syncs to LiveKit attempted",
        )?;
        let failures = IntCounter::new(
            "ori_sync_failures_total",
            "Carrier syncs to LiveKit that failed",
        )?;
        let duration = Histogram::with_opts(
            HistogramOpts::new(
                "ori_sync_duration_seconds",
                "Time to sync one carrier to LiveKit",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        let pending = IntGauge::new(
            "ori_sync_pending_carriers",
            "Carriers whose configuration LiveKit does not hold yet (all replicas)",
        )?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(failures.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(pending.clone()))?;
        Ok(Self {
            registry,
            attempts,
            failures,
            duration,
            pending,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding our own well-formed metrics into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
