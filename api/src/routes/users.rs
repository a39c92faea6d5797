//! `/api/v1/users`: account management, super admin only. The last super
//! admin can be neither demoted nor deleted.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use ori_shared::FieldErrors;
use ori_shared::accounts::{Role, User, UserCreate, UserPatch};
use ori_shared::dto::Problem;
use uuid::Uuid;

use super::auth::check_timezone;
use crate::auth::{SuperAdmin, password};
use crate::body::JsonObject;
use crate::db::audit::{self, Event};
use crate::db::sessions;
use crate::db::users::{self, Guarded};
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::state::AppState;

fn last_super_admin() -> ApiError {
    ApiError::Conflict {
        field: "role",
        detail: "This is the last super admin: make another account super admin first.".into(),
    }
}

/// All accounts, by email.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", operation_id = "list_users",
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "All accounts", body = Vec<User>),
    ))]
pub async fn list(_: SuperAdmin, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(users::list(&state.db).await?))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", operation_id = "create_user", request_body = UserCreate,
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 201, description = "Created", body = User,
            headers(("Location" = String, description = "The account's URL"))),
        (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    SuperAdmin(admin): SuperAdmin,
    state: web::Data<AppState>,
    body: JsonObject<UserCreate>,
) -> ApiResult<HttpResponse> {
    let (email, role) = body.validate().map_err(ApiError::Validation)?;
    let timezone = match body.timezone.as_deref() {
        Some(tz) => check_timezone(tz)
            .map_err(|m| ApiError::Validation(FieldErrors::single("timezone", m)))?,
        None => "UTC".to_owned(),
    };
    let hash = password::hash(body.password.expose().to_owned()).await?;
    let mut tx = state.db.begin().await?;
    let id = match users::insert(&mut tx, email.as_str(), &hash, role, &timezone).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::Conflict {
                field: "email",
                detail: format!("An account with {} already exists.", email.as_str()),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let event =
        Event::new("user.create", "user", id).fields(vec!["email", "password", "role", "timezone"]);
    audit::record(&mut tx, Some(&admin), event).await?;
    tx.commit().await?;
    let user = users::by_id(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.user.id)))
        .json(user.user))
}

/// Change an account's role.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", operation_id = "update_user", request_body = UserPatch,
    params(("id" = Uuid, Path, description = "User id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "Changed", body = User),
        (status = 409, description = "The change would leave no super admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    SuperAdmin(admin): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonObject<UserPatch>,
) -> ApiResult<HttpResponse> {
    if let Some(text) = body.role.as_deref() {
        let role =
            Role::parse(text).map_err(|m| ApiError::Validation(FieldErrors::single("role", m)))?;
        let before = users::by_id(&state.db, *id)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let mut tx = state.db.begin().await?;
        match users::set_role(&mut tx, state.db.backend, *id, role).await? {
            Guarded::Done => {}
            Guarded::NotFound => return Err(ApiError::not_found("user")),
            Guarded::LastSuperAdmin => return Err(last_super_admin()),
        }
        // A new role is a new grant: the account logs in again to use it.
        if before.user.role != role {
            sessions::end_all(&mut tx, *id, None).await?;
        }
        let event = Event::new("user.update", "user", *id)
            .fields(vec!["role"])
            .detail(role.as_str());
        audit::record(&mut tx, Some(&admin), event).await?;
        tx.commit().await?;
    }
    let user = users::by_id(&state.db, *id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(HttpResponse::Ok().json(user.user))
}

/// End every login session of an account (its API tokens are revoked on
/// their own). Changing an account's role or deleting it does this too.
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users", operation_id = "end_user_sessions",
    params(("id" = Uuid, Path, description = "User id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 204, description = "Every session of the account has ended"),
    ))]
pub async fn end_sessions(
    SuperAdmin(admin): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    if users::by_id(&state.db, *id).await?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    let mut tx = state.db.begin().await?;
    let ended = sessions::end_all(&mut tx, *id, None).await?;
    let event = Event::new("user.sessions_end", "user", *id).detail(format!("{ended} sessions"));
    audit::record(&mut tx, Some(&admin), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete an account (its sessions and API tokens go with it).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", operation_id = "delete_user",
    params(("id" = Uuid, Path, description = "User id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "An account cannot delete itself, or the last super admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    SuperAdmin(admin): SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut tx = state.db.begin().await?;
    match users::delete(&mut tx, state.db.backend, *id).await? {
        Guarded::Done => {}
        Guarded::NotFound => return Err(ApiError::not_found("user")),
        Guarded::LastSuperAdmin => return Err(last_super_admin()),
    }
    audit::record(
        &mut tx,
        Some(&admin),
        Event::new("user.delete", "user", *id),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
