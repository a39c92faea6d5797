//! The setup guide's provider recipes as Add carrier prefills: "Use this recipe" in
//! `web/guide.html` links to `/dashboard/carriers/create?recipe=<id>`, and the form
//! starts from the recipe's values (`CarrierForm::from_recipe`).
//!
//! Every value here is one the guide's recipe gives (its facts come from
//! `shared/docs/providers.md`). What only the admin knows — their own SIP domain,
//! credentials, onboarding addresses or contract limits — is left empty, with a hint
//! under the field saying what goes there; the form's usual rules keep Create Carrier
//! disabled until the required ones are filled in.

use ori_shared::carrier::{InboundAuth, Transport};
use ori_shared::number::NumberFormat;

/// A note under one field: what the recipe says goes there.
#[derive(Debug)]
pub struct Hint {
    /// The field's API name, as the form uses it (`sip_address`, `allowed_ips`, …).
    pub field: &'static str,
    pub text: &'static str,
}

/// One provider recipe of the guide, as form values.
#[derive(Debug)]
pub struct Recipe {
    /// The guide's `recipe-<id>` and the `?recipe=` value.
    pub id: &'static str,
    /// How the create page names it: "the Twilio recipe".
    pub called: &'static str,
    /// Who to check the values with: "your Twilio account".
    pub check_with: &'static str,
    pub name: &'static str,
    pub transport: Transport,
    pub destination_country: &'static str,
    pub number_format: NumberFormat,
    /// Sent with the new carrier when the recipe says which; else the API picks it.
    pub inbound_auth: Option<InboundAuth>,
    /// The provider's published signalling addresses; empty when the admin must get them.
    pub allowed_ips: &'static [&'static str],
    /// Pacing as the form's text; empty when only the admin knows the figure.
    pub cps: &'static str,
    pub burst: &'static str,
    pub channels: &'static str,
    /// Notes under fields. A field the recipe leaves empty is marked until it is filled.
    pub hints: &'static [Hint],
    /// What to ask the provider about settings the hints do not cover; may be empty.
    pub ask: &'static str,
}

/// Where "Use this recipe" links to.
pub const QUERY: &str = "recipe";

/// The form's label of each field a hint can name (Add carrier's wording).
pub fn label(field: &str) -> &'static str {
    match field {
        "name" => "Name",
        "sip_address" => "SIP Address",
        "destination_country" => "Destination Country",
        "username" => "Username",
        "password" => "Password",
        "allowed_ips" => "Allowed IPs",
        "outbound_cps" => "Outbound CPS",
        "outbound_burst" => "Outbound Burst",
        "outbound_channels" => "Outbound Channels",
        _ => "",
    }
}

impl Recipe {
    /// The hint under `field`, if the recipe has one.
    pub fn hint(&self, field: &str) -> Option<&'static str> {
        self.hints.iter().find(|h| h.field == field).map(|h| h.text)
    }

    /// Whether the recipe gives `field` a value (SIP address and credentials never:
    /// they are the admin's own).
    pub fn fills(&self, field: &str) -> bool {
        match field {
            "name" => !self.name.is_empty(),
            "destination_country" => !self.destination_country.is_empty(),
            "allowed_ips" => !self.allowed_ips.is_empty(),
            "outbound_cps" => !self.cps.is_empty(),
            "outbound_burst" => !self.burst.is_empty(),
            "outbound_channels" => !self.channels.is_empty(),
            _ => false,
        }
    }

    /// The labels of the fields left for the admin, in the form's order.
    pub fn to_fill(&self) -> Vec<&'static str> {
        self.hints
            .iter()
            .filter(|h| !self.fills(h.field))
            .map(|h| label(h.field))
            .collect()
    }
}

/// The recipe `id` names, if any (`?recipe=twilio`).
pub fn find(id: &str) -> Option<&'static Recipe> {
    RECIPES.iter().find(|r| r.id == id)
}

