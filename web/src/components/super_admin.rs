//! The role guard of the carrier pages.

use leptos::prelude::*;

use crate::auth::use_auth;

/// Shows its children to super admins; everyone else gets a friendly note
/// (not an error: carrier setup is simply not their job).
#[component]
pub fn SuperAdminOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let super_admin = Memo::new(move |_| auth.is_super_admin());
    view! {
        <Show when=move || super_admin.get() fallback=NotYours>
            {children()}
        </Show>
    }
}

/// What a member or admin sees on a carrier page.
#[component]
pub fn NotYours() -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>"Carriers"</h1>
        </header>
        <section class="card notice notice-info" aria-labelledby="not-yours-heading">
            <h2 id="not-yours-heading">"Carrier setup is super admin only"</h2>
            <p>
                "The Carriers link appears in the sidebar only for super admins. "
                "This page is not yours to manage — that is expected, not a fault."
            </p>
            <p>"If a carrier or phone number needs changing, ask a super admin on your team."</p>
        </section>
    }
}
