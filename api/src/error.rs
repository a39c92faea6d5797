//! One error type for every handler, rendered as RFC 9457 problem+json.
//! Clients get a safe, specific message; logs get the whole cause chain.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use ori_shared::FieldErrors;
use ori_shared::dto::Problem;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// The password was right; the account's two-factor code is missing
    /// or wrong (the message says which).
    #[error("{0}")]
    TwoFactorRequired(String),
    #[error("{0}")]
    Forbidden(String),
    /// A super admin who must turn on two-factor sign-in before anything else.
    #[error("two-factor sign-in must be turned on first")]
    TwoFactorSetupRequired,
    #[error("{0}")]
    NotFound(String),
    /// `allow`: the methods the path has, for the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("{detail}")]
    Conflict { field: &'static str, detail: String },
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// Too many password checks at once (`auth::password::Busy`).
    #[error("too many password checks at once")]
    Busy,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("No {what} with this id."))
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::single(field, message))
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let (kind, detail, errors) = match self {
            Self::Validation(errors) => (
                "validation",
                Some("Some fields are not valid; see errors.".to_owned()),
                errors.0.clone(),
            ),
            Self::Conflict { field, detail } => (
                "conflict",
                Some(detail.clone()),
                FieldErrors::single(field, detail.clone()).0,
            ),
            Self::PreconditionFailed => (
                "precondition-failed",
                Some("The carrier was changed by someone else since you loaded it. Reload and apply your change again.".into()),
                vec![],
            ),
            Self::MethodNotAllowed { allow } => (
                "method-not-allowed",
                Some(format!("This path answers only {allow}.")),
                vec![],
            ),
            Self::PayloadTooLarge => (
                "payload-too-large",
                Some("The request body is too large.".into()),
                vec![],
            ),
            Self::Internal(_) => (
                "internal",
                Some("Something went wrong on our side. It has been logged.".into()),
                vec![],
            ),
            Self::TooManyRequests { retry_after_secs } => (
                "too-many-requests",
                Some(format!("Too many failed attempts. Try again in {retry_after_secs} seconds.")),
                vec![],
            ),
            Self::Busy => (
                "too-many-requests",
                Some("The server is busy checking other sign-ins. Try again in a second.".into()),
                vec![],
            ),
            Self::BadRequest(d) => ("bad-request", Some(d.clone()), vec![]),
            Self::Unauthorized(d) => ("unauthorized", Some(d.clone()), vec![]),
            Self::TwoFactorRequired(d) => (
                "two-factor-required",
                Some(d.clone()),
                FieldErrors::single("code", d.clone()).0,
            ),
            Self::TwoFactorSetupRequired => (
                "two-factor-setup-required",
                Some("Super admins must turn on two-factor sign-in first: open Two-factor sign-in in your account menu.".into()),
                vec![],
            ),
            Self::Forbidden(d) => ("forbidden", Some(d.clone()), vec![]),
            Self::NotFound(d) => ("not-found", Some(d.clone()), vec![]),
            Self::UnsupportedMediaType(d) => ("unsupported-media-type", Some(d.clone()), vec![]),
            Self::Unavailable(d) => ("unavailable", Some(d.clone()), vec![]),
        };
        Problem {
            type_: format!("urn:ori:problem:{kind}"),
            title,
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::TwoFactorRequired(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::TwoFactorSetupRequired => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } | Self::Busy => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(e) = self {
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            Self::Unauthorized(_) | Self::TwoFactorRequired(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Busy => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.body(body)
    }
}

impl From<crate::auth::password::Busy> for ApiError {
    fn from(_: crate::auth::password::Busy) -> Self {
        Self::Busy
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// True when `e` is a unique-constraint violation (SQLite or PostgreSQL).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}
