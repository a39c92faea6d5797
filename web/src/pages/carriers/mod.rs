//! The carrier screens: the list, Add carrier, and a carrier's detail page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::icons::BackIcon;
use crate::routes;

pub mod create;
pub mod detail;
mod form;
mod history;
pub mod list;
mod livekit_panel;
mod numbers;
mod probe_panel;
mod recipes;

/// "Back to carriers", above the header of the add and detail pages.
#[component]
fn BackLink() -> impl IntoView {
    view! {
        <div class="page-back">
            <A href=routes::CARRIERS attr:class="back-link">
                <BackIcon/>
                "Back to carriers"
            </A>
        </div>
    }
}
