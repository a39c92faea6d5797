//! Bots: `/bots`.

use ori_shared::accounts::Bot;

use super::{ApiError, BASE, http};

/// Every bot, for Assign Bot's choices.
pub async fn list_bots() -> Result<Vec<Bot>, ApiError> {
    http::get(&format!("{BASE}/bots")).await
}
