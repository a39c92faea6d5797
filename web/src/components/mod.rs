//! Reusable building blocks of the console.

pub mod sidebar;
