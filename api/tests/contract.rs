//! The OpenAPI document against the server's real answers.
//!
//! Every operation in the served document is called until it has given each
//! status the document declares for it (success and every error), and each
//! answer is checked against the declaration: status, content type, headers
//! and body (JSON Schema 2020-12, as OpenAPI 3.1 defines). A status the
//! document does not declare fails the test; so does a declared one no case
//! produced. Every path is also sent each method it lacks, which must answer
//! 405 with an `Allow` that names exactly the documented methods.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::TestApp;
use common::livekit::app_with_livekit;
use ori_livekit_double::LiveKitDouble;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// A declared status no test here can produce, with the reason.
const NOT_PRODUCED: &[(&str, &str, &str, &str)] = &[(
    "GET",
    "/readyz",
    "503",
    "needs the database to stop answering",
)];

type Key = (String, String, String);

struct Contract {
    doc: Value,
    base: String,
    seen: BTreeSet<Key>,
}

impl Contract {
    async fn new(app: &TestApp) -> Self {
        let doc: Value = app
            .anon
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            doc,
            base: app.base.clone(),
            seen: BTreeSet::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends `request` for the documented `method template`, checks the
    /// answer against the document and expects `status`; returns the body.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        status: u16,
        request: RequestBuilder,
    ) -> Value {
        let res = request.send().await.unwrap();
        self.check(method, template, status, res).await
    }

    async fn check(&mut self, method: &str, template: &str, status: u16, res: Response) -> Value {
        let what = format!("{method} {template}");
        assert_eq!(res.status().as_u16(), status, "{what}: status");
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{what} is not in the document");
        let declared = &op["responses"][status.to_string()];
        assert!(
            declared.is_object(),
            "{what} answered {status}, which the document does not declare"
        );
        for (name, header) in declared["headers"].as_object().into_iter().flatten() {
            let value = res.headers().get(name.as_str());
            assert!(value.is_some(), "{what} {status}: header {name} missing");
            let schema = &header["schema"];
            if schema["type"] == "integer" {
                let text = value.unwrap().to_str().unwrap();
                assert!(text.parse::<u64>().is_ok(), "{what}: {name} = {text}");
            }
        }
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.bytes().await.unwrap();
        match declared["content"].as_object() {
            None => assert!(
                body.is_empty(),
                "{what} {status}: body where none is declared"
            ),
            Some(content) => {
                let content_type = content_type.unwrap_or_default();
                let (media, declared_media) = content
                    .iter()
                    .find(|(media, _)| content_type.starts_with(media.as_str()))
                    .unwrap_or_else(|| {
                        panic!("{what} {status}: content type {content_type} is not declared")
                    });
                let json: Value = serde_json::from_slice(&body)
                    .unwrap_or_else(|e| panic!("{what} {status}: {media} body is not JSON: {e}"));
                self.validate(&what, status, &declared_media["schema"], &json);
                self.seen
                    .insert((method.into(), template.into(), status.to_string()));
                return json;
            }
        }
        self.seen
            .insert((method.into(), template.into(), status.to_string()));
        Value::Null
    }

