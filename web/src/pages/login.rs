//! The login page at `/login`, outside the shell.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use ori_shared::accounts::{LoginRequest, Me};
use serde::Deserialize;

use crate::api;
use crate::app::CARRIERS_PATH;
use crate::auth::{Status, use_auth};
use crate::components::status::Loading;

#[component]
pub fn Login() -> impl IntoView {
    let auth = use_auth();
    let status = Memo::new(move |_| auth.status());
    move || match status.get() {
        Status::Checking => view! { <Loading/> }.into_any(),
        // Already signed in (or just now): the console is the place to be.
        Status::SignedIn => view! { <Redirect path=CARRIERS_PATH/> }.into_any(),
        Status::SignedOut | Status::Unreachable => view! { <LoginForm/> }.into_any(),
    }
}

/// The part of `LoginResponse` the console uses: the session lives in the cookie, so the
/// token and its expiry are skipped (not decoding `expires_at` keeps the date-time parser
/// out of the wasm).
#[derive(Deserialize)]
struct LoginAnswer {
    user: Me,
}

#[component]
fn LoginForm() -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
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
            password: password.get_untracked(),
        };
        spawn_local(async move {
            let result = api::post::<_, LoginAnswer>("/api/v1/auth/login", &request).await;
            pending.set(false);
            match result {
                // The page re-renders as signed in and redirects to the carriers.
                Ok(response) => auth.sign_in(response.user),
                Err(e) => error.set(Some(e.detail)),
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
                <h1>"Log in"</h1>
                <form class="form" on:submit=on_submit>
                    <div class="field">
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
                    <div class="field">
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
                        {move || if pending.get() { "Logging in…" } else { "Log in" }}
                    </button>
                </form>
            </main>
        </div>
    }
}
