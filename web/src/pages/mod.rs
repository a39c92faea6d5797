//! One module per screen.

pub mod carriers_list;
pub mod login;
pub mod not_found;
