//! The committed OpenAPI document matches the code, and the docs are served.

#![allow(clippy::unwrap_used)]

mod common;

use reqwest::StatusCode;

#[test]
fn committed_openapi_json_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let generated = ori_api::openapi::document();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).expect("write openapi.json");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p ori-api --test openapi` and commit it"
    );
}

#[tokio::test]
async fn serves_the_document_swagger_ui_and_probes() {
    let app = common::spawn_app().await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/carriers/{id}/numbers/{number_id}"]["patch"].is_object());
    let ui = app.get("/docs/").await;
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.unwrap().contains("swagger"));
    let healthz = app.get("/healthz").await;
    assert_eq!(healthz.status(), StatusCode::OK);
    let readyz = app.get("/readyz").await;
    assert_eq!(readyz.status(), StatusCode::OK);
    assert!(
        app.get("/healthz")
            .await
            .headers()
            .contains_key("x-request-id")
    );
}
