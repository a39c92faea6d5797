//! Fills a database with N carriers × M numbers of realistic, valid values,
//! through the API's own validation and bulk inserts.
//!
//! Names are scrambled so their order differs from the insertion order; one
//! carrier in 100 is in each `zoneNN` (a search that matches 1 %); every 4th
//! carrier has 1–3 allowed IPs; numbers are US numbers, unique across the
//! whole database, with one direction in three each.

use std::time::Instant;

use anyhow::{Result, anyhow};
use ori_api::db::carriers::{self, CarrierWrite};
use ori_api::db::numbers::{self, NumberForms};
use ori_api::db::{Backend, Db};
use ori_shared::dto::{CarrierConfig, CarrierCreate, NumberConfig, NumberCreate};
use sqlx::Executor;

/// Carriers per transaction.
const BATCH: usize = 2_000;
/// Real US area codes, so every number passes libphonenumber's validation.
const AREA_CODES: [u32; 20] = [
    212, 213, 305, 312, 404, 415, 503, 512, 602, 617, 646, 702, 713, 718, 805, 858, 917, 929, 206,
    303,
];
const ADJECTIVES: [&str; 16] = [
    "Amber", "Blue", "Coastal", "Delta", "Eastern", "Frontier", "Global", "Harbor", "Indigo",
    "Jade", "Keystone", "Lunar", "Metro", "Northern", "Orbit", "Pacific",
];
const NOUNS: [&str; 12] = [
    "Telecom", "Voice", "Networks", "Connect", "Carrier", "Link", "Wave", "Signal", "Trunk",
    "Lines", "Comms", "Route",
];
const DIRECTIONS: [&str; 3] = ["both", "inbound", "outbound"];

/// What [`seed`] did.
pub struct Seeded {
    pub carriers: usize,
    pub numbers: usize,
    pub seconds: f64,
}

/// Adds `carriers` carriers with `per_carrier` numbers each to the database
/// at `url` (migrating it first).
pub async fn seed(url: &str, carriers: usize, per_carrier: usize) -> Result<Seeded> {
    let start = Instant::now();
    let db = Db::connect(url).await?;
    let mut next_number = 0_usize;
    for first in (0..carriers).step_by(BATCH) {
        let range = first..(first + BATCH).min(carriers);
        let configs = range
            .clone()
            .map(carrier)
            .collect::<Result<Vec<CarrierConfig>>>()?;
        let writes: Vec<CarrierWrite> = configs
            .iter()
            .map(|config| CarrierWrite {
                config,
                password_secret: None,
            })
            .collect();
        let mut numbers = Vec::with_capacity(configs.len() * per_carrier);
        for config in &configs {
            for _ in 0..per_carrier {
                let number = number(next_number)?;
                next_number += 1;
                let forms = NumberForms::of(&number.number, None, config.number_format);
                numbers.push((number, forms));
            }
        }
        let mut tx = db.begin().await?;
        let ids = carriers::insert_many(&mut tx, &writes).await?;
        let rows: Vec<_> = numbers
            .iter()
            .enumerate()
            .map(|(k, (number, forms))| (ids[k / per_carrier.max(1)], number, forms))
            .collect();
        numbers::insert_many(&mut tx, &rows).await?;
        tx.commit().await?;
    }
    if db.backend == Backend::Postgres {
        // What autovacuum would have done by the time anyone lists them.
        db.pool.execute("ANALYZE").await?;
    }
    db.pool.close().await;
    Ok(Seeded {
        carriers,
        numbers: next_number,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn carrier(i: usize) -> Result<CarrierConfig> {
    let h = (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff;
    let allowed_ips = if i.is_multiple_of(4) {
        (0..=i % 3)
            .map(|k| format!("10.{}.{}.{}", (i >> 8) & 255, i & 255, k + 1))
            .collect()
    } else {
        Vec::new()
    };
    CarrierCreate {
        name: format!(
            "{} {} {i:06}",
            ADJECTIVES[h as usize % ADJECTIVES.len()],
            NOUNS[(h >> 8) as usize % NOUNS.len()]
        ),
        sip_address: format!("sip{i}.zone{:02}.example.net", i % 100),
        allowed_ips: Some(allowed_ips),
        ..CarrierCreate::default()
    }
    .validate()
    .map_err(|e| anyhow!("seed carrier {i}: {e}"))
}

/// The `k`th number: +1 NPA 2XX XXXX (exchanges 220–299, none an N11
/// code), 16 million before any repeats.
fn number(k: usize) -> Result<NumberConfig> {
    let area = AREA_CODES[k % AREA_CODES.len()];
    let rest = k / AREA_CODES.len();
    let exchange = 220 + (rest / 10_000) % 80;
    NumberCreate {
        number: format!("+1{area}{exchange}{:04}", rest % 10_000),
        direction: Some(DIRECTIONS[k % DIRECTIONS.len()].into()),
        ..NumberCreate::default()
    }
    .validate()
    .map_err(|e| anyhow!("seed number {k}: {e}"))
}
