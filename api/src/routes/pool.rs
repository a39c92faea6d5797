//! `/api/v1/number-pool`: the numbers a campaign can dial from.

use actix_web::{HttpResponse, web};
use ori_shared::accounts::PoolNumber;
use ori_shared::dto::Problem;

use crate::auth::AdminUser;
use crate::db::pool;
use crate::error::ApiResult;
use crate::state::AppState;

/// Outbound-capable numbers (direction both or outbound) of carriers whose
/// last sync succeeded, with each carrier's pacing. Admins and super admins.
#[utoipa::path(get, path = "/api/v1/number-pool", tag = "campaigns",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = Vec<PoolNumber>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(_: AdminUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(pool::list(&state.db).await?))
}
