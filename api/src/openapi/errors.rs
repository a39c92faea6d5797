//! The error answers operations share, added to each operation from what it
//! declares, so that a handler lists only its successes and its own errors
//! and no shared answer is forgotten:
//!
//! - a security requirement → 401; with a role, on a write, or on any
//!   operation a super admin who must still turn on two-factor sign-in is
//!   refused, → 403 (the role is too low, a cookie write came from another
//!   site, or two-factor sign-in must be set up first);
//! - a request body → 400 (not a JSON object of the documented shape), 413,
//!   415, 422;
//! - query parameters → 400 (a value of the wrong type) and 422 (out of
//!   range, or a cursor that is not valid);
//! - path parameters → 404;
//! - an `If-Match` header → 400 (not entity tags) and 412;
//! - every operation → `default`: an unexpected error (500), or the
//!   database cannot serve the request (503, 507; see `error::StorageFault`).
//!
//! The contract test makes the server produce every one of them.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

const PROBLEM: &str = "application/problem+json";

/// The operations open to a super admin who has yet to turn on two-factor
/// sign-in (the `SignedIn` extractor): what enrolling needs.
const OPEN_DURING_SETUP: &[&str] = &[
    "get_me",
    "update_me",
    "end_my_sessions",
    "get_two_factor",
    "set_up_two_factor",
    "confirm_two_factor",
];

pub fn add_shared_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ];
        for (write, operation) in operations {
            if let Some(operation) = operation {
                add(operation, write);
            }
        }
    }
}

fn add(op: &mut Operation, write: bool) {
    let params: Vec<&Parameter> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let (path, query) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let if_match = params
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case("if-match"));
    let body = op.request_body.is_some();
    let (secured, needs_role) = security(op);
    let gated = secured
        && !op
            .operation_id
            .as_deref()
            .is_some_and(|id| OPEN_DURING_SETUP.contains(&id));

    let mut shared = Vec::new();
    if body || query || if_match {
        shared.push((
            "400",
            problem(
                "The body is not a JSON object of the documented shape (a value of the wrong \
                 type, an unknown field), a query parameter has the wrong type, or `If-Match` \
                 is not entity tags",
            ),
        ));
    }
    if secured {
        let unauthorized =
            problem("Not signed in, or the login or API token has expired or been revoked");
        shared.push((
            "401",
            with_header(unauthorized, "WWW-Authenticate", "`Bearer`"),
        ));
    }
    if secured && (needs_role || write || gated) {
        shared.push((
            "403",
            problem(
                "The account (or the token's role) may not do this, a write with the \
                 session cookie came from another site, or (type \
                 `urn:ori:problem:two-factor-setup-required`) a super admin must turn on \
                 two-factor sign-in first",
            ),
        ));
    }
    if path {
        shared.push((
            "404",
            problem("No such resource (or its parent) with this id"),
        ));
    }
    if if_match {
        shared.push((
            "412",
            problem(
                "`If-Match` names a version that is no longer current: someone else saved \
                 first. Read it again and reapply the change",
            ),
        ));
    }
    if body {
        shared.push(("413", problem("The body is larger than the server accepts")));
        shared.push((
            "415",
            problem("The body is not sent as `Content-Type: application/json`"),
        ));
    }
    if body || query {
        shared.push((
            "422",
            problem("Some fields are not valid: `errors` names each field and its problem"),
        ));
    }
    shared.push((
        "default",
        problem(
            "An unexpected error (500; it has been logged with the request id), or the \
             database cannot serve the request: 503 when it does not answer (with \
             `Retry-After`), is read-only or its disk failed, 507 when its disk is full; `type` \
             and `detail` say which and what to do",
        ),
    ));
    for (status, response) in shared {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert(RefOr::T(response));
    }
}

/// Whether the operation needs a login, and whether it names a role.
fn security(op: &Operation) -> (bool, bool) {
    let requirements = op.security.as_deref().unwrap_or_default();
    // A requirement's scopes are private in utoipa; its JSON is `{scheme: [roles]}`.
    let needs_role = requirements.iter().any(|r| {
        serde_json::to_value(r).is_ok_and(|v| {
            v.as_object().is_some_and(|m| {
                m.values()
                    .any(|roles| roles.as_array().is_some_and(|a| !a.is_empty()))
            })
        })
    });
    (!requirements.is_empty(), needs_role)
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn with_header(mut response: Response, name: &str, description: &str) -> Response {
    let header = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build();
    response.headers.insert(name.to_owned(), RefOr::T(header));
    response
}
