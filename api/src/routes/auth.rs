//! `/api/v1/auth/*` and `/api/v1/me`: logging in and out, and the signed-in
//! account.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use ori_shared::accounts::{Email, LoginRequest, LoginResponse, Me, MePatch, check_new_password};
use ori_shared::dto::Problem;
use ori_shared::{FieldErrors, Secret};

use crate::auth::extract::{check_same_origin, session_cookie_name, session_of};
use crate::auth::throttle::{self, Subject, too_many};
use crate::auth::{AuthUser, SignedIn, password, two_factor};
use crate::body::JsonObject;
use crate::client_addr;
use crate::db::audit::{self, Event};
use crate::db::sessions::{self, Origin};
use crate::db::two_factor as two_factor_store;
use crate::db::users;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::time_util::from_ms;

fn session_cookie(req: &HttpRequest, token: &str, max_age_secs: i64) -> Cookie<'static> {
    // Secure unless ORI_INSECURE_HTTP says this is plain-HTTP development
    // (then without the `__Host-` prefix, which requires Secure).
    let insecure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.insecure_http);
    Cookie::build(session_cookie_name(insecure), token.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(!insecure)
        .path("/")
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

fn me_view(user: &AuthUser, two_factor_enabled: bool) -> Me {
    Me {
        id: user.id,
        email: user.email.clone(),
        role: user.role,
        timezone: user.timezone.clone(),
        two_factor_enabled,
        two_factor_setup_required: user.two_factor_pending,
    }
}

/// The account as `/me` shows it, reading whether two-factor sign-in is on.
async fn me_now(state: &AppState, user: &AuthUser) -> ApiResult<Me> {
    let enabled = two_factor_store::enabled(&state.db, user.id).await?;
    Ok(me_view(user, enabled))
}

/// A valid IANA time zone name.
pub fn check_timezone(name: &str) -> Result<String, String> {
    let name = name.trim();
    name.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            format!("\"{name}\" is not a time zone name such as Europe/London or Asia/Kolkata.")
        })
}

/// Log in with email and password. Sets an HttpOnly session cookie and
/// also returns the token for `Authorization: Bearer`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse, description = "Logged in; the session cookie is set"),
        (status = 401, description = "Wrong email or password; or, with type `urn:ori:problem:two-factor-required`, the password was right and the account's two-factor `code` is missing or wrong", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 429, description = "Too many failed attempts from this address or for this account (or too many wrong two-factor codes)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonObject<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let email = body.email.trim().to_lowercase();
    let mut missing = FieldErrors::new();
    // Checked before the throttle, the audit log or a log line sees it: no
    // megabyte "email" and no control characters get that far.
    if email.is_empty() {
        missing.push("email", "Enter your email address.");
    } else if let Err(message) = Email::parse(&email) {
        missing.push("email", message);
    }
    if body.password.is_empty() {
        missing.push("password", "Enter your password.");
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let client = client_addr::client_ip(&req);
    let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
    let client_key = client.map(client_addr::throttle_key).unwrap_or_default();
    // A place at the password gate first: when it is full, nothing is spent.
    let ticket = password::reserve()?;
    let attempt = throttle::attempt(&state.db, Subject::new(&client_key, &email))
        .await?
        .map_err(too_many)?;
    let user = users::by_email(&state.db, &email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let verified = ticket
        .verify(body.password.expose().to_owned(), hash)
        .await?;
    let target = user.as_ref().map(|u| u.user.id.to_string());
    let Some(user) = user.filter(|_| verified) else {
        let mut conn = state.db.pool.acquire().await?;
        let event = Event {
            action: "login.failure",
            target_type: "user",
            target_id: target.clone(),
            carrier_id: None,
            fields: vec![],
            detail: Some(format!("{email} from {ip}")),
        };
        audit::record(&mut conn, None, event).await?;
        for held in &attempt.now_holding_back {
            let event = Event {
                action: "login.throttled",
                target_type: "user",
                target_id: target.clone(),
                carrier_id: None,
                fields: vec![],
                detail: Some(format!("{email} from {ip}: {held}")),
            };
            audit::record(&mut conn, None, event).await?;
        }
        return Err(ApiError::Unauthorized("Email or password is wrong.".into()));
    };
    // The password was right: its attempt is settled before the second
    // factor, whose wrong codes count against their own, lower limit.
    attempt.succeeded(&state.db).await?;
    let code = body.code.as_ref().filter(|c| !c.is_empty());
    let two_factor_enabled = match two_factor::check_login(&state, user.user.id, &email, code).await
    {
        Ok(enabled) => enabled,
        Err(e) => {
            if code.is_some() {
                let event = Event::new("login.failure", "user", user.user.id)
                    .detail(format!("{email} from {ip}: two-factor code not accepted"));
                audit::record(&mut *state.db.pool.acquire().await?, None, event).await?;
            }
            return Err(e);
        }
    };
    let mut conn = state.db.pool.acquire().await?;
    let exp = state.jwt.expiry()?;
    let origin = Origin {
        client_ip: ip.clone(),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
    };
    let sid = sessions::create(&mut conn, user.user.id, exp * 1000, &origin).await?;
    let token = state.jwt.issue(user.user.id, sid, exp)?;
    let signed_in = AuthUser {
        id: user.user.id,
        email: user.user.email.clone(),
        role: user.user.role,
        timezone: user.user.timezone.clone(),
        api_token: None,
        session: Some(sid),
        two_factor_pending: !two_factor_enabled && two_factor::required(&state, user.user.role),
    };
    let event = Event::new("login.success", "user", user.user.id).detail(format!("from {ip}"));
    audit::record(&mut conn, Some(&signed_in), event).await?;
    let ttl = exp - time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&req, &token, ttl))
        .json(LoginResponse {
            token,
            token_type: "Bearer".into(),
            expires_at: from_ms(exp * 1000),
            user: me_view(&signed_in, two_factor_enabled),
        }))
}

