//! Issue 11, the operations items: key files that cannot start weak or
//! race. On SQLite, or PostgreSQL with `ORI_TEST_DB=postgres`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Settings, bearer_client, login, test_settings};
use ori_api::crypto::SecretBox;
use ori_api::startup::Application;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

async fn build_error(settings: &Settings) -> String {
    match Application::build(settings).await {
        Ok(_) => panic!("the app started"),
        Err(e) => format!("{e}"),
    }
}

// ---- 6. Key files -------------------------------------------------------

#[tokio::test]
async fn an_empty_or_short_secret_file_stops_start_up_naming_it() {
    // The JWT secret generated into the data directory.
    for content in ["", "\n", "only-31-characters-long-secret!"] {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.jwt_secret = None;
        let path = dir.path().join("jwt.secret");
        std::fs::write(&path, content).unwrap();
        let e = build_error(&settings).await;
        assert!(e.contains(&path.display().to_string()), "{content:?}: {e}");
        assert!(e.contains("at least 32"), "{e}");
        // The file is reported, not replaced.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
    let dir = tempfile::tempdir().unwrap();
    // One named by ORI_JWT_SECRET_FILE.
    let named = dir.path().join("named-jwt");
    std::fs::write(&named, "short\n").unwrap();
    let mut settings = test_settings(dir.path()).await;
    settings.jwt_secret_file = Some(named.clone());
    let e = build_error(&settings).await;
    assert!(
        e.contains("ORI_JWT_SECRET_FILE") && e.contains(&named.display().to_string()),
        "{e}"
    );
    // By value.
    let mut settings = test_settings(dir.path()).await;
    settings.jwt_secret = Some("short".into());
    let e = build_error(&settings).await;
    assert!(
        e.contains("ORI_JWT_SECRET") && e.contains("at least 32"),
        "{e}"
    );

    // The encryption key: in the data directory, and named by ORI_SECRET_KEY_FILE.
    for content in ["", "c2hvcnQ="] {
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(dir.path()).await;
        let path = dir.path().join("secret.key");
        std::fs::write(&path, content).unwrap();
        let e = build_error(&settings).await;
        assert!(e.contains(&path.display().to_string()), "{content:?}: {e}");
        let named = dir.path().join("named-key");
        std::fs::write(&named, content).unwrap();
        let mut settings = test_settings(dir.path()).await;
        settings.secret_key_file = Some(named.clone());
        let e = build_error(&settings).await;
        assert!(e.contains(&named.display().to_string()), "{e}");
    }
}

#[tokio::test]
async fn replicas_starting_together_on_a_fresh_data_dir_share_one_key() {
    // The database exists already (its first start had other keys), so the
    // only race left is the two replicas' key files.
    let first = tempfile::tempdir().unwrap();
    let seed = test_settings(first.path()).await;
    drop(Application::build(&seed).await.expect("first start"));
    let shared = tempfile::tempdir().unwrap();
    let replica = || {
        let mut s = seed.clone();
        s.data_dir = shared.path().to_path_buf();
        s.jwt_secret = None;
        s
    };
    let (a, b) = (replica(), replica());
    let (a, b) = tokio::join!(Application::build(&a), Application::build(&b));
    let (a, b) = (a.expect("replica a"), b.expect("replica b"));
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{}", a.port()),
        format!("http://127.0.0.1:{}", b.port()),
    );
    tokio::spawn(a.run_until_stopped());
    tokio::spawn(b.run_until_stopped());

    let mut names: Vec<String> = std::fs::read_dir(shared.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["jwt.secret", "secret.key"],
        "no temporary files left"
    );
    #[cfg(unix)]
    for name in &names {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(shared.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }

    // A login token from one replica works on the other: one JWT secret.
    let anon = reqwest::Client::new();
    for (from, to) in [(&base_a, &base_b), (&base_b, &base_a)] {
        let token = login(&anon, from, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let me = bearer_client(&token)
            .get(format!("{to}/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
    // Each replica encrypts SIP passwords with the key in the file.
    let file_key = SecretBox::load_or_create(None, shared.path()).unwrap();
    let token = login(&anon, &base_a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (i, base) in [&base_a, &base_b].into_iter().enumerate() {
        let res = bearer_client(&token)
            .post(format!("{base}/api/v1/carriers"))
            .json(
                &json!({"name": format!("Replica {i}"), "sip_address": "sip.example.com",
                          "username": "u", "password": format!("pw-{i}")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    sqlx::any::install_default_drivers();
    let db = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(seed.database_url.as_deref().unwrap())
        .await
        .unwrap();
    let rows = sqlx::query("SELECT name, password_secret FROM carriers ORDER BY name")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (i, row) in rows.iter().enumerate() {
        let sealed: Vec<u8> = row.try_get("password_secret").unwrap();
        let plain = file_key
            .decrypt(&sealed)
            .expect("decrypts with the file's key");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&plain),
            format!("pw-{i}")
        );
    }
}
