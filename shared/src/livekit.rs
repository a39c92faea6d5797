//! "What LiveKit holds": a carrier's LiveKit objects read live, beside what the
//! console wants them to be, field by field.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a password field shows on either side: whether one is set, never its value.
pub const HIDDEN_SECRET: &str = "••••••••";

/// A carrier's LiveKit objects compared with its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "read_at": "2026-12-07T09:30:12Z", "in_sync": false,
    "objects": [{
        "kind": "outbound_trunk", "label": "Outbound trunk", "livekit_id": "ST_Br84cMbYBDPm",
        "state": "differs",
        "fields": [
            {"field": "address", "label": "Address", "wanted": ["sip.example.com"],
             "held": ["sip.example.com"], "matches": true},
            {"field": "numbers", "label": "Numbers", "wanted": ["+14155550100"],
             "held": [], "matches": false}
        ]
    }]
}))))]
pub struct LiveKitComparison {
    /// When LiveKit was read.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub read_at: OffsetDateTime,
    /// Every object is held and every field matches.
    pub in_sync: bool,
    /// The outbound trunk, the inbound trunk, then the dispatch rules.
    pub objects: Vec<ObjectComparison>,
}

impl LiveKitComparison {
    /// The objects with a difference, and the fields that differ in them.
    pub fn differences(&self) -> usize {
        self.objects
            .iter()
            .map(|o| match o.state {
                ObjectState::Matches => 0,
                ObjectState::Differs => o.fields.iter().filter(|f| !f.matches).count(),
                ObjectState::Missing | ObjectState::Unwanted => 1,
            })
            .sum()
    }
}

/// A kind of LiveKit SIP object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    OutboundTrunk,
    InboundTrunk,
    DispatchRule,
}

/// How an object in LiveKit stands against the console's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObjectState {
    /// LiveKit holds it with every field as wanted.
    Matches,
    /// LiveKit holds it, with some fields different.
    Differs,
    /// The console wants it and LiveKit does not hold it.
    Missing,
    /// LiveKit holds it for this carrier and the console does not want it.
    Unwanted,
}

impl ObjectState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Matches => "Matches",
            Self::Differs => "Differs",
            Self::Missing => "Missing in LiveKit",
            Self::Unwanted => "Not wanted",
        }
    }
}

/// One LiveKit object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "kind": "dispatch_rule", "label": "Dispatch rule for +14155550100", "livekit_id": null,
    "state": "missing",
    "fields": [{"field": "numbers", "label": "Numbers (called)", "wanted": ["+14155550100"],
        "held": [], "matches": false}]
}))))]
pub struct ObjectComparison {
    pub kind: ObjectKind,
    /// For people: "Outbound trunk", "Dispatch rule for +14155550100".
    pub label: String,
    /// LiveKit's id of the object; null when LiveKit does not hold it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub livekit_id: Option<String>,
    pub state: ObjectState,
    /// Every field the console sets on this kind of object.
    pub fields: Vec<FieldComparison>,
}

/// One field of an object: the console's value and LiveKit's. Lists are
/// sorted; a single value is a list of one; nothing is an empty list.
/// Passwords show as [`HIDDEN_SECRET`] when set, on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "field": "auth_password", "label": "Auth password", "wanted": ["••••••••"],
    "held": ["••••••••"], "matches": false
}))))]
pub struct FieldComparison {
    /// LiveKit's name for the field, e.g. `allowed_addresses`.
    pub field: String,
    /// For people, e.g. "Allowed addresses".
    pub label: String,
    /// What the console wants.
    pub wanted: Vec<String>,
    /// What LiveKit holds.
    pub held: Vec<String>,
    pub matches: bool,
}
