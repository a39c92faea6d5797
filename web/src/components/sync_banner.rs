//! The banner below a carrier's header: is LiveKit holding this configuration?

use leptos::prelude::*;
use ori_shared::dto::{Carrier, SyncStatus};

use crate::components::relative_time::RelativeTime;

/// Synced (green) "LiveKit trunk is synced" with the last synced time; error (red) with
/// LiveKit's message (and, when a retry cannot fix it, that it needs a change); pending (grey) "Sync pending".
#[component]
pub fn SyncBanner(#[prop(into)] carrier: Signal<Carrier>) -> impl IntoView {
    let status = Memo::new(move |_| carrier.with(|c| c.sync_status));
    let last_synced = Signal::derive(move || carrier.with(|c| c.last_synced_at));
    move || {
        match status.get() {
        SyncStatus::Synced => view! {
            <div class="banner banner-green" role="status">
                <span class="banner-dot" aria-hidden="true"></span>
                <p>
                    <strong>"LiveKit trunk is synced"</strong>
                    <Show when=move || last_synced.get().is_some()>
                        <span class="banner-detail">" · last synced " <RelativeTime at=last_synced/></span>
                    </Show>
                </p>
            </div>
        }
        .into_any(),
        SyncStatus::Error => view! {
            <div class="banner banner-red" role="alert">
                <span class="banner-dot" aria-hidden="true"></span>
                <div>
                    <p><strong>"LiveKit sync failed"</strong></p>
                    <p class="banner-message">
                        {move || carrier.with(|c| c.sync_error.clone()).unwrap_or_else(|| "LiveKit did not say why.".into())}
                    </p>
                    {move || if carrier.with(|c| c.sync_needs_change) {
                        view! { <p class="banner-hint"><strong>"Needs a change: "</strong>"retrying will not fix this. Change what the message names, then save or use Sync to LiveKit; if it keeps failing, escalate to engineering."</p> }.into_any()
                    } else {
                        view! { <p class="banner-hint">"Use Sync to LiveKit to retry; if it keeps failing, escalate to engineering."</p> }.into_any()
                    }}
                </div>
            </div>
        }
        .into_any(),
        SyncStatus::Pending => view! {
            <div class="banner banner-grey" role="status">
                <span class="banner-dot banner-dot-pulse" aria-hidden="true"></span>
                <p><strong>"Sync pending"</strong></p>
            </div>
        }
        .into_any(),
    }
    }
}
