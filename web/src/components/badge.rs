//! Small coloured labels: sync status, reachability and authentication methods.

use leptos::prelude::*;
use ori_shared::dto::{Reachability, SyncStatus};

/// The LiveKit sync status: synced green, error red, pending grey.
#[component]
pub fn SyncBadge(#[prop(into)] status: Signal<SyncStatus>) -> impl IntoView {
    let class = move || match status.get() {
        SyncStatus::Synced => "badge badge-green",
        SyncStatus::Error => "badge badge-red",
        SyncStatus::Pending => "badge badge-grey",
    };
    view! { <span class=class>{move || status.get().as_str()}</span> }
}

/// **Password** when a SIP password is set, **IP** when an allowlist is; either, both or none;
/// and a red **Open inbound** when anyone can call its inbound numbers (`inbound_open`).
#[component]
pub fn AuthBadges(has_password: bool, has_allowlist: bool, inbound_open: bool) -> impl IntoView {
    let none = !has_password && !has_allowlist && !inbound_open;
    view! {
        <span class="badges">
            {inbound_open.then(|| view! { <span class="badge badge-red" title="Anyone can call its inbound numbers: set a password or an IP allowlist">"Open inbound"</span> })}
            {has_password.then(|| view! { <span class="badge badge-blue" title="A SIP password is set">"Password"</span> })}
            {has_allowlist.then(|| view! { <span class="badge badge-blue" title="An IP allowlist is set">"IP"</span> })}
            {none.then(|| view! { <span class="muted" title="No password and no IP allowlist">"—"</span> })}
        </span>
    }
}

/// The reachability monitor's verdict: reachable green, unreachable red, checking grey;
/// nothing when the carrier is not monitored.
#[component]
pub fn ReachabilityBadge(#[prop(into)] state: Signal<Reachability>) -> impl IntoView {
    move || {
        let state = state.get();
        let class = match state {
            Reachability::Off => return None,
            Reachability::Reachable => "badge badge-green",
            Reachability::Unreachable => "badge badge-red",
            Reachability::Unknown => "badge badge-grey",
        };
        Some(view! { <span class=class data-reachability=state.as_str()>{state.label()}</span> })
    }
}
