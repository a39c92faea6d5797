//! The carrier search index (FTS5 trigram kept by triggers on SQLite,
//! pg_trgm on PostgreSQL): concurrent writers from two replicas, and what
//! start-up says when PostgreSQL cannot create the extension. Searching
//! itself is tested in tests/carriers.rs.

#![allow(clippy::unwrap_used)]

mod common;

use common::{spawn_app, spawn_with, test_settings};
use futures_util::future::join_all;
use ori_api::db::Db;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use uuid::Uuid;

/// Two replicas on one database creating and renaming carriers at once:
/// every write succeeds (on SQLite the index's triggers read before they
/// write, which made deferred transactions fail with "database is locked")
/// and search finds exactly the final names.
#[tokio::test]
async fn concurrent_writers_on_two_replicas_all_succeed_and_search_sees_them() {
    let first = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.database_url = Some(first.database_url.clone());
    let second = spawn_with(settings, tempfile::tempdir().unwrap()).await;

    let writes = (0..24).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move {
            let res = app
                .post(
                    "/api/v1/carriers",
                    &json!({"name": format!("Writer {i}"), "sip_address": format!("sip{i}.concurrent.example")}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::CREATED, "create {i}");
            let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
            let res = app
                .patch(&format!("/api/v1/carriers/{id}"), &json!({"name": format!("Renamed {i}")}))
                .await;
            assert_eq!(res.status(), StatusCode::OK, "rename {i}");
        }
    });
    join_all(writes).await;

    for (q, total) in [
        ("writer", 0),
        ("renamed", 24),
        ("concurrent.example", 24),
        ("renamed 7", 1),
    ] {
        let page: Value = second
            .get(&format!("/api/v1/carriers?q={}", q.replace(' ', "%20")))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], total, "q={q}");
    }
}

/// A database without pg_trgm, for a role that may not create extensions:
/// start-up fails and says what to run. (PostgreSQL only.)
#[tokio::test]
async fn startup_says_what_to_do_when_pg_trgm_cannot_be_created() {
    if common::backend() != "postgres" {
        return;
    }
    let base = std::env::var("ORI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("noext_{}", Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await
        .unwrap();
    for sql in [
        format!("CREATE ROLE {name} LOGIN"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    let (root, _) = base.rsplit_once('/').unwrap();
    let fresh = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{root}/{name}"))
        .await
        .unwrap();
    fresh
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA ori AUTHORIZATION {name}"
        )))
        .await
        .unwrap();
    fresh.close().await;

    let url = format!(
        "postgres://{name}@{}/{name}?options[search_path]=ori",
        host(&base)
    );
    let err = Db::connect(&url).await.unwrap_err();
    let message = format!("{err:#}");

    for sql in [
        format!("DROP DATABASE {name} WITH (FORCE)"),
        format!("DROP ROLE {name}"),
    ] {
        admin.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    assert!(
        message.contains("could not create the pg_trgm extension")
            && message.contains("CREATE EXTENSION pg_trgm;"),
        "{message}"
    );
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap()
}
