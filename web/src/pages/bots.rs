//! The Bots page at `/dashboard/bots` (placeholder; the bots issue fills it in).

use leptos::prelude::*;

use crate::components::super_admin::SuperAdminOnly;

#[component]
pub fn BotsPage() -> impl IntoView {
    view! {
        <SuperAdminOnly>
            <header class="page-header">
                <h1>"Bots"</h1>
            </header>
        </SuperAdminOnly>
    }
}
