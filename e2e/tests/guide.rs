//! The Carrier setup guide in a real browser: the Guide button on the carrier list and
//! on a carrier's detail page opens the panel, which fetches its text (`/guide.html`)
//! once, shows every section and the six provider recipes, follows its own contents
//! links inside the panel, and closes with its button or Esc, giving focus back to
//! Guide. It stores nothing in the browser. Screenshots of the open panel at the top and
//! at a recipe, on both pages, and of the failed fetch with Try again.

#![allow(clippy::unwrap_used)]

use anyhow::{Context, bail};
use ori_e2e::{Browser, Console, Key, id_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

const GUIDE: &str = "button[aria-controls=\"guide-panel\"]";
const CLOSE: &str = "button[aria-label=\"Close guide\"]";
const OPEN_PANEL: &str = "#guide-panel:not([hidden])";

/// The guide's sections, in order, under the panel's h2.
const SECTIONS: [&str; 7] = [
    "Connection settings",
    "Outbound and inbound authentication",
    "Pacing",
    "Phone numbers (DIDs)",
    "Typical call flows",
    "Checking a carrier",
    "Provider recipes",
];

/// Each recipe: its id, its heading, and facts from it that must show once it is open.
const RECIPES: [(&str, &str, &[&str]); 6] = [
    (
        "twilio",
        "Twilio Elastic SIP Trunking",
        &[
            "<name>.pstn.twilio.com",
            "54.172.60.0/30",
            "177.71.206.192/30",
        ],
    ),
    (
        "telnyx",
        "Telnyx",
        &[
            "sip.telnyx.com",
            "sip-eu.telnyx.com",
            "192.76.120.10",
            "+E.164",
        ],
    ),
    (
        "plivo",
        "Plivo Zentrunk",
        &["<id>.zt.plivo.com", ";transport=tcp", "2 in all"],
    ),
    (
        "vonage",
        "Vonage SIP trunking",
        &["<name>.sip-eu.vonage.com", "SIP 503"],
    ),
    (
        "exotel",
        "Exotel (India vSIP)",
        &[
            "TCP on port 5070 or TLS on port 443",
            "<sid>.pstn.exotel.com:5070",
            "3.3",
        ],
    ),
    (
        "generic",
        "Any other SIP provider",
        &["calls per minute (divide by 60)"],
    ),
];

/// Texts the spec (or the issue) quotes, which the guide must show exactly.
const QUOTED: [&str; 7] = [
    "The dialler always respects the tighter of these limits and a campaign's own concurrency setting.",
    "Use same credentials as outbound (digest)",
    "IP allowlist (no credentials)",
    "+14155551234",
    "Some providers send no digest credentials on inbound calls: choose IP allowlist for those",
    "LiveKit trunk is synced",
    "Carrier sends numbers as",
];

/// Our own field labels, each named in every provider recipe's table.
const FIELDS: [&str; 12] = [
    "Name",
    "SIP Address",
    "Transport",
    "Destination Country",
    "Username",
    "Password",
    "Inbound Authentication",
    "Allowed IPs",
    "Outbound CPS",
    "Outbound Burst",
    "Outbound Channels",
    "Phone Number (DIDs)",
];

async fn js(browser: &Browser, script: &str) -> anyhow::Result<Value> {
    browser.execute(script, vec![]).await
}

/// What has focus, as `tag#id[aria-label]` (enough to tell our elements apart).
async fn focused(browser: &Browser) -> anyhow::Result<String> {
    let v = js(
        browser,
        "const e = document.activeElement; \
         return e.tagName.toLowerCase() + '#' + e.id + '[' + (e.getAttribute('aria-label') || e.getAttribute('aria-controls') || '') + ']';",
    )
    .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// How many times the page has fetched the guide's text.
async fn guide_fetches(browser: &Browser) -> anyhow::Result<u64> {
    let v = js(
        browser,
        "return performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/guide.html').length;",
    )
    .await?;
    v.as_u64().context("a count")
}

/// Opens the guide with its button and waits for the text.
async fn open_guide(browser: &Browser) -> anyhow::Result<()> {
    assert_eq!(
        browser.attr_of(GUIDE, "aria-expanded").await?.as_deref(),
        Some("false")
    );
    browser.click(GUIDE).await?;
    browser.wait_count(OPEN_PANEL, 1).await?;
    assert_eq!(
        browser.attr_of(GUIDE, "aria-expanded").await?.as_deref(),
        Some("true")
    );
    browser
        .wait_text("#guide-panel h2", "Carrier setup guide")
        .await?;
    browser
        .wait_count("#guide-panel .guide-text h3", SECTIONS.len())
        .await?;
    assert_eq!(
        focused(browser).await?,
        "button#[Close guide]",
        "focus on open"
    );
    Ok(())
}

/// Waits until the guide is closed and focus is back on Guide.
async fn wait_closed(browser: &Browser) -> anyhow::Result<()> {
    browser.wait_count(OPEN_PANEL, 0).await?;
    assert_eq!(
        browser.attr_of(GUIDE, "aria-expanded").await?.as_deref(),
        Some("false")
    );
    assert_eq!(
        focused(browser).await?,
        "button#[guide-panel]",
        "focus after close"
    );
    Ok(())
}

/// Every heading, recipe and quoted text, the panel's layout at both widths, and its
/// in-panel links; `page` names the screenshots.
async fn check_open_guide(browser: &Browser, page: &str) -> anyhow::Result<()> {
    let path = browser.path().await?;

    // Headings in order: the panel's h2, then the sections' h3, the recipes' h4.
    let headings = js(
        browser,
        "return [...document.querySelectorAll('#guide-panel h2, #guide-panel h3, #guide-panel h4')].map(h => h.tagName + ' ' + h.textContent.trim());",
    )
    .await?;
    let mut expected = vec![json!("H2 Carrier setup guide")];
    expected.extend(SECTIONS.iter().map(|s| json!(format!("H3 {s}"))));
    expected.extend(RECIPES.iter().map(|(_, h, _)| json!(format!("H4 {h}"))));
    assert_eq!(headings, Value::Array(expected));
    for section in SECTIONS {
        browser.wait_text("#guide-panel h3", section).await?;
    }
    let text = browser.text_of("#guide-panel .guide-body").await?;
    for quoted in QUOTED {
        assert!(text.contains(quoted), "the guide lacks {quoted:?}");
    }
    for flow in [
        "Campaign",
        "Number pool",
        "Carrier trunk",
        "Carrier",
        "DID",
        "Bot",
    ] {
        browser
            .wait_text("#guide-panel .guide-flow li", flow)
            .await?;
    }
    // Recipes start closed; their summaries are keyboard-focusable.
    assert_eq!(browser.count("#guide-panel details.recipe").await?, 6);
    assert_eq!(browser.count("#guide-panel details.recipe[open]").await?, 0);
    // No inline style anywhere in the inserted text (the CSP would block it).
    assert_eq!(browser.count("#guide-panel [style]").await?, 0);
    browser.screenshot(&format!("{page}-guide-top")).await?;

    // The panel scrolls inside itself and keeps its close button in view, at 1280 and 768.
    for width in [1280, 768] {
        browser.client.set_window_size(width, 900).await?;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let layout = js(
            browser,
            "const p = document.getElementById('guide-panel').getBoundingClientRect(); \
             const c = document.querySelector('[aria-label=\"Close guide\"]').getBoundingClientRect(); \
             const b = document.querySelector('#guide-panel .guide-body'); \
             return { panelLeft: p.left, panelRight: p.right, panelWidth: p.width, \
                      closeTop: c.top, closeRight: c.right, viewport: document.documentElement.clientWidth, \
                      scrolls: b.scrollHeight > b.clientHeight, \
                      pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth };",
        )
        .await?;
        let f = |k: &str| layout[k].as_f64().unwrap_or(-1.0);
        let viewport = f("viewport");
        assert!(
            f("panelLeft") >= 0.0 && (f("panelRight") - viewport).abs() < 1.0,
            "{width}: {layout}"
        );
        assert!(
            f("panelWidth") >= 500.0_f64.min(viewport),
            "{width}: {layout}"
        );
        assert!(
            f("closeTop") >= 0.0 && f("closeRight") <= viewport,
            "{width}: {layout}"
        );
        assert_eq!(layout["scrolls"], true, "{width}: {layout}");
        assert_eq!(layout["pageScrolls"], false, "{width}: {layout}");
    }
    browser.client.set_window_size(1280, 900).await?;

    // Twilio by keyboard: its summary takes focus and Enter opens it.
    browser
        .press_key("#recipe-twilio > summary", Key::Enter)
        .await?;
    browser.wait_count("#recipe-twilio[open]", 1).await?;
    // The rest through the contents' links: each opens its recipe and focuses it.
    for (id, heading, facts) in RECIPES {
        if id != "twilio" {
            browser
                .click(&format!("#guide-panel .guide-toc a[href=\"#recipe-{id}\"]"))
                .await?;
            browser
                .wait_count(&format!("#recipe-{id}[open]"), 1)
                .await?;
            let now = focused(browser).await?;
            assert_eq!(now, "summary#[]", "focus after the {id} link");
            let summary_of = js(browser, "return document.activeElement.parentElement.id;").await?;
            assert_eq!(summary_of, json!(format!("recipe-{id}")));
        }
        browser
            .wait_text(&format!("#recipe-{id} summary"), heading)
            .await?;
        let body = browser
            .text_of(&format!("#recipe-{id} .recipe-body"))
            .await?;
        for fact in facts {
            assert!(body.contains(fact), "{id} lacks {fact:?}: {body}");
        }
        for field in FIELDS {
            browser
                .wait_text(&format!("#recipe-{id} tbody th"), field)
                .await?;
        }
    }
    // Links stay in the panel: no navigation, no #hash in the address.
    assert_eq!(browser.path().await?, path);
    assert_eq!(js(browser, "return location.hash;").await?, json!(""));

    // Scrolled to a recipe.
    browser
        .click("#guide-panel .guide-toc a[href=\"#recipe-exotel\"]")
        .await?;
    let top = js(
        browser,
        "const b = document.querySelector('#guide-panel .guide-body'); \
         return [b.scrollTop, document.getElementById('recipe-exotel').getBoundingClientRect().top - b.getBoundingClientRect().top];",
    )
    .await?;
    assert!(top[0].as_f64().unwrap_or(0.0) > 0.0, "not scrolled: {top}");
    assert!(
        (0.0..=40.0).contains(&top[1].as_f64().unwrap_or(-1.0)),
        "Exotel not at the top: {top}"
    );
    browser.screenshot(&format!("{page}-guide-recipe")).await?;

    // Section links move focus to their heading; the call flows and the Twilio table
    // (the longest address list) are worth a look too.
    browser
        .click("#guide-panel .guide-toc a[href=\"#guide-pacing\"]")
        .await?;
    assert_eq!(focused(browser).await?, "h3#guide-pacing[]");
    if page == "list" {
        browser.screenshot("list-guide-pacing").await?;
        browser
            .click("#guide-panel .guide-toc a[href=\"#guide-flows\"]")
            .await?;
        assert_eq!(focused(browser).await?, "h3#guide-flows[]");
        browser.screenshot("list-guide-flows").await?;
        js(
            browser,
            "document.querySelector('#recipe-twilio tbody tr:nth-child(8)').scrollIntoView();",
        )
        .await?;
        browser.screenshot("list-guide-twilio-ips").await?;
    }
    Ok(())
}

#[tokio::test]
async fn guide_on_the_list_and_the_detail_page() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let carrier = console
        .create_carrier(json!({"name": "Guide Carrier", "sip_address": "sip.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    let before = console.carrier(&id).await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_text("td", "Guide Carrier").await?;

    // The list: open, check, close with the button.
    assert_eq!(browser.count(OPEN_PANEL).await?, 0);
    assert_eq!(
        guide_fetches(&browser).await?,
        0,
        "fetched before it was opened"
    );
    open_guide(&browser).await?;
    check_open_guide(&browser, "list").await?;
    browser.click(CLOSE).await?;
    wait_closed(&browser).await?;
    // Esc closes it too, wherever focus is in the panel.
    open_guide(&browser).await?;
    browser
        .press_key("#guide-panel .guide-toc a", Key::Escape)
        .await?;
    wait_closed(&browser).await?;

    // The detail page, reached inside the app: the text is not fetched again.
    browser.click("tbody tr.row-link td.num").await?;
    browser
        .wait_path(&format!("/dashboard/carriers/{id}"))
        .await?;
    browser.wait_text("h1", "Guide Carrier").await?;
    assert_eq!(browser.count(OPEN_PANEL).await?, 0);
    open_guide(&browser).await?;
    assert_eq!(
        guide_fetches(&browser).await?,
        1,
        "the guide is fetched once"
    );
    check_open_guide(&browser, "detail").await?;
    browser.press_key(CLOSE, Key::Escape).await?;
    wait_closed(&browser).await?;
    open_guide(&browser).await?;
    browser.click(CLOSE).await?;
    wait_closed(&browser).await?;

    // It changed nothing and stored nothing.
    assert_eq!(console.carrier(&id).await?["version"], before["version"]);
    assert_eq!(
        js(
            &browser,
            "return localStorage.length + sessionStorage.length;"
        )
        .await?,
        json!(0)
    );
    Ok(())
}

#[tokio::test]
async fn guide_says_when_its_text_cannot_load_and_tries_again() -> anyhow::Result<()> {
    let console = Console::start().await?;

    // The file as served: our HTML, compressed, revalidated by ETag, under the CSP.
    let response = console
        .http()
        .get(console.url("/guide.html"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(header("content-encoding"), "gzip");
    assert_eq!(header("cache-control"), "no-cache");
    assert!(!header("etag").is_empty());
    assert!(header("content-security-policy").contains("script-src 'self'"));

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_text("h1", "Carriers").await?;

    // The guide's fetch hangs (the loading line shows), then fails; nothing else does.
    js(
        &browser,
        "window.realFetch = window.fetch; \
         window.fetch = (input, init) => String(input.url || input).endsWith('/guide.html') \
           ? new Promise((_, reject) => { window.failGuide = () => reject(new TypeError('offline')); }) \
           : window.realFetch(input, init);",
    )
    .await?;
    browser.click(GUIDE).await?;
    browser.wait_count(OPEN_PANEL, 1).await?;
    browser
        .wait_text("#guide-panel [role=status]", "Loading the guide…")
        .await?;
    browser.screenshot("guide-loading").await?;
    js(&browser, "window.failGuide();").await?;
    browser
        .wait_text(
            "#guide-panel .guide-error[role=alert]",
            "The guide could not be loaded. Check your connection and try again.",
        )
        .await?;
    browser.wait_gone("#guide-panel [role=status]").await?;
    assert_eq!(browser.count("#guide-panel .guide-text").await?, 0);
    browser.screenshot("guide-error").await?;

    // Back online: Try again loads it, and focus stays in the panel.
    js(&browser, "window.fetch = window.realFetch;").await?;
    browser.click("#guide-panel .guide-error button").await?;
    browser
        .wait_count("#guide-panel .guide-text h3", SECTIONS.len())
        .await?;
    browser.wait_gone("#guide-panel .guide-error").await?;
    let now = focused(&browser).await?;
    if now != "button#[Close guide]" {
        bail!("focus after Try again: {now}");
    }
    browser.press_key(CLOSE, Key::Escape).await?;
    wait_closed(&browser).await?;
    Ok(())
}

/// Twilio's signalling ranges, as its recipe lists them and Use this recipe fills them in.
const TWILIO_IPS: [&str; 8] = [
    "54.172.60.0/30",
    "54.244.51.0/30",
    "54.171.127.192/30",
    "35.156.191.128/30",
    "54.65.63.192/30",
    "54.169.127.128/30",
    "54.252.254.64/30",
    "177.71.206.192/30",
];

const CREATE_BUTTON: &str = "form.carrier-form button[type=submit]";

/// The allowlist's tags on the form, in order.
async fn tags(browser: &Browser) -> anyhow::Result<Value> {
    js(
        browser,
        "return [...document.querySelectorAll('.tag-input .tag .mono')].map(t => t.textContent);",
    )
    .await
}

/// Whether the field of `input` is marked as waiting for the admin's value.
async fn marked(browser: &Browser, input: &str) -> anyhow::Result<bool> {
    Ok(browser.count(&format!(".field.field-todo {input}")).await? == 1)
}

/// The recipe's hint under a field, and the field's input pointing at it.
async fn hint_of(browser: &Browser, field: &str) -> anyhow::Result<String> {
    let describedby = browser
        .attr_of(&format!("#carrier-{field}"), "aria-describedby")
        .await?
        .unwrap_or_default();
    assert!(
        describedby
            .split(' ')
            .any(|id| id == format!("carrier-{field}-recipe")),
        "{field}: aria-describedby {describedby:?}"
    );
    browser.text_of(&format!("#carrier-{field}-recipe")).await
}

#[tokio::test]
async fn use_this_recipe_opens_add_carrier_filled_in() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser.wait_text("h1", "Carriers").await?;
    open_guide(&browser).await?;

    // One sentence says what it does; every recipe has its link, named for its provider.
    let text = browser.text_of("#guide-panel .guide-body").await?;
    assert!(
        text.contains("Use this recipe, at the top of each recipe, opens Add Carrier with the recipe's values filled in"),
        "{text}"
    );
    for (id, _, _) in RECIPES {
        let link =
            format!("#recipe-{id} .recipe-use a[href=\"/dashboard/carriers/create?recipe={id}\"]");
        assert_eq!(browser.count(&link).await?, 1, "{id}");
    }
    browser.click("#recipe-twilio > summary").await?;
    browser.wait_count("#recipe-twilio[open]", 1).await?;
    browser
        .wait_text("#recipe-twilio .recipe-use a", "Use this recipe")
        .await?;
    js(
        &browser,
        "document.getElementById('recipe-twilio').scrollIntoView();",
    )
    .await?;
    browser.screenshot("guide-use-this-recipe").await?;

    // Inside the app: no page load (the marker survives), and the panel goes with the list.
    js(&browser, "window.sameDocument = true;").await?;
    browser.click("#recipe-twilio .recipe-use a").await?;
    browser.wait_path("/dashboard/carriers/create").await?;
    assert_eq!(
        js(&browser, "return location.search;").await?,
        json!("?recipe=twilio")
    );
    browser.wait_text("h1", "Add carrier").await?;
    assert_eq!(
        js(&browser, "return window.sameDocument === true;").await?,
        json!(true),
        "the link reloaded the page"
    );
    assert_eq!(browser.count("#guide-panel").await?, 0);

    // The note: where the values come from and what is left to fill in.
    browser
        .wait_text(".recipe-note h2", "Filled in from the Twilio recipe")
        .await?;
    let note = browser.text_of(".recipe-note").await?;
    assert!(
        note.contains("check them against your Twilio account"),
        "{note}"
    );
    assert!(
        note.contains("Still to fill in, marked below: SIP Address, Username and Password."),
        "{note}"
    );

    // The recipe's values, in the fields the admin edits.
    assert_eq!(browser.value_of("#carrier-name").await?, "Twilio");
    assert_eq!(browser.value_of("#carrier-transport").await?, "auto");
    assert_eq!(browser.value_of("#carrier-number_format").await?, "e164");
    assert_eq!(browser.value_of("#carrier-destination_country").await?, "");
    assert_eq!(
        browser.value_of("#carrier-inbound_auth").await?,
        "ip_allowlist"
    );
    assert_eq!(tags(&browser).await?, json!(TWILIO_IPS));
    assert_eq!(browser.value_of("#carrier-outbound_cps").await?, "1");
    assert_eq!(browser.value_of("#carrier-outbound_burst").await?, "1");
    assert_eq!(browser.value_of("#carrier-outbound_channels").await?, "30");
    // The admin's own values: empty, marked, with what goes there.
    for field in ["sip_address", "username", "password"] {
        assert_eq!(browser.value_of(&format!("#carrier-{field}")).await?, "");
        assert!(
            marked(&browser, &format!("#carrier-{field}")).await?,
            "{field}"
        );
    }
    assert!(
        hint_of(&browser, "sip_address")
            .await?
            .contains("<name>.pstn.twilio.com")
    );
    assert!(
        hint_of(&browser, "username")
            .await?
            .contains("credential list")
    );
    // Prefilled fields are not marked; their hints say what to check.
    assert!(!marked(&browser, ".tag-input").await?);
    assert!(!marked(&browser, "#carrier-outbound_cps").await?);
    assert!(
        browser
            .text_of("#carrier-allowed_ips-recipe")
            .await?
            .contains("Twilio's live IP address page")
    );
    assert!(hint_of(&browser, "outbound_cps").await?.contains("5 or 15"));
    assert_eq!(browser.count(".field-error").await?, 0);
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.screenshot("create-from-twilio-recipe").await?;
    js(
        &browser,
        "document.getElementById('section-authentication').scrollIntoView();",
    )
    .await?;
    browser.screenshot("create-from-twilio-recipe-auth").await?;

    // Filled in, the marks go and Create Carrier works as usual.
    browser
        .fill("#carrier-sip_address", "ori-test.pstn.twilio.com")
        .await?;
    browser
        .wait_gone(".field-todo #carrier-sip_address")
        .await?;
    browser.wait_enabled(CREATE_BUTTON, true).await?;
    browser.fill("#carrier-username", "ori-trunk").await?;
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.fill("#carrier-password", "trunk-secret-1").await?;
    browser.wait_enabled(CREATE_BUTTON, true).await?;
    browser.wait_count(".field-todo", 0).await?;
    // The hints stay, unmarked, to check the value against.
    assert!(
        hint_of(&browser, "sip_address")
            .await?
            .contains("<name>.pstn.twilio.com")
    );
    browser
        .screenshot("create-from-twilio-recipe-filled")
        .await?;
    browser.click(CREATE_BUTTON).await?;
    browser.wait_text("h1", "Twilio").await?;
    let path = browser.path().await?;
    let id = path
        .strip_prefix("/dashboard/carriers/")
        .filter(|id| *id != "create")
        .with_context(|| format!("still at {path}"))?
        .to_owned();
    let stored = console.carrier(&id).await?;
    assert_eq!(stored["name"], "Twilio");
    assert_eq!(stored["sip_address"], "ori-test.pstn.twilio.com");
    assert_eq!(stored["transport"], "auto");
    assert_eq!(stored["number_format"], "e164");
    assert_eq!(stored["destination_country"], Value::Null);
    assert_eq!(stored["username"], "ori-trunk");
    assert_eq!(stored["has_password"], true);
    // With a password the API alone would pick digest: the recipe's choice was sent.
    assert_eq!(stored["inbound_auth"], "ip_allowlist");
    assert_eq!(stored["allowed_ips"], json!(TWILIO_IPS));
    assert_eq!(stored["outbound_cps"], json!(1.0));
    assert_eq!(stored["outbound_burst"], json!(1));
    assert_eq!(stored["outbound_channels"], json!(30));
    browser
        .wait_text(".item dd", "IP allowlist (no credentials)")
        .await?;

    // Telnyx, from a shared link: TCP, its addresses, and its channel limit left to fill.
    browser
        .client
        .goto(&console.url("/dashboard/carriers/create?recipe=telnyx"))
        .await?;
    browser
        .wait_text(".recipe-note h2", "Filled in from the Telnyx recipe")
        .await?;
    let note = browser.text_of(".recipe-note").await?;
    assert!(
        note.contains("SIP Address, Username, Password and Outbound Channels."),
        "{note}"
    );
    assert!(note.contains("X-Telnyx-Username"), "{note}");
    assert_eq!(browser.value_of("#carrier-name").await?, "Telnyx");
    assert_eq!(browser.value_of("#carrier-transport").await?, "tcp");
    assert_eq!(
        browser.value_of("#carrier-inbound_auth").await?,
        "ip_allowlist"
    );
    let telnyx = tags(&browser).await?;
    assert_eq!(telnyx.as_array().map(Vec::len), Some(8), "{telnyx}");
    assert_eq!(telnyx[0], "192.76.120.10");
    assert_eq!(browser.value_of("#carrier-outbound_channels").await?, "");
    assert!(marked(&browser, "#carrier-outbound_channels").await?);
    assert!(
        hint_of(&browser, "outbound_channels")
            .await?
            .contains("outbound voice profile")
    );
    assert!(
        hint_of(&browser, "sip_address")
            .await?
            .contains("sip-eu.telnyx.com")
    );
    browser
        .fill("#carrier-sip_address", "sip.telnyx.com")
        .await?;
    // Channels is still empty: not a valid number, so Create Carrier waits.
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.fill("#carrier-outbound_channels", "40").await?;
    browser.wait_enabled(CREATE_BUTTON, true).await?;

    // Exotel: India, TCP, 3.3 CPS, IP allowlist with the onboarding addresses to add.
    browser
        .client
        .goto(&console.url("/dashboard/carriers/create?recipe=exotel"))
        .await?;
    browser
        .wait_text(".recipe-note h2", "Filled in from the Exotel recipe")
        .await?;
    assert_eq!(browser.value_of("#carrier-transport").await?, "tcp");
    assert_eq!(
        browser.value_of("#carrier-destination_country").await?,
        "IN"
    );
    assert_eq!(browser.value_of("#carrier-outbound_cps").await?, "3.3");
    assert_eq!(
        browser.value_of("#carrier-inbound_auth").await?,
        "ip_allowlist"
    );
    assert_eq!(tags(&browser).await?, json!([]));
    assert!(marked(&browser, ".tag-input").await?);
    browser
        .wait_text("label[for=carrier-allowed_ips] .required", "*")
        .await?;
    assert!(
        hint_of(&browser, "allowed_ips")
            .await?
            .contains("onboarding")
    );
    browser.screenshot("create-from-exotel-recipe").await?;
    js(
        &browser,
        "document.getElementById('section-authentication').scrollIntoView();",
    )
    .await?;
    browser.screenshot("create-from-exotel-recipe-auth").await?;
    browser
        .fill("#carrier-sip_address", "ori.pstn.exotel.com:5070")
        .await?;
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser
        .type_keys("#carrier-allowed_ips", "198.51.100.7")
        .await?;
    browser
        .press_key("#carrier-allowed_ips", Key::Enter)
        .await?;
    browser.wait_count(".tag-input .tag", 1).await?;
    browser.wait_gone(".field-todo .tag-input").await?;
    browser.wait_enabled(CREATE_BUTTON, true).await?;

    // An unknown recipe is the plain form.
    browser
        .client
        .goto(&console.url("/dashboard/carriers/create?recipe=nope"))
        .await?;
    browser.wait_text("h1", "Add carrier").await?;
    browser.wait_count("#carrier-name", 1).await?;
    assert_eq!(browser.count(".recipe-note").await?, 0);
    assert_eq!(browser.count(".field-recipe").await?, 0);
    assert_eq!(browser.count("#carrier-inbound_auth").await?, 0);
    assert_eq!(browser.value_of("#carrier-name").await?, "");
    assert_eq!(browser.value_of("#carrier-outbound_channels").await?, "30");
    browser.wait_enabled(CREATE_BUTTON, false).await?;
    browser.close().await
}
