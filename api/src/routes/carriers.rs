//! `/api/v1/carriers`: list, create, read, update, delete.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use ori_shared::carrier::{check_not_loopback, inbound_open};
use ori_shared::dto::{
    Carrier, CarrierConfig, CarrierCreate, CarrierPage, CarrierPatch, PasswordChange, Problem,
};
use ori_shared::livekit::LiveKitComparison;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{page_cursor, page_limit};
use crate::auth::SuperAdmin;
use crate::body::JsonObject;
use crate::db::audit::{self, Event};
use crate::db::carriers::{self as store, CarrierRecord, CarrierWrite, Cursor};
use crate::db::{probes, sync};
use crate::error::{ApiError, ApiResult};
use crate::etag::{IfMatch, check_if_match, etag};
use crate::livekit::{InspectError, Reconciler, SyncNowError};
use crate::state::AppState;
use crate::time_util::from_ms;

/// How often a PATCH without `If-Match` re-applies itself after losing a race.
const PATCH_ATTEMPTS: usize = 3;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Matches the name or SIP address: substring, any case.
    #[param(schema_with = ori_shared::schema::search_text)]
    pub q: Option<String>,
    /// Page size.
    #[param(schema_with = ori_shared::schema::page_limit)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn view(r: &CarrierRecord) -> Carrier {
    Carrier {
        id: r.id,
        name: r.name.clone(),
        sip_address: r.sip_address.clone(),
        transport: r.transport,
        destination_country: r.destination_country.clone(),
        number_format: r.number_format,
        username: r.username.clone(),
        has_password: r.password_secret.is_some(),
        inbound_open: inbound_open(
            r.inbound_count,
            r.password_secret.is_some(),
            r.allowed_ips.len(),
        ),
        inbound_auth: r.inbound_auth,
        allowed_ips: r.allowed_ips.clone(),
        outbound_cps: r.cps,
        outbound_burst: r.burst,
        outbound_channels: r.channels,
        did_count: r.did_count,
        sync_status: r.sync_status,
        sync_error: r.sync_error.clone(),
        sync_needs_change: r.sync_needs_change,
        last_synced_at: r.last_synced_at.map(from_ms),
        livekit_outbound_trunk_id: r.lk_outbound_trunk_id.clone(),
        livekit_inbound_trunk_id: r.lk_inbound_trunk_id.clone(),
        monitor_reachability: r.monitor_reachability,
        reachability: r.reachability,
        last_probe: r.last_probe.clone(),
        version: r.version,
        created_at: from_ms(r.created_at),
        updated_at: from_ms(r.updated_at),
    }
}

fn with_etag(mut response: actix_web::HttpResponseBuilder, r: &CarrierRecord) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(r.version)))
        .json(view(r))
}

pub async fn load(state: &AppState, id: Uuid) -> ApiResult<CarrierRecord> {
    store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("carrier"))
}

/// The password column after a write: encrypted new value, the stored one, or none.
fn password_secret(
    state: &AppState,
    change: &PasswordChange,
    stored: Option<&[u8]>,
) -> Option<Vec<u8>> {
    match change {
        PasswordChange::Set(p) => Some(state.secrets.encrypt(p.expose())),
        PasswordChange::Keep => stored.map(<[u8]>::to_vec),
        PasswordChange::Clear => None,
    }
}

