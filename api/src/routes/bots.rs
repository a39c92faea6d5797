//! `/api/v1/bots`: the bots "Assign Bot" picks from. Deleting one leaves the
//! numbers that pointed to it untouched; they then report the bot missing.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::accounts::{Bot, BotCreate, BotWrite};
use uuid::Uuid;

use crate::auth::SuperAdmin;
use crate::body::JsonObject;
use crate::db::audit::{self, Event};
use crate::db::bots;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// All bots, by name, each with how many numbers are assigned to it.
#[utoipa::path(get, path = "/api/v1/bots", tag = "bots", operation_id = "list_bots",
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "All bots, by name", body = Vec<Bot>),
    ))]
pub async fn list(_: SuperAdmin, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(bots::list(&state.db).await?))
}

/// Create a bot: a name and the LiveKit agent it dispatches.
#[utoipa::path(post, path = "/api/v1/bots", tag = "bots", operation_id = "create_bot", request_body = BotCreate,
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 201, description = "Created", body = Bot,
            headers(("Location" = String, description = "The bot's URL"))),
    ))]
pub async fn create(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    body: JsonObject<BotCreate>,
) -> ApiResult<HttpResponse> {
    let (name, agent_name) = body.validate().map_err(ApiError::Validation)?;
    let mut tx = state.db.begin().await?;
    let id = bots::insert(&mut tx, &name, &agent_name).await?;
    let event = Event::new("bot.create", "bot", id).fields(vec!["name", "agent_name"]);
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bots/{id}")))
        .json(Bot {
            id,
            name,
            agent_name,
            number_count: 0,
        }))
}

/// Rename a bot or change its agent (its numbers' routing syncs again).
#[utoipa::path(patch, path = "/api/v1/bots/{id}", tag = "bots", operation_id = "update_bot", request_body = BotWrite,
    params(("id" = Uuid, Path, description = "Bot id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "Changed", body = Bot),
    ))]
pub async fn update(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonObject<BotWrite>,
) -> ApiResult<HttpResponse> {
    let current = bots::get(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("bot"))?;
    let (name, agent_name) = body.apply(Some(&current)).map_err(ApiError::Validation)?;
    let fields: Vec<&str> = [
        ("name", name != current.name),
        ("agent_name", agent_name != current.agent_name),
    ]
    .into_iter()
    .filter_map(|(f, changed)| changed.then_some(f))
    .collect();
    if !fields.is_empty() {
        let mut tx = state.db.begin().await?;
        if !bots::update(&mut tx, *id, &name, &agent_name).await? {
            return Err(ApiError::not_found("bot"));
        }
        audit::record(
            &mut tx,
            Some(&user),
            Event::new("bot.update", "bot", *id).fields(fields),
        )
        .await?;
        tx.commit().await?;
        state.changed();
    }
    // Renaming changes no number's bot, so the count read above still holds.
    Ok(HttpResponse::Ok().json(Bot {
        id: *id,
        name,
        agent_name,
        number_count: current.number_count,
    }))
}

/// Delete a bot. Its numbers keep pointing at it and show "Bot not found".
#[utoipa::path(delete, path = "/api/v1/bots/{id}", tag = "bots", operation_id = "delete_bot",
    params(("id" = Uuid, Path, description = "Bot id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 204, description = "Deleted; its numbers then report the bot missing"),
    ))]
pub async fn delete(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut tx = state.db.begin().await?;
    if !bots::delete(&mut tx, *id).await? {
        return Err(ApiError::not_found("bot"));
    }
    audit::record(&mut tx, Some(&user), Event::new("bot.delete", "bot", *id)).await?;
    tx.commit().await?;
    state.changed();
    Ok(HttpResponse::NoContent().finish())
}
