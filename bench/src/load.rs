//! API load at a fixed concurrency, each figure beside the bench-only
//! baseline route measured in the same round (see docs/benchmarks.md).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::server::{BenchDb, Engine, Server};
use crate::wrk::{self, Case, Figures};
use crate::{seed, stats};

/// A search that matches one carrier in 100 (one `zoneNN`).
pub const SEARCH_HIT: &str = "zone42";
/// A search that matches nothing.
pub const SEARCH_MISS: &str = "no-such-carrier";
/// How deep the deep-cursor case starts: half way through 10,000.
const DEEP_PAGES: usize = 100;

pub struct Options<'a> {
    pub ori: &'a Path,
    pub engine: Engine,
    pub postgres: &'a str,
    pub carriers: usize,
    pub numbers: usize,
    pub rounds: usize,
    pub duration: Duration,
    pub connections: u32,
    /// Only these cases (all when empty).
    pub only: &'a [String],
    /// Extra environment for `ori`.
    pub envs: &'a [(String, String)],
}

/// The medians of one case over the rounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub case: String,
    pub rps: f64,
    pub ratio: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: f64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub engine: String,
    pub carriers: usize,
    pub numbers: usize,
    pub seed_seconds: f64,
    pub cold_start_ms: f64,
    pub idle_rss_mib: f64,
    pub peak_rss_mib: f64,
    pub page_bytes: usize,
    pub baseline_bytes: usize,
    pub rows: Vec<Row>,
}

pub async fn run(options: &Options<'_>) -> Result<Report> {
    let db = BenchDb::create(options.engine, options.postgres).await?;
    let seeded = seed::seed(&db.url, options.carriers, options.numbers).await?;
    eprintln!(
        "seeded {} carriers and {} numbers in {:.1} s",
        seeded.carriers, seeded.numbers, seeded.seconds
    );
    let server = Server::start(options.ori, &db, options.envs).await?;
    let result = measure(options, &server, seeded.seconds).await;
    server.stop().await?;
    db.drop().await?;
    result
}

