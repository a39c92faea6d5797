//! The Bots page at `/dashboard/bots`: the LiveKit agents that answer inbound calls,
//! which a phone number's Assign Bot picks from. List, add, rename or change the
//! agent, and delete (saying how many numbers will then show "Bot not found").
//!
//! No rule is written here: the messages come from `BotWrite::apply` in the shared
//! crate, the code the API runs.

use std::time::Duration;

use leptos::ev::SubmitEvent;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::accounts::{Bot, BotWrite};
use ori_shared::{FieldError, FieldErrors};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icons::{PencilIcon, PlusIcon, TrashIcon};
use crate::components::sidebar::BotIcon;
use crate::components::status::{InlineLoading, LoadError};
use crate::components::super_admin::{Area, SuperAdminOnly};
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::components::user_menu::FieldInput;

/// The header's Add Bot button, where focus goes when a row it was on is gone.
const ADD_BOT_ID: &str = "add-bot";

#[component]
pub fn BotsPage() -> impl IntoView {
    use_title(|| "Bots".into());
    view! {
        <SuperAdminOnly area=Area::Bots>
            <Bots/>
        </SuperAdminOnly>
    }
}

/// Where the list stands.
#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Failed(ApiError),
    Ready,
}

/// What the bot form is open for.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    Closed,
    New,
    Bot(Bot),
}

/// Moves focus to the element with `id` once the views have caught up.
fn focus_soon(id: String) {
    set_timeout(
        move || {
            let element = document()
                .get_element_by_id(&id)
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(element) = element {
                let _ = element.focus();
            }
        },
        Duration::ZERO,
    );
}

fn edit_button_id(id: Uuid) -> String {
    format!("bot-edit-{id}")
}

/// The delete confirmation, with how many numbers lose their bot.
fn delete_message(numbers: u32) -> String {
    match numbers {
        0 => "No phone numbers are assigned to this bot, so none will show “Bot not found”.".into(),
        1 => "1 phone number is assigned to this bot; it will show “Bot not found” until you assign another bot.".into(),
        n => format!(
            "{n} phone numbers are assigned to this bot; they will show “Bot not found” until you assign another bot."
        ),
    }
}

/// The list in the server's order: by name, then id.
fn insert_sorted(bots: &mut Vec<Bot>, bot: Bot) {
    bots.retain(|b| b.id != bot.id);
    let at = bots.partition_point(|b| (&b.name, b.id) < (&bot.name, bot.id));
    bots.insert(at, bot);
}

#[component]
fn Bots() -> impl IntoView {
    let toasts = use_toasts();
    let load = RwSignal::new(Load::Loading);
    // The list lives here and each write updates it from its answer: no reload.
    let bots = RwSignal::new(Vec::<Bot>::new());
    let fetch = move || {
        load.set(Load::Loading);
        spawn_local(async move {
            match api::list_bots().await {
                Ok(list) => {
                    bots.set(list);
                    load.set(Load::Ready);
                }
                Err(error) => load.set(Load::Failed(error)),
            }
        });
    };
    fetch();

    let editing = RwSignal::new(Editing::Closed);
    let add = Callback::new(move |()| editing.set(Editing::New));
    let edit = Callback::new(move |bot: Bot| editing.set(Editing::Bot(bot)));
    let saved = Callback::new(move |(bot, new): (Bot, bool)| {
        let id = bot.id;
        bots.update(|list| insert_sorted(list, bot));
        // The rows are drawn again: a renamed bot's Edit button gets the focus back.
        focus_soon(if new {
            ADD_BOT_ID.to_owned()
        } else {
            edit_button_id(id)
        });
    });
    let gone = Callback::new(move |id: Uuid| {
        bots.update(|list| list.retain(|b| b.id != id));
        focus_soon(ADD_BOT_ID.to_owned());
    });

    // Delete: the confirmation names the bot and its numbers.
    let doomed = RwSignal::new(None::<Bot>);
    let confirm_open = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let ask_delete = Callback::new(move |bot: Bot| {
        doomed.set(Some(bot));
        confirm_open.set(true);
    });
    let delete = move |bot: Bot| {
        if deleting.get_untracked() {
            return;
        }
        deleting.set(true);
        spawn_local(async move {
            let result = api::delete_bot(bot.id).await;
            deleting.set(false);
            match result {
                Ok(()) => toasts.success(format!("Bot “{}” deleted.", bot.name)),
                // Someone else deleted it first: the outcome is the same.
                Err(e) if e.is_not_found() => {
                    toasts.success(format!("Bot “{}” was already deleted.", bot.name));
                }
                Err(e) => {
                    toasts.api_error(&e);
                    return;
                }
            }
            confirm_open.set(false);
            gone.run(bot.id);
        });
    };

    let empty = Memo::new(move |_| bots.with(Vec::is_empty));
    view! {
        <header class="page-header">
            <div>
                <h1>"Bots"</h1>
                <p class="page-subtitle">
                    "The LiveKit agents that answer inbound calls. A phone number's Assign Bot picks from this list."
                </p>
            </div>
            <div class="page-actions">
                <button type="button" id=ADD_BOT_ID class="btn btn-primary" on:click=move |_| add.run(())>
                    <PlusIcon/>
                    "Add Bot"
                </button>
            </div>
        </header>
        {move || match load.get() {
            Load::Loading => view! { <InlineLoading label="Loading bots…"/> }.into_any(),
            Load::Failed(error) => view! { <LoadError error on_retry=move |()| fetch()/> }.into_any(),
            Load::Ready if empty.get() => view! {
                <section class="card empty-state">
                    <BotIcon class="empty-icon"/>
                    <h2>"No bots yet"</h2>
                    <p>
                        "Add a bot for each LiveKit agent that answers inbound calls, then assign it to phone numbers on a carrier's page."
                    </p>
                    <button type="button" class="btn btn-primary" on:click=move |_| add.run(())>
                        <PlusIcon/>
                        "Add Bot"
                    </button>
                </section>
            }
            .into_any(),
            Load::Ready => view! { <BotTable bots edit ask_delete/> }.into_any(),
        }}
        <BotDialog editing saved gone/>
        {move || doomed.get().map(|bot| {
            let title = format!("Delete bot “{}”?", bot.name);
            let message = delete_message(bot.number_count);
            view! {
                <ConfirmDialog
                    open=confirm_open
                    id="delete-bot"
                    title
                    message
                    confirm_label="Delete"
                    pending_label="Deleting…"
                    pending=deleting
                    on_confirm=move |()| delete(bot.clone())
                />
            }
        })}
    }
}

