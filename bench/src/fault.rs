//! Fault runs against real `ori` processes (docs/benchmarks.md, "Faults and
//! fuzzing"). Each prints its figures and a PASS/FAIL line, and fails the
//! command when a check fails:
//!
//! * **kill9**: `ori` syncing to the in-process LiveKit double is killed
//!   with SIGKILL at a random moment while carriers are edited through the
//!   API, and restarted on the same database, N times; then every carrier
//!   must reach `synced` and LiveKit must equal the database exactly: per
//!   carrier the planned trunks and rules with the ids the database holds,
//!   no second object of a kind for one carrier, nothing left that the
//!   database does not know.
//! * **pg-restart**: `ori` on a PostgreSQL cluster of its own, under
//!   concurrent list/create/patch load; the cluster is stopped (immediate
//!   shutdown) for a few seconds and started again. While it is down,
//!   `/readyz` must fail and every request must answer within a bound with
//!   a 503 problem (never a 500, never a hang); after, everything must
//!   recover by itself and every write that got a 2xx must be there.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ori_livekit_double::LiveKitDouble;
use rand::Rng;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::api::{Api, text};
use crate::server::{BenchDb, Engine, Server, raw_pool};
use crate::stats;

// ------------------------------------------------------------------ kill9

pub struct Kill9Options<'a> {
    pub ori: &'a Path,
    pub engine: Engine,
    pub postgres: &'a str,
    /// Carriers made before the first kill (3 numbers each).
    pub carriers: usize,
    pub kills: usize,
    /// The kill comes 0 to this many milliseconds after the edits start.
    pub max_delay_ms: u64,
    /// `ORI_SYNC_LEASE_MS`: how long a killed process's claims stay held.
    pub lease_ms: u64,
    /// `ORI_SYNC_FULL_PASS_SECS`: the drift repair that deletes objects of
    /// carriers the database no longer knows.
    pub full_pass_secs: u64,
}

/// Runs the kill -9 loop; `Ok(false)` when a check failed.
pub async fn kill9(options: &Kill9Options<'_>) -> Result<bool> {
    let lk = LiveKitDouble::start().await;
    let db = BenchDb::create(options.engine, options.postgres).await?;
    let result = kill9_on(options, &lk, &db).await;
    if result.is_err() || matches!(result, Ok(false)) {
        println!(
            "ori's last log: {}",
            db.dir.path().join("ori.log").display()
        );
        print_log_tail(&db.dir.path().join("ori.log"));
    }
    db.drop().await?;
    result
}

fn print_log_tail(path: &Path) {
    if let Ok(log) = std::fs::read_to_string(path) {
        let lines: Vec<&str> = log.lines().collect();
        for line in &lines[lines.len().saturating_sub(30)..] {
            println!("  | {line}");
        }
    }
}

