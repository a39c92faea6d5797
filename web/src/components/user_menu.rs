//! The user menu at the foot of the sidebar: a button with the signed-in email that
//! opens the account panel (a native modal `<dialog>`: focus stays inside, Esc closes
//! it, focus returns to the button). In it: the email and role, the time zone every
//! absolute time is shown in, Change password, links to your API tokens and two-factor
//! sign-in, Log out and Log out everywhere.
//!
//! The zone list is the browser's own (`Intl.supportedValuesOf('timeZone')`): no zone
//! table is compiled in. The password rule is the shared crate's `check_new_password`.

use js_sys::{Array, Function, Reflect};
use leptos::ev::SubmitEvent;
use leptos::html::{Dialog, Select};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use ori_shared::FieldError;
use ori_shared::accounts::{MePatch, check_new_password};
use time::OffsetDateTime;
use wasm_bindgen::JsCast;

use crate::api;
use crate::auth::{role_label, use_auth};
use crate::components::icons::{ChevronRightIcon, CloseIcon};
use crate::components::relative_time::absolute;
use crate::components::toast::use_toasts;
use crate::routes;

/// What the picker saves for UTC: the server's plain `UTC` means "never chosen".
const UTC: &str = "Etc/UTC";

/// The picker's value for `zone`: both spellings of UTC are its UTC entry.
fn picker_value(zone: &str) -> String {
    if zone == "UTC" || zone == UTC {
        UTC.to_owned()
    } else {
        zone.to_owned()
    }
}

/// The browser's IANA zones, sorted; empty if it cannot list them.
fn supported_zones() -> Vec<String> {
    let Ok(intl) = Reflect::get(&js_sys::global(), &"Intl".into()) else {
        return Vec::new();
    };
    Reflect::get(&intl, &"supportedValuesOf".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&intl, &"timeZone".into()).ok())
        .and_then(|list| list.dyn_into::<Array>().ok())
        .map(|list| list.iter().filter_map(|z| z.as_string()).collect())
        .unwrap_or_default()
}

/// The zones by region ("Africa", "America", …), in the browser's order.
fn zone_groups(zones: Vec<String>) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for zone in zones {
        let region = zone.split_once('/').map_or("Other", |(r, _)| r).to_owned();
        match groups.last_mut() {
            Some((last, members)) if *last == region => members.push(zone),
            _ => groups.push((region, vec![zone])),
        }
    }
    groups
}

/// How a zone reads in its region's group: `America/Argentina/Buenos_Aires` →
/// "Argentina / Buenos Aires".
fn city_label(zone: &str) -> String {
    let city = zone.split_once('/').map_or(zone, |(_, city)| city);
    city.replace('_', " ").replace('/', " / ")
}

/// Appends `extra` (value, label) and the zones by region as `<option>`s to `select`.
fn fill_zones(
    select: &web_sys::HtmlSelectElement,
    extra: &[(String, String)],
    groups: Vec<(String, Vec<String>)>,
) {
    let doc = document();
    let option = |value: &str, label: &str| {
        let option = doc.create_element("option").ok()?;
        option.set_attribute("value", value).ok()?;
        option.set_text_content(Some(label));
        Some(option)
    };
    for (value, label) in extra {
        if let Some(option) = option(value, label) {
            let _ = select.append_child(&option);
        }
    }
    for (region, zones) in groups {
        let Ok(group) = doc.create_element("optgroup") else {
            return;
        };
        let _ = group.set_attribute("label", &region);
        for zone in zones {
            if let Some(option) = option(&zone, &city_label(&zone)) {
                let _ = group.append_child(&option);
            }
        }
        let _ = select.append_child(&group);
    }
}

