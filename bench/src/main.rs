//! `ori-bench`: the console's benchmark harness (docs/benchmarks.md).
//!
//! ```text
//! ori-bench seed --database-url sqlite://ori.db?mode=rwc --carriers 10000 --numbers 10
//! ori-bench load --engine sqlite --carriers 10000 --numbers 10
//! ori-bench load --engine sqlite --carriers 1000,10000,100000 --json growth-sqlite.json
//! ori-bench plot --out docs/growth.svg growth-sqlite.json growth-postgres.json
//! ```

mod load;
mod plot;
mod seed;
mod server;
mod stats;
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
    /// Draw the growth plot (SVG) from `load --json` files.
    Plot {
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct LoadArgs {
    /// An `ori` built with `--release --features bench`.
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
                    ori: &args.ori,
                    engine: args.engine,
                    postgres: &args.postgres_url,
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
        Command::Plot { out, reports } => {
            let mut all: Vec<load::Report> = Vec::new();
            for path in reports {
                let text = std::fs::read_to_string(&path)?;
                all.extend(serde_json::from_str::<Vec<load::Report>>(&text)?);
            }
            std::fs::write(&out, plot::svg(&all))?;
        }
    }
    Ok(())
}
