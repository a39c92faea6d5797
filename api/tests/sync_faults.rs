//! The reconciler under faults, replicas and slow syncs, against the strict
//! LiveKit double: fenced leases, idempotent creates, diff-based updates,
//! moved numbers, errors that need a change, and a full pass that goes on.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::livekit::{
    app_with_livekit, assert_livekit_matches, bot, carrier, eventually, inbound, livekit_settings,
    outbound, replica, rules, synced, writes,
};
use common::{id, spawn_with};
use ori_api::db::Db;
use ori_api::db::sync::{self, Recorded, TrunkSlot};
use ori_livekit_double::{Fault, LiveKitDouble, TwirpError};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn db_of(app: &common::TestApp) -> Db {
    Db::connect(&app.database_url).await.unwrap()
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_records_nothing() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    let now = synced(&app, &c).await;
    let carrier_id = uuid::Uuid::parse_str(id(&c)).unwrap();
    let db = db_of(&app).await;

    // Worker A claims with a lease that expires at once; worker B then claims.
    let a = sync::claim(&db, carrier_id, "worker-a", 1)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let b = sync::claim(&db, carrier_id, "worker-b", 60_000)
        .await
        .unwrap()
        .unwrap();
    assert!(b.generation > a.generation);
    assert!(
        !sync::renew(&db, &a, 60_000).await.unwrap(),
        "A cannot renew"
    );
    assert_eq!(
        sync::set_trunk(&db, &a, TrunkSlot::Outbound, None, None)
            .await
            .unwrap(),
        Recorded::LeaseLost
    );
    assert!(!sync::record_success(&db, &a, 99).await.unwrap());
    // Even a stale copy of A's lease with B's owner name would not match.
    let forged = sync::Lease {
        owner: "worker-b".into(),
        ..a.clone()
    };
    assert!(!sync::renew(&db, &forged, 60_000).await.unwrap());
    // B, the holder, records; the other trunk's id is untouched.
    assert_eq!(
        sync::set_trunk(&db, &b, TrunkSlot::Outbound, Some("ST_new"), None)
            .await
            .unwrap(),
        Recorded::Yes
    );
    sync::release(&db, &b).await.unwrap();
    let after = carrier(&app, &c).await;
    assert_eq!(after["livekit_outbound_trunk_id"], "ST_new");
    assert_eq!(
        after["livekit_inbound_trunk_id"],
        now["livekit_inbound_trunk_id"]
    );
}

