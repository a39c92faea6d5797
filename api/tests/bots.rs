//! Bots: each carries how many numbers are assigned to it, the count the console's
//! delete confirmation names.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, id, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `GET /bots`, as (name, number_count) pairs in the list's order.
async fn counts(app: &TestApp) -> Vec<(String, u64)> {
    let bots: Vec<Value> = app.get("/api/v1/bots").await.json().await.unwrap();
    bots.iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_owned(),
                b["number_count"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn bot(app: &TestApp, name: &str, agent: &str) -> Value {
    let res = app
        .post("/api/v1/bots", &json!({"name": name, "agent_name": agent}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn number(app: &TestApp, carrier: &Value, number: &str, bot: &Value) -> Value {
    let res = app
        .add_number(carrier, json!({"number": number, "bot_id": id(bot)}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "adding {number}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn every_bot_counts_the_numbers_assigned_to_it_on_any_carrier() {
    let app = spawn_app().await;
    let desk = bot(&app, "Front desk", "desk-agent").await;
    assert_eq!(desk["number_count"], 0, "a new bot has no numbers");
    let sales = bot(&app, "Sales", "sales-agent").await;
    let (acme, beta) = (
        app.simple_carrier("Acme").await,
        app.simple_carrier("Beta").await,
    );
    number(&app, &acme, "+14155550001", &desk).await;
    number(&app, &beta, "+14155550002", &desk).await;
    let moved = number(&app, &acme, "+14155550003", &sales).await;
    app.add_number(&acme, json!({"number": "+14155550004"}))
        .await;
    assert_eq!(
        counts(&app).await,
        [("Front desk".into(), 2), ("Sales".into(), 1)]
    );

    // The one-bot read and a rename carry the count too.
    let path = format!("/api/v1/bots/{}", id(&desk));
    let renamed: Value = app
        .patch(&path, &json!({"name": "Reception"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (renamed["name"].as_str(), renamed["number_count"].as_u64()),
        (Some("Reception"), Some(2))
    );

    // An outbound number never has a bot; a deleted carrier's numbers are gone.
    let res = app
        .patch(
            &format!("/api/v1/carriers/{}/numbers/{}", id(&acme), id(&moved)),
            &json!({"direction": "outbound"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/api/v1/carriers/{}", id(&beta)))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        counts(&app).await,
        [("Reception".into(), 1), ("Sales".into(), 0)]
    );

    // Deleting a bot leaves its numbers pointing at it, counted by no other bot.
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(counts(&app).await, [("Sales".into(), 0)]);
}
