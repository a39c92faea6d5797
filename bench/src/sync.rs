//! LiveKit sync figures (docs/benchmarks.md, "LiveKit sync"), against the
//! strict LiveKit double in this process and real `ori` processes:
//!
//! * **save → synced**: writers each PATCH their own carriers' SIP address
//!   (one LiveKit write per edit); the time is from sending the PATCH to
//!   the `last_synced_at` the sync records (the database's clock is this
//!   machine's, in milliseconds), read back by polling the row rather than
//!   the API so the measurement does not load the server it measures;
//! * **reconcile**: N carriers × 3 numbers made while no LiveKit is
//!   configured, then one or more replicas started with LiveKit, timed from
//!   their start until no carrier is left unsynced; LiveKit must then hold
//!   exactly one object per planned object, and every create must have
//!   made one (creates − objects = duplicates);
//! * **full pass**: the periodic comparison of LiveKit with the database
//!   over M synced carriers: its time, the requests it sends and the
//!   process's memory while it runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use futures_util::future::try_join_all;
use ori_livekit_double::LiveKitDouble;
use reqwest::Method;
use serde_json::json;
use sqlx::AnyPool;

use crate::api::{Api, text};
use crate::seed;
use crate::server::{BenchDb, Engine, Server, pool as db_pool};
use crate::stats;

/// Carriers the latency case edits: each writer owns an equal share.
const LATENCY_CARRIERS: usize = 64;
/// How often a writer reads its carrier's row back.
const POLL: Duration = Duration::from_millis(2);
/// Longest one API call may take.
const API_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest any case may wait for LiveKit to be caught up.
const PATIENCE: Duration = Duration::from_secs(600);

pub struct Options<'a> {
    pub ori: &'a Path,
    pub engine: Engine,
    pub postgres: &'a str,
    pub rounds: usize,
    /// Concurrent writers of the latency case, one run per entry.
    pub writers: &'a [usize],
    /// Edits per latency run (shared among its writers).
    pub edits: usize,
    /// Dirty carriers of the reconcile case.
    pub dirty: usize,
    /// Replica counts of the reconcile case, one run per entry.
    pub replicas: &'a [usize],
    /// Synced carriers of the full-pass case (0: skip it).
    pub full_pass_carriers: usize,
    /// Extra environment for `ori`.
    pub envs: &'a [(String, String)],
}

/// Runs every case and prints each figure as it comes, then the medians.
pub async fn run(options: &Options<'_>) -> Result<()> {
    let mut summary = Vec::new();
    // 0 skips a case: `--writers 0 --replicas 0` runs the full pass alone.
    for &writers in options.writers.iter().filter(|&&w| w > 0) {
        let mut p50 = Vec::new();
        let mut p99 = Vec::new();
        for round in 0..options.rounds {
            let (a, b) = latency(options, writers).await?;
            eprintln!(
                "  round {} save → synced, {writers} writer(s): p50 {a:.2} ms, p99 {b:.2} ms",
                round + 1
            );
            p50.push(a);
            p99.push(b);
        }
        summary.push(format!(
            "| save → synced, {writers} writer(s), {} edits | p50 {:.2} ms, p99 {:.2} ms |",
            options.edits,
            stats::median(p50),
            stats::median(p99)
        ));
    }
    for &replicas in options.replicas.iter().filter(|&&r| r > 0) {
        let mut seconds = Vec::new();
        let mut last = None;
        for round in 0..options.rounds {
            let r = reconcile(options, replicas).await?;
            eprintln!(
                "  round {} reconcile of {} dirty carriers × 3 numbers, {replicas} replica(s): {:.2} s, {} requests, {} duplicates, synced per replica {:?}",
                round + 1,
                options.dirty,
                r.seconds,
                r.requests,
                r.duplicates,
                r.per_replica
            );
            seconds.push(r.seconds);
            last = Some(r);
        }
        if let Some(r) = last {
            summary.push(format!(
                "| reconcile of {} dirty carriers × 3 numbers, {replicas} replica(s) | {:.2} s, {} requests, {} duplicate creates, synced per replica {:?} |",
                options.dirty,
                stats::median(seconds),
                r.requests,
                r.duplicates,
                r.per_replica
            ));
        }
    }
    if options.full_pass_carriers > 0 {
        let f = full_pass(options).await?;
        summary.push(format!(
            "| first sync of {} seeded carriers × 3 numbers | {:.1} s, {} requests |",
            options.full_pass_carriers, f.first_sync_seconds, f.first_sync_requests
        ));
        summary.push(format!(
            "| full pass over {} synced carriers | {:.0} ms, {} requests {:?}, RSS {:.1} → {:.1} MiB (peak during the pass), {} carriers marked for re-sync |",
            options.full_pass_carriers,
            f.seconds * 1e3,
            f.requests,
            f.counts,
            f.rss_before_mib,
            f.rss_peak_mib,
            f.drifted
        ));
    }
    println!(
        "### LiveKit sync, {} (medians of {} rounds)\n\n| case | figure |\n|---|---|",
        options.engine.label(),
        options.rounds
    );
    for line in summary {
        println!("{line}");
    }
    Ok(())
}

