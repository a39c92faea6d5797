//! The transport under the typed calls of [`crate::api`]: same-origin requests (so the
//! session cookie goes along and the server's CSRF check passes), `If-Match`/`ETag`, and
//! one [`ApiError`] for every failure: the server's `application/problem+json` body when
//! there is one, otherwise a message written for the user.
//!
//! A 401 on any call also tells the session (see [`on_unauthorized`]): the session ended,
//! whichever page noticed.
//!
//! JSON is parsed and written by the browser (`Response.json()`, `JSON.stringify`);
//! [`crate::json`] and `serde-wasm-bindgen` convert between its values and Rust types.
//! That keeps `serde_json` (and serde's error texts) out of the wasm.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use ori_shared::FieldError;
use ori_shared::dto::Problem;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::json;

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

    /// Whether the account may not do this (its role changed, say).
    pub fn is_forbidden(&self) -> bool {
        self.status == 403
    }

    /// Whether the resource does not exist (any more).
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    /// Whether the request clashes with other data (a number another carrier holds).
    pub fn is_conflict(&self) -> bool {
        self.status == 409
    }

    /// Whether someone else changed the resource since its `ETag` was read.
    pub fn is_stale(&self) -> bool {
        self.status == 412
    }

    async fn from_response(response: Response) -> Self {
        let status = response.status();
        let problem = parse(response)
            .await
            .and_then(|value| json::from_js::<Problem>(value).ok());
        match problem {
            Some(problem) => Self {
                status,
                detail: problem
                    .detail
                    .filter(|d| !d.is_empty())
                    .unwrap_or(problem.title),
                errors: problem.errors,
            },
            None => Self {
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

/// Sends `builder` (with `body` as JSON, if any); a non-2xx answer becomes an [`ApiError`].
///
/// Not generic, like [`fetch_json`]: the async code exists once in the wasm, and only
/// the small synchronous [`decode`] is built per response type.
async fn send(builder: RequestBuilder, body: Option<String>) -> Result<Response, ApiError> {
    let builder = builder.header("Accept", "application/json");
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body),
        None => builder.build(),
    };
    let request = request.map_err(|_| ApiError::network())?;
    let response = request.send().await.map_err(|_| ApiError::network())?;
    if response.ok() {
        Ok(response)
    } else {
        let error = ApiError::from_response(response).await;
        if error.is_unauthorized() {
            UNAUTHORIZED.with_borrow(|hook| hook.as_ref().map(|hook| hook()));
        }
        Err(error)
    }
}

thread_local! {
    static UNAUTHORIZED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// Calls `hook` whenever the server answers 401 (the session is missing or ended).
pub fn on_unauthorized(hook: impl Fn() + 'static) {
    UNAUTHORIZED.set(Some(Rc::new(hook)));
}

/// A resource's `ETag`, sent back as `If-Match` so a save never overwrites someone
/// else's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ETag(pub String);

fn etag_of(response: &Response) -> Option<ETag> {
    response.headers().get("etag").map(ETag)
}

fn if_match(builder: RequestBuilder, etag: Option<&ETag>) -> RequestBuilder {
    match etag {
        Some(ETag(tag)) => builder.header("If-Match", tag),
        None => builder,
    }
}

/// The body parsed by the browser's `Response.json()`; `None` if it is not JSON.
async fn parse(response: Response) -> Option<JsValue> {
    let raw: web_sys::Response = response.into();
    JsFuture::from(raw.json().ok()?).await.ok()
}

/// A successful answer: its status, `ETag` and parsed body.
struct Answer {
    status: u16,
    etag: Option<ETag>,
    value: JsValue,
}

async fn fetch_json(builder: RequestBuilder, body: Option<String>) -> Result<Answer, ApiError> {
    let response = send(builder, body).await?;
    let status = response.status();
    let etag = etag_of(&response);
    let value = parse(response)
        .await
        .ok_or_else(|| ApiError::unreadable(status))?;
    Ok(Answer {
        status,
        etag,
        value,
    })
}

/// The parsed body as a `T`.
fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, ApiError> {
    json::from_js(answer.value).map_err(|_| ApiError::unreadable(answer.status))
}

/// The parsed body as a `T`, with the answer's `ETag`.
fn decode_tagged<T: DeserializeOwned>(answer: Answer) -> Result<Tagged<T>, ApiError> {
    let etag = answer.etag.clone();
    let value = decode(answer)?;
    Ok(Tagged { value, etag })
}

/// A resource and the `ETag` it was read with.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged<T> {
    pub value: T,
    pub etag: Option<ETag>,
}

/// `body` as JSON text, written by the browser's `JSON.stringify`.
fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    let value = body
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| ApiError::network())?;
    js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(ApiError::network)
}

/// `GET path`, expecting JSON.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(fetch_json(Request::get(path), None).await?)
}

/// `POST path` with a JSON body, expecting JSON.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = to_json(body)?;
    decode(fetch_json(Request::post(path), Some(body)).await?)
}

/// `GET path`, expecting JSON and an `ETag`.
pub async fn get_tagged<T: DeserializeOwned>(path: &str) -> Result<Tagged<T>, ApiError> {
    decode_tagged(fetch_json(Request::get(path), None).await?)
}

/// `POST path` with a JSON body, expecting JSON and an `ETag`.
pub async fn post_tagged<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<Tagged<T>, ApiError> {
    let body = to_json(body)?;
    decode_tagged(fetch_json(Request::post(path), Some(body)).await?)
}

/// `POST path` without a body, expecting JSON and an `ETag`.
pub async fn post_for_tagged<T: DeserializeOwned>(path: &str) -> Result<Tagged<T>, ApiError> {
    decode_tagged(fetch_json(Request::post(path), None).await?)
}

/// `PATCH path` with a JSON body, refused (412) unless the resource still has `etag`.
pub async fn patch_tagged<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    etag: Option<&ETag>,
) -> Result<Tagged<T>, ApiError> {
    let body = to_json(body)?;
    decode_tagged(fetch_json(if_match(Request::patch(path), etag), Some(body)).await?)
}

/// `PATCH path` with a JSON body, expecting JSON.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = to_json(body)?;
    decode(fetch_json(Request::patch(path), Some(body)).await?)
}

/// `DELETE path`, refused (412) unless the resource still has `etag`.
pub async fn delete(path: &str, etag: Option<&ETag>) -> Result<(), ApiError> {
    send(if_match(Request::delete(path), etag), None).await?;
    Ok(())
}

/// `POST path` without a body, expecting no content.
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    send(Request::post(path), None).await?;
    Ok(())
}

/// `POST path` with a JSON `body`, expecting no content.
pub async fn post_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    send(Request::post(path), Some(to_json(body)?)).await?;
    Ok(())
}
