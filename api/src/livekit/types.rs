//! The LiveKit SIP messages we send and read, as Twirp JSON.
//!
//! Field names and enum values are LiveKit's own (`livekit_sip.proto`,
//! snake_case proto names, enums by name). Only the fields we use are here:
//! LiveKit's protojson decoder drops unknown fields silently, so a misspelt
//! name would not fail — it would just not be applied. Keep them exact.
//!
//! Serialising skips empty values (proto3 treats an absent field as its
//! default, so a `replace` means the same either way) and keeps requests
//! minimal. Deserialising is lenient: every field defaults, explicit `null`
//! reads as the default, and the many fields LiveKit adds are ignored.

use std::fmt;

use ori_shared::carrier::Transport;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{DeserializeOwned, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// Reads `null` as the type's default (protojson writes unset messages as
/// `null`; we are lenient about it everywhere).
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A list whose entries may be `null` (LiveKit's List with `trunk_ids` puts
/// `null` where an id is missing); the `null`s are dropped.
fn items_without_nulls<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let items: Option<Vec<Option<T>>> = Option::deserialize(deserializer)?;
    Ok(items.unwrap_or_default().into_iter().flatten().collect())
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A SIP digest password on the wire. `Debug` never shows it.
#[derive(Clone, Default)]
pub struct AuthPassword(SecretString);

impl AuthPassword {
    pub fn new(secret: &SecretString) -> Self {
        Self(secret.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<&str> for AuthPassword {
    fn from(value: &str) -> Self {
        Self(SecretString::from(value))
    }
}

impl PartialEq for AuthPassword {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for AuthPassword {}

impl fmt::Debug for AuthPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            f.write_str("AuthPassword(<empty>)")
        } else {
            f.write_str("AuthPassword(<redacted>)")
        }
    }
}

impl Serialize for AuthPassword {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for AuthPassword {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        Ok(Self(SecretString::from(text.unwrap_or_default())))
    }
}

/// LiveKit `SIPTransport`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SipTransport {
    /// `SIP_TRANSPORT_AUTO` (0)
    #[default]
    Auto,
    /// `SIP_TRANSPORT_UDP` (1)
    Udp,
    /// `SIP_TRANSPORT_TCP` (2)
    Tcp,
    /// `SIP_TRANSPORT_TLS` (3)
    Tls,
    /// A value this build does not know (read from LiveKit, never sent).
    Unknown,
}

impl SipTransport {
    pub fn is_auto(&self) -> bool {
        *self == Self::Auto
    }

    /// LiveKit's enum name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "SIP_TRANSPORT_AUTO",
            Self::Udp => "SIP_TRANSPORT_UDP",
            Self::Tcp => "SIP_TRANSPORT_TCP",
            Self::Tls => "SIP_TRANSPORT_TLS",
            Self::Unknown => "unknown",
        }
    }
}

impl From<Transport> for SipTransport {
    fn from(value: Transport) -> Self {
        match value {
            Transport::Auto => Self::Auto,
            Transport::Udp => Self::Udp,
            Transport::Tcp => Self::Tcp,
            Transport::Tls => Self::Tls,
        }
    }
}

impl Serialize for SipTransport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if *self == Self::Unknown {
            return Err(serde::ser::Error::custom(
                "cannot send a SIP transport this build does not know",
            ));
        }
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SipTransport {
    /// Accepts the enum name or its number (protojson accepts and may emit
    /// both); `null` is AUTO and anything else is `Unknown`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Number(i64),
        }
        Ok(match Option::<Raw>::deserialize(deserializer)? {
            None => Self::Auto,
            Some(Raw::Name(name)) => match name.as_str() {
                "SIP_TRANSPORT_AUTO" => Self::Auto,
                "SIP_TRANSPORT_UDP" => Self::Udp,
                "SIP_TRANSPORT_TCP" => Self::Tcp,
                "SIP_TRANSPORT_TLS" => Self::Tls,
                _ => Self::Unknown,
            },
            Some(Raw::Number(n)) => match n {
                0 => Self::Auto,
                1 => Self::Udp,
                2 => Self::Tcp,
                3 => Self::Tls,
                _ => Self::Unknown,
            },
        })
    }
}

