//! How long a full reconcile of many dirty carriers takes, and how many
//! LiveKit calls one edit costs. A measurement, not a check: run it with
//! `cargo nextest run -p ori-api --test sync_scale --run-ignored only
//! --no-capture` (set `ORI_SCALE_CARRIERS`, default 1000). It prints its
//! figures; docs/benchmarks.md records them.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::livekit::livekit_settings;
use common::{id, spawn_with};
use ori_livekit_double::LiveKitDouble;
use serde_json::json;

#[tokio::test]
#[ignore = "a measurement; run on demand"]
async fn reconcile_many_dirty_carriers() {
    let n: usize = std::env::var("ORI_SCALE_CARRIERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_retry_base_ms = 50;
    let app = spawn_with(settings, dir).await;
    let bot: serde_json::Value = app
        .post(
            "/api/v1/bots",
            &json!({"name": "Bot", "agent_name": "agent"}),
        )
        .await
        .json()
        .await
        .unwrap();

    // Build the carriers while LiveKit is down, so they are all dirty at once.
    lk.set_down(true);
    let mut carriers = Vec::with_capacity(n);
    for i in 0..n {
        let c = app.simple_carrier(&format!("Scale {i:05}")).await;
        for (k, direction) in ["both", "inbound", "outbound"].iter().enumerate() {
            app.add_number(
                &c,
                json!({"number": format!("+1415{:07}", i * 3 + k), "direction": direction, "bot_id": id(&bot)}),
            )
            .await;
        }
        carriers.push(c);
    }
    let db = app.raw_db().await;
    let pending = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM carriers WHERE sync_status <> 'synced'")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    // Clear the retry waits the outage left, then let LiveKit answer.
    sqlx::query("UPDATE carriers SET next_attempt_at = NULL")
        .execute(&db)
        .await
        .unwrap();
    lk.reset_counters();
    let started = Instant::now();
    lk.set_down(false);
    while pending().await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "reconcile took too long"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    println!(
        "reconcile of {n} dirty carriers x 3 numbers: {:.2} s, {} LiveKit requests",
        took.as_secs_f64(),
        lk.total_requests()
    );

    // LiveKit calls for one edit of each kind, on a synced carrier.
    let c = &carriers[0];
    let path = format!("/api/v1/carriers/{}", id(c));
    for (what, body) in [
        ("pacing edit", json!({"outbound_cps": 3.0})),
        ("address edit", json!({"sip_address": "edited.example"})),
    ] {
        lk.reset_counters();
        app.patch(&path, &body).await;
        let t = Instant::now();
        while pending().await > 0 {
            assert!(t.elapsed() < Duration::from_secs(30));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        println!(
            "{what}: {} LiveKit requests {:?}",
            lk.total_requests(),
            lk.request_counts()
        );
    }
}
