//! The audit log: who changed what, written in the same transaction as the
//! change. Field names only — never the values of secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ori_shared::accounts::AuditEntry;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::Db;
use crate::auth::AuthUser;
use crate::time_util::{from_ms, now_ms};

/// One change to record.
pub struct Event<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    /// The carrier whose history shows this event: the carrier's own, or its number's.
    pub carrier_id: Option<String>,
    pub fields: Vec<&'a str>,
    pub detail: Option<String>,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            carrier_id: None,
            fields: Vec::new(),
            detail: None,
        }
    }

    /// Shows the event in this carrier's history.
    pub fn carrier(mut self, carrier_id: impl ToString) -> Self {
        self.carrier_id = Some(carrier_id.to_string());
        self
    }

    pub fn fields(mut self, fields: Vec<&'a str>) -> Self {
        self.fields = fields;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

pub async fn record(
    conn: &mut AnyConnection,
    actor: Option<&AuthUser>,
    event: Event<'_>,
) -> sqlx::Result<()> {
    let fields = serde_json::to_string(&event.fields).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, action, target_type, target_id, carrier_id, fields, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(now_ms())
    .bind(actor.map(|a| a.id.to_string()))
    .bind(actor.map(|a| a.email.clone()))
    .bind(event.action)
    .bind(event.target_type)
    .bind(event.target_id)
    .bind(event.carrier_id)
    .bind(fields)
    .bind(event.detail)
    .execute(conn)
    .await?;
    Ok(())
}

fn encode_cursor(at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}:{id}"))
}

pub fn decode_cursor(text: &str) -> Option<(i64, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (at, id) = text.split_once(':')?;
    Uuid::parse_str(id).ok()?;
    Some((at.parse().ok()?, id.to_owned()))
}

/// Which events a page lists.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    /// Events about one target id.
    Target(&'a str),
    /// A carrier's history: its own events and its numbers'.
    Carrier(&'a str),
}

/// Newest first, narrowed by `scope`.
pub async fn list(
    db: &Db,
    scope: Scope<'_>,
    limit: u32,
    before: Option<&(i64, String)>,
) -> sqlx::Result<(Vec<AuditEntry>, Option<String>)> {
    let mut sql = String::from(
        "SELECT id, at, actor_id, actor_email, action, target_type, target_id, carrier_id, fields, \
         detail FROM audit_log WHERE 1 = 1",
    );
    let mut n = 1;
    let narrowed_to = match scope {
        Scope::All => None,
        Scope::Target(id) => Some(("target_id", id)),
        Scope::Carrier(id) => Some(("carrier_id", id)),
    };
    if let Some((column, _)) = narrowed_to {
        sql.push_str(&format!(" AND {column} = ${n}"));
        n += 1;
    }
    if before.is_some() {
        sql.push_str(&format!(
            " AND (at < ${n} OR (at = ${n} AND id < ${}))",
            n + 1
        ));
        n += 2;
    }
    sql.push_str(&format!(" ORDER BY at DESC, id DESC LIMIT ${n}"));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some((_, id)) = narrowed_to {
        query = query.bind(id.to_owned());
    }
    if let Some((at, id)) = before {
        query = query.bind(*at).bind(id.clone());
    }
    let rows = query.bind(i64::from(limit) + 1).fetch_all(&db.pool).await?;
    let mut items = Vec::new();
    let mut next = None;
    for (i, row) in rows.iter().enumerate() {
        if i == limit as usize {
            break;
        }
        let id: String = row.try_get("id")?;
        let at: i64 = row.try_get("at")?;
        let actor_id: Option<String> = row.try_get("actor_id")?;
        let carrier_id: Option<String> = row.try_get("carrier_id")?;
        let fields: String = row.try_get("fields")?;
        if i + 1 == limit as usize && rows.len() > limit as usize {
            next = Some(encode_cursor(at, &id));
        }
        items.push(AuditEntry {
            id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(e.into()))?,
            at: from_ms(at),
            actor_id: actor_id.and_then(|a| Uuid::parse_str(&a).ok()),
            actor_email: row.try_get("actor_email")?,
            action: row.try_get("action")?,
            target_type: row.try_get("target_type")?,
            target_id: row.try_get("target_id")?,
            carrier_id: carrier_id.and_then(|c| Uuid::parse_str(&c).ok()),
            fields: serde_json::from_str(&fields).unwrap_or_default(),
            detail: row.try_get("detail")?,
        });
    }
    Ok((items, next))
}