/// The environment that points `ori` at the double, with quick polling so
/// no figure waits on a timer, and the run's own extra environment.
fn livekit_env(lk: &LiveKitDouble, extra: &[(String, String)]) -> Vec<(String, String)> {
    [
        ("ORI_LIVEKIT_URL", lk.url.as_str()),
        ("ORI_LIVEKIT_API_KEY", lk.api_key.as_str()),
        ("ORI_LIVEKIT_API_SECRET", lk.api_secret.as_str()),
        ("ORI_SYNC_POLL_MS", "20"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain(extra.iter().cloned())
    .collect()
}

/// The bench's bot, for the numbers' dispatch rules.
async fn bot(api: &Api) -> Result<String> {
    let body = json!({"name": "Bench bot", "agent_name": "bench-agent"});
    let bot = api.ok(Method::POST, "/api/v1/bots", Some(&body)).await?;
    text(&bot, "id")
}

/// Carrier `i` with three numbers (both, inbound, outbound) on `bot`:
/// one outbound trunk, one inbound trunk and two dispatch rules.
async fn carrier(api: &Api, i: usize, bot: &str) -> Result<String> {
    let body = json!({
        "name": format!("Sync bench {i:06}"),
        "sip_address": format!("sip{i}.sync.example.net"),
        "allowed_ips": [format!("10.{}.{}.1", (i >> 8) & 255, i & 255)],
    });
    let carrier = api
        .ok(Method::POST, "/api/v1/carriers", Some(&body))
        .await?;
    let carrier_id = text(&carrier, "id")?;
    for (k, direction) in ["both", "inbound", "outbound"].into_iter().enumerate() {
        let number = json!({
            "number": us_number(i * 3 + k),
            "direction": direction,
            "bot_id": bot,
        });
        let path = format!("/api/v1/carriers/{carrier_id}/numbers");
        api.ok(Method::POST, &path, Some(&number)).await?;
    }
    Ok(carrier_id)
}

/// Makes `count` carriers, 16 at a time.
async fn carriers(api: &Api, count: usize, bot: &str) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(16) {
        ids.extend(try_join_all(chunk.iter().map(|&i| carrier(api, i, bot))).await?);
    }
    Ok(ids)
}

/// A valid US number, unique for each `k` below 8 million.
fn us_number(k: usize) -> String {
    const AREAS: [u32; 8] = [212, 305, 415, 503, 617, 702, 917, 206];
    let rest = k / AREAS.len();
    format!(
        "+1{}{}{:04}",
        AREAS[k % AREAS.len()],
        220 + (rest / 10_000) % 80,
        rest % 10_000
    )
}

/// Carriers not yet synced.
async fn unsynced(pool: &AnyPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE sync_status <> 'synced'")
            .fetch_one(pool)
            .await?,
    )
}

