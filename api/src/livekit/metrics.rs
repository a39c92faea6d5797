//! Prometheus metrics of the sync and the reachability monitor, served at `/metrics`.

use ori_shared::probe::ProbeResult;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Debug, Clone)]
pub struct SyncMetrics {
    registry: Registry,
    pub attempts: IntCounter,
    pub failures: IntCounter,
    pub duration: Histogram,
    pub pending: IntGauge,
    /// Reachability probes by outcome (`reachable`, `unreachable`).
    pub probes: IntCounterVec,
    /// Round trips of the probes that got an answer.
    pub probe_rtt: Histogram,
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
        let probes = IntCounterVec::new(
            Opts::new(
                "ori_reachability_probes_total",
                "SIP OPTIONS probes sent by the reachability monitor, by outcome",
            ),
            &["result"],
        )?;
        let probe_rtt = Histogram::with_opts(
            HistogramOpts::new(
                "ori_reachability_probe_rtt_seconds",
                "Round trip of the reachability monitor's answered probes",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
        )?;
        registry.register(Box::new(pending.clone()))?;
        registry.register(Box::new(probes.clone()))?;
        registry.register(Box::new(probe_rtt.clone()))?;
        Ok(Self {
            registry,
            attempts,
            failures,
            duration,
            pending,
            probes,
            probe_rtt,
        })
    }

    /// Counts a monitor probe and its round trip.
    pub fn observe_probe(&self, result: &ProbeResult) {
        let outcome = if result.reachable {
            "reachable"
        } else {
            "unreachable"
        };
        self.probes.with_label_values(&[outcome]).inc();
        if let Some(ms) = result.rtt_ms {
            self.probe_rtt.observe(ms / 1000.0);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding our own well-formed metrics into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
