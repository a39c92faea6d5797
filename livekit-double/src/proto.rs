//! The LiveKit SIP messages the double understands, written by hand from
//! livekit/protocol `protobufs/livekit_sip.proto` (plus `RoomConfiguration`,
//! `RoomAgentDispatch`, `ListUpdate` and `Pagination`).
//!
//! Decoding is **stricter than LiveKit**: every message denies unknown fields, so a
//! misspelt field in our client is an error instead of being silently dropped.
//! Both the proto names (`sip_trunk_id`) and the protojson camelCase names
//! (`sipTrunkId`) are accepted, as protojson does; `null` means "unset" (the double
//! strips `null` members before decoding). Enums are accepted by name or number.
//!
//! Encoding mirrors LiveKit's Twirp server (`UseProtoNames` + `EmitUnpopulated`):
//! snake_case, every field present, unset messages `null`, enums by name; of a
//! `oneof` only the member that is set is written.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

macro_rules! proto_enum {
    ($(#[$meta:meta])* $name:ident, $proto:literal, default = $default:ident, { $($variant:ident = $num:literal => $str:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = $str]
                $variant,
            )+
        }

        impl $name {
            /// The proto enum value name, e.g. `SIP_TRANSPORT_TCP`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $str,)+ }
            }
            /// The proto enum number.
            pub fn number(self) -> i64 {
                match self { $(Self::$variant => $num,)+ }
            }
            /// Looks a value up by its proto name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($str => Some(Self::$variant),)+ _ => None }
            }
            /// Looks a value up by its proto number.
            pub fn from_number(n: i64) -> Option<Self> {
                match n { $($num => Some(Self::$variant),)+ _ => None }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::$default
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        write!(f, "a {} enum value name or number", $proto)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| {
                            E::custom(format!("invalid value for enum {}: {:?}", $proto, v))
                        })
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        $name::from_number(v).ok_or_else(|| {
                            E::custom(format!("invalid value for enum {}: {}", $proto, v))
                        })
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        let n = i64::try_from(v).map_err(|_| {
                            E::custom(format!("invalid value for enum {}: {}", $proto, v))
                        })?;
                        self.visit_i64(n)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

proto_enum!(
    /// `livekit.SIPTransport`.
    SipTransport, "livekit.SIPTransport", default = Auto, {
        Auto = 0 => "SIP_TRANSPORT_AUTO",
        Udp = 1 => "SIP_TRANSPORT_UDP",
        Tcp = 2 => "SIP_TRANSPORT_TCP",
        Tls = 3 => "SIP_TRANSPORT_TLS",
    }
);

proto_enum!(
    /// `livekit.SIPHeaderOptions`.
    SipHeaderOptions, "livekit.SIPHeaderOptions", default = NoHeaders, {
        NoHeaders = 0 => "SIP_NO_HEADERS",
        XHeaders = 1 => "SIP_X_HEADERS",
        AllHeaders = 2 => "SIP_ALL_HEADERS",
    }
);

proto_enum!(
    /// `livekit.SIPMediaEncryption`.
    SipMediaEncryption, "livekit.SIPMediaEncryption", default = Disable, {
        Disable = 0 => "SIP_MEDIA_ENCRYPT_DISABLE",
        Allow = 1 => "SIP_MEDIA_ENCRYPT_ALLOW",
        Require = 2 => "SIP_MEDIA_ENCRYPT_REQUIRE",
    }
);

