//! Black-box fuzz over the HTTP API (issue 12, "Fuzzing"): every path and
//! method of the app's own OpenAPI document, with random and malformed
//! bodies, headers, query strings and path ids, as a super admin (a login
//! session as Bearer and as the browser's cookie, and an API token), with
//! broken or forged credentials, and with none.
//!
//! Every answer must come within [`ANSWER_WITHIN`] ("no hang"), must not be
//! a 5xx unless the operation documents that status (503 for `/readyz` and
//! for a sync while LiveKit is not configured), and every error with a body
//! on an API path must be `application/problem+json` with `type`, `title` and
//! the response's own `status`. Non-JSON routes (the SPA's fallback,
//! `/metrics`, `/healthz`, `/docs/`) are checked for the status only.
//!
//! ```sh
//! ORI_FUZZ_CASES=20000 ORI_FUZZ_SEED=42 cargo nextest run -p ori-api --test fuzz_http --no-capture
//! ```
//!
//! The seed is printed; `ORI_FUZZ_SEED` replays a run (the app's state, and
//! so a few answers, also depends on timing). `ORI_TEST_DB=postgres` runs it
//! on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use common::{JWT_SECRET, TestApp, id, spawn_with, test_settings};

/// Cases when `ORI_FUZZ_CASES` is not set: about 15-20 s on SQLite and 30 s on
/// PostgreSQL in a debug build on two cores.
const DEFAULT_CASES: u64 = 3_000;
/// Longer than any answer may take.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// The password of the accounts the test makes.
const PASSWORD: &str = "a long enough password";

// ---------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Op {
    method: Method,
    /// `/api/v1/carriers/{id}`
    path: String,
    /// The request body's schema (references resolved at use), if any.
    body: Option<Value>,
    /// Query parameters: name and schema.
    query: Vec<(String, Value)>,
    /// Header parameters by name (e.g. `If-Match`).
    headers: Vec<String>,
    /// 5xx statuses the operation documents (allowed).
    server_errors: Vec<u16>,
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !op.is_object() || op.get("responses").is_none() {
                continue;
            }
            let params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
            let of = |place: &str| {
                params
                    .iter()
                    .filter(|p| p["in"] == place)
                    .map(|p| (p["name"].as_str().unwrap().to_owned(), p["schema"].clone()))
                    .collect::<Vec<_>>()
            };
            ops.push(Op {
                method,
                path: path.clone(),
                body: op["requestBody"]["content"]["application/json"]
                    .get("schema")
                    .cloned(),
                query: of("query"),
                headers: of("header").into_iter().map(|(n, _)| n).collect(),
                server_errors: op["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter_map(|s| s.parse::<u16>().ok())
                    .filter(|s| *s >= 500)
                    .collect(),
            });
        }
    }
    ops
}

/// `schema` with a top-level `$ref` followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// Text that breaks naive code: control and invisible characters, NUL,
/// right-to-left overrides, astral and combining characters, quotes.
const SPICY: &[&str] = &[
    "",
    " ",
    "\0",
    "a\0b",
    "\u{1}\u{7f}",
    "\t\r\n",
    "\u{202e}evil",
    "\u{200b}",
    "\u{feff}",
    "😀",
    "e\u{301}",
    "東京",
    "İ",
    "'; DROP TABLE carriers; --",
    "\"",
    "\\",
    "%",
    "%00",
    "_",
    "null",
    "NaN",
    "-0",
    "1e999",
    "<script>",
    "../..",
    "{}",
    "[]",
    "ori_",
    "Bearer",
    "*",
    "\u{10ffff}",
    "\u{fffd}",
    "x@y",
    "sip:x",
    "[::1]",
    "0.0.0.0/0",
];

