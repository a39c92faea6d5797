//! Carriers and their allowlists.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ori_shared::carrier::{InboundAuth, Transport, inbound_open};
use ori_shared::dto::{CarrierConfig, CarrierCurrent, CarrierSummary, Reachability, SyncStatus};
use ori_shared::number::NumberFormat;
use ori_shared::probe::ProbeResult;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::remote::{CONFIG_CHANGED, DISPATCH_RULE, TRUNK};
use super::{Backend, Db, like_escape};
use crate::time_util::{from_ms, now_ms};

/// A carrier as stored, with its allowlist and DID count.
#[derive(Debug, Clone)]
pub struct CarrierRecord {
    pub id: Uuid,
    pub name: String,
    pub sip_address: String,
    pub transport: Transport,
    pub destination_country: Option<String>,
    pub number_format: NumberFormat,
    pub username: Option<String>,
    /// Encrypted; see [`crate::crypto`].
    pub password_secret: Option<Vec<u8>>,
    pub inbound_auth: InboundAuth,
    pub allowed_ips: Vec<String>,
    pub cps: f64,
    pub burst: u32,
    pub channels: u32,
    pub did_count: u32,
    /// Numbers that take inbound calls (direction both or inbound).
    pub inbound_count: u32,
    pub version: i64,
    pub config_rev: i64,
    pub synced_rev: i64,
    pub sync_status: SyncStatus,
    pub sync_error: Option<String>,
    pub last_synced_at: Option<i64>,
    pub lk_outbound_trunk_id: Option<String>,
    pub lk_inbound_trunk_id: Option<String>,
    /// What we last sent for each trunk (see `db::sync`); `None`: send again.
    pub lk_outbound_digest: Option<String>,
    pub lk_inbound_digest: Option<String>,
    /// The last sync error is one a retry cannot fix.
    pub sync_needs_change: bool,
    /// A sync may have created objects whose ids it never recorded.
    pub lk_unconfirmed: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub monitor_reachability: bool,
    /// The monitor's verdict and last probe (`Off`/`None` when not monitored).
    pub reachability: Reachability,
    pub last_probe: Option<ProbeResult>,
}

impl CarrierRecord {
    /// The plain values a PATCH applies to.
    pub fn current(&self) -> CarrierCurrent {
        CarrierCurrent {
            name: self.name.clone(),
            sip_address: self.sip_address.clone(),
            transport: self.transport,
            destination_country: self.destination_country.clone(),
            number_format: self.number_format,
            username: self.username.clone(),
            has_password: self.password_secret.is_some(),
            allowed_ips: self.allowed_ips.clone(),
            inbound_auth: self.inbound_auth,
            cps: self.cps,
            burst: self.burst,
            channels: self.channels,
            monitor_reachability: self.monitor_reachability,
        }
    }
}

/// The columns a create or update writes.
pub struct CarrierWrite<'a> {
    pub config: &'a CarrierConfig,
    pub password_secret: Option<Vec<u8>>,
}

impl CarrierWrite<'_> {
    fn name_key(&self) -> String {
        self.config.name.as_str().to_lowercase()
    }

    fn search_text(&self) -> String {
        format!(
            "{} {}",
            self.config.name.as_str(),
            self.config.sip_address.as_str()
        )
        .to_lowercase()
    }

    fn allowed_ips(&self) -> Vec<String> {
        self.config
            .allowed_ips
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

const CARRIER_COLUMNS: &str = "c.id, c.name, c.sip_address, c.transport, c.destination_country, \
    c.number_format, c.username, c.password_secret, c.inbound_auth, c.outbound_cps, c.outbound_burst, \
    c.outbound_channels, c.version, c.config_rev, c.synced_rev, c.sync_status, c.sync_error, \
    c.last_synced_at, c.lk_outbound_trunk_id, c.lk_inbound_trunk_id, c.lk_outbound_digest, \
    c.lk_inbound_digest, c.sync_needs_change, c.lk_unconfirmed, c.created_at, c.updated_at, \
    c.monitor_reachability, r.state AS reachability, r.last_result, \
    (SELECT COUNT(*) FROM phone_numbers n WHERE n.carrier_id = c.id) AS did_count, \
    (SELECT COUNT(*) FROM phone_numbers n WHERE n.carrier_id = c.id AND n.direction <> 'outbound') \
    AS inbound_count";

fn uuid_col(row: &AnyRow, col: &str) -> sqlx::Result<Uuid> {
    let text: String = row.try_get(col)?;
    Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(e.into()))
}

