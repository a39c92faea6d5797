//! The campaign number pool: outbound-capable numbers of synced carriers.

use ori_shared::accounts::PoolNumber;
use sqlx::Row;
use uuid::Uuid;

use super::Db;

pub async fn list(db: &Db) -> sqlx::Result<Vec<PoolNumber>> {
    let rows = sqlx::query(
        // The caller id, as the outbound trunk holds it: E.164 when known, else
        // the typed digits (which is then what `normalized` holds).
        "SELECT n.id, n.number, COALESCE(n.e164, n.normalized) AS normalized, n.label, c.id AS carrier_id, c.name AS carrier_name, \
         c.outbound_cps, c.outbound_burst, c.outbound_channels \
         FROM phone_numbers n JOIN carriers c ON c.id = n.carrier_id \
         WHERE n.direction IN ('both', 'outbound') AND c.sync_status = 'synced' \
         ORDER BY c.name_key, c.id, n.created_at, n.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let uuid = |text: String| Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(e.into()));
    let count = |n: i64| u32::try_from(n).map_err(|e| sqlx::Error::Decode(e.into()));
    rows.iter()
        .map(|row| {
            Ok(PoolNumber {
                number_id: uuid(row.try_get("id")?)?,
                number: row.try_get("number")?,
                normalized: row.try_get("normalized")?,
                label: row.try_get("label")?,
                carrier_id: uuid(row.try_get("carrier_id")?)?,
                carrier_name: row.try_get("carrier_name")?,
                outbound_cps: row.try_get("outbound_cps")?,
                outbound_burst: count(row.try_get("outbound_burst")?)?,
                outbound_channels: count(row.try_get("outbound_channels")?)?,
            })
        })
        .collect()
}
