//! A carrier's page at `/dashboard/carriers/:id`: view mode, edit mode, the sync
//! banner, Sync to LiveKit, Delete, its phone numbers (`numbers.rs`), what LiveKit
//! holds (`livekit_panel.rs`) and its history (`history.rs`).
//!
//! The carrier lives in one signal fed by three sources: the first read, the polls
//! while it is pending, and the answers to saves and syncs. A resource would re-render
//! the page on every poll; this way only the parts that changed do, and an open edit
//! form is never touched by a poll.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use ori_shared::FieldErrors;
use ori_shared::carrier::format_pacing;
use ori_shared::dto::{Carrier, CarrierPatch, Reachability, SyncStatus};
use uuid::Uuid;

use super::BackLink;
use super::form::{CarrierFields, CarrierForm, Mode};
use super::history::CarrierHistory;
use super::livekit_panel::LiveKitPanel;
use super::numbers::NumbersSection;
use super::probe_panel::{ConnectionTest, ConnectionTestResult, TestConnectionButton};
use crate::api::{self, ApiError, Tagged};
use crate::components::badge::{ReachabilityBadge, SyncBadge};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::guide_panel::GuideButton;
use crate::components::icons::{PencilIcon, SyncIcon, TrashIcon};
use crate::components::inbound_banner::InboundOpenBanner;
use crate::components::relative_time::RelativeTime;
use crate::components::status::{InlineLoading, LoadError};
use crate::components::super_admin::SuperAdminOnly;
use crate::components::sync_banner::SyncBanner;
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::routes;

/// The spec's confirmation, word for word.
const DELETE_CONFIRMATION: &str = "Are you sure you want to delete this carrier? This will also delete all associated phone numbers.";

/// How often a carrier in error is read again (the reconciler retries with backoff).
const ERROR_POLL: Duration = Duration::from_secs(10);

/// Waits between polls while the carrier is pending: quick at first, then backing off.
fn poll_delay(round: u32) -> Duration {
    const STEPS_MS: [u64; 6] = [250, 250, 500, 500, 1000, 2000];
    let ms = STEPS_MS.get(round as usize).copied().unwrap_or(5000);
    Duration::from_millis(ms)
}

#[component]
pub fn CarrierDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    view! {
        <SuperAdminOnly>
            {move || match id.get() {
                Some(id) => view! { <CarrierDetail id/> }.into_any(),
                None => view! { <CarrierNotFound/> }.into_any(),
            }}
        </SuperAdminOnly>
    }
}

/// Where the page stands.
#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready,
    Failed(ApiError),
}

#[component]
fn CarrierDetail(id: Uuid) -> impl IntoView {
    let carrier = RwSignal::new(None::<Tagged<Carrier>>);
    let failure = RwSignal::new(None::<ApiError>);
    let load = move || {
        spawn_local(async move {
            match api::get_carrier(id).await {
                Ok(tagged) => {
                    failure.set(None);
                    carrier.set(Some(tagged));
                }
                // A poll that fails keeps what is shown; a first read or a deletion says so.
                Err(e) => {
                    let shown = carrier.try_with_untracked(Option::is_some).unwrap_or(false);
                    if !shown || e.is_not_found() {
                        carrier.set(None);
                        failure.set(Some(e));
                    }
                }
            }
        });
    };
    load();

    // While LiveKit has not confirmed, follow the carrier so the banner turns by itself;
    // after an error, keep looking (slowly): the reconciler retries on its own.
    // One timer at a time: every new answer replaces the one scheduled before it.
    let round = StoredValue::new(0_u32);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let schedule = move |delay: Duration| {
        if let Some(previous) = timer.get_value() {
            previous.clear();
        }
        timer.set_value(set_timeout_with_handle(load, delay).ok());
    };
    Effect::new(move |_| {
        let status = carrier.with(|c| c.as_ref().map(|c| c.value.sync_status));
        match status {
            Some(SyncStatus::Pending) => {
                let n = round.get_value();
                round.set_value(n + 1);
                schedule(poll_delay(n));
            }
            Some(SyncStatus::Error) => {
                round.set_value(0);
                schedule(ERROR_POLL);
            }
            _ => round.set_value(0),
        }
    });
    on_cleanup(move || {
        if let Some(handle) = timer.try_get_value().flatten() {
            handle.clear();
        }
    });

    let state = Memo::new(
        move |_| match (carrier.with(Option::is_some), failure.get()) {
            (true, _) => Load::Ready,
            (false, Some(e)) => Load::Failed(e),
            (false, None) => Load::Loading,
        },
    );
    use_title(move || {
        carrier.with(|c| match c {
            Some(c) => format!("{} · Carriers", c.value.name),
            None => "Carrier".into(),
        })
    });

    move || match state.get() {
        Load::Loading => view! { <InlineLoading label="Loading carrier…"/> }.into_any(),
        Load::Failed(e) if e.is_not_found() => view! { <CarrierNotFound/> }.into_any(),
        Load::Failed(error) => view! {
            <BackLink/>
            <LoadError error on_retry=move |()| {
                failure.set(None);
                load();
            }/>
        }
        .into_any(),
        Load::Ready => match carrier.get_untracked() {
            Some(first) => view! {
                <Loaded id carrier first=first.value reload=Callback::new(move |()| load())/>
            }
            .into_any(),
            None => view! { <InlineLoading label="Loading carrier…"/> }.into_any(),
        },
    }
}

