//! A carrier's diagnostics in a real browser: Test connection against a real
//! kamailio, what LiveKit holds (no difference after a sync, exactly the field
//! changed behind the console's back, repaired with one click) and the history.

#![allow(clippy::unwrap_used)]

#[path = "../../api/tests/common/kamailio.rs"]
#[allow(dead_code)]
mod kamailio;

use kamailio::{Kamailio, SERVER_HEADER};
use ori_e2e::{Browser, Console, id_of};
use serde_json::json;

/// Scrolls `css` to the middle of the window, for the screenshot that follows.
async fn show(browser: &Browser, css: &str) -> anyhow::Result<()> {
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![json!(css)],
        )
        .await?;
    Ok(())
}

#[tokio::test]
async fn test_connection_shows_kamailios_answer_and_a_refusal() -> anyhow::Result<()> {
    let kamailio = Kamailio::start();
    let console = Console::builder()
        .env("ORI_ALLOW_LOOPBACK_SIP", "true")
        .start()
        .await?;
    let live = console
        .create_carrier(
            json!({"name": "Local SIP", "sip_address": format!("127.0.0.1:{}", kamailio.udp),
            "transport": "udp"}),
        )
        .await?;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = closed.local_addr()?.port();
    drop(closed);
    let dead = console
        .create_carrier(
            json!({"name": "Nobody Home", "sip_address": format!("127.0.0.1:{port}"),
            "transport": "tcp"}),
        )
        .await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{}", id_of(&live)?)))
        .await?;
    browser.click("#test-connection").await?;
    browser
        .wait_text("#probe-result", "Carrier answered")
        .await?;
    let card = browser.text_of("#probe-result").await?;
    assert!(card.contains("200 OK"), "{card}");
    assert!(card.contains(SERVER_HEADER), "{card}");
    assert!(card.contains("UDP"), "{card}");
    assert!(card.contains(" ms"), "{card}");
    browser.screenshot("probe-answered").await?;

    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{}", id_of(&dead)?)))
        .await?;
    browser.click("#test-connection").await?;
    browser
        .wait_text("#probe-result", "Carrier did not answer")
        .await?;
    let message = browser.text_of("#probe-message").await?;
    assert!(message.contains("refused"), "{message}");
    browser.screenshot("probe-refused").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_livekit_panel_shows_a_change_made_behind_the_consoles_back_and_repairs_it()
-> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;
    let carrier = console
        .create_carrier(
            json!({"name": "Held", "sip_address": "sip.held.example.com",
            "username": "held-out", "password": "held-secret-1"}),
        )
        .await?;
    let id = id_of(&carrier)?.to_owned();
    console
        .add_number(&id, json!({"number": "+14155550100", "direction": "both"}))
        .await?;
    let synced = console.wait_synced(&id).await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser.click_button("Compare with LiveKit").await?;
    browser
        .wait_text(
            "#livekit-held-summary",
            "LiveKit holds exactly what this console wants",
        )
        .await?;
    assert_eq!(browser.count("#livekit-held .held-object").await?, 2);
    assert_eq!(browser.count("#livekit-held tr.held-differs").await?, 0);
    show(&browser, "#livekit-held").await?;
    browser.screenshot("livekit-held-in-sync").await?;

    // Someone edits the outbound trunk in LiveKit directly.
    let trunk = synced["livekit_outbound_trunk_id"].as_str().unwrap();
    assert!(console.livekit().edit_outbound_trunk(trunk, |t| {
        t.address = "sip.elsewhere.example.com".into();
    }));
    browser.click_button("Read again").await?;
    browser
        .wait_text("#livekit-held-summary", "1 difference from this console")
        .await?;
    assert_eq!(browser.count("#livekit-held tr.held-differs").await?, 1);
    assert_eq!(
        browser
            .attr_of("#livekit-held tr.held-differs", "data-field")
            .await?
            .as_deref(),
        Some("address")
    );
    let row = browser.text_of("#livekit-held tr.held-differs").await?;
    assert!(
        row.contains("sip.held.example.com") && row.contains("sip.elsewhere.example.com"),
        "{row}"
    );
    let panel = browser.text_of("#livekit-held").await?;
    assert!(!panel.contains("held-secret-1"), "{panel}");
    show(&browser, "#livekit-held tr.held-differs").await?;
    browser.screenshot("livekit-held-differs").await?;

    browser.click("#livekit-held-repair").await?;
    browser
        .wait_text(
            "#livekit-held-summary",
            "LiveKit holds exactly what this console wants",
        )
        .await?;
    assert_eq!(browser.count("#livekit-held tr.held-differs").await?, 0);
    assert_eq!(
        console.livekit().outbound_trunks()[0].address,
        "sip.held.example.com"
    );

    // LiveKit down: the panel says so instead of guessing.
    console.livekit().set_down(true);
    browser.click_button("Read again").await?;
    browser
        .wait_text("#livekit-held-error", "LiveKit could not be read")
        .await?;
    // The 502 is the expected answer, shown above; Chrome logs it as an error.
    let logged = browser.console_errors().await?;
    assert!(
        logged.len() == 1 && logged[0].contains("/livekit") && logged[0].contains("502"),
        "{logged:?}"
    );
    show(&browser, "#livekit-held").await?;
    browser.screenshot("livekit-held-unreadable").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_history_lists_the_carriers_changes_newest_first() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let carrier = console
        .create_carrier(json!({"name": "Storied", "sip_address": "sip.storied.example.com"}))
        .await?;
    let id = id_of(&carrier)?.to_owned();
    console
        .api_patch(
            &format!("/carriers/{id}"),
            json!({"outbound_cps": 4, "password": "never-shown-1"}),
            None,
        )
        .await?;
    console
        .add_number(
            &id,
            json!({"number": "+14155550123", "direction": "inbound"}),
        )
        .await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{id}")))
        .await?;
    browser
        .wait_count("#carrier-history .history-entry", 3)
        .await?;
    let first = browser
        .text_of("#carrier-history .history-entry:first-child")
        .await?;
    assert!(first.contains("Added number +14155550123"), "{first}");
    let second = browser
        .text_of("#carrier-history .history-entry:nth-child(2)")
        .await?;
    assert!(
        second.contains("Changed the carrier")
            && second.contains("Outbound CPS")
            && second.contains("Password (outbound)"),
        "{second}"
    );
    assert!(second.contains("admin@"), "{second}");
    let all = browser.text_of("#carrier-history").await?;
    assert!(!all.contains("never-shown-1"), "{all}");

    // A change made on the page appears at the top.
    browser.click_button("Edit").await?;
    browser.fill("#carrier-name", "Storied Two").await?;
    browser.click("button[form=carrier-edit-form]").await?;
    browser
        .wait_text(
            "#carrier-history .history-entry:first-child",
            "Changed the carrier: Name",
        )
        .await?;
    show(&browser, "#carrier-history").await?;
    browser.screenshot("carrier-history").await?;

    browser.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn a_monitored_carrier_that_stops_answering_shows_unreachable() -> anyhow::Result<()> {
    let console = Console::builder()
        .env("ORI_ALLOW_LOOPBACK_SIP", "true")
        .env("ORI_MONITOR_INTERVAL_SECS", "1")
        .env("ORI_PROBE_TIMEOUT_MS", "300")
        .start()
        .await?;
    // A UDP port that takes the OPTIONS and never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let port = silent.local_addr()?.port();
    let carrier = console
        .create_carrier(
            json!({"name": "Quiet Trunk", "sip_address": format!("127.0.0.1:{port}"),
            "transport": "udp"}),
        )
        .await?;
    let id = id_of(&carrier)?.to_owned();

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    let page = console.url(&format!("/dashboard/carriers/{id}"));
    browser.client.goto(&page).await?;
    browser.click_button("Edit").await?;
    browser.click("#carrier-monitor_reachability").await?;
    show(&browser, "#carrier-monitor_reachability").await?;
    browser.screenshot("monitor-reachability-checkbox").await?;
    browser.click("button[form=carrier-edit-form]").await?;
    browser
        .wait_text("#reachability-status", "Checking")
        .await?;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while console.carrier(&id).await?["reachability"] != "unreachable" {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "not unreachable within 15 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    browser.client.goto(&page).await?;
    browser
        .wait_text("#unreachable-banner", "Carrier unreachable")
        .await?;
    browser
        .wait_text("#reachability-status", "Unreachable")
        .await?;
    let message = browser.text_of("#reachability-message").await?;
    assert!(message.contains("No answer"), "{message}");
    show(&browser, "#reachability-status").await?;
    browser.screenshot("carrier-unreachable").await?;

    browser
        .client
        .goto(&console.url("/dashboard/carriers"))
        .await?;
    browser
        .wait_text("tr.row-link .cell-name", "Unreachable")
        .await?;
    browser.screenshot("list-unreachable").await?;

    browser.client.clone().close().await?;
    drop(silent);
    Ok(())
}