proto_enum!(
    /// `livekit.SIPStatusCode` (only used by `ringing_timeout_status`).
    SipStatusCode, "livekit.SIPStatusCode", default = Unknown, {
        Unknown = 0 => "SIP_STATUS_UNKNOWN",
        Trying = 100 => "SIP_STATUS_TRYING",
        Ringing = 180 => "SIP_STATUS_RINGING",
        CallIsForwarded = 181 => "SIP_STATUS_CALL_IS_FORWARDED",
        Queued = 182 => "SIP_STATUS_QUEUED",
        SessionProgress = 183 => "SIP_STATUS_SESSION_PROGRESS",
        Ok = 200 => "SIP_STATUS_OK",
        Accepted = 202 => "SIP_STATUS_ACCEPTED",
        MovedPermanently = 301 => "SIP_STATUS_MOVED_PERMANENTLY",
        MovedTemporarily = 302 => "SIP_STATUS_MOVED_TEMPORARILY",
        UseProxy = 305 => "SIP_STATUS_USE_PROXY",
        BadRequest = 400 => "SIP_STATUS_BAD_REQUEST",
        Unauthorized = 401 => "SIP_STATUS_UNAUTHORIZED",
        PaymentRequired = 402 => "SIP_STATUS_PAYMENT_REQUIRED",
        Forbidden = 403 => "SIP_STATUS_FORBIDDEN",
        NotFound = 404 => "SIP_STATUS_NOTFOUND",
        MethodNotAllowed = 405 => "SIP_STATUS_METHOD_NOT_ALLOWED",
        NotAcceptable = 406 => "SIP_STATUS_NOT_ACCEPTABLE",
        ProxyAuthRequired = 407 => "SIP_STATUS_PROXY_AUTH_REQUIRED",
        RequestTimeout = 408 => "SIP_STATUS_REQUEST_TIMEOUT",
        Conflict = 409 => "SIP_STATUS_CONFLICT",
        Gone = 410 => "SIP_STATUS_GONE",
        RequestEntityTooLarge = 413 => "SIP_STATUS_REQUEST_ENTITY_TOO_LARGE",
        RequestUriTooLong = 414 => "SIP_STATUS_REQUEST_URI_TOO_LONG",
        UnsupportedMediaType = 415 => "SIP_STATUS_UNSUPPORTED_MEDIA_TYPE",
        RequestedRangeNotSatisfiable = 416 => "SIP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE",
        BadExtension = 420 => "SIP_STATUS_BAD_EXTENSION",
        ExtensionRequired = 421 => "SIP_STATUS_EXTENSION_REQUIRED",
        IntervalTooBrief = 423 => "SIP_STATUS_INTERVAL_TOO_BRIEF",
        TemporarilyUnavailable = 480 => "SIP_STATUS_TEMPORARILY_UNAVAILABLE",
        CallTransactionDoesNotExists = 481 => "SIP_STATUS_CALL_TRANSACTION_DOES_NOT_EXISTS",
        LoopDetected = 482 => "SIP_STATUS_LOOP_DETECTED",
        TooManyHops = 483 => "SIP_STATUS_TOO_MANY_HOPS",
        AddressIncomplete = 484 => "SIP_STATUS_ADDRESS_INCOMPLETE",
        Ambiguous = 485 => "SIP_STATUS_AMBIGUOUS",
        BusyHere = 486 => "SIP_STATUS_BUSY_HERE",
        RequestTerminated = 487 => "SIP_STATUS_REQUEST_TERMINATED",
        NotAcceptableHere = 488 => "SIP_STATUS_NOT_ACCEPTABLE_HERE",
        InternalServerError = 500 => "SIP_STATUS_INTERNAL_SERVER_ERROR",
        NotImplemented = 501 => "SIP_STATUS_NOT_IMPLEMENTED",
        BadGateway = 502 => "SIP_STATUS_BAD_GATEWAY",
        ServiceUnavailable = 503 => "SIP_STATUS_SERVICE_UNAVAILABLE",
        GatewayTimeout = 504 => "SIP_STATUS_GATEWAY_TIMEOUT",
        VersionNotSupported = 505 => "SIP_STATUS_VERSION_NOT_SUPPORTED",
        MessageTooLarge = 513 => "SIP_STATUS_MESSAGE_TOO_LARGE",
        GlobalBusyEverywhere = 600 => "SIP_STATUS_GLOBAL_BUSY_EVERYWHERE",
        GlobalDecline = 603 => "SIP_STATUS_GLOBAL_DECLINE",
        GlobalDoesNotExistAnywhere = 604 => "SIP_STATUS_GLOBAL_DOES_NOT_EXIST_ANYWHERE",
        GlobalNotAcceptable = 606 => "SIP_STATUS_GLOBAL_NOT_ACCEPTABLE",
    }
);

/// A `google.protobuf.Duration` in its protojson form (`"30s"`, `"1.5s"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProtoDuration(pub String);

impl<'de> Deserialize<'de> for ProtoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if is_proto_duration(&s) {
            Ok(Self(s))
        } else {
            Err(de::Error::custom(format!(
                "invalid google.protobuf.Duration value {s:?} (expected e.g. \"30s\" or \"1.5s\")"
            )))
        }
    }
}

