//! Reusable building blocks of the console.

pub mod sidebar;
pub mod status;
pub mod super_admin;