/// Waits until every carrier is synced, failing on a sync error.
async fn until_synced(pool: &AnyPool) -> Result<()> {
    let started = Instant::now();
    loop {
        if unsynced(pool).await? == 0 {
            return Ok(());
        }
        let error: Option<String> = sqlx::query_scalar(
            "SELECT sync_error FROM carriers WHERE sync_status = 'error' LIMIT 1",
        )
        .fetch_optional(pool)
        .await?
        .flatten();
        if let Some(error) = error {
            bail!("a carrier failed to sync: {error}");
        }
        if started.elapsed() > PATIENCE {
            bail!("carriers still unsynced after {PATIENCE:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Save → synced latency with `writers` concurrent writers: (p50, p99) in ms.
async fn latency(options: &Options<'_>, writers: usize) -> Result<(f64, f64)> {
    let lk = LiveKitDouble::start().await;
    let db = BenchDb::create(options.engine, options.postgres).await?;
    let mut server =
        Server::spawn(options.ori, &db, &livekit_env(&lk, options.envs), "ori").await?;
    server.log_in().await?;
    let api = Api::of(&server, API_TIMEOUT)?;
    let bot = bot(&api).await?;
    let ids = carriers(&api, LATENCY_CARRIERS, &bot).await?;
    let pool = db_pool(&db.url, 1 + writers as u32).await?;
    until_synced(&pool).await?;
    let pool = &pool;

    let per_writer = options.edits.div_ceil(writers);
    let share = LATENCY_CARRIERS / writers.max(1);
    ensure!(share > 0, "more writers than carriers ({LATENCY_CARRIERS})");
    let runs = (0..writers).map(|w| {
        let mine = &ids[w * share..(w + 1) * share];
        let api = &api;
        async move {
            let mut samples = Vec::with_capacity(per_writer);
            for edit in 0..per_writer {
                let carrier = &mine[edit % mine.len()];
                let path = format!("/api/v1/carriers/{carrier}");
                let address = format!("edit{edit}.w{w}.sync.example.net");
                let sent = unix_ms();
                let started = Instant::now();
                let edit = json!({"sip_address": address});
                api.ok(Method::PATCH, &path, Some(&edit)).await?;
                let synced_at = loop {
                    let (status, at): (String, Option<i64>) = sqlx::query_as(
                        "SELECT sync_status, last_synced_at FROM carriers WHERE id = $1",
                    )
                    .bind(carrier)
                    .fetch_one(pool)
                    .await?;
                    match (status.as_str(), at) {
                        ("synced", Some(at)) if at as f64 >= sent.floor() => break at,
                        ("error", _) => bail!("sync of {carrier} failed"),
                        _ => {}
                    }
                    ensure!(started.elapsed() < PATIENCE, "no sync within {PATIENCE:?}");
                    tokio::time::sleep(POLL).await;
                };
                // The database's clock is this machine's: the sync's own
                // record of when it ended, to the millisecond.
                samples.push((synced_at as f64 - sent).max(0.0));
            }
            anyhow::Ok(samples)
        }
    });
    let mut samples: Vec<f64> = try_join_all(runs).await?.into_iter().flatten().collect();
    samples.sort_by(f64::total_cmp);
    pool.close().await;
    server.stop().await?;
    db.drop().await?;
    lk.stop().await;
    Ok((percentile(&samples, 0.50), percentile(&samples, 0.99)))
}

/// Now, in Unix milliseconds with a fraction.
fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Reconciled {
    seconds: f64,
    requests: u64,
    duplicates: u64,
    /// "carrier synced" log lines of each replica.
    per_replica: Vec<usize>,
}

/// `options.dirty` carriers made without LiveKit, then `replicas` replicas
/// started with it.
async fn reconcile(options: &Options<'_>, replicas: usize) -> Result<Reconciled> {
    let db = BenchDb::create(options.engine, options.postgres).await?;
    // Without LiveKit the carriers stay pending, none with an attempt behind it.
    let mut offline = Server::spawn(options.ori, &db, options.envs, "offline").await?;
    offline.log_in().await?;
    let api = Api::of(&offline, API_TIMEOUT)?;
    let bot = bot(&api).await?;
    carriers(&api, options.dirty, &bot).await?;
    offline.stop().await?;

    let lk = LiveKitDouble::start().await;
    let pool = db_pool(&db.url, 1).await?;
    let env = livekit_env(&lk, options.envs);
    let started = Instant::now();
    let names: Vec<String> = (0..replicas).map(|r| format!("replica{r}")).collect();
    let spawns = names
        .iter()
        .map(|name| Server::spawn(options.ori, &db, &env, name));
    let (servers, synced) = tokio::join!(try_join_all(spawns), until_synced(&pool));
    let servers = servers?;
    synced?;
    let seconds = started.elapsed().as_secs_f64();

    let expected = BTreeMap::from([
        ("CreateSIPOutboundTrunk", options.dirty),
        ("CreateSIPInboundTrunk", options.dirty),
        ("CreateSIPDispatchRule", 2 * options.dirty),
    ]);
    let held = BTreeMap::from([
        ("CreateSIPOutboundTrunk", lk.outbound_trunks().len()),
        ("CreateSIPInboundTrunk", lk.inbound_trunks().len()),
        ("CreateSIPDispatchRule", lk.dispatch_rules().len()),
    ]);
    ensure!(
        held == expected,
        "LiveKit holds {held:?}, the database plans {expected:?}"
    );
    let mut duplicates = 0;
    for (method, objects) in &expected {
        duplicates += lk.request_count(method).saturating_sub(*objects as u64);
    }
    let mut per_replica = Vec::new();
    for server in servers {
        // Read once it has stopped: the line follows the commit.
        let log_path = server.log_path.clone();
        server.stop().await?;
        let log = std::fs::read_to_string(&log_path)?;
        per_replica.push(log.matches("carrier synced to LiveKit").count());
    }
    let requests = lk.total_requests();
    pool.close().await;
    db.drop().await?;
    lk.stop().await;
    Ok(Reconciled {
        seconds,
        requests,
        duplicates,
        per_replica,
    })
}

struct FullPass {
    first_sync_seconds: f64,
    first_sync_requests: u64,
    seconds: f64,
    requests: u64,
    counts: BTreeMap<String, u64>,
    rss_before_mib: f64,
    rss_peak_mib: f64,
    drifted: i64,
}

/// Seeds `options.full_pass_carriers` carriers, lets them sync, then times
/// one full pass over them.
async fn full_pass(options: &Options<'_>) -> Result<FullPass> {
    let db = BenchDb::create(options.engine, options.postgres).await?;
    let seeded = seed::seed(&db.url, options.full_pass_carriers, 3).await?;
    eprintln!(
        "seeded {} carriers and {} numbers in {:.1} s",
        seeded.carriers, seeded.numbers, seeded.seconds
    );
    let lk = LiveKitDouble::start().await;
    let pool = db_pool(&db.url, 1).await?;
    let env = livekit_env(&lk, options.envs);
    let started = Instant::now();
    let (server, synced) = tokio::join!(
        Server::spawn(options.ori, &db, &env, "ori"),
        until_synced(&pool)
    );
    let server = server?;
    synced?;
    let first_sync_seconds = started.elapsed().as_secs_f64();
    let first_sync_requests = lk.total_requests();
    eprintln!(
        "first sync of {} carriers: {first_sync_seconds:.1} s, {first_sync_requests} requests",
        options.full_pass_carriers
    );

    // Wait out the pass that ran at start-up, then ask for another.
    let job = |column: &'static str| {
        let pool = &pool;
        async move {
            let sql = format!("SELECT {column} FROM sync_jobs WHERE name = 'full_pass'");
            sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await
                .map_err(anyhow::Error::from)
        }
    };
    while job("lease_until").await?.is_some() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rss_before_mib = server.memory()?.rss_mib;
    lk.reset_counters();
    let started = Instant::now();
    sqlx::query("UPDATE sync_jobs SET last_run_at = NULL WHERE name = 'full_pass'")
        .execute(&pool)
        .await?;
    let mut rss_peak_mib = rss_before_mib;
    while job("last_run_at").await?.is_none() {
        rss_peak_mib = rss_peak_mib.max(server.memory()?.rss_mib);
        ensure!(
            started.elapsed() < PATIENCE,
            "no full pass within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let drifted = unsynced(&pool).await?;
    let requests = lk.total_requests();
    let counts = lk.request_counts();
    pool.close().await;
    server.stop().await?;
    db.drop().await?;
    lk.stop().await;
    Ok(FullPass {
        first_sync_seconds,
        first_sync_requests,
        seconds,
        requests,
        counts,
        rss_before_mib,
        rss_peak_mib,
        drifted,
    })
}
