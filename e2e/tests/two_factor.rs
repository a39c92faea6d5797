//! Two-factor sign-in in the browser, on a console that requires it of super
//! admins: the first login leads to enrolment and nothing else, the QR step,
//! the recovery codes shown once, then a login that asks for the code.

use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console};

/// The authenticator app's code for `secret` (base32), `steps` steps from now.
fn app_code(secret: &str, steps: i64) -> anyhow::Result<String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("secret: {e:?}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        "e2e".into(),
    )?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let at = now.saturating_add_signed(steps * 30);
    Ok(totp.generate(at))
}

#[tokio::test]
async fn a_super_admin_enrols_then_logs_in_with_a_code() -> anyhow::Result<()> {
    let console = Console::builder()
        .env("ORI_REQUIRE_2FA", "true")
        .start()
        .await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    // The first login leads to enrolment, and the rest of the console waits.
    browser.log_in_admin(&console).await?;
    browser.wait_path("/dashboard/two-factor").await?;
    browser
        .wait_text(
            ".notice-warning h2",
            "Turn on two-factor sign-in to continue",
        )
        .await?;
    browser.wait_text("h2", "Two-factor sign-in is off").await?;
    c.goto(&console.url("/dashboard/carriers")).await?;
    browser.wait_path("/dashboard/two-factor").await?;
    browser.screenshot("two-factor-required").await?;

    // A wrong password is named at its field.
    browser
        .fill("#two-factor-password", "not the password at all")
        .await?;
    browser.click("#two-factor-start").await?;
    browser
        .wait_text("#two-factor-password-error", "The password is wrong.")
        .await?;
    browser.fill("#two-factor-password", ADMIN_PASSWORD).await?;
    browser.click("#two-factor-start").await?;
    browser
        .wait_text("h2", "Scan this code with your authenticator app")
        .await?;
    let secret: String = browser
        .text_of("#two-factor-secret")
        .await?
        .split_whitespace()
        .collect();
    assert_eq!(secret.len(), 32, "a 160-bit secret in base32: {secret}");
    browser.wait_count("img.two-factor-qr", 1).await?;
    browser.screenshot("two-factor-scan").await?;

    // A wrong code, then the right one.
    browser.fill("#two-factor-code", "000000").await?;
    browser.click("#two-factor-confirm").await?;
    browser
        .wait_text("#two-factor-code-error", "This code is wrong")
        .await?;
    browser
        .fill("#two-factor-code", &app_code(&secret, 0)?)
        .await?;
    browser.click("#two-factor-confirm").await?;
    browser.wait_count("#recovery-codes li", 10).await?;
    browser.screenshot("two-factor-recovery-codes").await?;
    browser.click("#two-factor-done").await?;
    browser.wait_text("h2", "Two-factor sign-in is on").await?;
    browser
        .wait_text("#two-factor-left", "10 recovery codes left.")
        .await?;
    browser
        .wait_text(".card", "Super admins on this console must keep it on.")
        .await?;
    browser.screenshot("two-factor-on").await?;

    // The console is open now.
    c.goto(&console.url("/dashboard/carriers")).await?;
    browser.wait_text("h1", "Carriers").await?;

    // Log out; the next login asks for the code after the password.
    browser.click(".user-menu-button").await?;
    browser.wait_count("#account-dialog[open]", 1).await?;
    browser.click_button("Log out").await?;
    browser.wait_path("/login").await?;
    browser
        .log_in(&console.url("/login"), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await?;
    browser.wait_text("h1", "Two-factor sign-in").await?;
    browser.wait_count("#login-code", 1).await?;
    browser.screenshot("login-two-factor").await?;
    browser.fill("#login-code", "123 456").await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_text("[role=alert]", "wrong or has been used")
        .await?;
    // The enrolment took this step's code: the app's next one.
    browser.fill("#login-code", &app_code(&secret, 1)?).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser.wait_text("h1", "Carriers").await?;

    browser.close().await
}
