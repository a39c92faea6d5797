//! SQLite storage faults: a full disk and a read-only database answer a
//! problem an operator can act on (507, 503), never an opaque 500; reads
//! go on working; once the condition is lifted, writes work again by
//! themselves and nothing acknowledged is lost or corrupted. SQLite only
//! (skipped on PostgreSQL; pg-restart in ori-bench covers that engine).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use actix_web::ResponseError;
use common::{backend, bearer_client, id, problem, spawn_app, spawn_with, test_settings};
use ori_api::error::{ApiError, StorageFault, storage_fault};
use ori_api::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn sqlite() -> bool {
    if backend() == "postgres" {
        eprintln!("skipped: SQLite only");
        return false;
    }
    true
}

/// A small tmpfs, unmounted (lazily: the app may still hold files) when
/// dropped. Needs root (CAP_SYS_ADMIN); `None` where that is not so.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "ori-test"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        mounted.then(|| Self {
            path: dir.path().to_owned(),
            _dir: dir,
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).output();
    }
}

/// Fills the file system under `dir` to the last byte; returns the filler.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    for chunk in [1 << 20, 4096, 512, 1] {
        let bytes = vec![0u8; chunk];
        while file.write_all(&bytes).is_ok() {}
    }
    let _ = file.sync_all();
    path
}

async fn integrity(app: &common::TestApp) -> String {
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&app.raw_db().await)
        .await
        .unwrap()
}

/// The real errors SQLite gives, through the same driver as the app, are
/// recognised and rendered as the problems clients see.
#[tokio::test]
async fn sqlite_full_and_read_only_errors_become_clear_problems() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (b BLOB)")
        .execute(&pool)
        .await
        .unwrap();
    // The connection may not grow the file past a few pages: SQLITE_FULL.
    sqlx::query("PRAGMA max_page_count = 4")
        .execute(&pool)
        .await
        .unwrap();
    let full = sqlx::query("INSERT INTO t VALUES (zeroblob(100000))")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(storage_fault(&full), Some(StorageFault::Full), "{full}");
    let response = ApiError::from(full).error_response();
    assert_eq!(response.status().as_u16(), 507);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["type"], "urn:ori:problem:storage-full");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("disk is full, so changes cannot be saved")
    );

    let read_only = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url.replace("mode=rwc", "mode=ro"))
        .await
        .unwrap();
    let refused = sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&read_only)
        .await
        .unwrap_err();
    assert_eq!(
        storage_fault(&refused),
        Some(StorageFault::ReadOnly),
        "{refused}"
    );
    // Through anyhow's context too (some paths add one).
    let wrapped = ApiError::from(anyhow::Error::from(refused).context("saving a carrier"));
    assert_eq!(wrapped.status_code().as_u16(), 503);

    // No connection in time: 503 with Retry-After, not 500.
    let response = ApiError::from(sqlx::Error::PoolTimedOut).error_response();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");
    // Any other database error stays an unexpected one.
    assert_eq!(
        ApiError::from(sqlx::Error::RowNotFound)
            .status_code()
            .as_u16(),
        500
    );
}