fn is_proto_duration(s: &str) -> bool {
    let Some(body) = s.strip_suffix('s') else {
        return false;
    };
    let body = body.strip_prefix('-').unwrap_or(body);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac
            .is_none_or(|f| !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A `google.protobuf.Timestamp` in its protojson form (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProtoTimestamp(pub String);

impl<'de> Deserialize<'de> for ProtoTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let b = s.as_bytes();
        let plausible = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && (s.ends_with('Z') || b[19..].iter().any(|c| *c == b'+' || *c == b'-'));
        if plausible {
            Ok(Self(s))
        } else {
            Err(de::Error::custom(format!(
                "invalid google.protobuf.Timestamp value {s:?} (expected RFC 3339)"
            )))
        }
    }
}

/// A JSON object kept as-is (messages the double does not model field by field,
/// e.g. `SIPMediaConfig` or `RoomEgress`). Anything but an object is rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct OpaqueMessage(pub serde_json::Map<String, Value>);

impl<'de> Deserialize<'de> for OpaqueMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => Ok(Self(m)),
            other => Err(de::Error::custom(format!(
                "expected a JSON object for a message field, got {other}"
            ))),
        }
    }
}

/// A uint32 that protojson also accepts as a quoted string.
fn de_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| de::Error::custom(format!("invalid uint32 value {n}"))),
        Value::String(s) => s
            .parse::<u32>()
            .map_err(|_| de::Error::custom(format!("invalid uint32 value {s:?}"))),
        other => Err(de::Error::custom(format!("invalid uint32 value {other}"))),
    }
}

pub type StringMap = BTreeMap<String, String>;

/// `livekit.SIPInboundTrunkInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipInboundTrunkInfo {
    #[serde(alias = "sipTrunkId")]
    pub sip_trunk_id: String,
    pub name: String,
    pub metadata: String,
    /// Called numbers this trunk accepts calls to.
    pub numbers: Vec<String>,
    #[serde(alias = "allowedAddresses")]
    pub allowed_addresses: Vec<String>,
    /// Calling numbers allowed to call this trunk.
    #[serde(alias = "allowedNumbers")]
    pub allowed_numbers: Vec<String>,
    #[serde(alias = "authUsername")]
    pub auth_username: String,
    #[serde(alias = "authPassword")]
    pub auth_password: String,
    #[serde(alias = "authRealm")]
    pub auth_realm: String,
    pub headers: StringMap,
    #[serde(alias = "headersToAttributes")]
    pub headers_to_attributes: StringMap,
    #[serde(alias = "attributesToHeaders")]
    pub attributes_to_headers: StringMap,
    #[serde(alias = "includeHeaders")]
    pub include_headers: SipHeaderOptions,
    #[serde(alias = "ringingTimeout")]
    pub ringing_timeout: Option<ProtoDuration>,
    #[serde(alias = "ringingTimeoutStatus")]
    pub ringing_timeout_status: SipStatusCode,
    #[serde(alias = "maxCallDuration")]
    pub max_call_duration: Option<ProtoDuration>,
    #[serde(alias = "krispEnabled")]
    pub krisp_enabled: bool,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: SipMediaEncryption,
    pub media: Option<OpaqueMessage>,
    #[serde(alias = "createdAt")]
    pub created_at: Option<ProtoTimestamp>,
    #[serde(alias = "updatedAt")]
    pub updated_at: Option<ProtoTimestamp>,
}

/// `livekit.SIPOutboundTrunkInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipOutboundTrunkInfo {
    #[serde(alias = "sipTrunkId")]
    pub sip_trunk_id: String,
    pub name: String,
    pub metadata: String,
    /// Host or IP the INVITE goes to; not a SIP URI.
    pub address: String,
    #[serde(alias = "destinationCountry")]
    pub destination_country: String,
    pub transport: SipTransport,
    /// Caller ids; LiveKit picks one at random.
    pub numbers: Vec<String>,
    #[serde(alias = "authUsername")]
    pub auth_username: String,
    #[serde(alias = "authPassword")]
    pub auth_password: String,
    pub headers: StringMap,
    #[serde(alias = "headersToAttributes")]
    pub headers_to_attributes: StringMap,
    #[serde(alias = "attributesToHeaders")]
    pub attributes_to_headers: StringMap,
    #[serde(alias = "includeHeaders")]
    pub include_headers: SipHeaderOptions,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: SipMediaEncryption,
    pub media: Option<OpaqueMessage>,
    #[serde(alias = "fromHost")]
    pub from_host: String,
    #[serde(alias = "createdAt")]
    pub created_at: Option<ProtoTimestamp>,
    #[serde(alias = "updatedAt")]
    pub updated_at: Option<ProtoTimestamp>,
}

