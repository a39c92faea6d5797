//! The bots that answer inbound calls: `GET/POST /bots`, `PATCH/DELETE /bots/{id}`.

use ori_shared::accounts::{Bot, BotWrite};
use uuid::Uuid;

use super::{ApiError, BASE, http};

fn bot_path(id: Uuid) -> String {
    format!("{BASE}/bots/{id}")
}

/// Every bot, by name, with how many numbers are assigned to each.
pub async fn list_bots() -> Result<Vec<Bot>, ApiError> {
    http::get(&format!("{BASE}/bots")).await
}

pub async fn create_bot(body: &BotWrite) -> Result<Bot, ApiError> {
    http::post(&format!("{BASE}/bots"), body).await
}

/// Renames the bot or changes its agent (bots have no `ETag`).
pub async fn update_bot(id: Uuid, body: &BotWrite) -> Result<Bot, ApiError> {
    http::patch(&bot_path(id), body).await
}

/// Deletes the bot; its numbers then report it missing ("Bot not found").
pub async fn delete_bot(id: Uuid) -> Result<(), ApiError> {
    http::delete(&bot_path(id), None).await
}