/// The data directory's disk fills up under the running app (a tmpfs
/// filled to the last byte): writes answer 507 with what to do, reads go
/// on, and freeing the space is all it takes; nothing acknowledged is lost.
#[tokio::test]
async fn a_full_disk_answers_507_keeps_reads_and_loses_nothing() {
    if !sqlite() {
        return;
    }
    let Some(disk) = Tmpfs::mount("64m") else {
        eprintln!("skipped: mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        return;
    };
    ori_api::telemetry::init();
    let dir = tempfile::tempdir_in(&disk.path).unwrap();
    let settings = test_settings(dir.path()).await;
    let app = spawn_with(settings, dir).await;
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let c = app.simple_carrier(&format!("Before {i}")).await;
        acknowledged.push(id(&c).to_owned());
    }
    let filler = fill(&disk.path);

    // Some writes may still fit in pages SQLite already holds; one soon cannot.
    let mut refused = None;
    for i in 0..500 {
        let res = app
            .post(
                "/api/v1/carriers",
                &json!({"name": format!("During {i}"), "sip_address": format!("d{i}.example")}),
            )
            .await;
        if res.status() == StatusCode::CREATED {
            let c: Value = res.json().await.unwrap();
            acknowledged.push(id(&c).to_owned());
            continue;
        }
        refused = Some(problem(res, StatusCode::INSUFFICIENT_STORAGE).await);
        break;
    }
    let refused = refused.expect("a write refused on a full disk");
    assert_eq!(refused["type"], "urn:ori:problem:storage-full");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("disk is full"), "{detail}");
    assert!(detail.contains("ORI_DATA_DIR"), "{detail}");
    // Other writes say the same.
    let patch = app
        .patch(
            &format!("/api/v1/carriers/{}", acknowledged[0]),
            &json!({"sip_address": "full.example"}),
        )
        .await;
    let patch = problem(patch, StatusCode::INSUFFICIENT_STORAGE).await;
    assert_eq!(patch["type"], "urn:ori:problem:storage-full");

    // Reads go on.
    for c in &acknowledged {
        let res = app.get(&format!("/api/v1/carriers/{c}")).await;
        assert_eq!(res.status(), StatusCode::OK, "reading {c} on a full disk");
    }
    let list: Value = app
        .get("/api/v1/carriers?limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], acknowledged.len());
    let ready = app.anon.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    // Space freed: writes work again, with no restart.
    std::fs::remove_file(filler).unwrap();
    let after = app.simple_carrier("After").await;
    acknowledged.push(id(&after).to_owned());
    let patched = app
        .patch(
            &format!("/api/v1/carriers/{}", acknowledged[0]),
            &json!({"sip_address": "after.example"}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    for c in &acknowledged {
        let res = app.get(&format!("/api/v1/carriers/{c}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{c} after the disk was freed");
    }
    assert_eq!(integrity(&app).await, "ok");
}

/// A database the process can only read (SQLite opens a file it may not
/// write read-only, as it does under a read-only data directory; here the
/// URL says `mode=ro`): writes and logins answer 503 saying so, reads work,
/// and the data stays intact.
#[tokio::test]
async fn a_read_only_database_answers_503_and_reads_still_work() {
    if !sqlite() {
        return;
    }
    let first = spawn_app().await;
    let kept = first.simple_carrier("Kept").await;
    first
        .add_number(&kept, json!({"number": "+14155550001"}))
        .await;

    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.database_url = Some(format!(
        "sqlite://{}?mode=ro",
        first.data_dir.path().join("test.db").display()
    ));
    let app = Application::build(&settings)
        .await
        .expect("a read-only database still starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    // The first app's login is in the shared database.
    let client = bearer_client(&first.admin_token);

    let res = client
        .get(format!("{base}/api/v1/carriers/{}", id(&kept)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "reads work");
    let res = client
        .get(format!("{base}/api/v1/carriers/{}/numbers", id(&kept)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let res = client
        .post(format!("{base}/api/v1/carriers"))
        .json(&json!({"name": "Refused", "sip_address": "refused.example"}))
        .send()
        .await
        .unwrap();
    let refused = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(refused["type"], "urn:ori:problem:database-read-only");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("read-only"), "{detail}");
    assert!(detail.contains("ORI_DATA_DIR"), "{detail}");
    let res = client
        .patch(format!("{base}/api/v1/carriers/{}", id(&kept)))
        .json(&json!({"sip_address": "refused.example"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    // A login writes (its session, the throttle's count): 503 too, not 500.
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": common::ADMIN_EMAIL, "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let login = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(login["type"], "urn:ori:problem:database-read-only");

    // Nothing changed; the writable app still writes.
    let now: Value = first
        .get(&format!("/api/v1/carriers/{}", id(&kept)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["sip_address"], kept["sip_address"]);
    first.simple_carrier("Still writable").await;
    assert_eq!(integrity(&first).await, "ok");
}
