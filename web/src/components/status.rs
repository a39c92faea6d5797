//! Loading and failure states shared by every read.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::super_admin::NotYours;

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

/// A spinner with a label, inside a page.
#[component]
pub fn InlineLoading(label: &'static str) -> impl IntoView {
    view! {
        <div class="inline-loading" role="status">
            <span class="spinner spinner-small" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// A read that failed: the server's message and a way to try again. A 403 means the
/// account is not a super admin (any more), which the spec's note explains.
#[component]
pub fn LoadError(error: ApiError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    if error.is_forbidden() {
        return view! { <NotYours/> }.into_any();
    }
    view! {
        <section class="card notice notice-error" role="alert">
            <h2>"This could not be loaded"</h2>
            <p>{error.detail}</p>
            <button type="button" class="btn" on:click=move |_| on_retry.run(())>"Try again"</button>
        </section>
    }
    .into_any()
}
