//! The Carrier setup guide: a dismissible side panel that changes nothing.
//!
//! Its full content (sections and provider recipes) is written in a later issue; this
//! is the panel and a short summary.

use leptos::ev::keydown;
use leptos::html::Button;
use leptos::prelude::*;

use crate::components::icons::{BookIcon, CloseIcon};

/// The header's Guide button and its panel. Opening moves focus to the panel's close
/// button; closing (button or Esc) returns it to the Guide button.
#[component]
pub fn GuideButton() -> impl IntoView {
    let open = RwSignal::new(false);
    let opener = NodeRef::<Button>::new();
    let close = move || {
        open.set(false);
        if let Some(button) = opener.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <button
            type="button"
            class="btn"
            node_ref=opener
            aria-expanded=move || open.get().to_string()
            aria-controls="guide-panel"
            on:click=move |_| open.update(|o| *o = !*o)
        >
            <BookIcon/>
            "Guide"
        </button>
        <GuidePanel open=open on_close=Callback::new(move |()| close())/>
    }
}

#[component]
fn GuidePanel(open: RwSignal<bool>, on_close: Callback<()>) -> impl IntoView {
    let close_button = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if open.get()
            && let Some(button) = close_button.get()
        {
            let _ = button.focus();
        }
    });
    let listener = window_event_listener(keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            on_close.run(());
        }
    });
    on_cleanup(move || listener.remove());
    view! {
        <aside
            id="guide-panel"
            class="guide-panel"
            class:open=move || open.get()
            aria-labelledby="guide-title"
            hidden=move || !open.get()
        >
            <header class="guide-header">
                <h2 id="guide-title">"Carrier setup guide"</h2>
                <button
                    type="button"
                    class="icon-btn"
                    node_ref=close_button
                    aria-label="Close guide"
                    on:click=move |_| on_close.run(())
                >
                    <CloseIcon/>
                </button>
            </header>
            <div class="guide-body">
                <p>
                    "A carrier is the SIP provider that carries your calls onto the phone network. "
                    "Keep your provider's trunk sheet open beside this guide and copy its values into the form."
                </p>
                <h3>"Connection"</h3>
                <p>
                    "SIP Address is the provider's trunk host, with a port if they give one "
                    "(for example sip.example.com:5060). Pick the transport they expect; Auto lets LiveKit choose."
                </p>
                <h3>"Authentication"</h3>
                <p>
                    "Outbound calls use the SIP username and password. Inbound calls use the same "
                    "credentials or an IP allowlist; choose the allowlist when the provider does not "
                    "send digest credentials on inbound calls."
                </p>
                <h3>"Pacing"</h3>
                <p>
                    "Set CPS, burst and channels to what your contract allows. The dialler respects "
                    "the tighter of these and the campaign's concurrency."
                </p>
                <p class="muted">"Phone numbers, call flows and provider recipes are coming to this guide."</p>
            </div>
        </aside>
    }
}
