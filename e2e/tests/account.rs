//! The user menu in a real browser: the signed-in account, the time zone every
//! absolute time follows, Change password, Log out, and its keyboard behaviour.

#![allow(clippy::unwrap_used)]

use anyhow::Context;
use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console, Key, id_of};
use serde_json::{Value, json};

const MENU_BUTTON: &str = ".user-menu-button";
const MENU_OPEN: &str = "#account-dialog[open]";
const ZONE: &str = "#account-timezone";
const LAST_SYNCED: &str = "tbody tr .nowrap time";

/// `at` (RFC 3339) as the console writes an absolute time in `zone`.
async fn in_zone(browser: &Browser, at: &str, zone: &str) -> anyhow::Result<String> {
    let text = browser
        .execute(
            "return new Date(arguments[0]).toLocaleString(undefined,
                {dateStyle: 'medium', timeStyle: 'long', timeZone: arguments[1]})",
            vec![json!(at), json!(zone)],
        )
        .await?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

/// The first of `names` the browser lists as a time zone (browsers differ on
/// `Asia/Kolkata` versus its old name `Asia/Calcutta`).
async fn listed_zone(browser: &Browser, names: &[&str]) -> anyhow::Result<String> {
    let zone = browser
        .execute(
            "const zones = Intl.supportedValuesOf('timeZone');
             return arguments[0].find(z => zones.includes(z)) || null;",
            vec![json!(names)],
        )
        .await?;
    zone.as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the browser lists none of {names:?}"))
}

/// Opens the menu, picks `zone`, saves, and waits for the confirmation.
async fn choose_zone(browser: &Browser, zone: &str) -> anyhow::Result<()> {
    if browser.count(MENU_OPEN).await? == 0 {
        browser.click(MENU_BUTTON).await?;
        browser.wait_count(MENU_OPEN, 1).await?;
    }
    browser
        .client
        .find(fantoccini::Locator::Css(ZONE))
        .await?
        .select_by_value(zone)
        .await?;
    browser.wait_enabled("#account-timezone-save", true).await?;
    browser.click("#account-timezone-save").await?;
    browser
        .wait_text(".toast-message", &format!("Times now show in {zone}."))
        .await?;
    Ok(())
}

