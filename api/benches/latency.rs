//! End-to-end latency of the console's speed targets, over real HTTP against
//! the real app (one keep-alive client, requests one after another):
//!
//! * listing and searching 10,000 carriers: first page, a search matching
//!   1 %, a search matching nothing, and pages deep behind a `cursor`
//!   (target p99 < 10 ms);
//! * save → synced: a PATCH until `GET` shows that version `synced` in the
//!   LiveKit double, woken only by the write (target p50 < 50 ms).
//!
//! ```text
//! cargo bench -p ori-api --bench latency
//! ```
//!
//! Environment:
//! * `ORI_BENCH_DB`: `sqlite`, `postgres`, or `all` (default). `all` runs
//!   SQLite and then PostgreSQL when it answers, skipping it with a note when
//!   not; `postgres` fails when it does not answer.
//! * `ORI_BENCH_POSTGRES_URL` (else `ORI_TEST_POSTGRES_URL`, else
//!   `postgres://postgres@127.0.0.1:5432/test`): each run gets its own
//!   schemas there, dropped at the end.
//! * `ORI_BENCH_QUICK=1`: far fewer carriers and requests, for a smoke run.
//! * `ORI_BENCH_STRICT=1`: exit non-zero when a target is missed.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use ori_api::config::Settings;
use ori_api::db::carriers::{self, CarrierWrite};
use ori_api::db::{Db, numbers};
use ori_api::startup::Application;
use ori_livekit_double::LiveKitDouble;
use ori_shared::dto::{CarrierCreate, NumberCreate};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use uuid::Uuid;

const ADMIN_EMAIL: &str = "bench@ori.test";
const ADMIN_PASSWORD: &str = "a long enough bench password";
const JWT_SECRET: &str = "bench-only-jwt-secret-of-at-least-32-bytes";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
/// How many carriers are seeded per transaction.
const SEED_BATCH: usize = 500;
/// The search that matches 1 % of the carriers (one zone of 100).
const SEARCH_HIT: &str = "zone42";
const SEARCH_MISS: &str = "no-such-carrier";
const SYNC_ADDRESSES: [&str; 2] = ["sip-a.bench.example:5060", "sip-b.bench.example:5060"];

#[tokio::main]
async fn main() -> Result<()> {
    let plan = Plan::from_env();
    println!(
        "Ori latency bench{}: {} carriers, {} timed requests per list case, {} saves",
        if plan.quick { " (quick)" } else { "" },
        plan.carriers,
        plan.requests,
        plan.saves
    );
    let mut results = Vec::new();
    let mut schemas = Vec::new();
    for backend in backends().await? {
        println!("\n== {} ==", backend.label());
        results.extend(list_bench(&plan, &backend, &mut schemas).await?);
        results.push(sync_bench(&plan, &backend, &mut schemas).await?);
    }
    for (base, schema) in schemas {
        drop_schema(&base, &schema).await?;
    }
    let missed = print_summary(&results);
    if missed > 0 && std::env::var("ORI_BENCH_STRICT").is_ok_and(|v| v == "1") {
        bail!("{missed} target(s) missed");
    }
    Ok(())
}

/// How much to do.
struct Plan {
    quick: bool,
    carriers: usize,
    warmup: usize,
    requests: usize,
    saves: usize,
}

impl Plan {
    fn from_env() -> Self {
        let quick = std::env::var("ORI_BENCH_QUICK").is_ok_and(|v| v == "1");
        if quick {
            Self {
                quick,
                carriers: 2_000,
                warmup: 20,
                requests: 200,
                saves: 30,
            }
        } else {
            Self {
                quick,
                carriers: 10_000,
                warmup: 200,
                requests: 2_000,
                saves: 300,
            }
        }
    }
}

enum Backend {
    Sqlite,
    Postgres { base: String },
}

