//! The OpenAPI document, generated from the handlers and the shared DTOs.
//! `openapi.json` at the repository root is this document, committed; a
//! test fails when the two drift apart.

use utoipa::OpenApi;

use crate::routes::{carriers, health, numbers};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ori carrier console API",
        description = "SIP carriers, their phone numbers, and their sync to LiveKit. \
            Errors are RFC 9457 `application/problem+json`; 422 answers list each field's problem.",
        version = "1.0.0",
    ),
    paths(
        health::healthz,
        health::readyz,
        carriers::list,
        carriers::create,
        carriers::get,
        carriers::update,
        carriers::delete,
        numbers::list,
        numbers::create,
        numbers::update,
        numbers::delete,
    ),
    tags(
        (name = "carriers", description = "SIP carriers (trunks)"),
        (name = "numbers", description = "A carrier's phone numbers (DIDs)"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

/// The document as committed: pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
