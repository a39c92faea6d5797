//! The OpenAPI document, generated from the handlers and the shared DTOs.
//! `openapi.json` at the repository root is this document, committed; a
//! test fails when the two drift apart.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::extract::SESSION_COOKIE;
use crate::routes::{audit, auth, bots, carriers, health, numbers, pool, tokens, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ori carrier console API",
        description = "SIP carriers, their phone numbers, and their sync to LiveKit. \
            Errors are RFC 9457 `application/problem+json`; 422 answers list each field's problem.",
        version = "1.0.0",
    ),
    modifiers(&SecuritySchemes),
    paths(
        health::healthz,
        health::readyz,
        auth::login,
        auth::logout,
        auth::me,
        auth::update_me,
        users::list,
        users::create,
        users::update,
        users::delete,
        bots::list,
        bots::create,
        bots::update,
        bots::delete,
        tokens::list,
        tokens::get,
        tokens::create,
        tokens::revoke,
        audit::list,
        pool::list,
        carriers::list,
        carriers::create,
        carriers::get,
        carriers::update,
        carriers::delete,
        carriers::sync_now,
        numbers::list,
        numbers::create,
        numbers::update,
        numbers::delete,
    ),
    tags(
        (name = "auth", description = "Logging in; the signed-in account"),
        (name = "carriers", description = "SIP carriers (trunks)"),
        (name = "numbers", description = "A carrier's phone numbers (DIDs)"),
        (name = "bots", description = "Bots that answer inbound calls"),
        (name = "users", description = "Accounts (super admin only)"),
        (name = "tokens", description = "Your API tokens, for integrators (`Authorization: Bearer ori_…`)"),
        (name = "audit", description = "Who changed what"),
        (name = "campaigns", description = "What campaigns can use"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate: the SPA's session cookie, or a Bearer token:
/// an API token (`ori_…`, from `POST /api/v1/tokens`) or a login token from
/// `POST /api/v1/auth/login`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`ori_…`, from `POST /api/v1/tokens`), or the login \
                         token (a JWT) from `POST /api/v1/auth/login`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}
