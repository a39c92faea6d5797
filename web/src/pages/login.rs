//! The login page at `/login`, outside the shell.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use ori_shared::accounts::LoginRequest;

use crate::api;
use crate::auth::{Status, use_auth};
use crate::components::status::Loading;
use crate::components::title::use_title;
use crate::components::user_menu::focus_soon;
use crate::routes;

#[component]
pub fn Login() -> impl IntoView {
    let auth = use_auth();
    use_title(|| "Log in".into());
    let status = Memo::new(move |_| auth.status());
    move || match status.get() {
        Status::Checking => view! { <Loading/> }.into_any(),
        // Already signed in (or just now): back to where an ended session was, or the console.
        Status::SignedIn => {
            let path = auth
                .return_to()
                .unwrap_or_else(|| routes::CARRIERS.to_owned());
            view! { <Redirect path=path/> }.into_any()
        }
        Status::SignedOut | Status::Unreachable => view! { <LoginForm/> }.into_any(),
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // The second step: the password was right and the account asks for a code.
    let code = RwSignal::new(String::new());
    let needs_code = RwSignal::new(false);
    // A plain task and two signals rather than an `Action`: much less wasm.
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let request = LoginRequest {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked().into(),
            code: needs_code
                .get_untracked()
                .then(|| code.get_untracked().into()),
        };
        spawn_local(async move {
            let result = api::log_in(&request).await;
            pending.set(false);
            match result {
                // The page re-renders as signed in and redirects to the carriers.
                Ok(me) => auth.sign_in(me),
                Err(e) => {
                    // A 401 naming `code`: the password was right, now the code.
                    if e.is_unauthorized() && e.errors.iter().any(|f| f.field == "code") {
                        if !needs_code.get_untracked() {
                            needs_code.set(true);
                            code.set(String::new());
                            error.set(None);
                            focus_soon("login-code");
                            return;
                        }
                        code.set(String::new());
                        focus_soon("login-code");
                    }
                    // A 422 names the empty field; say that rather than the summary.
                    error.set(Some(
                        e.errors.into_iter().next().map_or(e.detail, |f| f.message),
                    ));
                }
            }
        });
    };

    view! {
        <div class="center-page">
            <main class="card login-card">
                <div class="brand brand-login">
                    <span class="brand-mark" aria-hidden="true">"O"</span>
                    <span class="brand-name">"Ori console"</span>
                </div>
                <h1>{move || if needs_code.get() { "Two-factor sign-in" } else { "Log in" }}</h1>
                <Show when=move || auth.ended() && error.get().is_none()>
                    <p class="form-notice" role="status">
                        "Your session has ended. Log in again to continue."
                    </p>
                </Show>
                <form class="form" on:submit=on_submit>
                    // Hidden, not removed, in the second step: the same request goes again with the code.
                    <div class="field" hidden=move || needs_code.get()>
                        <label for="login-email">"Email"</label>
                        <input
                            id="login-email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            required
                            autofocus
                            bind:value=email
                        />
                    </div>
                    <div class="field" hidden=move || needs_code.get()>
                        <label for="login-password">"Password"</label>
                        <input
                            id="login-password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            bind:value=password
                        />
                    </div>
                    <Show when=move || needs_code.get()>
                        <div class="field">
                            <label for="login-code">"Authentication code"</label>
                            <input
                                id="login-code"
                                name="code"
                                type="text"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                spellcheck="false"
                                class="mono"
                                required
                                aria-describedby="login-code-help"
                                bind:value=code
                            />
                            <p class="field-help" id="login-code-help">
                                "The 6-digit code from your authenticator app for "
                                <strong>{move || email.get()}</strong>
                                ". Lost your phone? Enter one of your recovery codes instead."
                            </p>
                        </div>
                    </Show>
                    {move || {
                        error
                            .get()
                            .map(|message| {
                                view! {
                                    <p class="form-error" role="alert">{message}</p>
                                }
                            })
                    }}
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                        {move || match (pending.get(), needs_code.get()) {
                            (true, false) => "Logging in…",
                            (false, false) => "Log in",
                            (true, true) => "Verifying…",
                            (false, true) => "Verify",
                        }}
                    </button>
                    <Show when=move || needs_code.get()>
                        <button type="button" class="btn btn-block"
                            on:click=move |_| {
                                needs_code.set(false);
                                code.set(String::new());
                                error.set(None);
                            }>
                            "Use another account"
                        </button>
                    </Show>
                </form>
            </main>
        </div>
    }
}