/// Waits until the Last Synced tooltip reads `expected`.
async fn wait_tooltip(browser: &Browser, expected: &str) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let title = browser
            .attr_of(LAST_SYNCED, "title")
            .await?
            .unwrap_or_default();
        if title == expected {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("the Last Synced tooltip reads {title:?}, not {expected:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_time_zone_moves_every_absolute_time_and_survives_a_reload() -> anyhow::Result<()> {
    let console = Console::builder().livekit().start().await?;
    let carrier = console
        .create_carrier(json!({"name": "Acme", "sip_address": "sip.acme.example"}))
        .await?;
    let carrier_id = id_of(&carrier)?.to_owned();
    console
        .add_number(&carrier_id, json!({"number": "+14155550100"}))
        .await?;
    console.wait_synced(&carrier_id).await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    let at = browser
        .attr_of(LAST_SYNCED, "datetime")
        .await?
        .unwrap_or_default();

    // A new account has chosen no zone: times show in the browser's own.
    let browser_zone = browser
        .execute(
            "return Intl.DateTimeFormat().resolvedOptions().timeZone",
            vec![],
        )
        .await?;
    let browser_zone = browser_zone.as_str().unwrap_or_default().to_owned();
    wait_tooltip(&browser, &in_zone(&browser, &at, &browser_zone).await?).await?;
    browser.click(MENU_BUTTON).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser.wait_text(".who-email", ADMIN_EMAIL).await?;
    browser.wait_text(".who-role", "Super admin").await?;
    browser
        .wait_text("#account-timezone-help", "Not chosen yet")
        .await?;
    // The zones are the browser's (hundreds), grouped by region.
    let options = browser
        .execute(
            "return document.querySelectorAll('#account-timezone optgroup option').length",
            vec![],
        )
        .await?;
    assert!(options.as_u64().unwrap_or(0) > 300, "{options} zones");
    assert!(
        browser
            .count("#account-timezone optgroup[label=America]")
            .await?
            == 1
    );
    browser.screenshot("account-menu-open").await?;

    // India: the tooltip moves at once, without a reload.
    let kolkata = listed_zone(&browser, &["Asia/Kolkata", "Asia/Calcutta"]).await?;
    choose_zone(&browser, &kolkata).await?;
    let india = in_zone(&browser, &at, &kolkata).await?;
    assert!(india.contains("GMT+5:30"), "{india}");
    wait_tooltip(&browser, &india).await?;
    assert_eq!(console.api_get("/me").await?["timezone"], kolkata.as_str());

    // New York: ten and a half (or nine and a half) hours earlier.
    choose_zone(&browser, "America/New_York").await?;
    let new_york = in_zone(&browser, &at, "America/New_York").await?;
    assert!(
        ["EST", "EDT", "GMT-5", "GMT-4"]
            .iter()
            .any(|z| new_york.contains(z)),
        "{new_york}"
    );
    assert_ne!(india, new_york);
    wait_tooltip(&browser, &new_york).await?;
    assert!(
        browser
            .count("#account-timezone-help .account-note")
            .await?
            == 0,
        "the zone is chosen now"
    );
    browser.press_key(ZONE, Key::Escape).await?;
    browser.wait_gone(MENU_OPEN).await?;

    // A reload reads the saved zone back.
    browser.client.refresh().await?;
    wait_tooltip(&browser, &new_york).await?;
    browser.click(MENU_BUTTON).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    assert_eq!(browser.value_of(ZONE).await?, "America/New_York");

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_menu_works_from_the_keyboard() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.wait_text(".user-menu-email", ADMIN_EMAIL).await?;
    browser.wait_text(".user-menu-role", "Super admin").await?;
    assert_eq!(
        browser
            .attr_of(MENU_BUTTON, "aria-expanded")
            .await?
            .as_deref(),
        Some("false")
    );

    // Enter opens it with the focus inside; Esc closes it and gives the focus back.
    browser.press_key(MENU_BUTTON, Key::Enter).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser
        .wait_focus(ZONE)
        .await
        .context("focus moves into the menu")?;
    assert_eq!(
        browser
            .attr_of(MENU_BUTTON, "aria-expanded")
            .await?
            .as_deref(),
        Some("true")
    );
    // Tab moves through the menu's controls: the page behind is inert.
    browser.press_key(ZONE, Key::Tab).await?;
    let inside = browser
        .execute(
            "return document.getElementById('account-dialog').contains(document.activeElement)",
            vec![],
        )
        .await?;
    assert_eq!(inside, Value::Bool(true));
    browser.press_key(ZONE, Key::Escape).await?;
    browser.wait_gone(MENU_OPEN).await?;
    browser
        .wait_focus(MENU_BUTTON)
        .await
        .context("focus returns to the button")?;
    assert_eq!(
        browser
            .attr_of(MENU_BUTTON, "aria-expanded")
            .await?
            .as_deref(),
        Some("false")
    );

    // Space opens it too; the Close button closes it the same way.
    browser.press_key(MENU_BUTTON, Key::Space).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser
        .click("#account-dialog button[aria-label=Close]")
        .await?;
    browser.wait_gone(MENU_OPEN).await?;
    browser.wait_focus(MENU_BUTTON).await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn change_password_then_only_the_new_one_logs_in() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    const NEW_PASSWORD: &str = "a-brand-new-password-42";

    browser.click(MENU_BUTTON).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser.click_button("Change password").await?;
    browser
        .wait_count("#password-form:not([hidden])", 1)
        .await?;
    browser.wait_focus("#account-current-password").await?;
    let submit = "#password-form button[type=submit]";
    assert!(!browser.is_enabled(submit).await?, "empty form");

    // The shared rule, as the user types; then a confirmation that differs.
    browser
        .fill("#account-current-password", "not-my-password")
        .await?;
    browser.fill("#account-new-password", "short").await?;
    browser
        .wait_text(
            "#account-new-password-error",
            "Password must be 12–128 characters long.",
        )
        .await?;
    browser.fill("#account-new-password", NEW_PASSWORD).await?;
    browser.wait_gone("#account-new-password-error").await?;
    browser
        .fill("#account-confirm-password", "a-brand-new-password-43")
        .await?;
    browser
        .wait_text(
            "#account-confirm-password-error",
            "The new passwords do not match.",
        )
        .await?;
    browser.wait_enabled(submit, false).await?;
    browser
        .fill("#account-confirm-password", NEW_PASSWORD)
        .await?;
    browser.wait_enabled(submit, true).await?;

    // A wrong current password: the server's message under that field.
    browser.click(submit).await?;
    browser
        .wait_text(
            "#account-current-password-error",
            "The current password is wrong.",
        )
        .await?;
    browser.screenshot("account-password-error").await?;
    browser
        .fill("#account-current-password", ADMIN_PASSWORD)
        .await?;
    browser.wait_gone("#account-current-password-error").await?;
    browser.click(submit).await?;
    browser
        .wait_text(".toast-message", "Your password has been changed.")
        .await?;
    browser.wait_count("#password-form[hidden]", 1).await?;
    browser.wait_focus("#account-change-password").await?;
    // Still signed in (this browser got a fresh session).
    browser.client.refresh().await?;
    browser.wait_text("h1", "Carriers").await?;

    // Log out, from the menu.
    browser.click(MENU_BUTTON).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser.click_button("Log out").await?;
    browser.wait_path("/login").await?;

    // The old password no longer works; the new one does.
    browser
        .log_in(&console.url("/login"), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await?;
    browser
        .wait_text("[role=alert]", "Email or password is wrong.")
        .await?;
    browser.fill("#login-password", NEW_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_path("/dashboard/carriers").await?;

    browser.client.clone().close().await?;
    Ok(())
}
