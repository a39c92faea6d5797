//! What the reachability monitor costs: N monitored carriers pointing at a SIP
//! peer on 127.0.0.1 (this process, answering 200 OK), and `ori`'s CPU time,
//! resident memory and probes over a measured window.

// The reachability tests' SIP peer, so the bench measures against the same one.
#[path = "../../api/tests/common/sip_peer.rs"]
#[allow(dead_code)] // `answering`: this bench's peer always answers
mod sip_peer;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use reqwest::Method;
use serde_json::json;

use crate::api::Api;
use crate::server::{BenchDb, Engine, Server};
use sip_peer::Peer;

pub struct Options<'a> {
    pub ori: &'a std::path::Path,
    pub engine: Engine,
    pub postgres: &'a str,
    pub carriers: usize,
    pub interval_secs: u64,
    pub measure_secs: u64,
}

/// `ori`'s user + system CPU time so far (Linux `/proc/<pid>/stat`, in clock ticks of 10 ms).
fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(") ").context("unexpected /proc stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> { Ok(fields.get(i).context("short stat")?.parse()?) };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// The probes `ori` has sent, by its `/metrics` (answered or not).
async fn probes_sent(server: &Server) -> Result<usize> {
    let text = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let mut total = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ori_reachability_probes_total{") {
            let value = rest
                .rsplit(' ')
                .next()
                .context("a metric without a value")?;
            total += value.parse::<usize>()?;
        }
    }
    Ok(total)
}

pub async fn run(options: &Options<'_>) -> Result<()> {
    let peer = Peer::start(true).await?;
    let port = peer.port;
    let db = BenchDb::create(options.engine, options.postgres).await?;
    let envs = [
        ("ORI_ALLOW_LOOPBACK_SIP".to_owned(), "true".to_owned()),
        (
            "ORI_MONITOR_INTERVAL_SECS".to_owned(),
            options.interval_secs.to_string(),
        ),
    ];
    let server = Server::start(options.ori, &db, &envs).await?;
    let pid = server.pid().context("ori has exited")?;
    let api = Api::of(&server, Duration::from_secs(30))?;
    let idle = server.memory()?;
    for i in 0..options.carriers {
        let body = json!({"name": format!("Monitored {i:05}"), "sip_address": format!("127.0.0.1:{port}"),
            "transport": "udp", "monitor_reachability": true});
        api.ok(Method::POST, "/api/v1/carriers", Some(&body))
            .await?;
    }
    // Every carrier gets its first probe at once, so probes come in rounds:
    // start half a period into one and measure whole periods, so the window
    // holds exactly as many rounds as periods.
    tokio::time::sleep(Duration::from_millis(options.interval_secs * 1500)).await;
    let (cpu0, heard0, sent0, started) = (
        cpu_time(pid)?,
        peer.probes(),
        probes_sent(&server).await?,
        Instant::now(),
    );
    let periods = (options.measure_secs / options.interval_secs).max(1);
    tokio::time::sleep(Duration::from_secs(periods * options.interval_secs)).await;
    let (cpu1, heard1, sent1, elapsed) = (
        cpu_time(pid)?,
        peer.probes(),
        probes_sent(&server).await?,
        started.elapsed(),
    );
    let memory = server.memory()?;
    let carriers: Vec<serde_json::Value> = api.carriers().await?;
    let reachable = carriers
        .iter()
        .filter(|c| c["reachability"] == "reachable")
        .count();
    server.stop().await?;
    db.drop().await?;

    let probes = sent1 - sent0;
    let heard = heard1 - heard0;
    let secs = elapsed.as_secs_f64();
    let cpu = (cpu1 - cpu0).as_secs_f64();
    let expected = options.carriers as f64 * secs / options.interval_secs as f64;
    println!(
        "| {} carriers, every {} s, {} | {:.1} probes/s (expected {:.1}; the peer heard {heard}) | CPU {:.1} % of a core, {:.0} µs per probe | RSS {:.1} MiB (idle before {:.1}) | {reachable} reachable |",
        options.carriers,
        options.interval_secs,
        options.engine.label(),
        probes as f64 / secs,
        expected / secs,
        100.0 * cpu / secs,
        1e6 * cpu / probes.max(1) as f64,
        memory.rss_mib,
        idle.rss_mib,
    );
    ensure!(
        (probes as f64) <= expected * 1.05 + options.carriers as f64 * 0.05,
        "{probes} probes in {secs:.1} s: more than once per period"
    );
    Ok(())
}
