//! The carrier search index (pg_trgm on PostgreSQL): what start-up says
//! when PostgreSQL cannot create the extension. Searching itself is tested
//! in tests/carriers.rs.

#![allow(clippy::unwrap_used)]

mod common;

use ori_api::db::Db;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use uuid::Uuid;

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
