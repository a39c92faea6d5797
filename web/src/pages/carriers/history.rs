//! A carrier's History: who changed it or its numbers, what, and when (in the
//! user's time zone), newest first. Field names only: the audit log never holds values.

use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::accounts::AuditEntry;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::relative_time::absolute;
use crate::components::status::{InlineLoading, LoadError};

/// The spec's label of a carrier's or a number's field, as the forms show it.
fn field_label(field: &str) -> &str {
    match field {
        "name" => "Name",
        "sip_address" => "SIP Address",
        "transport" => "Transport",
        "destination_country" => "Destination Country",
        "number_format" => "Carrier sends numbers as",
        "username" => "Username (outbound)",
        "password" => "Password (outbound)",
        "inbound_auth" => "Inbound Authentication",
        "allowed_ips" => "Inbound IP Allowlist",
        "outbound_cps" => "Outbound CPS",
        "outbound_burst" => "Outbound Burst",
        "outbound_channels" => "Outbound Channels",
        "number" => "Number",
        "direction" => "Direction",
        "label" => "Label",
        "bot_id" => "Assigned Bot",
        "monitor_reachability" => "Monitor reachability",
        other => other,
    }
}

/// What happened, in words: "Changed the carrier", "Added number +1…".
fn what(entry: &AuditEntry) -> String {
    let number = entry.detail.as_deref().unwrap_or("a number");
    match entry.action.as_str() {
        "carrier.create" => "Created the carrier".into(),
        "carrier.update" => "Changed the carrier".into(),
        "carrier.delete" => "Deleted the carrier".into(),
        "number.create" => format!("Added number {number}"),
        "number.update" => format!("Changed number {number}"),
        "number.delete" => format!("Removed number {number}"),
        other => other.to_owned(),
    }
}

#[component]
pub fn CarrierHistory(
    id: Uuid,
    /// The carrier's version: a new one (a save, a number change) reads the history again.
    #[prop(into)]
    version: Signal<i64>,
) -> impl IntoView {
    let entries = RwSignal::new(None::<Vec<AuditEntry>>);
    let next = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let loading_more = RwSignal::new(false);
    let load = move |cursor: Option<String>| {
        spawn_local(async move {
            match api::carrier_history(id, cursor.as_deref()).await {
                Ok(page) => {
                    failure.set(None);
                    next.set(page.next_cursor);
                    if cursor.is_some() {
                        entries.update(|e| e.get_or_insert_default().extend(page.items));
                    } else {
                        entries.set(Some(page.items));
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
            loading_more.set(false);
        });
    };
    Effect::new(move |_| {
        version.track();
        load(None);
    });

    view! {
        <section class="card inspect-section" aria-labelledby="history-heading" id="carrier-history">
            <header class="section-header">
                <h2 id="history-heading">"History"</h2>
            </header>
            {move || match (entries.get(), failure.get()) {
                (Some(items), _) if items.is_empty() => view! {
                    <p class="muted">"No changes recorded yet."</p>
                }
                .into_any(),
                (Some(items), _) => view! { <HistoryList items/> }.into_any(),
                (None, Some(error)) => view! {
                    <LoadError error on_retry=move |()| load(None)/>
                }
                .into_any(),
                (None, None) => view! { <InlineLoading label="Loading history…"/> }.into_any(),
            }}
            <Show when=move || next.with(Option::is_some)>
                <button
                    type="button"
                    class="btn history-more"
                    id="history-more"
                    disabled=move || loading_more.get()
                    on:click=move |_| {
                        loading_more.set(true);
                        load(next.get_untracked());
                    }
                >
                    {move || if loading_more.get() { "Loading…" } else { "Show older changes" }}
                </button>
            </Show>
        </section>
    }
}

#[component]
fn HistoryList(items: Vec<AuditEntry>) -> impl IntoView {
    let auth = use_auth();
    let timezone = auth.timezone();
    view! {
        <ol class="history-list">
            {items
                .into_iter()
                .map(|entry| {
                    let when = absolute(entry.at, timezone.as_deref());
                    let who = entry.actor_email.clone().unwrap_or_else(|| "The system".into());
                    let fields = entry
                        .fields
                        .iter()
                        .map(|f| field_label(f).to_owned())
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <li class="history-entry" data-action=entry.action.clone()>
                            <p class="history-what">
                                <strong>{what(&entry)}</strong>
                                {(!fields.is_empty()).then(|| view! { <span class="history-fields">": " {fields}</span> })}
                            </p>
                            <p class="history-meta">{who} " · " {when}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
