//! The warning on a carrier anyone can call: inbound numbers, and neither a
//! password nor an allowlist on its inbound trunk (`inbound_open`).

use leptos::prelude::*;
use ori_shared::dto::Carrier;

#[component]
pub fn InboundOpenBanner(#[prop(into)] carrier: Signal<Carrier>) -> impl IntoView {
    let open = Memo::new(move |_| carrier.with(|c| c.inbound_open));
    move || {
        open.get().then(|| {
            view! {
                <div class="banner banner-red" role="alert" id="inbound-open-banner">
                    <span class="banner-dot" aria-hidden="true"></span>
                    <div>
                        <p><strong>"Anyone can call this carrier's inbound numbers"</strong></p>
                        <p class="banner-message">
                            "Its inbound trunk has no password and no allowed IPs, so LiveKit accepts calls to these numbers from any address."
                        </p>
                        <p class="banner-hint">
                            <strong>"Fix: "</strong>
                            "Edit the carrier and set a Password (digest), or list the carrier's signalling IPs under Allowed IPs and choose IP allowlist."
                        </p>
                    </div>
                </div>
            }
        })
    }
}
