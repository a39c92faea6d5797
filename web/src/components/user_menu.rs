//! The user menu (placeholder).
