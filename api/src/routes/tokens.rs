//! `/api/v1/tokens`: API tokens for integrators. Every signed-in account
//! manages its own; nobody sees or revokes another's (404, as if absent).
//! The secret is in the answer to the create and nowhere else.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::dto::Problem;
use ori_shared::tokens::{ApiToken, ApiTokenCreate, ApiTokenCreated};
use uuid::Uuid;

use crate::auth::{AuthUser, api_token};
use crate::db::audit::{self, Event};
use crate::db::tokens::{self, Insert};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Your API tokens, newest first, revoked and expired ones included.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", operation_id = "list_tokens",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApiToken>, description = "Your tokens, newest first; never their secrets"),
    ))]
pub async fn list(user: AuthUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(tokens::list(&state.db, user.id).await?))
}

/// One of your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens/{id}", tag = "tokens", operation_id = "get_token",
    params(("id" = Uuid, Path, description = "Token id")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = ApiToken, description = "The token; never its secret"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "You have no token with this id"),
    ))]
pub async fn get(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.pool.acquire().await?;
    let token = tokens::get(&mut conn, user.id, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("API token"))?;
    Ok(HttpResponse::Ok().json(token))
}

/// Create an API token: send it as `Authorization: Bearer ori_…`.
///
/// Its role is yours or lower (default: yours); a request made with it gets
/// the lower of that and your role at the time. The answer holds the secret
/// in `token`, this once: only its hash is kept. Create tokens from a login
/// session: an API token cannot create another.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", operation_id = "create_token", request_body = ApiTokenCreate,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 201, body = ApiTokenCreated, headers(("Location" = String, description = "The new token's URL")),
            description = "Created; `token` is the secret, shown only in this answer"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "The request came with an API token; log in to create tokens"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "A field is not valid, e.g. a role above yours; see `errors`"),
    ))]
pub async fn create(
    user: AuthUser,
    state: web::Data<AppState>,
    body: web::Json<ApiTokenCreate>,
) -> ApiResult<HttpResponse> {
    // A leaked token must not be able to mint itself a successor that outlives it.
    if user.api_token.is_some() {
        return Err(ApiError::Forbidden(
            "API tokens are created from a login session, not with another API token.".into(),
        ));
    }
    let new = body.validate(user.role).map_err(ApiError::Validation)?;
    let minted = api_token::mint();
    let mut tx = state.db.begin().await?;
    let token = tokens::insert(
        &mut tx,
        Insert {
            user_id: user.id,
            name: &new.name,
            role: new.role,
            prefix: &minted.prefix,
            hash: &minted.hash,
            expires_in_days: new.expires_in_days,
        },
    )
    .await?;
    let event = Event::new("token.create", "api_token", token.id)
        .fields(vec!["name", "role", "expires_at"])
        .detail(format!("{} ({})", token.prefix, token.role.as_str()));
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tokens/{}", token.id)))
        .json(ApiTokenCreated {
            api_token: token,
            token: minted.token.into(),
        }))
}

/// Revoke one of your API tokens: it is refused from the next request on.
/// Revoking a revoked token changes nothing and also answers 204.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", operation_id = "revoke_token",
    params(("id" = Uuid, Path, description = "Token id")),
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "You have no token with this id"),
    ))]
pub async fn revoke(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut tx = state.db.begin().await?;
    match tokens::revoke(&mut tx, user.id, *id).await? {
        None => return Err(ApiError::not_found("API token")),
        Some(false) => {}
        Some(true) => {
            let event = Event::new("token.revoke", "api_token", *id).fields(vec!["revoked_at"]);
            audit::record(&mut tx, Some(&user), event).await?;
        }
    }
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
