//! ETags from a resource's version, and `If-Match` checks against them, so
//! two admins editing one carrier cannot silently overwrite each other.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::error::ApiError;

/// What `If-Match` may hold (RFC 9110): `*`, or a list of entity tags. The
/// parser below checks the same shape; anything else is a 400.
const IF_MATCH_PATTERN: &str = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#;

/// The `If-Match` header of a conditional write, for the document.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// The ETag the change is based on (from a read of the carrier); a
    /// version that is no longer current answers 412. Without it the write
    /// applies to the current version.
    #[param(rename = "If-Match", schema_with = if_match_schema)]
    pub if_match: Option<String>,
}

fn if_match_schema() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(IF_MATCH_PATTERN))
            .description(Some(
                "The ETag the write is based on (from a read); a version that is no longer \
                 current answers 412. Without it the write applies to the current version.",
            ))
            .examples([serde_json::json!("\"4\"")])
            .build(),
    ))
}

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The entity tags an `If-Match` value lists (`*` as itself), or `None`
/// when it is not `*` or a list of quoted tags.
fn if_match_tags(text: &str) -> Option<Vec<&str>> {
    let text = text.trim();
    if text == "*" {
        return Some(vec!["*"]);
    }
    text.split(',')
        .map(|tag| {
            let tag = tag.trim();
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            let quoted = opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"');
            quoted.then_some(opaque)
        })
        .collect()
}

/// Passes when `If-Match` is absent, `*`, or lists the current version's
/// ETag; 412 when it lists others; 400 when it is not entity tags at all.
pub fn check_if_match(req: &HttpRequest, version: i64) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(());
    };
    let tags = value.to_str().ok().and_then(if_match_tags).ok_or_else(|| {
        ApiError::BadRequest(
            "If-Match must be * or entity tags such as \"4\" (the ETag of a read).".into(),
        )
    })?;
    let current = etag(version);
    let matches = tags.iter().any(|tag| *tag == "*" || *tag == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::if_match_tags;

    #[test]
    fn if_match_values() {
        assert_eq!(if_match_tags("*"), Some(vec!["*"]));
        assert_eq!(if_match_tags(r#""3""#), Some(vec![r#""3""#]));
        assert_eq!(
            if_match_tags(r#" W/"3", "4" "#),
            Some(vec![r#""3""#, r#""4""#])
        );
        for bad in ["", "3", r#""3"#, r#"W/3"#, r#""3", "#, r#""a"b""#] {
            assert_eq!(if_match_tags(bad), None, "{bad}");
        }
    }
}
