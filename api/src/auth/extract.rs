//! Who is calling: extractors a handler names to be reachable at all.
//! `AuthUser` needs a valid session or API token; `AdminUser` and `SuperAdmin`
//! add a role. All three refuse a super admin who has yet to turn on
//! two-factor sign-in where the console requires it; `SignedIn` lets them
//! through, for the few routes that enrolment needs (`/me`, `/me/two-factor`).
//! A handler without one of these is public — the route × role test lists
//! the few that are meant to be.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use ori_shared::accounts::Role;
use uuid::Uuid;

use super::{api_token, two_factor};
use crate::db::{sessions, tokens};
use crate::error::ApiError;
use crate::state::AppState;
use crate::time_util::now_ms;

/// The session cookie's name: `__Host-` makes browsers take it only with
/// `Secure`, `Path=/` and no `Domain`, so no subdomain or plain-HTTP page
/// can set or overwrite it.
pub const SESSION_COOKIE: &str = "__Host-ori_session";
/// Its name with `ORI_INSECURE_HTTP`: browsers refuse a `__Host-` cookie
/// without `Secure`.
pub const INSECURE_SESSION_COOKIE: &str = "ori_session";

/// The session cookie's name for this server's setting.
pub fn session_cookie_name(insecure_http: bool) -> &'static str {
    if insecure_http {
        INSECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub timezone: String,
    /// The API token the request came with; `None` for a login session.
    pub api_token: Option<Uuid>,
    /// The login session the request came with; `None` for an API token.
    pub session: Option<Uuid>,
    /// A login session of an account that must turn on two-factor sign-in
    /// before anything else (see `two_factor::required`).
    pub two_factor_pending: bool,
}

/// A signed-in account that may still have to turn on two-factor sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn(pub AuthUser);

/// A signed-in admin or super admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

/// A signed-in super admin: carriers, numbers, bots, users, audit.
#[derive(Debug, Clone)]
pub struct SuperAdmin(pub AuthUser);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Refuses cookie-authenticated writes that a browser says come from
/// another site (CSRF). Bearer tokens (login JWTs and API tokens) are not
/// sent automatically, so they need no such check.
pub fn check_same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refused = || ApiError::Forbidden("Cross-site request refused.".into());
    if let Some(site) = req.headers().get("sec-fetch-site") {
        return match site.to_str().unwrap_or("") {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused()),
        };
    }
    if let Some(origin) = req.headers().get("origin") {
        let info = req.connection_info();
        let own = format!("{}://{}", info.scheme(), info.host());
        if origin.to_str().unwrap_or("") != own {
            return Err(refused());
        }
    }
    Ok(())
}

async fn authenticate(req: HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| anyhow::anyhow!("app state missing"))?
        .clone();
    let (token, via_cookie) = match bearer(&req) {
        Some(token) => (token, false),
        None => match req.cookie(session_cookie_name(state.insecure_http)) {
            Some(cookie) => (cookie.value().to_owned(), true),
            None => {
                return Err(ApiError::Unauthorized(
                    "Log in first: send the session cookie or Authorization: Bearer <token>."
                        .into(),
                ));
            }
        },
    };
    if !via_cookie && api_token::is_api_token(&token) {
        return with_api_token(&state, &token).await;
    }
    let expired =
        || ApiError::Unauthorized("Your session is invalid or has expired. Log in again.".into());
    let claims = state.jwt.verify(&token).ok_or_else(expired)?;
    let session = sessions::find(&state.db, claims.sid, claims.sub)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("You were logged out. Log in again.".into()))?;
    let now = now_ms();
    if session.expires_at <= now {
        return Err(expired());
    }
    let policy = &state.sessions;
    if now - session.last_seen_at >= policy.idle_ms {
        sessions::end(&state.db, claims.sid).await?;
        return Err(ApiError::Unauthorized(format!(
            "You were logged out after {} without activity. Log in again.",
            policy.idle_words()
        )));
    }
    if via_cookie {
        check_same_origin(&req)?;
    }
    // Written now and then, not on every request: the idle timeout needs
    // only that precision.
    if now - session.last_seen_at >= policy.touch_every_ms() {
        sessions::touch(&state.db, claims.sid, now).await?;
    }
    let two_factor_pending =
        !session.two_factor_enabled && two_factor::required(&state, session.role);
    Ok(AuthUser {
        id: session.user_id,
        email: session.email,
        role: session.role,
        timezone: session.timezone,
        api_token: None,
        session: Some(claims.sid),
        two_factor_pending,
    })
}

/// The session a request's token names, valid or not (for logout).
pub fn session_of(req: &HttpRequest, state: &AppState) -> Option<Uuid> {
    let cookie = session_cookie_name(state.insecure_http);
    let token = bearer(req).or_else(|| req.cookie(cookie).map(|c| c.value().to_owned()))?;
    state.jwt.verify(&token).map(|claims| claims.sid)
}

/// An API token: known by its hash, not revoked, not expired. The request
/// gets the lower of the token's role and its owner's role now, so demoting
/// someone limits their tokens at once (deleting them deletes the tokens).
async fn with_api_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let refused = || {
        ApiError::Unauthorized(
            "This API token is not valid: it is unknown, revoked or expired.".into(),
        )
    };
    let found = tokens::by_hash(&state.db, &api_token::hash(token))
        .await?
        .ok_or_else(refused)?;
    let now = now_ms();
    if found.revoked_at.is_some() || found.expires_at.is_some_and(|at| at <= now) {
        return Err(refused());
    }
    // Read first, so most requests within the minute write nothing at all. The
    // time is for people to see; failing to write it must not fail the request.
    if found
        .last_used_at
        .is_none_or(|at| at <= now - tokens::TOUCH_EVERY_MS)
        && let Err(e) = tokens::touch(&state.db, found.id, now).await
    {
        tracing::warn!(token = %found.id, error = %e, "recording an API token's use failed");
    }
    Ok(AuthUser {
        id: found.user_id,
        email: found.email,
        role: found.role.min(found.user_role),
        timezone: found.timezone,
        api_token: Some(found.id),
        session: None,
        // A token was made by someone signed in past the second factor.
        two_factor_pending: false,
    })
}

/// A signed-in account that has done what the console requires of it.
async fn authorise(req: HttpRequest) -> Result<AuthUser, ApiError> {
    let user = authenticate(req).await?;
    if user.two_factor_pending {
        return Err(ApiError::TwoFactorSetupRequired);
    }
    Ok(user)
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(Self) })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authorise(req.clone()))
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authorise(req).await?;
            if user.role < Role::Admin {
                return Err(ApiError::Forbidden("This needs an admin account.".into()));
            }
            Ok(Self(user))
        })
    }
}

impl FromRequest for SuperAdmin {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authorise(req).await?;
            if user.role != Role::SuperAdmin {
                return Err(ApiError::Forbidden(
                    "Only super admins can do this (carrier setup is super admin only).".into(),
                ));
            }
            Ok(Self(user))
        })
    }
}
