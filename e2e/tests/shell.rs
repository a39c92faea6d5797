//! The built SPA loads from the real server in a real browser.

use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console};

#[tokio::test]
async fn console_shell_loads_and_routes_to_carriers() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    // Signed out, the root goes to the login page; after logging in, to the carriers.
    browser
        .log_in(&format!("{}/", console.base), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await?;
    browser.wait_text("h1", "Carriers").await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser
        .wait_text("nav a[href=\"/dashboard/carriers\"]", "Carriers")
        .await?;

    // A deep link loads through the server's SPA fallback, and the session cookie holds.
    c.goto(&format!("{}/dashboard/carriers", console.base))
        .await?;
    browser.wait_text("h1", "Carriers").await?;
    browser.wait_path("/dashboard/carriers").await?;

    // The root and /dashboard lead to the carriers too; unknown paths say so inside the shell.
    c.goto(&format!("{}/dashboard", console.base)).await?;
    browser.wait_path("/dashboard/carriers").await?;
    c.goto(&format!("{}/no/such/page", console.base)).await?;
    browser.wait_text("h1", "Page not found").await?;
    browser.wait_text(".user-menu-email", ADMIN_EMAIL).await?;

    c.clone().close().await?;
    Ok(())
}
