//! `/api/v1/carriers/{id}/numbers`: a carrier's phone numbers (DIDs).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::dto::{NumberCreate, NumberPatch, PhoneNumberView, Problem};
use ori_shared::number::{NumberFormat, PhoneNumber};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::carriers::load as load_carrier;
use crate::auth::SuperAdmin;
use crate::body::JsonObject;
use crate::db::audit::{self, Event};
use crate::db::numbers::{self as store, NumberForms};
use crate::db::sync;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::state::AppState;

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

/// Recomputes the E.164 form, the form LiveKit gets and the match key of
/// every number of `carrier_id` for a new Destination Country or number
/// format, inside the caller's transaction. A number that would then be the
/// same line as another carrier's number (or as another of this carrier's
/// own) is a 409 naming that carrier; the caller's transaction then rolls
/// back, changing nothing.
pub async fn recompute_forms(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    carrier_name: &str,
    country: Option<&str>,
    format: NumberFormat,
) -> ApiResult<()> {
    let mut forms = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (id, typed) in store::typed_numbers(conn, carrier_id).await? {
        let number = PhoneNumber::parse(&typed)
            .map_err(|e| anyhow::anyhow!("stored number {typed:?} is invalid: {e}"))?;
        let f = NumberForms::of(&number, country, format);
        if let Some((_, first)) = seen.iter().find(|(key, _)| *key == f.match_key) {
            return Err(ApiError::Conflict {
                field: "destination_country",
                detail: format!(
                    "{typed} and {first} would be the same number on carrier \u{201c}{carrier_name}\u{201d}: remove one first."
                ),
            });
        }
        if let Some(owner) = store::owner_elsewhere(conn, &f.match_key, carrier_id).await? {
            return Err(ApiError::Conflict {
                field: "destination_country",
                detail: format!(
                    "{typed} would be the same number as one already assigned to carrier \u{201c}{owner}\u{201d}."
                ),
            });
        }
        seen.push((f.match_key.clone(), typed));
        forms.push((id, f));
    }
    match store::set_forms(conn, carrier_id, &forms).await {
        Err(e) if is_unique_violation(&e) => Err(ApiError::Conflict {
            field: "destination_country",
            detail: "One of this carrier's numbers was just added to another carrier; try again."
                .into(),
        }),
        other => Ok(other?),
    }
}

/// List a carrier's phone numbers.
#[utoipa::path(get, path = "/api/v1/carriers/{id}/numbers", tag = "numbers", operation_id = "list_numbers",
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "The carrier's numbers, in the order they were added", body = Vec<PhoneNumberView>),
    ))]
pub async fn list(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    load_carrier(&state, *id).await?;
    let numbers: Vec<PhoneNumberView> = store::list_for_carrier(&state.db, *id)
        .await?
        .into_iter()
        .map(|n| n.view)
        .collect();
    Ok(HttpResponse::Ok().json(numbers))
}

/// Add a phone number. A number already on any carrier is refused (409).
#[utoipa::path(post, path = "/api/v1/carriers/{id}/numbers", tag = "numbers", operation_id = "create_number", request_body = NumberCreate,
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 201, description = "Added; its routing syncs in the background", body = PhoneNumberView,
            headers(("Location" = String, description = "The number's URL"))),
        (status = 409, description = "The number (the same line) is already on a carrier, named in detail", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonObject<NumberCreate>,
) -> ApiResult<HttpResponse> {
    let carrier = load_carrier(&state, *id).await?;
    let config = body.validate().map_err(ApiError::Validation)?;
    check_bot(&state, config.bot_id).await?;
    let forms = NumberForms::of(
        &config.number,
        carrier.destination_country.as_deref(),
        carrier.number_format,
    );
    let match_key = forms.match_key.clone();
    let entered = config.number.entered();
    if store::owner_of(&state.db, &match_key).await?.is_some() {
        return Err(conflict(&state, entered, &match_key).await?);
    }
    let mut tx = state.db.begin().await?;
    let number_id = match store::insert(&mut tx, carrier.id, &config, &forms).await {
        Ok(number_id) => number_id,
        // Another request added the same number between our check and insert.
        Err(e) if is_unique_violation(&e) => {
            return Err(conflict(&state, entered, &match_key).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let mut fields = vec!["number", "direction"];
    fields.extend(config.label.as_ref().map(|_| "label"));
    fields.extend(config.bot_id.map(|_| "bot_id"));
    let event = Event::new("number.create", "phone_number", number_id)
        .carrier(carrier.id)
        .fields(fields)
        .detail(entered);
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    state.changed();
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
#[utoipa::path(patch, path = "/api/v1/carriers/{id}/numbers/{number_id}", tag = "numbers", operation_id = "update_number",
    request_body = NumberPatch,
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        ("number_id" = Uuid, Path, description = "Phone number id"),
    ),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "Changed", body = PhoneNumberView),
    ))]
pub async fn update(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonObject<NumberPatch>,
) -> ApiResult<HttpResponse> {
    let (carrier_id, number_id) = *path;
    let not_found = || ApiError::not_found("phone number on this carrier");
    let current = store::get(&state.db, carrier_id, number_id)
        .await?
        .ok_or_else(not_found)?;
    let stored = current
        .config()
        .map_err(|e| anyhow::anyhow!("stored number is invalid: {e}"))?;
    let config = body.apply(&stored).map_err(ApiError::Validation)?;
    if config.bot_id != stored.bot_id {
        check_bot(&state, config.bot_id).await?;
    }
    let fields: Vec<&str> = [
        ("label", config.label != stored.label),
        ("direction", config.direction != stored.direction),
        ("bot_id", config.bot_id != stored.bot_id),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect();
    if !fields.is_empty() {
        let mut tx = state.db.begin().await?;
        if !store::update(&mut tx, carrier_id, number_id, &config).await? {
            return Err(not_found());
        }
        let event = Event::new("number.update", "phone_number", number_id)
            .carrier(carrier_id)
            .fields(fields)
            .detail(current.view.number.clone());
        audit::record(&mut tx, Some(&user), event).await?;
        tx.commit().await?;
        state.changed();
    }
    let number = store::get(&state.db, carrier_id, number_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(number.view))
}

/// Remove a phone number from its carrier.
#[utoipa::path(delete, path = "/api/v1/carriers/{id}/numbers/{number_id}", tag = "numbers", operation_id = "delete_number",
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        ("number_id" = Uuid, Path, description = "Phone number id"),
    ),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 204, description = "Removed"),
    ))]
pub async fn delete(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (carrier_id, number_id) = *path;
    let mut tx = state.db.begin().await?;
    let Some(deleted) = store::delete(&mut tx, carrier_id, number_id).await? else {
        return Err(ApiError::not_found("phone number on this carrier"));
    };
    if let Some(rule) = deleted.dispatch_rule {
        sync::tombstone(&mut tx, sync::DISPATCH_RULE, &rule, &carrier_id.to_string()).await?;
    }
    let event = Event::new("number.delete", "phone_number", number_id)
        .carrier(carrier_id)
        .detail(deleted.number);
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    state.changed();
    Ok(HttpResponse::NoContent().finish())
}
