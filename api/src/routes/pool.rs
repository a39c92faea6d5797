//! `/api/v1/number-pool`: the numbers a campaign can dial from.

use actix_web::{HttpResponse, web};
use ori_shared::accounts::PoolNumber;

use crate::auth::AdminUser;
use crate::db::pool;
use crate::error::ApiResult;
use crate::state::AppState;

/// Outbound-capable numbers (direction both or outbound) of carriers whose
/// last sync succeeded, with each carrier's pacing. Admins and super admins.
#[utoipa::path(get, path = "/api/v1/number-pool", tag = "campaigns", operation_id = "list_number_pool",
    security(("session" = ["admin"]), ("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Outbound-capable numbers of synced carriers", body = Vec<PoolNumber>),
    ))]
pub async fn list(_: AdminUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(pool::list(&state.db).await?))
}