/// LiveKit `SIPOutboundTrunkInfo` (the fields we use).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipOutboundTrunkInfo {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub sip_trunk_id: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: String,
    /// Host or IP with an optional port; no `sip:` prefix.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub address: String,
    /// ISO 3166-1 alpha-2.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub destination_country: String,
    #[serde(skip_serializing_if = "SipTransport::is_auto")]
    pub transport: SipTransport,
    /// Caller ids; LiveKit picks one at random. Must not be empty.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub numbers: Vec<String>,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub auth_username: String,
    #[serde(skip_serializing_if = "AuthPassword::is_empty")]
    pub auth_password: AuthPassword,
}

/// LiveKit `SIPInboundTrunkInfo` (the fields we use, plus
/// `allowed_numbers`, read only so drift there can be seen).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipInboundTrunkInfo {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub sip_trunk_id: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: String,
    /// The called numbers this trunk accepts.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub numbers: Vec<String>,
    /// IPs or CIDRs calls are accepted from.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub allowed_addresses: Vec<String>,
    /// Caller numbers accepted (we never set it).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub allowed_numbers: Vec<String>,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub auth_username: String,
    #[serde(skip_serializing_if = "AuthPassword::is_empty")]
    pub auth_password: AuthPassword,
}

/// LiveKit `SIPDispatchRuleIndividual`: a new room per caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipDispatchRuleIndividual {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub room_prefix: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub pin: String,
}

/// LiveKit `SIPDispatchRule`, a oneof. We only create
/// `dispatch_rule_individual`; the other two are kept raw so a rule of
/// another kind is recognised as different.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipDispatchRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_rule_individual: Option<SipDispatchRuleIndividual>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_rule_direct: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_rule_callee: Option<serde_json::Value>,
}

/// LiveKit `RoomAgentDispatch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoomAgentDispatch {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub agent_name: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: String,
}

/// LiveKit `RoomConfiguration` (only `agents`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoomConfiguration {
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub agents: Vec<RoomAgentDispatch>,
}

/// LiveKit `SIPDispatchRuleInfo` (the fields we use, plus
/// `inbound_numbers` and `hide_phone_number`, read for drift).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipDispatchRuleInfo {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub sip_dispatch_rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<SipDispatchRule>,
    /// Trunks the rule applies to. **Empty means every trunk.**
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub trunk_ids: Vec<String>,
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub hide_phone_number: bool,
    /// Caller (From) numbers the rule accepts; we never set it.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub inbound_numbers: Vec<String>,
    /// Called (To) numbers the rule accepts: our per-DID filter.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub numbers: Vec<String>,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_config: Option<RoomConfiguration>,
}

/// `CreateSIPOutboundTrunkRequest` (the trunk id must be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSipOutboundTrunkRequest {
    pub trunk: SipOutboundTrunkInfo,
}

/// `UpdateSIPOutboundTrunkRequest` with the `replace` action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateSipOutboundTrunkRequest {
    pub sip_trunk_id: String,
    pub replace: SipOutboundTrunkInfo,
}

/// `ListSIPOutboundTrunkRequest`: no filter lists every trunk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipOutboundTrunkRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trunk_ids: Vec<String>,
    /// Trunks holding any of these numbers (and trunks with no numbers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<String>,
}

/// `ListSIPOutboundTrunkResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipOutboundTrunkResponse {
    #[serde(deserialize_with = "items_without_nulls")]
    pub items: Vec<SipOutboundTrunkInfo>,
}

/// `CreateSIPInboundTrunkRequest` (the trunk id must be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSipInboundTrunkRequest {
    pub trunk: SipInboundTrunkInfo,
}

/// `UpdateSIPInboundTrunkRequest` with the `replace` action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateSipInboundTrunkRequest {
    pub sip_trunk_id: String,
    pub replace: SipInboundTrunkInfo,
}

/// `ListSIPInboundTrunkRequest`: no filter lists every trunk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipInboundTrunkRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trunk_ids: Vec<String>,
    /// Trunks holding any of these numbers (and trunks with no numbers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<String>,
}

/// `ListSIPInboundTrunkResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipInboundTrunkResponse {
    #[serde(deserialize_with = "items_without_nulls")]
    pub items: Vec<SipInboundTrunkInfo>,
}

/// `ListUpdate` with only `remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListRemove {
    pub remove: Vec<String>,
}

