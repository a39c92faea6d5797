//! Notifications ("toasts"): short messages that disappear by themselves, can be
//! dismissed, and are announced to screen readers.

use std::time::Duration;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::icons::CloseIcon;

/// Whether a notification reports success or failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    tone: Tone,
    message: String,
}

/// The notifications context.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    /// How long a notification stays: errors longer, so there is time to read them.
    fn lifetime(tone: Tone) -> Duration {
        match tone {
            Tone::Success => Duration::from_secs(5),
            Tone::Error => Duration::from_secs(10),
        }
    }

    pub fn provide() -> Self {
        let toasts = Self {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    pub fn success(self, message: impl Into<String>) {
        self.push(Tone::Success, message.into());
    }

    pub fn error(self, message: impl Into<String>) {
        self.push(Tone::Error, message.into());
    }

    /// A failed call, in the server's words; nothing for a 401, which signs the user out
    /// and the login page explains.
    pub fn api_error(self, error: &ApiError) {
        if !error.is_unauthorized() {
            self.error(error.detail.clone());
        }
    }

    fn push(self, tone: Tone, message: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items
            .update(|items| items.push(Toast { id, tone, message }));
        set_timeout(move || self.dismiss(id), Self::lifetime(tone));
    }

    fn dismiss(self, id: u64) {
        // The app (and so the signal) lives as long as the page: `try_` only guards tests.
        self.items.try_update(|items| items.retain(|t| t.id != id));
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Where notifications appear (bottom right). A polite live region, so screen
/// readers announce each message without interrupting; errors are `role="alert"`.
/// A named `<section>` (a region landmark), since a plain `<div>` may not carry a name.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <section class="toasts" aria-live="polite" aria-label="Notifications">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                {
                    let id = toast.id;
                    let (class, role) = match toast.tone {
                        Tone::Success => ("toast toast-success", "status"),
                        Tone::Error => ("toast toast-error", "alert"),
                    };
                    view! {
                        <div class=class role=role>
                            <p class="toast-message">{toast.message}</p>
                            <button
                                type="button"
                                class="icon-btn toast-close"
                                aria-label="Dismiss notification"
                                on:click=move |_| toasts.dismiss(id)
                            >
                                <CloseIcon/>
                            </button>
                        </div>
                    }
                }
            </For>
        </section>
    }
}