fn spicy_text(rng: &mut StdRng, max: usize) -> String {
    let n = rng.gen_range(0..=max);
    let mut s = String::new();
    while s.chars().count() < n {
        match rng.gen_range(0..4) {
            0 => s.push_str(SPICY.choose(rng).unwrap()),
            1 => s.push(rng.r#gen::<char>()),
            _ => s.push(rng.gen_range(b' '..=b'~') as char),
        }
    }
    s
}

fn deep_array(depth: usize) -> Value {
    (0..depth).fold(json!(1), |v, _| json!([v]))
}

fn deep_object(depth: usize) -> Value {
    (0..depth).fold(json!(1), |v, _| json!({ "a": v }))
}

/// A value of the wrong type, out of range, huge, deep or hostile.
fn nasty(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..24) {
        0 => Value::Null,
        1 => json!(rng.gen_bool(0.5)),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(1.5),
        5 => json!(1e308),
        6 => json!(-1e308),
        7 => json!(u64::MAX),
        8 => json!(i64::MIN),
        9 => json!(-0.0),
        10 => json!(rng.gen_range(-10_000..10_000)),
        11 => json!(rng.r#gen::<f64>() * 2000.0 - 500.0),
        12 => json!([]),
        13 => json!([null, 1, "a", {}]),
        14 => json!({}),
        15 => json!({ "a": [1, { "b": null }] }),
        16 => deep_array(rng.gen_range(20..200)),
        17 => deep_object(rng.gen_range(20..200)),
        18 => json!("x".repeat(rng.gen_range(200..20_000))),
        19 => json!(Uuid::new_v4().to_string()),
        20 => json!(SPICY.choose(rng).unwrap()),
        21 => json!([spicy_text(rng, 20), spicy_text(rng, 20)]),
        _ => json!(spicy_text(rng, 60)),
    }
}

/// A value that fits `schema` (type, enum, format, range), to get past
/// deserialisation into the rules.
fn fitting(doc: &Value, schema: &Value, rng: &mut StdRng, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
        return values.choose(rng).unwrap().clone();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(arms) = schema[key].as_array().filter(|a| !a.is_empty()) {
            return fitting(doc, arms.choose(rng).unwrap(), rng, depth);
        }
    }
    if let Some(examples) = schema["examples"].as_array().filter(|e| !e.is_empty())
        && rng.gen_bool(0.5)
    {
        return examples.choose(rng).unwrap().clone();
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["string"],
    };
    let ty = if types.len() > 1 && rng.gen_bool(0.8) {
        *types.iter().find(|t| **t != "null").unwrap_or(&types[0])
    } else {
        types.choose(rng).copied().unwrap_or("string")
    };
    let min = schema["minimum"].as_f64().unwrap_or(-1000.0);
    let max = schema["maximum"].as_f64().unwrap_or(1000.0).max(min);
    match ty {
        "null" => Value::Null,
        "boolean" => json!(rng.gen_bool(0.5)),
        "integer" => json!(rng.gen_range(min as i64..=max as i64)),
        "number" => json!(rng.gen_range(min..=max)),
        "array" if depth < 4 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| fitting(doc, &schema["items"], rng, depth + 1))
                .collect(),
        ),
        "object" if depth < 4 => {
            let mut object = serde_json::Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if rng.gen_bool(0.7) {
                    object.insert(name.clone(), fitting(doc, property, rng, depth + 1));
                }
            }
            Value::Object(object)
        }
        _ => match schema["format"].as_str() {
            Some("uuid") => json!(Uuid::new_v4().to_string()),
            Some("date-time") => json!("2026-12-02T09:30:11Z"),
            _ => {
                let longest = schema["maxLength"].as_u64().unwrap_or(40) as usize;
                json!(spicy_text(rng, longest.min(300) + 2))
            }
        },
    }
}

/// A request body for `schema`: its example or a fitting value, with a few
/// properties dropped, given wrong or hostile values, or added.
fn body_value(doc: &Value, schema: &Value, rng: &mut StdRng) -> Value {
    let resolved = resolve(doc, schema);
    let mut body = match resolved["examples"].as_array().and_then(|e| e.first()) {
        Some(example) if rng.gen_bool(0.6) => example.clone(),
        _ => fitting(doc, resolved, rng, 0),
    };
    let properties: Vec<(String, Value)> = resolved["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let Some(object) = body.as_object_mut() else {
        return body;
    };
    for _ in 0..rng.gen_range(0..4) {
        match (rng.gen_range(0..6), properties.choose(rng)) {
            (0, Some((name, _))) => {
                object.remove(name);
            }
            (1 | 2, Some((name, _))) => {
                object.insert(name.clone(), nasty(rng));
            }
            (3, Some((name, schema))) => {
                object.insert(name.clone(), fitting(doc, schema, rng, 1));
            }
            (4, _) => {
                object.insert(spicy_text(rng, 12), nasty(rng));
            }
            _ => {}
        }
    }
    body
}

