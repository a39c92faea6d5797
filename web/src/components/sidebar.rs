//! The console's navigation sidebar.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::CARRIERS_PATH;

#[component]
pub fn Sidebar() -> impl IntoView {
    view! {
        <aside class="sidebar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"O"</span>
                <span class="brand-name">"Ori console"</span>
            </div>
            <nav class="nav" aria-label="Main">
                <section class="nav-section" aria-labelledby="nav-telephony">
                    <h2 class="nav-heading" id="nav-telephony">"Telephony"</h2>
                    <ul class="nav-list">
                        <li>
                            <A href=CARRIERS_PATH attr:class="nav-link">
                                <PhoneIcon/>
                                <span>"Carriers"</span>
                            </A>
                        </li>
                    </ul>
                </section>
            </nav>
        </aside>
    }
}

#[component]
fn PhoneIcon() -> impl IntoView {
    view! {
        <svg class="nav-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <path
                fill="none"
                stroke="currentColor"
                stroke-width="1.8"
                stroke-linecap="round"
                stroke-linejoin="round"
                d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"
            ></path>
        </svg>
    }
}
