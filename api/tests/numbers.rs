//! Phone numbers (DIDs) over HTTP, on the configured database.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, field_error, id, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn numbers_path(carrier: &Value) -> String {
    format!("/api/v1/carriers/{}/numbers", id(carrier))
}

async fn insert_bot(app: &TestApp, name: &str) -> String {
    let db = app.raw_db().await;
    let bot = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO bots (id, name, agent_name, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)",
    )
    .bind(&bot)
    .bind(name)
    .bind(format!("{name}-agent"))
    .execute(&db)
    .await
    .unwrap();
    bot
}

#[tokio::test]
async fn accepts_the_formats_the_spec_allows() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Acme").await;
    for (entered, normalized) in [
        ("+14155551234", "+14155551234"),
        ("+44 20 7946 0018", "+442079460018"),
        ("091-234.56789", "09123456789"),
        ("12345", "12345"),
        ("12345678901234567890", "12345678901234567890"),
    ] {
        let res = app.add_number(&c, json!({"number": entered})).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{entered}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(&numbers_path(&c))
        );
        let n: Value = res.json().await.unwrap();
        assert_eq!(n["number"], entered, "kept as typed");
        assert_eq!(n["normalized"], normalized);
        assert_eq!(n["direction"], "both");
        assert!(n["label"].is_null() && n["bot_id"].is_null());
    }
    for (bad, message) in [
        ("1234", "5–20 digits"),
        ("123456789012345678901", "5–20 digits"),
        ("(415) 555-1234", "only digits"),
        ("+1 415 CALL NOW", "only digits"),
        ("", "Phone Number is required."),
    ] {
        let p = problem(
            app.add_number(&c, json!({"number": bad})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            field_error(&p, "number").unwrap().contains(message),
            "{bad}: {p}"
        );
    }
    let p = problem(
        app.add_number(
            &c,
            json!({"number": "12345678", "direction": "sideways", "label": "x".repeat(101)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(field_error(&p, "direction").is_some() && field_error(&p, "label").is_some());
    let list: Vec<Value> = app.get(&numbers_path(&c)).await.json().await.unwrap();
    assert_eq!(list.len(), 5);
}

#[tokio::test]
async fn local_numbers_become_e164_with_the_carriers_country() {
    let app = spawn_app().await;
    let c = app.carrier(json!({"name": "Exotel", "sip_address": "pstn.in2.exotel.com:5070", "destination_country": "IN"})).await;
    let n: Value = app
        .add_number(&c, json!({"number": "09123456789"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(n["number"], "09123456789");
    assert_eq!(n["normalized"], "+919123456789");
    // The same line typed in international form is the same number.
    let p = problem(
        app.add_number(&c, json!({"number": "+91 91234 56789"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("Exotel"));
}

#[tokio::test]
async fn a_number_belongs_to_one_carrier_only() {
    let app = spawn_app().await;
    let a = app.simple_carrier("Alpha").await;
    let b = app.simple_carrier("Beta").await;
    assert_eq!(
        app.add_number(&a, json!({"number": "+1 415 555 1234"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    for same in ["+14155551234", "1-415-555-1234", "+1.415.555.1234"] {
        let p = problem(
            app.add_number(&b, json!({"number": same})).await,
            StatusCode::CONFLICT,
        )
        .await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("\u{201c}Alpha\u{201d}"), "{same}: {detail}");
        assert_eq!(field_error(&p, "number").as_deref(), Some(detail));
    }
    // On its own carrier too.
    problem(
        app.add_number(&a, json!({"number": "+14155551234"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let b_numbers: Vec<Value> = app.get(&numbers_path(&b)).await.json().await.unwrap();
    assert!(b_numbers.is_empty());
}

#[tokio::test]
async fn concurrent_adds_of_one_number_let_exactly_one_win() {
    let app = spawn_app().await;
    let mut carriers = Vec::new();
    for i in 0..4 {
        carriers.push(app.simple_carrier(&format!("Racer {i}")).await);
    }
    let results = futures_join(&app, &carriers).await;
    let created = results
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = results
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 3), "{results:?}");
}

async fn futures_join(app: &TestApp, carriers: &[Value]) -> Vec<StatusCode> {
    let mut handles = Vec::new();
    for c in carriers {
        let url = app.url(&numbers_path(c));
        let client = app.client.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"number": "+442079460000"}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_number_itself_cannot_change() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Acme").await;
    let n: Value = app
        .add_number(&c, json!({"number": "+14155551234", "label": "Sales line"}))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("{}/{}", numbers_path(&c), id(&n));
    let p = problem(
        app.patch(&path, &json!({"number": "+14155550000"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        field_error(&p, "number")
            .unwrap()
            .contains("remove it and add the correct one")
    );
    // Sending the same number back (as the edit modal does) is fine.
    let res = app
        .patch(
            &path,
            &json!({"number": "+14155551234", "label": "Support", "direction": "inbound"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after: Value = res.json().await.unwrap();
    assert_eq!(
        (
            after["number"].clone(),
            after["label"].clone(),
            after["direction"].clone()
        ),
        (json!("+14155551234"), json!("Support"), json!("inbound"))
    );
    let cleared: Value = app
        .patch(&path, &json!({"label": null}))
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["label"].is_null());
}

#[tokio::test]
async fn bots_are_checked_dropped_for_outbound_and_reported_missing() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Acme").await;
    let bot = insert_bot(&app, "Receptionist").await;
    let p = problem(
        app.add_number(
            &c,
            json!({"number": "+14155551234", "bot_id": uuid::Uuid::now_v7()}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        field_error(&p, "bot_id").as_deref(),
        Some("No bot with this id.")
    );

    let n: Value = app
        .add_number(&c, json!({"number": "+14155551234", "bot_id": bot}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            n["bot_id"].clone(),
            n["bot_name"].clone(),
            n["bot_missing"].clone()
        ),
        (json!(bot), json!("Receptionist"), json!(false))
    );
    let out: Value = app
        .add_number(
            &c,
            json!({"number": "+14155550000", "direction": "outbound", "bot_id": bot}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(out["bot_id"].is_null(), "outbound numbers never take calls");

    let db = app.raw_db().await;
    sqlx::query("DELETE FROM bots WHERE id = $1")
        .bind(&bot)
        .execute(&db)
        .await
        .unwrap();
    let list: Vec<Value> = app.get(&numbers_path(&c)).await.json().await.unwrap();
    let inbound = list.iter().find(|x| x["number"] == "+14155551234").unwrap();
    assert_eq!(
        (
            inbound["bot_id"].clone(),
            inbound["bot_name"].clone(),
            inbound["bot_missing"].clone()
        ),
        (json!(bot), Value::Null, json!(true))
    );

    let path = format!("{}/{}", numbers_path(&c), id(&n));
    let unassigned: Value = app
        .patch(&path, &json!({"bot_id": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            unassigned["bot_id"].clone(),
            unassigned["bot_missing"].clone()
        ),
        (Value::Null, json!(false))
    );
}

#[tokio::test]
async fn deleting_a_carrier_deletes_its_numbers() {
    let app = spawn_app().await;
    let a = app.simple_carrier("Alpha").await;
    let keep = app.simple_carrier("Keep").await;
    app.add_number(&a, json!({"number": "+14155551234"})).await;
    app.add_number(&keep, json!({"number": "+14155559999"}))
        .await;
    assert_eq!(
        app.delete(&format!("/api/v1/carriers/{}", id(&a)))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(app.get(&numbers_path(&a)).await, StatusCode::NOT_FOUND).await;
    let db = app.raw_db().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM phone_numbers")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 1, "only the other carrier's number is left");
    // The freed number can be added elsewhere.
    assert_eq!(
        app.add_number(&keep, json!({"number": "+14155551234"}))
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn number_writes_mark_the_carrier_for_sync_and_removal_works() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Acme").await;
    let db = app.raw_db().await;
    let rev = || async {
        sqlx::query_scalar::<_, i64>("SELECT config_rev FROM carriers WHERE id = $1")
            .bind(id(&c))
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let r0 = rev().await;
    let n: Value = app
        .add_number(&c, json!({"number": "+14155551234"}))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("{}/{}", numbers_path(&c), id(&n));
    let r1 = rev().await;
    app.patch(&path, &json!({"direction": "outbound"})).await;
    let r2 = rev().await;
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let r3 = rev().await;
    assert!(r0 < r1 && r1 < r2 && r2 < r3, "{r0} {r1} {r2} {r3}");
    problem(app.delete(&path).await, StatusCode::NOT_FOUND).await;
    let carrier: Value = app
        .get(&format!("/api/v1/carriers/{}", id(&c)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(carrier["did_count"], 0);
}

#[tokio::test]
async fn a_country_name_makes_local_numbers_e164_too() {
    let app = spawn_app().await;
    let c = app
        .carrier(json!({"name": "Exotel", "sip_address": "pstn.in2.exotel.com", "destination_country": "India"}))
        .await;
    assert_eq!(c["number_format"], "e164");
    let n: Value = app
        .add_number(&c, json!({"number": "098765 43210"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(n["number"], "098765 43210", "kept as typed");
    assert_eq!(n["e164"], "+919876543210");
    assert_eq!(n["normalized"], "+919876543210");
    // "+919876543210" and "09876543210" on an India carrier are one line.
    let p = problem(
        app.add_number(&c, json!({"number": "+91 98765 43210"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("\u{201c}Exotel\u{201d}")
    );
    // Without a country there is no E.164 form: the typed digits are sent.
    let other = app.simple_carrier("Nowhere").await;
    let n: Value = app
        .add_number(&other, json!({"number": "0-80-1234-5678"}))
        .await
        .json()
        .await
        .unwrap();
    assert!(n["e164"].is_null());
    assert_eq!(n["normalized"], "08012345678");
}

#[tokio::test]
async fn changing_country_or_format_recomputes_every_number() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Local").await;
    let path = format!("/api/v1/carriers/{}", id(&c));
    app.add_number(&c, json!({"number": "098765 43210"})).await;
    app.add_number(&c, json!({"number": "+1 415 555 0100"}))
        .await;
    let forms = |list: Vec<Value>| -> Vec<(Value, Value)> {
        list.iter()
            .map(|n| (n["normalized"].clone(), n["e164"].clone()))
            .collect()
    };
    let list: Vec<Value> = app.get(&numbers_path(&c)).await.json().await.unwrap();
    assert_eq!(
        forms(list),
        [
            (json!("09876543210"), Value::Null),
            (json!("+14155550100"), json!("+14155550100"))
        ]
    );
    for (patch, want) in [
        (
            json!({"destination_country": "India"}),
            [json!("+919876543210"), json!("+14155550100")],
        ),
        (
            json!({"number_format": "e164_no_plus"}),
            [json!("919876543210"), json!("14155550100")],
        ),
        (
            json!({"number_format": "as_typed"}),
            [json!("09876543210"), json!("+14155550100")],
        ),
    ] {
        let res = app.patch(&path, &patch).await;
        assert_eq!(res.status(), StatusCode::OK, "{patch}");
        let list: Vec<Value> = app.get(&numbers_path(&c)).await.json().await.unwrap();
        assert_eq!(
            forms(list),
            [
                (want[0].clone(), json!("+919876543210")),
                (want[1].clone(), json!("+14155550100"))
            ],
            "{patch}"
        );
    }
    // The line is now known as +919876543210, whatever form is typed.
    let p = problem(
        app.add_number(&c, json!({"number": "+919876543210"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("Local"));
    // Clearing the country drops the E.164 form again.
    app.patch(
        &path,
        &json!({"destination_country": null, "number_format": "e164"}),
    )
    .await;
    let list: Vec<Value> = app.get(&numbers_path(&c)).await.json().await.unwrap();
    assert_eq!(forms(list)[0], (json!("09876543210"), Value::Null));
}

#[tokio::test]
async fn a_recompute_that_collides_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let alpha = app
        .carrier(json!({"name": "Alpha", "sip_address": "sip.alpha.example", "destination_country": "IN"}))
        .await;
    app.add_number(&alpha, json!({"number": "+91 98765 43210"}))
        .await;
    let beta = app.simple_carrier("Beta").await;
    // Without a country, Beta's local number is a different line.
    assert_eq!(
        app.add_number(&beta, json!({"number": "098765 43210"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let before: Value = app
        .get(&format!("/api/v1/carriers/{}", id(&beta)))
        .await
        .json()
        .await
        .unwrap();
    let p = problem(
        app.patch(
            &format!("/api/v1/carriers/{}", id(&beta)),
            &json!({"destination_country": "India", "number_format": "as_typed"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("\u{201c}Alpha\u{201d}"), "{detail}");
    assert!(detail.contains("098765 43210"), "{detail}");
    assert_eq!(
        field_error(&p, "destination_country").as_deref(),
        Some(detail)
    );
    let after: Value = app
        .get(&format!("/api/v1/carriers/{}", id(&beta)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after, before, "nothing changed");
    let list: Vec<Value> = app.get(&numbers_path(&beta)).await.json().await.unwrap();
    assert_eq!(list[0]["normalized"], "09876543210");
    assert!(list[0]["e164"].is_null());

    // Two numbers of one carrier that become one line: 409 naming the carrier.
    let gamma = app.simple_carrier("Gamma").await;
    app.add_number(&gamma, json!({"number": "+91 98765 43211"}))
        .await;
    app.add_number(&gamma, json!({"number": "09876543211"}))
        .await;
    let p = problem(
        app.patch(
            &format!("/api/v1/carriers/{}", id(&gamma)),
            &json!({"destination_country": "India"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("\u{201c}Gamma\u{201d}"),
        "{p}"
    );
    let now: Value = app
        .get(&format!("/api/v1/carriers/{}", id(&gamma)))
        .await
        .json()
        .await
        .unwrap();
    assert!(now["destination_country"].is_null());
}
