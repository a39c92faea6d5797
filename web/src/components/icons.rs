//! Inline SVG icons (stroke-drawn, sized by CSS, hidden from screen readers: the
//! button or text beside each icon carries the meaning).

use leptos::prelude::*;

/// One stroked 24×24 icon from its path data.
#[component]
fn Icon(d: &'static str, #[prop(default = "icon")] class: &'static str) -> impl IntoView {
    view! {
        <svg class=class viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
            <path
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
                stroke-linejoin="round"
                d=d
            ></path>
        </svg>
    }
}

#[component]
pub fn CloseIcon() -> impl IntoView {
    view! { <Icon d="M18 6 6 18M6 6l12 12"/> }
}

#[component]
pub fn PlusIcon() -> impl IntoView {
    view! { <Icon d="M12 5v14M5 12h14"/> }
}

#[component]
pub fn BackIcon() -> impl IntoView {
    view! { <Icon d="M19 12H5m7 7-7-7 7-7"/> }
}

#[component]
pub fn BookIcon() -> impl IntoView {
    view! { <Icon d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5v14zM20 17v4H6.5A2.5 2.5 0 0 1 4 18.5"/> }
}

/// Turns while a sync runs (see `.spin` in the stylesheet).
#[component]
pub fn SyncIcon(#[prop(into)] spinning: Signal<bool>) -> impl IntoView {
    view! {
        <span class="icon-wrap" class:spin=move || spinning.get()>
            <Icon d="M21 12a9 9 0 0 1-15.5 6.2L3 16m0 5v-5h5M3 12a9 9 0 0 1 15.5-6.2L21 8m0-5v5h-5"/>
        </span>
    }
}

#[component]
pub fn PencilIcon() -> impl IntoView {
    view! { <Icon d="M17 3a2.8 2.8 0 0 1 4 4L7.5 20.5 2 22l1.5-5.5z"/> }
}

#[component]
pub fn TrashIcon() -> impl IntoView {
    view! { <Icon d="M3 6h18M8 6V4h8v2m3 0-1 14H6L5 6"/> }
}

#[component]
pub fn SearchIcon() -> impl IntoView {
    view! { <Icon d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zm10 2-4.3-4.3" class="icon search-icon"/> }
}

/// The sidebar's Carriers icon.
#[component]
pub fn PhoneIcon() -> impl IntoView {
    view! {
        <Icon
            class="nav-icon"
            d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"
        />
    }
}

/// The empty carrier list's illustration: a trunk between two endpoints.
#[component]
pub fn TrunkIcon() -> impl IntoView {
    view! {
        <Icon
            class="empty-icon"
            d="M5 12h14M5 12a2 2 0 1 1-4 0 2 2 0 0 1 4 0zm18 0a2 2 0 1 1-4 0 2 2 0 0 1 4 0zM9 8l-4 4 4 4m6-8 4 4-4 4"
        />
    }
}

/// A key: API tokens.
#[component]
pub fn KeyIcon(#[prop(default = "icon")] class: &'static str) -> impl IntoView {
    view! { <Icon class d="m21 2-2 2m-7.61 7.61a5.5 5.5 0 1 1-7.778 7.778 5.5 5.5 0 0 1 7.777-7.777zm0 0L15.5 7.5m0 0 3 3L22 7l-3-3m-3.5 3.5L19 4"/> }
}

/// Points right: a link to another page.
#[component]
pub fn ChevronRightIcon(#[prop(default = "icon")] class: &'static str) -> impl IntoView {
    view! { <Icon class d="m9 18 6-6-6-6"/> }
}