/// An edit in progress: the form and the version it started from.
#[derive(Debug, Clone, Copy)]
struct Edit {
    form: CarrierForm,
    base: StoredValue<Tagged<Carrier>>,
    /// Someone else saved since `base` was read (the save got 412).
    stale: RwSignal<bool>,
    /// The form's problems, by the rules the API applies to this patch.
    errors: Memo<FieldErrors>,
}

impl Edit {
    fn of(carrier: &Tagged<Carrier>) -> Self {
        let form = CarrierForm::edit(&carrier.value);
        let current = carrier.value.current();
        Self {
            form,
            base: StoredValue::new(carrier.clone()),
            stale: RwSignal::new(false),
            errors: Memo::new(move |_| form.patch_body().apply(&current).err().unwrap_or_default()),
        }
    }
}

#[component]
fn Loaded(
    id: Uuid,
    carrier: RwSignal<Option<Tagged<Carrier>>>,
    /// The carrier when this view appeared.
    first: Carrier,
    reload: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    // The latest carrier; keeps the last one for the moment the page is being left
    // (after a deletion the signal empties before this view is gone).
    let current = Memo::new(move |last: Option<&Carrier>| {
        carrier
            .with(|c| c.as_ref().map(|c| c.value.clone()))
            .or_else(|| last.cloned())
            .unwrap_or_else(|| first.clone())
    });
    let name = Memo::new(move |_| current.with(|c| c.name.clone()));
    let editing = RwSignal::new(None::<Edit>);
    let is_editing = Memo::new(move |_| editing.with(Option::is_some));

    let sync = Action::new_local(move |(): &()| async move {
        match api::sync_carrier(id).await {
            Ok(tagged) => {
                match tagged.value.sync_status {
                    SyncStatus::Synced => toasts.success("LiveKit trunk is synced."),
                    SyncStatus::Error => toasts.error(format!(
                        "LiveKit sync failed: {}",
                        tagged
                            .value
                            .sync_error
                            .as_deref()
                            .unwrap_or("LiveKit did not say why.")
                    )),
                    SyncStatus::Pending => toasts.success("Sync started."),
                }
                carrier.set(Some(tagged));
            }
            Err(e) => toasts.api_error(&e),
        }
    });
    let syncing = sync.pending();
    let connection_test = ConnectionTest::new(id);

    let save = Action::new_local(move |(patch, edit): &(CarrierPatch, Edit)| {
        let (patch, edit) = (patch.clone(), *edit);
        async move {
            let etag = edit.base.with_value(|b| b.etag.clone());
            match api::update_carrier(id, &patch, etag.as_ref()).await {
                Ok(saved) => {
                    carrier.set(Some(saved));
                    editing.set(None);
                    toasts.success("Changes saved.");
                }
                Err(e) if e.is_stale() => edit.stale.set(true),
                Err(e) => {
                    toasts.api_error(&e);
                    edit.form.set_server_errors(e.errors);
                }
            }
        }
    });
    let saving = save.pending();

    let confirm_open = RwSignal::new(false);
    let delete = Action::new_local(move |(): &()| {
        let navigate = navigate.clone();
        async move {
            let (etag, name) = carrier
                .try_with_untracked(|c| c.as_ref().map(|c| (c.etag.clone(), c.value.name.clone())))
                .flatten()
                .unwrap_or_default();
            match api::delete_carrier(id, etag.as_ref()).await {
                Ok(()) => {
                    toasts.success(format!("Carrier “{name}” deleted."));
                    navigate(routes::CARRIERS, Default::default());
                }
                Err(e) if e.is_not_found() => {
                    toasts.success(format!("Carrier “{name}” was already deleted."));
                    navigate(routes::CARRIERS, Default::default());
                }
                Err(e) => {
                    confirm_open.set(false);
                    if e.is_stale() {
                        toasts.error("This carrier was changed by someone else since you opened it, so it was not deleted. Check the latest version and delete again if you still want to.");
                        reload.run(());
                    } else {
                        toasts.api_error(&e);
                    }
                }
            }
        }
    });
    let deleting = delete.pending();

    // An edit's signals belong to this page, not to whatever owner is current when a
    // click or an answer arrives (the view-mode branch, say, which the edit replaces).
    let owner = Owner::current().unwrap_or_default();
    let begin_edit = Callback::new(move |c: Tagged<Carrier>| {
        let edit = owner.with(|| Edit::of(&c));
        editing.set(Some(edit));
    });
    let start_edit = move |_| {
        if let Some(c) = carrier.get_untracked() {
            begin_edit.run(c);
        }
    };

    view! {
        <BackLink/>
        <header class="page-header" class:sticky=move || is_editing.get()>
            <div class="page-title">
                <h1>{move || name.get()}</h1>
                <p class="page-subtitle mono">{move || current.with(|c| c.sip_address.clone())}</p>
            </div>
            <div class="page-actions">
                <GuideButton/>
                <TestConnectionButton test=connection_test/>
                <button
                    type="button"
                    class="btn"
                    disabled=move || syncing.get() || saving.get()
                    on:click=move |_| {
                        sync.dispatch(());
                    }
                >
                    <SyncIcon spinning=syncing/>
                    {move || if syncing.get() { "Syncing…" } else { "Sync to LiveKit" }}
                </button>
                <Show
                    when=move || is_editing.get()
                    fallback=move || view! {
                        <button type="button" class="btn" on:click=start_edit>
                            <PencilIcon/>
                            "Edit"
                        </button>
                        <button type="button" class="btn btn-danger-outline" on:click=move |_| confirm_open.set(true)>
                            <TrashIcon/>
                            "Delete"
                        </button>
                    }
                >
                    <button
                        type="button"
                        class="btn"
                        disabled=move || saving.get()
                        on:click=move |_| editing.set(None)
                    >
                        "Cancel"
                    </button>
                    <SaveButton editing saving/>
                </Show>
            </div>
        </header>
        <SyncBanner carrier=current/>
        <InboundOpenBanner carrier=current/>
        <Show when=move || current.with(|c| c.reachability == Reachability::Unreachable)>
            <div class="banner banner-red" role="status" id="unreachable-banner">
                <span class="banner-dot" aria-hidden="true"></span>
                <div>
                    <p><strong>"Carrier unreachable"</strong>" · its last 3 SIP OPTIONS got no answer"</p>
                    <p class="banner-message">
                        {move || current.with(|c| c.last_probe.as_ref().map(|p| p.message.clone())).unwrap_or_default()}
                    </p>
                    <p class="banner-hint">"It clears by itself at the next answer. Use Test connection to try now."</p>
                </div>
            </div>
        </Show>
        <ConnectionTestResult test=connection_test/>
        {move || match editing.get() {
            Some(edit) => view! {
                <EditForm edit saving on_save=Callback::new(move |patch| {
                    save.dispatch((patch, edit));
                }) on_load_latest=Callback::new(move |()| {
                    // Their version replaces the form; the user applies their change again.
                    spawn_local(async move {
                        match api::get_carrier(id).await {
                            Ok(latest) => {
                                begin_edit.run(latest.clone());
                                carrier.set(Some(latest));
                                toasts.success("Loaded the latest version.");
                            }
                            Err(e) => toasts.api_error(&e),
                        }
                    });
                })/>
            }
            .into_any(),
            None => view! { <ViewFields carrier=current/> }.into_any(),
        }}
        <NumbersSection carrier_id=id carrier=current on_changed=reload/>
        <LiveKitPanel id carrier=current on_synced=Callback::new(move |tagged| carrier.set(Some(tagged)))/>
        <CarrierHistory id version=Signal::derive(move || current.with(|c| c.version))/>
        <ConfirmDialog
            open=confirm_open
            id="delete-carrier"
            title="Delete this carrier?"
            message=DELETE_CONFIRMATION
            confirm_label="Delete"
            pending_label="Deleting…"
            pending=deleting
            on_confirm=move |()| {
                delete.dispatch(());
            }
        />
    }
}