    fn validate(&self, what: &str, status: u16, schema: &Value, instance: &Value) {
        let mut root = schema.clone();
        root["components"] = self.doc["components"].clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{what} {status}: schema does not compile: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} {status}: body does not match the schema:\n{}\nbody: {instance}",
            errors.join("\n")
        );
    }

    /// Every declared status was produced (apart from [`NOT_PRODUCED`]).
    fn assert_complete(&self) {
        let mut missing = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for status in op["responses"].as_object().unwrap().keys() {
                    let method = method.to_uppercase();
                    let exempt = NOT_PRODUCED
                        .iter()
                        .any(|(m, p, s, _)| *m == method && p == path && s == status);
                    let key = (method.clone(), path.clone(), status.clone());
                    if status != "default" && !exempt && !self.seen.contains(&key) {
                        missing.push(format!("{method} {path} {status}"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "declared but never produced:\n{}",
            missing.join("\n")
        );
    }
}

/// The document's path with its parameters filled in, in order.
fn fill(template: &str, ids: &[&str]) -> String {
    let mut out = template.to_owned();
    for id in ids {
        let Some(start) = out.find('{') else { break };
        let end = out[start..].find('}').unwrap() + start;
        out.replace_range(start..=end, id);
    }
    out
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A client that sends `body` as the wrong content type.
fn text_body(req: RequestBuilder) -> RequestBuilder {
    req.header("content-type", "text/plain").body("name=x")
}

fn bad_json(req: RequestBuilder) -> RequestBuilder {
    req.header("content-type", "application/json")
        .body("{\"name\": ")
}

fn too_large(req: RequestBuilder) -> RequestBuilder {
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    req.header("content-type", "application/json").body(big)
}

/// The operations with a body, the shared body errors: 400, 413, 415.
async fn body_errors(c: &mut Contract, client: &Client, method: &str, template: &str, path: &str) {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let url = c.url(path);
    c.call(
        method,
        template,
        400,
        bad_json(client.request(m.clone(), &url)),
    )
    .await;
    c.call(
        method,
        template,
        413,
        too_large(client.request(m.clone(), &url)),
    )
    .await;
    c.call(method, template, 415, text_body(client.request(m, &url)))
        .await;
}

#[tokio::test]
async fn every_operation_answers_as_documented() {
    let lk = LiveKitDouble::start().await;
    let app = app_with_livekit(&lk).await;
    let mut c = Contract::new(&app).await;
    let admin = app.client.clone();
    let anon = app.anon.clone();
    let member = app.user_client("member").await;
    let admin_role = app.user_client("admin").await;
    let missing = Uuid::new_v4().to_string();

    // Probes.
    c.call("GET", "/healthz", 200, anon.get(c.url("/healthz")))
        .await;
    c.call("GET", "/readyz", 200, anon.get(c.url("/readyz")))
        .await;

    // Every secured operation without credentials: 401.
    let secured: Vec<(String, String)> = c.doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .filter(|(_, op)| op["security"].is_array())
                .map(|(m, _)| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (method, template) in &secured {
        let path = fill(template, &[&missing, &missing]);
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        c.call(method, template, 401, anon.request(m, c.url(&path)))
            .await;
    }

    // Auth.
    let login_url = c.url("/api/v1/auth/login");
    let body = c
        .call(
            "POST",
            "/api/v1/auth/login",
            200,
            anon.post(&login_url)
                .json(&json!({"email": common::ADMIN_EMAIL, "password": common::ADMIN_PASSWORD})),
        )
        .await;
    let session = body["token"].as_str().unwrap().to_owned();
    c.call(
        "POST",
        "/api/v1/auth/login",
        401,
        anon.post(&login_url)
            .json(&json!({"email": common::ADMIN_EMAIL, "password": "wrong password!"})),
    )
    .await;
    c.call(
        "POST",
        "/api/v1/auth/login",
        422,
        anon.post(&login_url)
            .json(&json!({"email": "", "password": ""})),
    )
    .await;
    body_errors(
        &mut c,
        &anon,
        "POST",
        "/api/v1/auth/login",
        "/api/v1/auth/login",
    )
    .await;
    c.call(
        "POST",
        "/api/v1/auth/logout",
        204,
        anon.post(c.url("/api/v1/auth/logout")),
    )
    .await;
    // Another site cannot log the user out.
    c.call(
        "POST",
        "/api/v1/auth/logout",
        403,
        anon.post(c.url("/api/v1/auth/logout"))
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    c.call("GET", "/api/v1/me", 200, admin.get(c.url("/api/v1/me")))
        .await;
    let me = "/api/v1/me";
    c.call(
        "PATCH",
        me,
        200,
        admin
            .patch(c.url(me))
            .json(&json!({"timezone": "Asia/Kolkata"})),
    )
    .await;
    c.call(
        "PATCH",
        me,
        422,
        admin
            .patch(c.url(me))
            .json(&json!({"timezone": "Mars/Olympus"})),
    )
    .await;
    // A write with the session cookie from another site.
    c.call(
        "PATCH",
        me,
        403,
        anon.patch(c.url(me))
            .header("cookie", format!("ori_session={session}"))
            .header("sec-fetch-site", "cross-site")
            .json(&json!({"timezone": "UTC"})),
    )
    .await;
    body_errors(&mut c, &admin, "PATCH", me, me).await;
    // Log out everywhere: not from another site; then for real, by an
    // account of its own (it ends every session of the account).
    let mine = "/api/v1/me/sessions";
    c.call(
        "DELETE",
        mine,
        403,
        anon.delete(c.url(mine))
            .header("cookie", format!("ori_session={session}"))
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    let elsewhere = app.user_client("member").await;
    c.call("DELETE", mine, 204, elsewhere.delete(c.url(mine)))
        .await;
    // An array is not the object the document describes, though serde would read one.
    c.call(
        "PATCH",
        me,
        400,
        admin.patch(c.url(me)).json(&json!([null, null, null])),
    )
    .await;

    // Two-factor sign-in, by accounts of their own.
    two_factor_operations(&mut c, &app, &session).await;

    // Users.
    let users = "/api/v1/users";
    c.call("GET", users, 200, admin.get(c.url(users))).await;
    c.call("GET", users, 403, member.get(c.url(users))).await;
    let new_user =
        json!({"email": "ops@ori.test", "password": "a long passphrase", "role": "member"});
    let user = c
        .call("POST", users, 201, admin.post(c.url(users)).json(&new_user))
        .await;
    c.call("POST", users, 409, admin.post(c.url(users)).json(&new_user))
        .await;
    c.call(
        "POST",
        users,
        422,
        admin
            .post(c.url(users))
            .json(&json!({"email": "x", "password": "short", "role": "god"})),
    )
    .await;
    c.call(
        "POST",
        users,
        403,
        member.post(c.url(users)).json(&new_user),
    )
    .await;
    body_errors(&mut c, &admin, "POST", users, users).await;
    let one = "/api/v1/users/{id}";
    let user_path = fill(one, &[&id(&user)]);
    c.call(
        "PATCH",
        one,
        200,
        admin
            .patch(c.url(&user_path))
            .json(&json!({"role": "admin"})),
    )
    .await;
    c.call(
        "PATCH",
        one,
        422,
        admin
            .patch(c.url(&user_path))
            .json(&json!({"role": "owner"})),
    )
    .await;
    c.call(
        "PATCH",
        one,
        404,
        admin
            .patch(c.url(&fill(one, &[&missing])))
            .json(&json!({"role": "admin"})),
    )
    .await;
    c.call(
        "PATCH",
        one,
        403,
        member
            .patch(c.url(&user_path))
            .json(&json!({"role": "admin"})),
    )
    .await;
    let me_id = admin
        .get(c.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let self_path = fill(one, &[&id(&me_id)]);
    c.call(
        "PATCH",
        one,
        409,
        admin
            .patch(c.url(&self_path))
            .json(&json!({"role": "member"})),
    )
    .await;
    body_errors(&mut c, &admin, "PATCH", one, &user_path).await;
    c.call("DELETE", one, 409, admin.delete(c.url(&self_path)))
        .await;
    c.call("DELETE", one, 403, member.delete(c.url(&user_path)))
        .await;
    let sessions_of = "/api/v1/users/{id}/sessions";
    let user_sessions = fill(sessions_of, &[&id(&user)]);
    c.call(
        "DELETE",
        sessions_of,
        204,
        admin.delete(c.url(&user_sessions)),
    )
    .await;
    c.call(
        "DELETE",
        sessions_of,
        403,
        member.delete(c.url(&user_sessions)),
    )
    .await;
    c.call(
        "DELETE",
        sessions_of,
        404,
        admin.delete(c.url(&fill(sessions_of, &[&missing]))),
    )
    .await;
    c.call("DELETE", one, 204, admin.delete(c.url(&user_path)))
        .await;
    c.call("DELETE", one, 404, admin.delete(c.url(&user_path)))
        .await;

    // Bots.
    let bots = "/api/v1/bots";
    let bot = c
        .call(
            "POST",
            bots,
            201,
            admin
                .post(c.url(bots))
                .json(&json!({"name": "Receptionist", "agent_name": "inbound-agent"})),
        )
        .await;
    c.call(
        "POST",
        bots,
        422,
        admin
            .post(c.url(bots))
            .json(&json!({"name": " ", "agent_name": "has space"})),
    )
    .await;
    c.call("POST", bots, 403, member.post(c.url(bots)).json(&json!({})))
        .await;
    body_errors(&mut c, &admin, "POST", bots, bots).await;
    c.call("GET", bots, 200, admin.get(c.url(bots))).await;
    c.call("GET", bots, 403, member.get(c.url(bots))).await;
    let one_bot = "/api/v1/bots/{id}";
    let bot_path = fill(one_bot, &[&id(&bot)]);
    c.call(
        "PATCH",
        one_bot,
        200,
        admin
            .patch(c.url(&bot_path))
            .json(&json!({"name": "Front desk"})),
    )
    .await;
    c.call(
        "PATCH",
        one_bot,
        422,
        admin
            .patch(c.url(&bot_path))
            .json(&json!({"agent_name": ""})),
    )
    .await;
    c.call(
        "PATCH",
        one_bot,
        404,
        admin
            .patch(c.url(&fill(one_bot, &[&missing])))
            .json(&json!({"name": "x"})),
    )
    .await;
    c.call(
        "PATCH",
        one_bot,
        403,
        member.patch(c.url(&bot_path)).json(&json!({"name": "x"})),
    )
    .await;
    body_errors(&mut c, &admin, "PATCH", one_bot, &bot_path).await;

    // Carriers.
    let carriers = "/api/v1/carriers";
    let create = json!({
        "name": "Contract trunk", "sip_address": "sip.contract.example:5060",
        "transport": "udp", "destination_country": "US", "username": "ori",
        "password": "digest-secret", "allowed_ips": ["203.0.113.0/24"],
        "outbound_cps": 2.5, "outbound_burst": 5, "outbound_channels": 30
    });
    let carrier = c
        .call(
            "POST",
            carriers,
            201,
            admin.post(c.url(carriers)).json(&create),
        )
        .await;
    c.call(
        "POST",
        carriers,
        422,
        admin.post(c.url(carriers)).json(&json!({})),
    )
    .await;
    c.call(
        "POST",
        carriers,
        403,
        member.post(c.url(carriers)).json(&create),
    )
    .await;
    body_errors(&mut c, &admin, "POST", carriers, carriers).await;
    c.call(
        "GET",
        carriers,
        200,
        admin
            .get(c.url(carriers))
            .query(&[("q", "contract"), ("limit", "1")]),
    )
    .await;
    c.call(
        "GET",
        carriers,
        422,
        admin.get(c.url(carriers)).query(&[("limit", "0")]),
    )
    .await;
    c.call(
        "GET",
        carriers,
        400,
        admin.get(c.url(carriers)).query(&[("limit", "many")]),
    )
    .await;
    c.call("GET", carriers, 403, member.get(c.url(carriers)))
        .await;

    let one_carrier = "/api/v1/carriers/{id}";
    let carrier_path = fill(one_carrier, &[&id(&carrier)]);
    let etag = |v: &Value| format!("\"{}\"", v["version"]);
    c.call("GET", one_carrier, 200, admin.get(c.url(&carrier_path)))
        .await;
    c.call(
        "GET",
        one_carrier,
        404,
        admin.get(c.url(&fill(one_carrier, &[&missing]))),
    )
    .await;
    c.call("GET", one_carrier, 403, member.get(c.url(&carrier_path)))
        .await;
    c.call(
        "PATCH",
        one_carrier,
        200,
        admin
            .patch(c.url(&carrier_path))
            .header("if-match", etag(&carrier))
            .json(&json!({"outbound_cps": 5})),
    )
    .await;
    c.call(
        "PATCH",
        one_carrier,
        412,
        admin
            .patch(c.url(&carrier_path))
            .header("if-match", etag(&carrier))
            .json(&json!({"outbound_cps": 6})),
    )
    .await;
    c.call(
        "PATCH",
        one_carrier,
        422,
        admin
            .patch(c.url(&carrier_path))
            .json(&json!({"outbound_burst": 0, "sip_address": "sip:x"})),
    )
    .await;
    c.call(
        "PATCH",
        one_carrier,
        404,
        admin
            .patch(c.url(&fill(one_carrier, &[&missing])))
            .json(&json!({"name": "x"})),
    )
    .await;
    c.call(
        "PATCH",
        one_carrier,
        403,
        member
            .patch(c.url(&carrier_path))
            .json(&json!({"name": "x"})),
    )
    .await;
    body_errors(&mut c, &admin, "PATCH", one_carrier, &carrier_path).await;

    // Numbers.
    let numbers = "/api/v1/carriers/{id}/numbers";
    let numbers_path = fill(numbers, &[&id(&carrier)]);
    let number = c
        .call(
            "POST",
            numbers,
            201,
            admin.post(c.url(&numbers_path)).json(&json!({
                "number": "+1 415 555 0100", "label": "Sales line",
                "direction": "both", "bot_id": id(&bot)
            })),
        )
        .await;
    c.call(
        "POST",
        numbers,
        409,
        admin
            .post(c.url(&numbers_path))
            .json(&json!({"number": "+14155550100"})),
    )
    .await;
    c.call(
        "POST",
        numbers,
        422,
        admin
            .post(c.url(&numbers_path))
            .json(&json!({"number": "12", "direction": "sideways"})),
    )
    .await;
    c.call(
        "POST",
        numbers,
        404,
        admin
            .post(c.url(&fill(numbers, &[&missing])))
            .json(&json!({"number": "+14155550101"})),
    )
    .await;
    c.call(
        "POST",
        numbers,
        403,
        member
            .post(c.url(&numbers_path))
            .json(&json!({"number": "+14155550101"})),
    )
    .await;
    body_errors(&mut c, &admin, "POST", numbers, &numbers_path).await;
    c.call("GET", numbers, 200, admin.get(c.url(&numbers_path)))
        .await;
    c.call(
        "GET",
        numbers,
        404,
        admin.get(c.url(&fill(numbers, &[&missing]))),
    )
    .await;
    c.call("GET", numbers, 403, member.get(c.url(&numbers_path)))
        .await;
    let one_number = "/api/v1/carriers/{id}/numbers/{number_id}";
    let number_path = fill(one_number, &[&id(&carrier), &id(&number)]);
    c.call(
        "PATCH",
        one_number,
        200,
        admin
            .patch(c.url(&number_path))
            .json(&json!({"label": null, "direction": "outbound"})),
    )
    .await;
    c.call(
        "PATCH",
        one_number,
        422,
        admin
            .patch(c.url(&number_path))
            .json(&json!({"number": "+14155550199"})),
    )
    .await;
    c.call(
        "PATCH",
        one_number,
        404,
        admin
            .patch(c.url(&fill(one_number, &[&id(&carrier), &missing])))
            .json(&json!({"label": "x"})),
    )
    .await;
    c.call(
        "PATCH",
        one_number,
        403,
        member
            .patch(c.url(&number_path))
            .json(&json!({"label": "x"})),
    )
    .await;
    body_errors(&mut c, &admin, "PATCH", one_number, &number_path).await;

    // A country change that makes a number the same line as another
    // carrier's: 409 naming it.
    let other = app
        .carrier(json!({"name": "Other trunk", "sip_address": "sip.other.example"}))
        .await;
    let res = app
        .add_number(
            &other,
            json!({"number": "4155550100", "direction": "outbound"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let other_path = fill(one_carrier, &[&id(&other)]);
    c.call(
        "PATCH",
        one_carrier,
        409,
        admin
            .patch(c.url(&other_path))
            .json(&json!({"destination_country": "US"})),
    )
    .await;

    // The campaign pool needs an admin; a member may not.
    let pool = "/api/v1/number-pool";
    c.call("GET", pool, 200, admin_role.get(c.url(pool))).await;
    c.call("GET", pool, 403, member.get(c.url(pool))).await;

    // Audit.
    let audit = "/api/v1/audit";
    c.call(
        "GET",
        audit,
        200,
        admin.get(c.url(audit)).query(&[("limit", "5")]),
    )
    .await;
    c.call(
        "GET",
        audit,
        422,
        admin.get(c.url(audit)).query(&[("cursor", "not-a-cursor")]),
    )
    .await;
    c.call(
        "GET",
        audit,
        400,
        admin.get(c.url(audit)).query(&[("limit", "-1")]),
    )
    .await;
    c.call("GET", audit, 403, member.get(c.url(audit))).await;

    // Sync now: the answer, a second sync while one runs (409), and an
    // installation without LiveKit (503).
    let sync = "/api/v1/carriers/{id}/sync";
    let sync_path = fill(sync, &[&id(&carrier)]);
    c.call("POST", sync, 200, admin.post(c.url(&sync_path)))
        .await;
    c.call(
        "POST",
        sync,
        404,
        admin.post(c.url(&fill(sync, &[&missing]))),
    )
    .await;
    c.call("POST", sync, 403, member.post(c.url(&sync_path)))
        .await;
    // Another replica holds the carrier's sync lease for longer than
    // `sync_now` waits (10 s): 409.
    let db = app.raw_db().await;
    sqlx::query(
        "UPDATE carriers SET lease_owner = 'another-replica', lease_until = $1 WHERE id = $2",
    )
    .bind(i64::MAX / 2)
    .bind(id(&carrier))
    .execute(&db)
    .await
    .unwrap();
    c.call("POST", sync, 409, admin.post(c.url(&sync_path)))
        .await;
    sqlx::query("UPDATE carriers SET lease_owner = NULL, lease_until = NULL WHERE id = $1")
        .bind(id(&carrier))
        .execute(&db)
        .await
        .unwrap();
    let bare = common::spawn_app().await;
    let bare_carrier = bare.simple_carrier("No LiveKit").await;
    let res = bare
        .client
        .post(bare.url(&fill(sync, &[&id(&bare_carrier)])))
        .send()
        .await
        .unwrap();
    c.check("POST", sync, 503, res).await;

    // What LiveKit holds: the comparison, an unknown carrier, LiveKit down
    // (502), a password this key cannot decrypt (409), no LiveKit (503).
    let held = "/api/v1/carriers/{id}/livekit";
    let held_path = fill(held, &[&id(&carrier)]);
    c.call("GET", held, 200, admin.get(c.url(&held_path))).await;
    c.call("GET", held, 404, admin.get(c.url(&fill(held, &[&missing]))))
        .await;
    c.call("GET", held, 403, member.get(c.url(&held_path)))
        .await;
    lk.set_down(true);
    c.call("GET", held, 502, admin.get(c.url(&held_path))).await;
    lk.set_down(false);
    let garbled = app
        .carrier(
            json!({"name": "Garbled", "sip_address": "sip.garbled.example", "password": "pw-1"}),
        )
        .await;
    sqlx::query("UPDATE carriers SET password_secret = $1 WHERE id = $2")
        .bind(vec![7_u8; 48])
        .bind(id(&garbled))
        .execute(&db)
        .await
        .unwrap();
    let garbled_path = fill(held, &[&id(&garbled)]);
    c.call("GET", held, 409, admin.get(c.url(&garbled_path)))
        .await;
    let res = bare
        .client
        .get(bare.url(&fill(held, &[&id(&bare_carrier)])))
        .send()
        .await
        .unwrap();
    c.check("GET", held, 503, res).await;

    // Test connection: it runs (whatever the carrier answers), or 404.
    let probe = "/api/v1/carriers/{id}/probe";
    let probe_path = fill(probe, &[&id(&carrier)]);
    c.call("POST", probe, 200, admin.post(c.url(&probe_path)))
        .await;
    c.call(
        "POST",
        probe,
        404,
        admin.post(c.url(&fill(probe, &[&missing]))),
    )
    .await;
    c.call("POST", probe, 403, member.post(c.url(&probe_path)))
        .await;

    // A carrier's history: a page, a bad cursor (422), a bad limit (400),
    // an unknown carrier (404).
    let history = "/api/v1/carriers/{id}/history";
    let history_path = fill(history, &[&id(&carrier)]);
    c.call("GET", history, 200, admin.get(c.url(&history_path)))
        .await;
    c.call(
        "GET",
        history,
        422,
        admin.get(c.url(&history_path)).query(&[("cursor", "nope")]),
    )
    .await;
    c.call(
        "GET",
        history,
        400,
        admin.get(c.url(&history_path)).query(&[("limit", "-1")]),
    )
    .await;
    c.call(
        "GET",
        history,
        404,
        admin.get(c.url(&fill(history, &[&missing]))),
    )
    .await;
    c.call("GET", history, 403, member.get(c.url(&history_path)))
        .await;

    // Deletes: a stale If-Match (412), then without one, then gone (404).
    let numbers_one = fill(one_number, &[&id(&carrier), &id(&number)]);
    c.call(
        "DELETE",
        one_number,
        403,
        member.delete(c.url(&numbers_one)),
    )
    .await;
    c.call("DELETE", one_number, 204, admin.delete(c.url(&numbers_one)))
        .await;
    c.call("DELETE", one_number, 404, admin.delete(c.url(&numbers_one)))
        .await;
    c.call("DELETE", one_bot, 403, member.delete(c.url(&bot_path)))
        .await;
    c.call("DELETE", one_bot, 204, admin.delete(c.url(&bot_path)))
        .await;
    c.call("DELETE", one_bot, 404, admin.delete(c.url(&bot_path)))
        .await;
    c.call(
        "DELETE",
        one_carrier,
        412,
        admin
            .delete(c.url(&carrier_path))
            .header("if-match", etag(&carrier)),
    )
    .await;
    c.call(
        "DELETE",
        one_carrier,
        400,
        admin.delete(c.url(&carrier_path)).header("if-match", "4"),
    )
    .await;
    c.call(
        "DELETE",
        one_carrier,
        403,
        member.delete(c.url(&carrier_path)),
    )
    .await;
    let current = c
        .call("GET", one_carrier, 200, admin.get(c.url(&carrier_path)))
        .await;
    assert_ne!(etag(&current), etag(&carrier));
    c.call(
        "DELETE",
        one_carrier,
        204,
        admin
            .delete(c.url(&carrier_path))
            .header("if-match", etag(&current)),
    )
    .await;
    c.call(
        "DELETE",
        one_carrier,
        404,
        admin.delete(c.url(&carrier_path)),
    )
    .await;

    // API tokens: made with a login, used as Bearer, revoked.
    let tokens = "/api/v1/tokens";
    let made = c
        .call(
            "POST",
            tokens,
            201,
            admin
                .post(c.url(tokens))
                .json(&json!({"name": "Contract", "role": "admin", "expires_in_days": 7})),
        )
        .await;
    c.call(
        "POST",
        tokens,
        422,
        admin
            .post(c.url(tokens))
            .json(&json!({"name": " ", "expires_in_days": 0})),
    )
    .await;
    let api = common::bearer_client(made["token"].as_str().unwrap());
    c.call(
        "POST",
        tokens,
        403,
        api.post(c.url(tokens))
            .json(&json!({"name": "From a token"})),
    )
    .await;
    body_errors(&mut c, &admin, "POST", tokens, tokens).await;
    c.call("GET", tokens, 200, admin.get(c.url(tokens))).await;
    let one_token = "/api/v1/tokens/{id}";
    let token_path = fill(one_token, &[&id(&made)]);
    c.call("GET", one_token, 200, api.get(c.url(&token_path)))
        .await;
    c.call(
        "GET",
        one_token,
        404,
        admin.get(c.url(&fill(one_token, &[&missing]))),
    )
    .await;
    c.call(
        "DELETE",
        one_token,
        403,
        anon.delete(c.url(&token_path))
            .header("cookie", format!("ori_session={session}"))
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    c.call("DELETE", one_token, 204, admin.delete(c.url(&token_path)))
        .await;
    c.call("GET", one_token, 401, api.get(c.url(&token_path)))
        .await;
    c.call(
        "DELETE",
        one_token,
        404,
        admin.delete(c.url(&fill(one_token, &[&missing]))),
    )
    .await;

    // Login throttling, last: it would refuse the logins above.
    let mut throttled = None;
    for _ in 0..30 {
        let res = anon
            .post(&login_url)
            .json(&json!({"email": "nobody@ori.test", "password": "guess guess guess"}))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(res);
            break;
        }
    }
    let res = throttled.expect("repeated wrong logins are throttled");
    c.check("POST", "/api/v1/auth/login", 429, res).await;

    c.assert_complete();
}

/// The operations a super admin who has yet to turn on two-factor sign-in
/// may call (everything else answers them 403).
const OPEN_DURING_SETUP: &[&str] = &[
    "get_me",
    "update_me",
    "end_my_sessions",
    "get_two_factor",
    "set_up_two_factor",
    "confirm_two_factor",
];

async fn two_factor_operations(c: &mut Contract, app: &TestApp, admin_session: &str) {
    let status = "/api/v1/me/two-factor";
    let setup = "/api/v1/me/two-factor/setup";
    let confirm = "/api/v1/me/two-factor/confirm";
    let disable = "/api/v1/me/two-factor/disable";
    let password = "a long enough password";
    let member = app.user_client("member").await;
    c.call("GET", status, 200, member.get(c.url(status))).await;
    for path in [setup, confirm, disable] {
        body_errors(c, &member, "POST", path, path).await;
        c.call(
            "POST",
            path,
            403,
            app.anon
                .post(c.url(path))
                .header("cookie", format!("ori_session={admin_session}"))
                .header("sec-fetch-site", "cross-site")
                .json(&json!({})),
        )
        .await;
    }
    c.call(
        "POST",
        setup,
        422,
        member
            .post(c.url(setup))
            .json(&json!({"password": "not it at all"})),
    )
    .await;
    let body = c
        .call(
            "POST",
            setup,
            200,
            member
                .post(c.url(setup))
                .json(&json!({"password": password})),
        )
        .await;
    let secret = body["secret"].as_str().unwrap().to_owned();
    c.call(
        "POST",
        confirm,
        422,
        member.post(c.url(confirm)).json(&json!({"code": "000000"})),
    )
    .await;
    c.call(
        "POST",
        confirm,
        200,
        member
            .post(c.url(confirm))
            .json(&json!({"code": common::totp_code(&secret, 0)})),
    )
    .await;
    c.call(
        "POST",
        setup,
        409,
        member
            .post(c.url(setup))
            .json(&json!({"password": password})),
    )
    .await;
    c.call(
        "POST",
        confirm,
        409,
        member.post(c.url(confirm)).json(&json!({"code": "123456"})),
    )
    .await;
    c.call(
        "POST",
        disable,
        422,
        member
            .post(c.url(disable))
            .json(&json!({"password": password, "code": "000000"})),
    )
    .await;
    c.call(
        "POST",
        disable,
        204,
        member
            .post(c.url(disable))
            .json(&json!({"password": password, "code": common::totp_code(&secret, 1)})),
    )
    .await;
    c.call(
        "POST",
        disable,
        409,
        member
            .post(c.url(disable))
            .json(&json!({"password": password, "code": "123456"})),
    )
    .await;

    // Guessing: wrong codes at confirm, wrong passwords at setup and disable.
    let guesser = app.user_client("member").await;
    let body: Value = guesser
        .post(c.url(setup))
        .json(&json!({"password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["secret"].is_string());
    let wrong_code = || {
        guesser
            .post(c.url(confirm))
            .json(&json!({"code": "000000"}))
    };
    let limited = until_throttled(wrong_code).await;
    c.check("POST", confirm, 429, limited).await;
    let wrong_password = || {
        guesser
            .post(c.url(setup))
            .json(&json!({"password": "nope nope nope"}))
    };
    let limited = until_throttled(wrong_password).await;
    c.check("POST", setup, 429, limited).await;
    let enrolled = app.user_client("member").await;
    common::enrol_two_factor(&enrolled, &app.base, password).await;
    let wrong_password = || {
        enrolled
            .post(c.url(disable))
            .json(&json!({"password": "nope nope nope", "code": "123456"}))
    };
    let limited = until_throttled(wrong_password).await;
    c.check("POST", disable, 429, limited).await;

    // A console that requires it: a super admin who has not turned it on
    // gets 403 from everything but what enrolling needs.
    let dir = tempfile::tempdir().unwrap();
    let settings = ori_api::config::Settings {
        require_2fa: true,
        ..common::test_settings(dir.path()).await
    };
    let strict = common::spawn_with(settings, dir).await;
    let any = Uuid::new_v4().to_string();
    let gated: Vec<(String, String)> = c.doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .filter(|(_, op)| op["security"].is_array())
                .filter(|(_, op)| !OPEN_DURING_SETUP.contains(&op["operationId"].as_str().unwrap()))
                .map(|(m, _)| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (method, template) in &gated {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let url = strict.url(&fill(template, &[&any, &any]));
        let mut request = strict.client.request(m, url);
        if c.doc["paths"][template][method.to_lowercase()]["requestBody"].is_object() {
            request = request.json(&json!({}));
        }
        let body = c.call(method, template, 403, request).await;
        assert_eq!(
            body["type"], "urn:ori:problem:two-factor-setup-required",
            "{method} {template}"
        );
    }
}

/// Sends `request()` until the server answers 429 (at most 30 times).
async fn until_throttled(request: impl Fn() -> RequestBuilder) -> Response {
    for _ in 0..30 {
        let res = request().send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            return res;
        }
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    panic!("never throttled");
}

#[tokio::test]
async fn a_method_a_path_lacks_answers_405_with_allow() {
    let app = common::spawn_app().await;
    let c = Contract::new(&app).await;
    let any = Uuid::new_v4().to_string();
    for (template, item) in c.doc["paths"].as_object().unwrap() {
        let documented: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        let path = fill(template, &[&any, &any]);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if documented.iter().any(|m| m == method) {
                continue;
            }
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let res = app.client.request(m, c.url(&path)).send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {template}"
            );
            let allow = res.headers()["allow"].to_str().unwrap().to_owned();
            let mut allowed: Vec<&str> = allow.split(", ").collect();
            allowed.sort_unstable();
            let mut expected: Vec<&str> = documented.iter().map(String::as_str).collect();
            expected.sort_unstable();
            assert_eq!(allowed, expected, "Allow of {template}");
            assert_eq!(
                res.headers()["content-type"],
                "application/problem+json",
                "{method} {template}"
            );
            let problem: Value = res.json().await.unwrap();
            c.validate(
                &format!("{method} {template}"),
                405,
                &json!({"$ref": "#/components/schemas/Problem"}),
                &problem,
            );
        }
    }
}

#[tokio::test]
async fn unknown_api_paths_are_problem_json_404s_not_the_spa() {
    let app = common::spawn_app().await;
    for path in ["/api/v1/nope", "/api/v2/carriers", "/api/nope", "/api/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
}

/// Collects every schema under `node` that carries `examples`, with its
/// JSON pointer (not descending into the examples themselves).
fn schemas_with_examples<'a>(node: &'a Value, pointer: String, out: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            if map.get("examples").is_some_and(Value::is_array) {
                out.push((pointer.clone(), node));
            }
            for (key, child) in map {
                if key != "examples" && key != "example" {
                    schemas_with_examples(child, format!("{pointer}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                schemas_with_examples(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_example_in_the_document_matches_its_schema() {
    let app = common::spawn_app().await;
    let c = Contract::new(&app).await;
    let mut found = Vec::new();
    schemas_with_examples(
        &c.doc["components"]["schemas"],
        "#/components/schemas".into(),
        &mut found,
    );
    assert!(
        found.len() > 20,
        "only {} schemas have examples",
        found.len()
    );
    for (pointer, schema) in found {
        for example in schema["examples"].as_array().unwrap() {
            c.validate(&format!("example of {pointer}"), 0, schema, example);
        }
    }
    for (name, schema) in c.doc["components"]["schemas"].as_object().unwrap() {
        let is_enum = schema.get("enum").is_some();
        assert!(
            is_enum || schema.get("examples").is_some() || schema.get("allOf").is_some(),
            "{name} has no example"
        );
    }
}