fn now() -> OffsetDateTime {
    let nanos = (js_sys::Date::now() as i128) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[component]
pub fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    let dialog = NodeRef::<Dialog>::new();
    let open = RwSignal::new(false);
    let email = move || auth.email().unwrap_or_default();
    let role = move || auth.role().map(role_label);
    let initial = move || {
        auth.email()
            .and_then(|e| e.chars().next())
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_default()
    };
    // Each opening starts from the saved settings.
    let generation = RwSignal::new(0_u32);
    let show = move |_| {
        generation.update(|g| *g += 1);
        if let Some(el) = dialog.get_untracked() {
            if !el.open() {
                let _ = el.show_modal();
            }
            open.set(true);
        }
    };
    let close = Callback::new(move |()| {
        if let Some(el) = dialog.get_untracked() {
            el.close();
        }
    });
    view! {
        <div class="user-menu">
            <button
                type="button"
                class="user-menu-button"
                aria-haspopup="dialog"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="account-dialog"
                title="Your account: time zone, password, API tokens, log out"
                on:click=show
            >
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="user-menu-text">
                    <span class="user-menu-email">{email}</span>
                    <span class="user-menu-role">{role}</span>
                </span>
                <svg class="icon user-menu-chevron" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
                    <path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="m7 15 5-5 5 5"></path>
                </svg>
            </button>
            <dialog
                node_ref=dialog
                id="account-dialog"
                class="dialog account-dialog"
                aria-labelledby="account-title"
                on:close=move |_| open.set(false)
            >
                <header class="account-header">
                    <span class="avatar avatar-large" aria-hidden="true">{initial}</span>
                    <div class="account-who">
                        <h2 id="account-title" class="account-title">"Your account"</h2>
                        <p class="who-email">{email}</p>
                        <p class="who-role">{role}</p>
                    </div>
                    <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| close.run(())>
                        <CloseIcon/>
                    </button>
                </header>
                <TimeZoneSetting generation/>
                <PasswordSetting generation/>
                <nav class="account-section" aria-label="Account pages">
                    <A href=routes::API_TOKENS attr:class="account-link" attr:id="account-api-tokens"
                        on:click=move |_| close.run(())>
                        <span class="account-link-text">
                            <span class="account-link-title">"API tokens"</span>
                            <span class="account-link-help">"Tokens for scripts and integrations"</span>
                        </span>
                        <ChevronRightIcon class="icon account-link-chevron"/>
                    </A>
                    <A href=routes::TWO_FACTOR attr:class="account-link" attr:id="account-two-factor"
                        on:click=move |_| close.run(())>
                        <span class="account-link-text">
                            <span class="account-link-title">"Two-factor sign-in"</span>
                            <span class="account-link-help">"A code from your phone after the password"</span>
                        </span>
                        <ChevronRightIcon class="icon account-link-chevron"/>
                    </A>
                </nav>
                <LogOut/>
            </dialog>
        </div>
    }
}

