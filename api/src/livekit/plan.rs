//! The LiveKit objects one carrier should have: pure code, no I/O.
//!
//! * an outbound trunk when the carrier has numbers that can place calls
//!   (direction both/outbound);
//! * an inbound trunk when it has numbers that take calls (both/inbound),
//!   authenticated per the carrier's inbound mode;
//!
//! The outbound trunk gets each number's canonical E.164 form (the caller
//! id). The inbound trunk and the dispatch rules get the called number in
//! the form the carrier sends ([`NumberFormat`]): LiveKit matches a rule's
//! `numbers` exactly against the called number.
//! * one dispatch rule per inbound number whose bot exists, sending each
//!   call to a new room with that bot's agent.
//!
//! Every object's `metadata` says it is ours (see [`Owner`]), so a full pass
//! can tell our orphans from objects someone else made. The tag is minimal
//! (installation and carrier): LiveKit copies a dispatch rule's `metadata`
//! into every SIP participant it creates, so the agent sees it.

use std::collections::BTreeSet;

use ori_shared::carrier::{InboundAuth, Transport};
use ori_shared::number::{Direction, NumberFormat, PhoneNumber, caller_id};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country::iso_alpha2;

use super::compare::{self, Fields};

use super::types::{
    AuthPassword, RoomAgentDispatch, RoomConfiguration, SipDispatchRule, SipDispatchRuleIndividual,
    SipDispatchRuleInfo, SipInboundTrunkInfo, SipOutboundTrunkInfo, SipTransport,
};

/// Each inbound call gets a new room named with this prefix.
pub const ROOM_PREFIX: &str = "call-";

/// One carrier as the planner needs it (password already decrypted).
#[derive(Debug, Clone, Copy)]
pub struct CarrierInput<'a> {
    /// Identifies this Ori installation, so several can share one LiveKit.
    pub installation_id: &'a str,
    pub carrier_id: Uuid,
    pub name: &'a str,
    pub sip_address: &'a str,
    pub transport: Transport,
    /// The user's free text; sent only when it names a country.
    pub destination_country: Option<&'a str>,
    /// The form of the called number the carrier sends.
    pub number_format: NumberFormat,
    pub username: Option<&'a str>,
    pub password: Option<&'a SecretString>,
    pub inbound_auth: InboundAuth,
    pub allowed_ips: &'a [String],
    pub numbers: &'a [NumberInput],
}

/// One of the carrier's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberInput {
    pub id: Uuid,
    /// The number as typed.
    pub number: String,
    /// Its canonical E.164 form (`+…`), when it could be derived.
    pub e164: Option<String>,
    pub direction: Direction,
    /// The bot's agent name; `None` when no bot is assigned or it was
    /// deleted.
    pub agent_name: Option<String>,
}

/// Why a carrier cannot be planned. The text is for the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "Inbound authentication is set to IP allowlist but no allowed IP is listed: \
         add at least one, or LiveKit would accept calls from anywhere."
    )]
    EmptyAllowlist,
    #[error("The carrier has no SIP Address, which LiveKit needs for outbound calls.")]
    NoAddress,
}

/// A dispatch rule for one number. It is bound to the inbound trunk only
/// when that trunk's id is known ([`DesiredRule::bind`]): a rule sent with
/// no trunk would apply to every trunk in LiveKit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredRule {
    pub number_id: Uuid,
    rule: SipDispatchRuleInfo,
}

impl DesiredRule {
    /// The rule as sent, restricted to `inbound_trunk_id`.
    pub fn bind(&self, inbound_trunk_id: &str) -> SipDispatchRuleInfo {
        SipDispatchRuleInfo {
            trunk_ids: vec![inbound_trunk_id.to_owned()],
            ..self.rule.clone()
        }
    }

    /// The called number the rule is for.
    pub fn number(&self) -> &str {
        self.rule.numbers.first().map_or("", String::as_str)
    }