/// The names of the fields a write changes, for the audit log (the password
/// by name only).
fn changed_fields(old: &CarrierRecord, new: &CarrierConfig) -> Vec<&'static str> {
    let ips: Vec<String> = new.allowed_ips.iter().map(ToString::to_string).collect();
    let password_changed = match &new.password {
        PasswordChange::Set(_) => true,
        PasswordChange::Keep => false,
        PasswordChange::Clear => old.password_secret.is_some(),
    };
    [
        ("name", old.name != new.name.as_str()),
        ("sip_address", old.sip_address != new.sip_address.as_str()),
        ("transport", old.transport != new.transport),
        (
            "destination_country",
            old.destination_country != new.destination_country,
        ),
        ("number_format", old.number_format != new.number_format),
        ("username", old.username != new.username),
        ("password", password_changed),
        ("inbound_auth", old.inbound_auth != new.inbound_auth),
        ("allowed_ips", old.allowed_ips != ips),
        ("outbound_cps", old.cps != new.cps.get()),
        ("outbound_burst", old.burst != new.burst.get()),
        ("outbound_channels", old.channels != new.channels.get()),
        (
            "monitor_reachability",
            old.monitor_reachability != new.monitor_reachability,
        ),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// The fields a create sets, for the audit log.
fn set_fields(config: &CarrierConfig) -> Vec<&'static str> {
    let mut fields = vec![
        "name",
        "sip_address",
        "transport",
        "number_format",
        "inbound_auth",
        "outbound_cps",
        "outbound_burst",
        "outbound_channels",
    ];
    if config.destination_country.is_some() {
        fields.push("destination_country");
    }
    if config.username.is_some() {
        fields.push("username");
    }
    if matches!(config.password, PasswordChange::Set(_)) {
        fields.push("password");
    }
    if !config.allowed_ips.is_empty() {
        fields.push("allowed_ips");
    }
    if config.monitor_reachability {
        fields.push("monitor_reachability");
    }
    fields
}

/// List carriers, with search and keyset pagination.
#[utoipa::path(get, path = "/api/v1/carriers", tag = "carriers", operation_id = "list_carriers",
    params(ListQuery),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "A page of carriers, by name", body = CarrierPage),
    ))]
pub async fn list(
    _: SuperAdmin,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page_limit(query.limit)?;
    let cursor = page_cursor(query.cursor.as_deref(), Cursor::decode)?;
    let q = super::search_text("q", query.q.as_deref())?;
    // The body as sent, reused while fresh (db::memo): serializing 50 rows
    // costs as much as reading them.
    let key = (q.to_owned(), limit, query.cursor.clone());
    let body = state
        .carrier_pages
        .get_or_load(&state.db.writes, key, async || {
            let page = store::list(&state.db, q, limit, cursor.as_ref()).await?;
            let body = serde_json::to_vec(&CarrierPage {
                items: page.items,
                total: page.total,
                next_cursor: page.next.map(|c| c.encode()),
            })
            .map_err(anyhow::Error::from)?;
            Ok::<_, ApiError>(Bytes::from(body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(body))
}

/// Create a carrier; omitted fields take the spec's defaults.
#[utoipa::path(post, path = "/api/v1/carriers", tag = "carriers", operation_id = "create_carrier",
    request_body = CarrierCreate,
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 201, description = "Created; it syncs to LiveKit in the background", body = Carrier,
            headers(
                ("ETag" = String, description = "The carrier's version, for If-Match"),
                ("Location" = String, description = "The carrier's URL"),
            )),
    ))]
pub async fn create(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    body: JsonObject<CarrierCreate>,
) -> ApiResult<HttpResponse> {
    let config = body.validate().map_err(ApiError::Validation)?;
    check_not_loopback(&config.sip_address, state.allow_loopback_sip)
        .map_err(|m| ApiError::field("sip_address", m))?;
    let write = CarrierWrite {
        password_secret: password_secret(&state, &config.password, None),
        config: &config,
    };
    let mut tx = state.db.begin().await?;
    let id = store::insert(&mut tx, &write).await?;
    if config.monitor_reachability {
        probes::follow(&mut tx, id, true, true).await?;
    }
    let event = Event::new("carrier.create", "carrier", id)
        .carrier(id)
        .fields(set_fields(&config));
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    state.changed();
    let record = load(&state, id).await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/carriers/{id}")));
    Ok(with_etag(response, &record))
}

