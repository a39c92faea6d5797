//! The API tokens page at `/dashboard/api-tokens`, reached from the user menu: your
//! tokens for scripts and integrations (name, role, prefix, times, status), Revoke
//! with a confirmation, and Create token, whose dialog then shows the secret once
//! with a Copy button.
//!
//! Every signed-in role has this page: each account manages only its own tokens. The
//! field rules come from `ApiTokenCreate::validate` in the shared crate, the code the
//! API runs.

use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use leptos::ev::SubmitEvent;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::FieldError;
use ori_shared::accounts::Role;
use ori_shared::raw::RawNumber;
use ori_shared::tokens::{
    ApiToken, ApiTokenCreate, ApiTokenCreated, TokenStatus, assignable_roles,
};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiError};
use crate::auth::{role_label, use_auth};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icons::{KeyIcon, PlusIcon};
use crate::components::relative_time::{RelativeTime, absolute, day};
use crate::components::status::{InlineLoading, LoadError};
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::components::user_menu::FieldInput;

/// The header's Create token button, where focus goes when a row it was on is gone.
const CREATE_ID: &str = "create-token";

/// The Expires choices: the select's value, its label, and the days sent.
const EXPIRY_CHOICES: [(&str, &str, Option<u32>); 4] = [
    ("30", "30 days", Some(30)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "Never", None),
];
const DEFAULT_EXPIRY: &str = "90";

fn expiry_days(value: &str) -> Option<u32> {
    EXPIRY_CHOICES
        .iter()
        .find(|(v, _, _)| *v == value)
        .and_then(|(_, _, days)| *days)
}

fn revoke_button_id(id: Uuid) -> String {
    format!("revoke-{id}")
}

/// Where the list stands.
#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Failed(ApiError),
    Ready,
}

/// Moves focus to the element with `id` once the views have caught up.
fn focus_soon(id: &'static str) {
    set_timeout(
        move || {
            let element = document()
                .get_element_by_id(id)
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(element) = element {
                let _ = element.focus();
            }
        },
        Duration::ZERO,
    );
}

