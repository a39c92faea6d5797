//! A carrier's history (`GET /api/v1/carriers/{id}/history`): its own and its
//! numbers' audit events, newest first, paged, field names and never values.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, id, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn history(app: &TestApp, c: &Value, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/carriers/{}/history{query}", id(c)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn actions(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn lists_the_carriers_and_its_numbers_changes_newest_first_without_values() {
    let app = spawn_app().await;
    let c = app
        .carrier(json!({"name": "Acme", "sip_address": "sip.acme.example",
            "username": "acme", "password": "history-secret-1"}))
        .await;
    let other = app.simple_carrier("Other").await;
    let res = app
        .patch(
            &format!("/api/v1/carriers/{}", id(&c)),
            &json!({"outbound_cps": 3, "password": "history-secret-2"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let number: Value = app
        .add_number(&c, json!({"number": "+14155550100", "direction": "both"}))
        .await
        .json()
        .await
        .unwrap();
    let number_path = format!("/api/v1/carriers/{}/numbers/{}", id(&c), id(&number));
    let res = app.patch(&number_path, &json!({"label": "Sales"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&number_path).await.status(),
        StatusCode::NO_CONTENT
    );
    app.add_number(&other, json!({"number": "+14155550111"}))
        .await;

    let page = history(&app, &c, "").await;
    assert_eq!(
        actions(&page),
        [
            "number.delete",
            "number.update",
            "number.create",
            "carrier.update",
            "carrier.create"
        ]
    );
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["carrier_id"] == c["id"]));
    assert!(items.iter().all(|e| e["actor_email"].is_string()));
    // Numbers' events name the number; updates name the changed fields.
    assert!(items[..3].iter().all(|e| e["detail"] == "+14155550100"));
    assert_eq!(items[1]["fields"], json!(["label"]));
    let update = &items[3]["fields"];
    assert!(
        update
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "outbound_cps")
    );
    assert!(update.as_array().unwrap().iter().any(|f| f == "password"));
    let text = page.to_string();
    assert!(!text.contains("history-secret"), "{text}");
    assert!(page["next_cursor"].is_null());

    // The other carrier's history holds only its own.
    assert_eq!(
        actions(&history(&app, &other, "").await),
        ["number.create", "carrier.create"]
    );
}

#[tokio::test]
async fn pages_with_a_cursor_and_refuses_an_unknown_carrier() {
    let app = spawn_app().await;
    let c = app.simple_carrier("Paged").await;
    for cps in 2..=5 {
        let res = app
            .patch(
                &format!("/api/v1/carriers/{}", id(&c)),
                &json!({"outbound_cps": cps}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let first = history(&app, &c, "?limit=3").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = history(&app, &c, &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(actions(&second), ["carrier.update", "carrier.create"]);
    assert!(second["next_cursor"].is_null());
    let seen: Vec<&Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|e| &e["id"])
        .collect();
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 5);

    let res = app
        .get("/api/v1/carriers/00000000-0000-4000-8000-000000000000/history")
        .await;
    problem(res, StatusCode::NOT_FOUND).await;
    let res = app
        .get(&format!("/api/v1/carriers/{}/history?limit=0", id(&c)))
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}
