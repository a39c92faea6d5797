//! Field rules and DTOs shared by the Ori API and the console SPA.
//!
//! Every rule of the carriers spec lives here once, as a type that cannot
//! hold an invalid value: the SPA calls the same `parse` to disable buttons
//! and show messages, the API calls it to answer 422.

pub mod accounts;
pub mod carrier;
pub mod dto;
pub mod errors;
pub mod livekit;
pub mod number;
pub mod probe;
pub mod raw;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod secret;
pub mod text;
pub mod tokens;
pub mod two_factor;

pub use errors::{FieldError, FieldErrors};
pub use secret::Secret;

#[cfg(test)]
mod fuzz_tests;
