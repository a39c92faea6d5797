//! The carrier form shared by Add carrier and the detail page's edit mode: its state,
//! the request bodies it makes, and its fields in three sections.
//!
//! No rule is written here: the messages come from `CarrierCreate::validate` and
//! `CarrierPatch::apply` in the shared crate, the code the API runs.

use leptos::prelude::*;
use ori_shared::Secret;
use ori_shared::carrier::{InboundAuth, Transport};
use ori_shared::dto::{Carrier, CarrierCreate, CarrierPatch};
use ori_shared::number::NumberFormat;
use ori_shared::raw::RawNumber;
use ori_shared::{FieldError, FieldErrors};

use super::recipes::Recipe;
use crate::components::tag_input::TagInput;

/// Which form this is; labels and placeholders differ as the spec words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Edit { has_password: bool },
}

/// The form's values as typed, plus which fields the user has touched (messages show
/// only for those, never on an untouched form) and the server's last 422.
#[derive(Debug, Clone, Copy)]
pub struct CarrierForm {
    pub name: RwSignal<String>,
    pub sip_address: RwSignal<String>,
    pub transport: RwSignal<Transport>,
    pub destination_country: RwSignal<String>,
    pub number_format: RwSignal<NumberFormat>,
    pub username: RwSignal<String>,
    pub password: RwSignal<String>,
    pub clear_password: RwSignal<bool>,
    pub allowed_ips: RwSignal<Vec<String>>,
    pub inbound_auth: RwSignal<InboundAuth>,
    pub cps: RwSignal<String>,
    pub burst: RwSignal<String>,
    pub channels: RwSignal<String>,
    pub monitor_reachability: RwSignal<bool>,
    touched: RwSignal<Vec<&'static str>>,
    server_errors: RwSignal<Vec<FieldError>>,
    /// The setup-guide recipe Add carrier started from: its hints show under the
    /// fields, and its inbound method is sent instead of the API's default.
    recipe: Option<&'static Recipe>,
}

