//! "What LiveKit holds" on a carrier's page: LiveKit's trunks and dispatch rules,
//! read live, beside what this console wants, every difference highlighted, and a
//! one-click repair (a sync). Read on request: each reading is several LiveKit calls.

use leptos::prelude::*;
use ori_shared::dto::{Carrier, SyncStatus};
use ori_shared::livekit::{FieldComparison, LiveKitComparison, ObjectComparison, ObjectState};
use uuid::Uuid;

use crate::api::{self, ApiError, Tagged};
use crate::components::icons::SyncIcon;
use crate::components::relative_time::RelativeTime;
use crate::components::status::InlineLoading;
use crate::components::toast::use_toasts;

/// Where the panel stands.
#[derive(Debug, Clone, PartialEq)]
enum Panel {
    NotRead,
    InProgress,
    Read(LiveKitComparison),
    Failed(ApiError),
}

#[component]
pub fn LiveKitPanel(
    id: Uuid,
    /// The page's carrier: a new sync result reads LiveKit again.
    #[prop(into)]
    carrier: Signal<Carrier>,
    /// A repair's answer, for the page's carrier.
    on_synced: Callback<Tagged<Carrier>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let reading = RwSignal::new(Panel::NotRead);
    let read = Action::new_local(move |(): &()| async move {
        reading.set(Panel::InProgress);
        match api::carrier_livekit(id).await {
            Ok(comparison) => reading.set(Panel::Read(comparison)),
            Err(e) => reading.set(Panel::Failed(e)),
        }
    });
    let repair = Action::new_local(move |(): &()| async move {
        match api::sync_carrier(id).await {
            Ok(tagged) => {
                match tagged.value.sync_status {
                    SyncStatus::Error => toasts.error(format!(
                        "LiveKit sync failed: {}",
                        tagged
                            .value
                            .sync_error
                            .as_deref()
                            .unwrap_or("LiveKit did not say why.")
                    )),
                    _ => toasts.success("Synced to LiveKit."),
                }
                on_synced.run(tagged);
                read.dispatch(());
            }
            Err(e) => toasts.api_error(&e),
        }
    });
    // Once shown, follow the carrier's syncs: a finished sync changes what LiveKit holds.
    let last_synced = Memo::new(move |_| carrier.with(|c| c.last_synced_at));
    Effect::new(move |previous: Option<()>| {
        last_synced.track();
        let shown = reading.with_untracked(|r| matches!(r, Panel::Read(_)));
        if previous.is_some() && shown && !repair.pending().get_untracked() {
            read.dispatch(());
        }
    });
    let busy = move || read.pending().get() || repair.pending().get();

    view! {
        <section class="card inspect-section" aria-labelledby="livekit-held-heading" id="livekit-held">
            <header class="section-header">
                <div>
                    <h2 id="livekit-held-heading">"What LiveKit holds"</h2>
                    <p class="section-help">
                        "LiveKit's trunks and dispatch rules for this carrier, read now, beside what this console wants. Passwords are never shown, only whether they match."
                    </p>
                </div>
                <button
                    type="button"
                    class="btn"
                    id="livekit-held-read"
                    disabled=busy
                    on:click=move |_| {
                        read.dispatch(());
                    }
                >
                    {move || match reading.get() {
                        Panel::NotRead => "Compare with LiveKit",
                        Panel::InProgress => "Reading LiveKit…",
                        _ => "Read again",
                    }}
                </button>
            </header>
            {move || match reading.get() {
                Panel::NotRead => ().into_any(),
                Panel::InProgress => view! { <InlineLoading label="Reading LiveKit…"/> }.into_any(),
                Panel::Failed(error) => view! {
                    <div class="banner banner-red" role="alert" id="livekit-held-error">
                        <span class="banner-dot" aria-hidden="true"></span>
                        <p>{error.detail}</p>
                    </div>
                }
                .into_any(),
                Panel::Read(comparison) => view! {
                    <Comparison comparison repairing=repair.pending() on_repair=Callback::new(move |()| {
                        repair.dispatch(());
                    })/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Comparison(
    comparison: LiveKitComparison,
    repairing: Memo<bool>,
    on_repair: Callback<()>,
) -> impl IntoView {
    let differences = comparison.differences();
    let read_at = Signal::derive(move || Some(comparison.read_at));
    let summary = if comparison.in_sync {
        view! {
            <div class="banner banner-green" role="status" id="livekit-held-summary">
                <span class="banner-dot" aria-hidden="true"></span>
                <p>
                    <strong>"LiveKit holds exactly what this console wants"</strong>
                    <span class="banner-detail">" · read " <RelativeTime at=read_at/></span>
                </p>
            </div>
        }
        .into_any()
    } else {
        let plural = if differences == 1 { "" } else { "s" };
        view! {
            <div class="banner banner-red" role="status" id="livekit-held-summary">
                <span class="banner-dot" aria-hidden="true"></span>
                <div class="banner-grow">
                    <p>
                        <strong>{format!("{differences} difference{plural} from this console")}</strong>
                        <span class="banner-detail">" · read " <RelativeTime at=read_at/></span>
                    </p>
                    <p class="banner-hint">"Repair sends this console's configuration to LiveKit again."</p>
                </div>
                <button
                    type="button"
                    class="btn btn-primary"
                    id="livekit-held-repair"
                    disabled=move || repairing.get()
                    on:click=move |_| on_repair.run(())
                >
                    <SyncIcon spinning=repairing/>
                    {move || if repairing.get() { "Repairing…" } else { "Repair (sync now)" }}
                </button>
            </div>
        }
        .into_any()
    };
    let objects = comparison.objects;
    view! {
        {summary}
        {if objects.is_empty() {
            view! { <p class="muted">"This carrier needs nothing in LiveKit yet: add a phone number."</p> }.into_any()
        } else {
            objects.into_iter().map(|o| view! { <HeldObject object=o/> }).collect_view().into_any()
        }}
    }
}

fn state_badge(state: ObjectState) -> &'static str {
    match state {
        ObjectState::Matches => "badge badge-green",
        ObjectState::Differs | ObjectState::Missing | ObjectState::Unwanted => "badge badge-red",
    }
}

#[component]
fn HeldObject(object: ObjectComparison) -> impl IntoView {
    let ObjectComparison {
        label,
        livekit_id,
        state,
        fields,
        ..
    } = object;
    view! {
        <div class="held-object" data-state=format!("{state:?}").to_lowercase()>
            <h3>
                {label}
                " "
                <span class=state_badge(state)>{state.label()}</span>
                {livekit_id.map(|id| view! { <span class="held-id mono">{id}</span> })}
            </h3>
            <div class="table-wrap">
                <table class="table held-table">
                    <thead>
                        <tr>
                            <th scope="col">"Field"</th>
                            <th scope="col">"This console wants"</th>
                            <th scope="col">"LiveKit holds"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {fields.into_iter().map(|f| view! { <FieldRow field=f/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn FieldRow(field: FieldComparison) -> impl IntoView {
    let values = |values: Vec<String>| {
        if values.is_empty() {
            view! { <span class="muted">"—"</span> }.into_any()
        } else {
            values
                .into_iter()
                .map(|v| view! { <span class="held-value mono">{v}</span> })
                .collect_view()
                .into_any()
        }
    };
    let differs = !field.matches;
    view! {
        <tr class:held-differs=differs data-field=field.field>
            <th scope="row">
                {field.label}
                {differs.then(|| view! { <span class="visually-hidden">" (differs)"</span> })}
            </th>
            <td>{values(field.wanted)}</td>
            <td>{values(field.held)}</td>
        </tr>
    }
}