/// `navigator.clipboard.writeText(text)`, through `Reflect` (no web-sys features
/// needed); false when the browser has no clipboard here or refuses.
async fn copy_to_clipboard(text: &str) -> bool {
    let get = |target: &JsValue, key: &str| Reflect::get(target, &key.into()).ok();
    let Some(clipboard) = get(&js_sys::global(), "navigator")
        .and_then(|n| get(&n, "clipboard"))
        .filter(|c| c.is_object())
    else {
        return false;
    };
    let promise = get(&clipboard, "writeText")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&clipboard, &text.into()).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok());
    match promise {
        Some(promise) => JsFuture::from(promise).await.is_ok(),
        None => false,
    }
}

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    use_title(|| "API tokens".into());
    let toasts = use_toasts();
    let load = RwSignal::new(Load::Loading);
    let tokens = RwSignal::new(Vec::<ApiToken>::new());
    // Statuses are the server's (it derives them when read): after a write the
    // list is read again, without the loading state once it has been shown.
    let fetch = move |first: bool| {
        if first {
            load.set(Load::Loading);
        }
        spawn_local(async move {
            match api::list_tokens().await {
                Ok(list) => {
                    tokens.set(list);
                    load.set(Load::Ready);
                }
                Err(error) if first => load.set(Load::Failed(error)),
                Err(error) => toasts.api_error(&error),
            }
        });
    };
    fetch(true);

    let creating = RwSignal::new(false);
    let open_create = Callback::new(move |()| creating.set(true));
    let created = Callback::new(move |()| fetch(false));

    let doomed = RwSignal::new(None::<ApiToken>);
    let confirm_open = RwSignal::new(false);
    let revoking = RwSignal::new(false);
    let ask_revoke = Callback::new(move |token: ApiToken| {
        doomed.set(Some(token));
        confirm_open.set(true);
    });
    let revoke = move |token: ApiToken| {
        if revoking.get_untracked() {
            return;
        }
        revoking.set(true);
        spawn_local(async move {
            let result = api::revoke_token(token.id).await;
            revoking.set(false);
            match result {
                Ok(()) => toasts.success(format!("Token “{}” revoked.", token.name)),
                Err(e) => {
                    toasts.api_error(&e);
                    return;
                }
            }
            confirm_open.set(false);
            fetch(false);
            focus_soon(CREATE_ID);
        });
    };

    let empty = Memo::new(move |_| tokens.with(Vec::is_empty));
    view! {
        <header class="page-header">
            <div>
                <h1>"API tokens"</h1>
                <p class="page-subtitle">
                    "Tokens for scripts and integrations. Each one acts as you, with your role or a lower one."
                </p>
            </div>
            <div class="page-actions">
                <button type="button" id=CREATE_ID class="btn btn-primary" on:click=move |_| open_create.run(())>
                    <PlusIcon/>
                    "Create token"
                </button>
            </div>
        </header>
        {move || match load.get() {
            Load::Loading => view! { <InlineLoading label="Loading API tokens…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadError error on_retry=move |()| fetch(true)/> }.into_any(),
            Load::Ready if empty.get() => view! {
                <section class="card empty-state">
                    <KeyIcon class="empty-icon"/>
                    <h2>"No API tokens yet"</h2>
                    <p>
                        "Create a token for each script or integration, so you can revoke one without breaking the others."
                    </p>
                    <button type="button" class="btn btn-primary" on:click=move |_| open_create.run(())>
                        <PlusIcon/>
                        "Create token"
                    </button>
                </section>
            }
            .into_any(),
            Load::Ready => view! { <TokenTable tokens ask_revoke/> }.into_any(),
        }}
        <CreateTokenDialog open=creating created/>
        {move || doomed.get().map(|token| {
            let title = format!("Revoke token “{}”?", token.name);
            let message = format!(
                "Anything using {}… is refused from its next request. This cannot be undone.",
                token.prefix
            );
            view! {
                <ConfirmDialog
                    open=confirm_open
                    id="revoke-token"
                    title
                    message
                    confirm_label="Revoke"
                    pending_label="Revoking…"
                    pending=revoking
                    on_confirm=move |()| revoke(token.clone())
                />
            }
        })}
    }
}

#[component]
fn TokenTable(tokens: RwSignal<Vec<ApiToken>>, ask_revoke: Callback<ApiToken>) -> impl IntoView {
    let summary = move || {
        tokens.with(|list| {
            let active = list
                .iter()
                .filter(|t| t.status == TokenStatus::Active)
                .count();
            match list.len() {
                1 => format!("1 token, {active} active"),
                n => format!("{n} tokens, {active} active"),
            }
        })
    };
    view! {
        <div class="card table-card">
            // Focusable: on a narrow screen the table scrolls sideways, and a list of
            // revoked tokens has no other control to reach it by keyboard.
            <div class="table-wrap" tabindex="0" role="region" aria-label="API tokens">
                <table class="table tokens-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Prefix"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col" class="cell-actions">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            tokens.get()
                                .into_iter()
                                .map(|token| view! { <TokenRow token ask_revoke/> })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            <footer class="table-footer">
                <p class="muted" aria-live="polite">{summary}</p>
            </footer>
        </div>
    }
}

