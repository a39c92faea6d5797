//! Helpers for tests against the LiveKit double.

use std::future::Future;
use std::time::{Duration, Instant};

use ori_livekit_double::LiveKitDouble;
use serde_json::{Value, json};

use super::{TestApp, id, spawn_with, test_settings};

/// An app wired to a fresh LiveKit double, with quick retries.
pub async fn app_with_livekit(lk: &LiveKitDouble) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.livekit_url = Some(lk.url.clone());
    settings.livekit_api_key = Some(lk.api_key.clone());
    settings.livekit_api_secret = Some(lk.api_secret.clone().into());
    settings.sync_poll_ms = 50;
    settings.sync_retry_base_ms = 100;
    settings.sync_retry_max_secs = 1;
    settings.sync_full_pass_secs = 3600;
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