    /// The agent the rule dispatches.
    pub fn agent_name(&self) -> &str {
        self.rule
            .room_config
            .as_ref()
            .and_then(|c| c.agents.first())
            .map_or("", |a| a.agent_name.as_str())
    }
}

/// Everything LiveKit should hold for one carrier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredState {
    pub outbound: Option<SipOutboundTrunkInfo>,
    pub inbound: Option<SipInboundTrunkInfo>,
    /// In the order of the carrier's numbers.
    pub dispatch_rules: Vec<DesiredRule>,
}

impl DesiredState {
    pub fn is_empty(&self) -> bool {
        self.outbound.is_none() && self.inbound.is_none() && self.dispatch_rules.is_empty()
    }
}

/// Computes what LiveKit should hold for `carrier`.
pub fn plan(carrier: &CarrierInput<'_>) -> Result<DesiredState, PlanError> {
    let outbound_numbers = numbers_where(carrier.numbers, Direction::is_outbound, caller_id);
    let format = carrier.number_format;
    let inbound_numbers = numbers_where(carrier.numbers, Direction::is_inbound, |n, e164| {
        format.called_number(n, e164)
    });
    let username = nonblank(carrier.username).unwrap_or_default().to_owned();
    let password = carrier
        .password
        .map(AuthPassword::new)
        .filter(|p| !p.is_empty())
        .unwrap_or_default();

    let outbound = if outbound_numbers.is_empty() {
        None
    } else {
        let address = carrier.sip_address.trim();
        if address.is_empty() {
            return Err(PlanError::NoAddress);
        }
        Some(SipOutboundTrunkInfo {
            sip_trunk_id: String::new(),
            name: format!("{} (outbound)", carrier.name),
            metadata: owner_metadata(carrier),
            address: address.to_owned(),
            destination_country: nonblank(carrier.destination_country)
                .and_then(iso_alpha2)
                .unwrap_or_default()
                .to_owned(),
            transport: SipTransport::from(carrier.transport),
            numbers: outbound_numbers,
            auth_username: username.clone(),
            auth_password: password.clone(),
        })
    };

    let inbound = if inbound_numbers.is_empty() {
        None
    } else {
        let allowed_addresses: Vec<String> = carrier
            .allowed_ips
            .iter()
            .map(|ip| ip.trim())
            .filter(|ip| !ip.is_empty())
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (auth_username, auth_password) = match carrier.inbound_auth {
            InboundAuth::Digest => (username, password),
            InboundAuth::IpAllowlist => {
                if allowed_addresses.is_empty() {
                    return Err(PlanError::EmptyAllowlist);
                }
                (String::new(), AuthPassword::default())
            }
        };
        Some(SipInboundTrunkInfo {
            sip_trunk_id: String::new(),
            name: format!("{} (inbound)", carrier.name),
            metadata: owner_metadata(carrier),
            // Never empty here, which also satisfies LiveKit's rule that an
            // inbound trunk sets credentials, addresses or numbers.
            numbers: inbound_numbers,
            allowed_addresses,
            allowed_numbers: Vec::new(),
            auth_username,
            auth_password,
        })
    };

    let mut seen = BTreeSet::new();
    let dispatch_rules = if inbound.is_none() {
        Vec::new()
    } else {
        carrier
            .numbers
            .iter()
            .filter(|n| n.direction.is_inbound())
            .filter_map(|n| {
                let number = called_number(n, format)?;
                let number = number.as_str();
                let agent = nonblank(n.agent_name.as_deref())?;
                // Two rules on one trunk and number would conflict in
                // LiveKit; the first number wins.
                if number.is_empty() || !seen.insert(PhoneNumber::match_key(number)) {
                    return None;
                }
                Some(DesiredRule {
                    number_id: n.id,
                    rule: SipDispatchRuleInfo {
                        rule: Some(SipDispatchRule {
                            dispatch_rule_individual: Some(SipDispatchRuleIndividual {
                                room_prefix: ROOM_PREFIX.to_owned(),
                                pin: String::new(),
                            }),
                            ..Default::default()
                        }),
                        numbers: vec![number.to_owned()],
                        name: format!("{}: {number}", carrier.name),
                        metadata: owner_metadata(carrier),
                        room_config: Some(RoomConfiguration {
                            agents: vec![RoomAgentDispatch {
                                agent_name: agent.to_owned(),
                                metadata: String::new(),
                            }],
                        }),
                        ..Default::default()
                    },
                })
            })
            .collect()
    };

    Ok(DesiredState {
        outbound,
        inbound,
        dispatch_rules,
    })
}