fn u32_col(row: &AnyRow, col: &str) -> sqlx::Result<u32> {
    let n: i64 = row.try_get(col)?;
    u32::try_from(n).map_err(|e| sqlx::Error::Decode(e.into()))
}

fn decode_err(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {what} {value:?} in the database").into())
}

fn record(row: &AnyRow, allowed_ips: Vec<String>) -> sqlx::Result<CarrierRecord> {
    let transport: String = row.try_get("transport")?;
    let inbound_auth: String = row.try_get("inbound_auth")?;
    let sync_status: String = row.try_get("sync_status")?;
    Ok(CarrierRecord {
        id: uuid_col(row, "id")?,
        name: row.try_get("name")?,
        sip_address: row.try_get("sip_address")?,
        transport: Transport::parse(&transport).map_err(|_| decode_err("transport", &transport))?,
        destination_country: row.try_get("destination_country")?,
        number_format: {
            let text: String = row.try_get("number_format")?;
            NumberFormat::parse(&text).map_err(|_| decode_err("number_format", &text))?
        },
        username: row.try_get("username")?,
        password_secret: row.try_get("password_secret")?,
        inbound_auth: InboundAuth::parse(&inbound_auth)
            .map_err(|_| decode_err("inbound_auth", &inbound_auth))?,
        allowed_ips,
        cps: row.try_get("outbound_cps")?,
        burst: u32_col(row, "outbound_burst")?,
        channels: u32_col(row, "outbound_channels")?,
        did_count: u32_col(row, "did_count")?,
        inbound_count: u32_col(row, "inbound_count")?,
        version: row.try_get("version")?,
        config_rev: row.try_get("config_rev")?,
        synced_rev: row.try_get("synced_rev")?,
        sync_status: SyncStatus::parse(&sync_status)
            .ok_or_else(|| decode_err("sync_status", &sync_status))?,
        sync_error: row.try_get("sync_error")?,
        last_synced_at: row.try_get("last_synced_at")?,
        lk_outbound_trunk_id: row.try_get("lk_outbound_trunk_id")?,
        lk_inbound_trunk_id: row.try_get("lk_inbound_trunk_id")?,
        lk_outbound_digest: row.try_get("lk_outbound_digest")?,
        lk_inbound_digest: row.try_get("lk_inbound_digest")?,
        sync_needs_change: row.try_get::<i64, _>("sync_needs_change")? != 0,
        lk_unconfirmed: row.try_get::<i64, _>("lk_unconfirmed")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        monitor_reachability: row.try_get::<i64, _>("monitor_reachability")? != 0,
        reachability: reachability(row)?,
        // A result this build cannot read is no result, not a failed page.
        last_probe: row
            .try_get::<Option<String>, _>("last_result")?
            .and_then(|json| serde_json::from_str(&json).ok()),
    })
}

/// The monitor's verdict in a row with `reachability` (`carrier_probes.state`,
/// NULL when the carrier is not monitored).
fn reachability(row: &AnyRow) -> sqlx::Result<Reachability> {
    match row.try_get::<Option<String>, _>("reachability")? {
        None => Ok(Reachability::Off),
        Some(text) => Reachability::parse(&text).ok_or_else(|| decode_err("reachability", &text)),
    }
}

