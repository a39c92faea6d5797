//! Fallback for unknown routes.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::title::use_title;
use crate::routes;

#[component]
pub fn NotFound() -> impl IntoView {
    use_title(|| "Page not found".into());
    view! {
        <header class="page-header">
            <h1>"Page not found"</h1>
        </header>
        <section class="card placeholder">
            <p>"There is nothing at this address. "<A href=routes::CARRIERS>"Go to Carriers"</A></p>
        </section>
    }
}
