//! Add carrier at `/dashboard/carriers/create`, optionally started from one of the
//! setup guide's recipes (`?recipe=twilio`: see `recipes.rs`).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use ori_shared::dto::CarrierCreate;

use super::BackLink;
use super::form::{CarrierFields, CarrierForm, Mode};
use super::recipes::{self, Recipe};
use crate::api;
use crate::components::super_admin::SuperAdminOnly;
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::routes;

#[component]
pub fn CarrierCreatePage() -> impl IntoView {
    use_title(|| "Add carrier".into());
    let query = use_query_map();
    // A new form when the recipe changes (back and forward between two recipe links);
    // an unknown id is the empty form.
    let recipe_id = Memo::new(move |_| query.with(|q| q.get(recipes::QUERY)));
    view! {
        <SuperAdminOnly>
            {move || {
                let recipe = recipe_id.with(|id| id.as_deref().and_then(recipes::find));
                view! { <CreateForm recipe/> }
            }}
        </SuperAdminOnly>
    }
}

/// What the recipe filled in and what is left to the admin, above the form.
#[component]
fn RecipeNote(recipe: &'static Recipe) -> impl IntoView {
    let to_fill = recipe.to_fill();
    let to_fill = match to_fill.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    view! {
        <section class="recipe-note" aria-labelledby="recipe-note-title">
            <h2 id="recipe-note-title">"Filled in from " {recipe.called}</h2>
            <p>
                "The values the setup guide's recipe gives are filled in below: check them against "
                {recipe.check_with} "."
            </p>
            <p>
                "Still to fill in, marked below: " <strong>{to_fill}</strong> "."
            </p>
            {(!recipe.ask.is_empty()).then(|| view! { <p>{recipe.ask}</p> })}
        </section>
    }
}

#[component]
fn CreateForm(recipe: Option<&'static Recipe>) -> impl IntoView {
    let form = recipe.map_or_else(CarrierForm::new, CarrierForm::from_recipe);
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
        {recipe.map(|recipe| view! { <RecipeNote recipe/> })}
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
