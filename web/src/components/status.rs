//! Loading and empty-state building blocks.

use leptos::prelude::*;

/// A centred spinner for the moments before the session is known.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="center-page" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span class="visually-hidden">"Loading…"</span>
        </div>
    }
}
