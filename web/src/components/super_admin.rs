//! The role guard of the super-admin pages (carriers, bots).

use leptos::prelude::*;

use crate::auth::use_auth;

/// The super-admin area a page belongs to; its note names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Area {
    #[default]
    Carriers,
    Bots,
}

impl Area {
    fn page(self) -> &'static str {
        match self {
            Self::Carriers => "Carriers",
            Self::Bots => "Bots",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Self::Carriers => "Carrier setup is super admin only",
            Self::Bots => "Bot setup is super admin only",
        }
    }

    fn ask(self) -> &'static str {
        match self {
            Self::Carriers => {
                "If a carrier or phone number needs changing, ask a super admin on your team."
            }
            Self::Bots => "If a bot needs adding or changing, ask a super admin on your team.",
        }
    }
}

/// Shows its children to super admins; everyone else gets a friendly note
/// (not an error: carrier setup is simply not their job).
#[component]
pub fn SuperAdminOnly(#[prop(optional)] area: Area, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let super_admin = Memo::new(move |_| auth.is_super_admin());
    view! {
        <Show when=move || super_admin.get() fallback=move || view! { <NotYours area/> }>
            {children()}
        </Show>
    }
}

/// What a member or admin sees on a super-admin page.
#[component]
pub fn NotYours(#[prop(optional)] area: Area) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{area.page()}</h1>
        </header>
        <section class="card notice notice-info" aria-labelledby="not-yours-heading">
            <h2 id="not-yours-heading">{area.heading()}</h2>
            <p>
                "The " {area.page()} " link appears in the sidebar only for super admins. "
                "This page is not yours to manage — that is expected, not a fault."
            </p>
            <p>{area.ask()}</p>
        </section>
    }
}
