//! Reusable building blocks of the console.

pub mod badge;
pub mod confirm_dialog;
pub mod guide_panel;
pub mod icons;
pub mod inbound_banner;
pub mod modal;
pub mod relative_time;
pub mod sidebar;
pub mod status;
pub mod super_admin;
pub mod sync_banner;
pub mod tag_input;
pub mod title;
pub mod toast;
pub mod user_menu;
