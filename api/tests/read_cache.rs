//! The read cache (`ORI_READ_CACHE_MS`): list pages, sessions and API tokens
//! are reused for a moment. A replica's own writes, and its reconciler's,
//! show at once; another replica's within the cache time. On SQLite, or
//! PostgreSQL with `ORI_TEST_DB=postgres`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::livekit::{app_with_livekit, synced};
use common::{Settings, TestApp, bearer_client, spawn_app, spawn_with, test_settings};
use ori_livekit_double::LiveKitDouble;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CACHE_MS: u64 = 300;

/// A second app on `first`'s database, caching reads for [`CACHE_MS`].
async fn other_replica(first: &TestApp) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        database_url: Some(first.database_url.clone()),
        read_cache_ms: CACHE_MS,
        ..test_settings(dir.path()).await
    };
    spawn_with(settings, dir).await
}

async fn total(app: &TestApp) -> u64 {
    let page: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    page["total"].as_u64().unwrap()
}

/// Polls `check` until it holds, returning how long that took.
async fn time_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn own_writes_show_at_once_and_another_replicas_within_the_cache_time() {
    let first = spawn_app().await;
    let second = other_replica(&first).await;
    assert_eq!(total(&second).await, 0);

    first.simple_carrier("Made elsewhere").await;
    let seen = time_until(Duration::from_millis(CACHE_MS * 10), async || {
        total(&second).await == 1
    })
    .await;
    assert!(seen <= Duration::from_millis(CACHE_MS * 3), "{seen:?}");

    second.simple_carrier("Made here").await;
    assert_eq!(total(&second).await, 2, "this replica's write, at once");
    let page: Value = second
        .get("/api/v1/carriers?q=made%20here")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn the_list_shows_the_reconcilers_result_at_once() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    assert_eq!(total(&app).await, 0);
    // A number gives the sync something to send (a carrier without one has
    // nothing in LiveKit), and LiveKit is slow enough that the list below
    // is read, and cached, before the sync ends.
    lk.set_delay(Duration::from_millis(300));
    let carrier = app.simple_carrier("Syncing").await;
    app.add_number(&carrier, json!({"number": "+14155550001"}))
        .await;
    let page: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    assert_eq!(page["items"][0]["sync_status"], "pending");
    lk.set_delay(Duration::ZERO);
    synced(&app, &carrier).await;
    let page: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    assert_eq!(page["items"][0]["sync_status"], "synced", "{page}");
}

#[tokio::test]
async fn a_token_revoked_on_one_replica_is_refused_at_once_there_and_soon_on_another() {
    let first = spawn_app().await;
    let second = other_replica(&first).await;
    let res = first
        .post("/api/v1/tokens", &json!({"name": "Shared"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let integrator = bearer_client(created["token"].as_str().unwrap());
    let status = |app: &TestApp| {
        let request = integrator.get(app.url("/api/v1/carriers"));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(&first).await, StatusCode::OK);
    assert_eq!(status(&second).await, StatusCode::OK);

    let res = first
        .delete(&format!(
            "/api/v1/tokens/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&first).await, StatusCode::UNAUTHORIZED, "at once");
    let seen = time_until(Duration::from_millis(CACHE_MS * 10), async || {
        status(&second).await == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(seen <= Duration::from_millis(CACHE_MS * 3), "{seen:?}");
}
