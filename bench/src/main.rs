//! `ori-bench`: the console's benchmark harness (docs/benchmarks.md).
//!
//! ```text
//! ori-bench seed --database-url sqlite://ori.db?mode=rwc --carriers 10000 --numbers 10
//! ori-bench load --engine sqlite --carriers 10000 --numbers 10
//! ori-bench load --engine sqlite --carriers 1000,10000,100000 --json growth-sqlite.json
//! ori-bench plot --out docs/growth.svg growth-sqlite.json growth-postgres.json
//! ori-bench fault kill9 --engine postgres --kills 20
//! ori-bench fault pg-restart --down-secs 5
//! ori-bench sync --engine postgres --dirty 1000 --replicas 1,2 --full-pass-carriers 10000
//! ori-bench monitor --engine sqlite --carriers 1000 --interval-secs 60
//! ```

mod api;
mod fault;
mod load;
mod monitor;
mod plot;
mod seed;
mod server;
mod stats;
mod sync;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::server::Engine;

#[derive(Parser)]
#[command(about = "Seeds and load-tests the Ori console")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill a database with N carriers × M numbers (migrating it first).
    Seed {
        #[arg(long, env = "ORI_DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 10_000)]
        carriers: usize,
        /// Numbers per carrier.
        #[arg(long, default_value_t = 10)]
        numbers: usize,
    },
    /// Seed a fresh database, start `ori` on it and load each route with wrk.
    Load {
        #[command(flatten)]
        load: LoadArgs,
        /// Carrier counts to run at, one after another (the growth table).
        #[arg(long, value_delimiter = ',', default_value = "10000")]
        carriers: Vec<usize>,
    },
    /// LiveKit sync figures against the LiveKit double: save → synced,
    /// reconcile of many dirty carriers by one or more replicas, a full pass.
    Sync {
        #[command(flatten)]
        target: Target,
        /// Rounds per case; each figure is the median over them.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Concurrent writers of the save → synced case, one run each.
        #[arg(long, value_delimiter = ',', default_value = "1,16")]
        writers: Vec<usize>,
        /// Edits per save → synced run.
        #[arg(long, default_value_t = 400)]
        edits: usize,
        /// Dirty carriers (× 3 numbers) of the reconcile case.
        #[arg(long, default_value_t = 1_000)]
        dirty: usize,
        /// Replicas sharing the reconcile, one run each.
        #[arg(long, value_delimiter = ',', default_value = "1")]
        replicas: Vec<usize>,
        /// Synced carriers of the full-pass case; 0 skips it.
        #[arg(long, default_value_t = 10_000)]
        full_pass_carriers: usize,
        /// Extra environment for `ori`, e.g. `ORI_SYNC_CONCURRENCY=8`.
        #[arg(long = "env", value_parser = parse_env)]
        envs: Vec<(String, String)>,
    },
    /// What the reachability monitor costs `ori`: N monitored carriers
    /// answered by a local SIP peer; CPU, memory and probes per second.
    Monitor {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1_000)]
        carriers: usize,
        /// `ORI_MONITOR_INTERVAL_SECS` for the run.
        #[arg(long, default_value_t = 60)]
        interval_secs: u64,
        /// The measured window, after one period of warm-up.
        #[arg(long, default_value_t = 120)]
        measure_secs: u64,
    },
    /// Draw the growth plot (SVG) from `load --json` files.
    Plot {
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
    /// Fault runs against real `ori` processes; each prints PASS or FAIL
    /// and exits non-zero on FAIL.
    Fault {
        #[command(subcommand)]
        fault: FaultCommand,
    },
}

#[derive(Subcommand)]
enum FaultCommand {
    /// SIGKILL `ori` at random moments while it syncs, restart it on the same
    /// database, repeat; then LiveKit must equal the database exactly.
    Kill9 {
        #[command(flatten)]
        target: Target,
        /// Carriers (3 numbers each, with a bot) before the first kill.
        #[arg(long, default_value_t = 12)]
        carriers: usize,
        #[arg(long, default_value_t = 20)]
        kills: usize,
        /// Each kill comes 0 to this many milliseconds after the edits start.
        #[arg(long, default_value_t = 1500)]
        max_delay_ms: u64,
        /// `ORI_SYNC_LEASE_MS` for the run.
        #[arg(long, default_value_t = 1500)]
        lease_ms: u64,
        /// `ORI_SYNC_FULL_PASS_SECS` for the run (the default is ori's).
        #[arg(long, default_value_t = 300)]
        full_pass_secs: u64,
    },
    /// Stop PostgreSQL (a throwaway cluster of its own) under load and start
    /// it again: 503 problems while it is down, then recovery by itself.
    PgRestart {
        /// An `ori` built with `--release`.
        #[arg(long, default_value = "target/release/ori")]
        ori: PathBuf,
        /// Where `initdb` and `pg_ctl` are.
        #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
        pg_bin: PathBuf,
        /// Concurrent clients (each lists, creates and patches in turn).
        #[arg(long, default_value_t = 8)]
        workers: usize,
        /// Seconds PostgreSQL stays down.
        #[arg(long, default_value_t = 5)]
        down_secs: u64,
        /// Slowest answer allowed, in milliseconds.
        #[arg(long, default_value_t = 5000)]
        bound_ms: u64,
    },
}

