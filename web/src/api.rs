//! A tiny typed client for the console's own API (same origin, so the session
//! cookie goes along and the server's CSRF check passes).
//!
//! Every failure becomes an [`ApiError`]: the server's `application/problem+json`
//! body when there is one, otherwise a message written for the user.

use gloo_net::http::{Request, RequestBuilder, Response};
use ori_shared::FieldError;
use ori_shared::dto::Problem;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Status of an [`ApiError`] when no answer came back at all.
pub const NETWORK: u16 = 0;

/// Why a call failed, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status, or [`NETWORK`] when the server could not be reached.
    pub status: u16,
    /// One sentence for the user: the problem's `detail` (or `title`).
    pub detail: String,
    /// Per-field problems of a 422, in field order.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    fn network() -> Self {
        Self {
            status: NETWORK,
            detail: "Could not reach the console. Check your connection and try again.".into(),
            errors: Vec::new(),
        }
    }

    fn unreadable(status: u16) -> Self {
        Self {
            status,
            detail: format!("The console sent an answer it could not read (HTTP {status})."),
            errors: Vec::new(),
        }
    }

    /// Whether the session is missing or has ended.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    /// The message for one field, if the server reported one.
    #[allow(dead_code)] // Used by the carrier forms.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }

    async fn from_response(response: Response) -> Self {
        let status = response.status();
        match response.json::<Problem>().await {
            Ok(problem) => Self {
                status,
                detail: problem
                    .detail
                    .filter(|d| !d.is_empty())
                    .unwrap_or(problem.title),
                errors: problem.errors,
            },
            Err(_) => Self {
                status,
                detail: match status {
                    401 => "Your session has ended. Log in again.".into(),
                    403 => "Your account may not do this.".into(),
                    404 => "This was not found. It may have been deleted.".into(),
                    500.. => format!("The console had a problem (HTTP {status}). Try again."),
                    _ => format!("The request failed (HTTP {status})."),
                },
                errors: Vec::new(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ApiError {}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|_| ApiError::network())?;
    let response = request.send().await.map_err(|_| ApiError::network())?;
    if response.ok() {
        Ok(response)
    } else {
        Err(ApiError::from_response(response).await)
    }
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    response
        .json()
        .await
        .map_err(|_| ApiError::unreadable(status))
}

fn accept_json(builder: RequestBuilder) -> RequestBuilder {
    builder.header("Accept", "application/json")
}

/// `GET path`, expecting JSON.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(send(accept_json(Request::get(path)).build()).await?).await
}

/// `POST path` with a JSON body, expecting JSON.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    json(send(accept_json(Request::post(path)).json(body)).await?).await
}

/// `POST path` without a body, expecting no content.
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    send(accept_json(Request::post(path)).build()).await?;
    Ok(())
}