/// `livekit.ListUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListUpdate {
    pub set: Vec<String>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    pub clear: bool,
}

/// `livekit.Pagination`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pagination {
    #[serde(alias = "afterId")]
    pub after_id: String,
    #[serde(deserialize_with = "de_u32")]
    pub limit: u32,
}

/// `livekit.SIPInboundTrunkUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipInboundTrunkUpdate {
    pub numbers: Option<ListUpdate>,
    #[serde(alias = "allowedAddresses")]
    pub allowed_addresses: Option<ListUpdate>,
    #[serde(alias = "allowedNumbers")]
    pub allowed_numbers: Option<ListUpdate>,
    #[serde(alias = "authUsername")]
    pub auth_username: Option<String>,
    #[serde(alias = "authPassword")]
    pub auth_password: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<String>,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: Option<SipMediaEncryption>,
    pub media: Option<OpaqueMessage>,
}

/// `livekit.SIPOutboundTrunkUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipOutboundTrunkUpdate {
    pub address: Option<String>,
    pub transport: Option<SipTransport>,
    #[serde(alias = "destinationCountry")]
    pub destination_country: Option<String>,
    pub numbers: Option<ListUpdate>,
    #[serde(alias = "authUsername")]
    pub auth_username: Option<String>,
    #[serde(alias = "authPassword")]
    pub auth_password: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<String>,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: Option<SipMediaEncryption>,
    #[serde(alias = "fromHost")]
    pub from_host: Option<String>,
    pub media: Option<OpaqueMessage>,
}

/// `livekit.CreateSIPInboundTrunkRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreateSipInboundTrunkRequest {
    pub trunk: Option<SipInboundTrunkInfo>,
}

/// `livekit.CreateSIPOutboundTrunkRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreateSipOutboundTrunkRequest {
    pub trunk: Option<SipOutboundTrunkInfo>,
}

/// `livekit.UpdateSIPInboundTrunkRequest` (`oneof action { replace | update }`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateSipInboundTrunkRequest {
    #[serde(alias = "sipTrunkId")]
    pub sip_trunk_id: String,
    pub replace: Option<SipInboundTrunkInfo>,
    pub update: Option<SipInboundTrunkUpdate>,
}

/// `livekit.UpdateSIPOutboundTrunkRequest` (`oneof action { replace | update }`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateSipOutboundTrunkRequest {
    #[serde(alias = "sipTrunkId")]
    pub sip_trunk_id: String,
    pub replace: Option<SipOutboundTrunkInfo>,
    pub update: Option<SipOutboundTrunkUpdate>,
}

/// `livekit.GetSIPInboundTrunkRequest` / `GetSIPOutboundTrunkRequest` /
/// `DeleteSIPTrunkRequest` (all three are `{sip_trunk_id}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrunkIdRequest {
    #[serde(alias = "sipTrunkId")]
    pub sip_trunk_id: String,
}

/// `livekit.ListSIPInboundTrunkRequest` / `ListSIPOutboundTrunkRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListTrunkRequest {
    pub page: Option<Pagination>,
    #[serde(alias = "trunkIds")]
    pub trunk_ids: Vec<String>,
    pub numbers: Vec<String>,
}

/// `livekit.SIPDispatchRuleDirect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRuleDirect {
    #[serde(alias = "roomName")]
    pub room_name: String,
    pub pin: String,
}

/// `livekit.SIPDispatchRuleIndividual`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRuleIndividual {
    #[serde(alias = "roomPrefix")]
    pub room_prefix: String,
    pub pin: String,
    #[serde(alias = "noRandomness")]
    pub no_randomness: bool,
}

/// `livekit.SIPDispatchRuleCallee`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRuleCallee {
    #[serde(alias = "roomPrefix")]
    pub room_prefix: String,
    pub pin: String,
    pub randomize: bool,
}

