//! The LiveKit reconciler against the strict LiveKit double.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::livekit::{
    app_with_livekit, assert_livekit_matches, bot, carrier, eventually, inbound, livekit_settings,
    outbound, replica, rules, synced,
};
use common::{id, problem, spawn_with};
use ori_livekit_double::{LiveKitDouble, TwirpError};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_new_carrier_gets_exactly_the_expected_trunks_and_rules() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let receptionist = bot(&app, "Receptionist", "inbound-agent").await;
    let c = app
        .carrier(json!({"name": "Exotel", "sip_address": "pstn.in2.exotel.com:5070", "transport": "tcp",
            "destination_country": "India", "username": "ori", "password": "s3cret-pw", "allowed_ips": ["182.76.143.61"]}))
        .await;
    app.add_number(
        &c,
        json!({"number": "+91 80 1234 5678", "direction": "both", "bot_id": id(&receptionist)}),
    )
    .await;
    app.add_number(
        &c,
        json!({"number": "+918012345679", "direction": "outbound"}),
    )
    .await;
    app.add_number(
        &c,
        json!({"number": "+918012345680", "direction": "inbound"}),
    )
    .await;
    let now = synced(&app, &c).await;
    assert!(now["last_synced_at"].is_string());
    assert!(now["sync_error"].is_null());

    let out = outbound(&lk);
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(o["sip_trunk_id"], now["livekit_outbound_trunk_id"]);
    assert_eq!(o["name"], "Exotel (outbound)");
    assert_eq!(o["address"], "pstn.in2.exotel.com:5070");
    assert_eq!(o["transport"], "SIP_TRANSPORT_TCP");
    assert_eq!(o["destination_country"], "IN");
    assert_eq!(o["numbers"], json!(["+918012345678", "+918012345679"]));
    assert_eq!(
        (o["auth_username"].as_str(), o["auth_password"].as_str()),
        (Some("ori"), Some("s3cret-pw"))
    );
    let meta: Value = serde_json::from_str(o["metadata"].as_str().unwrap()).unwrap();
    assert_eq!(meta["ori"]["carrier"], c["id"]);

    let inb = inbound(&lk);
    assert_eq!(inb.len(), 1);
    let i = &inb[0];
    assert_eq!(i["sip_trunk_id"], now["livekit_inbound_trunk_id"]);
    assert_eq!(i["numbers"], json!(["+918012345678", "+918012345680"]));
    assert_eq!(i["allowed_addresses"], json!(["182.76.143.61"]));
    assert_eq!(
        (i["auth_username"].as_str(), i["auth_password"].as_str()),
        (Some("ori"), Some("s3cret-pw")),
        "digest: same credentials"
    );

    let r = rules(&lk);
    assert_eq!(r.len(), 1, "only the inbound number with a bot gets a rule");
    assert_eq!(r[0]["trunk_ids"], json!([i["sip_trunk_id"]]));
    assert_eq!(r[0]["numbers"], json!(["+918012345678"]));
    assert_eq!(
        r[0]["room_config"]["agents"][0]["agent_name"],
        "inbound-agent"
    );
    assert!(r[0]["rule"]["dispatch_rule_individual"].is_object());
    let numbers: Vec<Value> = app
        .get(&format!("/api/v1/carriers/{}/numbers", id(&c)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        numbers[0]["livekit_dispatch_rule_id"],
        r[0]["sip_dispatch_rule_id"]
    );
}