#[tokio::test]
async fn a_sync_slower_than_the_lease_keeps_it_and_livekit_ends_with_the_last_edit() {
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_lease_ms = 600;
    let first = spawn_with(settings, dir).await;
    let second = replica(&first, &lk, |s| s.sync_lease_ms = 600).await;
    let c = first.simple_carrier("Acme").await;
    first
        .add_number(&c, json!({"number": "+14155550001"}))
        .await;
    let before = synced(&first, &c).await;

    // The first edit's update takes over three lease lengths.
    lk.delay_next(
        Some("UpdateSIPOutboundTrunk"),
        1,
        Duration::from_millis(2000),
    );
    let path = format!("/api/v1/carriers/{}", id(&c));
    first
        .patch(&path, &json!({"sip_address": "first.example"}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    second
        .patch(&path, &json!({"sip_address": "second.example"}))
        .await;

    eventually("the last edit to reach LiveKit", || async {
        let now = carrier(&first, &c).await;
        now["sync_status"] == "synced" && outbound(&lk)[0]["address"] == "second.example"
    })
    .await;
    // Nothing lands after it, and no id was lost or duplicated.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after = carrier(&first, &c).await;
    assert_eq!(after["sync_status"], "synced");
    assert_eq!(outbound(&lk).len(), 1);
    assert_eq!(outbound(&lk)[0]["address"], "second.example");
    assert_eq!(
        after["livekit_outbound_trunk_id"],
        before["livekit_outbound_trunk_id"]
    );
    assert_eq!(
        after["livekit_inbound_trunk_id"],
        before["livekit_inbound_trunk_id"]
    );
    assert_eq!(lk.request_count("CreateSIPOutboundTrunk"), 1);
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_leaves_exactly_one_object() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let b = bot(&app, "Receptionist", "agent").await;
    // Every create commits in LiveKit, but its answer never arrives.
    lk.drop_after_commit(Some("CreateSIPOutboundTrunk"), 1);
    lk.drop_after_commit(Some("CreateSIPInboundTrunk"), 1);
    lk.drop_after_commit(Some("CreateSIPDispatchRule"), 1);
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001", "bot_id": id(&b)}))
        .await;
    let started = std::time::Instant::now();
    let now = synced(&app, &c).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "recovered in seconds"
    );
    assert_eq!(outbound(&lk).len(), 1, "no duplicate outbound trunk");
    assert_eq!(inbound(&lk).len(), 1);
    assert_eq!(rules(&lk).len(), 1);
    assert_eq!(
        outbound(&lk)[0]["sip_trunk_id"],
        now["livekit_outbound_trunk_id"]
    );
    assert_eq!(
        inbound(&lk)[0]["sip_trunk_id"],
        now["livekit_inbound_trunk_id"]
    );
    assert_eq!(
        lk.request_count("CreateSIPOutboundTrunk"),
        1,
        "adopted, not re-created"
    );
    assert_eq!(lk.request_count("CreateSIPInboundTrunk"), 1);
    assert_eq!(lk.request_count("CreateSIPDispatchRule"), 1);
}

/// LiveKit behind a proxy that answers an HTML error page, then answers a
/// create cut short after storing it: the carrier shows a clear error, no
/// lease stays held, and once LiveKit answers properly it syncs with
/// exactly one of each object.
#[tokio::test]
async fn html_and_truncated_answers_give_a_clear_error_then_one_clean_sync() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    lk.inject(Fault::raw(
        Some("CreateSIPOutboundTrunk"),
        2,
        502,
        "text/html",
        html,
    ));
    let c = app.simple_carrier("Behind a proxy").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    eventually("the proxy's answer shows as the sync error", || async {
        let now = carrier(&app, &c).await;
        now["sync_status"] == "error"
            && now["sync_error"].as_str().is_some_and(|e| {
                e.contains("LiveKit answered HTTP 502") && e.contains("Bad Gateway")
            })
    })
    .await;

    // Stored, then the answer is cut off mid-JSON.
    lk.inject(
        Fault::raw(
            Some("CreateSIPInboundTrunk"),
            1,
            200,
            "application/json",
            r#"{"sip_trunk_id":"ST_"#,
        )
        .after_commit(),
    );
    let now = synced(&app, &c).await;
    assert_eq!(outbound(&lk).len(), 1, "no duplicate outbound trunk");
    assert_eq!(
        inbound(&lk).len(),
        1,
        "the cut-short create was adopted, not repeated"
    );
    assert_eq!(
        inbound(&lk)[0]["sip_trunk_id"],
        now["livekit_inbound_trunk_id"]
    );
    assert!(lk.pending_faults().is_empty());
    let leased: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE lease_owner IS NOT NULL")
            .fetch_one(&app.raw_db().await)
            .await
            .unwrap();
    assert_eq!(leased, 0, "no lease left held");
    assert_livekit_matches(
        &app,
        &lk,
        &[now],
        "after the proxy and the cut-short answer",
    )
    .await;
}