#[component]
fn BotTable(
    bots: RwSignal<Vec<Bot>>,
    edit: Callback<Bot>,
    ask_delete: Callback<Bot>,
) -> impl IntoView {
    let summary = move || match bots.with(Vec::len) {
        1 => "1 bot".to_owned(),
        n => format!("{n} bots"),
    };
    view! {
        <div class="card table-card">
            <div class="table-wrap">
                <table class="table bots-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"LiveKit Agent"</th>
                            <th scope="col" class="num">"Numbers"</th>
                            <th scope="col" class="cell-actions">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        // Drawn again on every change (a keyed `<For>` costs more wasm than
                        // a few rows cost to draw); focus is put back by element id.
                        {move || {
                            bots.get()
                                .into_iter()
                                .map(|bot| view! { <BotRow bot edit ask_delete/> })
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

#[component]
fn BotRow(bot: Bot, edit: Callback<Bot>, ask_delete: Callback<Bot>) -> impl IntoView {
    let edit_label = format!("Edit bot {}", bot.name);
    let delete_label = format!("Delete bot {}", bot.name);
    let numbers_title = match bot.number_count {
        1 => "1 phone number is assigned to this bot".to_owned(),
        n => format!("{n} phone numbers are assigned to this bot"),
    };
    let (for_edit, for_delete) = (bot.clone(), bot.clone());
    view! {
        <tr>
            <td class="cell-name">{bot.name}</td>
            <td class="mono cell-agent">{bot.agent_name}</td>
            <td class="num" title=numbers_title>{bot.number_count}</td>
            <td class="cell-actions">
                <div class="row-actions">
                    <button
                        type="button"
                        class="icon-btn"
                        id=edit_button_id(bot.id)
                        aria-label=edit_label
                        title="Edit"
                        on:click=move |_| edit.run(for_edit.clone())
                    >
                        <PencilIcon/>
                    </button>
                    <button
                        type="button"
                        class="icon-btn icon-btn-danger"
                        aria-label=delete_label
                        title="Delete"
                        on:click=move |_| ask_delete.run(for_delete.clone())
                    >
                        <TrashIcon/>
                    </button>
                </div>
            </td>
        </tr>
    }
}

/// Add Bot and Edit Bot, in a native modal `<dialog>` (focus kept inside, Esc closes,
/// focus returns to the button that opened it).
#[component]
fn BotDialog(
    editing: RwSignal<Editing>,
    /// A bot was saved: `(bot, whether it is new)`.
    saved: Callback<(Bot, bool)>,
    /// The bot being edited no longer exists.
    gone: Callback<Uuid>,
) -> impl IntoView {
    let toasts = use_toasts();
    let dialog = NodeRef::<Dialog>::new();
    let name = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    // Messages show for fields the user has typed in or left, never on a fresh form.
    let touched = RwSignal::new([false; 2]);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let saving = RwSignal::new(false);
    let is_new = Memo::new(move |_| editing.with(|e| matches!(e, Editing::New)));

    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        let current = editing.get();
        if current == Editing::Closed {
            if el.open() {
                el.close();
            }
            return;
        }
        let (n, a) = match &current {
            Editing::Bot(bot) => (bot.name.clone(), bot.agent_name.clone()),
            _ => (String::new(), String::new()),
        };
        name.set(n);
        agent.set(a);
        touched.set([false; 2]);
        server_errors.set(Vec::new());
        if !el.open() {
            let _ = el.show_modal();
        }
    });

    let errors = Memo::new(move |_| {
        BotWrite {
            name: Some(name.get()),
            agent_name: Some(agent.get()),
        }
        .apply(None)
        .err()
        .unwrap_or_default()
    });
    let message = move |field: &'static str, index: usize| {
        Signal::derive(move || {
            let own = touched
                .with(|t| t[index])
                .then(|| errors.with(|e| e.get(field).map(str::to_owned)))
                .flatten();
            own.or_else(|| {
                server_errors.with(|e| {
                    e.iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
            })
        })
    };
    let touch = move |field: &'static str, index: usize| {
        Callback::new(move |()| {
            if !touched.with_untracked(|t| t[index]) {
                touched.update(|t| t[index] = true);
            }
            if server_errors.with_untracked(|e| e.iter().any(|e| e.field == field)) {
                server_errors.update(|e| e.retain(|e| e.field != field));
            }
        })
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        touched.set([true; 2]);
        if !errors.with_untracked(FieldErrors::is_empty) {
            return;
        }
        let body = BotWrite {
            name: Some(name.get_untracked()),
            agent_name: Some(agent.get_untracked()),
        };
        let target = editing.get_untracked();
        saving.set(true);
        spawn_local(async move {
            let result = match &target {
                Editing::Bot(bot) => api::update_bot(bot.id, &body).await,
                _ => api::create_bot(&body).await,
            };
            saving.set(false);
            match result {
                Ok(bot) => {
                    let new = !matches!(target, Editing::Bot(_));
                    toasts.success(if new {
                        format!("Bot “{}” added.", bot.name)
                    } else {
                        format!("Bot “{}” saved.", bot.name)
                    });
                    editing.set(Editing::Closed);
                    saved.run((bot, new));
                }
                Err(e) if !e.errors.is_empty() => server_errors.set(e.errors),
                Err(e) if e.is_not_found() => {
                    toasts.error("This bot no longer exists: someone deleted it.");
                    editing.set(Editing::Closed);
                    if let Editing::Bot(bot) = target {
                        gone.run(bot.id);
                    }
                }
                Err(e) => toasts.api_error(&e),
            }
        });
    };

    let title = move || if is_new.get() { "Add Bot" } else { "Edit Bot" };
    let valid = move || errors.with(FieldErrors::is_empty);
    view! {
        <dialog
            node_ref=dialog
            class="dialog bot-dialog"
            aria-labelledby="bot-dialog-title"
            on:close=move |_| editing.set(Editing::Closed)
            on:cancel=move |ev: leptos::ev::Event| {
                if saving.get_untracked() {
                    ev.prevent_default();
                }
            }
        >
            <form class="form" novalidate on:submit=submit>
                <h2 id="bot-dialog-title" class="dialog-title">{title}</h2>
                <FieldInput
                    id="bot-name"
                    label="Name"
                    value=name
                    message=message("name", 0)
                    on_touch=touch("name", 0)
                    placeholder="e.g. Front desk"
                    required=true
                />
                <FieldInput
                    id="bot-agent-name"
                    label="LiveKit Agent Name"
                    value=agent
                    message=message("agent_name", 1)
                    on_touch=touch("agent_name", 1)
                    placeholder="e.g. inbound-agent"
                    help="The name your agent registers with LiveKit; calls to this bot's numbers are dispatched to it."
                    mono=true
                    required=true
                />
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="btn"
                        disabled=move || saving.get()
                        on:click=move |_| editing.set(Editing::Closed)
                    >
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        class="btn btn-primary"
                        disabled=move || saving.get() || !valid()
                    >
                        {move || match (is_new.get(), saving.get()) {
                            (true, false) => "Add Bot",
                            (true, true) => "Adding…",
                            (false, false) => "Save Changes",
                            (false, true) => "Saving…",
                        }}
                    </button>
                </div>
            </form>
        </dialog>
    }
}
