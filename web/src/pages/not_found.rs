//! Fallback for unknown routes: a calm note with a way back, like a carrier that
//! does not exist.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::title::use_title;
use crate::routes;

#[component]
pub fn NotFound() -> impl IntoView {
    use_title(|| "Page not found".into());
    view! {
        <section class="card notice" aria-labelledby="page-not-found">
            <h1 id="page-not-found">"Page not found"</h1>
            <p>"There is nothing at this address. The link may be old or mistyped."</p>
            <A href=routes::CARRIERS attr:class="btn">"Go to Carriers"</A>
        </section>
    }
}
