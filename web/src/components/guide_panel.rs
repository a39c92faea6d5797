//! The Carrier setup guide: a dismissible side panel that changes nothing.
//!
//! Its text is `web/guide.html`, an HTML fragment of our own that Trunk copies into
//! `dist/`: the long text stays out of the wasm. The panel fetches it the first time
//! it opens, keeps it in memory for the rest of the page's life (both pages' panels
//! share it; nothing is stored in the browser) and inserts it as HTML. It is our file,
//! from our origin, with no scripts or style attributes (the CSP allows neither).

use std::cell::RefCell;
use std::sync::Arc;

use gloo_net::http::Request;
use leptos::ev::{MouseEvent, keydown};
use leptos::html::Button;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDetailsElement, HtmlElement};

use crate::components::icons::{BookIcon, CloseIcon};
use crate::components::status::InlineLoading;

/// Where Trunk puts the guide's text (`<link data-trunk rel="copy-file">`).
const GUIDE_URL: &str = "/guide.html";

thread_local! {
    /// The guide's HTML once fetched.
    static FETCHED: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// The guide's text in the panel.
#[derive(Clone)]
enum Text {
    /// Not asked for yet: the panel has not been opened.
    Unasked,
    Loading,
    Ready(Arc<str>),
    Failed,
}

/// Fills `text` with the guide, fetching it unless an earlier panel already did.
fn load(text: RwSignal<Text>) {
    if let Some(html) = FETCHED.with_borrow(Clone::clone) {
        text.set(Text::Ready(html));
        return;
    }
    text.set(Text::Loading);
    spawn_local(async move {
        let next = match fetch_guide().await {
            Some(html) => {
                FETCHED.set(Some(html.clone()));
                Text::Ready(html)
            }
            None => Text::Failed,
        };
        // The page (and its panel) may be gone by now.
        text.try_set(next);
    });
}

async fn fetch_guide() -> Option<Arc<str>> {
    let response = Request::get(GUIDE_URL)
        .header("Accept", "text/html")
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    response.text().await.ok().map(Arc::from)
}

/// A click on one of the guide's in-panel links (`href="#id"`): show the target
/// inside the panel (opening it if it is a recipe) and move focus there, instead of
/// letting the router navigate to a `#hash` URL.
///
/// Other links (each recipe's "Use this recipe", to `/dashboard/carriers/create?recipe=…`)
/// are left to the router, which navigates inside the app: the page, and this panel with
/// it, goes away, so the panel needs no closing.
fn follow_link(ev: MouseEvent) {
    let Some(link) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest("a[href^='#']").ok().flatten())
    else {
        return;
    };
    ev.prevent_default();
    let href = link.get_attribute("href").unwrap_or_default();
    let Some(target) = document().get_element_by_id(&href[1..]) else {
        return;
    };
    // A recipe: open it and focus its summary.
    let focus = match target.dyn_ref::<HtmlDetailsElement>() {
        Some(details) => {
            details.set_open(true);
            target.query_selector("summary").ok().flatten()
        }
        None => Some(target.clone()),
    };
    target.scroll_into_view();
    if let Some(el) = focus.and_then(|el| el.dyn_into::<HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

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
    let text = RwSignal::new(Text::Unasked);
    Effect::new(move |_| {
        if open.get() {
            if matches!(text.get_untracked(), Text::Unasked) {
                load(text);
            }
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    let listener = window_event_listener(keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            on_close.run(());
        }
    });
    on_cleanup(move || listener.remove());
    let retry = move |_| {
        // The Try again button is about to go: keep focus in the panel.
        if let Some(button) = close_button.get_untracked() {
            let _ = button.focus();
        }
        load(text);
    };
    view! {
        // A labelled region, not an <aside>: it sits inside <main>, where a complementary
        // landmark should not be.
        <section
            id="guide-panel"
            class="guide-panel"
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
            <div class="guide-body" on:click=follow_link>
                {move || match text.get() {
                    Text::Unasked | Text::Loading => {
                        view! { <InlineLoading label="Loading the guide…"/> }.into_any()
                    }
                    Text::Ready(html) => view! { <div class="guide-text" inner_html=html></div> }.into_any(),
                    Text::Failed => view! {
                        <div class="guide-error" role="alert">
                            <p>"The guide could not be loaded. Check your connection and try again."</p>
                            <button type="button" class="btn" on:click=retry>"Try again"</button>
                        </div>
                    }
                    .into_any(),
                }}
            </div>
        </section>
    }
}