/// `livekit.SIPDispatchRule`: `oneof rule { dispatch_rule_direct | dispatch_rule_individual | dispatch_rule_callee }`.
/// Setting two members is a decode error (as in protojson); setting none is accepted
/// by decoding but fails later, as in LiveKit ("Unsupported SIP Dispatch Rule").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRule {
    #[serde(alias = "dispatchRuleDirect", skip_serializing_if = "Option::is_none")]
    pub dispatch_rule_direct: Option<SipDispatchRuleDirect>,
    #[serde(
        alias = "dispatchRuleIndividual",
        skip_serializing_if = "Option::is_none"
    )]
    pub dispatch_rule_individual: Option<SipDispatchRuleIndividual>,
    #[serde(alias = "dispatchRuleCallee", skip_serializing_if = "Option::is_none")]
    pub dispatch_rule_callee: Option<SipDispatchRuleCallee>,
}

impl SipDispatchRule {
    /// How many `oneof rule` members are set.
    pub fn members_set(&self) -> usize {
        usize::from(self.dispatch_rule_direct.is_some())
            + usize::from(self.dispatch_rule_individual.is_some())
            + usize::from(self.dispatch_rule_callee.is_some())
    }

    /// The rule's pin, or `None` when no member is set (LiveKit's `GetPinAndRoom`).
    pub fn pin(&self) -> Option<&str> {
        if let Some(r) = &self.dispatch_rule_direct {
            Some(&r.pin)
        } else if let Some(r) = &self.dispatch_rule_individual {
            Some(&r.pin)
        } else {
            self.dispatch_rule_callee.as_ref().map(|r| r.pin.as_str())
        }
    }
}

/// `livekit.RoomAgentDispatch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomAgentDispatch {
    #[serde(alias = "agentName")]
    pub agent_name: String,
    pub metadata: String,
}

/// `livekit.RoomConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomConfiguration {
    pub name: String,
    #[serde(alias = "emptyTimeout", deserialize_with = "de_u32")]
    pub empty_timeout: u32,
    #[serde(alias = "departureTimeout", deserialize_with = "de_u32")]
    pub departure_timeout: u32,
    #[serde(alias = "maxParticipants", deserialize_with = "de_u32")]
    pub max_participants: u32,
    pub egress: Option<OpaqueMessage>,
    #[serde(alias = "minPlayoutDelay", deserialize_with = "de_u32")]
    pub min_playout_delay: u32,
    #[serde(alias = "maxPlayoutDelay", deserialize_with = "de_u32")]
    pub max_playout_delay: u32,
    #[serde(alias = "syncStreams")]
    pub sync_streams: bool,
    pub agents: Vec<RoomAgentDispatch>,
}

/// `livekit.SIPDispatchRuleInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRuleInfo {
    #[serde(alias = "sipDispatchRuleId")]
    pub sip_dispatch_rule_id: String,
    pub rule: Option<SipDispatchRule>,
    /// Trunks this rule applies to; empty means all.
    #[serde(alias = "trunkIds")]
    pub trunk_ids: Vec<String>,
    #[serde(alias = "hidePhoneNumber")]
    pub hide_phone_number: bool,
    /// Calling numbers this rule accepts.
    #[serde(alias = "inboundNumbers")]
    pub inbound_numbers: Vec<String>,
    /// Called numbers this rule accepts.
    pub numbers: Vec<String>,
    pub name: String,
    pub metadata: String,
    pub attributes: StringMap,
    #[serde(alias = "roomPreset")]
    pub room_preset: String,
    #[serde(alias = "roomConfig")]
    pub room_config: Option<RoomConfiguration>,
    #[serde(alias = "krispEnabled")]
    pub krisp_enabled: bool,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: SipMediaEncryption,
    pub media: Option<OpaqueMessage>,
}

/// `livekit.SIPDispatchRuleUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipDispatchRuleUpdate {
    #[serde(alias = "trunkIds")]
    pub trunk_ids: Option<ListUpdate>,
    pub rule: Option<SipDispatchRule>,
    pub name: Option<String>,
    pub metadata: Option<String>,
    /// A diff: an empty value deletes the key.
    pub attributes: StringMap,
    #[serde(alias = "mediaEncryption")]
    pub media_encryption: Option<SipMediaEncryption>,
    pub media: Option<OpaqueMessage>,
}