/// The `Set-Cookie` that removes the session cookie.
fn cleared_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut cookie = session_cookie(req, "", 0);
    cookie.make_removal();
    cookie
}

/// Log out: ends the session the cookie or bearer token names, so that
/// token stops working everywhere at once, and clears the cookie. Like every
/// write, it must come from the console's own site: another site cannot log
/// a user out.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    responses(
        (status = 204, description = "The session has ended and its cookie is cleared"),
        (status = 403, description = "The request came from another site",
            body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    check_same_origin(&req)?;
    if let Some(sid) = session_of(&req, &state) {
        sessions::end(&state.db, sid).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(cleared_cookie(&req))
        .finish())
}

/// Log out everywhere: ends every login session of this account (other
/// browsers, copied tokens), this one included. API tokens are not sessions:
/// revoke those on their own.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "auth", operation_id = "end_my_sessions",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Every session of this account has ended; the session cookie is cleared"),
    ))]
pub async fn end_my_sessions(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut tx = state.db.begin().await?;
    let ended = sessions::end_all(&mut tx, user.id, None).await?;
    let event = Event::new("user.sessions_end", "user", user.id)
        .detail(format!("{ended} sessions, by the account itself"));
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_cookie(&req))
        .finish())
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", operation_id = "get_me",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = Me),
    ))]
pub async fn me(SignedIn(user): SignedIn, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(me_now(&state, &user).await?))
}

/// Change your time zone, or your password (give the current one). A new
/// password ends every other session of the account.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", operation_id = "update_me",
    request_body = MePatch,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Me),
    ))]
pub async fn update_me(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    body: JsonObject<MePatch>,
) -> ApiResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    let timezone = body
        .timezone
        .as_deref()
        .and_then(|tz| errors.check("timezone", check_timezone(tz)));
    let new_password = body
        .new_password
        .as_ref()
        .map(|p| p.expose())
        .filter(|p| !p.is_empty());
    if let Some(new_password) = new_password {
        errors.check("new_password", check_new_password(new_password));
        if !check_password(&req, &state, &user, body.current_password.as_ref()).await? {
            errors.push("current_password", "The current password is wrong.");
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let new_hash = match new_password {
        Some(p) => Some(password::hash(p.to_owned()).await?),
        None => None,
    };
    let mut fields = Vec::new();
    let mut tx = state.db.begin().await?;
    if let Some(tz) = &timezone {
        users::set_timezone(&mut tx, user.id, tz).await?;
        fields.push("timezone");
    }
    if let Some(hash) = &new_hash {
        users::set_password(&mut tx, user.id, hash).await?;
        // Whoever else knew the old password is logged out; this session stays.
        sessions::end_all(&mut tx, user.id, user.session).await?;
        fields.push("password");
    }
    if !fields.is_empty() {
        audit::record(
            &mut tx,
            Some(&user),
            Event::new("user.update", "user", user.id).fields(fields),
        )
        .await?;
    }
    tx.commit().await?;
    let updated = users::by_id(&state.db, user.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("This account no longer exists.".into()))?;
    let user = AuthUser {
        timezone: updated.user.timezone,
        ..user
    };
    Ok(HttpResponse::Ok().json(me_now(&state, &user).await?))
}

/// Checks the signed-in account's own password, given again to confirm a
/// change. It is guessed like a login's: the same gate and the same throttle.
pub async fn check_password(
    req: &HttpRequest,
    state: &AppState,
    user: &AuthUser,
    given: Option<&Secret>,
) -> ApiResult<bool> {
    let ticket = password::reserve()?;
    let client = client_addr::client_ip(req).map(client_addr::throttle_key);
    let subject = Subject::new(&client.unwrap_or_default(), &user.email);
    let attempt = throttle::attempt(&state.db, subject)
        .await?
        .map_err(too_many)?;
    let stored = users::by_id(&state.db, user.id)
        .await?
        .map(|u| u.password_hash);
    let given = given.map(|p| p.expose().to_owned()).unwrap_or_default();
    if ticket.verify(given, stored).await? {
        attempt.succeeded(&state.db).await?;
        Ok(true)
    } else {
        Ok(false)
    }
}
