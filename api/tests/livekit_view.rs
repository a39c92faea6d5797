//! "What LiveKit holds" (`GET /api/v1/carriers/{id}/livekit`) against the
//! strict LiveKit double: no difference after a sync, exactly the fields
//! changed behind the console's back, and none again after a repair.

#![allow(clippy::unwrap_used)]

mod common;

use common::livekit::{app_with_livekit, bot, synced};
use common::{TestApp, id, problem, spawn_app};
use ori_livekit_double::LiveKitDouble;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn view(app: &TestApp, c: &Value) -> Value {
    let res = app
        .get(&format!("/api/v1/carriers/{}/livekit", id(c)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// `(object label, field)` of every field that differs, plus `(label, state)`
/// of every object that is missing or unwanted.
fn differences(view: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in view["objects"].as_array().unwrap() {
        let label = o["label"].as_str().unwrap().to_owned();
        match o["state"].as_str().unwrap() {
            "matches" => {}
            "differs" => {
                for f in o["fields"].as_array().unwrap() {
                    if f["matches"] == false {
                        out.push((label.clone(), f["field"].as_str().unwrap().to_owned()));
                    }
                }
            }
            state => out.push((label, state.to_owned())),
        }
    }
    out
}

/// A synced carrier with an outbound trunk, an inbound trunk (digest) and one rule.
async fn synced_carrier(app: &TestApp) -> Value {
    let agent = bot(app, "Receptionist", "inbound-agent").await;
    let c = app
        .carrier(
            json!({"name": "Acme", "sip_address": "sip.acme.example", "transport": "tcp",
            "username": "acme-out", "password": "out-secret-1", "inbound_auth": "digest"}),
        )
        .await;
    let res = app
        .add_number(
            &c,
            json!({"number": "+14155550100", "direction": "both", "bot_id": id(&agent)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    synced(app, &c).await
}

#[tokio::test]
async fn after_a_sync_livekit_holds_exactly_what_the_console_wants() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = synced_carrier(&app).await;

    let v = view(&app, &c).await;
    assert_eq!(v["in_sync"], true, "{v:#}");
    assert_eq!(differences(&v), Vec::<(String, String)>::new());
    let labels: Vec<&str> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Outbound trunk",
            "Inbound trunk",
            "Dispatch rule for +14155550100"
        ]
    );
    let outbound = &v["objects"][0];
    assert_eq!(outbound["livekit_id"], c["livekit_outbound_trunk_id"]);
    let address = outbound["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "address")
        .unwrap();
    assert_eq!(address["wanted"], json!(["sip.acme.example"]));
    assert_eq!(address["held"], json!(["sip.acme.example"]));
    // Passwords: only whether they match, never a value.
    let text = v.to_string();
    assert!(!text.contains("out-secret-1"), "{text}");
}

#[tokio::test]
async fn changes_behind_the_consoles_back_show_field_by_field_and_sync_repairs_them() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = synced_carrier(&app).await;
    let outbound = c["livekit_outbound_trunk_id"].as_str().unwrap();
    let inbound = c["livekit_inbound_trunk_id"].as_str().unwrap();

    assert!(lk.edit_outbound_trunk(outbound, |t| {
        t.address = "sip.hijacked.example".into();
        t.auth_password = "changed-by-hand".into();
    }));
    assert!(lk.edit_inbound_trunk(inbound, |t| t.numbers.clear()));
    let rule = lk.dispatch_rules()[0].sip_dispatch_rule_id.clone();
    assert!(lk.delete_behind_our_back(&rule));

    let v = view(&app, &c).await;
    assert_eq!(v["in_sync"], false);
    assert_eq!(
        differences(&v),
        [
            ("Outbound trunk".into(), "address".into()),
            ("Outbound trunk".into(), "auth_password".into()),
            ("Inbound trunk".into(), "numbers".into()),
            ("Dispatch rule for +14155550100".into(), "missing".into()),
        ]
    );
    let text = v.to_string();
    assert!(
        !text.contains("changed-by-hand") && !text.contains("out-secret-1"),
        "{text}"
    );

    // The one-click repair.
    let res = app
        .post(&format!("/api/v1/carriers/{}/sync", id(&c)), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v = view(&app, &c).await;
    assert_eq!(differences(&v), Vec::<(String, String)>::new(), "{v:#}");
    assert_eq!(v["in_sync"], true);
}

#[tokio::test]
async fn a_rule_left_for_this_carrier_shows_as_not_wanted() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = synced_carrier(&app).await;
    let mut extra = lk.dispatch_rules()[0].clone();
    extra.sip_dispatch_rule_id.clear(); // a new one, with the same owner tag and trunk
    extra.numbers = vec!["+14155550199".into()];
    lk.insert_foreign_dispatch_rule(extra);

    let v = view(&app, &c).await;
    assert_eq!(
        differences(&v),
        [(
            "Dispatch rule for +14155550199".to_owned(),
            "unwanted".to_owned()
        )]
    );
}

#[tokio::test]
async fn when_livekit_cannot_be_read_it_says_so_and_guesses_nothing() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let c = synced_carrier(&app).await;
    lk.set_down(true);
    let res = app
        .get(&format!("/api/v1/carriers/{}/livekit", id(&c)))
        .await;
    let p = problem(res, StatusCode::BAD_GATEWAY).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.starts_with("LiveKit could not be read"), "{detail}");
}

#[tokio::test]
async fn without_livekit_configured_the_panel_is_unavailable() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Plain").await;
    let res = app
        .get(&format!("/api/v1/carriers/{}/livekit", id(&c)))
        .await;
    let p = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("LiveKit is not configured")
    );
    let missing = app
        .get("/api/v1/carriers/00000000-0000-4000-8000-000000000000/livekit")
        .await;
    problem(missing, StatusCode::NOT_FOUND).await;
}
