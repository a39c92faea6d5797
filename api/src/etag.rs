//! ETags from a resource's version, and `If-Match` checks against them, so
//! two admins editing one carrier cannot silently overwrite each other.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Passes when `If-Match` is absent, `*`, or lists the current version's
/// ETag; otherwise 412.
pub fn check_if_match(req: &HttpRequest, version: i64) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("");
    let current = etag(version);
    let matches = text
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}
