//! HTTP routes, one module per resource.

pub mod audit;
pub mod auth;
pub mod bots;
pub mod carriers;
pub mod health;
pub mod numbers;
pub mod pool;
pub mod probe;
pub mod tokens;
pub mod two_factor;
pub mod users;

use actix_web::web;
use ori_shared::dto::{PAGE_DEFAULT, PAGE_MAX, SEARCH_MAX};

use crate::error::ApiError;
pub use crate::state::AppState;

/// The page size a list request asks for, within 1–200 (default 50).
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if (1..=PAGE_MAX).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::field(
            "limit",
            format!("limit must be from 1 to {PAGE_MAX}."),
        ))
    }
}

/// A list request's search text: bounded, and no control characters (a NUL
/// is an error in PostgreSQL, and nobody types one).
pub fn search_text<'a>(field: &str, q: Option<&'a str>) -> Result<&'a str, ApiError> {
    let q = q.unwrap_or("");
    if q.chars().count() > SEARCH_MAX {
        return Err(ApiError::field(
            field,
            format!("Search text must be at most {SEARCH_MAX} characters."),
        ));
    }
    if q.chars().any(char::is_control) {
        return Err(ApiError::field(
            field,
            "Search text cannot contain control characters.",
        ));
    }
    Ok(q)
}

/// A list request's `cursor`, decoded by `decode`; blank means the first page.
pub fn page_cursor<T>(
    cursor: Option<&str>,
    decode: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(text) => decode(text).map(Some).ok_or_else(|| {
            ApiError::field(
                "cursor",
                "This cursor is not valid; start again from the first page.",
            )
        }),
    }
}

/// A path of the API: its routes, and a problem+json 405 naming its
/// methods (from the OpenAPI document) for any other method.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// The answer to a method a path does not have.
pub async fn method_not_allowed(
    req: actix_web::HttpRequest,
    allowed: web::Data<crate::openapi::AllowedMethods>,
) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let allow = req
        .match_pattern()
        .and_then(|pattern| allowed.get(&pattern).map(str::to_owned))
        .unwrap_or_default();
    ApiError::MethodNotAllowed { allow }.error_response()
}

/// Mounts the `/api/v1` routes.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/login").route(web::post().to(auth::login)))
        .service(resource("/auth/logout").route(web::post().to(auth::logout)))
        .service(
            resource("/me")
                .route(web::get().to(auth::me))
                .route(web::patch().to(auth::update_me)),
        )
        .service(resource("/me/sessions").route(web::delete().to(auth::end_my_sessions)))
        .service(resource("/me/two-factor").route(web::get().to(two_factor::status)))
        .service(resource("/me/two-factor/setup").route(web::post().to(two_factor::setup)))
        .service(resource("/me/two-factor/confirm").route(web::post().to(two_factor::confirm)))
        .service(resource("/me/two-factor/disable").route(web::post().to(two_factor::disable)))
        .service(
            resource("/users")
                .route(web::get().to(users::list))
                .route(web::post().to(users::create)),
        )
        .service(
            resource("/users/{id}")
                .route(web::patch().to(users::update))
                .route(web::delete().to(users::delete)),
        )
        .service(resource("/users/{id}/sessions").route(web::delete().to(users::end_sessions)))
        .service(
            resource("/bots")
                .route(web::get().to(bots::list))
                .route(web::post().to(bots::create)),
        )
        .service(
            resource("/bots/{id}")
                .route(web::patch().to(bots::update))
                .route(web::delete().to(bots::delete)),
        )
        .service(
            resource("/tokens")
                .route(web::get().to(tokens::list))
                .route(web::post().to(tokens::create)),
        )
        .service(
            resource("/tokens/{id}")
                .route(web::get().to(tokens::get))
                .route(web::delete().to(tokens::revoke)),
        )
        .service(resource("/audit").route(web::get().to(audit::list)))
        .service(resource("/number-pool").route(web::get().to(pool::list)));
    cfg.service(
        resource("/carriers")
            .route(web::get().to(carriers::list))
            .route(web::post().to(carriers::create)),
    )
    .service(
        resource("/carriers/{id}")
            .route(web::get().to(carriers::get))
            .route(web::patch().to(carriers::update))
            .route(web::delete().to(carriers::delete)),
    )
    .service(resource("/carriers/{id}/sync").route(web::post().to(carriers::sync_now)))
    .service(resource("/carriers/{id}/probe").route(web::post().to(probe::probe)))
    .service(resource("/carriers/{id}/livekit").route(web::get().to(carriers::livekit)))
    .service(resource("/carriers/{id}/history").route(web::get().to(audit::carrier_history)))
    .service(
        resource("/carriers/{id}/numbers")
            .route(web::get().to(numbers::list))
            .route(web::post().to(numbers::create)),
    )
    .service(
        resource("/carriers/{id}/numbers/{number_id}")
            .route(web::patch().to(numbers::update))
            .route(web::delete().to(numbers::delete)),
    );
}

/// The probes, outside `/api/v1`.
pub fn probes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)));
}
