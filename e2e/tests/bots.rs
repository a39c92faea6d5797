//! The Bots page in a real browser: the sidebar link, the empty state, Add Bot with
//! the shared rules' messages, renaming (numbers follow), and deleting with a
//! confirmation that says how many numbers will show "Bot not found".

#![allow(clippy::unwrap_used)]

use ori_e2e::{Browser, Console, Key, id_of};
use serde_json::{Value, json};

const BOTS_LINK: &str = "nav a[href=\"/dashboard/bots\"]";
const CARRIERS_LINK: &str = "nav a[href=\"/dashboard/carriers\"]";
const BOT_DIALOG: &str = "dialog.bot-dialog[open]";
const SUBMIT: &str = "dialog.bot-dialog button[type=submit]";
const CONFIRM: &str = "dialog[aria-labelledby=\"delete-bot-title\"]";

/// The id of the element that has the focus.
async fn focused_id(browser: &Browser) -> anyhow::Result<String> {
    let id = browser
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// The cells of the table row that contains `name`.
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

/// The bot named `name`, as the API lists it.
async fn api_bot(console: &Console, name: &str) -> anyhow::Result<Value> {
    let bots = console.api_get("/bots").await?;
    let bot = bots
        .as_array()
        .and_then(|list| list.iter().find(|b| b["name"] == name).cloned());
    bot.ok_or_else(|| anyhow::anyhow!("no bot {name:?} in {bots}"))
}

#[tokio::test]
async fn add_rename_and_delete_a_bot() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;

    // The sidebar's Bots link, active like Carriers' when its page is open.
    browser.wait_text(BOTS_LINK, "Bots").await?;
    browser.click(BOTS_LINK).await?;
    browser.wait_path("/dashboard/bots").await?;
    browser.wait_text("h1", "Bots").await?;
    assert_eq!(
        browser.attr_of(BOTS_LINK, "aria-current").await?.as_deref(),
        Some("page")
    );
    assert_eq!(browser.attr_of(CARRIERS_LINK, "aria-current").await?, None);
    assert_eq!(
        browser.execute("return document.title", vec![]).await?,
        "Bots · Ori console"
    );
    browser.wait_text(".empty-state h2", "No bots yet").await?;
    assert_eq!(browser.count(".empty-state > svg").await?, 1);
    browser.screenshot("bots-empty").await?;

    // Add Bot: focus in the dialog; Esc closes it and focus returns to the button.
    browser.click("#add-bot").await?;
    browser.wait_count(BOT_DIALOG, 1).await?;
    browser.wait_text("#bot-dialog-title", "Add Bot").await?;
    assert_eq!(focused_id(&browser).await?, "bot-name");
    assert!(!browser.is_enabled(SUBMIT).await?, "nothing typed yet");
    assert_eq!(
        browser.count(".field-error").await?,
        0,
        "no message before typing"
    );
    browser.press_key("#bot-name", Key::Escape).await?;
    browser.wait_gone(BOT_DIALOG).await?;
    assert_eq!(focused_id(&browser).await?, "add-bot");

    // An invalid agent name: the shared rule's message under the field, button disabled.
    browser.click("#add-bot").await?;
    browser.wait_count(BOT_DIALOG, 1).await?;
    browser.fill("#bot-name", "Front desk").await?;
    browser.fill("#bot-agent-name", "front desk").await?;
    browser
        .wait_text(
            "#bot-agent-name-error",
            "Agent name is required: letters, digits, dashes, dots and underscores (at most 128).",
        )
        .await?;
    assert_eq!(
        browser
            .attr_of("#bot-agent-name", "aria-invalid")
            .await?
            .as_deref(),
        Some("true")
    );
    browser.wait_enabled(SUBMIT, false).await?;
    browser.screenshot("bots-add-error").await?;
    // Leaving an emptied Name says so too.
    browser.fill("#bot-name", "").await?;
    browser.press_key("#bot-name", Key::Tab).await?;
    browser
        .wait_text("#bot-name-error", "Name is required.")
        .await?;
    browser.fill("#bot-name", "Front desk").await?;
    browser.fill("#bot-agent-name", "front-desk").await?;
    browser.wait_gone(".bot-dialog .field-error").await?;
    browser.wait_enabled(SUBMIT, true).await?;
    browser.click(SUBMIT).await?;
    browser.wait_gone(BOT_DIALOG).await?;
    browser
        .wait_text(".toast-message", "Bot “Front desk” added.")
        .await?;
    browser.wait_text("tbody tr", "Front desk").await?;
    assert_eq!(
        row(&browser, "Front desk").await?,
        json!(["Front desk", "front-desk", "0", ""])
    );
    let font = browser
        .execute(
            "return getComputedStyle(document.querySelector('tbody td.cell-agent')).fontFamily",
            vec![],
        )
        .await?;
    assert!(font.to_string().contains("monospace"), "{font}");

    // Two numbers on a carrier answer with this bot; another bot has none.
    let bot = api_bot(&console, "Front desk").await?;
    let bot_id = id_of(&bot)?.to_owned();
    console.create_bot("Sales", "sales-agent").await?;
    let carrier = console
        .create_carrier(json!({"name": "Acme", "sip_address": "sip.acme.example"}))
        .await?;
    let carrier_id = id_of(&carrier)?.to_owned();
    for number in ["+14155550100", "+14155550101"] {
        console
            .add_number(&carrier_id, json!({"number": number, "bot_id": bot_id}))
            .await?;
    }
    browser.client.refresh().await?;
    browser.wait_text("tbody tr", "Sales").await?;
    assert_eq!(
        row(&browser, "Front desk").await?,
        json!(["Front desk", "front-desk", "2", ""])
    );
    assert_eq!(
        row(&browser, "Sales").await?,
        json!(["Sales", "sales-agent", "0", ""])
    );
    browser.wait_text(".table-footer", "2 bots").await?;
    browser.screenshot("bots-list").await?;

    // Rename: the form starts from the bot; the row and the numbers follow.
    browser
        .click("button[aria-label=\"Edit bot Front desk\"]")
        .await?;
    browser.wait_count(BOT_DIALOG, 1).await?;
    browser.wait_text("#bot-dialog-title", "Edit Bot").await?;
    assert_eq!(browser.value_of("#bot-name").await?, "Front desk");
    assert_eq!(browser.value_of("#bot-agent-name").await?, "front-desk");
    browser.wait_text(SUBMIT, "Save Changes").await?;
    browser.fill("#bot-name", "Reception").await?;
    browser.click(SUBMIT).await?;
    browser.wait_gone(BOT_DIALOG).await?;
    browser.wait_text("tbody tr", "Reception").await?;
    assert_eq!(
        row(&browser, "Reception").await?,
        json!(["Reception", "front-desk", "2", ""])
    );
    assert_eq!(row(&browser, "Front desk").await?, Value::Null);
    assert_eq!(
        focused_id(&browser).await?,
        format!("bot-edit-{bot_id}"),
        "focus returns to the renamed row's Edit button"
    );
    let numbers = console.numbers(&carrier_id).await?;
    assert_eq!(numbers[0]["bot_name"], "Reception", "{numbers}");
    assert_eq!(numbers[1]["bot_name"], "Reception", "{numbers}");

    // Delete a bot without numbers: the confirmation says none lose their bot; Esc keeps it.
    browser
        .click("button[aria-label=\"Delete bot Sales\"]")
        .await?;
    browser.wait_count(&format!("{CONFIRM}[open]"), 1).await?;
    browser
        .wait_text(
            "#delete-bot-message",
            "No phone numbers are assigned to this bot, so none will show “Bot not found”.",
        )
        .await?;
    browser
        .press_key(&format!("{CONFIRM} .btn-danger"), Key::Escape)
        .await?;
    browser.wait_gone(&format!("{CONFIRM}[open]")).await?;
    browser.wait_text("tbody tr", "Sales").await?;

    // Delete the bot with two numbers: the confirmation names the count.
    browser
        .click("button[aria-label=\"Delete bot Reception\"]")
        .await?;
    browser.wait_count(&format!("{CONFIRM}[open]"), 1).await?;
    browser
        .wait_text("#delete-bot-title", "Delete bot “Reception”?")
        .await?;
    browser
        .wait_text(
            "#delete-bot-message",
            "2 phone numbers are assigned to this bot; they will show “Bot not found” until you assign another bot.",
        )
        .await?;
    browser.screenshot("bots-delete-confirm").await?;
    browser.click(&format!("{CONFIRM} .btn-danger")).await?;
    browser.wait_gone(&format!("{CONFIRM}[open]")).await?;
    browser
        .wait_text(".toast-message", "Bot “Reception” deleted.")
        .await?;
    browser.wait_count("tbody tr", 1).await?;
    assert_eq!(row(&browser, "Reception").await?, Value::Null);
    assert_eq!(focused_id(&browser).await?, "add-bot");
    let numbers = console.numbers(&carrier_id).await?;
    for number in numbers.as_array().unwrap() {
        assert_eq!(number["bot_missing"], true, "{number}");
        assert_eq!(number["bot_id"].as_str(), Some(bot_id.as_str()));
    }

    // The last one: back to the empty state.
    browser
        .click("button[aria-label=\"Delete bot Sales\"]")
        .await?;
    browser.wait_count(&format!("{CONFIRM}[open]"), 1).await?;
    browser.click(&format!("{CONFIRM} .btn-danger")).await?;
    browser.wait_text(".empty-state h2", "No bots yet").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_bots_page_is_for_super_admins() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let (email, password) = ("admin@e2e.test.example", "admin-password-9z4k");
    console.create_user(email, password, "admin").await?;
    let browser = Browser::start().await?;
    browser
        .log_in(&console.url("/login"), email, password)
        .await?;
    browser.wait_path("/dashboard/carriers").await?;
    assert_eq!(browser.count(BOTS_LINK).await?, 0);
    browser.client.goto(&console.url("/dashboard/bots")).await?;
    browser
        .wait_text(".notice", "Bot setup is super admin only")
        .await?;
    assert_eq!(browser.count("#add-bot").await?, 0);
    browser.client.clone().close().await?;
    Ok(())
}