/// Read one carrier. The password is never returned, only `has_password`.
#[utoipa::path(get, path = "/api/v1/carriers/{id}", tag = "carriers", operation_id = "get_carrier",
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "The carrier", body = Carrier,
            headers(("ETag" = String, description = "The carrier's version, for If-Match"))),
    ))]
pub async fn get(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let record = load(&state, *id).await?;
    Ok(with_etag(HttpResponse::Ok(), &record))
}

/// Change some fields of a carrier.
///
/// Changing `destination_country` or `number_format` recomputes every
/// number's E.164 form and the form LiveKit gets, in the same transaction;
/// when a number would then be the same line as another carrier's number the
/// answer is 409 naming that carrier, and nothing changes.
///
/// An absent or empty `password` keeps the stored one; `"clear_password": true`
/// removes it. Send `If-Match` with the carrier's ETag to refuse the change
/// (412) when someone else saved first.
#[utoipa::path(patch, path = "/api/v1/carriers/{id}", tag = "carriers", operation_id = "update_carrier",
    request_body = CarrierPatch,
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        IfMatch,
    ),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "Changed (or nothing to change); it syncs in the background", body = Carrier,
            headers(("ETag" = String, description = "The carrier's new version"))),
        (status = 409, description = "A number would then be the same line as another carrier's number",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonObject<CarrierPatch>,
) -> ApiResult<HttpResponse> {
    let conditional = req.headers().contains_key(header::IF_MATCH);
    for _ in 0..PATCH_ATTEMPTS {
        let record = load(&state, *id).await?;
        check_if_match(&req, record.version)?;
        let config = body
            .apply(&record.current())
            .map_err(ApiError::Validation)?;
        let fields = changed_fields(&record, &config);
        if fields.contains(&"sip_address") {
            check_not_loopback(&config.sip_address, state.allow_loopback_sip)
                .map_err(|m| ApiError::field("sip_address", m))?;
        }
        if fields.is_empty() {
            // Nothing changes: no new version, no sync, no audit row.
            return Ok(with_etag(HttpResponse::Ok(), &record));
        }
        let stored = record.password_secret.as_deref();
        let write = CarrierWrite {
            password_secret: password_secret(&state, &config.password, stored),
            config: &config,
        };
        let mut tx = state.db.begin().await?;
        if store::update(&mut tx, *id, record.version, &write).await? {
            if fields.contains(&"destination_country") || fields.contains(&"number_format") {
                // The numbers' forms follow in the same transaction; a
                // collision answers 409 and rolls it all back.
                super::numbers::recompute_forms(
                    &mut tx,
                    *id,
                    config.name.as_str(),
                    config.destination_country.as_deref(),
                    config.number_format,
                )
                .await?;
            }
            let target_changed = fields.contains(&"sip_address") || fields.contains(&"transport");
            if target_changed || fields.contains(&"monitor_reachability") {
                probes::follow(&mut tx, *id, config.monitor_reachability, target_changed).await?;
            }
            let event = Event::new("carrier.update", "carrier", *id)
                .carrier(*id)
                .fields(fields);
            audit::record(&mut tx, Some(&user), event).await?;
            tx.commit().await?;
            state.changed();
            let record = load(&state, *id).await?;
            return Ok(with_etag(HttpResponse::Ok(), &record));
        }
        tx.rollback().await?;
        if conditional {
            return Err(ApiError::PreconditionFailed);
        }
    }
    Err(ApiError::PreconditionFailed)
}

/// Delete a carrier and all of its phone numbers.
#[utoipa::path(delete, path = "/api/v1/carriers/{id}", tag = "carriers", operation_id = "delete_carrier",
    params(
        ("id" = Uuid, Path, description = "Carrier id"),
        IfMatch,
    ),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 204, description = "Deleted, with its numbers; its LiveKit trunks and rules are removed in the background"),
    ))]
