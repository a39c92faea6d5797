//! `/api/v1/audit`: who changed what, newest first.

use actix_web::{HttpResponse, web};
use ori_shared::accounts::AuditPage;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{page_cursor, page_limit};
use crate::auth::SuperAdmin;
use crate::db::audit;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this target id (a carrier, number, bot or user id).
    #[param(schema_with = ori_shared::schema::search_text)]
    pub target: Option<String>,
    /// Page size.
    #[param(schema_with = ori_shared::schema::page_limit)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", operation_id = "list_audit", params(AuditQuery),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "A page of entries, newest first", body = AuditPage),
    ))]
pub async fn list(
    _: SuperAdmin,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page_limit(query.limit)?;
    let before = page_cursor(query.cursor.as_deref(), audit::decode_cursor)?;
    let target =
        Some(super::search_text("target", query.target.as_deref())?).filter(|t| !t.is_empty());
    let scope = target.map_or(audit::Scope::All, audit::Scope::Target);
    let (items, next_cursor) = audit::list(&state.db, scope, limit, before.as_ref()).await?;
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size.
    #[param(schema_with = ori_shared::schema::page_limit)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A carrier's history: the audit log's events about it and its phone numbers,
/// newest first. Field names only, never values.
#[utoipa::path(get, path = "/api/v1/carriers/{id}/history", tag = "carriers", operation_id = "carrier_history",
    params(("id" = Uuid, Path, description = "Carrier id"), HistoryQuery),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "A page of the carrier's events, newest first", body = AuditPage),
    ))]
pub async fn carrier_history(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page_limit(query.limit)?;
    let before = page_cursor(query.cursor.as_deref(), audit::decode_cursor)?;
    super::carriers::load(&state, *id).await?;
    let carrier = id.to_string();
    let scope = audit::Scope::Carrier(&carrier);
    let (items, next_cursor) = audit::list(&state.db, scope, limit, before.as_ref()).await?;
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
