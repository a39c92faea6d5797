//! A modal dialog (placeholder).
