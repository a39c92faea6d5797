//! The carrier screens: the list, Add carrier, and a carrier's detail page.

pub mod create;
pub mod detail;
mod form;
pub mod list;
