//! Add carrier at `/dashboard/carriers/create`.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use ori_shared::dto::CarrierCreate;

use super::BackLink;
use super::form::{CarrierFields, CarrierForm, Mode};
use crate::api;
use crate::components::super_admin::SuperAdminOnly;
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::routes;

#[component]
pub fn CarrierCreatePage() -> impl IntoView {
    use_title(|| "Add carrier".into());
    view! {
        <SuperAdminOnly>
            <CreateForm/>
        </SuperAdminOnly>
    }
}

#[component]
fn CreateForm() -> impl IntoView {
    let form = CarrierForm::new();
    let errors = Memo::new(move |_| form.create_body().validate().err().unwrap_or_default());
    let toasts = use_toasts();
    let navigate = use_navigate();
    let cancel = {
        let navigate = navigate.clone();
        move |_| navigate(routes::CARRIERS, Default::default())
    };
    let create = Action::new_local(move |body: &CarrierCreate| {
        let body = body.clone();
        let navigate = navigate.clone();
        async move {
            match api::create_carrier(&body).await {
                Ok(created) => {
                    let carrier = created.value;
                    toasts.success(format!("Carrier “{}” created.", carrier.name));
                    navigate(&routes::carrier(carrier.id), Default::default());
                }
                Err(e) => {
                    toasts.api_error(&e);
                    form.set_server_errors(e.errors);
                }
            }
        }
    });
    let pending = create.pending();
    // The spec: disabled until Name and SIP Address are filled in and valid; the form's
    // other fields start valid (defaults), so any message also keeps it disabled.
    let can_submit = move || !pending.get() && errors.with(|e| e.is_empty());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !can_submit() {
            form.touch_all();
            return;
        }
        create.dispatch(form.create_body());
    };
    view! {
        <BackLink/>
        <header class="page-header">
            <div>
                <h1>"Add carrier"</h1>
                <p class="page-subtitle">"Describe the SIP trunk your provider gave you."</p>
            </div>
        </header>
        <form class="carrier-form" novalidate on:submit=on_submit>
            <CarrierFields form errors=errors mode=Mode::Create disabled=pending/>
            <p class="form-note" role="note">"LiveKit trunks will be created automatically after saving."</p>
            <div class="form-actions">
                <button type="button" class="btn" disabled=move || pending.get() on:click=cancel>
                    "Cancel"
                </button>
                <button type="submit" class="btn btn-primary" disabled=move || !can_submit()>
                    {move || if pending.get() { "Creating…" } else { "Create Carrier" }}
                </button>
            </div>
        </form>
    }
}