/// `SIPInboundTrunkUpdate` that only removes numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SipInboundTrunkNumbersUpdate {
    pub numbers: ListRemove,
}

/// `UpdateSIPInboundTrunkRequest` with the `update` action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateSipInboundTrunkFieldsRequest {
    pub sip_trunk_id: String,
    pub update: SipInboundTrunkNumbersUpdate,
}

/// `DeleteSIPTrunkRequest`: for inbound and outbound trunks alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeleteSipTrunkRequest {
    pub sip_trunk_id: String,
}

/// `CreateSIPDispatchRuleRequest` (the top-level copies are deprecated;
/// only `dispatch_rule` is sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateSipDispatchRuleRequest {
    pub dispatch_rule: SipDispatchRuleInfo,
}

/// `UpdateSIPDispatchRuleRequest` with the `replace` action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateSipDispatchRuleRequest {
    pub sip_dispatch_rule_id: String,
    pub replace: SipDispatchRuleInfo,
}

/// `ListSIPDispatchRuleRequest`: no filter lists every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipDispatchRuleRequest {
    /// Only these rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dispatch_rule_ids: Vec<String>,
    /// Rules for any of these trunks (and rules for every trunk).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trunk_ids: Vec<String>,
}

/// `ListSIPDispatchRuleResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSipDispatchRuleResponse {
    #[serde(deserialize_with = "items_without_nulls")]
    pub items: Vec<SipDispatchRuleInfo>,
}

/// `DeleteSIPDispatchRuleRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeleteSipDispatchRuleRequest {
    pub sip_dispatch_rule_id: String,
}

/// Twirp's error body: `{"code": "...", "msg": "...", "meta": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TwirpError {
    pub code: String,
    #[serde(default, deserialize_with = "nullable")]
    pub msg: String,
}

