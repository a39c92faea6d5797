//! The reachability monitor: a carrier with "Monitor reachability" is probed
//! once per period (1 s here), shows unreachable after 3 misses and reachable
//! again on the first answer; two replicas share the carriers without
//! probing any twice in a period.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::livekit::eventually;
use common::sip_peer::Peer;
use common::{TestApp, id, spawn_with, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn monitor_settings(settings: &mut common::Settings) {
    settings.allow_loopback_sip = true;
    settings.monitor_interval_secs = 1;
    settings.probe_timeout_ms = 300;
}

async fn monitored_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    monitor_settings(&mut settings);
    spawn_with(settings, dir).await
}

async fn monitored_carrier(app: &TestApp, name: &str, peer: &Peer) -> Value {
    app.carrier(
        json!({"name": name, "sip_address": format!("127.0.0.1:{}", peer.port),
        "transport": "udp", "monitor_reachability": true}),
    )
    .await
}

async fn carrier(app: &TestApp, c: &Value) -> Value {
    let res = app.get(&format!("/api/v1/carriers/{}", id(c))).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn metrics(app: &TestApp) -> String {
    app.anon
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `ori_reachability_probes_total{result="…"}` in a metrics text.
fn probe_count(metrics: &str, result: &str) -> u64 {
    let prefix = format!("ori_reachability_probes_total{{result=\"{result}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test]
async fn three_misses_make_a_carrier_unreachable_and_one_answer_reachable_again() {
    let app = monitored_app().await;
    let peer = Peer::start(false).await.unwrap();
    let c = monitored_carrier(&app, "Watched", &peer).await;
    assert_eq!(c["monitor_reachability"], true);
    assert_eq!(c["reachability"], "unknown");
    let unmonitored = app.simple_carrier("Unwatched").await;
    assert_eq!(unmonitored["reachability"], "off");

    eventually("three misses", || async {
        carrier(&app, &c).await["reachability"] == "unreachable"
    })
    .await;
    assert!(peer.probes() >= 3, "{} probes", peer.probes());
    let now = carrier(&app, &c).await;
    assert_eq!(now["last_probe"]["failure"], "timeout");
    let list: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == c["id"])
        .unwrap();
    assert_eq!(row["reachability"], "unreachable");

    // It recovers by itself on the first answer.
    peer.answering.store(true, Ordering::SeqCst);
    eventually("recovery", || async {
        carrier(&app, &c).await["reachability"] == "reachable"
    })
    .await;
    let now = carrier(&app, &c).await;
    assert_eq!(now["last_probe"]["status_code"], 200);
    assert_eq!(now["last_probe"]["server"], "test-peer");
    let m = metrics(&app).await;
    assert!(probe_count(&m, "unreachable") >= 3, "{m}");
    assert!(probe_count(&m, "reachable") >= 1, "{m}");
    assert!(m.contains("ori_reachability_probe_rtt_seconds_bucket"));

    // Turned off: no more probes, and the verdict is gone.
    let res = app
        .patch(
            &format!("/api/v1/carriers/{}", id(&c)),
            &json!({"monitor_reachability": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let off: Value = res.json().await.unwrap();
    assert_eq!(off["reachability"], "off");
    assert!(off["last_probe"].is_null());
    let before = peer.probes();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(peer.probes(), before);
}

#[tokio::test]
async fn two_replicas_probe_each_carrier_once_per_period() {
    let first = monitored_app().await;
    let mut settings = test_settings(first.data_dir.path()).await;
    settings.database_url = Some(first.database_url.clone());
    monitor_settings(&mut settings);
    let second = spawn_with(settings, tempfile::tempdir().unwrap()).await;

    let mut peers = Vec::new();
    for i in 0..6 {
        let peer = Peer::start(true).await.unwrap();
        monitored_carrier(&first, &format!("Shared {i}"), &peer).await;
        peers.push(peer);
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let elapsed = started.elapsed().as_secs_f64();

    // Once per 1 s period: never more than the periods begun.
    let most = elapsed.floor() as usize + 1;
    for (i, peer) in peers.iter().enumerate() {
        let n = peer.probes();
        assert!(
            (most - 2..=most).contains(&n),
            "carrier {i}: {n} probes in {elapsed:.1} s"
        );
    }
    // Every probe was one replica's (a probe in flight may not be counted yet).
    let total = peers.iter().map(Peer::probes).sum::<usize>() as u64;
    let by_first = probe_count(&metrics(&first).await, "reachable");
    let by_second = probe_count(&metrics(&second).await, "reachable");
    let counted = by_first + by_second;
    assert!(
        counted <= total && total - counted <= peers.len() as u64,
        "{total} probes received, {by_first} + {by_second} counted"
    );
}
