//! The console's navigation sidebar: links by role, and the user menu at its foot.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::use_auth;
use crate::components::icons::PhoneIcon;
use crate::components::user_menu::UserMenu;
use crate::routes;

#[component]
pub fn Sidebar() -> impl IntoView {
    let auth = use_auth();
    // Carrier setup is super admin only: nobody else sees the links (the pages
    // themselves explain this to anyone who opens them by address).
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
                            <li>
                                <A href=routes::BOTS attr:class="nav-link">
                                    <BotIcon class="nav-icon"/>
                                    <span>"Bots"</span>
                                </A>
                            </li>
                        </ul>
                    </section>
                </Show>
            </nav>
            <UserMenu/>
        </aside>
    }
}

/// A bot's head (the sidebar's Bots link, the empty bot list), drawn like the
/// icons of `icons.rs`.
#[component]
pub fn BotIcon(class: &'static str) -> impl IntoView {
    view! {
        <svg class=class viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
            <path
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
                stroke-linejoin="round"
                d="M12 8V4H8M6 8h12a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2zM2 14h2m16 0h2M9 13v2m6-2v2"
            ></path>
        </svg>
    }
}
