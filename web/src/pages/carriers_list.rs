//! The carrier list at `/dashboard/carriers` (placeholder for now).

use leptos::prelude::*;

use crate::components::super_admin::SuperAdminOnly;

#[component]
pub fn CarriersList() -> impl IntoView {
    view! {
        <SuperAdminOnly>
            <header class="page-header">
                <h1>"Carriers"</h1>
            </header>
            <section class="card placeholder">
                <p>"The carrier screens are coming soon."</p>
            </section>
        </SuperAdminOnly>
    }
}
