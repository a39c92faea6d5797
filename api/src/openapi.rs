//! The OpenAPI document, generated from the handlers and the shared DTOs.
//! `openapi.json` at the repository root is this document, committed; a
//! test fails when the two drift apart, and the contract test checks every
//! answer the server gives against it.

mod errors;

use std::collections::HashMap;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::extract::SESSION_COOKIE;
use crate::routes::{
    audit, auth, bots, carriers, health, numbers, pool, probe, tokens, two_factor, users,
};

const GETTING_STARTED: &str = "\
SIP carriers, their phone numbers (DIDs), and their sync to LiveKit's SIP trunks and dispatch rules.

## Getting started

1. Get a token. Integrators use an **API token**: in the console, user menu → *API tokens*, or \
`POST /api/v1/tokens`. (`POST /api/v1/auth/login` answers a login token for a browser session.)
2. Send it on every request: `Authorization: Bearer <token>`.
3. `GET /api/v1/carriers` lists carriers; `POST /api/v1/carriers` creates one; \
`POST /api/v1/carriers/{id}/numbers` adds a phone number. Each carrier syncs to LiveKit in the \
background: watch `sync_status` (`pending`, `synced`, `error` with `sync_error`).

## Conventions

- **Roles.** Each operation's security requirement names the least role it needs \
(`member` < `admin` < `super_admin`); a token never has more than its account.
- **Errors** are RFC 9457 `application/problem+json`. A 422 lists each field's problem in \
`errors` (`field`, `message`), in words meant for the person filling in the form.
- **No lost updates.** Reads of a carrier answer an `ETag`; send it back as `If-Match` on \
`PATCH` or `DELETE` and a change someone else saved first answers 412 instead of being \
overwritten. Without `If-Match` the change applies to the current version.
- **Paging** is by cursor: pass a page's `next_cursor` as `cursor`; there is none on the last page.
- **Methods.** A method a path does not have answers 405 with an `Allow` header; an unknown \
path under `/api/` answers a problem+json 404.
- Secrets (SIP passwords) are write-only: a carrier shows only `has_password`.";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ori carrier console API",
        description = GETTING_STARTED,
        version = "1.0.0",
    ),
    modifiers(&SecuritySchemes),
    components(schemas(ori_shared::dto::Problem, ori_shared::FieldError)),
    paths(
        health::healthz,
        health::readyz,
        auth::login,
        auth::logout,
        auth::me,
        auth::update_me,
        auth::end_my_sessions,
        two_factor::status,
        two_factor::setup,
        two_factor::confirm,
        two_factor::disable,
        users::list,
        users::create,
        users::update,
        users::delete,
        users::end_sessions,
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
        carriers::livekit,
        probe::probe,
        audit::carrier_history,
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
struct ApiDoc;

/// The two ways to authenticate: the SPA's session cookie, or a Bearer token.
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
                        "An API token (`ori_…`, from `POST /api/v1/tokens`) or a login token \
                         (from `POST /api/v1/auth/login`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The console's session cookie, set by `POST /api/v1/auth/login` (named \
                 `ori_session`, without `Secure`, on a server run with `ORI_INSECURE_HTTP=true` \
                 for plain-HTTP development). Writes with it must come from the console's own \
                 origin.",
            ))),
        );
    }
}

/// The finished document: the generated one plus the error answers every
/// operation shares (see [`errors`]).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    errors::add_shared_errors(&mut doc);
    doc
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn document() -> String {
    let mut json = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// The methods each documented path answers, by its route pattern
/// (`/api/v1/carriers/{id}`): the `Allow` header of a 405.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods(HashMap<String, String>);

impl AllowedMethods {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let map = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                (path.clone(), methods.join(", "))
            })
            .collect();
        Self(map)
    }

    /// The `Allow` value for a route pattern, if the document has the path.
    pub fn get(&self, pattern: &str) -> Option<&str> {
        self.0.get(pattern).map(String::as_str)
    }
}