#[tokio::test]
async fn edits_send_only_what_livekit_holds_differently() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let a = bot(&app, "A", "agent-a").await;
    let b = bot(&app, "B", "agent-b").await;
    let c = app.simple_carrier("Acme").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    app.add_number(&c, json!({"number": "+14155550001", "bot_id": id(&a)}))
        .await;
    let second: Value = app
        .add_number(&c, json!({"number": "+14155550002", "bot_id": id(&a)}))
        .await
        .json()
        .await
        .unwrap();
    synced(&app, &c).await;

    // Pacing is not held by LiveKit: nothing is sent.
    lk.reset_counters();
    app.patch(
        &path,
        &json!({"outbound_cps": 2.5, "outbound_burst": 7, "outbound_channels": 9}),
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(writes(&lk), 0, "{:?}", lk.request_counts());

    // A label is not held either.
    let number_path = format!("{path}/numbers/{}", id(&second));
    app.patch(&number_path, &json!({"label": "Sales"})).await;
    synced(&app, &c).await;
    assert_eq!(writes(&lk), 0, "{:?}", lk.request_counts());

    // A new bot for one number rewrites that number's rule only.
    app.patch(&number_path, &json!({"bot_id": id(&b)})).await;
    synced(&app, &c).await;
    assert_eq!(writes(&lk), 1, "{:?}", lk.request_counts());
    assert_eq!(lk.request_count("UpdateSIPDispatchRule"), 1);

    // "Sync to LiveKit" sends everything again (it repairs hand edits).
    lk.reset_counters();
    let res = app.post(&format!("{path}/sync"), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(writes(&lk), 4, "{:?}", lk.request_counts());
}

#[tokio::test]
async fn a_number_moved_between_carriers_is_released_even_while_its_old_carrier_fails() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let agent = bot(&app, "Receptionist", "agent").await;
    let a = app.simple_carrier("Old carrier").await;
    let b = app.simple_carrier("New carrier").await;
    let moving: Value = app
        .add_number(&a, json!({"number": "+14155550001", "bot_id": id(&agent)}))
        .await
        .json()
        .await
        .unwrap();
    app.add_number(&a, json!({"number": "+14155550002"})).await;
    app.add_number(
        &b,
        json!({"number": "+14155550003", "direction": "inbound"}),
    )
    .await;
    synced(&app, &a).await;
    synced(&app, &b).await;

    // The old carrier's sync keeps failing (B has no outbound trunk to touch).
    lk.fail_next_for(
        "UpdateSIPOutboundTrunk",
        1000,
        TwirpError::unavailable("outbound trunks are read-only today"),
    );
    let res = app
        .delete(&format!(
            "/api/v1/carriers/{}/numbers/{}",
            id(&a),
            id(&moving)
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.add_number(
        &b,
        json!({"number": "+14155550001", "direction": "inbound", "bot_id": id(&agent)}),
    )
    .await;

    let now_b = synced(&app, &b).await;
    let b_trunk = now_b["livekit_inbound_trunk_id"].as_str().unwrap();
    let trunks = inbound(&lk);
    let holder = |n: &str| {
        trunks
            .iter()
            .filter(|t| t["numbers"].as_array().unwrap().iter().any(|x| x == n))
            .map(|t| t["sip_trunk_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(holder("+14155550001"), vec![b_trunk.to_owned()]);
    assert_eq!(holder("+14155550002").len(), 1, "A keeps its other number");
    assert!(
        rules(&lk)
            .iter()
            .any(|r| r["numbers"] == json!(["+14155550001"]) && r["trunk_ids"] == json!([b_trunk])),
        "{:?}",
        rules(&lk)
    );
    assert_eq!(carrier(&app, &a).await["sync_status"], "error");

    // Once A's outage ends, A converges too.
    lk.clear_faults();
    synced(&app, &a).await;
    assert_eq!(rules(&lk).len(), 1);
}

#[tokio::test]
async fn a_number_held_by_a_trunk_we_do_not_manage_says_which_and_needs_a_change() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let foreign = lk.insert_foreign_inbound_trunk(ori_livekit_double::proto::SipInboundTrunkInfo {
        name: "Someone else's trunk".into(),
        numbers: vec!["+14155550001".into()],
        ..Default::default()
    });
    let c = app.simple_carrier("Acme").await;
    app.add_number(
        &c,
        json!({"number": "+14155550001", "direction": "inbound"}),
    )
    .await;
    eventually("the sync to fail", || async {
        carrier(&app, &c).await["sync_status"] == "error"
    })
    .await;
    let now = carrier(&app, &c).await;
    let message = now["sync_error"].as_str().unwrap();
    assert!(message.contains("+14155550001"), "{message}");
    assert!(message.contains(&foreign), "{message}");
    assert!(message.contains("does not manage"), "{message}");
    assert_eq!(now["sync_needs_change"], true);
    assert_eq!(
        inbound(&lk).len(),
        1,
        "the foreign trunk is left alone and ours is not made"
    );
}

#[tokio::test]
async fn an_error_a_retry_cannot_fix_says_so_and_retries_slowly_until_an_edit() {
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_retry_max_secs = 30;
    let app = spawn_with(settings, dir).await;
    lk.fail_next_for(
        "CreateSIPOutboundTrunk",
        1000,
        TwirpError::invalid_argument("address is not valid"),
    );
    let c = app.simple_carrier("Acme").await;
    app.add_number(
        &c,
        json!({"number": "+14155550001", "direction": "outbound"}),
    )
    .await;
    eventually("the sync to fail", || async {
        carrier(&app, &c).await["sync_status"] == "error"
    })
    .await;
    let now = carrier(&app, &c).await;
    assert_eq!(now["sync_needs_change"], true, "{now}");
    let message = now["sync_error"].as_str().unwrap();
    assert!(message.contains("address is not valid"), "{message}");
    assert!(message.contains("needs a change"), "{message}");
    // It waits the longest backoff, not the first one (100 ms here).
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(lk.request_count("CreateSIPOutboundTrunk"), 1);

    // An edit starts afresh: no wait, no failed attempts.
    lk.clear_faults();
    app.patch(
        &format!("/api/v1/carriers/{}", id(&c)),
        &json!({"sip_address": "ok.example"}),
    )
    .await;
    let fixed = synced(&app, &c).await;
    assert_eq!(fixed["sync_needs_change"], false);
    let db = app.raw_db().await;
    let attempts: i64 = sqlx::query_scalar("SELECT sync_attempts FROM carriers WHERE id = $1")
        .bind(id(&c))
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(attempts, 0);
}

#[tokio::test]
async fn one_failing_delete_does_not_stop_the_full_pass() {
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_full_pass_secs = 1;
    let app = spawn_with(settings, dir).await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    let now = synced(&app, &c).await;
    let db = app.raw_db().await;
    let installation: String = sqlx::query_scalar("SELECT id FROM installation")
        .fetch_one(&db)
        .await
        .unwrap();
    let tag =
        json!({"ori": {"installation": installation, "carrier": uuid::Uuid::now_v7()}}).to_string();

    // An orphan rule whose delete always fails, an orphan trunk, and a
    // trunk of ours deleted behind our back.
    lk.fail_next_for(
        "DeleteSIPDispatchRule",
        1000,
        TwirpError::internal("disk full"),
    );
    lk.insert_foreign_dispatch_rule(ori_livekit_double::proto::SipDispatchRuleInfo {
        metadata: tag.clone(),
        numbers: vec!["+15550000001".into()],
        trunk_ids: vec!["ST_gone".into()],
        rule: Some(ori_livekit_double::proto::SipDispatchRule {
            dispatch_rule_individual: Some(Default::default()),
            ..Default::default()
        }),
        ..Default::default()
    });
    let orphan =
        lk.insert_foreign_outbound_trunk(ori_livekit_double::proto::SipOutboundTrunkInfo {
            metadata: tag,
            address: "orphan.example".into(),
            numbers: vec!["+15550000002".into()],
            ..Default::default()
        });
    let ours = now["livekit_outbound_trunk_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(lk.delete_behind_our_back(&ours));

    eventually(
        "the orphan trunk to go and the missing trunk to return",
        || async {
            let out = outbound(&lk);
            out.len() == 1 && out[0]["sip_trunk_id"] != orphan.as_str()
        },
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(
        rules(&lk).len(),
        1,
        "the undeletable orphan rule is still there"
    );
}

#[tokio::test]
async fn adding_or_removing_a_number_changes_the_carriers_etag() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = app.simple_carrier("Acme").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    let etag = |res: &reqwest::Response| res.headers()["etag"].to_str().unwrap().to_owned();
    let before = etag(&app.get(&path).await);
    let n: Value = app
        .add_number(&c, json!({"number": "+14155550001"}))
        .await
        .json()
        .await
        .unwrap();
    let added = etag(&app.get(&path).await);
    assert_ne!(before, added);

    // A delete with the ETag from before the number was added is refused.
    let stale = app
        .client
        .delete(app.url(&path))
        .header("If-Match", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

    app.delete(&format!("{path}/numbers/{}", id(&n))).await;
    assert_ne!(etag(&app.get(&path).await), added);
}

#[tokio::test]
async fn random_histories_converge_with_two_replicas_and_crashing_workers() {
    use std::sync::Arc;

    use ori_api::crypto::SecretBox;
    use ori_api::livekit::{
        LiveKitClient, LiveKitConfig, LiveKitTimeouts, Reconciler, SyncMetrics, SyncSettings,
    };
    use rand::{Rng, SeedableRng, rngs::StdRng};

    let seed: u64 = std::env::var("ORI_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let mut rng = StdRng::seed_from_u64(seed);
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_lease_ms = 500;
    let first = spawn_with(settings, dir).await;
    let second = replica(&first, &lk, |s| s.sync_lease_ms = 500).await;

    // A third worker that crashes: its task is aborted wherever it is.
    let db = db_of(&first).await;
    let secrets = SecretBox::load_or_create(None, first.data_dir.path()).unwrap();
    let new_worker = || async {
        let client = LiveKitClient::new(LiveKitConfig {
            url: lk.url.clone(),
            api_key: lk.api_key.clone(),
            api_secret: lk.api_secret.clone().into(),
            timeouts: LiveKitTimeouts::default(),
        })
        .unwrap();
        let settings = SyncSettings {
            poll: Duration::from_millis(20),
            full_pass: Duration::from_secs(1),
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_secs(1),
            lease: Duration::from_millis(500),
            ..SyncSettings::default()
        };
        let metrics = Arc::new(SyncMetrics::new().unwrap());
        let worker = Reconciler::new(db.clone(), client, secrets.clone(), settings, metrics)
            .await
            .unwrap();
        Arc::new(worker)
    };
    let run = |w: Arc<Reconciler>| tokio::spawn(w.run(Arc::new(tokio::sync::Notify::new())));
    let mut worker = run(new_worker().await);
    // Every call takes a moment, so crashes land in the middle of syncs.
    lk.set_delay(Duration::from_millis(3));

    let bots = [
        bot(&first, "A", "agent-a").await,
        bot(&first, "B", "agent-b").await,
    ];
    let mut carriers: Vec<Value> = Vec::new();
    let mut crashes = 0;
    for step in 0..80 {
        let app = if rng.gen_bool(0.5) { &first } else { &second };
        match rng.gen_range(0..10) {
            0 => {
                worker.abort();
                crashes += 1;
                worker = run(new_worker().await);
            }
            1 => lk.fail_next(1, TwirpError::unavailable("flaky")),
            2 | 3 if carriers.len() < 5 => {
                carriers.push(app.simple_carrier(&format!("Crash {step}")).await);
            }
            4 if !carriers.is_empty() => {
                let c = carriers.remove(rng.gen_range(0..carriers.len()));
                let res = app.delete(&format!("/api/v1/carriers/{}", id(&c))).await;
                assert_eq!(res.status(), StatusCode::NO_CONTENT, "step {step}");
            }
            5 | 6 if !carriers.is_empty() => {
                let c = &carriers[rng.gen_range(0..carriers.len())];
                let direction = ["both", "inbound", "outbound"][rng.gen_range(0..3)];
                let bot = rng
                    .gen_bool(0.7)
                    .then(|| id(&bots[rng.gen_range(0..2)]).to_owned());
                app.add_number(
                    c,
                    json!({"number": format!("+1415700{step:04}"), "direction": direction, "bot_id": bot}),
                )
                .await;
            }
            7 if !carriers.is_empty() => {
                let c = &carriers[rng.gen_range(0..carriers.len())];
                let numbers: Vec<Value> = app
                    .get(&format!("/api/v1/carriers/{}/numbers", id(c)))
                    .await
                    .json()
                    .await
                    .unwrap();
                if let Some(n) = numbers.first() {
                    let path = format!("/api/v1/carriers/{}/numbers/{}", id(c), id(n));
                    if rng.gen_bool(0.5) {
                        app.delete(&path).await;
                    } else {
                        app.patch(&path, &json!({"bot_id": id(&bots[rng.gen_range(0..2)])}))
                            .await;
                    }
                }
            }
            8 if !carriers.is_empty() => {
                let c = &carriers[rng.gen_range(0..carriers.len())];
                app.patch(
                    &format!("/api/v1/carriers/{}", id(c)),
                    &json!({"sip_address": format!("sip{step}.example")}),
                )
                .await;
            }
            _ => tokio::time::sleep(Duration::from_millis(rng.gen_range(0..40))).await,
        }
    }
    lk.clear_faults();
    lk.set_delay(Duration::ZERO);
    assert!(crashes > 0, "seed {seed} crashed no worker");
    println!(
        "seed {seed}: {crashes} crashes, {} carriers left",
        carriers.len()
    );
    assert_livekit_matches(
        &first,
        &lk,
        &carriers,
        &format!("seed {seed}, {crashes} crashes"),
    )
    .await;
    worker.abort();
}

/// Debian's libfaketime (scripts/install-tools.sh --browser installs it).
const FAKETIME_LIB: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

#[tokio::test]
async fn a_replica_whose_clock_runs_ahead_steals_no_lease() {
    if common::backend() != "postgres" {
        // SQLite is embedded: its "now" is the process's own clock, and the
        // replicas of one SQLite file share a host. The PostgreSQL run checks this.
        eprintln!("skipped on SQLite: replicas on one file share their host's clock");
        return;
    }
    assert!(
        std::path::Path::new(FAKETIME_LIB).exists(),
        "{FAKETIME_LIB} is missing: run scripts/install-tools.sh --browser"
    );
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_lease_ms = 3000;
    let app = spawn_with(settings, dir).await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(
        &c,
        json!({"number": "+14155550001", "direction": "outbound"}),
    )
    .await;
    synced(&app, &c).await;

    // The same console, as a separate process whose clock is ten minutes
    // ahead (its LiveKit tokens would be refused, which would show).
    let skewed = tokio::process::Command::new(env!("CARGO_BIN_EXE_ori"))
        .env("LD_PRELOAD", FAKETIME_LIB)
        .env("FAKETIME", "+10m")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("ORI_BIND", "127.0.0.1:0")
        .env("ORI_DATABASE_URL", &app.database_url)
        .env("ORI_DATA_DIR", app.data_dir.path())
        .env("ORI_JWT_SECRET", common::JWT_SECRET)
        .env("ORI_LIVEKIT_URL", &lk.url)
        .env("ORI_LIVEKIT_API_KEY", &lk.api_key)
        .env("ORI_LIVEKIT_API_SECRET", &lk.api_secret)
        .env("ORI_SYNC_POLL_MS", "20")
        .env("ORI_SYNC_LEASE_MS", "3000")
        .env("ORI_SYNC_FULL_PASS_SECS", "3600")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // started and polling

    // A worker holds the carrier for 3 s of real time while it is dirty.
    let db = db_of(&app).await;
    let carrier_id = uuid::Uuid::parse_str(id(&c)).unwrap();
    let held = sync::claim(&db, carrier_id, "a-slow-worker", 3000)
        .await
        .unwrap()
        .unwrap();
    app.patch(
        &format!("/api/v1/carriers/{}", id(&c)),
        &json!({"sip_address": "edited.example"}),
    )
    .await;
    lk.reset_counters();
    let deadline = std::time::Instant::now() + Duration::from_millis(2500);
    while std::time::Instant::now() < deadline {
        let now = carrier(&app, &c).await;
        assert!(
            now["sync_error"].is_null(),
            "the skewed replica took the carrier: {now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(lk.total_requests(), 0, "nobody synced a leased carrier");
    assert!(
        sync::renew(&db, &held, 3000).await.unwrap(),
        "the lease is still the holder's"
    );

    // Without the skewed replica, the lease given back, the edit lands.
    drop(skewed);
    sync::release(&db, &held).await.unwrap();
    let now = synced(&app, &c).await;
    assert!(now["sync_error"].is_null());
    assert_eq!(outbound(&lk)[0]["address"], "edited.example");
}