async fn kill9_on(options: &Kill9Options<'_>, lk: &LiveKitDouble, db: &BenchDb) -> Result<bool> {
    let env: Vec<(String, String)> = [
        ("ORI_LIVEKIT_URL", lk.url.clone()),
        ("ORI_LIVEKIT_API_KEY", lk.api_key.clone()),
        ("ORI_LIVEKIT_API_SECRET", lk.api_secret.clone()),
        ("ORI_SYNC_LEASE_MS", options.lease_ms.to_string()),
        ("ORI_SYNC_POLL_MS", "50".to_owned()),
        ("ORI_SYNC_RETRY_BASE_MS", "100".to_owned()),
        ("ORI_SYNC_RETRY_MAX_SECS", "1".to_owned()),
        (
            "ORI_SYNC_FULL_PASS_SECS",
            options.full_pass_secs.to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let raw = raw_pool(&db.url).await?;
    let mut server = Server::start(options.ori, db, &env).await?;
    let api = Api::of(&server, Duration::from_secs(10))?;
    let mut bots = Vec::new();
    for (name, agent) in [("Reception", "agent-a"), ("Sales", "agent-b")] {
        let bot = api
            .ok(
                Method::POST,
                "/api/v1/bots",
                Some(&json!({"name": name, "agent_name": agent})),
            )
            .await?;
        bots.push(text(&bot, "id")?);
    }
    let next_number = Arc::new(AtomicU64::new(0));
    for i in 0..options.carriers {
        create_carrier(&api, &format!("Carrier {i:03}"), &bots, &next_number).await?;
    }
    println!(
        "kill9 on {}: {} carriers x 3 numbers, {} kills at 0-{} ms after edits start, lease {} ms, \
         full pass every {} s",
        options.engine.label(),
        options.carriers,
        options.kills,
        options.max_delay_ms,
        options.lease_ms,
        options.full_pass_secs
    );

    let mut rng = rand::thread_rng();
    let mut acknowledged = 0u64;
    let mut requests_before_kill = Vec::new();
    let mut held_at_restart = Vec::new();
    let mut restarts: Vec<Duration> = Vec::new();
    for round in 0..options.kills {
        let api = Api::of(&server, Duration::from_secs(10))?;
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let before = lk.total_requests();
        let mut editors = Vec::new();
        for writer in 0..2 {
            let (api, stop, acked) = (api.clone(), stop.clone(), acked.clone());
            let (bots, next_number) = (bots.clone(), next_number.clone());
            editors.push(tokio::spawn(async move {
                let mut k = 0;
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let tag = format!("r{round}w{writer}e{k}");
                    if edit(&api, &tag, &bots, &next_number).await.unwrap_or(false) {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        let delay = rng.gen_range(0..=options.max_delay_ms);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let pid = server.pid();
        // tokio's `Child::kill` is SIGKILL.
        server.stop().await?;
        let during = lk.total_requests() - before;
        stop.store(true, Ordering::Relaxed);
        for editor in editors {
            editor.await?;
        }
        acknowledged += acked.load(Ordering::Relaxed);
        requests_before_kill.push(during);
        let held: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE lease_owner IS NOT NULL")
                .fetch_one(&raw)
                .await?;
        held_at_restart.push(held);
        let started = Instant::now();
        server = Server::start(options.ori, db, &env).await?;
        restarts.push(started.elapsed());
        println!(
            "  kill {:>2}: pid {:?} killed {delay:>4} ms after edits began; {} edits acknowledged, \
             {during} LiveKit requests meanwhile, {held} carrier leases left held; back in {:.2} s",
            round + 1,
            pid,
            acked.load(Ordering::Relaxed),
            restarts[round].as_secs_f64()
        );
    }

    // The last process lives: wait for it to catch up, then compare.
    let api = Api::of(&server, Duration::from_secs(10))?;
    let after_last = Instant::now();
    // Time for the syncs, and for one full pass to come round.
    let patience = Duration::from_secs(120 + options.full_pass_secs);
    let deadline = after_last + patience;
    let synced_in = loop {
        let carriers = api.carriers().await?;
        if carriers.iter().all(|c| c["sync_status"] == "synced") {
            break after_last.elapsed();
        }
        if Instant::now() > deadline {
            let stuck: Vec<String> = carriers
                .iter()
                .filter(|c| c["sync_status"] != "synced")
                .map(|c| format!("{} {} {}", c["name"], c["sync_status"], c["sync_error"]))
                .collect();
            println!(
                "FAIL kill9: not every carrier synced within {} s: {stuck:?}",
                patience.as_secs()
            );
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Deleted carriers' objects go by tombstone, maybe just after.
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut carriers = 0;
    while Instant::now() < deadline {
        (problems, checked, carriers) = compare(&api, lk).await?;
        if problems.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let converged = after_last.elapsed();
    let leased: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM carriers WHERE lease_owner IS NOT NULL")
            .fetch_one(&raw)
            .await?;
    raw.close().await;
    server.stop().await?;
    let creates: BTreeMap<String, u64> = lk
        .request_counts()
        .into_iter()
        .filter(|(m, _)| m.starts_with("Create"))
        .collect();
    let with_requests = requests_before_kill.iter().filter(|n| **n > 0).count();
    let with_leases = held_at_restart.iter().filter(|n| **n > 0).count();
    println!(
        "  {} kills; {acknowledged} edits acknowledged; {with_requests} kills came while LiveKit \
         was being called, {with_leases} left leases held; restart median {:.2} s",
        options.kills,
        stats::median(restarts.iter().map(Duration::as_secs_f64))
    );
    println!(
        "  after the last restart: all synced in {:.2} s, LiveKit equal to the database in {:.2} s; \
         {carriers} carriers, {checked} LiveKit objects checked; creates sent {creates:?}; \
         leases held at the end: {leased}",
        synced_in.as_secs_f64(),
        converged.as_secs_f64()
    );
    if problems.is_empty() {
        println!("PASS kill9 ({})", options.engine.label());
        Ok(true)
    } else {
        for p in &problems {
            println!("  mismatch: {p}");
        }
        println!(
            "FAIL kill9 ({}): {} mismatches",
            options.engine.label(),
            problems.len()
        );
        Ok(false)
    }
}

fn number(next: &AtomicU64) -> String {
    format!("+1415{:07}", next.fetch_add(1, Ordering::Relaxed))
}

async fn create_carrier(
    api: &Api,
    name: &str,
    bots: &[String],
    next: &AtomicU64,
) -> Result<String> {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let carrier = api
        .ok(
            Method::POST,
            "/api/v1/carriers",
            Some(&json!({"name": name, "sip_address": format!("sip.{slug}.example")})),
        )
        .await?;
    let id = text(&carrier, "id")?;
    for direction in ["both", "inbound", "outbound"] {
        api.ok(
            Method::POST,
            &format!("/api/v1/carriers/{id}/numbers"),
            Some(&json!({"number": number(next), "direction": direction, "bot_id": bots[0]})),
        )
        .await?;
    }
    Ok(id)
}

/// One random edit that changes what LiveKit holds; `Ok(true)` when the
/// API acknowledged it (the process may be killed under it).
async fn edit(api: &Api, tag: &str, bots: &[String], next: &AtomicU64) -> Result<bool> {
    let carriers = api.carriers().await?;
    ensure!(!carriers.is_empty(), "no carriers");
    let pick = rand::thread_rng().gen_range(0..carriers.len());
    let id = text(&carriers[pick], "id")?;
    let numbers = api
        .ok(Method::GET, &format!("/api/v1/carriers/{id}/numbers"), None)
        .await?;
    let numbers = numbers.as_array().cloned().unwrap_or_default();
    let choice = rand::thread_rng().gen_range(0..10);
    let answer = match choice {
        // The outbound trunk's address.
        0..=2 => {
            api.send(
                Method::PATCH,
                &format!("/api/v1/carriers/{id}"),
                Some(&json!({"sip_address": format!("sip-{tag}.example")})),
            )
            .await?
        }
        // Every object's name.
        3 => {
            api.send(
                Method::PATCH,
                &format!("/api/v1/carriers/{id}"),
                Some(&json!({"name": format!("Carrier {tag}")})),
            )
            .await?
        }
        // A number's bot: its rule.
        4 | 5 if !numbers.is_empty() => {
            let n = &numbers[rand::thread_rng().gen_range(0..numbers.len())];
            let bot = if n["bot_id"].as_str() == Some(bots[0].as_str()) {
                &bots[1]
            } else {
                &bots[0]
            };
            api.send(
                Method::PATCH,
                &format!("/api/v1/carriers/{id}/numbers/{}", text(n, "id")?),
                Some(&json!({"bot_id": bot})),
            )
            .await?
        }
        // A new number: both trunks and a rule.
        6 => {
            let direction = ["both", "inbound", "outbound"][rand::thread_rng().gen_range(0..3)];
            api.send(
                Method::POST,
                &format!("/api/v1/carriers/{id}/numbers"),
                Some(&json!({"number": number(next), "direction": direction, "bot_id": bots[1]})),
            )
            .await?
        }
        // A number removed (never the last one).
        7 if numbers.len() > 1 => {
            let n = &numbers[rand::thread_rng().gen_range(0..numbers.len())];
            api.send(
                Method::DELETE,
                &format!("/api/v1/carriers/{id}/numbers/{}", text(n, "id")?),
                None,
            )
            .await?
        }
        // A carrier deleted (tombstones) and another made.
        8 if carriers.len() > 3 => {
            api.send(Method::DELETE, &format!("/api/v1/carriers/{id}"), None)
                .await?
        }
        _ => {
            create_carrier(api, &format!("Carrier {tag}"), bots, next).await?;
            return Ok(true);
        }
    };
    Ok(answer.status.is_success())
}

/// Per carrier, what LiveKit must hold: the database's view through the API.
#[derive(Default)]
struct Want {
    outbound: Option<(String, String, Vec<String>)>,
    inbound: Option<(String, Vec<String>)>,
    /// Rule id → (called numbers, agent).
    rules: BTreeMap<String, (Vec<String>, String)>,
}

/// Compares LiveKit with the database; returns the mismatches, the number
/// of LiveKit objects checked and of carriers.
async fn compare(api: &Api, lk: &LiveKitDouble) -> Result<(Vec<String>, usize, usize)> {
    let bots = api.ok(Method::GET, "/api/v1/bots", None).await?;
    let agents: BTreeMap<String, String> = bots
        .as_array()
        .or_else(|| bots["items"].as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|b| Some((text(b, "id").ok()?, text(b, "agent_name").ok()?)))
        .collect();
    let mut problems = Vec::new();
    let mut want: BTreeMap<String, Want> = BTreeMap::new();
    let mut known: BTreeMap<String, String> = BTreeMap::new();
    let carriers = api.carriers().await?;
    for summary in &carriers {
        let id = text(summary, "id")?;
        // The list's items leave out the LiveKit ids.
        let c = &api
            .ok(Method::GET, &format!("/api/v1/carriers/{id}"), None)
            .await?;
        let numbers = api
            .ok(Method::GET, &format!("/api/v1/carriers/{id}/numbers"), None)
            .await?;
        let numbers = numbers.as_array().cloned().unwrap_or_default();
        let form = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
            let mut v: Vec<String> = numbers
                .iter()
                .filter(|n| keep(n["direction"].as_str().unwrap_or_default()))
                .filter_map(|n| n["normalized"].as_str().map(str::to_owned))
                .collect();
            v.sort();
            v
        };
        let out = form(&|d| d != "inbound");
        let inb = form(&|d| d != "outbound");
        let mut w = Want::default();
        if !out.is_empty() {
            let trunk = c["livekit_outbound_trunk_id"].as_str().unwrap_or_default();
            w.outbound = Some((trunk.to_owned(), text(c, "sip_address")?, out));
        } else if !c["livekit_outbound_trunk_id"].is_null() {
            problems.push(format!(
                "carrier {id} has no outbound number but keeps a trunk id"
            ));
        }
        if !inb.is_empty() {
            let trunk = c["livekit_inbound_trunk_id"].as_str().unwrap_or_default();
            w.inbound = Some((trunk.to_owned(), inb));
            for n in &numbers {
                if n["direction"] == "outbound" {
                    continue;
                }
                let agent = n["bot_id"].as_str().and_then(|b| agents.get(b));
                match (agent, n["livekit_dispatch_rule_id"].as_str()) {
                    (Some(agent), Some(rule)) => {
                        w.rules.insert(
                            rule.to_owned(),
                            (vec![text(n, "normalized")?], agent.clone()),
                        );
                    }
                    (Some(_), None) => {
                        problems.push(format!("number {} has a bot but no rule id", n["id"]));
                    }
                    _ => {}
                }
            }
        }
        let directions: Vec<&str> = numbers
            .iter()
            .filter_map(|n| n["direction"].as_str())
            .collect();
        known.insert(
            id.clone(),
            format!(
                "in the database with numbers {directions:?}, outbound trunk id {}, inbound {}",
                c["livekit_outbound_trunk_id"], c["livekit_inbound_trunk_id"]
            ),
        );
        want.insert(id, w);
    }
    let about = |carrier: &str| -> String {
        known
            .get(carrier)
            .cloned()
            .unwrap_or_else(|| "not in the database (deleted)".to_owned())
    };

    let owner = |metadata: &str| -> Option<String> {
        let doc: Value = serde_json::from_str(metadata).ok()?;
        doc["ori"]["carrier"].as_str().map(str::to_owned)
    };
    let mut checked = 0;
    // Outbound trunks.
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in lk.outbound_trunks() {
        checked += 1;
        let Some(carrier) = owner(&t.metadata) else {
            problems.push(format!("outbound trunk {} is not tagged", t.sip_trunk_id));
            continue;
        };
        seen.entry(carrier.clone())
            .or_default()
            .push(t.sip_trunk_id.clone());
        match want.get(&carrier).and_then(|w| w.outbound.as_ref()) {
            None => problems.push(format!(
                "orphan outbound trunk {} ({}, {:?}) of carrier {carrier}, {}",
                t.sip_trunk_id,
                t.address,
                t.numbers,
                about(&carrier)
            )),
            Some((id, address, numbers)) => {
                let mut have = t.numbers.clone();
                have.sort();
                if *id != t.sip_trunk_id || *address != t.address || *numbers != have {
                    problems.push(format!(
                        "outbound trunk {} ({}, {:?}) is not carrier {carrier}'s ({id}, {address}, {numbers:?})",
                        t.sip_trunk_id, t.address, have
                    ));
                }
            }
        }
    }
    for (carrier, w) in &want {
        let have = seen.get(carrier).map_or(0, Vec::len);
        let expect = usize::from(w.outbound.is_some());
        if have != expect {
            problems.push(format!(
                "carrier {carrier}: {have} outbound trunks in LiveKit, {expect} wanted ({:?})",
                seen.get(carrier)
            ));
        }
    }
    // Inbound trunks.
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in lk.inbound_trunks() {
        checked += 1;
        let Some(carrier) = owner(&t.metadata) else {
            problems.push(format!("inbound trunk {} is not tagged", t.sip_trunk_id));
            continue;
        };
        seen.entry(carrier.clone())
            .or_default()
            .push(t.sip_trunk_id.clone());
        match want.get(&carrier).and_then(|w| w.inbound.as_ref()) {
            None => problems.push(format!(
                "orphan inbound trunk {} ({:?}) of carrier {carrier}, {}",
                t.sip_trunk_id,
                t.numbers,
                about(&carrier)
            )),
            Some((id, numbers)) => {
                let mut have = t.numbers.clone();
                have.sort();
                if *id != t.sip_trunk_id || *numbers != have {
                    problems.push(format!(
                        "inbound trunk {} ({have:?}) is not carrier {carrier}'s ({id}, {numbers:?})",
                        t.sip_trunk_id
                    ));
                }
            }
        }
    }
    for (carrier, w) in &want {
        let have = seen.get(carrier).map_or(0, Vec::len);
        let expect = usize::from(w.inbound.is_some());
        if have != expect {
            problems.push(format!(
                "carrier {carrier}: {have} inbound trunks in LiveKit, {expect} wanted ({:?})",
                seen.get(carrier)
            ));
        }
    }
    // Dispatch rules: exactly the rules the numbers name, one per number.
    let mut rule_ids = BTreeSet::new();
    for r in lk.dispatch_rules() {
        checked += 1;
        rule_ids.insert(r.sip_dispatch_rule_id.clone());
        let Some(carrier) = owner(&r.metadata) else {
            problems.push(format!("rule {} is not tagged", r.sip_dispatch_rule_id));
            continue;
        };
        let w = want.get(&carrier);
        match w.and_then(|w| w.rules.get(&r.sip_dispatch_rule_id)) {
            None => problems.push(format!(
                "orphan or duplicate rule {} ({:?}) of carrier {carrier}, {}",
                r.sip_dispatch_rule_id,
                r.numbers,
                about(&carrier)
            )),
            Some((numbers, agent)) => {
                let have_agent = r
                    .room_config
                    .as_ref()
                    .and_then(|c| c.agents.first())
                    .map(|a| a.agent_name.clone())
                    .unwrap_or_default();
                let trunk = w.and_then(|w| w.inbound.as_ref()).map(|(id, _)| id.clone());
                if *numbers != r.numbers
                    || *agent != have_agent
                    || trunk.is_none_or(|t| r.trunk_ids != [t])
                {
                    problems.push(format!(
                        "rule {} ({:?} → {have_agent}, trunks {:?}) is not as the database says \
                         ({numbers:?} → {agent})",
                        r.sip_dispatch_rule_id, r.numbers, r.trunk_ids
                    ));
                }
            }
        }
    }
    for (carrier, w) in &want {
        for rule in w.rules.keys() {
            if !rule_ids.contains(rule) {
                problems.push(format!(
                    "carrier {carrier}: rule {rule} missing from LiveKit"
                ));
            }
        }
    }
    Ok((problems, checked, carriers.len()))
}

// -------------------------------------------------------------- pg-restart

pub struct PgRestartOptions<'a> {
    pub ori: &'a Path,
    /// Directory of `initdb` and `pg_ctl`.
    pub pg_bin: &'a Path,
    pub workers: usize,
    /// Seconds PostgreSQL stays down.
    pub down_secs: u64,
    /// An answer slower than this fails the run (a hang).
    pub bound_ms: u64,
}

/// A throwaway PostgreSQL cluster in a temp dir, stopped when dropped.
struct Cluster {
    pg_bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs a PostgreSQL tool (as the `postgres` user when we are root:
    /// PostgreSQL refuses to run as root).
    fn run(&self, tool: &str, args: &[&str]) -> Result<()> {
        let program = self.pg_bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            std::process::Command::new(&program)
        };
        let output = command
            .args(args)
            // Somewhere the `postgres` user may enter.
            .current_dir(self.dir.path())
            .output()
            .with_context(|| format!("running {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{tool} {args:?} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    fn create(pg_bin: &Path) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let as_postgres = std::env::var("USER").is_ok_and(|u| u == "root")
            || std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
            });
        if as_postgres {
            let status = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()?;
            ensure!(status.success(), "chown of the cluster directory failed");
        }
        let cluster = Self {
            pg_bin: pg_bin.to_owned(),
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        let data = data.to_str().context("temp dir is not UTF-8")?;
        cluster.run(
            "initdb",
            &["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        )?;
        cluster.start()?;
        Ok(cluster)
    }

    fn start(&self) -> Result<()> {
        let data = self.data();
        let data = data.to_str().context("temp dir is not UTF-8")?;
        let socket = self.dir.path().to_str().context("temp dir is not UTF-8")?;
        let log = self.dir.path().join("postgres.log");
        let log = log.to_str().context("temp dir is not UTF-8")?;
        let options = format!(
            "-p {} -k {socket} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port
        );
        self.run(
            "pg_ctl",
            &["-D", data, "-o", &options, "-l", log, "-w", "start"],
        )
    }

    fn stop(&self, mode: &str) -> Result<()> {
        let data = self.data();
        let data = data.to_str().context("temp dir is not UTF-8")?;
        self.run("pg_ctl", &["-D", data, "-m", mode, "-w", "stop"])
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop("immediate");
    }
}

/// One request of the load and how it went.
struct Sample {
    /// Sent at, from the start of the run.
    at: Duration,
    took: Duration,
    kind: &'static str,
    /// `None`: no answer (a transport error or the client's timeout).
    status: Option<u16>,
    problem_json: bool,
    problem_type: String,
}

#[derive(Default)]
struct Writes {
    /// Names of carriers whose create answered 201.
    created: Vec<String>,
    /// Per worker's carrier: the address of its last 2xx PATCH, and the
    /// addresses tried since (not acknowledged; they may or may not be in).
    patched: BTreeMap<String, (Option<String>, Vec<String>)>,
}

pub async fn pg_restart(options: &PgRestartOptions<'_>) -> Result<bool> {
    let cluster = Cluster::create(options.pg_bin)?;
    let db = BenchDb::create(Engine::Postgres, &cluster.url()).await?;
    let outcome = pg_restart_on(options, &cluster, &db).await;
    if !matches!(outcome, Ok(true)) {
        println!("ori's log: {}", db.dir.path().join("ori.log").display());
        print_log_tail(&db.dir.path().join("ori.log"));
    }
    outcome
}

async fn pg_restart_on(
    options: &PgRestartOptions<'_>,
    cluster: &Cluster,
    db: &BenchDb,
) -> Result<bool> {
    let server = Server::start(options.ori, db, &[]).await?;
    // The client gives up well after the bound, so a hang shows as slow, not lost.
    let api = Api::of(&server, Duration::from_millis(options.bound_ms * 3))?;
    let mut own = Vec::new();
    for w in 0..options.workers {
        let c = api
            .ok(
                Method::POST,
                "/api/v1/carriers",
                Some(
                    &json!({"name": format!("Worker {w}"), "sip_address": format!("w{w}.example")}),
                ),
            )
            .await?;
        own.push(text(&c, "id")?);
    }
    let run = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let writes = Arc::new(Mutex::new(Writes::default()));
    let mut tasks = Vec::new();
    for (w, carrier) in own.iter().enumerate() {
        let (api, stop, samples, writes) =
            (api.clone(), stop.clone(), samples.clone(), writes.clone());
        let carrier = carrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut k = 0u64;
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                let (kind, method, path, body) = match k % 3 {
                    0 => ("list", Method::GET, "/api/v1/carriers?limit=20".to_owned(), None),
                    1 => (
                        "create",
                        Method::POST,
                        "/api/v1/carriers".to_owned(),
                        Some(json!({"name": format!("Load {w}-{k}"), "sip_address": format!("l{w}-{k}.example")})),
                    ),
                    _ => (
                        "patch",
                        Method::PATCH,
                        format!("/api/v1/carriers/{carrier}"),
                        Some(json!({"sip_address": format!("w{w}-{k}.example")})),
                    ),
                };
                let sent = Instant::now();
                let answer = api.send(method, &path, body.as_ref()).await;
                let took = sent.elapsed();
                let status = answer.as_ref().ok().map(|a| a.status);
                let ok = status.is_some_and(|s| s.is_success());
                {
                    let mut writes = writes.lock().await;
                    match kind {
                        "create" if ok => writes.created.push(format!("Load {w}-{k}")),
                        "patch" => {
                            let entry = writes.patched.entry(carrier.clone()).or_default();
                            let address = format!("w{w}-{k}.example");
                            if ok {
                                *entry = (Some(address), Vec::new());
                            } else {
                                entry.1.push(address);
                            }
                        }
                        _ => {}
                    }
                }
                let sample = Sample {
                    at: sent - run,
                    took,
                    kind,
                    status: status.map(|s| s.as_u16()),
                    problem_json: answer
                        .as_ref()
                        .is_ok_and(|a| a.content_type == "application/problem+json"),
                    problem_type: answer
                        .as_ref()
                        .ok()
                        .and_then(|a| a.body["type"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                };
                samples.lock().await.push(sample);
                if !ok {
                    // As a client would: not a tight loop on errors.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    // A readiness probe every 200 ms throughout.
    let probes = Arc::new(Mutex::new(Vec::<(Duration, Duration, Option<u16>)>::new()));
    let prober = {
        let (stop, probes) = (stop.clone(), probes.clone());
        let client = Client::builder()
            .timeout(Duration::from_millis(options.bound_ms * 3))
            .build()?;
        let url = server.url("/readyz");
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let status = client
                    .get(&url)
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status().as_u16());
                probes
                    .lock()
                    .await
                    .push((sent - run, sent.elapsed(), status));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.stop("immediate")?;
    let down_at = run.elapsed();
    tokio::time::sleep(Duration::from_secs(options.down_secs)).await;
    let up_started = run.elapsed();
    cluster.start()?;
    let up_at = run.elapsed();
    // Recovered: a readiness 200 and a 2xx of each kind, all sent after the start.
    let recovered_by = loop {
        let at = run.elapsed();
        let all = samples.lock().await;
        let kinds: BTreeSet<&str> = all
            .iter()
            .filter(|s| s.at >= up_at && s.status.is_some_and(|c| (200..300).contains(&c)))
            .map(|s| s.kind)
            .collect();
        let ready = probes
            .lock()
            .await
            .iter()
            .any(|(sent, _, status)| *sent >= up_at && *status == Some(200));
        drop(all);
        if ready && kinds.len() == 3 {
            break Some(at);
        }
        if at > up_at + Duration::from_secs(30) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    prober.await?;

    let samples = samples.lock().await;
    let probes = probes.lock().await;
    let writes = writes.lock().await;
    let mut failures = Vec::new();
    let bound = Duration::from_millis(options.bound_ms);

    // Every answer in bound; no 500; no transport failure.
    let slow: Vec<&Sample> = samples.iter().filter(|s| s.took > bound).collect();
    if !slow.is_empty() {
        failures.push(format!(
            "{} requests took over {} ms (slowest {:.2} s)",
            slow.len(),
            options.bound_ms,
            slow.iter()
                .map(|s| s.took)
                .max()
                .unwrap_or_default()
                .as_secs_f64()
        ));
    }
    let unanswered = samples.iter().filter(|s| s.status.is_none()).count();
    if unanswered > 0 {
        failures.push(format!("{unanswered} requests got no answer"));
    }
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for s in samples
        .iter()
        .filter(|s| s.at >= down_at && s.at < up_started)
    {
        let key = match s.status {
            Some(code) => format!("{} {code} {}", s.kind, s.problem_type),
            None => format!("{} no answer", s.kind),
        };
        *by_status.entry(key.trim().to_owned()).or_default() += 1;
    }
    let errors: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.status.is_some_and(|c| c >= 400))
        .collect();
    for s in &errors {
        if s.status != Some(503) || !s.problem_json {
            failures.push(format!(
                "{} at {:.2} s answered {:?} {} (problem+json: {})",
                s.kind,
                s.at.as_secs_f64(),
                s.status,
                s.problem_type,
                s.problem_json
            ));
        }
    }
    let mut latencies: Vec<Duration> = errors.iter().map(|s| s.took).collect();
    latencies.sort();
    let pct = |p: f64| -> f64 {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    // Readiness: every probe answered while it was down failed (one sent
    // while down may pass once it is back, within its 2 s).
    let down_probes: Vec<_> = probes
        .iter()
        .filter(|(sent, took, _)| *sent >= down_at && *sent + *took < up_started)
        .collect();
    let ready_while_down = down_probes
        .iter()
        .filter(|(_, _, s)| s.is_none_or(|c| (200..300).contains(&c)))
        .count();
    if down_probes.is_empty() || ready_while_down > 0 {
        failures.push(format!(
            "/readyz: {ready_while_down} of {} probes while down did not answer non-2xx",
            down_probes.len()
        ));
    }
    let probe_max = down_probes
        .iter()
        .map(|(_, took, _)| *took)
        .max()
        .unwrap_or_default();
    let first_ready = probes
        .iter()
        .find(|(sent, _, s)| *sent >= up_at && *s == Some(200))
        .map(|(sent, took, _)| *sent + *took);
    if recovered_by.is_none() {
        failures.push("did not recover within 30 s of PostgreSQL's start".into());
    }

    // Nothing acknowledged is lost.
    // From a fresh process, so no cache answers.
    let after = Server::start(options.ori, db, &[])
        .await
        .context("starting ori again to read the data back")?;
    let check_api = Api::of(&after, Duration::from_secs(10))?;
    let carriers = check_api.carriers().await?;
    let names: BTreeSet<String> = carriers
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    let lost: Vec<&String> = writes
        .created
        .iter()
        .filter(|n| !names.contains(*n))
        .collect();
    if !lost.is_empty() {
        failures.push(format!(
            "{} acknowledged creates lost: {lost:?}",
            lost.len()
        ));
    }
    for (id, (last_ok, tried_after)) in &writes.patched {
        let now = carriers
            .iter()
            .find(|c| c["id"].as_str() == Some(id))
            .and_then(|c| c["sip_address"].as_str())
            .unwrap_or_default()
            .to_owned();
        let fine = last_ok.as_deref() == Some(now.as_str()) || tried_after.contains(&now);
        if last_ok.is_some() && !fine {
            failures.push(format!(
                "carrier {id} holds {now}, not its last acknowledged {last_ok:?} or a later try"
            ));
        }
    }
    after.stop().await?;
    server.stop().await?;

    let total = samples.len();
    println!(
        "pg-restart: {} workers (list/create/patch), PostgreSQL stopped (immediate) at {:.2} s \
         for {} s, started again at {:.2} s; {total} requests",
        options.workers,
        down_at.as_secs_f64(),
        options.down_secs,
        up_at.as_secs_f64()
    );
    println!("  answers sent while it was down: {by_status:?}");
    let served: Vec<String> = samples
        .iter()
        .filter(|s| s.at >= down_at && s.at < up_started)
        .filter(|s| s.status.is_some_and(|c| c < 300))
        .map(|s| {
            format!(
                "{} +{:.0} ms in {:.0} ms",
                s.kind,
                (s.at - down_at).as_secs_f64() * 1000.0,
                s.took.as_secs_f64() * 1000.0
            )
        })
        .collect();
    if !served.is_empty() {
        println!("  2xx sent while it was down (after the stop returned): {served:?}");
    }
    println!(
        "  error answers: {} (all 503 problem+json: {}); latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        errors.len(),
        errors
            .iter()
            .all(|s| s.status == Some(503) && s.problem_json),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "  /readyz answered while down: {} probes, {} non-2xx, slowest {:.0} ms; first 200 {:.2} s \
         after the start command returned",
        down_probes.len(),
        down_probes.len() - ready_while_down,
        probe_max.as_secs_f64() * 1000.0,
        first_ready.map_or(f64::NAN, |t| t.saturating_sub(up_at).as_secs_f64())
    );
    println!(
        "  recovered (readyz 200 and a 2xx list, create and patch) {:.2} s after PostgreSQL was up; \
         {} acknowledged creates and {} patched carriers checked afterwards",
        recovered_by.map_or(f64::NAN, |t| t.saturating_sub(up_at).as_secs_f64()),
        writes.created.len(),
        writes.patched.len()
    );
    if failures.is_empty() {
        println!("PASS pg-restart");
        Ok(true)
    } else {
        for f in failures.iter().take(20) {
            println!("  failure: {f}");
        }
        println!("FAIL pg-restart: {} failures", failures.len());
        Ok(false)
    }
}
