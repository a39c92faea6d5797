//! The console's navigation sidebar: links by role, and the signed-in account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::auth::{role_label, use_auth};
use crate::components::icons::PhoneIcon;
use crate::routes;

#[component]
pub fn Sidebar() -> impl IntoView {
    let auth = use_auth();
    // Carrier setup is super admin only: nobody else sees the link (the page
    // itself explains this to anyone who opens it by address).
    let super_admin = Memo::new(move |_| auth.is_super_admin());
    view! {
        <aside class="sidebar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"O"</span>
                <span class="brand-name">"Ori console"</span>
            </div>
            <nav class="nav" aria-label="Main">
                <Show when=move || super_admin.get()>
                    <section class="nav-section" aria-labelledby="nav-telephony">
                        <h2 class="nav-heading" id="nav-telephony">"Telephony"</h2>
                        <ul class="nav-list">
                            <li>
                                <A href=routes::CARRIERS attr:class="nav-link">
                                    <PhoneIcon/>
                                    <span>"Carriers"</span>
                                </A>
                            </li>
                        </ul>
                    </section>
                </Show>
            </nav>
            <Account/>
        </aside>
    }
}

/// The signed-in account and Log out, at the foot of the sidebar.
#[component]
fn Account() -> impl IntoView {
    let auth = use_auth();
    // A plain task and two signals rather than an `Action`: much less wasm.
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let logout = move || {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let result = api::log_out().await;
            pending.set(false);
            match result {
                // 401: the session had already ended, which is what Log out wants.
                Err(e) if !e.is_unauthorized() => error.set(Some(e.detail)),
                // The shell sees the signed-out session and goes to /login.
                _ => auth.sign_out(),
            }
        });
    };
    view! {
        <div class="account">
            <p class="account-email" title="Signed in as">{move || auth.email()}</p>
            <p class="account-role">{move || auth.role().map(role_label)}</p>
            <button
                type="button"
                class="btn btn-sidebar"
                disabled=move || pending.get()
                on:click=move |_| logout()
            >
                {move || if pending.get() { "Logging out…" } else { "Log out" }}
            </button>
            {move || error.get().map(|message| view! { <p class="account-error" role="alert">{message}</p> })}
        </div>
    }
}