/// Which `ori` runs, on which database.
#[derive(clap::Args)]
struct Target {
    /// An `ori` built with `--release` (`load`'s baseline route needs `--features bench`).
    #[arg(long, default_value = "target/release/ori")]
    ori: PathBuf,
    #[arg(long, value_enum, default_value = "sqlite")]
    engine: Engine,
    #[arg(
        long,
        env = "ORI_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
}

#[derive(clap::Args)]
struct LoadArgs {
    #[command(flatten)]
    target: Target,
    /// Numbers per carrier.
    #[arg(long, default_value_t = 10)]
    numbers: usize,
    /// Rounds per case; each figure is the median over them.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Seconds per wrk run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Only these cases (comma-separated), e.g. `list,search_miss,detail`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also write the reports as JSON here (for the growth plot).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Extra environment for `ori`, e.g. `ORI_READ_CACHE_MS=0`.
    #[arg(long = "env", value_parser = parse_env)]
    envs: Vec<(String, String)>,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text:?} is not KEY=VALUE"))
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Seed {
            database_url,
            carriers,
            numbers,
        } => {
            let seeded = seed::seed(&database_url, carriers, numbers).await?;
            println!(
                "seeded {} carriers and {} numbers in {:.1} s",
                seeded.carriers, seeded.numbers, seeded.seconds
            );
        }
        Command::Load {
            load: args,
            carriers,
        } => {
            let mut reports = Vec::new();
            for count in carriers {
                let options = load::Options {
                    ori: &args.target.ori,
                    engine: args.target.engine,
                    postgres: &args.target.postgres_url,
                    carriers: count,
                    numbers: args.numbers,
                    rounds: args.rounds,
                    duration: Duration::from_secs(args.seconds),
                    connections: args.connections,
                    only: &args.only,
                    envs: &args.envs,
                };
                let report = load::run(&options).await?;
                println!("{}", load::markdown(&report, args.connections));
                reports.push(report);
            }
            if let Some(path) = &args.json {
                std::fs::write(path, serde_json::to_string_pretty(&reports)?)?;
            }
        }
        Command::Sync {
            target,
            rounds,
            writers,
            edits,
            dirty,
            replicas,
            full_pass_carriers,
            envs,
        } => {
            sync::run(&sync::Options {
                ori: &target.ori,
                engine: target.engine,
                postgres: &target.postgres_url,
                rounds,
                writers: &writers,
                edits,
                dirty,
                replicas: &replicas,
                full_pass_carriers,
                envs: &envs,
            })
            .await?;
        }
        Command::Monitor {
            target,
            carriers,
            interval_secs,
            measure_secs,
        } => {
            monitor::run(&monitor::Options {
                ori: &target.ori,
                engine: target.engine,
                postgres: &target.postgres_url,
                carriers,
                interval_secs: interval_secs.max(1),
                measure_secs,
            })
            .await?;
        }
        Command::Plot { out, reports } => {
            let mut all: Vec<load::Report> = Vec::new();
            for path in reports {
                let text = std::fs::read_to_string(&path)?;
                all.extend(serde_json::from_str::<Vec<load::Report>>(&text)?);
            }
            std::fs::write(&out, plot::svg(&all))?;
        }
        Command::Fault { fault } => {
            let passed = match fault {
                FaultCommand::Kill9 {
                    target,
                    carriers,
                    kills,
                    max_delay_ms,
                    lease_ms,
                    full_pass_secs,
                } => {
                    fault::kill9(&fault::Kill9Options {
                        ori: &target.ori,
                        engine: target.engine,
                        postgres: &target.postgres_url,
                        carriers,
                        kills,
                        max_delay_ms,
                        lease_ms,
                        full_pass_secs,
                    })
                    .await?
                }
                FaultCommand::PgRestart {
                    ori,
                    pg_bin,
                    workers,
                    down_secs,
                    bound_ms,
                } => {
                    fault::pg_restart(&fault::PgRestartOptions {
                        ori: &ori,
                        pg_bin: &pg_bin,
                        workers,
                        down_secs,
                        bound_ms,
                    })
                    .await?
                }
            };
            if !passed {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
