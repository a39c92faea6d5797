//! `ori`: runs the console. `ori openapi` prints the OpenAPI document.

use ori_api::config::Settings;
use ori_api::startup::Application;
use ori_api::{openapi, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