#[tokio::test]
async fn every_kind_of_edit_reaches_livekit() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let a = bot(&app, "A", "agent-a").await;
    let b = bot(&app, "B", "agent-b").await;
    let c = app.carrier(json!({"name": "Acme", "sip_address": "sip.acme.example", "username": "u1", "password": "p1"})).await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    let n1: Value = app
        .add_number(&c, json!({"number": "+14155550001", "bot_id": id(&a)}))
        .await
        .json()
        .await
        .unwrap();
    synced(&app, &c).await;

    app.patch(
        &path,
        &json!({"sip_address": "sip2.acme.example:5080", "transport": "tls"}),
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(
        (
            outbound(&lk)[0]["address"].clone(),
            outbound(&lk)[0]["transport"].clone()
        ),
        (json!("sip2.acme.example:5080"), json!("SIP_TRANSPORT_TLS"))
    );

    app.patch(&path, &json!({"username": "u2", "password": "p2"}))
        .await;
    synced(&app, &c).await;
    assert_eq!(
        (
            outbound(&lk)[0]["auth_username"].clone(),
            inbound(&lk)[0]["auth_password"].clone()
        ),
        (json!("u2"), json!("p2"))
    );

    app.patch(
        &path,
        &json!({"inbound_auth": "ip_allowlist", "allowed_ips": ["54.172.60.0/30"]}),
    )
    .await;
    synced(&app, &c).await;
    let i = &inbound(&lk)[0];
    assert_eq!(
        (i["auth_username"].clone(), i["auth_password"].clone()),
        (json!(""), json!("")),
        "allowlist mode sends no credentials"
    );
    assert_eq!(i["allowed_addresses"], json!(["54.172.60.0/30"]));
    assert_eq!(
        outbound(&lk)[0]["auth_password"],
        "p2",
        "outbound keeps its credentials"
    );

    app.patch(
        &path,
        &json!({"allowed_ips": ["54.172.60.0/30", "54.244.51.0/30"]}),
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(
        inbound(&lk)[0]["allowed_addresses"],
        json!(["54.172.60.0/30", "54.244.51.0/30"])
    );

    let n2: Value = app
        .add_number(
            &c,
            json!({"number": "+14155550002", "direction": "inbound", "bot_id": id(&b)}),
        )
        .await
        .json()
        .await
        .unwrap();
    synced(&app, &c).await;
    assert_eq!(
        inbound(&lk)[0]["numbers"],
        json!(["+14155550001", "+14155550002"])
    );
    assert_eq!(rules(&lk).len(), 2);

    let n1_path = format!("{path}/numbers/{}", id(&n1));
    app.patch(&n1_path, &json!({"direction": "outbound"})).await;
    synced(&app, &c).await;
    assert_eq!(outbound(&lk)[0]["numbers"], json!(["+14155550001"]));
    assert_eq!(inbound(&lk)[0]["numbers"], json!(["+14155550002"]));
    assert_eq!(rules(&lk).len(), 1, "an outbound-only number has no rule");

    let n2_path = format!("{path}/numbers/{}", id(&n2));
    app.patch(&n2_path, &json!({"bot_id": id(&a)})).await;
    synced(&app, &c).await;
    assert_eq!(
        rules(&lk)[0]["room_config"]["agents"][0]["agent_name"],
        "agent-a"
    );
    app.patch(
        &format!("/api/v1/bots/{}", id(&a)),
        &json!({"agent_name": "agent-a2"}),
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(
        rules(&lk)[0]["room_config"]["agents"][0]["agent_name"],
        "agent-a2"
    );
    app.delete(&format!("/api/v1/bots/{}", id(&a))).await;
    synced(&app, &c).await;
    assert!(rules(&lk).is_empty(), "a deleted bot's rule goes");

    app.delete(&n2_path).await;
    synced(&app, &c).await;
    assert!(
        inbound(&lk).is_empty(),
        "no inbound numbers: no inbound trunk"
    );
    assert_eq!(outbound(&lk).len(), 1);
    app.delete(&n1_path).await;
    synced(&app, &c).await;
    assert!(outbound(&lk).is_empty() && rules(&lk).is_empty());
}

#[tokio::test]
async fn deleting_a_carrier_removes_its_trunks_and_rules() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let b = bot(&app, "B", "agent-b").await;
    let c = app.simple_carrier("Gone").await;
    let keep = app.simple_carrier("Kept").await;
    app.add_number(&c, json!({"number": "+14155550001", "bot_id": id(&b)}))
        .await;
    app.add_number(&keep, json!({"number": "+14155550009"}))
        .await;
    synced(&app, &c).await;
    synced(&app, &keep).await;
    assert_eq!(
        (outbound(&lk).len(), inbound(&lk).len(), rules(&lk).len()),
        (2, 2, 1)
    );
    app.delete(&format!("/api/v1/carriers/{}", id(&c))).await;
    eventually("LiveKit to drop the deleted carrier", || async {
        outbound(&lk).len() == 1 && inbound(&lk).len() == 1 && rules(&lk).is_empty()
    })
    .await;
    assert_eq!(outbound(&lk)[0]["name"], "Kept (outbound)");
}

#[tokio::test]
async fn livekit_down_shows_its_error_then_recovers_by_itself() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    lk.set_down(true);
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    eventually("the error to show", || async {
        carrier(&app, &c).await["sync_status"] == "error"
    })
    .await;
    let failed = carrier(&app, &c).await;
    let message = failed["sync_error"].as_str().unwrap();
    assert!(message.contains("unavailable"), "{message}");
    let list: Value = app.get("/api/v1/carriers").await.json().await.unwrap();
    assert_eq!(list["items"][0]["sync_status"], "error");

    lk.set_down(false);
    let now = synced(&app, &c).await;
    assert!(now["sync_error"].is_null());
    assert_eq!(outbound(&lk).len(), 1);

    // A crash between LiveKit's commit and our record is repaired too.
    lk.fail_after_commit(Some("UpdateSIPOutboundTrunk"), 1);
    app.patch(
        &format!("/api/v1/carriers/{}", id(&c)),
        &json!({"sip_address": "new.acme.example"}),
    )
    .await;
    synced(&app, &c).await;
    assert_eq!(outbound(&lk)[0]["address"], "new.acme.example");
    assert_eq!(outbound(&lk).len(), 1, "no duplicate trunk");
}