fn status_badge(status: TokenStatus) -> impl IntoView {
    let class = match status {
        TokenStatus::Active => "badge badge-green",
        TokenStatus::Expired => "badge badge-grey",
        TokenStatus::Revoked => "badge badge-red",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
fn TokenRow(token: ApiToken, ask_revoke: Callback<ApiToken>) -> impl IntoView {
    let auth = use_auth();
    let zone = auth.timezone();
    let expires = match token.expires_at {
        None => view! { <span class="muted">"Never"</span> }.into_any(),
        Some(at) => {
            let title = absolute(at, zone.as_deref());
            view! { <span title=title>{day(at, zone.as_deref())}</span> }.into_any()
        }
    };
    let last_used = match token.last_used_at {
        None => view! { <span class="muted">"Never"</span> }.into_any(),
        Some(at) => view! { <RelativeTime at=Signal::stored(Some(at))/> }.into_any(),
    };
    let action = (token.status == TokenStatus::Active).then(|| {
        let label = format!("Revoke token {}", token.name);
        let for_revoke = token.clone();
        view! {
            <button
                type="button"
                class="btn btn-small btn-danger-outline"
                id=revoke_button_id(token.id)
                aria-label=label
                on:click=move |_| ask_revoke.run(for_revoke.clone())
            >
                "Revoke"
            </button>
        }
    });
    view! {
        <tr>
            <td class="cell-name">{token.name}</td>
            <td>{role_label(token.role)}</td>
            <td class="mono cell-prefix">{token.prefix}"…"</td>
            <td><RelativeTime at=Signal::stored(Some(token.created_at))/></td>
            <td>{expires}</td>
            <td>{last_used}</td>
            <td class="cell-status">{status_badge(token.status)}</td>
            <td class="cell-actions">{action}</td>
        </tr>
    }
}

/// Create token, in a native modal `<dialog>`; after the create it shows the secret,
/// once, until closed (Done, Esc), and forgets it.
#[component]
fn CreateTokenDialog(
    open: RwSignal<bool>,
    /// A token was created (the list reads again).
    created: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let dialog = NodeRef::<Dialog>::new();
    let creator = move || auth.role().unwrap_or(Role::Member);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let expiry = RwSignal::new(DEFAULT_EXPIRY.to_owned());
    let touched = RwSignal::new(false);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let saving = RwSignal::new(false);
    let revealed = RwSignal::new(None::<ApiTokenCreated>);
    let copied = RwSignal::new(false);

    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        if !open.get() {
            if el.open() {
                el.close();
            }
            return;
        }
        name.set(String::new());
        role.set(untrack(creator));
        expiry.set(DEFAULT_EXPIRY.to_owned());
        touched.set(false);
        server_errors.set(Vec::new());
        revealed.set(None);
        copied.set(false);
        if !el.open() {
            let _ = el.show_modal();
        }
        focus_soon("token-name");
    });

    let body = move || ApiTokenCreate {
        name: name.get(),
        role: Some(role.get().as_str().to_owned()),
        expires_in_days: expiry_days(&expiry.get()).map(|d| RawNumber::Number(f64::from(d))),
    };
    let errors = Memo::new(move |_| body().validate(creator()).err().unwrap_or_default());
    let server_message = move |field: &'static str| {
        server_errors.with(|e| {
            e.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    };
    let name_message = Signal::derive(move || {
        touched
            .get()
            .then(|| errors.with(|e| e.get("name").map(str::to_owned)))
            .flatten()
            .or_else(|| server_message("name"))
    });
    let role_message = Memo::new(move |_| server_message("role"));
    let expiry_message = Memo::new(move |_| server_message("expires_in_days"));
    let forget = move |field: &'static str| {
        if server_errors.with_untracked(|e| e.iter().any(|e| e.field == field)) {
            server_errors.update(|e| e.retain(|e| e.field != field));
        }
    };
    let touch_name = Callback::new(move |()| {
        touched.set(true);
        forget("name");
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        touched.set(true);
        if !errors.with_untracked(|e| e.is_empty()) {
            return;
        }
        let request = untrack(body);
        saving.set(true);
        spawn_local(async move {
            let result = api::create_token(&request).await;
            saving.set(false);
            match result {
                Ok(answer) => {
                    revealed.set(Some(answer));
                    created.run(());
                    focus_soon("copy-token");
                }
                Err(e) if !e.errors.is_empty() => server_errors.set(e.errors),
                Err(e) => toasts.api_error(&e),
            }
        });
    };

    let copy = move |_| {
        let Some(secret) =
            revealed.with_untracked(|r| r.as_ref().map(|r| r.token.expose().to_owned()))
        else {
            return;
        };
        spawn_local(async move {
            if copy_to_clipboard(&secret).await {
                copied.set(true);
            } else {
                toasts.error(
                    "This browser did not allow copying: select the token and copy it yourself.",
                );
            }
        });
    };

    let form = move || {
        let roles = assignable_roles(creator());
        view! {
            <form class="form" novalidate on:submit=submit>
                <h2 id="token-dialog-title" class="dialog-title">"Create API token"</h2>
                <FieldInput
                    id="token-name"
                    label="Name"
                    value=name
                    message=name_message
                    on_touch=touch_name
                    placeholder="e.g. CRM sync"
                    help="What uses it, so you know what stops working if you revoke it."
                    required=true
                />
                <div class="field" class:invalid=move || role_message.with(Option::is_some)>
                    <label for="token-role">"Role"</label>
                    <select
                        id="token-role"
                        aria-describedby=move || if role_message.with(Option::is_some) {
                            "token-role-help token-role-error"
                        } else {
                            "token-role-help"
                        }
                        aria-invalid=move || role_message.with(Option::is_some).then_some("true")
                        on:change=move |ev| {
                            if let Ok(r) = Role::parse(&event_target_value(&ev)) {
                                role.set(r);
                            }
                            forget("role");
                        }
                    >
                        {roles
                            .into_iter()
                            .map(|r| view! {
                                <option value=r.as_str() selected=move || role.get() == r>{role_label(r)}</option>
                            })
                            .collect_view()}
                    </select>
                    <p class="field-help" id="token-role-help">
                        "Your role or a lower one. If your own role is lowered, the token's is too."
                    </p>
                    {move || role_message.get().map(|m| view! { <p class="field-error" id="token-role-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || expiry_message.with(Option::is_some)>
                    <label for="token-expires">"Expires"</label>
                    <select
                        id="token-expires"
                        aria-describedby=move || if expiry_message.with(Option::is_some) {
                            "token-expires-help token-expires-error"
                        } else {
                            "token-expires-help"
                        }
                        aria-invalid=move || expiry_message.with(Option::is_some).then_some("true")
                        on:change=move |ev| {
                            expiry.set(event_target_value(&ev));
                            forget("expires_in_days");
                        }
                    >
                        {EXPIRY_CHOICES
                            .into_iter()
                            .map(|(value, label, _)| view! {
                                <option value=value selected=move || expiry.get() == value>{label}</option>
                            })
                            .collect_view()}
                    </select>
                    <p class="field-help" id="token-expires-help">"After this the token is refused; you can revoke it sooner."</p>
                    {move || expiry_message.get().map(|m| view! { <p class="field-error" id="token-expires-error">{m}</p> })}
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn" disabled=move || saving.get() on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        class="btn btn-primary"
                        disabled=move || saving.get() || !errors.with(|e| e.is_empty())
                    >
                        {move || if saving.get() { "Creating…" } else { "Create token" }}
                    </button>
                </div>
            </form>
        }
    };

    let reveal = move |answer: ApiTokenCreated| {
        let intro = format!(
            "“{}” is ready. Copy the token now and keep it somewhere safe:",
            answer.api_token.name
        );
        view! {
            <div class="token-reveal">
                <h2 id="token-dialog-title" class="dialog-title">"Copy your new token"</h2>
                <p class="dialog-message">
                    {intro}
                    " "
                    <strong>"it will not be shown again."</strong>
                </p>
                <div class="token-secret-row">
                    <code id="new-token" class="token-secret" aria-label="Your new API token">{answer.token.expose().to_owned()}</code>
                    <button type="button" id="copy-token" class="btn" on:click=copy>
                        {move || if copied.get() { "Copied" } else { "Copy" }}
                    </button>
                </div>
                <p class="field-help">"Send it as " <code>"Authorization: Bearer …"</code>" with each API request."</p>
                <div class="dialog-actions">
                    <button type="button" id="token-done" class="btn btn-primary" on:click=move |_| open.set(false)>
                        "Done"
                    </button>
                </div>
            </div>
        }
    };

    view! {
        <dialog
            node_ref=dialog
            class="dialog token-dialog"
            aria-labelledby="token-dialog-title"
            on:close=move |_| {
                open.set(false);
                // The secret lives only as long as the dialog shows it.
                revealed.set(None);
            }
            on:cancel=move |ev: leptos::ev::Event| {
                if saving.get_untracked() {
                    ev.prevent_default();
                }
            }
        >
            {move || match revealed.get() {
                None => form().into_any(),
                Some(answer) => reveal(answer).into_any(),
            }}
        </dialog>
    }
}
