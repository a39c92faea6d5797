//! One module per screen.

pub mod carriers;
pub mod login;
pub mod not_found;