#[tokio::test]
async fn an_edit_during_a_sync_ends_with_livekit_holding_the_last_edit() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    synced(&app, &c).await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    lk.delay_next(
        Some("UpdateSIPOutboundTrunk"),
        1,
        Duration::from_millis(400),
    );
    app.patch(&path, &json!({"sip_address": "first.example"}))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await; // the sync of "first" is in flight
    app.patch(&path, &json!({"sip_address": "second.example"}))
        .await;
    synced(&app, &c).await;
    assert_eq!(outbound(&lk)[0]["address"], "second.example");
    let db = app.raw_db().await;
    let (config, synced_rev): (i64, i64) =
        sqlx::query_as("SELECT config_rev, synced_rev FROM carriers WHERE id = $1")
            .bind(id(&c))
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(config, synced_rev);
}

#[tokio::test]
async fn two_replicas_on_one_database_create_no_duplicates() {
    let lk = LiveKitDouble::start().await;
    let first = app_with_livekit(&lk).await;
    // A second replica on the same database (and keys).
    let second = replica(&first, &lk, |_| {}).await;

    let mut carriers = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &first } else { &second };
        let c = app.simple_carrier(&format!("Replica {i}")).await;
        app.add_number(&c, json!({"number": format!("+1415555{i:04}")}))
            .await;
        carriers.push(c);
    }
    for c in &carriers {
        synced(&first, c).await;
    }
    let out = outbound(&lk);
    assert_eq!(out.len(), 12, "one outbound trunk per carrier");
    assert_eq!(inbound(&lk).len(), 12);
    let mut carriers_seen: Vec<String> = out
        .iter()
        .map(|t| serde_json::from_str::<Value>(t["metadata"].as_str().unwrap()).unwrap()["ori"]["carrier"].as_str().unwrap().to_owned())
        .collect();
    carriers_seen.sort();
    carriers_seen.dedup();
    assert_eq!(carriers_seen.len(), 12);
    assert_eq!(
        lk.request_count("CreateSIPOutboundTrunk"),
        12,
        "each trunk created once"
    );
}

/// Saves arriving together while carriers sync: the worker keeps its
/// running syncs going while it claims the next carrier, so none of them can
/// sit unpolled holding the database's write turn that the claim (and every
/// other write) waits for. Before, 16 concurrent creates stalled the console.
#[tokio::test]
async fn many_saves_at_once_while_syncing_never_stall_the_console() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let burst = (0..48).map(|i| {
        let app = &app;
        async move {
            let c = app.simple_carrier(&format!("Burst {i:02}")).await;
            let res = app
                .add_number(&c, json!({"number": format!("+1415556{i:04}")}))
                .await;
            assert_eq!(res.status(), StatusCode::CREATED);
            c
        }
    });
    let carriers = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(burst),
    )
    .await
    .expect("48 creates within a minute: the console stalled");
    for c in &carriers {
        synced(&app, c).await;
    }
    assert_livekit_matches(&app, &lk, &carriers, "after the burst").await;
    assert_eq!(lk.request_count("CreateSIPOutboundTrunk"), 48);
}

