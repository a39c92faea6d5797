//! The login page at `/login`, outside the shell.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use ori_shared::accounts::{LoginRequest, LoginResponse};

use crate::api::{self, ApiError};
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

#[component]
fn LoginForm() -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = Action::new_local(move |request: &LoginRequest| {
        let request = request.clone();
        async move {
            let response: LoginResponse = api::post("/api/v1/auth/login", &request).await?;
            // The page re-renders as signed in and redirects to the carriers.
            auth.sign_in(response.user);
            Ok::<(), ApiError>(())
        }
    });
    let pending = login.pending();
    let error = move || login.value().get().and_then(Result::err).map(|e| e.detail);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        login.dispatch(LoginRequest {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
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
                        error()
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
