//! A carrier's phone numbers: `/carriers/{id}/numbers`.

use ori_shared::dto::{NumberCreate, NumberPatch, PhoneNumberView};
use uuid::Uuid;

use super::{ApiError, BASE, http};

fn numbers_path(carrier: Uuid) -> String {
    format!("{BASE}/carriers/{carrier}/numbers")
}

fn number_path(carrier: Uuid, number: Uuid) -> String {
    format!("{}/{number}", numbers_path(carrier))
}

/// Every number of the carrier.
pub async fn list_numbers(carrier: Uuid) -> Result<Vec<PhoneNumberView>, ApiError> {
    http::get(&numbers_path(carrier)).await
}

/// Adds a number; 409 when any carrier already holds it (the message names that carrier).
pub async fn add_number(carrier: Uuid, body: &NumberCreate) -> Result<PhoneNumberView, ApiError> {
    http::post(&numbers_path(carrier), body).await
}

pub async fn update_number(
    carrier: Uuid,
    number: Uuid,
    patch: &NumberPatch,
) -> Result<PhoneNumberView, ApiError> {
    http::patch(&number_path(carrier, number), patch).await
}

pub async fn remove_number(carrier: Uuid, number: Uuid) -> Result<(), ApiError> {
    http::delete(&number_path(carrier, number), None).await
}
