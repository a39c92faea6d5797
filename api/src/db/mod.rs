//! The database: SQLite (embedded default) or PostgreSQL, chosen by URL, with
//! one set of portable runtime queries (`$n` placeholders work on both).

pub mod audit;
pub mod bots;
pub mod carriers;
pub mod memo;
pub mod numbers;
pub mod pool;
pub mod probes;
pub mod remote;
pub mod sessions;
pub mod sync;
pub mod tokens;
pub mod two_factor;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection, Executor};

/// What start-up says when the search index cannot be built.
const PG_TRGM_MISSING: &str = "PostgreSQL could not create the pg_trgm extension, which the \
    carrier search index needs. It ships with PostgreSQL (Debian: the postgresql package; \
    elsewhere often postgresql-contrib) and is trusted, so the database's owner may create it: \
    connect as the owner or a superuser and run `CREATE EXTENSION pg_trgm;` in this database, \
    then start the console again";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// This process's committed writes: what makes a memo stale.
    pub writes: Arc<memo::Writes>,
    pub memos: Arc<Memos>,
    /// SQLite has one writer at a time: this process's writing transactions
    /// queue here, in order, rather than in SQLite's busy handler, which
    /// sleeps up to 100 ms between tries (p99 of 64 concurrent creates:
    /// 200 ms before, see docs/benchmarks.md).
    write_gate: Arc<tokio::sync::Mutex<()>>,
}

/// How long a request waits for a database connection before it is answered
/// 503: with the database down, the pool keeps trying to connect until then
/// (docs/benchmarks.md, "PostgreSQL restarted under load").
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long `/readyz` waits for the database to answer.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a memo keeps a read by default, in milliseconds
/// (`ORI_READ_CACHE_MS`).
pub const READ_CACHE_MS: u64 = 1_000;

/// The reads worth keeping for a moment (see [`memo`]).
#[derive(Debug)]
pub struct Memos {
    /// The session behind a request, by (session, user).
    pub sessions: memo::Memo<(uuid::Uuid, uuid::Uuid), Option<sessions::SessionRecord>>,
    /// API tokens by hash.
    pub tokens: memo::Memo<String, Option<tokens::Presented>>,
}

impl Memos {
    fn new(ttl: Duration) -> Self {
        Self {
            sessions: memo::Memo::new(ttl, 4096),
            tokens: memo::Memo::new(ttl, 4096),
        }
    }
}

/// A writing transaction (see [`Db::begin`]); its commit makes this
/// process's memos stale.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    writes: Arc<memo::Writes>,
    /// Held until the transaction ends (SQLite).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await?;
        self.writes.note();
        Ok(())
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("ORI_DATABASE_URL must start with sqlite:// or postgres://");
        };
        if backend == Backend::Sqlite {
            create_sqlite_dir(url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy
                        // timeout queues writers instead of failing them.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .after_release(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite && conn.is_in_transaction() {
                        // A dropped transaction's ROLLBACK is queued: let it run.
                        conn.ping().await?;
                        // Still open: SQLite rolled the transaction back by
                        // itself (a full disk, an I/O error), so sqlx's
                        // ROLLBACK failed and it counts one open for good;
                        // every later BEGIN on this connection would fail.
                        // Close it; the pool opens a fresh one.
                        return Ok(!conn.is_in_transaction());
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("connecting to the database ({})", crate::redact::url(url)))?;
        let db = Self {
            pool,
            backend,
            writes: Arc::default(),
            memos: Arc::new(Memos::new(Duration::from_millis(READ_CACHE_MS))),
            write_gate: Arc::default(),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The same database with memos kept for `ttl` (zero: none).
    pub fn with_read_cache(mut self, ttl: Duration) -> Self {
        self.memos = Arc::new(Memos::new(ttl));
        self
    }

    /// Notes a write made outside [`Db::begin`] (a single statement), once
    /// it is committed.
    pub fn wrote(&self) {
        self.writes.note();
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite")
                .run(&self.pool)
                .await
                .map_err(anyhow::Error::from),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres")
                .run(&self.pool)
                .await
                .map_err(|e| {
                    let text = e.to_string();
                    let e = anyhow::Error::from(e);
                    if text.contains("pg_trgm") || text.contains("gin_trgm_ops") {
                        e.context(PG_TRGM_MISSING)
                    } else {
                        e
                    }
                }),
        }
        .context("running database migrations")
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock
    /// at once (`BEGIN IMMEDIATE`), waiting out the busy timeout for another
    /// writer: a deferred transaction that reads first and writes later
    /// fails at once with "database is locked" when another connection
    /// wrote in between, and the search index's triggers read before they
    /// write. Every transaction here writes, so every one starts this way.
    pub async fn begin(&self) -> sqlx::Result<WriteTx> {
        let turn = self.write_turn().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            #[allow(clippy::disallowed_methods)] // this is the one home of `begin`
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            writes: self.writes.clone(),
            _turn: turn,
        })
    }

    /// This process's turn at SQLite's one writer, for a writing statement
    /// outside [`Db::begin`] (the sync's fenced updates): hold it while the
    /// statement runs. Without it, concurrent statements wait in SQLite's
    /// busy handler, which sleeps 1–100 ms between tries. PostgreSQL has
    /// row locks, so there is nothing to wait for.
    pub async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(_)))
    }
}

fn create_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    Ok(())
}

/// Rows per multi-row `INSERT`. PostgreSQL takes 500 (8,000 parameters at
/// 16 columns, far below its 65,535) to save round trips; on SQLite, binding
/// looks each parameter's name up in a list, so a statement's cost grows
/// with the square of its parameters (500 rows: 10 s to seed 10,000
/// carriers × 10 numbers; 40 rows: 2.3 s).
fn rows_per_insert(conn: &sqlx::AnyConnection) -> usize {
    if conn.backend_name() == "SQLite" {
        40
    } else {
        500
    }
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` parameters each.
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
