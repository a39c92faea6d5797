//! The carrier list at `/dashboard/carriers`: search, the seven columns, paging, and
//! the empty and no-match states.

use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use ori_shared::carrier::format_pacing;
use ori_shared::dto::{CarrierPage, CarrierSummary, Reachability, SyncStatus};

use crate::api::{self, CARRIERS_PAGE};
use crate::components::badge::{AuthBadges, SyncBadge};
use crate::components::guide_panel::GuideButton;
use crate::components::icons::{CloseIcon, PlusIcon, SearchIcon, TrunkIcon};
use crate::components::relative_time::{RelativeTime, use_clock};
use crate::components::status::{InlineLoading, LoadError};
use crate::components::super_admin::SuperAdminOnly;
use crate::components::title::use_title;
use crate::routes;

/// How long typing pauses before the list asks the server.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);
/// How often the list refreshes while a carrier on it is still syncing.
const PENDING_REFRESH: Duration = Duration::from_secs(3);

#[component]
pub fn CarriersListPage() -> impl IntoView {
    use_title(|| "Carriers".into());
    view! {
        <SuperAdminOnly>
            <CarrierList/>
        </SuperAdminOnly>
    }
}

#[component]
fn CarrierList() -> impl IntoView {
    // What the box shows, and the search the list was asked for (debounced).
    let typed = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    // The cursors of the pages before this one: empty on the first page.
    let cursors = RwSignal::new(Vec::<String>::new());
    let page = LocalResource::new(move || {
        let q = query.get();
        let cursor = cursors.with(|c| c.last().cloned());
        async move { api::list_carriers(&q, cursor.as_deref()).await }
    });

    // Pending badges turn synced or error without a reload.
    let tick = use_clock(PENDING_REFRESH);
    Effect::new(move |_| {
        tick.track();
        let any_pending = page.with_untracked(|p| {
            matches!(p, Some(Ok(p)) if p.items.iter().any(|c| c.sync_status == SyncStatus::Pending))
        });
        if any_pending {
            page.refetch();
        }
    });

    let search_now = move |text: String| {
        if query.get_untracked() != text.trim() {
            cursors.set(Vec::new());
            query.set(text.trim().to_owned());
        }
    };
    let mut search_later = debounce(SEARCH_DEBOUNCE, search_now);
    let search_input = NodeRef::<Input>::new();
    let clear = Callback::new(move |()| {
        typed.set(String::new());
        search_now(String::new());
        if let Some(input) = search_input.get_untracked() {
            let _ = input.focus();
        }
    });
    let navigate = use_navigate();
    let add = Callback::new(move |_: leptos::ev::MouseEvent| {
        navigate(routes::CARRIER_NEW, Default::default())
    });

    view! {
        <header class="page-header">
            <div>
                <h1>"Carriers"</h1>
                <p class="page-subtitle">"Every SIP carrier configured in the system, and whether LiveKit holds it."</p>
            </div>
            <div class="page-actions">
                <GuideButton/>
                <button type="button" class="btn btn-primary" on:click=move |ev| add.run(ev)>
                    <PlusIcon/>
                    "Add Carrier"
                </button>
            </div>
        </header>
        <div class="toolbar">
            <div class="search">
                <SearchIcon/>
                <input
                    type="search"
                    class="search-input"
                    node_ref=search_input
                    placeholder="Search by name or SIP address"
                    aria-label="Search carriers by name or SIP address"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || typed.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        typed.set(text.clone());
                        search_later(text);
                    }
                    on:keydown=move |ev: KeyboardEvent| {
                        if ev.key() == "Escape" && !typed.get_untracked().is_empty() {
                            clear.run(());
                        }
                    }
                />
                <Show when=move || !typed.get().is_empty()>
                    <button type="button" class="icon-btn search-clear" aria-label="Clear search" on:click=move |_| clear.run(())>
                        <CloseIcon/>
                    </button>
                </Show>
            </div>
        </div>
        <Transition fallback=|| view! { <InlineLoading label="Loading carriers…"/> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(result) => view! {
                        <Results page=result query cursors clear add/>
                    }
                    .into_any(),
                    Err(error) => view! {
                        <LoadError error on_retry=move |()| page.refetch()/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The table, or the empty or no-match state, and the pager.
#[component]
fn Results(
    page: CarrierPage,
    query: RwSignal<String>,
    cursors: RwSignal<Vec<String>>,
    clear: Callback<()>,
    add: Callback<leptos::ev::MouseEvent>,
) -> impl IntoView {
    let searching = !query.get_untracked().is_empty();
    if page.total == 0 && searching {
        let q = query.get_untracked();
        return view! {
            <section class="card empty-state" aria-live="polite">
                <SearchIcon/>
                <h2>"No carrier matches “" {q} "”"</h2>
                <p>"The search looks at carrier names and SIP addresses, in any case."</p>
                <button type="button" class="btn" on:click=move |_| clear.run(())>"Clear search"</button>
            </section>
        }
        .into_any();
    }
    if page.total == 0 && cursors.with_untracked(Vec::is_empty) {
        return view! {
            <section class="card empty-state">
                <TrunkIcon/>
                <h2>"No carriers yet"</h2>
                <p>"Add the SIP trunk your provider gave you, then its phone numbers."</p>
                <button type="button" class="btn btn-primary" on:click=move |ev| add.run(ev)>
                    <PlusIcon/>
                    "Add Carrier"
                </button>
            </section>
        }
        .into_any();
    }
    let index = cursors.with_untracked(Vec::len) as u64;
    let first = index * u64::from(CARRIERS_PAGE) + 1;
    let last = first + page.items.len() as u64 - 1;
    let summary = if searching {
        format!("{first}–{last} of {} matching carriers", page.total)
    } else {
        format!("{first}–{last} of {} carriers", page.total)
    };
    let next = page.next_cursor.clone();
    let has_next = next.is_some();
    view! {
        <div class="card table-card">
            <div class="table-wrap">
                <table class="table carriers-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"SIP Address"</th>
                            <th scope="col">"Auth"</th>
                            <th scope="col" class="num">"DIDs"</th>
                            <th scope="col">"CPS"</th>
                            <th scope="col">"LiveKit"</th>
                            <th scope="col">"Last Synced"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page.items.into_iter().map(|carrier| view! { <Row carrier/> }).collect_view()}
                    </tbody>
                </table>
            </div>
            <footer class="table-footer">
                <p class="muted" aria-live="polite">{summary}</p>
                <Show when=move || { index > 0 || has_next }>
                    <div class="pager">
                        <button
                            type="button"
                            class="btn btn-small"
                            disabled=index == 0
                            on:click=move |_| cursors.update(|c| {
                                c.pop();
                            })
                        >
                            "Previous"
                        </button>
                        <button
                            type="button"
                            class="btn btn-small"
                            disabled=!has_next
                            on:click={
                                let next = next.clone();
                                move |_| {
                                    if let Some(cursor) = next.clone() {
                                        cursors.update(|c| c.push(cursor));
                                    }
                                }
                            }
                        >
                            "Next"
                        </button>
                    </div>
                </Show>
            </footer>
        </div>
    }
    .into_any()
}

/// One carrier; the whole row opens its detail page, by mouse or by keyboard (Enter).
#[component]
fn Row(carrier: CarrierSummary) -> impl IntoView {
    let navigate = use_navigate();
    let href = routes::carrier(carrier.id);
    let open = {
        let href = href.clone();
        move || navigate(&href, Default::default())
    };
    let on_click = {
        let open = open.clone();
        move |_| open()
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            open();
        }
    };
    let label = format!("Open carrier {}", carrier.name);
    let has_allowlist = carrier.allowed_ip_count > 0;
    let status = carrier.sync_status;
    let last_synced = carrier.last_synced_at;
    view! {
        <tr class="row-link" tabindex="0" data-href=href aria-label=label on:click=on_click on:keydown=on_keydown>
            <td class="cell-name">
                {carrier.name}
                {(carrier.reachability == Reachability::Unreachable).then(|| view! {
                    " " <span class="badge badge-red" title="3 SIP OPTIONS in a row got no answer">"Unreachable"</span>
                })}
            </td>
            <td class="mono cell-address">{carrier.sip_address}</td>
            <td>
                <AuthBadges has_password=carrier.has_password has_allowlist=has_allowlist inbound_open=carrier.inbound_open/>
            </td>
            <td class="num">{carrier.did_count}</td>
            <td class="nowrap">{format_pacing(carrier.outbound_cps, carrier.outbound_burst)}</td>
            <td><SyncBadge status=Signal::stored(status)/></td>
            <td class="nowrap"><RelativeTime at=Signal::stored(last_synced)/></td>
        </tr>
    }
}