#[tokio::test]
async fn the_full_pass_recreates_missing_objects_and_deletes_our_orphans() {
    let lk = LiveKitDouble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = livekit_settings(&lk, dir.path()).await;
    settings.sync_full_pass_secs = 1;
    let app = spawn_with(settings, dir).await;
    let b = bot(&app, "B", "agent-b").await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001", "bot_id": id(&b)}))
        .await;
    let now = synced(&app, &c).await;

    // Behind our back: a trunk deleted, a rule edited, an orphan of ours
    // planted, and someone else's trunk that must stay.
    let outbound_id = now["livekit_outbound_trunk_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(lk.delete_behind_our_back(&outbound_id));
    let rule_id = rules(&lk)[0]["sip_dispatch_rule_id"]
        .as_str()
        .unwrap()
        .to_owned();
    lk.edit_dispatch_rule(&rule_id, |r| r.name = "tampered".into());
    let db = app.raw_db().await;
    let installation: String = sqlx::query_scalar("SELECT id FROM installation")
        .fetch_one(&db)
        .await
        .unwrap();
    let mut orphan: ori_livekit_double::proto::SipOutboundTrunkInfo =
        serde_json::from_value(outbound(&lk).first().cloned().unwrap_or(json!({})))
            .unwrap_or_default();
    orphan.sip_trunk_id = String::new();
    orphan.address = "orphan.example".into();
    orphan.numbers = vec!["+15550000000".into()];
    orphan.metadata =
        json!({"ori": {"installation": installation, "carrier": uuid::Uuid::now_v7()}}).to_string();
    let orphan_id = lk.insert_foreign_outbound_trunk(orphan.clone());
    let mut foreign = orphan;
    foreign.sip_trunk_id = String::new();
    foreign.metadata =
        json!({"ori": {"installation": "someone-else", "carrier": uuid::Uuid::now_v7()}})
            .to_string();
    let foreign_id = lk.insert_foreign_outbound_trunk(foreign);

    eventually("drift to be repaired", || async {
        let out = outbound(&lk);
        let ids: Vec<&str> = out
            .iter()
            .map(|t| t["sip_trunk_id"].as_str().unwrap())
            .collect();
        ids.len() == 2
            && ids.contains(&foreign_id.as_str())
            && !ids.contains(&orphan_id.as_str())
            && rules(&lk).first().is_some_and(|r| r["name"] != "tampered")
    })
    .await;
    let repaired = synced(&app, &c).await;
    assert_ne!(
        repaired["livekit_outbound_trunk_id"].as_str().unwrap(),
        outbound_id,
        "re-created under a new id"
    );
}

#[tokio::test]
async fn sync_to_livekit_answers_with_the_result() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = app.simple_carrier("Acme").await;
    app.add_number(&c, json!({"number": "+14155550001"})).await;
    synced(&app, &c).await;
    let sync_path = format!("/api/v1/carriers/{}/sync", id(&c));
    let ok: Value = app.post(&sync_path, &json!({})).await.json().await.unwrap();
    assert_eq!(ok["sync_status"], "synced");

    lk.fail_next(1, TwirpError::invalid_argument("address is not valid"));
    let res = app.post(&sync_path, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let failed: Value = res.json().await.unwrap();
    assert_eq!(failed["sync_status"], "error");
    assert!(
        failed["sync_error"]
            .as_str()
            .unwrap()
            .contains("address is not valid"),
        "{failed}"
    );
    let again: Value = app.post(&sync_path, &json!({})).await.json().await.unwrap();
    assert_eq!(again["sync_status"], "synced");

    let metrics = app
        .anon
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("ori_sync_failures_total 1"), "{metrics}");
    assert!(metrics.contains("ori_sync_pending_carriers 0"));
    assert!(metrics.contains("ori_sync_duration_seconds_bucket"));
}

