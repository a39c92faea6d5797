//! A modal dialog for forms: a native `<dialog>` opened with `showModal()` (the page
//! behind becomes inert, Esc asks to close), plus what the browser leaves to us: focus
//! moves to the first field, Tab and Shift+Tab wrap inside the dialog instead of
//! leaving for the browser's toolbar, and focus goes back to the element that opened
//! it when it closes.
//!
//! The dialog is open for as long as the component is mounted: render it under a
//! `<Show>` and close it by unmounting (`on_close` asks the owner to do that).

use leptos::ev::{Event, KeyboardEvent};
use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// What can take focus with Tab: enabled controls and links. Radio buttons are
/// narrowed to the one Tab stops at in each group (see [`tab_stops`]).
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

#[component]
pub fn Modal(
    /// The id of the dialog's title, which names it.
    labelledby: &'static str,
    /// Asked when the user presses Esc; not while `busy`.
    on_close: Callback<()>,
    /// While true (a save runs), Esc does nothing: closing would hide its outcome.
    #[prop(into)]
    busy: Signal<bool>,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let opener = document()
        .active_element()
        .and_then(|el| el.dyn_into::<HtmlElement>().ok());
    let opener = StoredValue::new_local(opener);

    dialog.on_load(move |el| {
        if !el.open() {
            let _ = el.show_modal();
        }
        if let Some(first) = tab_stops(&el).first() {
            let _ = first.focus();
        }
    });
    on_cleanup(move || {
        // Closed first: while a modal dialog is open everything outside it is inert,
        // and would refuse the focus.
        if let Some(el) = dialog.get_untracked() {
            el.close();
        }
        if let Some(el) = opener.try_get_value().flatten()
            && el.is_connected()
        {
            let _ = el.focus();
        }
    });

    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(el) = dialog.get_untracked() else {
            return;
        };
        let stops = tab_stops(&el);
        let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
            return;
        };
        let active = document().active_element();
        let at = |target: &HtmlElement| active.as_ref().is_some_and(|a| a == &**target);
        let wrap_to = if ev.shift_key() && at(first) {
            last
        } else if !ev.shift_key() && at(last) {
            first
        } else {
            return;
        };
        ev.prevent_default();
        let _ = wrap_to.focus();
    };

    view! {
        <dialog
            node_ref=dialog
            class=format!("dialog modal {class}")
            role="dialog"
            aria-modal="true"
            aria-labelledby=labelledby
            on:keydown=on_keydown
            on:cancel=move |ev: Event| {
                // The browser would close the dialog by itself; its owner decides.
                ev.prevent_default();
                if !busy.get_untracked() {
                    on_close.run(());
                }
            }
        >
            {children()}
        </dialog>
    }
}

/// The dialog's Tab stops in order: focusable, shown, and for radio groups only the
/// checked radio (or the first when none is checked), as the browser tabs them.
fn tab_stops(dialog: &web_sys::HtmlDialogElement) -> Vec<HtmlElement> {
    let Ok(nodes) = dialog.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    let mut stops: Vec<HtmlElement> = Vec::new();
    let mut groups_seen: Vec<String> = Vec::new();
    for i in 0..nodes.length() {
        let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else {
            continue;
        };
        if el.get_client_rects().length() == 0 {
            continue; // hidden
        }
        if let Some(radio) = el.dyn_ref::<web_sys::HtmlInputElement>()
            && radio.type_() == "radio"
        {
            let group = radio.name();
            if groups_seen.contains(&group) {
                continue;
            }
            let checked = dialog
                .query_selector(&format!("input[type=radio][name='{group}']:checked"))
                .ok()
                .flatten()
                .and_then(|n| n.dyn_into::<HtmlElement>().ok());
            groups_seen.push(group);
            stops.push(checked.unwrap_or(el));
            continue;
        }
        stops.push(el);
    }
    stops
}
