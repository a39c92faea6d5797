//! One module per screen.

pub mod carriers_list;
pub mod not_found;
