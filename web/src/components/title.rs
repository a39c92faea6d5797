//! The document title of each page, so tabs and history read well.

use leptos::prelude::*;

const SUFFIX: &str = "Ori console";

/// Keeps `document.title` at "`title` · Ori console" while the calling page is shown.
pub fn use_title(title: impl Fn() -> String + 'static) {
    Effect::new(move |_| {
        let text = title();
        let full = if text.is_empty() {
            SUFFIX.to_owned()
        } else {
            format!("{text} · {SUFFIX}")
        };
        document().set_title(&full);
    });
}
