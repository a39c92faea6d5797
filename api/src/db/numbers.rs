//! Phone numbers (DIDs). A number is unique across all carriers by its
//! match key, the digits LiveKit would compare.

use ori_shared::dto::{NumberConfig, PhoneNumberView};
use ori_shared::number::{Direction, NumberFormat, NumberLabel, PhoneNumber};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::Db;
use super::carriers::touch_config;
use crate::time_util::{from_ms, now_ms};

/// The forms of a number stored besides the typed text, all derived from it
/// and its carrier's Destination Country and "Carrier sends numbers as".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberForms {
    /// Canonical E.164 (`+…`), when derivable.
    pub e164: Option<String>,
    /// What LiveKit's inbound trunk and dispatch rule get.
    pub normalized: String,
    /// Digits of `e164` when known, else of the number: unique.
    pub match_key: String,
}

impl NumberForms {
    pub fn of(number: &PhoneNumber, country: Option<&str>, format: NumberFormat) -> Self {
        let e164 = crate::country::e164(number, country);
        Self {
            normalized: format.called_number(number, e164.as_deref()),
            match_key: number.line_key(e164.as_deref()),
            e164,
        }
    }
}

/// A stored number with what the API shows about its bot.
#[derive(Debug, Clone)]
pub struct NumberRecord {
    pub view: PhoneNumberView,
}

impl NumberRecord {
    /// The validated fields, for applying a PATCH.
    pub fn config(&self) -> Result<NumberConfig, String> {
        Ok(NumberConfig {
            number: PhoneNumber::parse(&self.view.number)?,
            label: NumberLabel::parse_optional(self.view.label.as_deref())?,
            direction: self.view.direction,
            bot_id: self.view.bot_id,
        })
    }
}

const COLUMNS: &str = "n.id, n.carrier_id, n.number, n.normalized, n.e164, n.label, n.direction, \
    n.bot_id, n.lk_dispatch_rule_id, n.created_at, b.name AS bot_name";

fn parse_uuid(text: &str) -> sqlx::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| sqlx::Error::Decode(e.into()))
}

fn record(row: &AnyRow) -> sqlx::Result<NumberRecord> {
    let id: String = row.try_get("id")?;
    let carrier_id: String = row.try_get("carrier_id")?;
    let direction: String = row.try_get("direction")?;
    let bot_id: Option<String> = row.try_get("bot_id")?;
    let bot_name: Option<String> = row.try_get("bot_name")?;
    let bot_id = bot_id.as_deref().map(parse_uuid).transpose()?;
    Ok(NumberRecord {
        view: PhoneNumberView {
            id: parse_uuid(&id)?,
            carrier_id: parse_uuid(&carrier_id)?,
            number: row.try_get("number")?,
            normalized: row.try_get("normalized")?,
            e164: row.try_get("e164")?,
            label: row.try_get("label")?,
            direction: Direction::parse(&direction).map_err(|e| sqlx::Error::Decode(e.into()))?,
            bot_missing: bot_id.is_some() && bot_name.is_none(),
            bot_id,
            bot_name,
            livekit_dispatch_rule_id: row.try_get("lk_dispatch_rule_id")?,
            created_at: from_ms(row.try_get("created_at")?),
        },
    })
}

pub async fn list_for_carrier(db: &Db, carrier_id: Uuid) -> sqlx::Result<Vec<NumberRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM phone_numbers n LEFT JOIN bots b ON b.id = n.bot_id \
         WHERE n.carrier_id = $1 ORDER BY n.created_at, n.id"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(carrier_id.to_string())
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(record)
        .collect()
}

pub async fn get(db: &Db, carrier_id: Uuid, id: Uuid) -> sqlx::Result<Option<NumberRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM phone_numbers n LEFT JOIN bots b ON b.id = n.bot_id \
         WHERE n.carrier_id = $1 AND n.id = $2"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(carrier_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(record)
        .transpose()
}

/// The name of the carrier that already has a number with this match key.
pub async fn owner_of(db: &Db, match_key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT c.name FROM phone_numbers n JOIN carriers c ON c.id = n.carrier_id \
         WHERE n.match_key = $1",
    )
    .bind(match_key)
    .fetch_optional(&db.pool)
    .await
}

