//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({ "status": "ready" })))]
pub struct Health {
    /// `ok`, `ready`, or `database unavailable`.
    #[schema(examples("ok"))]
    pub status: &'static str,
}

fn health(status: &'static str) -> Health {
    Health { status }
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz",
    responses((status = 200, description = "The process is running", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(health("ok"))
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(health("ready"))
    } else {
        HttpResponse::ServiceUnavailable().json(health("database unavailable"))
    }
}

/// Prometheus metrics: sync attempts, failures, durations, carriers waiting.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    if let Ok(n) = crate::db::sync::pending_count(&state.db).await {
        state.metrics.pending.set(n);
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