/// The time zone picker: every absolute time in the console follows the saved zone.
#[component]
fn TimeZoneSetting(generation: RwSignal<u32>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let current = move || picker_value(&auth.timezone().unwrap_or_else(|| UTC.to_owned()));
    let choice = RwSignal::new(current());
    let saving = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        generation.track();
        choice.set(untrack(current));
        error.set(None);
    });

    // Built once: the browser's zones by region, with UTC first, and the account's own
    // zone if the browser does not list it.
    let zones = supported_zones();
    let mut extra = vec![(UTC.to_owned(), "UTC".to_owned())];
    let mine = choice.get_untracked();
    if mine != UTC && !zones.contains(&mine) {
        extra.push((mine.clone(), mine));
    }
    let groups = zone_groups(zones);
    let select = NodeRef::<Select>::new();
    // The ~400 options are plain DOM, written once (no view code per option), and one
    // effect keeps the selection rather than a `selected` closure per option.
    let mut options = Some((extra, groups));
    Effect::new(move |_| {
        let value = choice.get();
        if let Some(el) = select.get() {
            if let Some((extra, groups)) = options.take() {
                fill_zones(&el, &extra, groups);
            }
            el.set_value(&value);
        }
    });

    let saved = Memo::new(move |_| auth.saved_timezone().map(|z| picker_value(&z)));
    let unchanged = move || choice.with(|c| saved.with(|s| s.as_ref() == Some(c)));
    let preview = move || absolute(now(), Some(&choice.get()));
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let zone = choice.get_untracked();
        saving.set(true);
        error.set(None);
        spawn_local(async move {
            let patch = MePatch {
                timezone: Some(zone),
                ..MePatch::default()
            };
            let result = api::update_me(&patch).await;
            saving.set(false);
            match result {
                Ok(me) => {
                    let zone = me.timezone.clone();
                    auth.update(me);
                    toasts.success(format!("Times now show in {zone}."));
                }
                Err(e) => match e.errors.iter().find(|e| e.field == "timezone") {
                    Some(field) => error.set(Some(field.message.clone())),
                    None => toasts.api_error(&e),
                },
            }
        });
    };
    view! {
        <form class="account-section" aria-label="Time zone" on:submit=save>
            <div class="field" class:invalid=move || error.with(Option::is_some)>
                <label for="account-timezone" class="account-label">"Time zone"</label>
                <div class="account-row">
                    <select
                        id="account-timezone"
                        node_ref=select
                        autofocus
                        aria-describedby="account-timezone-help"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        on:change=move |ev| {
                            choice.set(event_target_value(&ev));
                            error.set(None);
                        }
                    >
                    </select>
                    <button
                        type="submit"
                        id="account-timezone-save"
                        class="btn btn-primary"
                        aria-label="Save time zone"
                        disabled=move || saving.get() || unchanged()
                    >
                        {move || if saving.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
                <div class="field-help" id="account-timezone-help">
                    <p>"Now there: " {preview}</p>
                    {move || saved.with(Option::is_none).then(|| view! {
                        <p class="account-note">"Not chosen yet: your browser's time zone is used."</p>
                    })}
                </div>
                {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </div>
        </form>
    }
}

/// The button that opens the password form, where focus returns when it closes.
const CHANGE_PASSWORD_ID: &str = "account-change-password";

/// Change password: the current one, the new one twice.
#[component]
fn PasswordSetting(generation: RwSignal<u32>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let expanded = RwSignal::new(false);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let touched = RwSignal::new([false; 3]);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let saving = RwSignal::new(false);
    let reset = move || {
        current.set(String::new());
        new.set(String::new());
        confirm.set(String::new());
        touched.set([false; 3]);
        server_errors.set(Vec::new());
    };
    Effect::new(move |_| {
        generation.track();
        expanded.set(false);
        reset();
    });

    // The rules, whether or not their fields have been touched yet.
    let rule = move |index: usize| -> Option<String> {
        match index {
            0 => current
                .with(String::is_empty)
                .then(|| "Enter your current password.".to_owned()),
            1 => new.with(|p| check_new_password(p).err()),
            _ => (confirm.get() != new.get()).then(|| "The new passwords do not match.".to_owned()),
        }
    };
    const FIELDS: [&str; 3] = ["current_password", "new_password", "confirm_password"];
    let message = move |index: usize| {
        Signal::derive(move || {
            touched
                .with(|t| t[index])
                .then(|| rule(index))
                .flatten()
                .or_else(|| {
                    server_errors.with(|e| {
                        e.iter()
                            .find(|e| e.field == FIELDS[index])
                            .map(|e| e.message.clone())
                    })
                })
        })
    };
    let touch = move |index: usize| {
        Callback::new(move |()| {
            if !touched.with_untracked(|t| t[index]) {
                touched.update(|t| t[index] = true);
            }
            let field = FIELDS[index];
            if server_errors.with_untracked(|e| e.iter().any(|e| e.field == field)) {
                server_errors.update(|e| e.retain(|e| e.field != field));
            }
        })
    };
    let valid = move || (0..3).all(|i| rule(i).is_none());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        touched.set([true; 3]);
        if saving.get_untracked() || !valid() {
            return;
        }
        let patch = MePatch {
            timezone: None,
            current_password: Some(current.get_untracked().into()),
            new_password: Some(new.get_untracked().into()),
        };
        saving.set(true);
        spawn_local(async move {
            let result = api::update_me(&patch).await;
            saving.set(false);
            match result {
                Ok(me) => {
                    auth.update(me);
                    toasts.success("Your password has been changed.");
                    expanded.set(false);
                    reset();
                    focus_soon(CHANGE_PASSWORD_ID);
                }
                Err(e) if !e.errors.is_empty() => {
                    // The server's word replaces the rule's until the field changes.
                    let fields: Vec<usize> = (0..3)
                        .filter(|&i| e.errors.iter().any(|f| f.field == FIELDS[i]))
                        .collect();
                    touched.update(|t| {
                        for i in fields {
                            t[i] = false;
                        }
                    });
                    server_errors.set(e.errors);
                }
                Err(e) => toasts.api_error(&e),
            }
        });
    };

    view! {
        <section class="account-section" aria-labelledby="password-heading">
            <div class="account-section-header">
                <h3 id="password-heading" class="account-label">
                    {move || if expanded.get() { "Change password" } else { "Password" }}
                </h3>
                // Both stay in the page, one hidden: less wasm than a `<Show>` each.
                <button
                        type="button"
                        id=CHANGE_PASSWORD_ID
                        class="btn btn-small"
                        hidden=move || expanded.get()
                        aria-expanded="false"
                        aria-controls="password-form"
                        on:click=move |_| {
                            reset();
                            expanded.set(true);
                            focus_soon("account-current-password");
                        }
                    >
                        "Change password"
                    </button>
            </div>
                <form id="password-form" class="form account-password" hidden=move || !expanded.get()
                    novalidate on:submit=submit>
                    // For password managers: which account this is.
                    <input type="email" hidden autocomplete="username" prop:value=move || auth.email().unwrap_or_default()/>
                    <FieldInput id="account-current-password" label="Current password" value=current
                        message=message(0) on_touch=touch(0) kind="password"
                        autocomplete="current-password" required=true/>
                    <FieldInput id="account-new-password" label="New password" value=new
                        message=message(1) on_touch=touch(1) kind="password"
                        autocomplete="new-password" required=true
                        help="12–128 characters."/>
                    <FieldInput id="account-confirm-password" label="Confirm new password" value=confirm
                        message=message(2) on_touch=touch(2) kind="password"
                        autocomplete="new-password" required=true/>
                    <div class="account-actions">
                        <button
                            type="button"
                            class="btn btn-small"
                            disabled=move || saving.get()
                            on:click=move |_| {
                                expanded.set(false);
                                reset();
                                focus_soon(CHANGE_PASSWORD_ID);
                            }
                        >
                            "Cancel"
                        </button>
                        <button type="submit" class="btn btn-primary btn-small" disabled=move || saving.get() || !valid()>
                            {move || if saving.get() { "Changing…" } else { "Change password" }}
                        </button>
                    </div>
                </form>
        </section>
    }
}

