//! "Test connection" on a carrier's page: the button in the header and the result
//! card below the banners. The API sends the SIP `OPTIONS`; this shows the answer,
//! or why there was none, in the API's words.

use leptos::prelude::*;
use ori_shared::probe::ProbeResult;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::relative_time::RelativeTime;

/// One run of Test connection and its outcome, shared by the button and the card.
#[derive(Clone, Copy)]
pub struct ConnectionTest {
    run: Action<(), ()>,
    outcome: RwSignal<Option<Result<ProbeResult, ApiError>>>,
}

impl ConnectionTest {
    pub fn new(id: Uuid) -> Self {
        let outcome = RwSignal::new(None);
        let run = Action::new_local(move |(): &()| async move {
            outcome.set(Some(api::probe_carrier(id).await));
        });
        Self { run, outcome }
    }
}

#[component]
pub fn TestConnectionButton(test: ConnectionTest) -> impl IntoView {
    let testing = test.run.pending();
    view! {
        <button
            type="button"
            class="btn"
            id="test-connection"
            disabled=move || testing.get()
            on:click=move |_| {
                test.run.dispatch(());
            }
        >
            {move || if testing.get() { "Testing…" } else { "Test connection" }}
        </button>
    }
}

/// The last result, under the header; nothing until the first test.
#[component]
pub fn ConnectionTestResult(test: ConnectionTest) -> impl IntoView {
    move || {
        test.outcome.get().map(|outcome| match outcome {
            Ok(result) => view! { <ProbeCard result/> }.into_any(),
            Err(error) => view! {
                <div class="banner banner-red" role="alert" id="probe-result">
                    <span class="banner-dot" aria-hidden="true"></span>
                    <p><strong>"The test could not run: "</strong>{error.detail}</p>
                </div>
            }
            .into_any(),
        })
    }
}

#[component]
fn ProbeCard(result: ProbeResult) -> impl IntoView {
    let at = Signal::derive(move || Some(result.at));
    let (class, title) = if result.reachable {
        ("banner banner-green probe-result", "Carrier answered")
    } else {
        ("banner banner-red probe-result", "Carrier did not answer")
    };
    let answer = result
        .status_code
        .map(|code| format!("{code} {}", result.reason.clone().unwrap_or_default()));
    let rows = [
        ("Resolved address", result.resolved.clone()),
        ("Transport", result.transport.map(|t| t.label().to_owned())),
        ("Answer", answer),
        ("Round trip", result.rtt_ms.map(|ms| format!("{ms:.1} ms"))),
        ("Server", result.server.clone()),
        (
            "Allows",
            Some(result.allow.join(", ")).filter(|a| !a.is_empty()),
        ),
    ];
    view! {
        <div class=class role="status" id="probe-result">
            <span class="banner-dot" aria-hidden="true"></span>
            <div class="banner-grow">
                <p>
                    <strong>{title}</strong>
                    <span class="banner-detail">" · tested " <RelativeTime at/></span>
                </p>
                <p class="banner-message" id="probe-message">{result.message.clone()}</p>
                <dl class="probe-facts">
                    {rows
                        .into_iter()
                        .filter_map(|(label, value)| value.map(|v| (label, v)))
                        .map(|(label, value)| view! {
                            <div class="probe-fact">
                                <dt>{label}</dt>
                                <dd class="mono">{value}</dd>
                            </div>
                        })
                        .collect_view()}
                </dl>
            </div>
        </div>
    }
}