/// The bytes sent as a body: mostly JSON, sometimes broken JSON or none.
fn body_bytes(value: &Value, rng: &mut StdRng) -> Vec<u8> {
    let text = serde_json::to_vec(value).unwrap();
    match rng.gen_range(0..40) {
        0 => Vec::new(),
        1 => b"null".to_vec(),
        2 => b"[]".to_vec(),
        3 => b"\"text\"".to_vec(),
        4 => b"42".to_vec(),
        5 | 6 => {
            // Truncated.
            let cut = rng.gen_range(0..text.len().max(1));
            text[..cut].to_vec()
        }
        7 => {
            // Invalid UTF-8 inside.
            let mut t = text.clone();
            let at = rng.gen_range(0..=t.len());
            t.splice(at..at, [0xFF, 0xC3, 0x28]);
            t
        }
        8 => [b"\xEF\xBB\xBF".as_slice(), &text].concat(),
        9 => [text.as_slice(), b"}x"].concat(),
        10 => "[".repeat(rng.gen_range(100..20_000)).into_bytes(),
        11 => "{\"a\":".repeat(rng.gen_range(100..5_000)).into_bytes(),
        12 => br#"{"name": 1e999, "outbound_cps": 123456789012345678901234567890}"#.to_vec(),
        13 => br#"{"name": "a", "name": "b", "label": -0, "limit": 1E+2}"#.to_vec(),
        14 => {
            // Thousands of keys, under the body limit.
            let keys: Vec<String> = (0..4_000).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", keys.join(",")).into_bytes()
        }
        15 => (0..rng.gen_range(0..400))
            .map(|_| rng.r#gen::<u8>())
            .collect(),
        16 => {
            // Over the body limit (64 KiB in the tests).
            json!({ "name": "x".repeat(70_000) })
                .to_string()
                .into_bytes()
        }
        17 => b"{\"a\":\"\\ud800\"}".to_vec(),
        18 => b"{\"a\":1,}".to_vec(),
        19 => b"{'a': 1}".to_vec(),
        _ => text,
    }
}

// ---------------------------------------------------------------------------
// Paths, queries and headers
// ---------------------------------------------------------------------------

/// Real ids to put in paths, kept alive by [`Fixtures::renew`].
struct Fixtures {
    carrier: String,
    number: String,
    bot: String,
    user: String,
    token: String,
}

impl Fixtures {
    async fn create(app: &TestApp) -> Self {
        let mut f = Self {
            carrier: String::new(),
            number: String::new(),
            bot: String::new(),
            user: String::new(),
            token: String::new(),
        };
        for what in ["carrier", "bot", "user", "token"] {
            f.renew(app, what).await;
        }
        f
    }

    /// Creates `what` again (after a fuzzed DELETE removed it).
    async fn renew(&mut self, app: &TestApp, what: &str) {
        let n = Uuid::new_v4().simple().to_string();
        match what {
            "carrier" | "number" => {
                let carrier = app
                    .carrier(json!({ "name": format!("Fuzz {n}"), "sip_address": format!("sip.{n}.example") }))
                    .await;
                self.carrier = id(&carrier).to_owned();
                let digits: u64 = rand::thread_rng().gen_range(10_000_000..99_999_999);
                let res = app
                    .add_number(&carrier, json!({ "number": format!("+1415{digits}") }))
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED, "fixture number");
                let number: Value = res.json().await.unwrap();
                self.number = id(&number).to_owned();
            }
            "bot" => {
                let res = app
                    .post(
                        "/api/v1/bots",
                        &json!({ "name": format!("Fuzz {n}"), "agent_name": format!("agent-{n}") }),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED, "fixture bot");
                self.bot = id(&res.json::<Value>().await.unwrap()).to_owned();
            }
            "user" => {
                let res = app
                    .post(
                        "/api/v1/users",
                        &json!({ "email": format!("victim-{n}@ori.test"), "password": "a long enough password", "role": "member" }),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED, "fixture user");
                self.user = id(&res.json::<Value>().await.unwrap()).to_owned();
            }
            "token" => {
                let res = app
                    .post("/api/v1/tokens", &json!({ "name": format!("Fuzz {n}") }))
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED, "fixture token");
                self.token = id(&res.json::<Value>().await.unwrap()).to_owned();
            }
            other => panic!("no fixture {other}"),
        }
    }

    /// The fixture a path with these parameters names, if all ids are real.
    fn real(&self, path: &str, param: &str) -> &str {
        match (param, path) {
            ("number_id", _) => &self.number,
            (_, p) if p.starts_with("/api/v1/carriers") => &self.carrier,
            (_, p) if p.starts_with("/api/v1/bots") => &self.bot,
            (_, p) if p.starts_with("/api/v1/users") => &self.user,
            (_, p) if p.starts_with("/api/v1/tokens") => &self.token,
            _ => "",
        }
    }
}