impl Backend {
    fn label(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// The databases to measure, from `ORI_BENCH_DB`.
async fn backends() -> Result<Vec<Backend>> {
    let choice = std::env::var("ORI_BENCH_DB").unwrap_or_else(|_| "all".into());
    let base = std::env::var("ORI_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ORI_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    match choice.as_str() {
        "sqlite" => Ok(vec![Backend::Sqlite]),
        "postgres" => {
            connect_raw(&base)
                .await
                .with_context(|| format!("ORI_BENCH_DB=postgres but {base} does not answer"))?;
            Ok(vec![Backend::Postgres { base }])
        }
        "all" => match connect_raw(&base).await {
            Ok(_) => Ok(vec![Backend::Sqlite, Backend::Postgres { base }]),
            Err(e) => {
                println!("PostgreSQL at {base} does not answer ({e:#}); measuring SQLite only");
                Ok(vec![Backend::Sqlite])
            }
        },
        other => bail!("ORI_BENCH_DB must be sqlite, postgres or all, not {other:?}"),
    }
}

async fn connect_raw(url: &str) -> Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    Ok(AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(url)
        .await?)
}

/// A fresh database URL: a new SQLite file in `dir`, or a new PostgreSQL
/// schema (remembered in `schemas` for dropping at the end).
async fn fresh_database(
    backend: &Backend,
    dir: &std::path::Path,
    schemas: &mut Vec<(String, String)>,
) -> Result<String> {
    let Backend::Postgres { base } = backend else {
        return Ok(format!(
            "sqlite://{}?mode=rwc",
            dir.join("bench.db").display()
        ));
    };
    let schema = format!("bench_{}", Uuid::new_v4().simple());
    let pool = connect_raw(base).await?;
    // In `public`: made in the bench schema, it would go with it.
    pool.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .await
        .context("creating pg_trgm")?;
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .context("creating a schema")?;
    pool.close().await;
    schemas.push((base.clone(), schema.clone()));
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}options[search_path]={schema},public"))
}

async fn drop_schema(base: &str, schema: &str) -> Result<()> {
    let pool = connect_raw(base).await?;
    pool.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .with_context(|| format!("dropping schema {schema}"))?;
    pool.close().await;
    Ok(())
}

