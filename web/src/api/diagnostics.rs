//! What the detail page shows beside a carrier's settings: what LiveKit holds
//! (`GET /carriers/{id}/livekit`), its history (`GET /carriers/{id}/history`) and
//! Test connection (`POST /carriers/{id}/probe`).

use ori_shared::accounts::AuditPage;
use ori_shared::livekit::LiveKitComparison;
use ori_shared::probe::ProbeResult;
use uuid::Uuid;

use super::{ApiError, BASE, encode, http};

/// The carrier's LiveKit objects, read now, beside what the console wants.
pub async fn carrier_livekit(id: Uuid) -> Result<LiveKitComparison, ApiError> {
    http::get(&format!("{BASE}/carriers/{id}/livekit")).await
}

/// A page of the carrier's history, newest first; `cursor` is the previous page's.
pub async fn carrier_history(id: Uuid, cursor: Option<&str>) -> Result<AuditPage, ApiError> {
    let path = match cursor {
        Some(cursor) => format!("{BASE}/carriers/{id}/history?cursor={}", encode(cursor)),
        None => format!("{BASE}/carriers/{id}/history"),
    };
    http::get(&path).await
}

/// "Test connection": the API sends the carrier a SIP `OPTIONS` and says what came back.
pub async fn probe_carrier(id: Uuid) -> Result<ProbeResult, ApiError> {
    http::post_for_tagged(&format!("{BASE}/carriers/{id}/probe"))
        .await
        .map(|answer| answer.value)
}
