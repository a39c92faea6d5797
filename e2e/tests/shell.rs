//! The built SPA loads from the real server in a real browser.

use ori_e2e::{Browser, Console};

#[tokio::test]
async fn console_shell_loads_and_routes_to_carriers() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    c.goto(&format!("{}/", console.base)).await?;
    browser.wait_text("h1", "Carriers").await?;
    assert!(c.current_url().await?.path().ends_with("/dashboard/carriers"));
    browser.wait_text("nav a[href=\"/dashboard/carriers\"]", "Carriers").await?;

    // A deep link loads through the server's SPA fallback.
    c.goto(&format!("{}/dashboard/carriers", console.base)).await?;
    browser.wait_text("h1", "Carriers").await?;

    c.clone().close().await?;
    Ok(())
}