/// A running app and a client logged in as its super admin.
struct Server {
    base: String,
    client: Client,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(
        backend: &Backend,
        schemas: &mut Vec<(String, String)>,
        livekit: Option<&LiveKitDouble>,
    ) -> Result<Self> {
        let dir = tempfile::tempdir().context("temp dir")?;
        let database_url = fresh_database(backend, dir.path(), schemas).await?;
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(database_url.clone()),
            static_dir: dir.path().join("no-spa"),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            jwt_secret: Some(JWT_SECRET.into()),
            ..Settings::default()
        };
        if let Some(lk) = livekit {
            settings.livekit_url = Some(lk.url.clone());
            settings.livekit_api_key = Some(lk.api_key.clone());
            settings.livekit_api_secret = Some(lk.api_secret.clone().into());
            // Only the write's wake-up should drive the sync.
            settings.sync_poll_ms = 2_000;
            settings.sync_full_pass_secs = 3_600;
        }
        let app = Application::build(&settings)
            .await
            .context("building the app")?;
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = login(&base).await?;
        Ok(Self {
            base,
            client,
            database_url,
            _dir: dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path` as JSON, expecting 200.
    async fn get_json(&self, path: &str) -> Result<Value> {
        let res = self.client.get(self.url(path)).send().await?;
        ensure!(
            res.status() == StatusCode::OK,
            "GET {path}: {}",
            res.status()
        );
        Ok(res.json().await?)
    }

    async fn send_json(&self, method: reqwest::Method, path: &str, body: &Value) -> Result<Value> {
        let res = self
            .client
            .request(method.clone(), self.url(path))
            .json(body)
            .send()
            .await?;
        ensure!(
            res.status().is_success(),
            "{method} {path}: {}",
            res.status()
        );
        Ok(res.json().await?)
    }
}

/// Logs in as the admin and returns a client that sends its Bearer token.
async fn login(base: &str) -> Result<Client> {
    let res = Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await?;
    ensure!(res.status() == StatusCode::OK, "login: {}", res.status());
    let body: Value = res.json().await?;
    let token = body["token"].as_str().context("login gave no token")?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(Client::builder().default_headers(headers).build()?)
}

// ---------------------------------------------------------------- list/search

async fn list_bench(
    plan: &Plan,
    backend: &Backend,
    schemas: &mut Vec<(String, String)>,
) -> Result<Vec<Measurement>> {
    let server = Server::start(backend, schemas, None).await?;
    let started = Instant::now();
    seed(&server.database_url, plan.carriers).await?;
    println!(
        "seeded {} carriers in {:.1} s",
        plan.carriers,
        started.elapsed().as_secs_f64()
    );
    print_header();

    // Check the data answers as intended before timing it.
    let n = plan.carriers as u64;
    let page = server.get_json("/api/v1/carriers").await?;
    ensure!(page["total"] == n, "first page total: {}", page["total"]);
    ensure!(page["items"].as_array().map(Vec::len) == Some(50));
    let hit = server
        .get_json(&format!("/api/v1/carriers?q={SEARCH_HIT}"))
        .await?;
    ensure!(
        hit["total"] == n / 100,
        "1 % search total: {}",
        hit["total"]
    );
    let miss = server
        .get_json(&format!("/api/v1/carriers?q={SEARCH_MISS}"))
        .await?;
    ensure!(
        miss["total"] == 0,
        "no-match search total: {}",
        miss["total"]
    );
    let cursors = walk_cursors(&server, n).await?;
    // Pages from the middle of the list to its end.
    let deep = &cursors[cursors.len() / 2..];

    let db = backend.label();
    let mut out = Vec::new();
    out.push(
        time_gets(&server, plan, db, "list: first page", |_| {
            "/api/v1/carriers".into()
        })
        .await?,
    );
    out.push(
        time_gets(&server, plan, db, "list: search 1 % (q=zone42)", |_| {
            format!("/api/v1/carriers?q={SEARCH_HIT}")
        })
        .await?,
    );
    out.push(
        time_gets(&server, plan, db, "list: search, no match", |_| {
            format!("/api/v1/carriers?q={SEARCH_MISS}")
        })
        .await?,
    );
    out.push(
        time_gets(&server, plan, db, "list: deep cursor pages", |i| {
            format!("/api/v1/carriers?cursor={}", deep[i % deep.len()])
        })
        .await?,
    );
    Ok(out)
}

/// Follows `next_cursor` to the end, checking every carrier is seen once,
/// and returns the cursors in order.
async fn walk_cursors(server: &Server, total: u64) -> Result<Vec<String>> {
    let mut cursors = Vec::new();
    let mut seen = 0;
    let mut path = "/api/v1/carriers".to_owned();
    loop {
        let page = server.get_json(&path).await?;
        seen += page["items"].as_array().map_or(0, Vec::len) as u64;
        let Some(next) = page["next_cursor"].as_str() else {
            break;
        };
        cursors.push(next.to_owned());
        path = format!("/api/v1/carriers?cursor={next}");
    }
    ensure!(seen == total, "walking the cursors saw {seen} of {total}");
    Ok(cursors)
}

/// Times `plan.requests` GETs (after `plan.warmup` untimed ones), each until
/// its whole body has arrived.
async fn time_gets(
    server: &Server,
    plan: &Plan,
    db: &'static str,
    case: &'static str,
    path: impl Fn(usize) -> String,
) -> Result<Measurement> {
    let mut samples = Vec::with_capacity(plan.requests);
    for i in 0..plan.warmup + plan.requests {
        let url = server.url(&path(i));
        let t0 = Instant::now();
        let res = server.client.get(&url).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        let elapsed = t0.elapsed();
        ensure!(status == StatusCode::OK, "GET {url}: {status}");
        ensure!(!body.is_empty(), "GET {url}: empty body");
        if i >= plan.warmup {
            samples.push(elapsed);
        }
    }
    let m = Measurement::new(db, case, samples, Target::p99_under(10.0));
    println!("{m}");
    Ok(m)
}

/// Inserts `count` carriers through the db layer, in transactions of
/// [`SEED_BATCH`]. Names are scrambled so their order differs from the
/// insertion order; one carrier in 100 is in each zone (`sip….zoneNN…`);
/// every 4th has 1–3 allowed IPs and every 5th 1–2 numbers.
async fn seed(database_url: &str, count: usize) -> Result<()> {
    const ADJECTIVES: [&str; 16] = [
        "Amber", "Blue", "Coastal", "Delta", "Eastern", "Frontier", "Global", "Harbor", "Indigo",
        "Jade", "Keystone", "Lunar", "Metro", "Northern", "Orbit", "Pacific",
    ];
    const NOUNS: [&str; 12] = [
        "Telecom", "Voice", "Networks", "Connect", "Carrier", "Link", "Wave", "Signal", "Trunk",
        "Lines", "Comms", "Route",
    ];
    let db = Db::connect(database_url).await?;
    let mut next_number = 0_usize;
    for batch in (0..count).collect::<Vec<_>>().chunks(SEED_BATCH) {
        let mut tx = db.begin().await?;
        for &i in batch {
            let h = (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff;
            let ips = if i % 4 == 0 {
                (0..=i % 3)
                    .map(|k| format!("10.{}.{}.{}", (i >> 8) & 255, i & 255, k + 1))
                    .collect()
            } else {
                Vec::new()
            };
            let config = CarrierCreate {
                name: format!(
                    "{} {} {i:05}",
                    ADJECTIVES[h as usize % ADJECTIVES.len()],
                    NOUNS[(h >> 8) as usize % NOUNS.len()]
                ),
                sip_address: format!("sip{i}.zone{:02}.example.net", i % 100),
                allowed_ips: Some(ips),
                ..CarrierCreate::default()
            }
            .validate()
            .map_err(|e| anyhow!("seed carrier {i}: {e}"))?;
            let id = carriers::insert(
                &mut tx,
                &CarrierWrite {
                    config: &config,
                    password_secret: None,
                },
            )
            .await?;
            if i % 5 == 0 {
                for _ in 0..=i % 2 {
                    let k = next_number;
                    next_number += 1;
                    let number = NumberCreate {
                        number: format!("+1415{}{:04}", 200 + k / 10_000, k % 10_000),
                        ..NumberCreate::default()
                    }
                    .validate()
                    .map_err(|e| anyhow!("seed number {k}: {e}"))?;
                    let forms =
                        numbers::NumberForms::of(&number.number, None, config.number_format);
                    numbers::insert(&mut tx, id, &number, &forms).await?;
                }
            }
        }
        tx.commit().await?;
    }
    if db.backend == ori_api::db::Backend::Postgres {
        // What autovacuum would have done by the time anyone lists them.
        db.pool.execute("ANALYZE").await?;
    }
    db.pool.close().await;
    Ok(())
}

// ---------------------------------------------------------- save → synced

async fn sync_bench(
    plan: &Plan,
    backend: &Backend,
    schemas: &mut Vec<(String, String)>,
) -> Result<Measurement> {
    let lk = LiveKitDouble::start().await;
    let server = Server::start(backend, schemas, Some(&lk)).await?;
    let carrier = server
        .send_json(
            reqwest::Method::POST,
            "/api/v1/carriers",
            &json!({"name": "Bench Sync", "sip_address": SYNC_ADDRESSES[0]}),
        )
        .await?;
    let id = carrier["id"].as_str().context("carrier id")?.to_owned();
    let path = format!("/api/v1/carriers/{id}");
    server
        .send_json(
            reqwest::Method::POST,
            &format!("{path}/numbers"),
            &json!({"number": "+14155550100"}),
        )
        .await?;
    let number_added = server.get_json(&path).await?;
    let version = number_added["version"].as_i64().context("version")?;
    wait_synced(&server, &path, version).await?;

    let warmup = plan.saves / 10;
    let mut samples = Vec::with_capacity(plan.saves);
    for i in 0..warmup + plan.saves {
        let body = json!({"sip_address": SYNC_ADDRESSES[(i + 1) % 2]});
        let t0 = Instant::now();
        let saved = server
            .send_json(reqwest::Method::PATCH, &path, &body)
            .await?;
        let version = saved["version"].as_i64().context("version")?;
        wait_synced(&server, &path, version).await?;
        if i >= warmup {
            samples.push(t0.elapsed());
        }
    }
    let address = lk
        .outbound_trunks()
        .first()
        .map(|t| t.address.clone())
        .context("no outbound trunk in the LiveKit double")?;
    ensure!(
        address == SYNC_ADDRESSES[(warmup + plan.saves) % 2],
        "LiveKit holds {address}"
    );
    let m = Measurement::new(
        backend.label(),
        "save -> synced (PATCH, poll 1 ms)",
        samples,
        Target::p50_under(50.0),
    );
    println!("{m}");
    Ok(m)
}

/// Polls the carrier every millisecond until `version` is synced.
async fn wait_synced(server: &Server, path: &str, version: i64) -> Result<()> {
    within(Duration::from_secs(10), async {
        loop {
            let now = server.get_json(path).await?;
            if now["sync_status"] == "synced" && now["version"] == version {
                return Ok(());
            }
            ensure!(
                now["sync_status"] != "error",
                "sync failed: {}",
                now["sync_error"]
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .with_context(|| format!("waiting for version {version} of {path} to sync"))
}

async fn within<T>(limit: Duration, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| anyhow!("timed out after {limit:?}"))?
}

// ------------------------------------------------------------------ results

#[derive(Clone, Copy)]
enum Percentile {
    P50,
    P99,
}

/// A speed goal: this percentile below `ms`.
#[derive(Clone, Copy)]
struct Target {
    percentile: Percentile,
    ms: f64,
}

impl Target {
    fn p99_under(ms: f64) -> Self {
        Self {
            percentile: Percentile::P99,
            ms,
        }
    }

    fn p50_under(ms: f64) -> Self {
        Self {
            percentile: Percentile::P50,
            ms,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match self.percentile {
            Percentile::P50 => "p50",
            Percentile::P99 => "p99",
        };
        write!(f, "{p} < {} ms", self.ms)
    }
}

struct Measurement {
    db: &'static str,
    case: &'static str,
    count: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    target: Target,
}

impl Measurement {
    fn new(
        db: &'static str,
        case: &'static str,
        mut samples: Vec<Duration>,
        target: Target,
    ) -> Self {
        samples.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        // Nearest rank: the smallest sample with at least p % at or below it.
        let rank = |p: f64| {
            let n = samples.len();
            let i = ((p / 100.0) * n as f64).ceil() as usize;
            samples
                .get(i.clamp(1, n.max(1)) - 1)
                .copied()
                .map_or(f64::NAN, ms)
        };
        Self {
            db,
            case,
            count: samples.len(),
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: samples.last().copied().map_or(f64::NAN, ms),
            target,
        }
    }

    fn met(&self) -> bool {
        let value = match self.target.percentile {
            Percentile::P50 => self.p50,
            Percentile::P99 => self.p99,
        };
        value < self.target.ms
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {:<36} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}   {:<13} {}",
            self.db,
            self.case,
            self.count,
            self.p50,
            self.p90,
            self.p99,
            self.max,
            self.target.to_string(),
            if self.met() { "ok" } else { "MISSED" }
        )
    }
}

fn print_header() {
    println!(
        "{:<9} {:<36} {:>6} {:>8} {:>8} {:>8} {:>8}   {:<13} result",
        "database", "case", "count", "p50", "p90", "p99", "max", "target"
    );
    println!("{}", "-".repeat(112));
}

/// Prints the table and returns how many targets were missed.
fn print_summary(results: &[Measurement]) -> usize {
    println!("\nSummary (latency in ms, sequential requests from one keep-alive client)");
    print_header();
    for m in results {
        println!("{m}");
    }
    let missed = results.iter().filter(|m| !m.met()).count();
    if missed == 0 {
        println!("\nAll targets met.");
    } else {
        println!("\n{missed} target(s) missed.");
    }
    missed
}