pub async fn delete(
    SuperAdmin(user): SuperAdmin,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let record = load(&state, *id).await?;
    check_if_match(&req, record.version)?;
    let expected = req
        .headers()
        .contains_key(header::IF_MATCH)
        .then_some(record.version);
    let mut tx = state.db.begin().await?;
    let Some(remote) = store::delete(&mut tx, *id, expected).await? else {
        return Err(match expected {
            Some(_) => ApiError::PreconditionFailed,
            None => ApiError::not_found("carrier"),
        });
    };
    // Its LiveKit objects outlive the row until the reconciler deletes them.
    let carrier = id.to_string();
    for (kind, remote_id) in &remote {
        sync::tombstone(&mut tx, kind, remote_id, &carrier).await?;
    }
    let event = Event::new("carrier.delete", "carrier", *id)
        .carrier(*id)
        .detail(record.name.clone());
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    state.changed();
    Ok(HttpResponse::NoContent().finish())
}

/// "Sync to LiveKit": reconcile this carrier now and answer with the result.
///
/// 200 with `sync_status` `synced`, or `error` and LiveKit's message in
/// `sync_error`. 503 when LiveKit is not configured.
#[utoipa::path(post, path = "/api/v1/carriers/{id}/sync", tag = "carriers", operation_id = "sync_carrier",
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, body = Carrier, description = "The sync ran; see sync_status and sync_error",
            headers(("ETag" = String, description = "The carrier's version"))),
        (status = 409, description = "Another sync of this carrier is running",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "LiveKit is not configured",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sync_now(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    load(&state, *id).await?;
    match reconciler(&state)?.sync_now(*id).await {
        Ok(()) => {}
        Err(SyncNowError::NotFound) => return Err(ApiError::not_found("carrier")),
        Err(SyncNowError::Busy) => {
            return Err(ApiError::Conflict {
                field: "id",
                detail: "Another sync of this carrier is running; try again in a moment.".into(),
            });
        }
        Err(SyncNowError::Db(e)) => return Err(e.into()),
    }
    let record = load(&state, *id).await?;
    Ok(with_etag(HttpResponse::Ok(), &record))
}

/// The reconciler, or 503 when LiveKit is not configured.
fn reconciler(state: &AppState) -> ApiResult<&Reconciler> {
    state.reconciler.as_deref().ok_or_else(|| {
        ApiError::Unavailable(
            "LiveKit is not configured: set ORI_LIVEKIT_URL, ORI_LIVEKIT_API_KEY and \
             ORI_LIVEKIT_API_SECRET (or ORI_LIVEKIT_API_SECRET_FILE), then restart."
                .into(),
        )
    })
}

/// "What LiveKit holds": the carrier's trunks and dispatch rules read from
/// LiveKit now, beside what the console wants, field by field. Passwords
/// show only whether they match. "Sync to LiveKit" repairs any difference.
///
/// 502 when LiveKit cannot be read (nothing is guessed); 503 when LiveKit is
/// not configured.
#[utoipa::path(get, path = "/api/v1/carriers/{id}/livekit", tag = "carriers", operation_id = "carrier_livekit",
    params(("id" = Uuid, Path, description = "Carrier id")),
    security(("session" = ["super_admin"]), ("bearer" = ["super_admin"])),
    responses(
        (status = 200, description = "LiveKit's objects beside the console's", body = LiveKitComparison),
        (status = 409, description = "The carrier's configuration cannot be turned into LiveKit objects",
            body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "LiveKit could not be read",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "LiveKit is not configured",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn livekit(
    _: SuperAdmin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    load(&state, *id).await?;
    match reconciler(&state)?.inspect(*id).await {
        Ok(comparison) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(comparison)),
        Err(InspectError::NotFound) => Err(ApiError::not_found("carrier")),
        Err(e @ InspectError::LiveKit(_)) => Err(ApiError::BadGateway(e.to_string())),
        Err(e @ InspectError::Plan(_)) => Err(ApiError::Conflict {
            field: "id",
            detail: e.to_string(),
        }),
        Err(InspectError::Db(e)) => Err(e.into()),
    }
}
