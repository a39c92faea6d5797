//! The application shell: router, sidebar and main area.

use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path,
};

use crate::{
    components::sidebar::Sidebar,
    pages::{carriers_list::CarriersList, not_found::NotFound},
};

/// Path of the carrier list, the console's landing page for now.
pub const CARRIERS_PATH: &str = "/dashboard/carriers";

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <div class="shell">
                <Sidebar/>
                <main class="main" id="main">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Redirect path=CARRIERS_PATH/> }/>
                        <Route path=path!("/dashboard") view=|| view! { <Redirect path=CARRIERS_PATH/> }/>
                        <Route path=path!("/dashboard/carriers") view=CarriersList/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
