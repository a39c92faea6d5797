//! Logging in and out, and what each role sees.

use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console};

const CARRIERS_LINK: &str = "nav a[href=\"/dashboard/carriers\"]";

#[tokio::test]
async fn super_admin_logs_in_and_out() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    // Unauthenticated: any console page leads to the login page.
    c.goto(&format!("{}/dashboard/carriers", console.base))
        .await?;
    browser.wait_text("h1", "Log in").await?;
    browser.wait_path("/login").await?;
    assert_eq!(browser.count(CARRIERS_LINK).await?, 0);

    // A wrong password shows the server's message and stays on the page.
    browser
        .log_in(
            &format!("{}/login", console.base),
            ADMIN_EMAIL,
            "not-the-password-at-all",
        )
        .await?;
    browser
        .wait_text("[role=alert]", "Email or password is wrong.")
        .await?;
    browser.wait_path("/login").await?;
    browser.wait_text("button[type=submit]", "Log in").await?;

    // The right one lands on the carriers, with the link in the Telephony section.
    browser.fill("#login-password", ADMIN_PASSWORD).await?;
    browser.click_button("Log in").await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser.wait_text("h1", "Carriers").await?;
    browser.wait_text(CARRIERS_LINK, "Carriers").await?;
    // In the Telephony section (its heading is upper-cased by CSS, so match the link under it).
    browser
        .wait_text(
            "#nav-telephony + .nav-list a[href=\"/dashboard/carriers\"]",
            "Carriers",
        )
        .await?;
    browser.wait_text(".user-menu-email", ADMIN_EMAIL).await?;
    browser.wait_text(".user-menu-role", "Super admin").await?;

    // Signed in, the login page sends you back to the console.
    c.goto(&format!("{}/login", console.base)).await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser.wait_text("h1", "Carriers").await?;

    // Log out, from the user menu: back to the login page, and the session is gone for good.
    browser.click(".user-menu-button").await?;
    browser.wait_count("#account-dialog[open]", 1).await?;
    browser.click_button("Log out").await?;
    browser.wait_path("/login").await?;
    browser.wait_text("h1", "Log in").await?;
    c.goto(&format!("{}/dashboard/carriers", console.base))
        .await?;
    browser.wait_path("/login").await?;
    browser.wait_text("h1", "Log in").await?;

    c.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn member_sees_no_carriers_link_and_a_friendly_note() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let (email, password) = ("member@e2e.test", "member-password-2b8x");
    console.create_user(email, password, "member").await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    browser
        .log_in(&format!("{}/login", console.base), email, password)
        .await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser
        .wait_text(".notice", "Carrier setup is super admin only")
        .await?;
    browser
        .wait_text(
            ".notice",
            "This page is not yours to manage — that is expected, not a fault.",
        )
        .await?;
    browser.wait_text(".user-menu-email", email).await?;
    browser.wait_text(".user-menu-role", "Member").await?;
    assert_eq!(browser.count(CARRIERS_LINK).await?, 0);
    assert_eq!(browser.count(".nav-section").await?, 0);
    // A note, not an error.
    assert_eq!(browser.count("[role=alert]").await?, 0);

    c.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn log_out_everywhere_ends_the_sessions_of_other_browsers_too() -> anyhow::Result<()> {
    let console = Console::start().await?;
    // A session elsewhere: a script that logged in through the API.
    let elsewhere = console.token(ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let me = console.url("/api/v1/me");
    let status = |token: String| {
        let request = console.http().get(&me).bearer_auth(token);
        async move { anyhow::Ok(request.send().await?.status()) }
    };
    assert_eq!(status(elsewhere.clone()).await?, reqwest::StatusCode::OK);

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.click(".user-menu-button").await?;
    browser.wait_count("#account-dialog[open]", 1).await?;
    browser
        .wait_text("#log-out-everywhere-help", "every browser and device")
        .await?;
    browser.screenshot("log-out-everywhere").await?;
    browser.click_button("Log out everywhere").await?;
    browser.wait_path("/login").await?;
    browser.wait_text("h1", "Log in").await?;
    assert_eq!(
        status(elsewhere).await?,
        reqwest::StatusCode::UNAUTHORIZED,
        "the other session ended too"
    );
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_path("/login").await?;
    browser.close().await
}
