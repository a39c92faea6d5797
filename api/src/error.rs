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
    /// A service this request needs (LiveKit) could not be read; the text says why.
    #[error("{0}")]
    BadGateway(String),
    /// The database cannot serve the request: it does not answer, it is
    /// read-only, or its disk is full. The client learns which and what to
    /// do; the log gets the cause.
    #[error("{fault}: {cause:#}")]
    Storage {
        fault: StorageFault,
        cause: anyhow::Error,
    },
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Why the database could not serve a request (see [`storage_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StorageFault {
    /// Unreachable, restarting, out of connections, or busy past the wait.
    #[error("the database does not answer")]
    Unavailable,
    /// SQLite's file or directory, or a PostgreSQL standby, takes no writes.
    #[error("the database is read-only")]
    ReadOnly,
    /// No space left for the database.
    #[error("the database's disk is full")]
    Full,
    /// The disk under SQLite failed a read or write.
    #[error("the database's disk failed a read or write")]
    Io,
}

impl StorageFault {
    fn kind(self) -> &'static str {
        match self {
            Self::Unavailable => "database-unavailable",
            Self::ReadOnly => "database-read-only",
            Self::Full => "storage-full",
            Self::Io => "storage-error",
        }
    }

    fn detail(self) -> &'static str {
        match self {
            Self::Unavailable => {
                "The database is not answering, so this request could not be served. Try again \
                 in a few seconds; if it goes on, check that the database server is running \
                 and reachable."
            }
            Self::ReadOnly => {
                "The database is read-only, so changes cannot be saved; nothing was saved by this \
                 request. Make the data directory (ORI_DATA_DIR) and the database file in it \
                 writable (on PostgreSQL, point ORI_DATABASE_URL at the primary, not a \
                 standby). Reading still works."
            }
            Self::Full => {
                "The database's disk is full, so changes cannot be saved; nothing was saved by \
                 this request. Free space on the disk of the data directory (ORI_DATA_DIR), or \
                 of the PostgreSQL server. Reading still works."
            }
            Self::Io => {
                "The database's disk failed a read or write, so this request could not be \
                 served; nothing was saved by it. Check the disk and file system of the data \
                 directory (ORI_DATA_DIR) and the server's log."
            }
        }
    }
}

/// The storage fault behind `e`, if it is one a client should hear about
/// as such (503/507) rather than as an unexpected error (500).
pub fn storage_fault(e: &sqlx::Error) -> Option<StorageFault> {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => Some(StorageFault::Unavailable),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The primary result code is the low byte of the extended one.
                let primary = code.parse::<i32>().ok()? & 0xff;
                match primary {
                    13 => Some(StorageFault::Full),           // SQLITE_FULL
                    8 => Some(StorageFault::ReadOnly),        // SQLITE_READONLY
                    10 | 14 => Some(StorageFault::Io),        // SQLITE_IOERR, SQLITE_CANTOPEN
                    5 | 6 => Some(StorageFault::Unavailable), // SQLITE_BUSY, SQLITE_LOCKED
                    _ => None,
                }
            } else {
                // SQLSTATE (PostgreSQL).
                match code.as_ref() {
                    "53100" => Some(StorageFault::Full),     // disk_full
                    "25006" => Some(StorageFault::ReadOnly), // read_only_sql_transaction
                    // too_many_connections, out_of_memory, admin/crash shutdown,
                    // cannot_connect_now, and every connection exception.
                    "53200" | "53300" | "57P01" | "57P02" | "57P03" => {
                        Some(StorageFault::Unavailable)
                    }
                    c if c.starts_with("08") => Some(StorageFault::Unavailable),
                    _ => None,
                }
            }
        }
        _ => None,
    }
}

/// An error whose causes include a storage fault is that fault; any other
/// is unexpected.
impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        let fault = e
            .chain()
            .find_map(|cause| cause.downcast_ref::<sqlx::Error>().and_then(storage_fault));
        match fault {
            Some(fault) => Self::Storage { fault, cause: e },
            None => Self::Internal(e),
        }
    }
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
            Self::BadGateway(d) => ("bad-gateway", Some(d.clone()), vec![]),
            Self::Storage { fault, .. } => (fault.kind(), Some(fault.detail().to_owned()), vec![]),
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
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Storage { fault, .. } => match fault {
                StorageFault::Full => StatusCode::INSUFFICIENT_STORAGE,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            },
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(e) => tracing::error!(error = format!("{e:#}"), "request failed"),
            Self::Storage { fault, cause } => log_storage_fault(*fault, cause),
            _ => {}
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
            Self::Storage {
                fault: StorageFault::Unavailable,
                ..
            } => {
                response.insert_header((header::RETRY_AFTER, "5"));
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
        match storage_fault(&e) {
            Some(fault) => Self::Storage {
                fault,
                cause: e.into(),
            },
            None => Self::Internal(e.into()),
        }
    }
}

/// Logs a storage fault as a warning, at most one line a second per process
/// (an outage under load fails every request), saying how many were left out.
fn log_storage_fault(fault: StorageFault, cause: &anyhow::Error) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_SECOND: AtomicU64 = AtomicU64::new(0);
    static SUPPRESSED: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LAST_SECOND.load(Ordering::Relaxed);
    if now != last
        && LAST_SECOND
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let suppressed = SUPPRESSED.swap(0, Ordering::Relaxed);
        tracing::warn!(
            fault = %fault,
            error = format!("{cause:#}"),
            suppressed,
            "request failed: {fault}"
        );
    } else {
        SUPPRESSED.fetch_add(1, Ordering::Relaxed);
    }
}

/// True when `e` is a unique-constraint violation (SQLite or PostgreSQL).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}
