//! Helpers for tests against the LiveKit double.

use std::future::Future;
use std::time::{Duration, Instant};

use ori_livekit_double::LiveKitDouble;
use serde_json::{Value, json};

use super::{TestApp, id, spawn_with, test_settings};

/// An app wired to a fresh LiveKit double, with quick retries.
pub async fn app_with_livekit(lk: &LiveKitDouble) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = livekit_settings(lk, dir.path()).await;
    spawn_with(settings, dir).await
}

pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn carrier(app: &TestApp, c: &Value) -> Value {
    app.get(&format!("/api/v1/carriers/{}", id(c)))
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until the carrier's latest configuration is in LiveKit.
pub async fn synced(app: &TestApp, c: &Value) -> Value {
    eventually("the carrier to sync", || async {
        let now = carrier(app, c).await;
        now["sync_status"] == "synced"
    })
    .await;
    carrier(app, c).await
}

pub fn outbound(lk: &LiveKitDouble) -> Vec<Value> {
    serde_json::to_value(lk.outbound_trunks())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}
pub fn inbound(lk: &LiveKitDouble) -> Vec<Value> {
    serde_json::to_value(lk.inbound_trunks())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}
pub fn rules(lk: &LiveKitDouble) -> Vec<Value> {
    serde_json::to_value(lk.dispatch_rules())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub async fn bot(app: &TestApp, name: &str, agent: &str) -> Value {
    app.post("/api/v1/bots", &json!({"name": name, "agent_name": agent}))
        .await
        .json()
        .await
        .unwrap()
}

/// Settings wired to `lk`, with quick polls and retries and no full pass.
pub async fn livekit_settings(lk: &LiveKitDouble, dir: &std::path::Path) -> super::Settings {
    let mut settings = test_settings(dir).await;
    settings.livekit_url = Some(lk.url.clone());
    settings.livekit_api_key = Some(lk.api_key.clone());
    settings.livekit_api_secret = Some(lk.api_secret.clone().into());
    settings.sync_poll_ms = 20;
    settings.sync_retry_base_ms = 100;
    settings.sync_retry_max_secs = 1;
    settings.sync_full_pass_secs = 3600;
    settings
}

/// Another replica on `first`'s database and keys.
pub async fn replica(
    first: &TestApp,
    lk: &LiveKitDouble,
    tweak: impl FnOnce(&mut super::Settings),
) -> TestApp {
    let mut settings = livekit_settings(lk, first.data_dir.path()).await;
    settings.database_url = Some(first.database_url.clone());
    tweak(&mut settings);
    spawn_with(settings, tempfile::tempdir().unwrap()).await
}

/// The number of requests that change LiveKit (creates, updates, deletes).
pub fn writes(lk: &LiveKitDouble) -> u64 {
    lk.request_counts()
        .iter()
        .filter(|(method, _)| !method.starts_with("List"))
        .map(|(_, n)| n)
        .sum()
}

/// Asserts that LiveKit holds exactly what the console says for `carriers`
/// (and nothing for deleted ones): trunks by address and numbers, and the
/// number of rules.
pub async fn assert_livekit_matches(
    app: &TestApp,
    lk: &LiveKitDouble,
    carriers: &[Value],
    context: &str,
) {
    // Expected state, from the console's own view.
    let mut want_out = Vec::new();
    let mut want_in = Vec::new();
    let mut want_rules = 0;
    for c in carriers {
        let now = synced(app, c).await;
        let numbers: Vec<Value> = app
            .get(&format!("/api/v1/carriers/{}/numbers", id(c)))
            .await
            .json()
            .await
            .unwrap();
        let mut out: Vec<String> = numbers
            .iter()
            .filter(|n| n["direction"] != "inbound")
            .map(|n| n["normalized"].as_str().unwrap().to_owned())
            .collect();
        let mut inb: Vec<String> = numbers
            .iter()
            .filter(|n| n["direction"] != "outbound")
            .map(|n| n["normalized"].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        inb.sort();
        want_rules += numbers
            .iter()
            .filter(|n| n["direction"] != "outbound" && !n["bot_id"].is_null())
            .count();
        if !out.is_empty() {
            want_out.push((now["sip_address"].as_str().unwrap().to_owned(), out));
        }
        if !inb.is_empty() {
            want_in.push(inb);
        }
    }
    // Deleted carriers' objects go through tombstones; give them a moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    let counts = || {
        (
            lk.outbound_trunks().len(),
            lk.inbound_trunks().len(),
            lk.dispatch_rules().len(),
        )
    };
    while counts() != (want_out.len(), want_in.len(), want_rules) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mut have_out: Vec<(String, Vec<String>)> = outbound(lk)
        .iter()
        .map(|t| {
            (
                t["address"].as_str().unwrap().to_owned(),
                serde_json::from_value(t["numbers"].clone()).unwrap(),
            )
        })
        .collect();
    let mut have_in: Vec<Vec<String>> = inbound(lk)
        .iter()
        .map(|t| serde_json::from_value(t["numbers"].clone()).unwrap())
        .collect();
    want_out.sort();
    have_out.sort();
    want_in.sort();
    have_in.sort();
    assert_eq!(have_out, want_out, "{context}");
    assert_eq!(have_in, want_in, "{context}");
    assert_eq!(rules(lk).len(), want_rules, "{context}");
}