/// Save, in the header: submits the edit form (by its id), disabled while the form
/// has a problem, while saving, or after someone else saved.
#[component]
fn SaveButton(editing: RwSignal<Option<Edit>>, saving: Memo<bool>) -> impl IntoView {
    let blocked = move || {
        editing.with(|e| {
            e.as_ref()
                .is_none_or(|e| e.stale.get() || e.errors.with(|e| !e.is_empty()))
        })
    };
    view! {
        <button
            type="submit"
            form="carrier-edit-form"
            class="btn btn-primary"
            disabled=move || saving.get() || blocked()
        >
            {move || if saving.get() { "Saving…" } else { "Save" }}
        </button>
    }
}

#[component]
fn EditForm(
    edit: Edit,
    saving: Memo<bool>,
    on_save: Callback<CarrierPatch>,
    on_load_latest: Callback<()>,
) -> impl IntoView {
    let form = edit.form;
    let errors = edit.errors;
    let has_password = edit.base.with_value(|b| b.value.has_password);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || edit.stale.get_untracked() {
            return;
        }
        if errors.with_untracked(|e| !e.is_empty()) {
            form.touch_all();
            return;
        }
        on_save.run(form.patch_body());
    };
    view! {
        <Show when=move || edit.stale.get()>
            <section class="card notice notice-warning" role="alert">
                <h2>"Someone else saved this carrier after you opened it"</h2>
                <p>
                    "Your edits were not saved, and nothing of theirs was overwritten. Your edits are still in the form below. "
                    "Load the latest version to see their changes, then make your edit again."
                </p>
                <button type="button" class="btn" on:click=move |_| on_load_latest.run(())>"Load latest version"</button>
            </section>
        </Show>
        <form id="carrier-edit-form" class="carrier-form" novalidate on:submit=on_submit>
            <CarrierFields form errors mode=Mode::Edit { has_password } disabled=saving/>
        </form>
    }
}