/// A number input's text as the API wants it: a JSON number when it is one, else the
/// text, so the API's message (the shared one) comes back for it.
fn raw_number(text: &str) -> RawNumber {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map_or_else(|| RawNumber::Text(text.to_owned()), RawNumber::Number)
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl CarrierForm {
    fn with_values(carrier: Option<&Carrier>) -> Self {
        let text = |f: fn(&Carrier) -> String, default: &str| {
            RwSignal::new(carrier.map_or_else(|| default.to_owned(), f))
        };
        Self {
            name: text(|c| c.name.clone(), ""),
            sip_address: text(|c| c.sip_address.clone(), ""),
            transport: RwSignal::new(carrier.map_or(Transport::Auto, |c| c.transport)),
            destination_country: text(|c| c.destination_country.clone().unwrap_or_default(), ""),
            number_format: RwSignal::new(
                carrier.map_or_else(NumberFormat::default, |c| c.number_format),
            ),
            username: text(|c| c.username.clone().unwrap_or_default(), ""),
            // Never shown: blank keeps the stored password.
            password: RwSignal::new(String::new()),
            clear_password: RwSignal::new(false),
            allowed_ips: RwSignal::new(carrier.map_or_else(Vec::new, |c| c.allowed_ips.clone())),
            inbound_auth: RwSignal::new(carrier.map_or(InboundAuth::Digest, |c| c.inbound_auth)),
            // The spec's defaults, written as the API would print them.
            cps: text(|c| c.outbound_cps.to_string(), "1"),
            burst: text(|c| c.outbound_burst.to_string(), "1"),
            channels: text(|c| c.outbound_channels.to_string(), "30"),
            monitor_reachability: RwSignal::new(carrier.is_some_and(|c| c.monitor_reachability)),
            touched: RwSignal::new(Vec::new()),
            server_errors: RwSignal::new(Vec::new()),
            recipe: None,
        }
    }

    /// An empty Add carrier form with the spec's defaults (Auto, 1 / 1 / 30).
    pub fn new() -> Self {
        Self::with_values(None)
    }

    /// Add carrier started from a setup-guide recipe: its values go into the signals
    /// the user edits, so the rules and Create Carrier's state work as usual. Fields the
    /// recipe leaves to the admin stay empty (marked by their hints).
    pub fn from_recipe(recipe: &'static Recipe) -> Self {
        let form = Self {
            recipe: Some(recipe),
            ..Self::new()
        };
        form.name.set(recipe.name.to_owned());
        form.transport.set(recipe.transport);
        form.destination_country
            .set(recipe.destination_country.to_owned());
        form.number_format.set(recipe.number_format);
        if let Some(auth) = recipe.inbound_auth {
            form.inbound_auth.set(auth);
        }
        form.allowed_ips.set(
            recipe
                .allowed_ips
                .iter()
                .map(|ip| (*ip).to_owned())
                .collect(),
        );
        form.cps.set(recipe.cps.to_owned());
        form.burst.set(recipe.burst.to_owned());
        form.channels.set(recipe.channels.to_owned());
        form
    }

    /// Whether the inbound method is the form's to choose on Add carrier (a recipe
    /// said which); otherwise the API picks it from the password and the allowlist.
    fn chooses_inbound(&self) -> bool {
        self.recipe.is_some_and(|r| r.inbound_auth.is_some())
    }

    /// The recipe's note under `field`, if Add carrier started from one.
    fn hint(&self, field: &str) -> Option<&'static str> {
        self.recipe.and_then(|r| r.hint(field))
    }

    /// The edit form for `carrier`, its password box blank.
    pub fn edit(carrier: &Carrier) -> Self {
        Self::with_values(Some(carrier))
    }

    /// The body of `POST /carriers`.
    pub fn create_body(&self) -> CarrierCreate {
        let ips = self.allowed_ips.get();
        CarrierCreate {
            name: self.name.get(),
            sip_address: self.sip_address.get(),
            transport: Some(self.transport.get().as_str().to_owned()),
            destination_country: optional(&self.destination_country.get()),
            number_format: Some(self.number_format.get().as_str().to_owned()),
            username: optional(&self.username.get()),
            password: Some(self.password.get())
                .filter(|p| !p.is_empty())
                .map(Secret::from),
            allowed_ips: (!ips.is_empty()).then_some(ips),
            // The API picks it (IP allowlist when there are addresses and no password)
            // unless a recipe chose it; the detail page changes it.
            inbound_auth: self
                .chooses_inbound()
                .then(|| self.inbound_auth.get().as_str().to_owned()),
            outbound_cps: Some(raw_number(&self.cps.get())),
            outbound_burst: Some(raw_number(&self.burst.get())),
            outbound_channels: Some(raw_number(&self.channels.get())),
            monitor_reachability: Some(self.monitor_reachability.get()),
        }
    }

    /// The body of `PATCH /carriers/{id}`: every field, the password only when typed.
    pub fn patch_body(&self) -> CarrierPatch {
        let clear = self.clear_password.get();
        CarrierPatch {
            name: Some(self.name.get()),
            sip_address: Some(self.sip_address.get()),
            transport: Some(self.transport.get().as_str().to_owned()),
            destination_country: Some(optional(&self.destination_country.get())),
            number_format: Some(self.number_format.get().as_str().to_owned()),
            username: Some(optional(&self.username.get())),
            password: Some(self.password.get())
                .filter(|p| !p.is_empty() && !clear)
                .map(Secret::from),
            clear_password: clear,
            allowed_ips: Some(self.allowed_ips.get()),
            inbound_auth: Some(self.inbound_auth.get().as_str().to_owned()),
            outbound_cps: Some(raw_number(&self.cps.get())),
            outbound_burst: Some(raw_number(&self.burst.get())),
            outbound_channels: Some(raw_number(&self.channels.get())),
            monitor_reachability: Some(self.monitor_reachability.get()),
        }
    }

    /// The user has changed or left `field`: its message shows from now on, and the
    /// server's message for it is out of date.
    pub fn touch(&self, field: &'static str) {
        if !self.touched.with_untracked(|t| t.contains(&field)) {
            self.touched.update(|t| t.push(field));
        }
        if self
            .server_errors
            .with_untracked(|e| e.iter().any(|e| e.field == field))
        {
            self.server_errors
                .update(|e| e.retain(|e| e.field != field));
        }
    }

    /// Shows every message (after a failed save).
    pub fn touch_all(&self) {
        for field in FIELDS {
            self.touch(field);
        }
    }

    /// Field errors of a 422, shown under their fields until the field changes.
    pub fn set_server_errors(&self, errors: Vec<FieldError>) {
        self.server_errors.set(errors);
    }

    /// The message to show under `field`: the rule's, once touched, else the server's.
    fn message(&self, errors: &FieldErrors, field: &str) -> Option<String> {
        let touched = self.touched.with(|t| t.contains(&field));
        touched
            .then(|| errors.get(field).map(str::to_owned))
            .flatten()
            .or_else(|| {
                self.server_errors.with(|e| {
                    e.iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
            })
    }
}

/// The fields by their API names, which are also the keys of their messages.
const FIELDS: [&str; 12] = [
    "name",
    "sip_address",
    "transport",
    "destination_country",
    "number_format",
    "username",
    "password",
    "inbound_auth",
    "allowed_ips",
    "outbound_cps",
    "outbound_burst",
    "outbound_channels",
];

/// A labelled text or number input with its help text and message.
#[component]
fn TextField(
    form: CarrierForm,
    errors: Signal<FieldErrors>,
    /// The API field name; also the input's id suffix.
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] mono: bool,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// The on-screen keyboard for a number: `decimal` or `numeric`. Number fields are
    /// text boxes: a `type="number"` box reports "" while "2." is being typed.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(into, optional)] disabled: Signal<bool>,
) -> impl IntoView {
    let id = format!("carrier-{field}");
    let help_id = format!("{id}-help");
    let hint_id = format!("{id}-recipe");
    let error_id = format!("{id}-error");
    let message = Memo::new(move |_| errors.with(|e| form.message(e, field)));
    let hint = form.hint(field);
    // Marked while the admin has yet to give the value the recipe left out.
    let todo = move || hint.is_some() && value.with(|v| v.trim().is_empty());
    let describedby = {
        let (help_id, hint_id, error_id) = (help_id.clone(), hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if help.is_some() {
                ids.push(help_id.clone());
            }
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some) class:field-todo=todo>
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id
                name=field
                type=kind
                class:mono=mono
                placeholder=placeholder
                autocomplete=autocomplete.unwrap_or("off")
                spellcheck="false"
                required=required
                inputmode=inputmode
                disabled=move || disabled.get()
                aria-invalid=move || message.with(Option::is_some).then_some("true")
                aria-describedby=describedby
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    form.touch(field);
                }
                on:blur=move |_| form.touch(field)
            />
            {help.map(|h| view! { <p class="field-help" id=help_id.clone()>{h}</p> })}
            {hint.map(|h| view! { <p class="field-recipe" id=hint_id.clone()>{h}</p> })}
            {move || message.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// Connection, Authentication and Pacing, with the spec's labels, placeholders and help.
#[component]
pub fn CarrierFields(
    form: CarrierForm,
    #[prop(into)] errors: Signal<FieldErrors>,
    mode: Mode,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let edit = matches!(mode, Mode::Edit { .. });
    let has_password = matches!(mode, Mode::Edit { has_password: true });
    // Add carrier shows Inbound Authentication only when a recipe chose it.
    let shows_inbound = edit || form.chooses_inbound();
    let ips_hint = form.hint("allowed_ips");
    let allowlist_message = Memo::new(move |_| errors.with(|e| form.message(e, "allowed_ips")));
    view! {
        <section class="card form-section" aria-labelledby="section-connection">
            <h2 id="section-connection">"Connection"</h2>
            <div class="form-grid">
                <TextField form errors field="name" label="Name" value=form.name required=true
                    placeholder="e.g. Primary trunk — IN" disabled/>
                <TextField form errors field="sip_address" label="SIP Address" value=form.sip_address
                    required=true mono=true placeholder="sip.example.com:5060"
                    help="Host or IP with an optional :port, for example sip.example.com:5060 or 203.0.113.10:5062."
                    disabled/>
                <div class="field">
                    <label for="carrier-transport">"Transport"</label>
                    <select
                        id="carrier-transport"
                        name="transport"
                        disabled=move || disabled.get()
                        on:change=move |ev| {
                            if let Ok(t) = Transport::parse(&event_target_value(&ev)) {
                                form.transport.set(t);
                            }
                            form.touch("transport");
                        }
                    >
                        {Transport::ALL
                            .into_iter()
                            .map(|t| view! {
                                <option value=t.as_str() selected=move || form.transport.get() == t>{t.label()}</option>
                            })
                            .collect_view()}
                    </select>
                    <p class="field-help">"Match what your provider expects; Auto lets LiveKit choose."</p>
                </div>
                <TextField form errors field="destination_country" label="Destination Country"
                    value=form.destination_country placeholder="e.g. IN, US or GB"
                    help="The country your carrier serves, as a code or name." disabled/>
                <div class="field">
                    <label for="carrier-number_format">"Carrier sends numbers as"</label>
                    <select
                        id="carrier-number_format"
                        name="number_format"
                        aria-describedby="carrier-number_format-help"
                        disabled=move || disabled.get()
                        on:change=move |ev| {
                            if let Ok(f) = NumberFormat::parse(&event_target_value(&ev)) {
                                form.number_format.set(f);
                            }
                            form.touch("number_format");
                        }
                    >
                        {NumberFormat::ALL
                            .into_iter()
                            .map(|f| view! {
                                <option value=f.as_str() selected=move || form.number_format.get() == f>{f.label()}</option>
                            })
                            .collect_view()}
                    </select>
                    <p class="field-help" id="carrier-number_format-help">
                        "The form of the called number your carrier puts in its INVITEs; LiveKit matches it exactly."
                    </p>
                </div>
                <div class="field-stack field-checkbox">
                    <label class="checkbox" for="carrier-monitor_reachability">
                        <input
                            id="carrier-monitor_reachability"
                            type="checkbox"
                            aria-describedby="carrier-monitor_reachability-help"
                            prop:checked=move || form.monitor_reachability.get()
                            disabled=move || disabled.get()
                            on:change=move |ev| {
                                form.monitor_reachability.set(event_target_checked(&ev));
                                form.touch("monitor_reachability");
                            }
                        />
                        "Monitor reachability"
                    </label>
                    <p class="field-help" id="carrier-monitor_reachability-help">
                        "Send the carrier a SIP OPTIONS every minute; after 3 unanswered in a row it shows Unreachable, and it clears by itself at the next answer."
                    </p>
                </div>
            </div>
        </section>

        <section class="card form-section" aria-labelledby="section-authentication">
            <h2 id="section-authentication">"Authentication"</h2>
            <div class="form-grid">
                <TextField form errors field="username"
                    label=if edit { "Username (outbound)" } else { "Username" }
                    value=form.username placeholder="Optional" autocomplete="off"
                    help="Used for outbound digest auth" disabled/>
                <div class="field-stack">
                    <TextField form errors field="password"
                        label=if edit { "Password (outbound)" } else { "Password" }
                        value=form.password kind="password" autocomplete="new-password"
                        placeholder=if edit { "Password unchanged" } else { "Optional" }
                        help=if edit { "Leave blank to keep the current password; type a new one to replace it." } else { "The SIP digest password for outbound calls." }
                        disabled=Signal::derive(move || disabled.get() || form.clear_password.get())/>
                    {has_password.then(|| view! {
                        <label class="checkbox">
                            <input
                                type="checkbox"
                                prop:checked=move || form.clear_password.get()
                                disabled=move || disabled.get()
                                on:change=move |ev| {
                                    form.clear_password.set(event_target_checked(&ev));
                                    form.touch("password");
                                }
                            />
                            "Remove the stored password"
                        </label>
                    })}
                </div>
                {shows_inbound.then(|| view! {
                    // Full width on narrow screens: its longest option needs the room.
                    <div class="field field-wide-narrow">
                        <label for="carrier-inbound_auth">"Inbound Authentication"</label>
                        <select
                            id="carrier-inbound_auth"
                            name="inbound_auth"
                            aria-describedby="carrier-inbound_auth-help"
                            disabled=move || disabled.get()
                            on:change=move |ev| {
                                if let Ok(a) = InboundAuth::parse(&event_target_value(&ev)) {
                                    form.inbound_auth.set(a);
                                }
                                form.touch("inbound_auth");
                                // The allowlist rule depends on this choice: say so at once.
                                form.touch("allowed_ips");
                            }
                        >
                            {[InboundAuth::Digest, InboundAuth::IpAllowlist]
                                .into_iter()
                                .map(|a| view! {
                                    <option value=a.as_str() selected=move || form.inbound_auth.get() == a>{a.label()}</option>
                                })
                                .collect_view()}
                        </select>
                        <p class="field-help" id="carrier-inbound_auth-help">
                            "How the carrier authenticates calls it sends to Ori. If your provider does not send digest credentials on inbound calls by default, choose IP allowlist."
                        </p>
                    </div>
                })}
                <div
                    class="field field-wide"
                    class:field-todo=move || ips_hint.is_some() && form.allowed_ips.with(Vec::is_empty)
                >
                    <label for="carrier-allowed_ips">
                        {if edit { "Inbound IP Allowlist" } else { "Allowed IPs" }}
                        <Show when=move || shows_inbound && form.inbound_auth.get() == InboundAuth::IpAllowlist>
                            <span class="required" aria-hidden="true">" *"</span>
                        </Show>
                    </label>
                    <TagInput
                        id="carrier-allowed_ips"
                        values=form.allowed_ips
                        placeholder=if edit { "e.g. 13.52.9.100, then Enter" } else { "e.g. 192.0.2.10, then Enter" }
                        error=allowlist_message
                        // An id list: aria-describedby takes several.
                        help_id=if ips_hint.is_some() {
                            "carrier-allowed_ips-help carrier-allowed_ips-recipe"
                        } else {
                            "carrier-allowed_ips-help"
                        }
                        on_touch=move |()| form.touch("allowed_ips")
                        disabled
                    />
                    <p class="field-help" id="carrier-allowed_ips-help">
                        {if edit {
                            "The IPs inbound calls are accepted from: IPv4, IPv6 or CIDR. Type an address and press Enter to add it. Required when inbound authentication is IP allowlist."
                        } else {
                            "The IP addresses your carrier sends inbound calls from: IPv4, IPv6 or CIDR. Type an address and press Enter to add it."
                        }}
                    </p>
                    {ips_hint.map(|h| view! { <p class="field-recipe" id="carrier-allowed_ips-recipe">{h}</p> })}
                </div>
            </div>
            {(!shows_inbound).then(|| view! {
                <p class="section-note">
                    "Inbound calls use the same credentials, or the IP allowlist when no password is set. "
                    "You can switch the inbound method on the detail page after creating the carrier."
                </p>
            })}
        </section>

        <section class="card form-section" aria-labelledby="section-pacing">
            <h2 id="section-pacing">"Pacing"</h2>
            <div class="form-grid form-grid-3">
                <TextField form errors field="outbound_cps" label="Outbound CPS" value=form.cps
                    inputmode="decimal"
                    help="Maximum new calls per second to this carrier. 0.1–100." disabled/>
                <TextField form errors field="outbound_burst" label="Outbound Burst" value=form.burst
                    inputmode="numeric"
                    help="Maximum calls in an immediate spike above the per-second rate. Whole number 1–1000."
                    disabled/>
                <TextField form errors field="outbound_channels" label="Outbound Channels"
                    value=form.channels inputmode="numeric"
                    help="Maximum concurrent calls (ringing plus connected). Whole number 1–500." disabled/>
            </div>
            <p class="section-note">
                "The dialler always respects the tighter of these limits and a campaign's own concurrency."
            </p>
        </section>
    }
}