impl TwirpError {
    /// The body when it is a Twirp error, else `None`.
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str::<Self>(body)
            .ok()
            .filter(|e| !e.code.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outbound() -> SipOutboundTrunkInfo {
        SipOutboundTrunkInfo {
            name: "carrier-a outbound".into(),
            address: "sip.carrier-a.example".into(),
            transport: SipTransport::Tcp,
            numbers: vec!["+15550100".into()],
            auth_username: "lk-out".into(),
            auth_password: AuthPassword::from("s3cret"),
            destination_country: "US".into(),
            ..Default::default()
        }
    }

    #[test]
    fn outbound_create_request_is_minimal_and_uses_livekit_names() {
        let req = CreateSipOutboundTrunkRequest { trunk: outbound() };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"trunk": {
                "name": "carrier-a outbound",
                "address": "sip.carrier-a.example",
                "destination_country": "US",
                "transport": "SIP_TRANSPORT_TCP",
                "numbers": ["+15550100"],
                "auth_username": "lk-out",
                "auth_password": "s3cret"
            }})
        );
    }

    #[test]
    fn auto_transport_and_empty_fields_are_left_out() {
        let trunk = SipOutboundTrunkInfo {
            address: "203.0.113.10:5062".into(),
            numbers: vec!["+15550100".into()],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&trunk).unwrap(),
            json!({"address": "203.0.113.10:5062", "numbers": ["+15550100"]})
        );
    }

    #[test]
    fn every_transport_has_livekits_name() {
        for (t, name) in [
            (SipTransport::Udp, "SIP_TRANSPORT_UDP"),
            (SipTransport::Tcp, "SIP_TRANSPORT_TCP"),
            (SipTransport::Tls, "SIP_TRANSPORT_TLS"),
            (SipTransport::Auto, "SIP_TRANSPORT_AUTO"),
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(name));
            let back: SipTransport = serde_json::from_value(json!(name)).unwrap();
            assert_eq!(back, t);
        }
        let n: SipTransport = serde_json::from_value(json!(3)).unwrap();
        assert_eq!(n, SipTransport::Tls);
        let odd: SipTransport = serde_json::from_value(json!("SIP_TRANSPORT_QUIC")).unwrap();
        assert_eq!(odd, SipTransport::Unknown);
        assert!(serde_json::to_value(SipTransport::Unknown).is_err());
        assert_eq!(SipTransport::from(Transport::Udp), SipTransport::Udp);
        assert_eq!(SipTransport::from(Transport::Auto), SipTransport::Auto);
    }

    #[test]
    fn livekits_full_outbound_response_parses() {
        let body = r#"{"sip_trunk_id":"ST_Br84cMbYBDPm","name":"carrier-a outbound","metadata":"","address":"sip.carrier-a.example","destination_country":"US","transport":"SIP_TRANSPORT_TCP","numbers":["+15550100"],"auth_username":"lk-out","auth_password":"s3cret","headers":{"X-Carrier":"a"},"headers_to_attributes":{},"attributes_to_headers":{},"include_headers":"SIP_NO_HEADERS","media_encryption":"SIP_MEDIA_ENCRYPT_DISABLE","media":null,"from_host":"","created_at":null,"updated_at":null}"#;
        let trunk: SipOutboundTrunkInfo = serde_json::from_str(body).unwrap();
        assert_eq!(trunk.sip_trunk_id, "ST_Br84cMbYBDPm");
        let mut expected = outbound();
        expected.sip_trunk_id = "ST_Br84cMbYBDPm".into();
        assert_eq!(trunk, expected);
    }

    #[test]
    fn livekits_full_inbound_response_parses() {
        let body = r#"{"sip_trunk_id":"ST_44QV7FyJ2F69","name":"carrier-a inbound","metadata":"","numbers":["+15550100"],"allowed_addresses":["203.0.113.0/24"],"allowed_numbers":[],"auth_username":"lk-in","auth_password":"s3cret","auth_realm":"","headers":{},"headers_to_attributes":{},"attributes_to_headers":{},"include_headers":"SIP_NO_HEADERS","ringing_timeout":null,"ringing_timeout_status":"SIP_STATUS_UNKNOWN","max_call_duration":null,"krisp_enabled":true,"media_encryption":"SIP_MEDIA_ENCRYPT_DISABLE","media":null,"created_at":null,"updated_at":null}"#;
        let trunk: SipInboundTrunkInfo = serde_json::from_str(body).unwrap();
        assert_eq!(trunk.sip_trunk_id, "ST_44QV7FyJ2F69");
        assert_eq!(trunk.numbers, ["+15550100"]);
        assert_eq!(trunk.allowed_addresses, ["203.0.113.0/24"]);
        assert_eq!(trunk.auth_username, "lk-in");
        assert_eq!(trunk.auth_password.expose(), "s3cret");
    }

    #[test]
    fn nulls_and_missing_fields_read_as_defaults() {
        let trunk: SipInboundTrunkInfo = serde_json::from_str(
            r#"{"sip_trunk_id":"ST_x","numbers":null,"auth_password":null,"name":null}"#,
        )
        .unwrap();
        assert_eq!(trunk.sip_trunk_id, "ST_x");
        assert!(trunk.numbers.is_empty());
        assert!(trunk.auth_password.is_empty());
        let list: ListSipInboundTrunkResponse =
            serde_json::from_str(r#"{"items":[null,{"sip_trunk_id":"ST_y"}]}"#).unwrap();
        assert_eq!(list.items.len(), 1);
        let empty: ListSipDispatchRuleResponse = serde_json::from_str(r#"{"items":null}"#).unwrap();
        assert!(empty.items.is_empty());
        let none: ListSipOutboundTrunkResponse = serde_json::from_str("{}").unwrap();
        assert!(none.items.is_empty());
    }

    #[test]
    fn dispatch_rule_request_shape() {
        let rule = SipDispatchRuleInfo {
            rule: Some(SipDispatchRule {
                dispatch_rule_individual: Some(SipDispatchRuleIndividual {
                    room_prefix: "call-".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            trunk_ids: vec!["ST_44QV7FyJ2F69".into()],
            numbers: vec!["+15550100".into()],
            name: "r".into(),
            metadata: "{}".into(),
            room_config: Some(RoomConfiguration {
                agents: vec![RoomAgentDispatch {
                    agent_name: "sales-bot".into(),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        };
        let req = CreateSipDispatchRuleRequest {
            dispatch_rule: rule.clone(),
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"dispatch_rule": {
                "rule": {"dispatch_rule_individual": {"room_prefix": "call-"}},
                "trunk_ids": ["ST_44QV7FyJ2F69"],
                "numbers": ["+15550100"],
                "name": "r",
                "metadata": "{}",
                "room_config": {"agents": [{"agent_name": "sales-bot"}]}
            }})
        );
        let update = UpdateSipDispatchRuleRequest {
            sip_dispatch_rule_id: "SDR_abc".into(),
            replace: rule,
        };
        let value = serde_json::to_value(&update).unwrap();
        assert_eq!(value["sip_dispatch_rule_id"], "SDR_abc");
        assert_eq!(value["replace"]["numbers"], json!(["+15550100"]));
    }

    #[test]
    fn livekits_full_dispatch_rule_response_parses() {
        let body = r#"{"sip_dispatch_rule_id":"SDR_abc","rule":{"dispatch_rule_individual":{"room_prefix":"call-","pin":"","no_randomness":false}},"trunk_ids":["ST_1"],"hide_phone_number":false,"inbound_numbers":[],"numbers":["+15550100"],"name":"n","metadata":"m","attributes":{},"room_preset":"","room_config":{"name":"","room_preset":"","empty_timeout":0,"departure_timeout":0,"max_participants":0,"metadata":"","egress":null,"min_playout_delay":0,"max_playout_delay":0,"sync_streams":false,"agents":[{"agent_name":"sales-bot","metadata":""}]},"krisp_enabled":false,"media_encryption":"SIP_MEDIA_ENCRYPT_DISABLE","created_at":null,"updated_at":null}"#;
        let rule: SipDispatchRuleInfo = serde_json::from_str(body).unwrap();
        assert_eq!(rule.sip_dispatch_rule_id, "SDR_abc");
        assert_eq!(
            rule.rule
                .as_ref()
                .and_then(|r| r.dispatch_rule_individual.as_ref())
                .map(|i| i.room_prefix.as_str()),
            Some("call-")
        );
        assert_eq!(rule.numbers, ["+15550100"]);
        assert_eq!(rule.room_config.unwrap().agents[0].agent_name, "sales-bot");
    }

    #[test]
    fn other_requests_serialise_with_livekit_names() {
        assert_eq!(
            serde_json::to_value(DeleteSipTrunkRequest {
                sip_trunk_id: "ST_1".into()
            })
            .unwrap(),
            json!({"sip_trunk_id": "ST_1"})
        );
        assert_eq!(
            serde_json::to_value(DeleteSipDispatchRuleRequest {
                sip_dispatch_rule_id: "SDR_1".into()
            })
            .unwrap(),
            json!({"sip_dispatch_rule_id": "SDR_1"})
        );
        assert_eq!(
            serde_json::to_value(ListSipInboundTrunkRequest::default()).unwrap(),
            json!({})
        );
        let update = UpdateSipInboundTrunkRequest {
            sip_trunk_id: "ST_1".into(),
            replace: SipInboundTrunkInfo {
                numbers: vec!["+15550100".into()],
                allowed_addresses: vec!["192.0.2.10".into()],
                ..Default::default()
            },
        };
        assert_eq!(
            serde_json::to_value(update).unwrap(),
            json!({"sip_trunk_id": "ST_1", "replace": {
                "numbers": ["+15550100"], "allowed_addresses": ["192.0.2.10"]
            }})
        );
    }

    #[test]
    fn password_never_shows_in_debug() {
        let mut trunk = outbound();
        trunk.auth_password = AuthPassword::from("hunter2-very-secret");
        let text = format!(
            "{trunk:?} {:?}",
            CreateSipOutboundTrunkRequest {
                trunk: trunk.clone()
            }
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
        let inbound = SipInboundTrunkInfo {
            auth_password: AuthPassword::new(&SecretString::from("hunter2")),
            ..Default::default()
        };
        assert!(!format!("{inbound:#?}").contains("hunter2"));
        assert_eq!(
            format!("{:?}", AuthPassword::default()),
            "AuthPassword(<empty>)"
        );
    }

    #[test]
    fn twirp_error_bodies() {
        let e = TwirpError::parse(
            r#"{"code":"not_found","msg":"requested sip trunk does not exist","meta":{}}"#,
        )
        .unwrap();
        assert_eq!(e.code, "not_found");
        assert_eq!(e.msg, "requested sip trunk does not exist");
        assert!(TwirpError::parse("invalid API key").is_none());
        assert!(TwirpError::parse(r#"{"msg":"x"}"#).is_none());
        assert!(TwirpError::parse("").is_none());
    }
}