async fn measure(options: &Options<'_>, server: &Server, seed_seconds: f64) -> Result<Report> {
    // Idle: after the SPA's best compression, which runs once after start.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = server.memory()?;
    let (page, page_bytes) = server.get("/api/v1/carriers").await?;
    let (_, baseline_bytes) = server
        .get("/bench/baseline")
        .await
        .context("the server has no /bench/baseline: build it with --features bench")?;
    let detail_id = page["items"][25]["id"]
        .as_str()
        .context("fewer than 26 carriers")?
        .to_owned();
    let (deep_cursor, ids) = walk(server).await?;
    let scratch = tempfile::tempdir()?;
    let ids_file = scratch.path().join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n"))?;

    let baseline = Case {
        name: "baseline",
        path: "/bench/baseline".into(),
        request: None,
        init: None,
    };
    let reads = [
        get("list", "/api/v1/carriers".into()),
        get("search_hit", format!("/api/v1/carriers?q={SEARCH_HIT}")),
        get("search_miss", format!("/api/v1/carriers?q={SEARCH_MISS}")),
        get(
            "deep_cursor",
            format!("/api/v1/carriers?cursor={deep_cursor}"),
        ),
        get("detail", format!("/api/v1/carriers/{detail_id}")),
    ];
    let writes = [create_case(), patch_case(&ids_file)];
    let wanted =
        |case: &Case| options.only.is_empty() || options.only.iter().any(|o| o == case.name);
    let mut samples: Vec<(&'static str, Vec<(Figures, f64)>)> = Vec::new();
    for group in [&reads[..], &writes[..]] {
        let cases: Vec<&Case> = group.iter().filter(|c| wanted(c)).collect();
        if cases.is_empty() {
            continue;
        }
        for round in 0..options.rounds {
            let base = wrk_run(options, server, &baseline, scratch.path()).await?;
            push(&mut samples, "baseline", base, 1.0);
            for case in &cases {
                let figures = wrk_run(options, server, case, scratch.path()).await?;
                push(&mut samples, case.name, figures, figures.rps() / base.rps());
                eprintln!(
                    "  round {} {:<12} {:>8.0} req/s ({:>4.0} % of baseline {:>6.0})  p50 {:>6.2} ms  p99 {:>6.2} ms{}",
                    round + 1,
                    case.name,
                    figures.rps(),
                    100.0 * figures.rps() / base.rps(),
                    base.rps(),
                    figures.p50_us / 1e3,
                    figures.p99_us / 1e3,
                    if figures.errors > 0.0 {
                        format!("  {} errors", figures.errors)
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    let peak = server.memory()?;
    Ok(Report {
        engine: options.engine.label().to_owned(),
        carriers: options.carriers,
        numbers: options.numbers,
        seed_seconds,
        cold_start_ms: server.cold_start.as_secs_f64() * 1e3,
        idle_rss_mib: idle.rss_mib,
        peak_rss_mib: peak.peak_mib,
        page_bytes,
        baseline_bytes,
        rows: samples
            .into_iter()
            .map(|(case, runs)| Row {
                case: case.to_owned(),
                rps: stats::median(runs.iter().map(|(f, _)| f.rps())),
                ratio: stats::median(runs.iter().map(|(_, r)| *r)),
                p50_ms: stats::median(runs.iter().map(|(f, _)| f.p50_us / 1e3)),
                p99_ms: stats::median(runs.iter().map(|(f, _)| f.p99_us / 1e3)),
                errors: runs.iter().map(|(f, _)| f.errors).sum(),
            })
            .collect(),
    })
}

fn push(
    samples: &mut Vec<(&'static str, Vec<(Figures, f64)>)>,
    case: &'static str,
    figures: Figures,
    ratio: f64,
) {
    match samples.iter_mut().find(|(name, _)| *name == case) {
        Some((_, runs)) => runs.push((figures, ratio)),
        None => samples.push((case, vec![(figures, ratio)])),
    }
}

async fn wrk_run(
    options: &Options<'_>,
    server: &Server,
    case: &Case,
    scratch: &Path,
) -> Result<Figures> {
    let figures = wrk::run(
        &server.base,
        &server.auth,
        case,
        options.connections,
        options.duration,
        scratch,
    )
    .await?;
    ensure!(
        figures.requests > 0.0,
        "{}: no request completed",
        case.name
    );
    Ok(figures)
}

fn get(name: &'static str, path: String) -> Case {
    Case {
        name,
        path,
        request: None,
        init: None,
    }
}

/// Threads number themselves, so names are unique across threads and runs.
const THREAD_IDS: &str = "
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set(\"tid\", threads)
end
counter = 0
";

fn create_case() -> Case {
    let run = Uuid::new_v4().simple().to_string();
    let run = &run[..8];
    Case {
        name: "create",
        path: "/api/v1/carriers".into(),
        init: Some(THREAD_IDS.into()),
        request: Some(format!(
            "  counter = counter + 1
  local n = string.format(\"{run}-%d-%d\", tid, counter)
  return wrk.format(\"POST\", nil, nil,
    '{{\"name\":\"Bench ' .. n .. '\",\"sip_address\":\"b' .. n .. '.bench.example.net\"}}')"
        )),
    }
}

/// Pacing edits spread over the first pages' carriers, without If-Match.
fn patch_case(ids: &Path) -> Case {
    Case {
        name: "patch",
        path: "/api/v1/carriers".into(),
        init: Some(format!(
            "{THREAD_IDS}ids = {{}}\nfor line in io.lines({:?}) do ids[#ids + 1] = line end\n",
            ids.display()
        )),
        request: Some(
            "  counter = counter + 1
  local id = ids[((counter * 7919 + tid * 104729) % #ids) + 1]
  return wrk.format(\"PATCH\", \"/api/v1/carriers/\" .. id, nil,
    string.format('{\"outbound_cps\":%d}', counter % 10 + 1))"
                .into(),
        ),
    }
}

/// Follows `next_cursor` [`DEEP_PAGES`] pages (or to the end), returning the
/// last cursor and the ids seen.
async fn walk(server: &Server) -> Result<(String, Vec<String>)> {
    let mut cursor: Option<String> = None;
    let mut ids = Vec::new();
    for _ in 0..DEEP_PAGES {
        let path = match &cursor {
            Some(c) => format!("/api/v1/carriers?cursor={c}"),
            None => "/api/v1/carriers".into(),
        };
        let (page, _) = server.get(&path).await?;
        ids.extend(
            page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["id"].as_str().map(str::to_owned)),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    match cursor {
        Some(c) => Ok((c, ids)),
        None => bail!("the list has a single page: seed more carriers"),
    }
}

/// The report as the Markdown table docs/benchmarks.md holds.
pub fn markdown(report: &Report, connections: u32) -> String {
    let mut out = format!(
        "### {}: {} carriers × {} numbers, {connections} connections\n\n\
         Seeded in {:.1} s; cold start {:.0} ms; RSS idle {:.1} MiB, peak under load {:.1} MiB; \
         list page {} bytes, baseline body {} bytes.\n\n\
         | case | req/s | share of baseline | p50 ms | p99 ms | errors |\n\
         |---|---:|---:|---:|---:|---:|\n",
        report.engine,
        report.carriers,
        report.numbers,
        report.seed_seconds,
        report.cold_start_ms,
        report.idle_rss_mib,
        report.peak_rss_mib,
        report.page_bytes,
        report.baseline_bytes,
    );
    for row in &report.rows {
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} % | {:.2} | {:.2} | {} |\n",
            row.case,
            row.rps,
            100.0 * row.ratio,
            row.p50_ms,
            row.p99_ms,
            row.errors
        ));
    }
    out
}
