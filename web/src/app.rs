//! The application: router, the signed-in shell (sidebar and main area) and
//! the login page outside it.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Redirect, Route, Router, Routes},
    path,
};

use crate::{
    auth::{Auth, Status, use_auth},
    components::{
        sidebar::Sidebar,
        status::Loading,
        toast::{ToastRegion, Toasts},
    },
    pages::{
        api_tokens::ApiTokensPage,
        bots::BotsPage,
        carriers::{create::CarrierCreatePage, detail::CarrierDetailPage, list::CarriersListPage},
        login::Login,
        not_found::NotFound,
        two_factor::TwoFactorPage,
    },
    routes,
};

#[component]
pub fn App() -> impl IntoView {
    Auth::provide();
    Toasts::provide();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=Login/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=|| view! { <Redirect path=routes::CARRIERS/> }/>
                    <Route path=path!("dashboard") view=|| view! { <Redirect path=routes::CARRIERS/> }/>
                    <Route path=path!("dashboard/carriers") view=CarriersListPage/>
                    <Route path=path!("dashboard/carriers/create") view=CarrierCreatePage/>
                    <Route path=path!("dashboard/carriers/:id") view=CarrierDetailPage/>
                    <Route path=path!("dashboard/bots") view=BotsPage/>
                    <Route path=path!("dashboard/api-tokens") view=ApiTokensPage/>
                    <Route path=path!("dashboard/two-factor") view=TwoFactorPage/>
                    <Route path=path!("*any") view=NotFound/>
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}

/// Everything but the login page: needs a session; without one, goes to `/login`.
/// A super admin who must turn on two-factor sign-in sees only that page.
#[component]
fn Shell() -> impl IntoView {
    let auth = use_auth();
    let status = Memo::new(move |_| auth.status());
    let location = leptos_router::hooks::use_location();
    let navigate = leptos_router::hooks::use_navigate();
    let must_enrol = Memo::new(move |_| auth.two_factor_setup_required());
    Effect::new(move |_| {
        if must_enrol.get() && location.pathname.get() != routes::TWO_FACTOR {
            navigate(routes::TWO_FACTOR, Default::default());
        }
    });
    move || match status.get() {
        Status::Checking => view! { <Loading/> }.into_any(),
        Status::SignedOut => view! { <Redirect path=routes::LOGIN/> }.into_any(),
        Status::Unreachable => view! { <Unreachable/> }.into_any(),
        Status::SignedIn => view! {
            <div class="shell">
                <Sidebar/>
                <main class="main" id="main">
                    <Outlet/>
                </main>
            </div>
        }
        .into_any(),
    }
}

/// The session check failed for another reason than "not signed in".
#[component]
pub fn Unreachable() -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="center-page">
            <section class="card notice" role="alert">
                <h1>"The console is not answering"</h1>
                <p>{move || auth.unreachable_reason()}</p>
                <button type="button" class="btn btn-primary" on:click=move |_| auth.check()>
                    "Try again"
                </button>
            </section>
        </div>
    }
}
