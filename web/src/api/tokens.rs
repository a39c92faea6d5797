//! Your API tokens: `GET/POST /tokens`, `DELETE /tokens/{id}` (revoke).

use ori_shared::tokens::{ApiToken, ApiTokenCreate, ApiTokenCreated};
use uuid::Uuid;

use super::{ApiError, BASE, http};

/// Your tokens, newest first, revoked and expired ones included.
pub async fn list_tokens() -> Result<Vec<ApiToken>, ApiError> {
    http::get(&format!("{BASE}/tokens")).await
}

/// Creates a token; the answer holds its secret, this once.
pub async fn create_token(body: &ApiTokenCreate) -> Result<ApiTokenCreated, ApiError> {
    http::post(&format!("{BASE}/tokens"), body).await
}

/// Revokes the token: the API refuses it from the next request on.
pub async fn revoke_token(id: Uuid) -> Result<(), ApiError> {
    http::delete(&format!("{BASE}/tokens/{id}"), None).await
}
