//! One typed function per API call the console makes; pages call these, never a URL.

mod account;
mod bots;
mod diagnostics;
mod http;
mod numbers;
mod tokens;

use ori_shared::accounts::{LoginRequest, Me};
use ori_shared::dto::{Carrier, CarrierCreate, CarrierPage, CarrierPatch};
use serde::Deserialize;
use uuid::Uuid;

pub use account::*;
pub use bots::*;
pub use diagnostics::*;
pub use http::{ApiError, ETag, Tagged, on_unauthorized};
pub use numbers::*;
pub use tokens::*;

const BASE: &str = "/api/v1";

/// Who is signed in.
pub async fn me() -> Result<Me, ApiError> {
    http::get(&format!("{BASE}/me")).await
}

/// The part of `LoginResponse` the console uses: the session lives in the cookie, so the
/// token and its expiry are skipped.
#[derive(Deserialize)]
struct LoginAnswer {
    user: Me,
}

/// Logs in; the server sets the session cookie.
pub async fn log_in(request: &LoginRequest) -> Result<Me, ApiError> {
    let answer: LoginAnswer = http::post(&format!("{BASE}/auth/login"), request).await?;
    Ok(answer.user)
}

/// Ends the session.
pub async fn log_out() -> Result<(), ApiError> {
    http::post_empty(&format!("{BASE}/auth/logout")).await
}

/// Ends every session of the account, in every browser.
pub async fn log_out_everywhere() -> Result<(), ApiError> {
    http::delete(&format!("{BASE}/me/sessions"), None).await
}

/// Carriers per page of the list.
pub const CARRIERS_PAGE: u32 = 50;

/// One page of the carrier list: `q` matches name or SIP address in any case.
pub async fn list_carriers(q: &str, cursor: Option<&str>) -> Result<CarrierPage, ApiError> {
    let mut path = format!("{BASE}/carriers?limit={CARRIERS_PAGE}");
    let q = q.trim();
    if !q.is_empty() {
        path.push_str("&q=");
        path.push_str(&encode(q));
    }
    if let Some(cursor) = cursor {
        path.push_str("&cursor=");
        path.push_str(&encode(cursor));
    }
    http::get(&path).await
}

fn carrier_path(id: Uuid) -> String {
    format!("{BASE}/carriers/{id}")
}

pub async fn get_carrier(id: Uuid) -> Result<Tagged<Carrier>, ApiError> {
    http::get_tagged(&carrier_path(id)).await
}

pub async fn create_carrier(body: &CarrierCreate) -> Result<Tagged<Carrier>, ApiError> {
    http::post_tagged(&format!("{BASE}/carriers"), body).await
}

/// Saves `patch` unless someone else changed the carrier since `etag` (412).
pub async fn update_carrier(
    id: Uuid,
    patch: &CarrierPatch,
    etag: Option<&ETag>,
) -> Result<Tagged<Carrier>, ApiError> {
    http::patch_tagged(&carrier_path(id), patch, etag).await
}

/// Deletes the carrier and its numbers, unless it changed since `etag` (412).
pub async fn delete_carrier(id: Uuid, etag: Option<&ETag>) -> Result<(), ApiError> {
    http::delete(&carrier_path(id), etag).await
}

/// Runs the LiveKit sync now; the carrier comes back with the outcome.
pub async fn sync_carrier(id: Uuid) -> Result<Tagged<Carrier>, ApiError> {
    http::post_for_tagged(&format!("{}/sync", carrier_path(id))).await
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}
