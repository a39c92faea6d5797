//! Fallback for unknown routes.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::CARRIERS_PATH;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>"Page not found"</h1>
        </header>
        <section class="card placeholder">
            <p>"There is nothing at this address. "<A href=CARRIERS_PATH>"Go to Carriers"</A></p>
        </section>
    }
}
