//! One module per screen.

pub mod api_tokens;
pub mod bots;
pub mod carriers;
pub mod login;
pub mod not_found;
pub mod two_factor;