/// One read-only value; "—" when empty.
#[component]
fn Item(
    label: &'static str,
    #[prop(into)] value: Signal<Option<String>>,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    view! {
        <div class="item">
            <dt>{label}</dt>
            <dd class:mono=move || mono && value.with(Option::is_some)>
                {move || value.get().unwrap_or_else(|| "—".into())}
            </dd>
        </div>
    }
}

/// The carrier's SIP address is in a private range (it parses, as stored ones do).
fn private_address(text: &str) -> bool {
    ori_shared::carrier::SipAddress::parse(text).is_ok_and(|a| a.is_private())
}

/// View mode: every field of the spec's detail table, read-only.
#[component]
fn ViewFields(#[prop(into)] carrier: Signal<Carrier>) -> impl IntoView {
    let field = move |f: fn(&Carrier) -> Option<String>| Signal::derive(move || carrier.with(f));
    let ips = Memo::new(move |_| carrier.with(|c| c.allowed_ips.clone()));
    view! {
        <div class="detail-sections">
            <section class="card form-section" aria-labelledby="view-connection">
                <h2 id="view-connection">"Connection"</h2>
                <dl class="items">
                    <Item label="Name" value=field(|c| Some(c.name.clone()))/>
                    <Item label="SIP Address" mono=true value=field(|c| Some(c.sip_address.clone()))/>
                    <Item label="Transport" value=field(|c| Some(c.transport.label().to_owned()))/>
                    <Item label="Destination Country" value=field(|c| c.destination_country.clone())/>
                    <Item label="Carrier sends numbers as" value=field(|c| Some(c.number_format.label().to_owned()))/>
                </dl>
                {move || carrier.with(|c| private_address(&c.sip_address)).then(|| view! {
                    <p class="item-note" id="private-address-note">
                        "The SIP address is private: LiveKit must reach it over a private interconnect (VPN or peering)."
                    </p>
                })}
            </section>
            <section class="card form-section" aria-labelledby="view-authentication">
                <h2 id="view-authentication">"Authentication"</h2>
                <dl class="items">
                    <Item label="Username (outbound)" value=field(|c| c.username.clone())/>
                    <Item label="Password (outbound)" value=field(|c| c.has_password.then(|| "••••••••".to_owned()))/>
                    <Item label="Inbound Authentication" value=field(|c| Some(c.inbound_auth.label().to_owned()))/>
                    <div class="item item-wide">
                        <dt>"Inbound IP Allowlist"</dt>
                        <dd>
                            {move || {
                                let ips = ips.get();
                                if ips.is_empty() {
                                    view! { "—" }.into_any()
                                } else {
                                    view! {
                                        <ul class="tags tags-static">
                                            {ips.into_iter().map(|ip| view! { <li class="tag mono">{ip}</li> }).collect_view()}
                                        </ul>
                                    }
                                    .into_any()
                                }
                            }}
                        </dd>
                    </div>
                </dl>
            </section>
            <section class="card form-section" aria-labelledby="view-pacing">
                <h2 id="view-pacing">"Pacing"</h2>
                <dl class="items">
                    <Item label="Outbound CPS" value=field(|c| Some(format!("{}/s", c.outbound_cps)))/>
                    <Item label="Outbound Burst" value=field(|c| Some(c.outbound_burst.to_string()))/>
                    <Item label="Outbound Channels" value=field(|c| Some(c.outbound_channels.to_string()))/>
                    <Item label="Summary" value=field(|c| Some(format_pacing(c.outbound_cps, c.outbound_burst)))/>
                </dl>
            </section>
            <section class="card form-section" aria-labelledby="view-reachability">
                <h2 id="view-reachability">"Reachability"</h2>
                <dl class="items">
                    <Item label="Monitor reachability" value=field(|c| Some(if c.monitor_reachability { "On" } else { "Off" }.to_owned()))/>
                    <Show when=move || carrier.with(|c| c.monitor_reachability)>
                        <div class="item">
                            <dt>"Status"</dt>
                            <dd id="reachability-status">
                                <ReachabilityBadge state=Signal::derive(move || carrier.with(|c| c.reachability))/>
                            </dd>
                        </div>
                        <div class="item">
                            <dt>"Last probe"</dt>
                            <dd><RelativeTime at=Signal::derive(move || carrier.with(|c| c.last_probe.as_ref().map(|p| p.at)))/></dd>
                        </div>
                        <div class="item item-wide">
                            <dt>"Last answer"</dt>
                            <dd id="reachability-message">
                                {move || carrier.with(|c| c.last_probe.as_ref().map(|p| p.message.clone())).unwrap_or_else(|| "—".into())}
                            </dd>
                        </div>
                    </Show>
                </dl>
            </section>
            <section class="card form-section" aria-labelledby="view-livekit">
                <h2 id="view-livekit">"LiveKit"</h2>
                <dl class="items">
                    <div class="item">
                        <dt>"Status"</dt>
                        <dd><SyncBadge status=Signal::derive(move || carrier.with(|c| c.sync_status))/></dd>
                    </div>
                    <div class="item">
                        <dt>"Last Synced"</dt>
                        <dd><RelativeTime at=Signal::derive(move || carrier.with(|c| c.last_synced_at))/></dd>
                    </div>
                    <Item label="Outbound trunk" mono=true value=field(|c| c.livekit_outbound_trunk_id.clone())/>
                    <Item label="Inbound trunk" mono=true value=field(|c| c.livekit_inbound_trunk_id.clone())/>
                </dl>
            </section>
        </div>
    }
}

/// A carrier id that does not exist (or was deleted).
#[component]
fn CarrierNotFound() -> impl IntoView {
    use_title(|| "Carrier not found".into());
    view! {
        <BackLink/>
        <section class="card notice" aria-labelledby="carrier-not-found">
            <h1 id="carrier-not-found">"Carrier not found"</h1>
            <p>"There is no carrier at this address. It may have been deleted, or the link is incomplete."</p>
            <A href=routes::CARRIERS attr:class="btn">"Go to the carrier list"</A>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::poll_delay;
    use std::time::Duration;

    #[test]
    fn polls_quickly_then_backs_off_to_five_seconds() {
        assert_eq!(poll_delay(0), Duration::from_millis(250));
        assert!(poll_delay(3) > poll_delay(1));
        assert_eq!(poll_delay(6), Duration::from_secs(5));
        assert_eq!(poll_delay(1000), Duration::from_secs(5));
    }
}
