//! `POST /api/v1/carriers/{id}/probe`: "Test connection".

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::probe::ProbeResult;
use uuid::Uuid;

use super::carriers::load;
use crate::auth::SuperAdmin;
use crate::error::ApiResult;
use crate::sip;
use crate::state::AppState;

/// "Test connection": sends a SIP `OPTIONS` request to the carrier's SIP
/// address over its transport (Auto: UDP, then TCP) and reports what came
/// back: the resolved address, the transport used, the status code and
/// reason, the round trip and the peer's `Server`/`User-Agent` and `Allow`
/// headers; or why there was no answer, in words an admin can act on.
///
/// Any SIP answer, 4xx–6xx included, means the carrier is reachable. The
/// answer is 200 either way: the probe ran; `reachable` says how it went.
/// Addresses on this machine are refused unless `ORI_ALLOW_LOOPBACK_SIP`,
/// and link-local, multicast and broadcast ones always are.
#[utoipa::path(post, path = "/api/v1/carriers/{id}/probe", tag = "carriers", operation_id = "probe_carrier",
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "The probe ran; see `reachable`", body = ProbeResult),
    ))]
pub async fn probe(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let carrier = load(&state, *id).await?;
    let result = sip::probe(&carrier.sip_address, carrier.transport, &state.probe).await;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(result))
}
