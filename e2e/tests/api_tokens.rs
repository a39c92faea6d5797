//! API tokens in a real browser: the user menu's link, the empty state, Create token
//! with the shared rules, the secret shown once, using it over HTTP as Bearer, and
//! Revoke, after which the same call is refused.

#![allow(clippy::unwrap_used)]

use ori_e2e::{Browser, Console, Key};
use reqwest::StatusCode;
use serde_json::{Value, json};

const MENU_BUTTON: &str = ".user-menu-button";
const MENU_OPEN: &str = "#account-dialog[open]";
const DIALOG: &str = "dialog.token-dialog[open]";
const SUBMIT: &str = "dialog.token-dialog button[type=submit]";
/// Admins may read the campaign number pool.
const POOL: &str = "/api/v1/number-pool";
const CONFIRM: &str = "dialog[aria-labelledby=\"revoke-token-title\"]";

/// The cells of the table row whose name is `name`.
async fn row(browser: &Browser, name: &str) -> anyhow::Result<Value> {
    browser
        .execute(
            "const row = [...document.querySelectorAll('tbody tr')]
                .find(r => r.cells[0].textContent === arguments[0]);
             return row ? [...row.cells].map(c => c.textContent.trim()) : null;",
            vec![json!(name)],
        )
        .await
}

/// `GET path` with `token` as Bearer: its status.
async fn get_with(console: &Console, path: &str, token: &str) -> anyhow::Result<StatusCode> {
    let response = console
        .http()
        .get(console.url(path))
        .bearer_auth(token)
        .send()
        .await?;
    Ok(response.status())
}

#[tokio::test]
async fn create_use_and_revoke_an_api_token() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;

    // The user menu's API tokens link opens the page and closes the menu.
    browser.click(MENU_BUTTON).await?;
    browser.wait_count(MENU_OPEN, 1).await?;
    browser
        .wait_text("#account-api-tokens", "API tokens")
        .await?;
    browser.screenshot("api-tokens-menu").await?;
    browser.click("#account-api-tokens").await?;
    browser.wait_path("/dashboard/api-tokens").await?;
    browser.wait_gone(MENU_OPEN).await?;
    browser.wait_text("h1", "API tokens").await?;
    assert_eq!(
        browser.execute("return document.title", vec![]).await?,
        "API tokens · Ori console"
    );
    browser
        .wait_text(".empty-state h2", "No API tokens yet")
        .await?;
    assert_eq!(browser.count(".empty-state > svg").await?, 1);
    browser.screenshot("api-tokens-empty").await?;

    // Create token: a super admin may pick any role; Name is required.
    browser.click("#create-token").await?;
    browser.wait_count(DIALOG, 1).await?;
    browser
        .wait_text("#token-dialog-title", "Create API token")
        .await?;
    let roles = browser
        .execute(
            "return [...document.querySelectorAll('#token-role option')].map(o => o.textContent)",
            vec![],
        )
        .await?;
    assert_eq!(roles, json!(["Super admin", "Admin", "Member"]));
    assert_eq!(browser.value_of("#token-expires").await?, "90");
    browser.fill("#token-name", "x").await?;
    browser.fill("#token-name", "").await?;
    browser.press_key("#token-name", Key::Tab).await?;
    browser
        .wait_text("#token-name-error", "Name is required.")
        .await?;
    browser.wait_enabled(SUBMIT, false).await?;
    browser.fill("#token-name", "CRM sync").await?;
    browser.wait_gone(".token-dialog .field-error").await?;
    for (select, value) in [("#token-role", "admin"), ("#token-expires", "30")] {
        browser
            .client
            .find(fantoccini::Locator::Css(select))
            .await?
            .select_by_value(value)
            .await?;
    }
    browser.screenshot("api-tokens-create").await?;
    browser.click(SUBMIT).await?;

    // Shown once, in monospace, with Copy and the warning.
    browser
        .wait_text("#token-dialog-title", "Copy your new token")
        .await?;
    let secret = browser.text_of("#new-token").await?;
    assert!(secret.starts_with("ori_") && secret.len() == 47, "{secret}");
    browser
        .wait_text(".token-reveal", "it will not be shown again")
        .await?;
    let font = browser
        .execute(
            "return getComputedStyle(document.querySelector('#new-token')).fontFamily",
            vec![],
        )
        .await?;
    assert!(font.to_string().contains("monospace"), "{font}");
    browser.click("#copy-token").await?;
    // Headless Chromium may or may not grant the clipboard: either outcome is said.
    let mut said = Value::Null;
    for _ in 0..50 {
        said = browser
            .execute(
                "const copied = document.querySelector('#copy-token').textContent === 'Copied';
                 const toast = document.querySelector('.toast-message');
                 return copied ? 'copied' : (toast ? toast.textContent : null);",
                vec![],
            )
            .await?;
        if !said.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!("Copy: {said}");
    assert!(
        said == "copied" || said.to_string().contains("copy it yourself"),
        "{said}"
    );
    browser.screenshot("api-tokens-created").await?;
    browser.click("#token-done").await?;
    browser.wait_gone(DIALOG).await?;
    assert_eq!(
        browser.count("#new-token").await?,
        0,
        "the secret is gone from the page"
    );

    // Works as Bearer, as an admin (the role chosen): the number pool, not carriers.
    assert_eq!(get_with(&console, POOL, &secret).await?, StatusCode::OK);
    assert_eq!(
        get_with(&console, "/api/v1/carriers", &secret).await?,
        StatusCode::FORBIDDEN
    );
    let prefix = &secret[..12];
    browser.client.refresh().await?;
    browser.wait_text("tbody tr", "CRM sync").await?;
    let cells = row(&browser, "CRM sync").await?;
    assert_eq!(cells[1], "Admin");
    assert_eq!(cells[2], format!("{prefix}…"));
    assert_eq!(cells[5], "just now", "last used: {cells}");
    assert_eq!(cells[6], "Active");
    let font = browser
        .execute(
            "return getComputedStyle(document.querySelector('tbody td.cell-prefix')).fontFamily",
            vec![],
        )
        .await?;
    assert!(font.to_string().contains("monospace"), "{font}");
    let page = browser.text_of("main").await?;
    assert!(!page.contains(&secret), "the list never shows the secret");
    browser.screenshot("api-tokens-list").await?;

    // Revoke, confirmed: the same call is refused at once.
    browser
        .click("button[aria-label=\"Revoke token CRM sync\"]")
        .await?;
    browser.wait_count(&format!("{CONFIRM}[open]"), 1).await?;
    browser.wait_text(&format!("{CONFIRM} p"), prefix).await?;
    browser.screenshot("api-tokens-revoke-confirm").await?;
    browser.click(&format!("{CONFIRM} .btn-danger")).await?;
    browser
        .wait_text(".toast-message", "Token “CRM sync” revoked.")
        .await?;
    browser.wait_gone(&format!("{CONFIRM}[open]")).await?;
    browser.wait_text("tbody tr .badge", "Revoked").await?;
    assert_eq!(
        browser
            .count("button[aria-label=\"Revoke token CRM sync\"]")
            .await?,
        0
    );
    assert_eq!(
        get_with(&console, POOL, &secret).await?,
        StatusCode::UNAUTHORIZED
    );
    browser.screenshot("api-tokens-revoked").await?;
    browser.close().await
}