pub async fn bot_exists(db: &Db, bot_id: Uuid) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM bots WHERE id = $1")
        .bind(bot_id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// Adds a number and marks its carrier for sync, in one transaction.
pub async fn insert(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    config: &NumberConfig,
    forms: &NumberForms,
) -> sqlx::Result<Uuid> {
    let ids = insert_many(conn, &[(carrier_id, config, forms)]).await?;
    touch_config(conn, carrier_id).await?;
    ids.first()
        .copied()
        .ok_or_else(|| sqlx::Error::Protocol("the insert returned no id".into()))
}

/// Inserts numbers, a few hundred per statement, without marking their
/// carriers for sync: for carriers created in the same transaction, which
/// are due a sync already (the seeder's bulk path).
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[(Uuid, &NumberConfig, &NumberForms)],
) -> sqlx::Result<Vec<Uuid>> {
    let now = now_ms();
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let per = super::rows_per_insert(conn);
    for (chunk, chunk_ids) in rows.chunks(per).zip(ids.chunks(per)) {
        let sql = format!(
            "INSERT INTO phone_numbers (id, carrier_id, number, normalized, match_key, label, \
             direction, bot_id, created_at, updated_at, e164) VALUES {}",
            super::placeholders(chunk.len(), 11)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ((carrier_id, config, forms), id) in chunk.iter().zip(chunk_ids) {
            query = query
                .bind(id.to_string())
                .bind(carrier_id.to_string())
                .bind(config.number.entered())
                .bind(&forms.normalized)
                .bind(&forms.match_key)
                .bind(config.label.as_ref().map(NumberLabel::as_str))
                .bind(config.direction.as_str())
                .bind(config.bot_id.map(|b| b.to_string()))
                .bind(now)
                .bind(now)
                .bind(forms.e164.as_deref());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(ids)
}

pub async fn update(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    id: Uuid,
    config: &NumberConfig,
) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE phone_numbers SET label = $3, direction = $4, bot_id = $5, updated_at = $6 \
         WHERE carrier_id = $1 AND id = $2",
    )
    .bind(carrier_id.to_string())
    .bind(id.to_string())
    .bind(config.label.as_ref().map(NumberLabel::as_str))
    .bind(config.direction.as_str())
    .bind(config.bot_id.map(|b| b.to_string()))
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    touch_config(conn, carrier_id).await?;
    Ok(true)
}

/// What a deleted number leaves behind.
pub struct Deleted {
    /// The number as typed, for the audit log.
    pub number: String,
    /// Its LiveKit dispatch rule, to delete there.
    pub dispatch_rule: Option<String>,
}

/// Deletes a number; `Some(its dispatch rule id, if any)` when it existed.
/// The id comes from the deleting statement, so a concurrent sync's record
/// of a new rule is never lost.
pub async fn delete(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Deleted>> {
    let deleted: Option<(String, Option<String>)> = sqlx::query_as(
        "DELETE FROM phone_numbers WHERE carrier_id = $1 AND id = $2 \
         RETURNING number, lk_dispatch_rule_id",
    )
    .bind(carrier_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if deleted.is_some() {
        touch_config(conn, carrier_id).await?;
    }
    Ok(deleted.map(|(number, dispatch_rule)| Deleted {
        number,
        dispatch_rule,
    }))
}

/// A carrier's numbers as typed (id, number), for recomputing their forms.
pub async fn typed_numbers(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, number FROM phone_numbers WHERE carrier_id = $1 ORDER BY created_at, id",
    )
    .bind(carrier_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, number)| Ok((parse_uuid(&id)?, number)))
        .collect()
}

/// The name of another carrier (not `carrier_id`) holding this match key.
pub async fn owner_elsewhere(
    conn: &mut AnyConnection,
    match_key: &str,
    carrier_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT c.name FROM phone_numbers n JOIN carriers c ON c.id = n.carrier_id \
         WHERE n.match_key = $1 AND n.carrier_id <> $2",
    )
    .bind(match_key)
    .bind(carrier_id.to_string())
    .fetch_optional(&mut *conn)
    .await
}

/// Writes new forms for a carrier's numbers. Every key is first set to a
/// placeholder unique to its row, so two numbers exchanging keys never
/// collide half-way. The caller has checked for collisions (a concurrent
/// add that slips in still fails here, on the unique index).
pub async fn set_forms(
    conn: &mut AnyConnection,
    carrier_id: Uuid,
    forms: &[(Uuid, NumberForms)],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE phone_numbers SET match_key = '~' || id WHERE carrier_id = $1")
        .bind(carrier_id.to_string())
        .execute(&mut *conn)
        .await?;
    let now = now_ms();
    for (id, f) in forms {
        sqlx::query(
            "UPDATE phone_numbers SET e164 = $3, normalized = $4, match_key = $5, updated_at = $6 \
             WHERE carrier_id = $1 AND id = $2",
        )
        .bind(carrier_id.to_string())
        .bind(id.to_string())
        .bind(f.e164.as_deref())
        .bind(&f.normalized)
        .bind(&f.match_key)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