pub static RECIPES: [Recipe; 6] = [
    Recipe {
        id: "twilio",
        called: "the Twilio recipe",
        check_with: "your Twilio account",
        name: "Twilio",
        // UDP and TCP on 5060, TLS on 5061: any will do, so Auto.
        transport: Transport::Auto,
        destination_country: "",
        number_format: NumberFormat::E164,
        // Twilio authenticates origination by IP only.
        inbound_auth: Some(InboundAuth::IpAllowlist),
        allowed_ips: &[
            "54.172.60.0/30",
            "54.244.51.0/30",
            "54.171.127.192/30",
            "35.156.191.128/30",
            "54.65.63.192/30",
            "54.169.127.128/30",
            "54.252.254.64/30",
            "177.71.206.192/30",
        ],
        cps: "1",
        burst: "1",
        // Twilio does not limit concurrent calls: the spec's default.
        channels: "30",
        hints: &[
            Hint {
                field: "sip_address",
                text: "Your trunk's termination SIP URI: <name>.pstn.twilio.com, or \
                       <name>.pstn.<edge>.twilio.com for an edge location. Add :5061 only with TLS.",
            },
            Hint {
                field: "username",
                text: "A username from the trunk's credential list. Leave it empty if Twilio \
                       checks your calls by IP access control list.",
            },
            Hint {
                field: "password",
                text: "That credential's password; empty with an IP access control list.",
            },
            Hint {
                field: "allowed_ips",
                text: "Twilio's signalling ranges, every region. Some configurations list wider \
                       /23 or /24 ranges: compare with Twilio's live IP address page.",
            },
            Hint {
                field: "outbound_cps",
                text: "Twilio allows 1 per trunk and region, raised self-serve to 5 or 15; its \
                       documents differ, so enter the figure your account shows.",
            },
        ],
        ask: "",
    },
    Recipe {
        id: "telnyx",
        called: "the Telnyx recipe",
        check_with: "your Telnyx connection",
        name: "Telnyx",
        // Recommended by Telnyx.
        transport: Transport::Tcp,
        destination_country: "",
        // Set the connection's inbound number format to +E.164.
        number_format: NumberFormat::E164,
        inbound_auth: Some(InboundAuth::IpAllowlist),
        allowed_ips: &[
            "192.76.120.10",
            "64.16.250.10",
            "5.172.39.10",
            "5.172.39.25",
            "193.108.220.10",
            "193.108.220.25",
            "103.135.104.10",
            "103.135.104.25",
        ],
        // At most 50 per IP; start low and raise it once calls flow.
        cps: "1",
        burst: "1",
        channels: "",
        hints: &[
            Hint {
                field: "sip_address",
                text: "sip.telnyx.com (US) or sip-eu.telnyx.com (EU). Add :5061 only with TLS.",
            },
            Hint {
                field: "username",
                text: "The connection's SIP username with credential authentication; empty with \
                       IP authentication.",
            },
            Hint {
                field: "password",
                text: "The connection's SIP password; empty with IP authentication.",
            },
            Hint {
                field: "allowed_ips",
                text: "Telnyx's signalling addresses for the US, EU, Canada and Australia. Keep \
                       those of the regions your calls come from (all of them when unsure).",
            },
            Hint {
                field: "outbound_cps",
                text: "At most 50, Telnyx's limit per IP. Stay within your contract: start low \
                       and raise it once calls flow.",
            },
            Hint {
                field: "outbound_channels",
                text: "The channel limit on your Telnyx outbound voice profile or connection.",
            },
        ],
        ask: "Telnyx may want the username in an X-Telnyx-Username header, which the console \
              does not send: ask Telnyx whether plain digest is enough for your connection.",
    },
    Recipe {
        id: "plivo",
        called: "the Plivo recipe",
        check_with: "your Plivo trunk",
        name: "Plivo",
        // Which transport Plivo prefers is not in our notes.
        transport: Transport::Auto,
        destination_country: "",
        number_format: NumberFormat::E164,
        inbound_auth: None,
        allowed_ips: &[],
        cps: "",
        burst: "1",
        channels: "30",
        hints: &[
            Hint {
                field: "sip_address",
                text: "<id>.zt.plivo.com, your outbound Zentrunk trunk's domain.",
            },
            Hint {
                field: "username",
                text: "The trunk's credential username if you chose credentials; empty with IP \
                       access control only.",
            },
            Hint {
                field: "password",
                text: "That credential's password; empty with IP access control only.",
            },
            Hint {
                field: "allowed_ips",
                text: "Plivo's inbound signalling addresses are not in the guide's notes: get \
                       the current list from Plivo.",
            },
            Hint {
                field: "outbound_cps",
                text: "The CPS you gave this trunk in Plivo (the account's default is 2 in all).",
            },
            Hint {
                field: "outbound_channels",
                text: "Not in the guide's notes: ask Plivo for your concurrent-call limit.",
            },
        ],
        ask: "Ask Plivo which transport it prefers and whether its inbound calls carry digest \
              credentials.",
    },
    Recipe {
        id: "vonage",
        called: "the Vonage recipe",
        check_with: "your Vonage SIP domain",
        name: "Vonage",
        // Not in our notes: Auto until Vonage says.
        transport: Transport::Auto,
        destination_country: "",
        // The leading + is required.
        number_format: NumberFormat::E164,
        inbound_auth: None,
        allowed_ips: &[],
        cps: "3",
        burst: "1",
        channels: "30",
        hints: &[
            Hint {
                field: "sip_address",
                text: "<name>.sip-us.vonage.com, <name>.sip-eu.vonage.com or \
                       <name>.sip-ap.vonage.com.",
            },
            Hint {
                field: "username",
                text: "A username from the domain's digest credential list; empty with an IP \
                       access list.",
            },
            Hint {
                field: "password",
                text: "That credential's password; empty with an IP access list.",
            },
            Hint {
                field: "allowed_ips",
                text: "Vonage's inbound signalling addresses are not in the guide's notes: get \
                       them from Vonage.",
            },
            Hint {
                field: "outbound_cps",
                text: "Vonage's default; calls beyond it are refused with SIP 503.",
            },
            Hint {
                field: "outbound_channels",
                text: "Not in the guide's notes: ask Vonage for your concurrent-call limit.",
            },
        ],
        ask: "Ask Vonage which transports and ports your domain accepts (leave Transport on \
              Auto until then) and whether its inbound calls carry digest credentials.",
    },
    Recipe {
        id: "exotel",
        called: "the Exotel recipe",
        check_with: "Exotel",
        name: "Exotel",
        // TCP on 5070 or TLS on 443 only; TLS brings SRTP, which the console does not set.
        transport: Transport::Tcp,
        destination_country: "IN",
        number_format: NumberFormat::E164,
        inbound_auth: Some(InboundAuth::IpAllowlist),
        allowed_ips: &[],
        // 200 calls a minute per trunk.
        cps: "3.3",
        burst: "1",
        channels: "30",
        hints: &[
            Hint {
                field: "sip_address",
                text: "<sid>.pstn.exotel.com:5070 with TCP. Exotel also names the proxies \
                       pstn.in2.exotel.com and pstn.in4.exotel.com: ask which host your trunk \
                       should dial.",
            },
            Hint {
                field: "allowed_ips",
                text: "The signalling source addresses Exotel gave you at onboarding, not its \
                       media addresses. At least one: inbound authentication is IP allowlist.",
            },
            Hint {
                field: "outbound_cps",
                text: "Exotel allows 200 calls a minute per trunk.",
            },
            Hint {
                field: "outbound_channels",
                text: "Not in the guide's notes: ask Exotel for your concurrent-call limit.",
            },
        ],
        ask: "Username and Password stay empty: Exotel recognises you by its IP whitelist. Ask \
              Exotel if your trunk also has credentials.",
    },
    Recipe {
        id: "generic",
        called: "the recipe for any other provider",
        check_with: "your provider's sheet",
        name: "",
        transport: Transport::Auto,
        destination_country: "",
        number_format: NumberFormat::E164,
        inbound_auth: None,
        allowed_ips: &[],
        cps: "1",
        // 1 if the sheet gives no burst allowance.
        burst: "1",
        channels: "30",
        hints: &[
            Hint {
                field: "name",
                text: "Your own name for the trunk, for example the provider and region.",
            },
            Hint {
                field: "sip_address",
                text: "The sheet's termination URI, SIP domain, outbound proxy or SBC address, \
                       and its port.",
            },
            Hint {
                field: "destination_country",
                text: "The country the trunk serves, as a two-letter code.",
            },
            Hint {
                field: "username",
                text: "SIP user, auth ID or digest username; empty when the provider \
                       authenticates by IP.",
            },
            Hint {
                field: "password",
                text: "SIP or digest password; empty when the provider authenticates by IP.",
            },
            Hint {
                field: "allowed_ips",
                text: "The signalling IPs, origination IPs or SBC addresses its calls come \
                       from, not its media ranges.",
            },
            Hint {
                field: "outbound_cps",
                text: "Calls per second, call attempts per second, or calls per minute divided \
                       by 60.",
            },
            Hint {
                field: "outbound_channels",
                text: "Channels, concurrent calls or sessions.",
            },
        ],
        ask: "If the sheet does not say whether its calls to you carry digest credentials, \
              choose IP allowlist on the detail page after creating the carrier.",
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use leptos::prelude::Set;
    use ori_shared::carrier::InboundAuth;

    use super::super::form::CarrierForm;
    use super::{RECIPES, find, label};

    /// Values an admin might type into each field a recipe leaves empty.
    fn fill_in(form: &CarrierForm, field: &str) {
        match field {
            "name" => form.name.set("Test trunk".into()),
            "sip_address" => form.sip_address.set("trunk.example.com".into()),
            "destination_country" => form.destination_country.set("US".into()),
            "username" => form.username.set("trunk-user".into()),
            "password" => form.password.set("trunk-secret".into()),
            "allowed_ips" => form.allowed_ips.set(vec!["192.0.2.10".into()]),
            "outbound_cps" => form.cps.set("2".into()),
            "outbound_channels" => form.channels.set("20".into()),
            other => panic!("no test value for {other}"),
        }
    }

    #[test]
    fn ids_are_the_guides_and_unknown_ones_find_nothing() {
        let ids: Vec<_> = RECIPES.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            ["twilio", "telnyx", "plivo", "vonage", "exotel", "generic"]
        );
        let guide = include_str!("../../../guide.html");
        for id in ids {
            assert!(
                guide.contains(&format!("id=\"recipe-{id}\"")),
                "no recipe-{id} in the guide"
            );
            assert!(
                guide.contains(&format!("/dashboard/carriers/create?recipe={id}\"")),
                "no Use this recipe link for {id} in the guide"
            );
        }
        assert!(find("nope").is_none());
        assert!(find("").is_none());
        assert!(find("Twilio").is_none());
    }

    #[test]
    fn every_hint_names_a_form_field_once() {
        for recipe in &RECIPES {
            let mut seen = BTreeSet::new();
            for hint in recipe.hints {
                assert!(
                    !label(hint.field).is_empty(),
                    "{}: {}",
                    recipe.id,
                    hint.field
                );
                assert!(
                    seen.insert(hint.field),
                    "{}: {} twice",
                    recipe.id,
                    hint.field
                );
                assert!(!hint.text.trim().is_empty());
            }
            // The SIP address is always the admin's: every recipe says what goes there.
            assert!(recipe.hint("sip_address").is_some(), "{}", recipe.id);
            assert!(recipe.to_fill().contains(&"SIP Address"), "{}", recipe.id);
        }
    }

    /// The prefilled values pass the shared rules, and only fields the recipe leaves to
    /// the admin have messages; once those are filled in, the carrier is valid and keeps
    /// the recipe's values.
    #[test]
    fn prefills_pass_the_shared_rules_except_the_fields_left_to_fill() {
        for recipe in &RECIPES {
            let form = CarrierForm::from_recipe(recipe);
            let left: BTreeSet<&str> = recipe
                .hints
                .iter()
                .map(|h| h.field)
                .filter(|f| !recipe.fills(f))
                .collect();
            let errors = form
                .create_body()
                .validate()
                .expect_err("the SIP address is left to fill");
            for error in &errors.0 {
                assert!(
                    left.contains(error.field.as_str()),
                    "{}: {} is prefilled but invalid: {}",
                    recipe.id,
                    error.field,
                    error.message
                );
            }
            // Filled in, every field the admin must supply makes a valid carrier.
            for field in &left {
                fill_in(&form, field);
            }
            let config = form
                .create_body()
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e:?}", recipe.id));
            assert_eq!(config.transport, recipe.transport, "{}", recipe.id);
            assert_eq!(config.number_format, recipe.number_format, "{}", recipe.id);
            if let Some(auth) = recipe.inbound_auth {
                assert_eq!(config.inbound_auth, auth, "{}", recipe.id);
            }
            if !recipe.name.is_empty() {
                assert_eq!(config.name.as_str(), recipe.name);
            }
            if !recipe.destination_country.is_empty() {
                assert_eq!(
                    config.destination_country.as_deref(),
                    Some(recipe.destination_country)
                );
            }
            if recipe.fills("allowed_ips") {
                let ips: Vec<String> = config.allowed_ips.iter().map(ToString::to_string).collect();
                assert_eq!(ips, recipe.allowed_ips, "{}", recipe.id);
            }
            for (text, value) in [
                (recipe.cps, config.cps.get()),
                (recipe.burst, f64::from(config.burst.get())),
                (recipe.channels, f64::from(config.channels.get())),
            ] {
                if !text.is_empty() {
                    assert_eq!(text.parse::<f64>().ok(), Some(value), "{}", recipe.id);
                }
            }
        }
    }

    /// A recipe that sets IP allowlist without knowing the addresses keeps the form
    /// invalid until one is added: the allowlist rule of the shared crate.
    #[test]
    fn ip_allowlist_without_addresses_waits_for_one() {
        let exotel = find("exotel").expect("exotel");
        assert_eq!(exotel.inbound_auth, Some(InboundAuth::IpAllowlist));
        let form = CarrierForm::from_recipe(exotel);
        form.sip_address.set("abc.pstn.exotel.com:5070".into());
        let errors = form.create_body().validate().expect_err("no IPs yet");
        assert!(errors.get("allowed_ips").is_some(), "{errors:?}");
        form.allowed_ips.set(vec!["198.51.100.7".into()]);
        assert!(form.create_body().validate().is_ok());
    }
}
