//! Every screen and state of the console, visited once so that its screenshot runs
//! axe-core and the console check at 1280 and 768 px (see `Browser::screenshot`),
//! and proof that those checks catch a problem rather than silently pass.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console, Key, id_of};
use serde_json::json;

const SAVE_BUTTON: &str = "button[form=carrier-edit-form]";

#[tokio::test]
async fn login_list_add_detail_edit_delete_and_not_found_pass_axe() -> anyhow::Result<()> {
    // No LiveKit: carriers stay pending.
    let console = Console::start().await?;
    let browser = Browser::start().await?;

    // Login, untouched and after a wrong password.
    browser.client.goto(&console.url("/login")).await?;
    browser.wait_text("h1", "Log in").await?;
    browser.screenshot("a11y-login").await?;
    browser.fill("#login-email", ADMIN_EMAIL).await?;
    browser.fill("#login-password", "not-the-password").await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_text("[role=alert]", "Email or password is wrong.")
        .await?;
    browser.screenshot("a11y-login-error").await?;
    browser.fill("#login-password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;

    // The empty list.
    browser.wait_path("/dashboard/carriers").await?;
    browser
        .wait_text(".empty-state h2", "No carriers yet")
        .await?;
    browser.screenshot("a11y-list-empty").await?;

    // Add carrier, untouched, then with a message under several fields.
    browser.click(".page-actions .btn-primary").await?;
    browser.wait_path("/dashboard/carriers/create").await?;
    browser.wait_text("h1", "Add carrier").await?;
    browser.screenshot("a11y-create").await?;
    browser.fill("#carrier-name", "Primary").await?;
    browser.fill("#carrier-sip_address", "bad host").await?;
    browser.fill("#carrier-outbound_cps", "0").await?;
    browser.fill("#carrier-outbound_burst", "x").await?;
    browser
        .type_keys("#carrier-allowed_ips", "192.0.2.300")
        .await?;
    browser
        .press_key("#carrier-allowed_ips", Key::Enter)
        .await?;
    browser
        .wait_text("#carrier-sip_address-error", "cannot contain spaces")
        .await?;
    browser.wait_count(".field-error", 4).await?;
    browser.screenshot("a11y-create-errors").await?;

    // The list with rows (pending: no LiveKit), then a search without a match.
    let first = console
        .create_carrier(
            json!({"name": "Alpha Trunk", "sip_address": "sip.alpha.example.com",
            "password": "pw-alpha", "allowed_ips": ["192.0.2.10"]}),
        )
        .await?;
    let id = id_of(&first)?.to_owned();
    console
        .add_number(&id, json!({"number": "+14155550100", "direction": "both"}))
        .await?;
    console
        .create_carrier(json!({"name": "Beta Carrier", "sip_address": "10.0.0.5"}))
        .await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_count("tbody tr.row-link", 2).await?;
    browser.screenshot("a11y-list-rows").await?;

    // Keyboard focus shows a ring: on a button (Shift+Tab from the search box), on a
    // row (Tab), on a sidebar link.
    let search = "input[type=search]";
    browser.click(search).await?;
    browser
        .type_keys(search, &format!("{}{}", Key::Shift, Key::Tab))
        .await?;
    let focused = "return document.activeElement.textContent.trim()";
    assert_eq!(browser.execute(focused, vec![]).await?, "Add Carrier");
    browser.screenshot("a11y-focus-button").await?;
    browser.click(search).await?;
    browser.press_key(search, Key::Tab).await?;
    assert_eq!(
        browser
            .execute("return document.activeElement.className", vec![])
            .await?,
        "row-link"
    );
    browser.screenshot("a11y-focus-row").await?;
    browser
        .execute(
            "document.querySelector('nav a[href=\"/dashboard/carriers\"]').focus()",
            vec![],
        )
        .await?;
    browser.screenshot("a11y-focus-sidebar").await?;
    browser.fill(search, "no-such-carrier").await?;
    browser
        .wait_text(".empty-state h2", "No carrier matches")
        .await?;
    browser.screenshot("a11y-list-no-match").await?;

    // Detail, view mode, pending.
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Alpha Trunk").await?;
    browser.wait_text(".banner", "pending").await?;
    browser.screenshot("a11y-detail-pending").await?;

    // Edit mode with messages.
    browser.click_button("Edit").await?;
    browser.wait_text(SAVE_BUTTON, "Save").await?;
    // Emptied by typing, so the form sees it (WebDriver's clear sends no input event).
    browser.fill("#carrier-name", "x").await?;
    browser.press_key("#carrier-name", Key::Backspace).await?;
    browser.fill("#carrier-sip_address", "bad host").await?;
    browser.fill("#carrier-outbound_channels", "0").await?;
    browser.wait_count(".field-error", 3).await?;
    browser.wait_enabled(SAVE_BUTTON, false).await?;
    browser.screenshot("a11y-detail-edit-errors").await?;
    browser.click_button("Cancel").await?;
    browser.wait_text(".page-actions", "Edit").await?;

    // The delete confirmation.
    browser.click_button("Delete").await?;
    browser
        .wait_text("dialog[open] .dialog-title", "Delete")
        .await?;
    browser.screenshot("a11y-detail-delete-dialog").await?;
    browser.click("dialog[open] .btn:not(.btn-danger)").await?;
    browser.wait_gone("dialog[open]").await?;

    // Not found: an unknown page, and a carrier that does not exist.
    browser.client.goto(&console.url("/no/such/page")).await?;
    browser.wait_text("h1", "Page not found").await?;
    browser.screenshot("a11y-not-found").await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers/00000000-0000-4000-8000-000000000000"))
        .await?;
    browser.wait_text("h1", "Carrier not found").await?;
    browser.screenshot("a11y-carrier-not-found").await?;

    // The session ends while the console is open: the login page says so.
    browser.delete_cookies().await?;
    browser.click("a.btn[href=\"/dashboard/carriers\"]").await?;
    browser.wait_path("/login").await?;
    browser
        .wait_text(".form-notice", "Your session has ended")
        .await?;
    browser.screenshot("a11y-login-session-ended").await?;

    browser.close().await
}

#[tokio::test]
async fn synced_and_failed_carriers_pass_axe() -> anyhow::Result<()> {
    // Slow automatic retries, so the error stays.
    let console = Console::builder()
        .livekit()
        .env("ORI_SYNC_RETRY_BASE_MS", "600000")
        .env("ORI_SYNC_RETRY_MAX_SECS", "600")
        .start()
        .await?;
    let mut ids = Vec::new();
    for (name, address) in [
        ("Synced Trunk", "sip.synced.example.com"),
        ("Failing Trunk", "sip.failing.example.com"),
    ] {
        let carrier = console
            // An allowlist keeps the trunks closed, so the only red badge is the sync error.
            .create_carrier(
                json!({"name": name, "sip_address": address, "allowed_ips": ["203.0.113.0/24"]}),
            )
            .await?;
        let id = id_of(&carrier)?.to_owned();
        console
            .add_number(
                &id,
                json!({"number": format!("+1415555010{}", ids.len()), "direction": "both"}),
            )
            .await?;
        console.wait_synced(&id).await?;
        ids.push(id);
    }
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;

    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{}", ids[0])))
        .await?;
    browser
        .wait_text(".banner.banner-green", "LiveKit trunk is synced")
        .await?;
    browser.screenshot("a11y-detail-synced").await?;

    let lk = console.livekit();
    lk.set_down(true);
    console
        .api_patch(
            &format!("/carriers/{}", ids[1]),
            json!({"transport": "tcp"}),
            None,
        )
        .await?;
    console.wait_sync_status(&ids[1], "error").await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{}", ids[1])))
        .await?;
    browser.wait_text(".banner.banner-red", "LiveKit").await?;
    browser.screenshot("a11y-detail-sync-error").await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_count("tbody tr.row-link", 2).await?;
    browser.wait_count("tbody .badge-red", 1).await?;
    browser.screenshot("a11y-list-synced-and-error").await?;

    // Sync to LiveKit while LiveKit is down: the error notification.
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{}", ids[1])))
        .await?;
    browser.wait_text("h1", "Failing Trunk").await?;
    browser.click_button("Sync to LiveKit").await?;
    browser.wait_text(".toast-error", "").await?;
    browser.screenshot("a11y-detail-sync-failed-toast").await?;

    browser.close().await
}

#[tokio::test]
async fn the_not_yours_note_passes_axe_for_an_admin_and_a_member() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let carrier = console
        .create_carrier(json!({"name": "Guarded", "sip_address": "sip.guarded.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    for (role, email) in [("admin", "admin@a11y.test"), ("member", "member@a11y.test")] {
        let password = "a11y-password-9v7q2k";
        console.create_user(email, password, role).await?;
        let browser = Browser::start().await?;
        browser
            .log_in(&console.url("/login"), email, password)
            .await?;
        browser.wait_path("/dashboard/carriers").await?;
        browser
            .wait_text("#not-yours-heading", "Carrier setup is super admin only")
            .await?;
        browser
            .screenshot(&format!("a11y-not-yours-{role}"))
            .await?;
        browser
            .client
            .goto(&console.url(&format!("/dashboard/carriers/{id}")))
            .await?;
        browser.wait_text(".notice", "not yours to manage").await?;
        browser
            .screenshot(&format!("a11y-not-yours-{role}-detail"))
            .await?;
        browser.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_console_that_stops_answering_shows_an_error_that_passes_axe() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let carrier = console
        .create_carrier(json!({"name": "Lonely", "sip_address": "sip.lonely.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Lonely").await?;
    // The server goes away; the SPA, already loaded, asks for the list and fails.
    drop(console);
    browser.click("a.back-link").await?;
    browser
        .wait_text("[role=alert] h2", "This could not be loaded")
        .await?;
    // The failed requests are logged, as they should be: expected here, so taken out first.
    let errors = browser.console_errors().await?;
    assert!(!errors.is_empty(), "the failed request was not logged");
    for error in &errors {
        assert!(error.contains("net::ERR_CONNECTION_REFUSED"), "{errors:?}");
    }
    browser.screenshot("a11y-list-load-error").await?;
    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_checks_fail_on_an_inaccessible_page_and_on_console_errors() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.wait_text("h1", "Carriers").await?;

    // An image without alt text and a button without a name, under the app's own CSP.
    browser
        .execute(
            "const main = document.querySelector('main');
             const img = document.createElement('img');
             img.id = 'canary-img'; img.width = 40; img.height = 40;
             const button = document.createElement('button');
             button.id = 'canary-button';
             main.append(img, button);",
            vec![],
        )
        .await?;
    let error = browser
        .screenshot("a11y-canary")
        .await
        .expect_err("axe passed a page with a nameless image and button");
    let message = format!("{error:#}");
    for expected in [
        "image-alt (critical)",
        "button-name (critical)",
        "#canary-img",
        "#canary-button",
        "at 1280 px",
        "at 768 px",
        "a11y-canary-1280.axe.json",
    ] {
        assert!(message.contains(expected), "no {expected:?} in: {message}");
    }
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        ori_e2e::screenshots_dir().join("a11y-canary-768.axe.json"),
    )?)?;
    assert!(
        results["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == "image-alt"),
        "{results}"
    );
    browser
        .execute(
            "document.querySelector('#canary-img').remove(); document.querySelector('#canary-button').remove();",
            vec![],
        )
        .await?;

    // A console error, an uncaught exception and a rejected promise each fail the check.
    for (script, expected) in [
        (
            "console.error('canary console error')",
            "canary console error",
        ),
        (
            "setTimeout(() => { throw new Error('canary exception'); })",
            "Uncaught Error: canary exception",
        ),
        (
            "Promise.reject(new Error('canary rejection'))",
            "canary rejection",
        ),
    ] {
        browser.execute(script, vec![]).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let error = browser
            .assert_no_console_errors()
            .await
            .expect_err(expected);
        let message = format!("{error:#}");
        assert!(message.contains(expected), "no {expected:?} in: {message}");
    }
    // An inline style, refused by the CSP, is an error too.
    browser
        .execute(
            "document.querySelector('h1').setAttribute('style', 'color: red')",
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let error = browser
        .assert_no_console_errors()
        .await
        .expect_err("a CSP violation passed");
    assert!(
        format!("{error:#}").contains("Content Security Policy"),
        "{error:#}"
    );

    // Once clean, the same page passes.
    browser.screenshot("a11y-canary-clean").await?;
    browser.close().await
}
