//! How the console reaches the browser: the wasm and scripts arrive
//! compressed, and a second visit takes the hashed files from the cache.

use anyhow::Context;
use ori_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, Console};

/// The page's own load and every file it fetched, from Resource Timing.
const TIMINGS: &str = "return performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .map(e => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize,
                 decoded: e.decodedBodySize }));";

#[derive(Debug)]
struct Timing {
    path: String,
    /// Bytes on the wire, headers included; 0 when served from the cache.
    transfer: u64,
    /// The body as sent (compressed) and as decoded.
    encoded: u64,
    decoded: u64,
}

async fn timings(browser: &Browser, base: &str) -> anyhow::Result<Vec<Timing>> {
    let entries = browser.client.execute(TIMINGS, vec![]).await?;
    let entries = entries.as_array().context("timings are not an array")?;
    entries
        .iter()
        .map(|e| {
            let size = |key: &str| e[key].as_u64().with_context(|| format!("{key} of {e}"));
            let name = e["name"].as_str().context("entry without a name")?;
            Ok(Timing {
                path: name.strip_prefix(base).unwrap_or(name).to_owned(),
                transfer: size("transfer")?,
                encoded: size("encoded")?,
                decoded: size("decoded")?,
            })
        })
        .collect()
}

fn report(visit: &str, timings: &[Timing]) -> u64 {
    let total = timings.iter().map(|t| t.transfer).sum();
    eprintln!("{visit}: {total} bytes transferred");
    for t in timings {
        eprintln!(
            "  {:>8} on the wire  {:>8} body  {:>8} decoded  {}",
            t.transfer, t.encoded, t.decoded, t.path
        );
    }
    total
}

fn find<'a>(timings: &'a [Timing], suffix: &str) -> anyhow::Result<&'a Timing> {
    timings
        .iter()
        .find(|t| t.path.ends_with(suffix))
        .with_context(|| format!("no *{suffix} among {timings:#?}"))
}

#[tokio::test]
async fn the_console_arrives_compressed_and_is_cached() -> anyhow::Result<()> {
    let console = Console::start().await?;
    let browser = Browser::start().await?;
    let c = &browser.client;

    // First visit, at a client route (the server's index.html fallback).
    c.goto(&format!("{}/dashboard/carriers", console.base))
        .await?;
    browser.wait_text("h1", "Log in").await?;
    let first = timings(&browser, &console.base).await?;
    let total = report("first visit", &first);
    let wasm = find(&first, "_bg.wasm")?;
    assert!(
        wasm.transfer > 0 && wasm.transfer * 2 < wasm.decoded,
        "the wasm came uncompressed: {wasm:?}"
    );
    assert!(wasm.encoded < wasm.decoded, "{wasm:?}");
    let scripts: Vec<_> = first.iter().filter(|t| t.path.ends_with(".js")).collect();
    assert!(!scripts.is_empty(), "no scripts among {first:#?}");
    for script in scripts {
        assert!(script.encoded < script.decoded, "uncompressed: {script:?}");
    }
    assert!(total < wasm.decoded, "{total} bytes for a first visit");

    // Second visit, a new page load: the hashed files are immutable, so they
    // come from the cache; only index.html is revalidated.
    browser
        .log_in(
            &format!("{}/login", console.base),
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
        )
        .await?;
    browser.wait_path("/dashboard/carriers").await?;
    let second = timings(&browser, &console.base).await?;
    report("second visit (after logging in)", &second);
    for suffix in ["_bg.wasm", ".css"] {
        let cached = find(&second, suffix)?;
        assert_eq!(cached.transfer, 0, "not from the cache: {cached:?}");
    }

    c.clone().close().await?;
    Ok(())
}