/// Log out of this browser, or everywhere (every session of the account):
/// either way the shell then goes to the login page.
#[component]
fn LogOut() -> impl IntoView {
    let auth = use_auth();
    // A plain task and two signals rather than an `Action`: much less wasm.
    // `Some(everywhere)` while a request runs.
    let pending = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<String>);
    let log_out = move |everywhere: bool| {
        if pending.get_untracked().is_some() {
            return;
        }
        pending.set(Some(everywhere));
        error.set(None);
        spawn_local(async move {
            let result = if everywhere {
                api::log_out_everywhere().await
            } else {
                api::log_out().await
            };
            pending.set(None);
            match result {
                // 401: the session had already ended, which is what Log out wants.
                Err(e) if !e.is_unauthorized() => error.set(Some(e.detail)),
                // The shell sees the signed-out session and goes to /login.
                _ => auth.sign_out(),
            }
        });
    };
    let busy = move || pending.get().is_some();
    view! {
        <footer class="account-footer">
            <button type="button" class="btn btn-danger-outline btn-block" disabled=busy on:click=move |_| log_out(false)>
                {move || if pending.get() == Some(false) { "Logging out…" } else { "Log out" }}
            </button>
            <button type="button" class="btn btn-small btn-block" disabled=busy
                aria-describedby="log-out-everywhere-help" on:click=move |_| log_out(true)>
                {move || if pending.get() == Some(true) { "Logging out everywhere…" } else { "Log out everywhere" }}
            </button>
            <p id="log-out-everywhere-help" class="field-help">"Ends your sessions in every browser and device. API tokens stay."</p>
            {move || error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </footer>
    }
}

/// Moves focus to the element with `id` once the views have caught up.
pub fn focus_soon(id: &'static str) {
    set_timeout(
        move || {
            if let Some(el) = document()
                .get_element_by_id(id)
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        },
        std::time::Duration::ZERO,
    );
}

/// A labelled input with its help text and message (shared by the account and bot
/// forms): the message is announced through `aria-describedby` and `aria-invalid`.
#[component]
pub fn FieldInput(
    /// The input's id; its help and message ids derive from it.
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] message: Signal<Option<String>>,
    /// The user typed in the field or left it: its message shows from now on.
    #[prop(into)]
    on_touch: Callback<()>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] mono: bool,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let invalid = Memo::new(move |_| message.with(Option::is_some));
    let describedby = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if help.is_some() {
                ids.push(help_id.clone());
            }
            if invalid.get() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || invalid.get()>
            <label for=id>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id
                type=kind
                class:mono=mono
                placeholder=placeholder
                autocomplete=autocomplete.unwrap_or("off")
                spellcheck="false"
                required=required
                aria-invalid=move || invalid.get().then_some("true")
                aria-describedby=describedby
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    on_touch.run(());
                }
                // Also on `change`: some ways of clearing a box (autofill, WebDriver's
                // Clear) fire no `input`.
                on:change=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| on_touch.run(())
            />
            {help.map(|h| view! { <p class="field-help" id=help_id.clone()>{h}</p> })}
            {move || message.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{city_label, picker_value, zone_groups};

    #[test]
    fn zones_group_by_region_and_read_as_cities() {
        let groups = zone_groups(
            [
                "Africa/Abidjan",
                "America/Argentina/Buenos_Aires",
                "America/New_York",
            ]
            .map(String::from)
            .to_vec(),
        );
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1].0, "America");
        assert_eq!(
            city_label("America/Argentina/Buenos_Aires"),
            "Argentina / Buenos Aires"
        );
        assert_eq!(city_label("America/New_York"), "New York");
        assert_eq!(picker_value("UTC"), "Etc/UTC");
        assert_eq!(picker_value("Asia/Kolkata"), "Asia/Kolkata");
    }
}
