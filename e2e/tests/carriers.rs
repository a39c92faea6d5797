//! The carrier screens in a real browser: list, search, add, detail with edit mode,
//! the sync banner, Sync to LiveKit and Delete, against the real `ori` binary and the
//! strict LiveKit double. Every test saves screenshots of the states it reaches.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::bail;
use ori_e2e::{Browser, Console, Key, etag_of, id_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CREATE_BUTTON: &str = "form.carrier-form button[type=submit]";
const SAVE_BUTTON: &str = "button[form=carrier-edit-form]";

/// Waits until `check` holds (e.g. the double's state after an asynchronous sync).
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

/// A carrier with one number on both directions, created through the API and synced.
async fn synced_carrier(console: &Console, body: Value) -> anyhow::Result<String> {
    let carrier = console.create_carrier(body).await?;
    let id = id_of(&carrier)?.to_owned();
    console
        .add_number(&id, json!({"number": "+14155550100", "direction": "both"}))
        .await?;
    console.wait_synced(&id).await?;
    Ok(id)
}

#[tokio::test]
async fn empty_list_guide_and_adding_a_carrier_that_syncs() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;

    // The empty state: an icon, a heading and Add Carrier.
    browser
        .wait_text(".empty-state h2", "No carriers yet")
        .await?;
    assert_eq!(browser.count(".empty-state > svg").await?, 1);
    browser
        .wait_text(".empty-state button", "Add Carrier")
        .await?;
    assert_eq!(
        browser.execute("return document.title", vec![]).await?,
        "Carriers · Ori console"
    );
    browser.screenshot("list-empty").await?;

    // Guide opens a panel and closes with its button, or with Esc; nothing changes.
    browser.click_button("Guide").await?;
    browser
        .wait_text("#guide-panel h2", "Carrier setup guide")
        .await?;
    browser.screenshot("list-guide-open").await?;
    browser.click("button[aria-label=\"Close guide\"]").await?;
    browser.wait_count("#guide-panel:not([hidden])", 0).await?;
    browser.click_button("Guide").await?;
    browser.wait_count("#guide-panel:not([hidden])", 1).await?;
    browser
        .press_key("button[aria-label=\"Close guide\"]", Key::Escape)
        .await?;
    browser.wait_count("#guide-panel:not([hidden])", 0).await?;

    // Add carrier: the spec's defaults, placeholders, note and disabled button.
    browser.click(".page-actions .btn-primary").await?;
    browser.wait_path("/dashboard/carriers/create").await?;
    browser
        .wait_text(
            ".form-note",
            "LiveKit trunks will be created automatically after saving.",
        )
        .await?;
    assert_eq!(browser.value_of("#carrier-outbound_cps").await?, "1");
    assert_eq!(browser.value_of("#carrier-outbound_burst").await?, "1");
    assert_eq!(browser.value_of("#carrier-outbound_channels").await?, "30");
    assert_eq!(browser.value_of("#carrier-transport").await?, "auto");
    let options = browser
        .execute(
            "return [...document.querySelectorAll('#carrier-transport option')].map(o => o.textContent)",
            vec![],
        )
        .await?;
    assert_eq!(options, json!(["Auto", "TCP", "UDP", "TLS"]));
    // "Carrier sends numbers as": the shared enum's three labels, +E.164 by default.
    assert_eq!(browser.value_of("#carrier-number_format").await?, "e164");
    let options = browser
        .execute(
            "return [...document.querySelectorAll('#carrier-number_format option')].map(o => o.textContent)",
            vec![],
        )
        .await?;
    assert_eq!(options, json!(["+E.164", "E.164 without +", "As typed"]));
    assert!(
        browser
            .text_of("#carrier-number_format-help")
            .await?
            .contains("LiveKit matches it exactly")
    );
    for field in ["username", "password"] {
        let placeholder = browser
            .attr_of(&format!("#carrier-{field}"), "placeholder")
            .await?;
        assert_eq!(placeholder.as_deref(), Some("Optional"), "{field}");
    }
    assert_eq!(
        browser
            .attr_of("#carrier-password", "type")
            .await?
            .as_deref(),
        Some("password")
    );
    // No message on an untouched form, and the button is disabled.
    assert_eq!(browser.count(".field-error").await?, 0);
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.screenshot("create-empty").await?;

    browser.fill("#carrier-name", "Primary trunk — IN").await?;
    browser
        .fill("#carrier-sip_address", "bad host name")
        .await?;
    browser
        .wait_text(
            "#carrier-sip_address-error",
            "SIP Address cannot contain spaces.",
        )
        .await?;
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.screenshot("create-invalid-address").await?;
    browser
        .fill("#carrier-sip_address", "sip.example.com:5060")
        .await?;
    browser.wait_gone("#carrier-sip_address-error").await?;
    browser.wait_enabled(CREATE_BUTTON, true).await?;

    // The allowlist tag input: Enter adds; a bad or duplicate entry is refused and stays.
    let ips = "#carrier-allowed_ips";
    browser.type_keys(ips, "192.0.2.10").await?;
    browser.press_key(ips, Key::Enter).await?;
    browser.wait_count(".tag-input .tag", 1).await?;
    assert_eq!(browser.value_of(ips).await?, "");
    browser.type_keys(ips, "192.0.2.300").await?;
    browser.press_key(ips, Key::Enter).await?;
    browser
        .wait_text(
            "#carrier-allowed_ips-error",
            "is not an IP address or CIDR range",
        )
        .await?;
    assert_eq!(browser.value_of(ips).await?, "192.0.2.300");
    assert_eq!(browser.count(".tag-input .tag").await?, 1);
    browser.wait_enabled(CREATE_BUTTON, true).await?;
    browser.screenshot("create-tag-refused").await?;
    browser.fill(ips, "203.0.113.0/24").await?;
    browser.press_key(ips, Key::Enter).await?;
    browser.wait_count(".tag-input .tag", 2).await?;
    browser.wait_gone("#carrier-allowed_ips-error").await?;
    browser.type_keys(ips, "192.0.2.10").await?;
    browser.press_key(ips, Key::Enter).await?;
    browser
        .wait_text(
            "#carrier-allowed_ips-error",
            "192.0.2.10 is listed more than once.",
        )
        .await?;
    browser.fill(ips, "").await?;
    browser
        .click("button[aria-label=\"Remove 203.0.113.0/24\"]")
        .await?;
    browser.wait_count(".tag-input .tag", 1).await?;
    // Backspace in the empty box removes the last tag.
    browser.type_keys(ips, "198.51.100.7").await?;
    browser.press_key(ips, Key::Enter).await?;
    browser.wait_count(".tag-input .tag", 2).await?;
    browser.press_key(ips, Key::Backspace).await?;
    browser.wait_count(".tag-input .tag", 1).await?;
    browser.wait_text(".tag-input .tag", "192.0.2.10").await?;

    browser.fill("#carrier-username", "trunkuser").await?;
    browser.fill("#carrier-password", "s3cret-pass").await?;
    browser.fill("#carrier-outbound_cps", "2.5").await?;
    browser
        .fill("#carrier-destination_country", "India")
        .await?;
    browser
        .execute(
            "const s = document.querySelector('#carrier-number_format'); s.value = 'e164_no_plus'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await?;
    assert_eq!(
        browser.value_of("#carrier-number_format").await?,
        "e164_no_plus"
    );
    browser.screenshot("create-filled").await?;
    browser.click(CREATE_BUTTON).await?;

    // Straight to the new carrier's page; the banner turns synced without a reload.
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = loop {
        let path = browser.path().await?;
        if let Some(id) = path.strip_prefix("/dashboard/carriers/")
            && id != "create"
        {
            break id.to_owned();
        }
        if Instant::now() > deadline {
            bail!("still at {path} after Create Carrier");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    browser.wait_text("h1", "Primary trunk — IN").await?;
    browser
        .wait_text(".banner", "LiveKit trunk is synced")
        .await?;
    browser.wait_text(".toast", "created").await?;
    let item = |label: &str| {
        format!(
            "return [...document.querySelectorAll('.item')].find(i => i.querySelector('dt').textContent === '{label}').querySelector('dd').textContent"
        )
    };
    assert_eq!(
        browser
            .execute(&item("Carrier sends numbers as"), vec![])
            .await?,
        "E.164 without +"
    );
    assert_eq!(
        browser
            .execute(&item("Destination Country"), vec![])
            .await?,
        "India"
    );
    browser.screenshot("detail-created-synced").await?;

    let stored = console.carrier(&id).await?;
    assert_eq!(stored["sip_address"], "sip.example.com:5060");
    assert_eq!(stored["allowed_ips"], json!(["192.0.2.10"]));
    assert_eq!(stored["outbound_cps"], json!(2.5));
    assert_eq!(stored["has_password"], true);
    assert_eq!(stored["number_format"], "e164_no_plus");
    // No number yet, so LiveKit holds no trunk for it.
    assert!(console.livekit().outbound_trunks().is_empty());

    // With a number, Sync to LiveKit puts exactly the expected trunks there: the
    // inbound trunk in the form this carrier sends (E.164 without +), the caller id
    // in E.164.
    let number = console
        .add_number(&id, json!({"number": "+14155550100", "direction": "both"}))
        .await?;
    assert_eq!(number["normalized"], "14155550100");
    assert_eq!(number["e164"], "+14155550100");
    browser.click_button("Sync to LiveKit").await?;
    browser
        .wait_text(".toast", "LiveKit trunk is synced.")
        .await?;
    let lk = console.livekit();
    eventually("one outbound and one inbound trunk", || {
        lk.outbound_trunks().len() == 1 && lk.inbound_trunks().len() == 1
    })
    .await?;
    let outbound = &lk.outbound_trunks()[0];
    assert_eq!(outbound.address, "sip.example.com:5060");
    assert_eq!(outbound.auth_username, "trunkuser");
    assert_eq!(outbound.auth_password, "s3cret-pass");
    assert_eq!(outbound.numbers, vec!["+14155550100".to_owned()]);
    let inbound = &lk.inbound_trunks()[0];
    assert_eq!(inbound.numbers, vec!["14155550100".to_owned()]);
    assert_eq!(inbound.auth_username, "trunkuser");

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn view_mode_edit_mode_passwords_and_the_allowlist_rule() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let id = synced_carrier(
        &console,
        json!({"name": "Edit me", "sip_address": "sip.edit.example.com",
               "username": "outuser", "password": "first-pass"}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;

    // View mode: "—" for empty values, dots for a stored password, option texts.
    browser.wait_text("h1", "Edit me").await?;
    browser
        .wait_text(".banner", "LiveKit trunk is synced")
        .await?;
    let item = |label: &str| {
        format!(
            "return [...document.querySelectorAll('.item')].find(i => i.querySelector('dt').textContent === '{label}').querySelector('dd').textContent"
        )
    };
    assert_eq!(
        browser
            .execute(&item("Destination Country"), vec![])
            .await?,
        "—"
    );
    assert_eq!(
        browser
            .execute(&item("Password (outbound)"), vec![])
            .await?,
        "••••••••"
    );
    assert_eq!(
        browser
            .execute(&item("Username (outbound)"), vec![])
            .await?,
        "outuser"
    );
    assert_eq!(
        browser
            .execute(&item("Inbound Authentication"), vec![])
            .await?,
        "Use same credentials as outbound (digest)"
    );
    assert_eq!(
        browser
            .execute(&item("Inbound IP Allowlist"), vec![])
            .await?,
        "—"
    );
    assert_eq!(browser.execute(&item("Transport"), vec![]).await?, "Auto");
    browser.screenshot("detail-view").await?;

    // Edit: the password box is blank with "Password unchanged"; Delete is gone.
    browser.click_button("Edit").await?;
    browser.wait_text(SAVE_BUTTON, "Save").await?;
    assert_eq!(browser.value_of("#carrier-password").await?, "");
    assert_eq!(
        browser
            .attr_of("#carrier-password", "placeholder")
            .await?
            .as_deref(),
        Some("Password unchanged")
    );
    browser
        .wait_text("#carrier-username-help", "Used for outbound digest auth")
        .await?;
    let auth_options = browser
        .execute(
            "return [...document.querySelectorAll('#carrier-inbound_auth option')].map(o => o.textContent)",
            vec![],
        )
        .await?;
    assert_eq!(
        auth_options,
        json!([
            "Use same credentials as outbound (digest)",
            "IP allowlist (no credentials)"
        ])
    );
    let buttons = browser
        .execute(
            "return [...document.querySelectorAll('.page-actions button')].map(b => b.textContent.trim())",
            vec![],
        )
        .await?;
    assert!(!buttons.to_string().contains("Delete"), "{buttons}");
    browser.screenshot("detail-edit").await?;

    // Save with the password blank keeps it.
    browser.fill("#carrier-name", "Edited name").await?;
    browser.click(SAVE_BUTTON).await?;
    browser.wait_text("h1", "Edited name").await?;
    browser.wait_text(".page-actions", "Edit").await?;
    let stored = console.carrier(&id).await?;
    assert_eq!(stored["name"], "Edited name");
    assert_eq!(stored["has_password"], true);
    browser
        .wait_text(".banner", "LiveKit trunk is synced")
        .await?;
    let lk = console.livekit();
    assert_eq!(lk.outbound_trunks()[0].auth_password, "first-pass");

    // A new password replaces it, in LiveKit too.
    browser.click_button("Edit").await?;
    browser.fill("#carrier-password", "second-pass").await?;
    browser.click(SAVE_BUTTON).await?;
    browser.wait_text(".page-actions", "Edit").await?;
    eventually("the new password in LiveKit", || {
        lk.outbound_trunks()
            .first()
            .is_some_and(|t| t.auth_password == "second-pass")
    })
    .await?;

    // IP allowlist with no address cannot be saved; one address makes it savable.
    browser.click_button("Edit").await?;
    browser
        .execute(
            "const s = document.querySelector('#carrier-inbound_auth'); s.value = 'ip_allowlist'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await?;
    browser
        .wait_text(
            "#carrier-allowed_ips-error",
            "Add at least one allowed IP: inbound authentication is set to IP allowlist.",
        )
        .await?;
    browser.wait_enabled(SAVE_BUTTON, false).await?;
    browser
        .execute(
            "document.querySelector('#carrier-allowed_ips').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    browser.screenshot("detail-edit-allowlist-required").await?;
    browser
        .type_keys("#carrier-allowed_ips", "13.52.9.100")
        .await?;
    browser
        .press_key("#carrier-allowed_ips", Key::Enter)
        .await?;
    browser.wait_enabled(SAVE_BUTTON, true).await?;
    browser.click(SAVE_BUTTON).await?;
    browser.wait_text(".page-actions", "Edit").await?;
    assert_eq!(
        browser
            .execute(&item("Inbound Authentication"), vec![])
            .await?,
        "IP allowlist (no credentials)"
    );
    let stored = console.carrier(&id).await?;
    assert_eq!(stored["inbound_auth"], "ip_allowlist");
    assert_eq!(stored["allowed_ips"], json!(["13.52.9.100"]));

    // Cancel leaves edit mode and discards the change.
    browser.click_button("Edit").await?;
    browser.fill("#carrier-name", "Not saved").await?;
    browser.click_button("Cancel").await?;
    browser.wait_text("h1", "Edited name").await?;
    assert_eq!(console.carrier(&id).await?["name"], "Edited name");

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn a_save_after_someone_else_saved_keeps_the_edits_and_says_so() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let carrier = console
        .create_carrier(json!({"name": "Shared", "sip_address": "sip.shared.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Shared").await?;
    browser.click_button("Edit").await?;
    browser.fill("#carrier-destination_country", "IN").await?;

    // Someone else saves first.
    console
        .api_patch(
            &format!("/carriers/{id}"),
            json!({"name": "Renamed elsewhere"}),
            Some(&etag_of(&carrier)?),
        )
        .await?;
    browser.click(SAVE_BUTTON).await?;
    browser
        .wait_text(".notice-warning h2", "Someone else saved this carrier")
        .await?;
    assert_eq!(
        browser.value_of("#carrier-destination_country").await?,
        "IN"
    );
    assert_eq!(browser.value_of("#carrier-name").await?, "Shared");
    browser.wait_enabled(SAVE_BUTTON, false).await?;
    browser.screenshot("detail-edit-stale").await?;
    // Nothing was overwritten.
    let stored = console.carrier(&id).await?;
    assert_eq!(stored["name"], "Renamed elsewhere");
    assert!(stored["destination_country"].is_null());

    browser.click_button("Load latest version").await?;
    browser.wait_gone(".notice-warning").await?;
    assert_eq!(
        browser.value_of("#carrier-name").await?,
        "Renamed elsewhere"
    );
    browser.fill("#carrier-destination_country", "IN").await?;
    browser.click(SAVE_BUTTON).await?;
    browser.wait_text(".page-actions", "Edit").await?;
    let stored = console.carrier(&id).await?;
    assert_eq!(stored["name"], "Renamed elsewhere");
    assert_eq!(stored["destination_country"], "IN");

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn livekit_failure_shows_red_then_sync_to_livekit_repairs_it() -> anyhow::Result<()> {
    // Slow automatic retries, so the repair below is the button's.
    let console = Console::builder()
        .livekit()
        .env("ORI_SYNC_RETRY_BASE_MS", "600000")
        .env("ORI_SYNC_RETRY_MAX_SECS", "600")
        .start()
        .await?;
    let id = synced_carrier(
        &console,
        json!({"name": "Flaky", "sip_address": "sip.flaky.example.com"}),
    )
    .await?;
    let lk = console.livekit();
    lk.set_down(true);
    console
        .api_patch(
            &format!("/carriers/{id}"),
            json!({"transport": "tcp"}),
            None,
        )
        .await?;
    console.wait_sync_status(&id, "error").await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser
        .wait_text(".banner.banner-red", "LiveKit is down (fault injection)")
        .await?;
    browser.screenshot("detail-sync-error").await?;

    lk.set_down(false);
    lk.delay_next(None, 1, Duration::from_millis(1500));
    browser.click_button("Sync to LiveKit").await?;
    browser
        .wait_text(".page-actions button", "Syncing…")
        .await?;
    assert_eq!(browser.count(".page-actions .spin").await?, 1);
    browser.screenshot("detail-syncing").await?;
    browser
        .wait_text(".toast-success", "LiveKit trunk is synced.")
        .await?;
    browser
        .wait_text(".banner.banner-green", "LiveKit trunk is synced")
        .await?;
    browser
        .wait_text(".page-actions button", "Sync to LiveKit")
        .await?;
    browser.screenshot("detail-sync-repaired").await?;
    assert_eq!(
        lk.outbound_trunks()[0].transport,
        ori_livekit_double::SipTransport::Tcp
    );
    // The notification can be dismissed.
    browser
        .click(".toast button[aria-label=\"Dismiss notification\"]")
        .await?;
    browser.wait_gone(".toast").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_list_shows_each_column_searches_and_opens_rows() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let alpha = console
        .create_carrier(
            json!({"name": "Alpha Trunk", "sip_address": "sip.alpha.example.com:5060",
            "password": "pw-alpha", "allowed_ips": ["192.0.2.10"], "outbound_cps": 0.5,
            "outbound_burst": 2}),
        )
        .await?;
    let alpha_id = id_of(&alpha)?.to_owned();
    for number in ["+14155550101", "+14155550102"] {
        console
            .add_number(
                &alpha_id,
                json!({"number": number, "direction": "outbound"}),
            )
            .await?;
    }
    let beta = console
        .create_carrier(json!({"name": "Beta Carrier", "sip_address": "10.0.0.5"}))
        .await?;
    let beta_id = id_of(&beta)?.to_owned();
    console.wait_synced(&alpha_id).await?;
    console.wait_synced(&beta_id).await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.wait_count("tbody tr.row-link", 2).await?;
    let headers = browser
        .execute(
            "return [...document.querySelectorAll('thead th')].map(th => th.textContent)",
            vec![],
        )
        .await?;
    assert_eq!(
        headers,
        json!([
            "Name",
            "SIP Address",
            "Auth",
            "DIDs",
            "CPS",
            "LiveKit",
            "Last Synced"
        ])
    );
    let rows = browser
        .execute(
            "return [...document.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(td => td.textContent.trim()))",
            vec![],
        )
        .await?;
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        row("Alpha Trunk"),
        json!([
            "Alpha Trunk",
            "sip.alpha.example.com:5060",
            "PasswordIP",
            "2",
            "0.5/s · burst 2",
            "synced",
            "just now"
        ])
    );
    assert_eq!(
        row("Beta Carrier"),
        json!([
            "Beta Carrier",
            "10.0.0.5",
            "—",
            "0",
            "1/s · burst 1",
            "synced",
            "just now"
        ])
    );
    let font = browser
        .execute(
            "return getComputedStyle(document.querySelector('tbody td.cell-address')).fontFamily",
            vec![],
        )
        .await?;
    assert!(font.to_string().contains("monospace"), "{font}");
    assert_eq!(browser.count("tbody .badge-green").await?, 2);
    // The absolute time, in the user's time zone (UTC by default), on hover.
    let title = browser
        .attr_of("tbody time", "title")
        .await?
        .unwrap_or_default();
    assert!(title.contains("UTC") || title.contains("GMT"), "{title:?}");
    browser.screenshot("list-two-carriers").await?;

    // Search by name and by address, in another case.
    let search = "input[type=search]";
    browser.fill(search, "ALPHA").await?;
    browser.wait_count("tbody tr.row-link", 1).await?;
    browser.wait_text("tbody tr", "Alpha Trunk").await?;
    browser.fill(search, "10.0.0").await?;
    browser.wait_text("tbody tr", "Beta Carrier").await?;
    browser.wait_count("tbody tr.row-link", 1).await?;
    browser.fill(search, "SIP.ALPHA").await?;
    browser.wait_text("tbody tr", "Alpha Trunk").await?;
    browser.fill(search, "no-such-carrier").await?;
    browser
        .wait_text(".empty-state h2", "No carrier matches “no-such-carrier”")
        .await?;
    browser.screenshot("list-no-match").await?;
    browser.click_button("Clear search").await?;
    browser.wait_count("tbody tr.row-link", 2).await?;
    assert_eq!(browser.value_of(search).await?, "");

    // A click anywhere on a row opens it; so does Enter on a focused row.
    browser
        .click(&format!(
            "tr[data-href=\"/dashboard/carriers/{beta_id}\"] td.num"
        ))
        .await?;
    browser
        .wait_path(&format!("/dashboard/carriers/{beta_id}"))
        .await?;
    browser.wait_text("h1", "Beta Carrier").await?;
    browser.client.back().await?;
    browser.wait_count("tbody tr.row-link", 2).await?;
    let alpha_row = format!("tr[data-href=\"/dashboard/carriers/{alpha_id}\"]");
    browser
        .execute(
            "document.querySelector(arguments[0]).focus()",
            vec![json!(alpha_row)],
        )
        .await?;
    browser.press_key(&alpha_row, Key::Enter).await?;
    browser
        .wait_path(&format!("/dashboard/carriers/{alpha_id}"))
        .await?;
    browser.wait_text("h1", "Alpha Trunk").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn delete_asks_first_then_removes_everything_from_livekit() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let id = synced_carrier(
        &console,
        json!({"name": "Doomed", "sip_address": "sip.doomed.example.com"}),
    )
    .await?;
    let lk = console.livekit();
    assert_eq!(lk.outbound_trunks().len(), 1);

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Doomed").await?;
    browser.click_button("Delete").await?;
    browser
        .wait_text(
            "dialog[open] #delete-carrier-message",
            "Are you sure you want to delete this carrier? This will also delete all associated phone numbers.",
        )
        .await?;
    browser.screenshot("detail-delete-confirm").await?;
    // Cancel keeps it.
    browser.click("dialog[open] .btn:not(.btn-danger)").await?;
    browser.wait_gone("dialog[open]").await?;
    assert_eq!(console.carrier(&id).await?["name"], "Doomed");

    browser.click_button("Delete").await?;
    browser.click("dialog[open] .btn-danger").await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser.wait_text(".toast", "deleted").await?;
    browser
        .wait_text(".empty-state h2", "No carriers yet")
        .await?;
    browser.screenshot("list-after-delete").await?;
    let gone = console
        .api_raw(Method::GET, &format!("/carriers/{id}"), None, None)
        .await?;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    eventually("LiveKit holds nothing of the carrier", || {
        lk.outbound_trunks().is_empty()
            && lk.inbound_trunks().is_empty()
            && lk.dispatch_rules().is_empty()
    })
    .await?;

    // Its address now shows a calm "not found" page with a way back.
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Carrier not found").await?;
    browser.screenshot("detail-not-found").await?;
    browser.click("a.btn[href=\"/dashboard/carriers\"]").await?;
    browser.wait_path("/dashboard/carriers").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn an_admin_is_told_it_is_not_theirs_and_an_ended_session_goes_to_login() -> anyhow::Result<()>
{
    let console = Console::start_with_livekit().await?;
    let (email, password) = ("admin@e2e.test.example", "admin-password-4x9c2m");
    console.create_user(email, password, "admin").await?;
    let carrier = console
        .create_carrier(json!({"name": "Guarded", "sip_address": "sip.guarded.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();

    let browser = Browser::start().await?;
    browser
        .log_in(&console.url("/login"), email, password)
        .await?;
    browser.wait_path("/dashboard/carriers").await?;
    browser
        .wait_text("#not-yours-heading", "Carrier setup is super admin only")
        .await?;
    assert_eq!(
        browser.count("nav a[href=\"/dashboard/carriers\"]").await?,
        0
    );
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text(".notice", "not yours to manage").await?;
    browser.screenshot("admin-not-yours").await?;
    browser.click(".user-menu-button").await?;
    browser.wait_count("#account-dialog[open]", 1).await?;
    browser.click_button("Log out").await?;
    browser.wait_path("/login").await?;

    // A super admin whose session ends mid-edit lands on the login page, told why,
    // and returns to the carrier after logging in again.
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.wait_text("h1", "Guarded").await?;
    browser.click_button("Edit").await?;
    browser.fill("#carrier-name", "Guarded 2").await?;
    browser.delete_cookies().await?;
    browser.click(SAVE_BUTTON).await?;
    browser.wait_path("/login").await?;
    browser
        .wait_text(".form-notice", "Your session has ended")
        .await?;
    browser.screenshot("login-session-ended").await?;
    browser.fill("#login-email", ori_e2e::ADMIN_EMAIL).await?;
    browser
        .fill("#login-password", ori_e2e::ADMIN_PASSWORD)
        .await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_path(&format!("/dashboard/carriers/{id}"))
        .await?;
    browser.wait_text("h1", "Guarded").await?;

    browser.client.clone().close().await?;
    Ok(())
}
