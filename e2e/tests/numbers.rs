//! A carrier's phone numbers in a real browser: the DIDs table, the Add/Edit Phone
//! Number modal (validation, direction cards, Assign Bot, keyboard), Remove, and what
//! the strict LiveKit double holds after each change.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::bail;
use ori_e2e::{Browser, Console, Key, WAIT_SYNC, id_of};
use serde_json::{Value, json};

const MODAL: &str = "dialog.did-modal";
const SUBMIT: &str = "dialog.did-modal button[type=submit]";
const NUMBER_INPUT: &str = "#did-number";

/// Waits until `check` holds (the double's state after an asynchronous sync).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        if Instant::now() > deadline {
            bail!("not within 10 s: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// A carrier created through the API, synced, with its detail page open in `browser`.
async fn open_carrier(console: &Console, browser: &Browser, name: &str) -> anyhow::Result<String> {
    let carrier = console
        .create_carrier(json!({"name": name, "sip_address": "sip.example.com:5060"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", name).await?;
    Ok(id)
}

/// Scrolls the DIDs section to the top of the window, for its screenshot.
async fn show_dids(browser: &Browser) -> anyhow::Result<()> {
    browser
        .execute(
            "document.querySelector('.dids-section').scrollIntoView({block: 'start'})",
            vec![],
        )
        .await?;
    Ok(())
}

/// The `id` of the element that has focus ("" when it has none).
async fn focused_id(browser: &Browser) -> anyhow::Result<String> {
    let id = browser
        .execute(
            "return document.activeElement ? document.activeElement.id : ''",
            vec![],
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// Whether the focused element is inside the open modal.
async fn focus_in_modal(browser: &Browser) -> anyhow::Result<bool> {
    let inside = browser
        .execute(
            "const d = document.querySelector(arguments[0]); \
             return !!d && d.contains(document.activeElement);",
            vec![json!(MODAL)],
        )
        .await?;
    Ok(inside == Value::Bool(true))
}

#[tokio::test]
async fn add_edit_and_remove_a_number_with_livekit_following() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let bot = console.create_bot("Sales bot", "sales-agent").await?;
    let bot_id = id_of(&bot)?.to_owned();
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    let id = open_carrier(&console, &browser, "Primary trunk").await?;

    browser
        .wait_text(".dids-table .empty-row", "No phone numbers added yet")
        .await?;
    show_dids(&browser).await?;
    browser.screenshot("dids-empty").await?;

    // Add Number opens the modal on the number box; the button waits for a number.
    browser.click("#did-add").await?;
    browser
        .wait_text("#did-modal-title", "Add Phone Number")
        .await?;
    assert_eq!(
        browser.attr_of(MODAL, "aria-modal").await?.as_deref(),
        Some("true")
    );
    assert_eq!(focused_id(&browser).await?, "did-number");
    assert!(!browser.is_enabled(SUBMIT).await?);
    assert_eq!(browser.text_of(SUBMIT).await?, "Add Number");
    assert_eq!(
        browser
            .attr_of("#did-label", "placeholder")
            .await?
            .as_deref(),
        Some("Optional descriptive name")
    );
    // Both is the default, and Assign Bot is offered with its help text.
    assert_eq!(
        browser
            .execute(
                "return document.querySelector('input[name=did-direction]:checked').value",
                vec![]
            )
            .await?,
        "both"
    );
    browser
        .wait_text("#did-bot-help", "Bot to handle inbound calls")
        .await?;
    let cards = browser.text_of(".direction-cards").await?;
    for words in [
        "Both (inbound and outbound)",
        "Inbound (receive calls only)",
        "Outbound (make calls only)",
    ] {
        assert!(
            cards.replace('\n', " ").contains(words),
            "{words:?} in {cards:?}"
        );
    }
    browser.screenshot("did-modal-add").await?;

    // A bad format: the message appears under the field as the user types.
    browser.type_keys(NUMBER_INPUT, "415-CALL").await?;
    browser
        .wait_text(
            "#did-number-error",
            "Phone Number may contain only digits, a leading +, spaces, dots and dashes.",
        )
        .await?;
    assert!(!browser.is_enabled(SUBMIT).await?);
    browser.fill(NUMBER_INPUT, "+1 41").await?;
    browser
        .wait_text(
            "#did-number-error",
            "Phone Number must have 5–20 digits (it has 3).",
        )
        .await?;
    browser.screenshot("did-modal-invalid").await?;

    // Fixed: the message goes and the button can be pressed.
    browser.fill(NUMBER_INPUT, "+1 415 555 0199").await?;
    browser.wait_gone("#did-number-error").await?;
    browser.wait_enabled(SUBMIT, true).await?;
    browser.fill("#did-label", "Sales line").await?;
    browser
        .click(&format!("#did-bot option[value='{bot_id}']"))
        .await?;
    browser.click(SUBMIT).await?;
    browser.wait_gone(MODAL).await?;

    let row = "tr:has(.did-number)";
    browser.wait_count(row, 1).await?;
    assert_eq!(browser.text_of(".did-number").await?, "+1 415 555 0199");
    assert_eq!(browser.text_of(&format!("{row} .badge")).await?, "both");
    assert!(
        browser
            .attr_of(&format!("{row} .badge"), "class")
            .await?
            .unwrap_or_default()
            .contains("badge-green")
    );
    assert_eq!(browser.text_of(".did-bot").await?, "Sales bot");
    assert!(browser.text_of(row).await?.contains("Sales line"));
    // The detail line gives the form LiveKit gets and, once synced, that it routes it.
    browser
        .wait_text(".did-detail", "Sent as +14155550199")
        .await?;
    browser
        .wait_text_within(".did-detail", "LiveKit routes it to its bot", WAIT_SYNC)
        .await?;
    // The carrier refreshed: its DIDs count is in the list, and the banner follows.
    browser
        .wait_text_within(".banner-green", "LiveKit trunk is synced", WAIT_SYNC)
        .await?;
    show_dids(&browser).await?;
    browser.screenshot("dids-one-number").await?;

    // The double holds it on both trunks, with a dispatch rule to the bot's agent.
    let lk = console.livekit();
    eventually("the number on both trunks and a dispatch rule", || {
        lk.outbound_trunks().len() == 1
            && lk.inbound_trunks().len() == 1
            && lk.dispatch_rules().len() == 1
    })
    .await?;
    let e164 = vec!["+14155550199".to_owned()];
    assert_eq!(lk.outbound_trunks()[0].numbers, e164);
    let inbound = lk.inbound_trunks()[0].clone();
    assert_eq!(inbound.numbers, e164);
    let rule = lk.dispatch_rules()[0].clone();
    assert_eq!(rule.numbers, e164);
    assert_eq!(rule.trunk_ids, vec![inbound.sip_trunk_id.clone()]);
    let agents: Vec<String> = rule
        .room_config
        .iter()
        .flat_map(|c| c.agents.iter().map(|a| a.agent_name.clone()))
        .collect();
    assert_eq!(agents, vec!["sales-agent".to_owned()]);

    // Edit: the number is fixed; Outbound hides Assign Bot; LiveKit drops the rule.
    let edit = "button[aria-label='Edit +1 415 555 0199']";
    browser.click(edit).await?;
    browser
        .wait_text("#did-modal-title", "Edit Phone Number")
        .await?;
    assert!(!browser.is_enabled(NUMBER_INPUT).await?);
    assert_eq!(browser.value_of(NUMBER_INPUT).await?, "+1 415 555 0199");
    assert_eq!(browser.value_of("#did-label").await?, "Sales line");
    assert_eq!(browser.value_of("#did-bot").await?, bot_id);
    assert_eq!(browser.text_of(SUBMIT).await?, "Save Changes");
    browser.screenshot("did-modal-edit").await?;
    browser
        .click(".direction-card:has(input[value=outbound])")
        .await?;
    browser.wait_gone("#did-bot").await?;
    browser.screenshot("did-modal-edit-outbound").await?;
    browser.click(SUBMIT).await?;
    browser.wait_gone(MODAL).await?;
    // Focus is back on the Edit button that opened the modal.
    let back = browser
        .execute(
            "return document.activeElement.getAttribute('aria-label')",
            vec![],
        )
        .await?;
    assert_eq!(back, "Edit +1 415 555 0199");
    browser
        .wait_text(&format!("{row} .badge"), "outbound")
        .await?;
    assert_eq!(browser.text_of(".did-bot").await?, "—");
    browser
        .wait_text(".did-detail", "Outbound only: no inbound route")
        .await?;
    eventually(
        "the dispatch rule gone and the number off the inbound side",
        || {
            lk.dispatch_rules().is_empty()
                && lk.inbound_trunks().iter().all(|t| t.numbers.is_empty())
                && lk.outbound_trunks().len() == 1
        },
    )
    .await?;
    let number = &console.numbers(&id).await?[0];
    assert_eq!(number["direction"], "outbound");
    assert_eq!(number["bot_id"], Value::Null);

    // Remove asks first; then the number leaves the table and LiveKit.
    browser
        .click("button[aria-label='Remove +1 415 555 0199']")
        .await?;
    browser
        .wait_text("#remove-number-title", "Remove +1 415 555 0199?")
        .await?;
    browser.screenshot("did-remove-confirm").await?;
    browser
        .click("#remove-number-title ~ .dialog-actions .btn-danger")
        .await?;
    browser
        .wait_text(".dids-table .empty-row", "No phone numbers added yet")
        .await?;
    assert_eq!(focused_id(&browser).await?, "did-add");
    eventually("no number (so no trunk) left in LiveKit", || {
        lk.dispatch_rules().is_empty()
            && lk.outbound_trunks().is_empty()
            && lk.inbound_trunks().is_empty()
    })
    .await?;
    assert_eq!(
        console.numbers(&id).await?.as_array().map(Vec::len),
        Some(0)
    );

    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_number_another_carrier_holds_gets_its_name() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let other = console
        .create_carrier(json!({"name": "Backup trunk", "sip_address": "backup.example.com"}))
        .await?;
    console
        .add_number(id_of(&other)?, json!({"number": "+442071838750"}))
        .await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    open_carrier(&console, &browser, "Primary trunk").await?;

    browser.click("#did-add").await?;
    // The same line typed another way is the same number.
    browser.fill(NUMBER_INPUT, "+44 20 7183 8750").await?;
    browser.wait_enabled(SUBMIT, true).await?;
    browser.click(SUBMIT).await?;
    browser
        .wait_text(
            "#did-number-error",
            "is already assigned to carrier “Backup trunk”.",
        )
        .await?;
    // The modal stays open with what was typed; the message goes once the number changes.
    assert_eq!(browser.value_of(NUMBER_INPUT).await?, "+44 20 7183 8750");
    browser.screenshot("did-modal-conflict").await?;
    browser.type_keys(NUMBER_INPUT, "1").await?;
    browser.wait_gone("#did-number-error").await?;

    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_modal_keeps_focus_until_it_closes() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    open_carrier(&console, &browser, "Primary trunk").await?;

    browser.click("#did-add").await?;
    browser
        .wait_text("#did-modal-title", "Add Phone Number")
        .await?;
    assert_eq!(focused_id(&browser).await?, "did-number");

    // Tab goes through the fields and wraps from the last back to the first.
    let mut seen = Vec::new();
    for _ in 0..8 {
        browser.press_key(":focus", Key::Tab).await?;
        assert!(focus_in_modal(&browser).await?, "Tab left the modal");
        seen.push(focused_id(&browser).await?);
    }
    assert!(seen.contains(&"did-label".to_owned()), "{seen:?}");
    assert!(seen.contains(&"did-bot".to_owned()), "{seen:?}");
    assert!(seen.contains(&"did-number".to_owned()), "wrapped: {seen:?}");
    // Shift+Tab from the first field wraps to the last control (Cancel: Add Number is
    // disabled while the number is empty).
    browser.click(NUMBER_INPUT).await?;
    let shift_tab = format!("{}{}", char::from(Key::Shift), char::from(Key::Tab));
    browser.type_keys(":focus", &shift_tab).await?;
    assert!(focus_in_modal(&browser).await?);
    assert_eq!(
        browser
            .execute("return document.activeElement.textContent", vec![])
            .await?,
        "Cancel"
    );

    // The direction cards are a radio group: arrow keys move the choice, and Outbound
    // hides Assign Bot.
    browser
        .click(".direction-card:has(input[value=both])")
        .await?;
    browser.press_key(":focus", Key::Right).await?;
    browser.press_key(":focus", Key::Right).await?;
    let checked = browser
        .execute(
            "return document.querySelector('input[name=did-direction]:checked').value",
            vec![],
        )
        .await?;
    assert_eq!(checked, "outbound");
    browser.wait_gone("#did-bot").await?;

    // Esc closes it, and focus returns to Add Number.
    browser.press_key(":focus", Key::Escape).await?;
    browser.wait_gone(MODAL).await?;
    assert_eq!(focused_id(&browser).await?, "did-add");

    // Cancel closes it too, discarding what was typed.
    browser.click("#did-add").await?;
    browser.fill(NUMBER_INPUT, "+14155550100").await?;
    browser.click_button("Cancel").await?;
    browser.wait_gone(MODAL).await?;
    assert_eq!(focused_id(&browser).await?, "did-add");
    browser.click("#did-add").await?;
    assert_eq!(browser.value_of(NUMBER_INPUT).await?, "");

    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_assigned_bot_column_follows_the_bots_page() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let bot = console.create_bot("Support bot", "support-agent").await?;
    let bot_id = id_of(&bot)?.to_owned();
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    let id = open_carrier(&console, &browser, "Primary trunk").await?;
    console
        .add_number(
            &id,
            json!({"number": "+14155550111", "bot_id": bot_id, "direction": "inbound"}),
        )
        .await?;
    console
        .add_number(&id, json!({"number": "020 7183 8750", "label": "London"}))
        .await?;
    let carrier_page = console.url(&format!("/dashboard/carriers/{id}"));
    browser.client.goto(&carrier_page).await?;
    browser.wait_count("tr:has(.did-number)", 2).await?;
    assert_eq!(
        browser.text_of("tr:has(.badge-blue) .did-bot").await?,
        "Support bot"
    );
    assert_eq!(browser.text_of("tr:has(.badge-green) .did-bot").await?, "—");
    // A local number without a destination country goes to LiveKit as its digits.
    browser
        .wait_text("tr:has(.badge-green) .did-detail", "Sent as 02071838750")
        .await?;

    // Renamed on the Bots page: the DIDs table shows the new name.
    browser.click("nav a[href='/dashboard/bots']").await?;
    browser
        .click("button[aria-label='Edit bot Support bot']")
        .await?;
    browser.fill("#bot-name", "Care bot").await?;
    browser
        .click("dialog.bot-dialog button[type=submit]")
        .await?;
    browser.wait_text("tbody tr", "Care bot").await?;
    browser.client.goto(&carrier_page).await?;
    browser
        .wait_text("tr:has(.badge-blue) .did-bot", "Care bot")
        .await?;

    // Deleted on the Bots page: its number shows "Bot not found".
    browser.click("nav a[href='/dashboard/bots']").await?;
    browser
        .click("button[aria-label='Delete bot Care bot']")
        .await?;
    browser
        .wait_text(
            "#delete-bot-message",
            "1 phone number is assigned to this bot",
        )
        .await?;
    browser
        .click("dialog[aria-labelledby='delete-bot-title'] .btn-danger")
        .await?;
    browser.wait_text(".empty-state h2", "No bots yet").await?;
    browser.client.goto(&carrier_page).await?;
    browser
        .wait_text("tr:has(.badge-blue) .did-bot", "Bot not found")
        .await?;
    show_dids(&browser).await?;
    browser.screenshot("dids-bot-not-found").await?;

    // Editing that number keeps the deleted bot until another choice is made.
    browser
        .click("button[aria-label='Edit +14155550111']")
        .await?;
    assert_eq!(browser.value_of("#did-bot").await?, bot_id);
    assert_eq!(
        browser.text_of("#did-bot option:checked").await?,
        "Bot not found"
    );

    browser.close().await?;
    Ok(())
}