#[tokio::test]
async fn without_livekit_carriers_stay_pending_and_sync_says_what_to_set() {
    let app = common::spawn_app().await;
    let c = app.simple_carrier("Acme").await;
    let p = problem(
        app.post(&format!("/api/v1/carriers/{}/sync", id(&c)), &json!({}))
            .await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("ORI_LIVEKIT_URL"));
    assert_eq!(carrier(&app, &c).await["sync_status"], "pending");
}

/// After any random sequence of edits, outages and failed calls, once
/// LiveKit is reachable again everything converges: LiveKit holds exactly
/// what the console says, and nothing else.
#[tokio::test]
async fn random_edits_and_outages_converge_to_the_console() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let seed: u64 = std::env::var("ORI_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut rng = StdRng::seed_from_u64(seed);
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let bots = [
        bot(&app, "A", "agent-a").await,
        bot(&app, "B", "agent-b").await,
    ];
    let mut carriers: Vec<Value> = Vec::new();
    let mut next_number = 0;
    for step in 0..60 {
        match rng.gen_range(0..10) {
            0 => lk.set_down(rng.gen_bool(0.5)),
            1 => lk.fail_next(1, TwirpError::unavailable("flaky")),
            2 | 3 if carriers.len() < 5 => {
                carriers.push(app.simple_carrier(&format!("Random {step}")).await);
            }
            4 if !carriers.is_empty() => {
                let c = carriers.remove(rng.gen_range(0..carriers.len()));
                let res = app.delete(&format!("/api/v1/carriers/{}", id(&c))).await;
                assert_eq!(res.status(), StatusCode::NO_CONTENT, "step {step}");
            }
            5 | 6 if !carriers.is_empty() => {
                let c = &carriers[rng.gen_range(0..carriers.len())];
                next_number += 1;
                let direction = ["both", "inbound", "outbound"][rng.gen_range(0..3)];
                let bot = rng
                    .gen_bool(0.7)
                    .then(|| id(&bots[rng.gen_range(0..2)]).to_owned());
                app.add_number(c, json!({"number": format!("+1415600{next_number:04}"), "direction": direction, "bot_id": bot})).await;
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
                        let res = app.delete(&path).await;
                        assert_eq!(res.status(), StatusCode::NO_CONTENT, "step {step}");
                    } else {
                        let direction = ["both", "inbound", "outbound"][rng.gen_range(0..3)];
                        app.patch(&path, &json!({"direction": direction})).await;
                    }
                }
            }
            8 if !carriers.is_empty() => {
                let c = &carriers[rng.gen_range(0..carriers.len())];
                let transport = ["udp", "tcp", "tls"][rng.gen_range(0..3)];
                app.patch(
                    &format!("/api/v1/carriers/{}", id(c)),
                    &json!({"sip_address": format!("sip{step}.example"), "transport": transport}),
                )
                .await;
            }
            _ => tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await,
        }
    }
    lk.set_down(false);
    lk.clear_faults();

    assert_livekit_matches(&app, &lk, &carriers, &format!("seed {seed}")).await;
}

/// The numbers of the carrier's inbound trunk.
fn trunk_numbers(lk: &LiveKitDouble, carrier: &Value) -> Vec<String> {
    let trunk = carrier["livekit_inbound_trunk_id"].as_str().unwrap();
    let found: Vec<_> = lk
        .inbound_trunks()
        .into_iter()
        .filter(|t| t.sip_trunk_id == trunk)
        .collect();
    assert_eq!(found.len(), 1, "{carrier}");
    found[0].numbers.clone()
}

/// The numbers of each rule bound to the carrier's inbound trunk.
fn rule_numbers(lk: &LiveKitDouble, carrier: &Value) -> Vec<Vec<String>> {
    let trunk = carrier["livekit_inbound_trunk_id"].as_str().unwrap();
    lk.dispatch_rules()
        .into_iter()
        .filter(|r| r.trunk_ids.iter().any(|t| t == trunk))
        .map(|r| r.numbers)
        .collect()
}

