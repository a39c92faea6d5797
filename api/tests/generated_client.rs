//! The served OpenAPI document as an integrator meets it: it passes
//! `openapi-spec-validator`, `openapi-python-client` generates a client from
//! it without a warning, and that client, unmodified, drives a round trip
//! through the real server (`client/roundtrip.py`). The tools are pinned in
//! `scripts/python-tools.txt`; `scripts/install-tools.sh --browser` installs
//! them.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

/// = PY_TOOLS_DIR in scripts/install-tools.sh
const PY_TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.tools/py/bin");

fn tool(name: &str) -> PathBuf {
    let path = Path::new(PY_TOOLS).join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-tools.sh --browser",
        path.display()
    );
    path
}

fn assert_ran(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_generated_python_client_round_trips_through_the_server() {
    let app = common::spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let doc = app
        .anon
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc_path = work.path().join("openapi.json");
    std::fs::write(&doc_path, doc).unwrap();

    let validated = Command::new(tool("openapi-spec-validator"))
        .arg(&doc_path)
        .output()
        .await
        .unwrap();
    assert_ran("openapi-spec-validator", &validated);

    let client_dir = work.path().join("ori_client");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/client/generator.yaml");
    // The generator formats its output with ruff, from the same venv.
    let path = format!("{PY_TOOLS}:{}", std::env::var("PATH").unwrap_or_default());
    let generated = Command::new(tool("openapi-python-client"))
        .args([
            "generate",
            "--meta",
            "none",
            "--fail-on-warning",
            "--config",
            config,
        ])
        .arg("--path")
        .arg(&doc_path)
        .arg("--output-path")
        .arg(&client_dir)
        .env("PATH", path)
        .output()
        .await
        .unwrap();
    assert_ran("openapi-python-client generate", &generated);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/client/roundtrip.py");
    let round_trip = Command::new(tool("python"))
        .arg(script)
        .env("PYTHONPATH", work.path())
        .env("ORI_BASE", &app.base)
        .env("ORI_EMAIL", common::ADMIN_EMAIL)
        .env("ORI_PASSWORD", common::ADMIN_PASSWORD)
        .output()
        .await
        .unwrap();
    assert_ran("the generated client's round trip", &round_trip);
    assert!(String::from_utf8_lossy(&round_trip.stdout).contains("round trip: ok"));
}