/// `livekit.CreateSIPDispatchRuleRequest`. The deprecated top-level copies of the
/// rule's fields are known (so they are not "unknown fields") but the double rejects
/// them: LiveKit ignores them whenever `dispatch_rule` is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreateSipDispatchRuleRequest {
    #[serde(alias = "dispatchRule")]
    pub dispatch_rule: Option<SipDispatchRuleInfo>,
    pub rule: Option<Value>,
    #[serde(alias = "trunkIds")]
    pub trunk_ids: Option<Value>,
    #[serde(alias = "hidePhoneNumber")]
    pub hide_phone_number: Option<Value>,
    #[serde(alias = "inboundNumbers")]
    pub inbound_numbers: Option<Value>,
    pub name: Option<Value>,
    pub metadata: Option<Value>,
    pub attributes: Option<Value>,
    #[serde(alias = "roomPreset")]
    pub room_preset: Option<Value>,
    #[serde(alias = "roomConfig")]
    pub room_config: Option<Value>,
}

impl CreateSipDispatchRuleRequest {
    /// Names of the deprecated top-level fields that were sent.
    pub fn deprecated_fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let fields: [(&'static str, bool); 9] = [
            ("rule", self.rule.is_some()),
            ("trunk_ids", self.trunk_ids.is_some()),
            ("hide_phone_number", self.hide_phone_number.is_some()),
            ("inbound_numbers", self.inbound_numbers.is_some()),
            ("name", self.name.is_some()),
            ("metadata", self.metadata.is_some()),
            ("attributes", self.attributes.is_some()),
            ("room_preset", self.room_preset.is_some()),
            ("room_config", self.room_config.is_some()),
        ];
        for (name, set) in fields {
            if set {
                out.push(name);
            }
        }
        out
    }
}

/// `livekit.UpdateSIPDispatchRuleRequest` (`oneof action { replace | update }`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateSipDispatchRuleRequest {
    #[serde(alias = "sipDispatchRuleId")]
    pub sip_dispatch_rule_id: String,
    pub replace: Option<SipDispatchRuleInfo>,
    pub update: Option<SipDispatchRuleUpdate>,
}

/// `livekit.ListSIPDispatchRuleRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListSipDispatchRuleRequest {
    pub page: Option<Pagination>,
    #[serde(alias = "dispatchRuleIds")]
    pub dispatch_rule_ids: Vec<String>,
    #[serde(alias = "trunkIds")]
    pub trunk_ids: Vec<String>,
}

/// `livekit.DeleteSIPDispatchRuleRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeleteSipDispatchRuleRequest {
    #[serde(alias = "sipDispatchRuleId")]
    pub sip_dispatch_rule_id: String,
}

/// The deprecated `livekit.SIPTrunkInfo`, which `DeleteSIPTrunk` returns holding
/// only the id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LegacySipTrunkInfo {
    pub sip_trunk_id: String,
    pub kind: &'static str,
    pub inbound_addresses: Vec<String>,
    pub outbound_address: String,
    pub outbound_number: String,
    pub transport: SipTransport,
    pub inbound_numbers_regex: Vec<String>,
    pub inbound_numbers: Vec<String>,
    pub inbound_username: String,
    pub inbound_password: String,
    pub outbound_username: String,
    pub outbound_password: String,
    pub name: String,
    pub metadata: String,
}

impl LegacySipTrunkInfo {
    pub fn id_only(id: &str) -> Self {
        Self {
            sip_trunk_id: id.to_owned(),
            kind: "TRUNK_LEGACY",
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["30s", "1.5s", "-2s", "0.000000001s"] {
            assert!(is_proto_duration(ok), "{ok}");
        }
        for bad in ["30", "s", "1.s", "1.0000000001s", "1m", "PT30S"] {
            assert!(!is_proto_duration(bad), "{bad}");
        }
    }

    #[test]
    fn enums_by_name_or_number() {
        let t: SipTransport = serde_json::from_str("\"SIP_TRANSPORT_TCP\"").unwrap();
        assert_eq!(t, SipTransport::Tcp);
        let t: SipTransport = serde_json::from_str("3").unwrap();
        assert_eq!(t, SipTransport::Tls);
        assert!(serde_json::from_str::<SipTransport>("\"TCP\"").is_err());
        assert_eq!(
            serde_json::to_string(&SipMediaEncryption::default()).unwrap(),
            "\"SIP_MEDIA_ENCRYPT_DISABLE\""
        );
    }

    #[test]
    fn emits_every_default() {
        let v = serde_json::to_value(SipOutboundTrunkInfo::default()).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj["transport"], "SIP_TRANSPORT_AUTO");
        assert_eq!(obj["media"], Value::Null);
        assert_eq!(obj["headers"], serde_json::json!({}));
        assert_eq!(obj["numbers"], serde_json::json!([]));
        assert_eq!(obj.len(), 18);
    }
}
