//! Liveness and readiness probes.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
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

/// Who may read `/metrics` on a listener (`ORI_METRICS_TOKEN`,
/// `ORI_METRICS_BIND`; see README).
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// Anyone who reaches the listener.
    Open,
    /// Only with `Authorization: Bearer <ORI_METRICS_TOKEN>`.
    Token(Arc<MetricsToken>),
    /// Served on another listener, or not at all.
    NotHere,
}

/// The metrics token, kept as a keyed hash: comparing two MACs in constant
/// time reveals neither the token nor how much of a guess matched.
pub struct MetricsToken {
    key: [u8; 32],
    mac: Vec<u8>,
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

impl MetricsToken {
    pub fn new(token: &str) -> Self {
        let key: [u8; 32] = rand::random();
        let mac = Self::mac(&key, token).finalize().into_bytes().to_vec();
        Self { key, mac }
    }

    fn mac(key: &[u8; 32], token: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(token.as_bytes());
        mac
    }

    pub fn matches(&self, given: &str) -> bool {
        Self::mac(&self.key, given).verify_slice(&self.mac).is_ok()
    }
}

/// Prometheus metrics: sync attempts, failures, durations, carriers waiting.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    access: web::Data<MetricsAccess>,
) -> ApiResult<HttpResponse> {
    match access.get_ref() {
        MetricsAccess::Open => {}
        MetricsAccess::NotHere => {
            return Err(ApiError::NotFound(
                "Metrics are not served on this address.".into(),
            ));
        }
        MetricsAccess::Token(token) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            if !given.is_some_and(|g| token.matches(g)) {
                return Err(ApiError::Unauthorized(
                    "Send Authorization: Bearer with the metrics token (ORI_METRICS_TOKEN).".into(),
                ));
            }
        }
    }
    if let Ok(n) = crate::db::sync::pending_count(&state.db).await {
        state.metrics.pending.set(n);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_token_matches_only_itself() {
        let token = MetricsToken::new("a-long-metrics-token-0123456789");
        assert!(token.matches("a-long-metrics-token-0123456789"));
        for wrong in [
            "",
            "a",
            "a-long-metrics-token-012345678",
            "a-long-metrics-token-01234567890",
        ] {
            assert!(!token.matches(wrong), "{wrong}");
        }
        assert!(!format!("{token:?}").contains("a-long"));
    }
}
