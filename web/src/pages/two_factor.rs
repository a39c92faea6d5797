//! The two-factor sign-in page at `/dashboard/two-factor`, reached from the user
//! menu (and the only page a super admin sees until it is on, where the console
//! requires it). Turning it on takes three steps: the password, then scanning
//! the QR code and typing the app's code, then the recovery codes, shown once.
//! The code rule is the shared crate's `parse_code`, the one the API runs.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::FieldError;
use ori_shared::two_factor::{
    Code, TwoFactorConfirm, TwoFactorDisable, TwoFactorSetup, TwoFactorSetupRequest,
    TwoFactorStatus, in_groups_of_four, parse_code,
};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::status::{InlineLoading, LoadError};
use crate::components::title::use_title;
use crate::components::toast::use_toasts;
use crate::components::user_menu::FieldInput;

/// Where the page stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Loading,
    Failed(ApiError),
    /// Off: the password starts enrolment.
    Off,
    /// A secret to scan, waiting for the app's first code.
    Scan(TwoFactorSetup),
    /// Just turned on: the recovery codes, this once.
    Saved(Vec<String>),
    On(TwoFactorStatus),
}

/// The message of `field` among a 422's errors.
fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    use_title(|| "Two-factor sign-in".into());
    let auth = use_auth();
    let step = RwSignal::new(Step::Loading);
    let required = RwSignal::new(false);
    let fetch = move || {
        step.set(Step::Loading);
        spawn_local(async move {
            step.set(match api::two_factor_status().await {
                Ok(status) => {
                    required.set(status.required);
                    if status.enabled {
                        Step::On(status)
                    } else {
                        Step::Off
                    }
                }
                Err(e) => Step::Failed(e),
            });
        });
    };
    fetch();

    view! {
        <header class="page-header">
            <div>
                <h1>"Two-factor sign-in"</h1>
                <p class="page-subtitle">
                    "After your password, signing in asks for a code from an authenticator app on your phone, such as Google Authenticator, 1Password or Authy."
                </p>
            </div>
        </header>
        <Show when=move || {
            auth.two_factor_setup_required() && !matches!(step.get(), Step::Saved(_))
        }>
            <section class="card notice notice-warning" role="status">
                <h2>"Turn on two-factor sign-in to continue"</h2>
                <p>
                    "Super admins control where calls go, so this console requires a second step at sign-in. The rest of the console opens once it is on."
                </p>
            </section>
        </Show>
        {move || match step.get() {
            Step::Loading => view! { <InlineLoading label="Loading…"/> }.into_any(),
            Step::Failed(error) => view! { <LoadError error on_retry=move |()| fetch()/> }.into_any(),
            Step::Off => view! { <StartSetup step/> }.into_any(),
            Step::Scan(setup) => view! { <ScanAndConfirm setup step/> }.into_any(),
            Step::Saved(codes) => view! { <ShowRecoveryCodes codes on_done=move |()| {
                // The account as it is now (no longer held at this page), without
                // the whole-page check that `auth.check()` would show.
                spawn_local(async move {
                    if let Ok(me) = api::me().await {
                        auth.update(me);
                    }
                });
                fetch();
            }/> }.into_any(),
            Step::On(status) => view! {
                <TwoFactorOn status required=required.get() on_off=move |()| fetch()/>
            }
            .into_any(),
        }}
    }
}

