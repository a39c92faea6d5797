//! Smoke test of the harness: the console syncs to the in-process LiveKit
//! double, the API helpers work, and the browser logs in and takes screenshots.

#![allow(clippy::unwrap_used)]

use ori_e2e::{Browser, Console, id_of};
use serde_json::json;

#[tokio::test]
async fn harness_drives_the_api_the_double_and_the_browser() -> anyhow::Result<()> {
    let console = Console::start_with_livekit().await?;

    let carrier = console
        .create_carrier(json!({"name": "Harness", "sip_address": "sip.example.com"}))
        .await?;
    let id = id_of(&carrier)?;
    let number = console
        .add_number(id, json!({"number": "+14155550100", "direction": "both"}))
        .await?;
    assert_eq!(number["normalized"], "+14155550100");

    let synced = console.wait_synced(id).await?;
    assert_eq!(synced["sync_status"], "synced");
    let lk = console.livekit();
    let outbound = lk.outbound_trunks();
    assert_eq!(outbound.len(), 1, "{outbound:?}");
    assert_eq!(outbound[0].address, "sip.example.com");
    assert_eq!(outbound[0].numbers, vec!["+14155550100".to_owned()]);
    assert_eq!(
        synced["livekit_outbound_trunk_id"].as_str(),
        Some(outbound[0].sip_trunk_id.as_str())
    );
    let inbound = lk.inbound_trunks();
    assert_eq!(inbound.len(), 1, "{inbound:?}");
    assert_eq!(inbound[0].numbers, vec!["+14155550100".to_owned()]);

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.wait_text("h1", "Carriers").await?;
    let (wide, narrow) = browser.screenshot("harness-carriers").await?;
    for png in [&wide, &narrow] {
        let bytes = std::fs::read(png)?;
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            png.display()
        );
    }
    assert_eq!(
        browser.client.get_window_size().await?,
        (1280, 900),
        "the window is restored after the screenshots"
    );

    browser.client.clone().close().await?;
    Ok(())
}