pub async fn get(db: &Db, id: Uuid) -> sqlx::Result<Option<CarrierRecord>> {
    let sql = format!(
        "SELECT {CARRIER_COLUMNS} FROM carriers c \
         LEFT JOIN carrier_probes r ON r.carrier_id = c.id WHERE c.id = $1"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let ips = sqlx::query_scalar::<_, String>(
        "SELECT value FROM carrier_allowed_ips WHERE carrier_id = $1 ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&db.pool)
    .await?;
    record(&row, ips).map(Some)
}

/// Inserts a carrier; the caller's transaction also holds its audit row.
pub async fn insert(conn: &mut AnyConnection, write: &CarrierWrite<'_>) -> sqlx::Result<Uuid> {
    let ids = insert_many(conn, std::slice::from_ref(write)).await?;
    ids.first()
        .copied()
        .ok_or_else(|| sqlx::Error::Protocol("the insert returned no id".into()))
}

/// Inserts new carriers and their allowlists, a few hundred rows per
/// statement (the seeder's bulk path; [`insert`] is one of these).
pub async fn insert_many(
    conn: &mut AnyConnection,
    writes: &[CarrierWrite<'_>],
) -> sqlx::Result<Vec<Uuid>> {
    const COLUMNS: usize = 17;
    let now = now_ms();
    let ids: Vec<Uuid> = writes.iter().map(|_| Uuid::now_v7()).collect();
    let rows = super::rows_per_insert(conn);
    for (chunk, chunk_ids) in writes.chunks(rows).zip(ids.chunks(rows)) {
        let sql = format!(
            "INSERT INTO carriers (id, name, name_key, search_text, sip_address, transport, \
             destination_country, username, password_secret, inbound_auth, outbound_cps, \
             outbound_burst, outbound_channels, created_at, updated_at, number_format, \
             monitor_reachability) VALUES {}",
            super::placeholders(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (write, id) in chunk.iter().zip(chunk_ids) {
            let c = write.config;
            query = query
                .bind(id.to_string())
                .bind(c.name.as_str())
                .bind(write.name_key())
                .bind(write.search_text())
                .bind(c.sip_address.as_str())
                .bind(c.transport.as_str())
                .bind(c.destination_country.as_deref())
                .bind(c.username.as_deref())
                .bind(write.password_secret.as_deref())
                .bind(c.inbound_auth.as_str())
                .bind(c.cps.get())
                .bind(i64::from(c.burst.get()))
                .bind(i64::from(c.channels.get()))
                .bind(now)
                .bind(now)
                .bind(c.number_format.as_str())
                .bind(i64::from(c.monitor_reachability));
        }
        query.execute(&mut *conn).await?;
    }
    let ips: Vec<(Uuid, usize, String)> = writes
        .iter()
        .zip(&ids)
        .flat_map(|(write, id)| {
            write
                .allowed_ips()
                .into_iter()
                .enumerate()
                .map(|(position, ip)| (*id, position, ip))
        })
        .collect();
    insert_allowed_ips(conn, &ips).await?;
    Ok(ids)
}

/// Inserts (carrier, position, address) rows.
async fn insert_allowed_ips(
    conn: &mut AnyConnection,
    rows: &[(Uuid, usize, String)],
) -> sqlx::Result<()> {
    for chunk in rows.chunks(super::rows_per_insert(conn)) {
        let sql = format!(
            "INSERT INTO carrier_allowed_ips (carrier_id, position, value) VALUES {}",
            super::placeholders(chunk.len(), 3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, position, ip) in chunk {
            query = query.bind(id.to_string()).bind(*position as i64).bind(ip);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes the new configuration if the carrier is still at `version`;
/// `false` when someone else changed it first.
pub async fn update(
    conn: &mut AnyConnection,
    id: Uuid,
    version: i64,
    write: &CarrierWrite<'_>,
) -> sqlx::Result<bool> {
    let c = write.config;
    let updated = sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET name = $3, name_key = $4, search_text = $5, sip_address = $6, \
         transport = $7, destination_country = $8, username = $9, password_secret = $10, \
         inbound_auth = $11, outbound_cps = $12, outbound_burst = $13, outbound_channels = $14, \
         updated_at = $15, number_format = $16, monitor_reachability = $17, version = version + 1, \
         {CONFIG_CHANGED} \
         WHERE id = $1 AND version = $2"
    )))
    .bind(id.to_string())
    .bind(version)
    .bind(c.name.as_str())
    .bind(write.name_key())
    .bind(write.search_text())
    .bind(c.sip_address.as_str())
    .bind(c.transport.as_str())
    .bind(c.destination_country.as_deref())
    .bind(c.username.as_deref())
    .bind(write.password_secret.as_deref())
    .bind(c.inbound_auth.as_str())
    .bind(c.cps.get())
    .bind(i64::from(c.burst.get()))
    .bind(i64::from(c.channels.get()))
    .bind(now_ms())
    .bind(c.number_format.as_str())
    .bind(i64::from(c.monitor_reachability))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    replace_allowed_ips(conn, id, &write.allowed_ips()).await?;
    Ok(true)
}

async fn replace_allowed_ips(
    conn: &mut AnyConnection,
    id: Uuid,
    ips: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM carrier_allowed_ips WHERE carrier_id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    let rows: Vec<_> = ips
        .iter()
        .enumerate()
        .map(|(position, ip)| (id, position, ip.clone()))
        .collect();
    insert_allowed_ips(conn, &rows).await
}

/// Deletes the carrier (if still at `version`, when given) and its numbers,
/// returning the LiveKit objects they held so they can be tombstoned; `None`
/// when nothing was deleted (the caller's transaction then rolls back).
///
/// The ids are read by the deleting statements themselves (`RETURNING`), so a
/// sync recording a new id at the same moment is either seen here or finds
/// the row gone and tombstones its object itself.
pub async fn delete(
    conn: &mut AnyConnection,
    id: Uuid,
    version: Option<i64>,
) -> sqlx::Result<Option<Vec<(&'static str, String)>>> {
    let rules: Vec<Option<String>> = sqlx::query_scalar(
        "DELETE FROM phone_numbers WHERE carrier_id = $1 RETURNING lk_dispatch_rule_id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let row = match version {
        Some(v) => {
            sqlx::query(
                "DELETE FROM carriers WHERE id = $1 AND version = $2 \
                 RETURNING lk_outbound_trunk_id, lk_inbound_trunk_id",
            )
            .bind(id.to_string())
            .bind(v)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(
                "DELETE FROM carriers WHERE id = $1 RETURNING lk_outbound_trunk_id, lk_inbound_trunk_id",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let mut remote: Vec<(&'static str, String)> = Vec::new();
    for col in ["lk_outbound_trunk_id", "lk_inbound_trunk_id"] {
        remote.extend(row.try_get::<Option<String>, _>(col)?.map(|t| (TRUNK, t)));
    }
    remote.extend(rules.into_iter().flatten().map(|r| (DISPATCH_RULE, r)));
    Ok(Some(remote))
}

/// Marks the carrier changed after a write to its numbers: a new ETag
/// version (its `did_count` and numbers are part of it) and a new revision.
pub async fn touch_config(conn: &mut AnyConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE carriers SET {CONFIG_CHANGED}, version = version + 1, updated_at = $2 WHERE id = $1"
    )))
    .bind(id.to_string())
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Where a page of the list starts: after this (name_key, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub name_key: String,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}", self.id, self.name_key))
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (id, name_key) = text.split_once('\n')?;
        Uuid::parse_str(id).ok()?;
        // No name holds a NUL (PostgreSQL cannot even store one in text): a
        // cursor with one was not made here, and binding it would fail the query.
        if name_key.contains('\0') {
            return None;
        }
        Some(Self {
            name_key: name_key.to_owned(),
            id: id.to_owned(),
        })
    }
}

#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<CarrierSummary>,
    pub total: u64,
    pub next: Option<Cursor>,
}

/// One page of carriers whose name or SIP address contains `q` (any case),
/// ordered by name, with the total number of matches.
///
/// One statement: the page's ids are chosen first (an index walk by name,
/// or the search index's matches), with the total beside them, and only
/// those rows get their badge and DID counts.
pub async fn list(db: &Db, q: &str, limit: u32, after: Option<&Cursor>) -> sqlx::Result<ListPage> {
    let q = q.trim().to_lowercase();
    let q = q.as_str();
    // Parameters: $1 page size + 1, then the cursor, then the pattern.
    let mut n = 1;
    let keyset = if after.is_some() {
        n += 2;
        "WHERE (m.name_key, m.id) > ($2, $3)"
    } else {
        ""
    };
    let search = search_filter(db.backend, q, n + 1);
    let matches = match &search {
        Some((filter, _)) => format!(
            "SELECT c.id, c.name_key, COUNT(*) OVER () AS total FROM carriers c WHERE {filter}"
        ),
        // Kept by triggers (migration *_list_counts.sql); uncorrelated, so
        // read once per statement.
        None => "SELECT id, name_key, \
             (SELECT CAST(SUM(carriers) AS BIGINT) FROM carrier_totals) AS total FROM carriers"
            .to_owned(),
    };
    let sql = format!(
        "SELECT c.id, c.name, c.name_key, c.sip_address, c.outbound_cps, c.outbound_burst, \
         c.sync_status, c.last_synced_at, p.total, r.state AS reachability, \
         CASE WHEN c.password_secret IS NULL THEN 0 ELSE 1 END AS has_password, \
         (SELECT COUNT(*) FROM carrier_allowed_ips a WHERE a.carrier_id = c.id) AS allowed_ip_count, \
         (SELECT COUNT(*) FROM phone_numbers d WHERE d.carrier_id = c.id) AS did_count, \
         (SELECT COUNT(*) FROM phone_numbers d WHERE d.carrier_id = c.id AND d.direction <> 'outbound') AS inbound_count \
         FROM (SELECT m.id, m.name_key, m.total FROM ({matches}) m {keyset} \
               ORDER BY m.name_key, m.id LIMIT $1) p \
         JOIN carriers c ON c.id = p.id \
         LEFT JOIN carrier_probes r ON r.carrier_id = c.id \
         ORDER BY p.name_key, p.id"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(i64::from(limit) + 1);
    if let Some(cursor) = after {
        query = query.bind(&cursor.name_key).bind(&cursor.id);
    }
    if let Some((_, pattern)) = search {
        query = query.bind(pattern);
    }
    let rows = query.fetch_all(&db.pool).await?;
    // The page's rows carry the total; an empty page has none to carry,
    // which from the start means nothing matches.
    let total: i64 = match rows.first() {
        Some(row) => row.try_get("total")?,
        None if after.is_none() => 0,
        None => count(db, q).await?,
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut next = None;
    for (i, row) in rows.iter().enumerate() {
        if i == limit as usize {
            break;
        }
        let status: String = row.try_get("sync_status")?;
        let last: Option<i64> = row.try_get("last_synced_at")?;
        let has_password: i64 = row.try_get("has_password")?;
        items.push(CarrierSummary {
            id: uuid_col(row, "id")?,
            name: row.try_get("name")?,
            sip_address: row.try_get("sip_address")?,
            has_password: has_password == 1,
            allowed_ip_count: u32_col(row, "allowed_ip_count")?,
            inbound_open: inbound_open(
                u32_col(row, "inbound_count")?,
                has_password == 1,
                u32_col(row, "allowed_ip_count")? as usize,
            ),
            did_count: u32_col(row, "did_count")?,
            outbound_cps: row.try_get("outbound_cps")?,
            outbound_burst: u32_col(row, "outbound_burst")?,
            sync_status: SyncStatus::parse(&status)
                .ok_or_else(|| decode_err("sync_status", &status))?,
            last_synced_at: last.map(from_ms),
            reachability: reachability(row)?,
        });
        if i + 1 == limit as usize && rows.len() > limit as usize {
            next = Some(Cursor {
                name_key: row.try_get("name_key")?,
                id: row.try_get("id")?,
            });
        }
    }
    Ok(ListPage {
        items,
        total: u64::try_from(total).unwrap_or(0),
        next,
    })
}

/// How many carriers match `q` (lower-cased; empty matches all).
async fn count(db: &Db, q: &str) -> sqlx::Result<i64> {
    match search_filter(db.backend, q, 1) {
        None => {
            sqlx::query_scalar("SELECT CAST(SUM(carriers) AS BIGINT) FROM carrier_totals")
                .fetch_one(&db.pool)
                .await
        }
        Some((filter, pattern)) => {
            sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM carriers c WHERE {filter}"
            )))
            .bind(pattern)
            .fetch_one(&db.pool)
            .await
        }
    }
}

/// The condition on `carriers c` that keeps those whose search text
/// contains `q` (lower-cased), with its parameter `$param`'s value; `None`
/// when `q` is empty.
///
/// Both engines use a trigram index for terms of three or more characters
/// (migrations `*_search_index.sql`): PostgreSQL's pg_trgm serves `LIKE`
/// itself; SQLite's FTS5 table is asked for a phrase, which with the
/// trigram tokenizer means "contains". Shorter terms have no trigram and
/// scan.
fn search_filter(backend: Backend, q: &str, param: usize) -> Option<(String, String)> {
    if q.is_empty() {
        return None;
    }
    if backend == Backend::Sqlite && q.chars().count() >= 3 {
        return Some((
            format!(
                "c.id IN (SELECT carrier_id FROM carriers_search WHERE carriers_search MATCH ${param})"
            ),
            format!("\"{}\"", q.replace('"', "\"\"")),
        ));
    }
    Some((
        format!("c.search_text LIKE ${param} ESCAPE '\\'"),
        format!("%{}%", like_escape(q)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor {
            name_key: "acme\ntrunk ü".into(),
            id: Uuid::nil().to_string(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not base64!"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("x\ny")), None);
        // Found by tests/fuzz_http.rs: a NUL in the name part was a 500 on PostgreSQL.
        let nul = URL_SAFE_NO_PAD.encode(format!("{}\n\0", Uuid::nil()));
        assert_eq!(Cursor::decode(&nul), None);
    }
}