/// Step 1: the password again, so an unattended browser cannot enrol its own phone.
#[component]
fn StartSetup(step: RwSignal<Step>) -> impl IntoView {
    let toasts = use_toasts();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        if password.with_untracked(String::is_empty) {
            error.set(Some("Enter your password.".into()));
            return;
        }
        pending.set(true);
        let body = TwoFactorSetupRequest {
            password: password.get_untracked().into(),
        };
        spawn_local(async move {
            let result = api::set_up_two_factor(&body).await;
            pending.set(false);
            match result {
                Ok(setup) => step.set(Step::Scan(setup)),
                Err(e) => match field_message(&e.errors, "password") {
                    Some(message) => error.set(Some(message)),
                    None => toasts.api_error(&e),
                },
            }
        });
    };
    view! {
        <section class="card two-factor-card" aria-labelledby="two-factor-off">
            <h2 id="two-factor-off">"Two-factor sign-in is off"</h2>
            <p>"Confirm your password to set it up. It takes a minute and your phone."</p>
            <form class="form" novalidate on:submit=submit>
                <FieldInput id="two-factor-password" label="Password" value=password
                    message=error on_touch=move |()| error.set(None) kind="password"
                    autocomplete="current-password" required=true/>
                <div class="form-actions">
                    <button type="submit" id="two-factor-start" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Checking…" } else { "Set up two-factor sign-in" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Step 2: scan the QR code (or type the secret), then the app's code.
#[component]
fn ScanAndConfirm(setup: TwoFactorSetup, step: RwSignal<Step>) -> impl IntoView {
    let toasts = use_toasts();
    let code = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let server_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let rule = move || match parse_code(&code.get()) {
        Ok(Code::Totp(_)) => None,
        _ => Some("Enter the 6-digit code your authenticator app shows now.".to_owned()),
    };
    let message = Signal::derive(move || {
        server_error
            .get()
            .or_else(|| touched.get().then(rule).flatten())
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if pending.get_untracked() || rule().is_some() {
            return;
        }
        pending.set(true);
        let body = TwoFactorConfirm {
            code: code.get_untracked().into(),
        };
        spawn_local(async move {
            let result = api::confirm_two_factor(&body).await;
            pending.set(false);
            match result {
                Ok(codes) => step.set(Step::Saved(codes.recovery_codes)),
                Err(e) => match field_message(&e.errors, "code") {
                    Some(m) => server_error.set(Some(m)),
                    None => toasts.api_error(&e),
                },
            }
        });
    };
    let secret = in_groups_of_four(&setup.secret, " ");
    view! {
        <section class="card two-factor-card" aria-labelledby="two-factor-scan">
            <h2 id="two-factor-scan">"Scan this code with your authenticator app"</h2>
            <div class="two-factor-scan">
                <img class="two-factor-qr" src=setup.qr_code width="200" height="200"
                    alt="QR code holding your two-factor secret"/>
                <div class="two-factor-manual">
                    <p>"Can't scan it? Add an account in the app by hand with this key (time-based, 6 digits):"</p>
                    <p class="mono two-factor-secret" id="two-factor-secret">{secret}</p>
                </div>
            </div>
            <form class="form" novalidate on:submit=submit>
                <FieldInput id="two-factor-code" label="Code from the app" value=code
                    message=message on_touch=move |()| {
                        touched.set(true);
                        server_error.set(None);
                    }
                    mono=true autocomplete="one-time-code" required=true
                    help="The 6 digits the app shows for Ori; they change every 30 seconds."/>
                <div class="form-actions">
                    <button type="button" class="btn" disabled=move || pending.get()
                        on:click=move |_| step.set(Step::Off)>"Cancel"</button>
                    <button type="submit" id="two-factor-confirm" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Turning on…" } else { "Turn on" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Step 3: the recovery codes, shown this once.
#[component]
fn ShowRecoveryCodes(codes: Vec<String>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    view! {
        <section class="card two-factor-card" aria-labelledby="two-factor-codes">
            <h2 id="two-factor-codes">"Two-factor sign-in is on. Save your recovery codes"</h2>
            <p>
                "If you lose your phone, each of these codes signs you in once instead of the app's code. Keep them somewhere safe, such as your password manager: they are not shown again."
            </p>
            <ol class="recovery-codes mono" id="recovery-codes">
                {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ol>
            <div class="form-actions">
                <button type="button" id="two-factor-done" class="btn btn-primary" on:click=move |_| on_done.run(())>
                    "I have saved them"
                </button>
            </div>
        </section>
    }
}

/// On: what is left, and Turn off where the console allows it.
#[component]
fn TwoFactorOn(
    status: TwoFactorStatus,
    required: bool,
    #[prop(into)] on_off: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let pending = RwSignal::new(false);
    let message =
        move |field: &'static str| Signal::derive(move || errors.with(|e| field_message(e, field)));
    let clear = move |field: &'static str| {
        Callback::new(move |()| errors.update(|e| e.retain(|e| e.field != field)))
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let mut found = Vec::new();
        if password.with_untracked(String::is_empty) {
            found.push(FieldError {
                field: "password".into(),
                message: "Enter your password.".into(),
            });
        }
        if let Err(message) = parse_code(&code.get_untracked()) {
            found.push(FieldError {
                field: "code".into(),
                message,
            });
        }
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        pending.set(true);
        let body = TwoFactorDisable {
            password: password.get_untracked().into(),
            code: Some(code.get_untracked().into()),
        };
        spawn_local(async move {
            let result = api::disable_two_factor(&body).await;
            pending.set(false);
            match result {
                Ok(()) => {
                    toasts.success("Two-factor sign-in is off.");
                    on_off.run(());
                }
                Err(e) if e.errors.is_empty() => toasts.api_error(&e),
                Err(e) => errors.set(e.errors),
            }
        });
    };
    let left = match status.recovery_codes_left {
        1 => "1 recovery code left.".to_owned(),
        n => format!("{n} recovery codes left."),
    };
    view! {
        <section class="card two-factor-card" aria-labelledby="two-factor-on">
            <h2 id="two-factor-on">"Two-factor sign-in is on"</h2>
            <p id="two-factor-left">
                "Signing in asks for your authenticator app's code after the password. " {left}
            </p>
            {if required {
                view! {
                    <p class="muted">"Super admins on this console must keep it on."</p>
                }
                .into_any()
            } else {
                view! {
                    <form class="form" novalidate on:submit=submit aria-label="Turn off two-factor sign-in">
                        <h3 class="account-label">"Turn off"</h3>
                        <FieldInput id="two-factor-off-password" label="Password" value=password
                            message=message("password") on_touch=clear("password") kind="password"
                            autocomplete="current-password" required=true/>
                        <FieldInput id="two-factor-off-code" label="Code from the app" value=code
                            message=message("code") on_touch=clear("code") mono=true
                            autocomplete="one-time-code" required=true
                            help="Or one of your recovery codes."/>
                        <div class="form-actions">
                            <button type="submit" class="btn btn-danger-outline" disabled=move || pending.get()>
                                {move || if pending.get() { "Turning off…" } else { "Turn off two-factor sign-in" }}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            }}
        </section>
    }
}