fn nonblank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A number in the form `form` gives from the typed number and its E.164
/// form; `None` for a stored number that no longer parses (never written
/// by the API, which validates every number).
fn number_form(
    n: &NumberInput,
    form: impl Fn(&PhoneNumber, Option<&str>) -> String,
) -> Option<String> {
    let parsed = PhoneNumber::parse(&n.number).ok()?;
    Some(form(&parsed, n.e164.as_deref().map(str::trim)))
}

/// The called number as the carrier sends it.
fn called_number(n: &NumberInput, format: NumberFormat) -> Option<String> {
    number_form(n, |p, e164| format.called_number(p, e164))
}

/// The numbers for which `keep(direction)`, each in the form `form` gives,
/// without duplicates (by LiveKit's match key), sorted.
fn numbers_where(
    numbers: &[NumberInput],
    keep: fn(Direction) -> bool,
    form: impl Fn(&PhoneNumber, Option<&str>) -> String,
) -> Vec<String> {
    let mut keys = BTreeSet::new();
    let mut out: Vec<String> = numbers
        .iter()
        .filter(|n| keep(n.direction))
        .filter_map(|n| number_form(n, &form))
        .filter(|n| !n.is_empty() && keys.insert(PhoneNumber::match_key(n)))
        .collect();
    out.sort();
    out
}

/// Who a LiveKit object belongs to, as its `metadata` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub installation: String,
    pub carrier_id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct MetadataDoc {
    ori: OriTag,
}

#[derive(Serialize, Deserialize)]
struct OriTag {
    installation: String,
    carrier: Uuid,
}

/// `{"ori":{"installation":"…","carrier":"<uuid>"}}`.
pub fn owner_metadata_for(installation: &str, carrier_id: Uuid) -> String {
    let doc = MetadataDoc {
        ori: OriTag {
            installation: installation.to_owned(),
            carrier: carrier_id,
        },
    };
    // Strings and UUIDs always serialise.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn owner_metadata(carrier: &CarrierInput<'_>) -> String {
    owner_metadata_for(carrier.installation_id, carrier.carrier_id)
}

/// The owner recorded in an object's `metadata`, or `None` when the
/// object is not tagged by Ori (any other text, or JSON without our tag).
pub fn parse_owner(metadata: &str) -> Option<Owner> {
    let doc: MetadataDoc = serde_json::from_str(metadata).ok()?;
    if doc.ori.installation.is_empty() {
        return None;
    }
    Some(Owner {
        installation: doc.ori.installation,
        carrier_id: doc.ori.carrier,
    })
}

/// Whether `remote` already matches `desired`, so no update is needed: the
/// fields the planner sets are equal (lists in any order); ids and every
/// other field are ignored.
pub fn same_trunk<T: Fields>(desired: &T, remote: &T) -> bool {
    compare::same(desired, remote)
}

/// Whether `remote` already matches `desired` (a [`DesiredRule::bind`]
/// result): name, metadata, rule kind, room prefix and pin, trunks, called
/// numbers and agents.
pub fn same_rule(desired: &SipDispatchRuleInfo, remote: &SipDispatchRuleInfo) -> bool {
    compare::same(desired, remote)
}

#[cfg(test)]
mod tests;
