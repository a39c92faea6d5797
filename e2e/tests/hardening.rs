//! What the console tells an admin about a carrier that is open to the world
//! or sits on a private address.

#![allow(clippy::unwrap_used)]

use ori_e2e::{Browser, Console, id_of};
use serde_json::json;

#[tokio::test]
async fn an_open_inbound_trunk_is_flagged_in_the_list_and_on_its_page() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let open = console
        .create_carrier(json!({"name": "Open Door", "sip_address": "10.1.2.3:5060"}))
        .await?;
    let open_id = id_of(&open)?.to_owned();
    console
        .add_number(
            &open_id,
            json!({"number": "+14155550150", "direction": "inbound"}),
        )
        .await?;
    let guarded = console
        .create_carrier(
            json!({"name": "Guarded", "sip_address": "sip.guarded.example",
                               "username": "trunk", "password": "s3cret-digest"}),
        )
        .await?;
    let guarded_id = id_of(&guarded)?.to_owned();
    console
        .add_number(
            &guarded_id,
            json!({"number": "+14155550151", "direction": "both"}),
        )
        .await?;

    let browser = Browser::start().await?;
    browser.log_in_admin(&console).await?;
    browser.wait_text("tbody", "Open inbound").await?;
    browser.wait_count("tbody .badge-red", 1).await?;
    browser.screenshot("inbound-open-list").await?;

    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{open_id}")))
        .await?;
    browser
        .wait_text(
            "#inbound-open-banner",
            "Anyone can call this carrier's inbound numbers",
        )
        .await?;
    browser
        .wait_text("#private-address-note", "The SIP address is private")
        .await?;
    browser.screenshot("inbound-open-detail").await?;

    browser
        .client
        .goto(&console.url(&format!("/dashboard/carriers/{guarded_id}")))
        .await?;
    browser.wait_text("h1", "Guarded").await?;
    browser.wait_count("#inbound-open-banner", 0).await?;
    browser.wait_count("#private-address-note", 0).await?;
    browser.close().await
}
