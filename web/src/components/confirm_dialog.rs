//! A confirmation in a native modal `<dialog>`: the browser keeps focus inside it,
//! closes it on Esc, makes the page behind inert, and returns focus to the button
//! that opened it.

use leptos::html::Dialog;
use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is showing; the dialog sets it back to false when closed.
    open: RwSignal<bool>,
    /// Unique id for the title (the dialog is labelled by it).
    id: &'static str,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    /// The confirm button's text, and its text while the action runs.
    confirm_label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        if open.get() {
            if !el.open() {
                let _ = el.show_modal();
            }
        } else if el.open() {
            el.close();
        }
    });
    let title_id = format!("{id}-title");
    let message_id = format!("{id}-message");
    let (labelledby, describedby) = (title_id.clone(), message_id.clone());
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            aria-labelledby=labelledby
            aria-describedby=describedby
            on:close=move |_| open.set(false)
            on:cancel=move |ev: leptos::ev::Event| {
                // Esc while the action runs would hide its outcome.
                if pending.get_untracked() {
                    ev.prevent_default();
                }
            }
        >
            <h2 id=title_id class="dialog-title">{title}</h2>
            <p id=message_id class="dialog-message">{message}</p>
            <div class="dialog-actions">
                <button
                    type="button"
                    class="btn"
                    disabled=move || pending.get()
                    on:click=move |_| open.set(false)
                >
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn btn-danger"
                    disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())
                >
                    {move || if pending.get() { pending_label } else { confirm_label }}
                </button>
            </div>
        </dialog>
    }
}
