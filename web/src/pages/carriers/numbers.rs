//! The DIDs section of a carrier's page: the table of its phone numbers, the Add/Edit
//! Phone Number modal, and Remove.
//!
//! The numbers are read again whenever the carrier changes (a sync outcome brings
//! dispatch rule ids), and after each change made here. Rows are keyed by id and
//! their cells follow the list, so a row's buttons stay the same elements across
//! reads (focus returns to them when the modal closes).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::FieldErrors;
use ori_shared::accounts::Bot;
use ori_shared::dto::{
    Carrier, NumberConfig, NumberCreate, NumberPatch, PhoneNumberView, SyncStatus,
};
use ori_shared::number::{Direction, NumberLabel, PhoneNumber};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::icons::{CloseIcon, PencilIcon, PlusIcon};
use crate::components::modal::Modal;
use crate::components::status::{InlineLoading, LoadError};
use crate::components::toast::use_toasts;

/// The Add Number button's id: focus goes there after a removal.
const ADD_BUTTON: &str = "did-add";

/// What the modal is doing.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    Add,
    Edit(Box<PhoneNumberView>),
}

#[component]
pub fn NumbersSection(
    carrier_id: Uuid,
    #[prop(into)] carrier: Signal<Carrier>,
    /// Reads the carrier again (its DIDs count and sync banner follow the numbers).
    on_changed: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let numbers = RwSignal::new(None::<Vec<PhoneNumberView>>);
    let failure = RwSignal::new(None::<ApiError>);
    // Reads can overlap (a change, then the carrier's next state): only the answer to
    // the latest one is shown, so an older, slower answer never brings stale rows back.
    let latest = StoredValue::new(0_u64);
    let load = move || {
        let this = latest.get_value() + 1;
        latest.set_value(this);
        spawn_local(async move {
            let result = api::list_numbers(carrier_id).await;
            if latest.try_get_value() != Some(this) {
                return;
            }
            match result {
                Ok(list) => {
                    failure.set(None);
                    numbers.set(Some(list));
                }
                // A later read that fails keeps the table shown.
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let carrier_state = Memo::new(move |_| {
        carrier.with(|c| (c.sync_status, c.last_synced_at, c.did_count, c.version))
    });
    Effect::new(move |_| {
        carrier_state.track();
        load();
    });
    let changed = move || {
        load();
        on_changed.run(());
    };
    // A rule's id is recorded during the sync, so a read of the numbers can fall
    // before it while the carrier's read falls after: while the carrier says synced
    // but a number still waits for its route, look again every second.
    let waiting = Memo::new(move |_| {
        carrier.with(|c| c.sync_status == SyncStatus::Synced)
            && numbers.with(|n| n.as_ref().is_some_and(|n| n.iter().any(waits_for_route)))
    });
    let recheck = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        numbers.track();
        carrier.track();
        if let Some(previous) = recheck.get_value() {
            previous.clear();
        }
        let next = waiting
            .get()
            .then(|| set_timeout_with_handle(load, WAITING_RECHECK).ok())
            .flatten();
        recheck.set_value(next);
    });
    on_cleanup(move || {
        if let Some(handle) = recheck.try_get_value().flatten() {
            handle.clear();
        }
    });

    let editing = RwSignal::new(None::<Editing>);
    let removing = RwSignal::new(None::<PhoneNumberView>);
    let ids = Memo::new(move |_| {
        numbers.with(|n| {
            n.as_ref()
                .map(|n| n.iter().map(|n| n.id).collect::<Vec<_>>())
        })
    });
    let shown = Memo::new(move |_| {
        (
            ids.with(Option::is_some),
            failure.with(|f| f.clone().filter(|_| numbers.with(Option::is_none))),
        )
    });

    view! {
        <section class="card dids-section" aria-labelledby="dids-heading">
            <header class="section-header">
                <h2 id="dids-heading">"Phone Numbers (DIDs)"</h2>
                <button
                    type="button"
                    id=ADD_BUTTON
                    class="btn"
                    on:click=move |_| editing.set(Some(Editing::Add))
                >
                    <PlusIcon/>
                    "Add Number"
                </button>
            </header>
            {move || match shown.get() {
                (true, _) => view! {
                    <NumbersTable
                        numbers
                        ids
                        on_edit=Callback::new(move |n| editing.set(Some(Editing::Edit(Box::new(n)))))
                        on_remove=Callback::new(move |n| removing.set(Some(n)))
                    />
                }
                .into_any(),
                (false, Some(error)) => view! {
                    <LoadError error on_retry=move |()| {
                        failure.set(None);
                        load();
                    }/>
                }
                .into_any(),
                (false, None) => view! { <InlineLoading label="Loading phone numbers…"/> }.into_any(),
            }}
        </section>
        <Show when=move || editing.with(Option::is_some)>
            {move || {
                editing.get_untracked().map(|what| view! {
                    <NumberModal
                        carrier_id
                        editing=what
                        on_close=Callback::new(move |()| editing.set(None))
                        on_saved=Callback::new(move |message: String| {
                            editing.set(None);
                            toasts.success(message);
                            changed();
                        })
                    />
                })
            }}
        </Show>
        {move || removing.get().map(|number| view! {
            <RemoveNumber carrier_id number on_done=Callback::new(move |removed: bool| {
                removing.set(None);
                if removed {
                    changed();
                    // Its row (and Remove button) is going; after the dialog has closed
                    // (the page is inert until then), focus goes to Add Number.
                    set_timeout(|| focus_by_id(ADD_BUTTON), Duration::ZERO);
                }
            })/>
        })}
    }
}

fn focus_by_id(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[component]
fn NumbersTable(
    numbers: RwSignal<Option<Vec<PhoneNumberView>>>,
    ids: Memo<Option<Vec<Uuid>>>,
    on_edit: Callback<PhoneNumberView>,
    on_remove: Callback<PhoneNumberView>,
) -> impl IntoView {
    let empty = move || ids.with(|ids| ids.as_ref().is_none_or(Vec::is_empty));
    view! {
        <div class="table-wrap">
            <table class="table dids-table">
                <thead>
                    <tr>
                        <th scope="col">"Number"</th>
                        <th scope="col">"Label"</th>
                        <th scope="col">"Direction"</th>
                        <th scope="col">"Assigned Bot"</th>
                        <th scope="col" class="actions-col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    <Show when=empty>
                        <tr class="empty-row">
                            <td colspan="5">"No phone numbers added yet"</td>
                        </tr>
                    </Show>
                    <For
                        each=move || ids.get().unwrap_or_default()
                        key=|id| *id
                        children=move |id| view! { <NumberRow id numbers on_edit on_remove/> }
                    />
                </tbody>
            </table>
        </div>
    }
}

/// How often the table looks again while a number waits for its route.
const WAITING_RECHECK: Duration = Duration::from_secs(1);

/// An inbound number with a bot whose dispatch rule LiveKit does not hold yet.
fn waits_for_route(n: &PhoneNumberView) -> bool {
    n.direction.is_inbound()
        && n.bot_id.is_some()
        && !n.bot_missing
        && n.livekit_dispatch_rule_id.is_none()
}

/// Whether LiveKit routes the number's inbound calls, in words.
fn routing(n: &PhoneNumberView) -> &'static str {
    match (
        n.direction.is_inbound(),
        n.bot_id.is_some() && !n.bot_missing,
    ) {
        (false, _) => "Outbound only: no inbound route",
        (true, false) => "No bot: inbound calls are not routed",
        (true, true) if waits_for_route(n) => "Waiting for LiveKit to route it",
        (true, true) => "LiveKit routes it to its bot",
    }
}

fn direction_class(direction: Direction) -> &'static str {
    match direction {
        Direction::Both => "badge badge-green",
        Direction::Inbound => "badge badge-blue",
        Direction::Outbound => "badge badge-grey",
    }
}

#[component]
fn NumberRow(
    id: Uuid,
    numbers: RwSignal<Option<Vec<PhoneNumberView>>>,
    on_edit: Callback<PhoneNumberView>,
    on_remove: Callback<PhoneNumberView>,
) -> impl IntoView {
    let row = Memo::new(move |_| {
        numbers.with(|n| {
            n.as_ref()
                .and_then(|n| n.iter().find(|n| n.id == id).cloned())
        })
    });
    let entered = row.with_untracked(|r| r.as_ref().map(|r| r.number.clone()).unwrap_or_default());
    let current = move || row.get_untracked();
    let detail = move || {
        row.with(|r| {
            r.as_ref().map(|n| {
                let e164 =
                    (n.normalized != n.number).then(|| format!("Sent as {} · ", n.normalized));
                format!("{}{}", e164.unwrap_or_default(), routing(n))
            })
        })
    };
    let rule = move || row.with(|r| r.as_ref().and_then(|n| n.livekit_dispatch_rule_id.clone()));
    let label = move || row.with(|r| r.as_ref().and_then(|n| n.label.clone()));
    let direction = move || row.with(|r| r.as_ref().map_or(Direction::Both, |n| n.direction));
    let bot = move || {
        row.with(|r| match r {
            Some(n) if !n.direction.is_inbound() => {
                view! { <span class="muted">"—"</span> }.into_any()
            }
            Some(n) if n.bot_missing => {
                view! { <span class="bot-missing">"Bot not found"</span> }.into_any()
            }
            Some(PhoneNumberView {
                bot_name: Some(name),
                ..
            }) => name.clone().into_any(),
            _ => view! { <span class="muted">"—"</span> }.into_any(),
        })
    };
    view! {
        <tr data-id=id.to_string()>
            <td>
                <span class="mono did-number">{entered.clone()}</span>
                <span class="did-detail" title=rule>{detail}</span>
            </td>
            <td>{move || label().unwrap_or_else(|| "—".into())}</td>
            <td>
                <span class=move || direction_class(direction())>{move || direction().as_str()}</span>
            </td>
            <td class="did-bot">{bot}</td>
            <td class="actions-col">
                <div class="row-actions">
                    <button
                        type="button"
                        class="icon-btn"
                        aria-label=format!("Edit {entered}")
                        title="Edit"
                        on:click=move |_| {
                            if let Some(n) = current() {
                                on_edit.run(n);
                            }
                        }
                    >
                        <PencilIcon/>
                    </button>
                    <button
                        type="button"
                        class="icon-btn icon-btn-danger"
                        aria-label=format!("Remove {entered}")
                        title="Remove"
                        on:click=move |_| {
                            if let Some(n) = current() {
                                on_remove.run(n);
                            }
                        }
                    >
                        <CloseIcon/>
                    </button>
                </div>
            </td>
        </tr>
    }
}

/// The confirmation before a number is removed; `on_done(removed)` when it closes.
#[component]
fn RemoveNumber(
    carrier_id: Uuid,
    number: PhoneNumberView,
    on_done: Callback<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let open = RwSignal::new(true);
    let removed = StoredValue::new(false);
    let (id, shown) = (number.id, number.number.clone());
    let remove = Action::new_local(move |(): &()| {
        let shown = shown.clone();
        async move {
            match api::remove_number(carrier_id, id).await {
                Ok(()) => {
                    toasts.success(format!("{shown} removed."));
                    removed.set_value(true);
                }
                Err(e) if e.is_not_found() => removed.set_value(true),
                Err(e) => toasts.api_error(&e),
            }
            open.set(false);
        }
    });
    Effect::new(move |was_open: Option<bool>| {
        let now = open.get();
        if was_open == Some(true) && !now {
            on_done.run(removed.get_value());
        }
        now
    });
    let routed = if number.direction.is_inbound() && number.bot_id.is_some() {
        " Inbound calls to it will no longer reach its bot."
    } else {
        ""
    };
    view! {
        <ConfirmDialog
            open
            id="remove-number"
            title=format!("Remove {}?", number.number)
            message=format!(
                "This removes {} from this carrier and from LiveKit.{routed} You can add it again later.",
                number.number
            )
            confirm_label="Remove"
            pending_label="Removing…"
            pending=remove.pending()
            on_confirm=move |()| {
                remove.dispatch(());
            }
        />
    }
}

/// A number's stored fields as the shared rules see them (for `NumberPatch::apply`).
fn config_of(n: &PhoneNumberView) -> Option<NumberConfig> {
    Some(NumberConfig {
        number: PhoneNumber::parse(&n.number).ok()?,
        label: NumberLabel::parse_optional(n.label.as_deref()).ok()?,
        direction: n.direction,
        bot_id: n.bot_id,
    })
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The modal's values as typed.
#[derive(Debug, Clone, Copy)]
struct NumberForm {
    number: RwSignal<String>,
    label: RwSignal<String>,
    direction: RwSignal<Direction>,
    bot: RwSignal<Option<Uuid>>,
    /// The user has typed in or left the Phone Number box: its message may show.
    number_touched: RwSignal<bool>,
    /// The server's field problems (422, or the 409 for a number held elsewhere).
    server: RwSignal<FieldErrors>,
}

impl NumberForm {
    fn new(existing: Option<&PhoneNumberView>) -> Self {
        Self {
            number: RwSignal::new(existing.map(|n| n.number.clone()).unwrap_or_default()),
            label: RwSignal::new(existing.and_then(|n| n.label.clone()).unwrap_or_default()),
            direction: RwSignal::new(existing.map_or(Direction::Both, |n| n.direction)),
            bot: RwSignal::new(existing.and_then(|n| n.bot_id)),
            number_touched: RwSignal::new(false),
            server: RwSignal::new(FieldErrors::new()),
        }
    }

    /// The user changed `field`: the server's message about it no longer applies.
    fn clear_server(&self, field: &str) {
        if self.server.with_untracked(|e| e.get(field).is_some()) {
            self.server.update(|e| e.0.retain(|e| e.field != field));
        }
    }

    /// No bot is sent for an outbound number: it never receives calls.
    fn bot_sent(&self) -> Option<Uuid> {
        self.bot.get().filter(|_| self.direction.get().is_inbound())
    }

    fn create_body(&self) -> NumberCreate {
        NumberCreate {
            number: self.number.get(),
            label: optional(&self.label.get()),
            direction: Some(self.direction.get().as_str().to_owned()),
            bot_id: self.bot_sent(),
        }
    }

    fn patch_body(&self) -> NumberPatch {
        NumberPatch {
            number: None,
            label: Some(optional(&self.label.get())),
            direction: Some(self.direction.get().as_str().to_owned()),
            bot_id: Some(self.bot_sent()),
        }
    }
}

#[component]
fn NumberModal(
    carrier_id: Uuid,
    editing: Editing,
    on_close: Callback<()>,
    /// The save worked; the argument is the notification to show.
    on_saved: Callback<String>,
) -> impl IntoView {
    let toasts = use_toasts();
    let existing = match &editing {
        Editing::Add => None,
        Editing::Edit(n) => Some(PhoneNumberView::clone(n)),
    };
    let adding = existing.is_none();
    let form = NumberForm::new(existing.as_ref());
    let current = existing.as_ref().and_then(config_of);
    let errors = Memo::new(move |_| {
        let result = match &current {
            None if adding => form.create_body().validate().map(|_| ()),
            Some(current) => form.patch_body().apply(current).map(|_| ()),
            None => Ok(()),
        };
        result.err().unwrap_or_default()
    });
    let message = move |field: &'static str| {
        move || {
            let shown_now = field != "number" || form.number_touched.get();
            shown_now
                .then(|| errors.with(|e| e.get(field).map(str::to_owned)))
                .flatten()
                .or_else(|| form.server.with(|e| e.get(field).map(str::to_owned)))
        }
    };

    let bots = RwSignal::new(None::<Result<Vec<Bot>, ApiError>>);
    spawn_local(async move { bots.set(Some(api::list_bots().await)) });

    let number_id = existing.as_ref().map(|n| n.id);
    let save = Action::new_local(move |(): &()| async move {
        let result = match number_id {
            None => api::add_number(carrier_id, &form.create_body()).await,
            Some(id) => api::update_number(carrier_id, id, &form.patch_body()).await,
        };
        match result {
            Ok(saved) if adding => on_saved.run(format!("{} added.", saved.number)),
            Ok(saved) => on_saved.run(format!("{} saved.", saved.number)),
            Err(e) if e.is_conflict() => form.server.set(FieldErrors::single("number", e.detail)),
            Err(e) if !e.errors.is_empty() => form.server.set(FieldErrors(e.errors)),
            Err(e) => toasts.api_error(&e),
        }
    });
    let saving = save.pending();
    let blocked = move || {
        saving.get()
            || errors.with(|e| !e.is_empty())
            || (adding && form.number.with(|n| n.trim().is_empty()))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.number_touched.set(true);
        if !blocked() {
            save.dispatch(());
        }
    };
    let title = if adding {
        "Add Phone Number"
    } else {
        "Edit Phone Number"
    };
    let number_message = Memo::new(move |_| message("number")());
    let label_message = Memo::new(move |_| message("label")());

    view! {
        <Modal labelledby="did-modal-title" on_close busy=saving class="did-modal">
            <form class="did-form" novalidate on:submit=on_submit>
                <h2 id="did-modal-title" class="dialog-title">{title}</h2>
                <div class="field" class:invalid=move || number_message.with(Option::is_some)>
                    <label for="did-number">
                        "Phone Number"
                        {adding.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                    </label>
                    <input
                        id="did-number"
                        name="number"
                        type="tel"
                        class="mono"
                        autocomplete="off"
                        placeholder="+14155551234"
                        required=adding
                        disabled=move || !adding || saving.get()
                        aria-invalid=move || number_message.with(Option::is_some).then_some("true")
                        aria-describedby=move || {
                            if number_message.with(Option::is_some) { "did-number-help did-number-error" } else { "did-number-help" }
                        }
                        prop:value=move || form.number.get()
                        on:input=move |ev| {
                            form.number.set(event_target_value(&ev));
                            form.number_touched.set(true);
                            form.clear_server("number");
                        }
                        on:blur=move |_| {
                            if form.number.with_untracked(|n| !n.is_empty()) {
                                form.number_touched.set(true);
                            }
                        }
                    />
                    <p id="did-number-help" class="field-help">
                        {if adding {
                            "E.164 such as +14155551234, or your carrier's local format: 5–20 digits; may include a leading +, spaces, dots, or dashes."
                        } else {
                            "A number cannot be changed after it is added: remove it and add the correct one instead."
                        }}
                    </p>
                    {move || number_message.get().map(|m| view! { <p id="did-number-error" class="field-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || label_message.with(Option::is_some)>
                    <label for="did-label">"Label"</label>
                    <input
                        id="did-label"
                        name="label"
                        type="text"
                        autocomplete="off"
                        placeholder="Optional descriptive name"
                        disabled=move || saving.get()
                        aria-invalid=move || label_message.with(Option::is_some).then_some("true")
                        aria-describedby=move || label_message.with(Option::is_some).then_some("did-label-error")
                        prop:value=move || form.label.get()
                        on:input=move |ev| {
                            form.label.set(event_target_value(&ev));
                            form.clear_server("label");
                        }
                    />
                    {move || label_message.get().map(|m| view! { <p id="did-label-error" class="field-error">{m}</p> })}
                </div>
                <fieldset class="field direction-field" disabled=move || saving.get()>
                    <legend>"Direction"</legend>
                    <div class="direction-cards">
                        {Direction::ALL.map(|d| view! {
                            <label class="direction-card" class:selected=move || form.direction.get() == d>
                                <input
                                    type="radio"
                                    name="did-direction"
                                    value=d.as_str()
                                    prop:checked=move || form.direction.get() == d
                                    on:change=move |_| form.direction.set(d)
                                />
                                <span class="direction-name">{d.label()}</span>
                                <span class="direction-meaning">" "{d.meaning()}</span>
                            </label>
                        })}
                    </div>
                </fieldset>
                <Show when=move || form.direction.get().is_inbound()>
                    <BotSelect form bots disabled=saving/>
                </Show>
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="btn"
                        disabled=move || saving.get()
                        on:click=move |_| on_close.run(())
                    >
                        "Cancel"
                    </button>
                    <button type="submit" class="btn btn-primary" disabled=blocked>
                        {move || match (adding, saving.get()) {
                            (true, false) => "Add Number",
                            (true, true) => "Adding…",
                            (false, false) => "Save Changes",
                            (false, true) => "Saving…",
                        }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Assign Bot: None or one of the bots. A bot that was deleted stays selected as
/// "Bot not found" until another is chosen, so saving other fields keeps it.
#[component]
fn BotSelect(
    form: NumberForm,
    bots: RwSignal<Option<Result<Vec<Bot>, ApiError>>>,
    disabled: Memo<bool>,
) -> impl IntoView {
    let chosen = move || form.bot.get().map(|id| id.to_string()).unwrap_or_default();
    let options = move || {
        bots.with(|b| {
            let list = match b {
                Some(Ok(list)) => list.as_slice(),
                _ => &[],
            };
            let missing = form
                .bot
                .get()
                .filter(|id| matches!(b, Some(Ok(_))) && !list.iter().any(|bot| bot.id == *id));
            let selected = form.bot.get();
            view! {
                <option value="" selected=selected.is_none()>"None"</option>
                {missing.map(|id| view! { <option value=id.to_string() selected=true>"Bot not found"</option> })}
                {list.iter().map(|bot| {
                    let id = bot.id;
                    view! { <option value=id.to_string() selected=selected == Some(id)>{bot.name.clone()}</option> }
                }).collect_view()}
            }
        })
    };
    let note = move || {
        bots.with(|b| match b {
            None => Some("Loading bots…".to_owned()),
            Some(Err(e)) => Some(format!("The bots could not be loaded: {}", e.detail)),
            Some(Ok(list)) if list.is_empty() => {
                Some("No bots yet: add one on the Bots page.".to_owned())
            }
            Some(Ok(_)) => None,
        })
    };
    view! {
        <div class="field">
            <label for="did-bot">"Assign Bot"</label>
            <select
                id="did-bot"
                name="bot_id"
                disabled=move || disabled.get()
                aria-describedby="did-bot-help"
                prop:value=chosen
                on:change=move |ev| form.bot.set(Uuid::parse_str(&event_target_value(&ev)).ok())
            >
                {options}
            </select>
            <p id="did-bot-help" class="field-help">"Bot to handle inbound calls"</p>
            {move || note().map(|n| view! { <p class="field-help">{n}</p> })}
        </div>
    }
}
