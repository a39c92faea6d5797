//! `ori`: runs the console. `ori openapi` prints the OpenAPI document.

use ori_api::config::Settings;
use ori_api::startup::Application;
use ori_api::{openapi, telemetry};

/// Makes glibc give large freed buffers back to the system at once. By
/// default it raises its mmap threshold to the size of the largest buffer
/// freed, so each password hash's 19 MiB then stayed in the heap: 600
/// parallel logins left the process at 240–390 MB instead of under 100 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn return_large_buffers() {
    // SAFETY: mallopt only sets an allocator parameter; called first thing in
    // main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers() {}

fn main() -> anyhow::Result<()> {
    return_large_buffers();
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        print!("{}", openapi::document());
        return Ok(());
    }
    telemetry::init();
    let settings = Settings::load()?;
    let app = Application::build(&settings).await?;
    tracing::info!(
        "Ori console listening on http://{} (API docs at /docs/)",
        settings.bind.replace(":0", &format!(":{}", app.port()))
    );
    app.run_until_stopped().await?;
    Ok(())
}
