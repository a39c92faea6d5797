//! HTTP routes, one module per resource.

pub mod audit;
pub mod auth;
pub mod bots;
pub mod carriers;
pub mod health;
pub mod numbers;
pub mod pool;
pub mod tokens;
pub mod users;

use actix_web::web;

use crate::error::ApiError;
pub use crate::state::{AppState, LoginLimits};

/// Default and largest page size of the list endpoints.
const PAGE_DEFAULT: u32 = 50;
const PAGE_MAX: u32 = 200;

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

/// Mounts the `/api/v1` routes.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(auth::login))
        .route("/auth/logout", web::post().to(auth::logout))
        .service(
            web::resource("/me")
                .route(web::get().to(auth::me))
                .route(web::patch().to(auth::update_me)),
        )
        .service(
            web::resource("/users")
                .route(web::get().to(users::list))
                .route(web::post().to(users::create)),
        )
        .service(
            web::resource("/users/{id}")
                .route(web::patch().to(users::update))
                .route(web::delete().to(users::delete)),
        )
        .service(
            web::resource("/bots")
                .route(web::get().to(bots::list))
                .route(web::post().to(bots::create)),
        )
        .service(
            web::resource("/bots/{id}")
                .route(web::patch().to(bots::update))
                .route(web::delete().to(bots::delete)),
        )
        .service(
            web::resource("/tokens")
                .route(web::get().to(tokens::list))
                .route(web::post().to(tokens::create)),
        )
        .service(
            web::resource("/tokens/{id}")
                .route(web::get().to(tokens::get))
                .route(web::delete().to(tokens::revoke)),
        )
        .route("/audit", web::get().to(audit::list))
        .route("/number-pool", web::get().to(pool::list));
    cfg.service(
        web::resource("/carriers")
            .route(web::get().to(carriers::list))
            .route(web::post().to(carriers::create)),
    )
    .service(
        web::resource("/carriers/{id}")
            .route(web::get().to(carriers::get))
            .route(web::patch().to(carriers::update))
            .route(web::delete().to(carriers::delete)),
    )
    .route("/carriers/{id}/sync", web::post().to(carriers::sync_now))
    .service(
        web::resource("/carriers/{id}/numbers")
            .route(web::get().to(numbers::list))
            .route(web::post().to(numbers::create)),
    )
    .service(
        web::resource("/carriers/{id}/numbers/{number_id}")
            .route(web::patch().to(numbers::update))
            .route(web::delete().to(numbers::delete)),
    );
}