/// Makes the page's `GET /api/v1/bots` wait until `window.releaseBots()` is called,
/// then answer 503 (`fail`) or go through.
const HOLD_BOTS: &str = "
    const real = window.fetch.bind(window);
    window.fetch = (input, init) => {
        const url = typeof input === 'string' ? input : input.url;
        const method = (init && init.method) || (input.method) || 'GET';
        if (!url.endsWith('/api/v1/bots') || method !== 'GET') return real(input, init);
        return new Promise(resolve => {
            window.releaseBots = fail => resolve(fail
                ? new Response(JSON.stringify({type: 'about:blank', title: 'Service Unavailable',
                    status: 503, detail: 'The database is not answering.'}),
                    {status: 503, headers: {'Content-Type': 'application/problem+json'}})
                : real(input, init));
        });
    };";

#[tokio::test]
async fn loading_and_failing_lists_say_so_and_can_be_retried() -> anyhow::Result<()> {
    let console = Console::start().await?;
    console.create_bot("Front desk", "front-desk").await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;

    // Loading: the list's own message while the answer is on its way.
    browser.execute(HOLD_BOTS, vec![]).await?;
    browser.click(BOTS_LINK).await?;
    browser
        .wait_text(".inline-loading", "Loading bots…")
        .await?;
    browser.screenshot("bots-loading").await?;

    // A failure: the server's words and Try again, which loads the list.
    browser.execute("window.releaseBots(true)", vec![]).await?;
    browser
        .wait_text(".notice-error", "The database is not answering.")
        .await?;
    browser.screenshot("bots-load-error").await?;
    browser.click_button("Try again").await?;
    browser
        .wait_text(".inline-loading", "Loading bots…")
        .await?;
    browser.execute("window.releaseBots(false)", vec![]).await?;
    browser.wait_text("tbody tr", "Front desk").await?;
    assert_eq!(browser.count(".notice-error").await?, 0);

    browser.client.clone().close().await?;
    Ok(())
}
