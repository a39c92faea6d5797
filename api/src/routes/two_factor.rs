//! `/api/v1/me/two-factor`: turning two-factor sign-in on and off for the
//! signed-in account. Enrolment is two steps — set up (a new secret and its
//! QR code), then confirm with the app's first code, which answers the ten
//! recovery codes — so an app that never got the secret cannot lock anyone
//! out. These routes stay open to a super admin who must enrol first.

use actix_web::{HttpRequest, HttpResponse, web};
use ori_shared::two_factor::{
    Code, RecoveryCodes, TwoFactorConfirm, TwoFactorDisable, TwoFactorSetup, TwoFactorSetupRequest,
    TwoFactorStatus, display_recovery_code, parse_code,
};
use ori_shared::{FieldErrors, dto::Problem};

use crate::auth::{AuthUser, SignedIn, two_factor};
use crate::body::JsonObject;
use crate::db::audit::{self, Event};
use crate::db::sessions;
use crate::db::two_factor as store;
use crate::error::{ApiError, ApiResult};
use crate::routes::auth::check_password;
use crate::state::AppState;

/// Whether two-factor sign-in is on for you, and whether it must be.
#[utoipa::path(get, path = "/api/v1/me/two-factor", tag = "auth", operation_id = "get_two_factor",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TwoFactorStatus, description = "Your two-factor sign-in"),
    ))]
pub async fn status(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let enabled = store::enabled(&state.db, user.id).await?;
    let left = if enabled {
        store::recovery_codes_left(&state.db, user.id).await?
    } else {
        0
    };
    Ok(HttpResponse::Ok().json(TwoFactorStatus {
        enabled,
        required: two_factor::required(&state, user.role),
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
    }))
}

/// Start turning on two-factor sign-in: a new secret for your authenticator
/// app, as a QR code and as text. Nothing changes at sign-in until you
/// confirm it with a code. Starting again replaces an unconfirmed secret.
#[utoipa::path(post, path = "/api/v1/me/two-factor/setup", tag = "auth", operation_id = "set_up_two_factor",
    request_body = TwoFactorSetupRequest,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TwoFactorSetup, description = "Scan the QR code (or type the secret), then confirm with a code"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Two-factor sign-in is already on"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            description = "Too many wrong passwords; wait `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn setup(
    req: HttpRequest,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    body: JsonObject<TwoFactorSetupRequest>,
) -> ApiResult<HttpResponse> {
    if body.password.is_empty() {
        return Err(ApiError::field("password", "Enter your password."));
    }
    if !check_password(&req, &state, &user, Some(&body.password)).await? {
        return Err(ApiError::field("password", "The password is wrong."));
    }
    let secret = two_factor::new_secret();
    let sealed = two_factor::seal(&state.secrets, &secret);
    if !store::start(&state.db, user.id, &sealed).await? {
        return Err(already_on());
    }
    Ok(HttpResponse::Ok().json(two_factor::setup_view(secret, &user.email)?))
}

fn already_on() -> ApiError {
    ApiError::Conflict {
        field: "two_factor",
        detail: "Two-factor sign-in is already on. Turn it off first to use a new app.".into(),
    }
}

/// Confirm with your app's current code: two-factor sign-in is on from now,
/// your other sessions end, and the answer holds ten recovery codes — each
/// signs in once in place of a code. They are shown this once.
#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "auth", operation_id = "confirm_two_factor",
    request_body = TwoFactorConfirm,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, body = RecoveryCodes, description = "On; keep the recovery codes somewhere safe"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Already on, or not set up yet (start with `/me/two-factor/setup`)"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            description = "Too many wrong codes; wait `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn confirm(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    body: JsonObject<TwoFactorConfirm>,
) -> ApiResult<HttpResponse> {
    let code = match parse_code(body.code.expose()) {
        Ok(Code::Totp(digits)) => Code::Totp(digits),
        _ => {
            return Err(ApiError::field(
                "code",
                "Enter the 6-digit code your authenticator app shows now.",
            ));
        }
    };
    let enrolment = store::get(&state.db, user.id)
        .await?
        .ok_or_else(|| ApiError::Conflict {
            field: "code",
            detail: "Set up two-factor sign-in first: there is no secret to confirm.".into(),
        })?;
    if enrolment.confirmed_at.is_some() {
        return Err(already_on());
    }
    if !two_factor::redeem(&state, user.id, &user.email, &enrolment, &code).await? {
        return Err(ApiError::field(
            "code",
            "This code is wrong. Check that the app's clock is right and enter the code it shows now.",
        ));
    }
    let codes = two_factor::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| two_factor::recovery_hash(&state.secrets, user.id, c))
        .collect();
    let mut tx = state.db.begin().await?;
    store::confirm(&mut tx, user.id, &hashes).await?;
    // Sessions opened with the password alone end: from now on a login
    // needs the code too.
    sessions::end_all(&mut tx, user.id, user.session).await?;
    let event = Event::new("user.two_factor_on", "user", user.id);
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(RecoveryCodes {
        recovery_codes: codes.iter().map(|c| display_recovery_code(c)).collect(),
    }))
}

/// Turn two-factor sign-in off, with your password and a current code (or a
/// recovery code). Not allowed where the console requires it of you.
#[utoipa::path(post, path = "/api/v1/me/two-factor/disable", tag = "auth", operation_id = "disable_two_factor",
    request_body = TwoFactorDisable,
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Off: sign-in asks for the password only"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Not on, or required of this account"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            description = "Too many wrong passwords or codes; wait `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn disable(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonObject<TwoFactorDisable>,
) -> ApiResult<HttpResponse> {
    if two_factor::required(&state, user.role) {
        return Err(ApiError::Conflict {
            field: "two_factor",
            detail: "Super admins on this console must keep two-factor sign-in on.".into(),
        });
    }
    let enrolment = store::get(&state.db, user.id)
        .await?
        .filter(|e| e.confirmed_at.is_some())
        .ok_or_else(|| ApiError::Conflict {
            field: "two_factor",
            detail: "Two-factor sign-in is not on.".into(),
        })?;
    let mut errors = FieldErrors::new();
    let code = body
        .code
        .as_ref()
        .map(|c| parse_code(c.expose()))
        .unwrap_or_else(|| Err("Enter a code from your authenticator app.".into()));
    let code = errors.check("code", code);
    if body.password.is_empty() {
        errors.push("password", "Enter your password.");
    }
    let Some(code) = code.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if !check_password(&req, &state, &user, Some(&body.password)).await? {
        return Err(ApiError::field("password", "The password is wrong."));
    }
    if !two_factor::redeem(&state, user.id, &user.email, &enrolment, &code).await? {
        return Err(ApiError::field(
            "code",
            "This code is wrong or has been used already.",
        ));
    }
    let mut tx = state.db.begin().await?;
    store::remove(&mut tx, user.id).await?;
    sessions::end_all(&mut tx, user.id, user.session).await?;
    let event = Event::new("user.two_factor_off", "user", user.id);
    audit::record(&mut tx, Some(&user), event).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