/// A path id that is no resource's.
fn garbage_id(rng: &mut StdRng) -> String {
    let choices = [
        Uuid::new_v4().to_string(),
        Uuid::nil().to_string(),
        Uuid::new_v4().simple().to_string(),
        format!("{{{}}}", Uuid::new_v4()),
        format!("urn:uuid:{}", Uuid::new_v4()),
        "not-a-uuid".into(),
        "-1".into(),
        "0".into(),
        "%00".into(),
        "%FF%FE".into(),
        "%E2%80%AE".into(),
        "%ZZ".into(),
        "a%2Fb".into(),
        "x".repeat(rng.gen_range(100..5000)),
        urlencode(&spicy_text(rng, 30)),
    ];
    choices.choose(rng).unwrap().clone()
}

/// Percent-encodes everything but unreserved characters.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A value for a query parameter called `name`.
fn query_value(name: &str, rng: &mut StdRng) -> String {
    let general = [
        String::new(),
        "-1".into(),
        "0".into(),
        "1".into(),
        "50".into(),
        "200".into(),
        "201".into(),
        "4294967296".into(),
        "99999999999999999999".into(),
        "1.5".into(),
        "1e3".into(),
        "abc".into(),
        "%00".into(),
        "%FF%FE".into(),
        "%ZZ".into(),
        "%E2%82".into(),
        "+".into(),
        "%2B1".into(),
        urlencode(&spicy_text(rng, 40)),
        "x".repeat(rng.gen_range(150..5000)),
    ];
    match (name, rng.gen_range(0..3)) {
        ("cursor", 0) => {
            // Well-formed base64 around hostile content: what a client that
            // builds cursors itself might send.
            let inner = match rng.gen_range(0..4) {
                0 => format!("{}\n{}", Uuid::new_v4(), spicy_text(rng, 30)),
                1 => format!("{}:{}", rng.r#gen::<i64>(), Uuid::new_v4()),
                2 => format!("{}\n\0", Uuid::new_v4()),
                _ => spicy_text(rng, 40),
            };
            URL_SAFE_NO_PAD.encode(inner)
        }
        ("cursor", 1) => ["MTczMzEzMTgxMTAwMDplMWQy", "====", "!!!", "AAAA", "_-_-"]
            .choose(rng)
            .unwrap()
            .to_string(),
        ("q" | "target", 0) => urlencode(&spicy_text(rng, 210)),
        _ => general.choose(rng).unwrap().clone(),
    }
}

fn query_string(op: Option<&Op>, rng: &mut StdRng) -> String {
    let mut parts = Vec::new();
    if let Some(op) = op {
        for (name, _) in &op.query {
            if rng.gen_bool(0.6) {
                parts.push(format!("{name}={}", query_value(name, rng)));
            }
        }
    }
    if rng.gen_bool(0.15) {
        let extra = [
            "unknown=1",
            "limit=1&limit=2",
            "limit",
            "=",
            "&&&",
            ";",
            "q[]=1",
            "%ZZ=%ZZ",
            "a=%",
        ];
        parts.push(extra.choose(rng).unwrap().to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Who the request claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    /// The session actor's token as `Authorization: Bearer`.
    Session,
    /// The same session as the browser sends it: the cookie (CSRF-checked).
    Cookie,
    ApiToken,
    Garbage,
}

fn garbage_authorization(rng: &mut StdRng) -> Vec<u8> {
    let keys = ori_api::auth::jwt::JwtKeys::new(JWT_SECRET.as_bytes(), Duration::from_secs(3600));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match rng.gen_range(0..14) {
        0 => b"Bearer".to_vec(),
        1 => b"Bearer ".to_vec(),
        2 => b"Basic YWRtaW46YWRtaW4=".to_vec(),
        3 => format!("Bearer ori_{}", "A".repeat(43)).into_bytes(),
        4 => b"Bearer ori_".to_vec(),
        5 => b"Bearer a.b.c".to_vec(),
        6 => format!("Bearer {}", "x".repeat(rng.gen_range(1000..7000))).into_bytes(),
        7 => [b"Bearer ".as_slice(), &[0x80, 0xFF, 0xFE]].concat(),
        8 => b"bearer  eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.".to_vec(),
        // Signed with the right key, naming no session (or an expired one).
        9 => format!(
            "Bearer {}",
            keys.issue(Uuid::new_v4(), Uuid::new_v4(), now + 3600)
                .unwrap()
        )
        .into_bytes(),
        10 => format!(
            "Bearer {}",
            keys.issue(Uuid::new_v4(), Uuid::new_v4(), i64::MAX)
                .unwrap()
        )
        .into_bytes(),
        11 => format!(
            "Bearer {}",
            keys.issue(Uuid::nil(), Uuid::nil(), 1).unwrap()
        )
        .into_bytes(),
        12 => format!("Bearer {}", spicy_text(rng, 40))
            .into_bytes()
            .into_iter()
            .filter(|b| *b >= 0x20 && *b != 0x7F)
            .collect(),
        _ => b"Token abc".to_vec(),
    }
}

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-16",
    "application/json; charset=\"utf-8\"",
    "application/problem+json",
    "application/merge-patch+json",
    "application/jsonx",
    "a/b/c",
    "",
    ";;;",
    "APPLICATION/JSON",
];

const IF_MATCH: &[&str] = &[
    "",
    "*",
    "\"1\"",
    "\"999999999999999999999\"",
    "W/\"1\"",
    "\"",
    "\"a\"b\"",
    "1",
    "*, \"1\"",
    ",,,",
    "\"1\", W/",
];

/// Adds random, malformed and huge headers.
fn fuzz_headers(
    mut builder: reqwest::RequestBuilder,
    op: Option<&Op>,
    etag: Option<&str>,
    rng: &mut StdRng,
) -> (reqwest::RequestBuilder, Vec<String>) {
    let mut shown = Vec::new();
    let mut add =
        |b: reqwest::RequestBuilder, name: &str, value: Vec<u8>| match HeaderValue::from_bytes(
            &value,
        ) {
            Ok(v) => {
                shown.push(format!(
                    "{name}: {}",
                    String::from_utf8_lossy(&value)
                        .chars()
                        .take(80)
                        .collect::<String>()
                ));
                b.header(HeaderName::from_bytes(name.as_bytes()).unwrap(), v)
            }
            Err(_) => b,
        };
    let wants_if_match = op.is_some_and(|o| o.headers.iter().any(|h| h == "If-Match"));
    if (wants_if_match && rng.gen_bool(0.5)) || rng.gen_bool(0.05) {
        let value = match (etag, rng.gen_range(0..4)) {
            (Some(tag), 0) => tag.to_owned(),
            (_, 1) => spicy_text(rng, 20),
            _ => IF_MATCH.choose(rng).unwrap().to_string(),
        };
        builder = add(builder, "If-Match", value.into_bytes());
    }
    if rng.gen_bool(0.05) {
        builder = add(builder, "If-Match", vec![0x80, 0xFF]);
    }
    if rng.gen_bool(0.08) {
        let cookie = format!("ori_session={}", urlencode(&spicy_text(rng, 40)));
        builder = add(builder, "Cookie", cookie.into_bytes());
        if rng.gen_bool(0.5) {
            builder = add(builder, "Origin", b"https://evil.example".to_vec());
        }
    }
    if rng.gen_bool(0.05) {
        builder = add(builder, "Sec-Fetch-Site", b"cross-site".to_vec());
    }
    if rng.gen_bool(0.05) {
        builder = add(builder, "X-Forwarded-For", spicy_text(rng, 30).into_bytes());
    }
    if rng.gen_bool(0.05) {
        let accept = ["*/*", "text/html", "application/xml", "", "\u{0}"];
        builder = add(
            builder,
            "Accept",
            accept.choose(rng).unwrap().as_bytes().to_vec(),
        );
    }
    if rng.gen_bool(0.03) {
        let encoding = ["gzip;q=2", "br, *;q=0", "identity;q=0", "x-garbage"];
        builder = add(
            builder,
            "Accept-Encoding",
            encoding.choose(rng).unwrap().as_bytes().to_vec(),
        );
    }
    if rng.gen_bool(0.02) {
        // A large header, well under the server's header limit.
        builder = add(
            builder,
            "X-Fuzz",
            "x".repeat(rng.gen_range(1000..7000)).into_bytes(),
        );
    }
    if rng.gen_bool(0.02) {
        builder = add(builder, "X-Request-Id", spicy_text(rng, 40).into_bytes());
    }
    (builder, shown)
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

struct Actors {
    api_token: String,
    /// The session actor's login token, and its account's email.
    session: Option<String>,
    email: String,
    /// How many times the session actor had to log in again.
    logins: u32,
}

impl Actors {
    fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// A new session for the session actor, after a fuzzed logout or "log
    /// out everywhere" ended its last. The login names a client address of
    /// its own (through the trusted proxy), so the fuzz's failed logins from
    /// 127.0.0.1 do not throttle it; `None` if it is refused all the same.
    async fn log_in_again(&mut self, client: &Client, app: &TestApp) {
        self.logins += 1;
        let res = client
            .post(app.url("/api/v1/auth/login"))
            .header(
                "X-Forwarded-For",
                format!("10.99.{}.{}", self.logins / 250, self.logins % 250),
            )
            .json(&json!({ "email": self.email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        self.session = if res.status() == StatusCode::OK {
            let body: Value = res.json().await.unwrap();
            body["token"].as_str().map(str::to_owned)
        } else {
            None
        };
    }
}

/// One request, as sent, for the report.
struct Sent {
    method: Method,
    url: String,
    actor: Actor,
    headers: Vec<String>,
    body: Vec<u8>,
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(300).collect();
        write!(
            f,
            "{} {} as {:?} headers {:?} body {:?}",
            self.method,
            self.url.chars().take(300).collect::<String>(),
            self.actor,
            self.headers,
            body
        )
    }
}

/// What is wrong with an answer, if anything.
fn judge(
    sent: &Sent,
    allowed_5xx: &[u16],
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<String> {
    if status.is_server_error() && !allowed_5xx.contains(&status.as_u16()) {
        return Some(format!(
            "answered {status}: {}",
            String::from_utf8_lossy(body)
        ));
    }
    let path = sent.url.split_once("//").map_or("", |(_, r)| r);
    let path = path.find('/').map_or("", |i| &path[i..]);
    let api = path.starts_with("/api/");
    if !api || status.is_success() || status.is_redirection() || body.is_empty() {
        return None;
    }
    if sent.method == Method::HEAD {
        return None;
    }
    if content_type != Some("application/problem+json") {
        return Some(format!(
            "answered {status} with Content-Type {content_type:?}, not application/problem+json: {}",
            String::from_utf8_lossy(body)
        ));
    }
    let problem: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Some(format!(
                "answered {status} with a problem that is not JSON ({e})"
            ));
        }
    };
    let ok = problem["type"].is_string()
        && problem["title"].is_string()
        && problem["status"].as_u64() == Some(u64::from(status.as_u16()));
    (!ok).then(|| format!("answered {status} with a malformed problem: {problem}"))
}

/// Paths that are not in the document: the SPA's fallback, probes, metrics,
/// the docs, and unknown API paths.
const OTHER_PATHS: &[&str] = &[
    "/",
    "/dashboard/carriers",
    "/dashboard/carriers/%FF",
    "/metrics",
    "/docs",
    "/docs/",
    "/docs/swagger-initializer.js",
    "/api/v1/openapi.json",
    "/api",
    "/api/",
    "/api/v1",
    "/api/v1/",
    "/api/v2/carriers",
    "/api/v1/nope",
    "/api/v1/carriers/",
    "/api/v1/carriers//numbers",
    "/api/v1/carriers/x/numbers/y/z",
    "/api/v1/%00",
    "/index.html",
    "/favicon.ico",
];

const ODD_METHODS: &[&str] = &["PUT", "OPTIONS", "HEAD", "TRACE", "FUZZ", "PATCH", "DELETE"];

#[tokio::test]
async fn random_and_malformed_requests_never_get_a_server_error_or_a_non_problem() {
    let cases: u64 = std::env::var("ORI_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("ORI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    eprintln!(
        "fuzz_http: seed {seed}, {cases} cases, {} (replay with ORI_FUZZ_SEED={seed})",
        common::backend()
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();

    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path()).await;
    // The session actor logs in again through "a proxy" (see `log_in_again`);
    // the fuzz's own X-Forwarded-For values are then read, not ignored.
    settings.trusted_proxies = "127.0.0.1".into();
    let app = spawn_with(settings, data_dir).await;
    let doc: Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("the OpenAPI document");
    let ops = operations(&doc);

    // Regression (found by the shared crate's property tests): a CPS one unit
    // in the last place over 100 is refused, as the form refuses it; serde_json
    // used to read it as 100.
    let res = app
        .post(
            "/api/v1/carriers",
            &json!({ "name": "Just over", "sip_address": "sip.over.example",
                     "outbound_cps": 100.000_000_000_000_01 }),
        )
        .await;
    let p = common::problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(common::field_error(&p, "outbound_cps").is_some(), "{p}");
    // Regression (found by this test): a list cursor whose name part holds a
    // NUL reached PostgreSQL, which refused the query: a 500. It is not a
    // cursor the API makes, so it is refused like any other.
    let cursor = URL_SAFE_NO_PAD.encode(format!("{}\n\0", Uuid::new_v4()));
    let res = app.get(&format!("/api/v1/carriers?cursor={cursor}")).await;
    let p = common::problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(common::field_error(&p, "cursor").is_some(), "{p}");
    assert!(
        ops.len() >= 30,
        "the document lists every operation: {}",
        ops.len()
    );

    // Two super admins of the fuzz's own: the session actor, and the owner of
    // the API token actor (a fuzzed "log out everywhere" with that token ends
    // the owner's sessions, not the ones the test uses). The first admin's
    // session only keeps the fixtures; it is never an actor.
    let mut emails = Vec::new();
    for who in ["session", "token-owner"] {
        let email = format!("fuzz-{who}-{}@ori.test", Uuid::new_v4().simple());
        let res = app
            .post(
                "/api/v1/users",
                &json!({ "email": email, "password": PASSWORD, "role": "super_admin" }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        emails.push(email);
    }
    let owner = common::login(&app.anon, &app.base, &emails[1], PASSWORD).await;
    let res = common::bearer_client(&owner)
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "fuzz actor", "role": "super_admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let api_token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut actors = Actors {
        api_token,
        session: Some(common::login(&app.anon, &app.base, &emails[0], PASSWORD).await),
        email: emails[0].clone(),
        logins: 0,
    };
    let mut fixtures = Fixtures::create(&app).await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut failures: Vec<String> = Vec::new();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in 0..cases {
        // What to call.
        let op = if rng.gen_bool(0.93) {
            Some(ops.choose(&mut rng).unwrap().clone())
        } else {
            None
        };
        let mut method = match &op {
            Some(op) => op.method.clone(),
            None => Method::GET,
        };
        if rng.gen_bool(0.05) {
            method = Method::from_bytes(ODD_METHODS.choose(&mut rng).unwrap().as_bytes()).unwrap();
        }
        let mut real_ids = true;
        let mut path = match &op {
            Some(op) => {
                let mut path = op.path.clone();
                while let Some(start) = path.find('{') {
                    let end = path[start..].find('}').unwrap() + start;
                    let param = path[start + 1..end].to_owned();
                    let value = if rng.gen_bool(0.7) {
                        fixtures.real(&op.path, &param).to_owned()
                    } else {
                        real_ids = false;
                        garbage_id(&mut rng)
                    };
                    path.replace_range(start..=end, &value);
                }
                path
            }
            None => OTHER_PATHS.choose(&mut rng).unwrap().to_string(),
        };
        if rng.gen_bool(0.03) {
            path.push('/');
        }
        let url = format!(
            "{}{}{}",
            app.base,
            path,
            query_string(op.as_ref(), &mut rng)
        );

        // Who calls.
        let actor = match rng.gen_range(0..10) {
            0 | 1 => Actor::Anonymous,
            2 | 3 => Actor::Session,
            4 => Actor::Cookie,
            5..=8 => Actor::ApiToken,
            _ => Actor::Garbage,
        };
        let authorization: Option<Vec<u8>> = match actor {
            Actor::Anonymous | Actor::Cookie => None,
            Actor::Session => actors.session().map(|t| format!("Bearer {t}").into_bytes()),
            Actor::ApiToken => Some(format!("Bearer {}", actors.api_token).into_bytes()),
            Actor::Garbage => Some(garbage_authorization(&mut rng)),
        };

        // With what.
        let etag = if op
            .as_ref()
            .is_some_and(|o| o.path == "/api/v1/carriers/{id}")
            && real_ids
            && rng.gen_bool(0.3)
        {
            let res = app
                .get(&format!("/api/v1/carriers/{}", fixtures.carrier))
                .await;
            res.headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        } else {
            None
        };
        let body = match op.as_ref().and_then(|o| o.body.as_ref()) {
            Some(schema) => body_bytes(&body_value(&doc, schema, &mut rng), &mut rng),
            None if rng.gen_bool(0.05) => body_bytes(&nasty(&mut rng), &mut rng),
            None => Vec::new(),
        };
        let mut builder = client.request(method.clone(), &url).timeout(ANSWER_WITHIN);
        let mut headers = Vec::new();
        if actor == Actor::Cookie
            && let Some(token) = actors.session()
        {
            builder = builder.header("Cookie", format!("ori_session={token}"));
            headers.push("Cookie: ori_session=<the session actor's>".to_owned());
        }
        if let Some(auth) = &authorization
            && let Ok(value) = HeaderValue::from_bytes(auth)
        {
            builder = builder.header("Authorization", value);
            headers.push(format!(
                "Authorization: {}",
                String::from_utf8_lossy(auth)
                    .chars()
                    .take(60)
                    .collect::<String>()
            ));
        }
        if !body.is_empty() || rng.gen_bool(0.5) {
            let ct = if rng.gen_bool(0.85) {
                "application/json"
            } else {
                CONTENT_TYPES.choose(&mut rng).unwrap()
            };
            builder = builder.header("Content-Type", ct);
            headers.push(format!("Content-Type: {ct}"));
        }
        let (builder, more) = fuzz_headers(builder, op.as_ref(), etag.as_deref(), &mut rng);
        headers.extend(more);
        let sent = Sent {
            method: method.clone(),
            url: url.clone(),
            actor,
            headers,
            body: body.clone(),
        };

        // The answer.
        let began = Instant::now();
        let answer = async {
            let res = builder.body(body).send().await?;
            let status = res.status();
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = res.bytes().await?;
            Ok::<_, reqwest::Error>((status, content_type, bytes))
        }
        .await;
        let took = began.elapsed();
        if took > slowest.0 {
            slowest = (took, format!("{} {}", sent.method, path));
        }
        let (status, content_type, bytes) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("no answer within {ANSWER_WITHIN:?} (hang)")
                } else {
                    format!("no answer: {e}")
                };
                failures.push(format!("case {case}: {sent}: {what}"));
                continue;
            }
        };
        *statuses.entry(status.as_u16()).or_default() += 1;
        let allowed: &[u16] = match &op {
            Some(op) if op.method == method => &op.server_errors,
            _ => &[],
        };
        if let Some(problem) = judge(&sent, allowed, status, content_type.as_deref(), &bytes) {
            failures.push(format!("case {case}: {sent}: {problem}"));
        }

        // Keep the fixtures and the session actor alive.
        if let Some(op) = &op
            && op.method == Method::DELETE
            && method == Method::DELETE
            && real_ids
            && status.is_success()
        {
            let what = match op.path.as_str() {
                "/api/v1/carriers/{id}" => Some("carrier"),
                "/api/v1/carriers/{id}/numbers/{number_id}" => Some("number"),
                "/api/v1/bots/{id}" => Some("bot"),
                "/api/v1/users/{id}" => Some("user"),
                "/api/v1/tokens/{id}" => Some("token"),
                _ => None,
            };
            if let Some(what) = what {
                fixtures.renew(&app, what).await;
            }
        }
        if matches!(actor, Actor::Session | Actor::Cookie)
            && status == StatusCode::UNAUTHORIZED
            && let Some(token) = actors.session()
        {
            let me = client
                .get(app.url("/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            if me.status() == StatusCode::UNAUTHORIZED {
                actors.log_in_again(&client, &app).await;
            }
        }
    }

    eprintln!(
        "fuzz_http: {cases} cases in {:.1?} ({} backend); statuses {statuses:?}; slowest {:.1?} ({}); the session actor logged in again {} times",
        started.elapsed(),
        common::backend(),
        slowest.0,
        slowest.1,
        actors.logins
    );
    assert!(
        actors.session.is_some(),
        "the session actor could not log in again"
    );
    // The fuzz reached past the front door: real work and real refusals.
    for status in [200, 201, 204, 400, 401, 404, 405, 413, 415, 422] {
        assert!(
            statuses.contains_key(&status),
            "no {status} in {cases} cases (seed {seed}): the fuzz is not reaching the rules; {statuses:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} requests failed (seed {seed}, replay with ORI_FUZZ_SEED={seed}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
