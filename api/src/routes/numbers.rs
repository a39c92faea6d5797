//! `/api/v1/carriers/{id}/numbers`: a carrier's phone numbers (DIDs).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::dto::{NumberCreate, NumberPatch, PhoneNumberView, Problem};
use ori_shared::number::PhoneNumber;
use uuid::Uuid;

use super::AppState;
use super::carriers::load as load_carrier;
use crate::db::numbers as store;
use crate::error::{ApiError, ApiResult, is_unique_violation};

async fn check_bot(state: &AppState, bot_id: Option<Uuid>) -> ApiResult<()> {
    match bot_id {
        Some(id) if !store::bot_exists(&state.db, id).await? => {
            Err(ApiError::field("bot_id", "No bot with this id."))
        }
        _ => Ok(()),
    }
}

async fn conflict(state: &AppState, entered: &str, match_key: &str) -> ApiResult<ApiError> {
    let owner = store::owner_of(&state.db, match_key).await?;
    Ok(ApiError::Conflict {
        field: "number",
        detail: match owner {
            Some(name) => {
                format!("{entered} is already assigned to carrier \u{201c}{name}\u{201d}.")
            }
            None => format!("{entered} is already assigned to another carrier."),
        },
    })
}

/// List a carrier's phone numbers.
#[utoipa::path(get, path = "/api/v1/carriers/{id}/numbers", tag = "numbers",
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses(
        (status = 200, body = Vec<PhoneNumberView>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    load_carrier(&state, *id).await?;
    let numbers: Vec<PhoneNumberView> = store::list_for_carrier(&state.db, *id)
        .await?
        .into_iter()
        .map(|n| n.view)
        .collect();
    Ok(HttpResponse::Ok().json(numbers))
}

/// Add a phone number. A number already on any carrier is refused (409).
#[utoipa::path(post, path = "/api/v1/carriers/{id}/numbers", tag = "numbers", request_body = NumberCreate,
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses(
        (status = 201, body = PhoneNumberView, headers(("Location" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<NumberCreate>,
) -> ApiResult<HttpResponse> {
    let carrier = load_carrier(&state, *id).await?;
    let config = body.validate().map_err(ApiError::Validation)?;
    check_bot(&state, config.bot_id).await?;
    let normalized = config
        .number
        .normalized(carrier.destination_country.as_deref());
    let match_key = PhoneNumber::match_key(&normalized);
    if store::owner_of(&state.db, &match_key).await?.is_some() {
        return Err(conflict(&state, config.number.entered(), &match_key).await?);
    }
    let number_id = match store::insert(&state.db, carrier.id, &config, &normalized).await {
        Ok(number_id) => number_id,
        // Another request added the same number between our check and insert.
        Err(e) if is_unique_violation(&e) => {
            return Err(conflict(&state, config.number.entered(), &match_key).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let number = store::get(&state.db, carrier.id, number_id)
        .await?
        .ok_or_else(|| ApiError::not_found("phone number"))?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/carriers/{}/numbers/{number_id}", carrier.id),
        ))
        .json(number.view))
}

/// Change a number's label, direction or bot. The number itself cannot
/// change: remove it and add the correct one instead.
#[utoipa::path(patch, path = "/api/v1/carriers/{id}/numbers/{number_id}", tag = "numbers",
    request_body = NumberPatch,
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        ("number_id" = Uuid, Path, description = "Phone number id"),
    ),
    responses(
        (status = 200, body = PhoneNumberView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<NumberPatch>,
) -> ApiResult<HttpResponse> {
    let (carrier_id, number_id) = *path;
    let current = store::get(&state.db, carrier_id, number_id)
        .await?
        .ok_or_else(|| ApiError::not_found("phone number on this carrier"))?;
    let stored = current
        .config()
        .map_err(|e| anyhow::anyhow!("stored number is invalid: {e}"))?;
    let config = body.apply(&stored).map_err(ApiError::Validation)?;
    if config.bot_id != stored.bot_id {
        check_bot(&state, config.bot_id).await?;
    }
    if !store::update(&state.db, carrier_id, number_id, &config).await? {
        return Err(ApiError::not_found("phone number on this carrier"));
    }
    let number = store::get(&state.db, carrier_id, number_id)
        .await?
        .ok_or_else(|| ApiError::not_found("phone number on this carrier"))?;
    Ok(HttpResponse::Ok().json(number.view))
}

/// Remove a phone number from its carrier.
#[utoipa::path(delete, path = "/api/v1/carriers/{id}/numbers/{number_id}", tag = "numbers",
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        ("number_id" = Uuid, Path, description = "Phone number id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (carrier_id, number_id) = *path;
    if !store::delete(&state.db, carrier_id, number_id).await? {
        return Err(ApiError::not_found("phone number on this carrier"));
    }
    Ok(HttpResponse::NoContent().finish())
}
