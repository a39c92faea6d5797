//! HTTP routes, one module per resource.

pub mod carriers;
pub mod health;
pub mod numbers;

use actix_web::web;

use crate::crypto::SecretBox;
use crate::db::Db;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub secrets: SecretBox,
}

/// Mounts the `/api/v1` routes.
pub fn api(cfg: &mut web::ServiceConfig) {
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