/// Checks that LiveKit routes `sent` to the carrier's inbound trunk and
/// `agent`, and that every other form of the line finds no rule.
fn routes_only(lk: &LiveKitDouble, carrier: &Value, sent: &str, others: &[&str], agent: &str) {
    let call = lk
        .route_call(sent)
        .unwrap_or_else(|| panic!("a call to {sent} finds no rule"));
    assert_eq!(
        call.trunk_id.as_deref(),
        carrier["livekit_inbound_trunk_id"].as_str(),
        "{sent}"
    );
    assert_eq!(call.agent_name, agent, "{sent}");
    for other in others.iter().filter(|o| **o != sent) {
        assert_eq!(
            lk.route_call(other),
            None,
            "{other} must not match {sent}'s rule"
        );
    }
}

#[tokio::test]
async fn each_number_format_reaches_livekit_in_the_form_the_carrier_sends() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let agent = bot(&app, "Receptionist", "inbound-agent").await;
    for (i, (format, sent)) in [
        ("e164", "+91987654321{i}"),
        ("e164_no_plus", "91987654321{i}"),
        ("as_typed", "0987654321{i}"),
    ]
    .into_iter()
    .enumerate()
    {
        let sent = sent.replace("{i}", &i.to_string());
        let forms = [
            format!("+91987654321{i}"),
            format!("91987654321{i}"),
            format!("0987654321{i}"),
        ];
        let c = app
            .carrier(
                json!({"name": format!("Carrier {format}"), "sip_address": "sip.in.example",
                "destination_country": "India", "number_format": format,
                "allowed_ips": ["203.0.113.5"]}),
            )
            .await;
        assert_eq!(c["number_format"], format);
        let n: Value = app
            .add_number(
                &c,
                json!({"number": format!("098765 4321{i}"), "bot_id": id(&agent)}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            n["normalized"],
            sent.as_str(),
            "{format}: what LiveKit gets"
        );
        assert_eq!(n["e164"], forms[0].as_str(), "{format}");
        let now = synced(&app, &c).await;
        assert_eq!(trunk_numbers(&lk, &now), vec![sent.clone()], "{format}");
        assert_eq!(rule_numbers(&lk, &now), [vec![sent.clone()]], "{format}");
        let out: Vec<_> = lk
            .outbound_trunks()
            .into_iter()
            .filter(|t| Some(t.sip_trunk_id.as_str()) == now["livekit_outbound_trunk_id"].as_str())
            .collect();
        assert_eq!(
            out[0].numbers,
            [forms[0].clone()],
            "{format}: the caller id stays E.164"
        );
        let others: Vec<&str> = forms.iter().map(String::as_str).collect();
        routes_only(&lk, &now, &sent, &others, "inbound-agent");
    }
    assert_eq!(lk.inbound_trunks().len(), 3);
    assert_eq!(lk.dispatch_rules().len(), 3);
}

#[tokio::test]
async fn changing_country_or_format_resyncs_the_new_form() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let agent = bot(&app, "Receptionist", "inbound-agent").await;
    let c = app
        .carrier(
            json!({"name": "Late country", "sip_address": "sip.in.example",
            "allowed_ips": ["203.0.113.5"]}),
        )
        .await;
    app.add_number(&c, json!({"number": "098765-43210", "bot_id": id(&agent)}))
        .await;
    let forms = ["+919876543210", "919876543210", "09876543210"];
    // No country: no E.164 form, so the typed digits are what LiveKit gets.
    let now = synced(&app, &c).await;
    routes_only(&lk, &now, "09876543210", &forms, "inbound-agent");
    let path = format!("/api/v1/carriers/{}", id(&c));
    for (patch, sent) in [
        (json!({"destination_country": "India"}), "+919876543210"),
        (json!({"number_format": "e164_no_plus"}), "919876543210"),
        (json!({"number_format": "as_typed"}), "09876543210"),
        (json!({"number_format": "e164"}), "+919876543210"),
        (json!({"destination_country": null}), "09876543210"),
    ] {
        let res = app.patch(&path, &patch).await;
        assert_eq!(res.status(), StatusCode::OK, "{patch}");
        let now = synced(&app, &c).await;
        assert_eq!(trunk_numbers(&lk, &now), [sent], "{patch}");
        assert_eq!(rule_numbers(&lk, &now), [vec![sent.to_owned()]], "{patch}");
        assert_eq!(
            lk.dispatch_rules().len(),
            1,
            "{patch}: the old form is gone"
        );
        routes_only(&lk, &now, sent, &forms, "inbound-agent");
    }
}
