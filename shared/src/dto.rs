//! Request and response bodies of the REST API, used by the API and the SPA.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::carrier::{
    AllowedIp, Burst, CarrierName, Channels, Cps, InboundAuth, SipAddress, SipPassword, Transport,
    check_inbound_auth, parse_allowed_ips, parse_destination_country, parse_username,
};
use crate::errors::{FieldError, FieldErrors};
use crate::number::{Direction, NumberFormat, NumberLabel, PhoneNumber};
use crate::raw::{RawNumber, double_option, secret_string};
use crate::secret::Secret;

/// Default and largest page size of the list endpoints (`limit`).
pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 200;
/// Longest search text (`q`) a list takes.
pub const SEARCH_MAX: usize = 200;

/// Body of `POST /carriers`. Omitted optional fields take the spec's defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "name": "Primary trunk — IN",
    "sip_address": "sip.example.com:5060",
    "transport": "udp",
    "destination_country": "IN",
    "username": "ori-trunk",
    "password": "s3cret-digest",
    "allowed_ips": ["203.0.113.0/24"],
    "inbound_auth": "digest",
    "outbound_cps": 2.5,
    "outbound_burst": 5,
    "outbound_channels": 30
}))))]
#[serde(deny_unknown_fields)]
pub struct CarrierCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::carrier_name, required = true))]
    #[serde(default)]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_address, required = true))]
    #[serde(default)]
    pub sip_address: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::transport_create))]
    pub transport: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::destination_country))]
    pub destination_country: Option<String>,
    /// Carrier sends numbers as: the form of the called number the carrier
    /// puts in its INVITEs, which is the form LiveKit's inbound trunk and
    /// dispatch rules get, because LiveKit matches the called number exactly.
    /// `e164` (default): `+` and the E.164 digits, e.g. `+918012345678`;
    /// `e164_no_plus`: the E.164 digits without `+`, e.g. `918012345678`;
    /// `as_typed`: each number as typed, without spaces, dots, dashes or
    /// parentheses (a typed `+` is kept). A number whose E.164 form cannot be
    /// derived (no `+` and Destination Country names no country it is valid
    /// in) is sent as typed in every mode. The outbound trunk always gets E.164.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_format_create))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_format: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::username))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_password))]
    #[serde(default, deserialize_with = "secret_string")]
    pub password: Option<Secret>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::allowed_ips_write))]
    pub allowed_ips: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::inbound_auth_write))]
    pub inbound_auth: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::cps_create))]
    pub outbound_cps: Option<RawNumber>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::burst_create))]
    pub outbound_burst: Option<RawNumber>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::channels_create))]
    pub outbound_channels: Option<RawNumber>,
    /// Monitor reachability: a SIP OPTIONS to the carrier every period
    /// (60 s by default); 3 misses in a row mark it `unreachable`, the next
    /// answer `reachable` again. Off by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor_reachability: Option<bool>,
}

/// Body of `PATCH /carriers/{id}`: only the fields present change.
///
/// The password is write-only: an absent or empty `password` keeps the stored
/// one; to remove it send `"clear_password": true`. `null` or `""` clears the
/// optional text fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "outbound_cps": 5,
    "outbound_channels": 60
}))))]
#[serde(deny_unknown_fields)]
pub struct CarrierPatch {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::carrier_name))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_address))]
    pub sip_address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::transport_patch))]
    pub transport: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::destination_country))]
    pub destination_country: Option<Option<String>>,
    /// Carrier sends numbers as (see `CarrierCreate`). Changing it, or
    /// Destination Country, recomputes every number's E.164 form (409 when
    /// one would then be another carrier's number).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_format_patch))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_format: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::username))]
    pub username: Option<Option<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_password))]
    #[serde(default, deserialize_with = "secret_string")]
    pub password: Option<Secret>,
    /// `true` removes the stored password (not together with a new `password`).
    #[serde(default)]
    pub clear_password: bool,
    /// Replaces the whole allowlist.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::allowed_ips_write))]
    pub allowed_ips: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::inbound_auth_write))]
    pub inbound_auth: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::cps_patch))]
    pub outbound_cps: Option<RawNumber>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::burst_patch))]
    pub outbound_burst: Option<RawNumber>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::channels_patch))]
    pub outbound_channels: Option<RawNumber>,
    /// Monitor reachability (see `CarrierCreate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor_reachability: Option<bool>,
}

/// What happens to the stored password on a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    Keep,
    Set(SipPassword),
    Clear,
}

/// A carrier's configuration after every rule has passed.
#[derive(Debug, Clone, PartialEq)]
pub struct CarrierConfig {
    pub name: CarrierName,
    pub sip_address: SipAddress,
    pub transport: Transport,
    pub destination_country: Option<String>,
    pub number_format: NumberFormat,
    pub username: Option<String>,
    pub password: PasswordChange,
    pub allowed_ips: Vec<AllowedIp>,
    pub inbound_auth: InboundAuth,
    pub cps: Cps,
    pub burst: Burst,
    pub channels: Channels,
    pub monitor_reachability: bool,
}

/// The stored state a PATCH applies to, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct CarrierCurrent {
    pub name: String,
    pub sip_address: String,
    pub transport: Transport,
    pub destination_country: Option<String>,
    pub number_format: NumberFormat,
    pub username: Option<String>,
    pub has_password: bool,
    pub allowed_ips: Vec<String>,
    pub inbound_auth: InboundAuth,
    pub cps: f64,
    pub burst: u32,
    pub channels: u32,
    pub monitor_reachability: bool,
}

/// Parses every field, collecting each field's message.
struct Fields<'a> {
    name: &'a str,
    sip_address: &'a str,
    transport: Option<&'a str>,
    destination_country: Option<&'a str>,
    number_format: Option<&'a str>,
    username: Option<&'a str>,
    password: Option<&'a str>,
    keep_password: bool,
    allowed_ips: &'a [String],
    inbound_auth: Option<&'a str>,
    cps: Option<&'a RawNumber>,
    burst: Option<&'a RawNumber>,
    channels: Option<&'a RawNumber>,
    monitor_reachability: bool,
}

impl Fields<'_> {
    fn validate(self) -> Result<CarrierConfig, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", CarrierName::parse(self.name));
        let sip_address = errors.check("sip_address", SipAddress::parse(self.sip_address));
        let transport = errors.check(
            "transport",
            self.transport.map_or(Ok(Transport::Auto), Transport::parse),
        );
        let destination_country = errors.check(
            "destination_country",
            parse_destination_country(self.destination_country),
        );
        let number_format = errors.check(
            "number_format",
            self.number_format
                .map_or(Ok(NumberFormat::default()), NumberFormat::parse),
        );
        let username = errors.check("username", parse_username(self.username));
        let password = match self.password.filter(|p| !p.is_empty()) {
            Some(p) => errors.check("password", SipPassword::parse(p).map(PasswordChange::Set)),
            None if self.keep_password => Some(PasswordChange::Keep),
            None => Some(PasswordChange::Clear),
        };
        let allowed_ips = errors.check("allowed_ips", parse_allowed_ips(self.allowed_ips));
        let will_have_password = matches!(
            password,
            Some(PasswordChange::Set(_) | PasswordChange::Keep)
        );
        if matches!(username, Some(Some(_))) && !will_have_password {
            errors.push(
                "password",
                "A username needs its password: enter the password, or clear the username.",
            );
        }
        let inbound_auth = errors.check(
            "inbound_auth",
            match self.inbound_auth {
                Some(text) => InboundAuth::parse(text),
                None => Ok(InboundAuth::default_for(
                    !self.allowed_ips.is_empty(),
                    will_have_password,
                )),
            },
        );
        if let (Some(auth), Some(ips)) = (inbound_auth, &allowed_ips) {
            errors.check("allowed_ips", check_inbound_auth(auth, ips.len()));
        }
        let cps = errors.check(
            "outbound_cps",
            self.cps.map_or(Ok(Cps::DEFAULT), Cps::parse),
        );
        let burst = errors.check(
            "outbound_burst",
            self.burst.map_or(Ok(Burst::DEFAULT), Burst::parse),
        );
        let channels = errors.check(
            "outbound_channels",
            self.channels.map_or(Ok(Channels::DEFAULT), Channels::parse),
        );
        match (
            name,
            sip_address,
            transport,
            destination_country,
            number_format,
            username,
            password,
            allowed_ips,
            inbound_auth,
            cps,
            burst,
            channels,
        ) {
            (
                Some(name),
                Some(sip_address),
                Some(transport),
                Some(destination_country),
                Some(number_format),
                Some(username),
                Some(password),
                Some(allowed_ips),
                Some(inbound_auth),
                Some(cps),
                Some(burst),
                Some(channels),
            ) if errors.is_empty() => Ok(CarrierConfig {
                name,
                sip_address,
                transport,
                destination_country,
                number_format,
                username,
                password,
                allowed_ips,
                inbound_auth,
                cps,
                burst,
                channels,
                monitor_reachability: self.monitor_reachability,
            }),
            _ => Err(errors),
        }
    }
}

impl CarrierCreate {
    /// Applies the spec's defaults and every field rule.
    pub fn validate(&self) -> Result<CarrierConfig, FieldErrors> {
        let no_ips = Vec::new();
        Fields {
            name: &self.name,
            sip_address: &self.sip_address,
            transport: self.transport.as_deref(),
            destination_country: self.destination_country.as_deref(),
            number_format: self.number_format.as_deref(),
            username: self.username.as_deref(),
            password: self.password.as_ref().map(Secret::expose),
            keep_password: false,
            allowed_ips: self.allowed_ips.as_ref().unwrap_or(&no_ips),
            inbound_auth: self.inbound_auth.as_deref(),
            cps: self.outbound_cps.as_ref(),
            burst: self.outbound_burst.as_ref(),
            channels: self.outbound_channels.as_ref(),
            monitor_reachability: self.monitor_reachability.unwrap_or(false),
        }
        .validate()
    }
}

impl CarrierPatch {
    /// The configuration after applying this patch to `current`; every rule
    /// is checked on the result (e.g. the allowlist rule across fields).
    pub fn apply(&self, current: &CarrierCurrent) -> Result<CarrierConfig, FieldErrors> {
        let cps = self
            .outbound_cps
            .clone()
            .unwrap_or(RawNumber::Number(current.cps));
        let burst = self
            .outbound_burst
            .clone()
            .unwrap_or(RawNumber::from(current.burst));
        let channels = self
            .outbound_channels
            .clone()
            .unwrap_or(RawNumber::from(current.channels));
        if self.clear_password && self.password.as_ref().is_some_and(|p| !p.is_empty()) {
            return Err(FieldErrors::single(
                "password",
                "Send either a new password or clear_password, not both.",
            ));
        }
        Fields {
            name: self.name.as_deref().unwrap_or(&current.name),
            sip_address: self.sip_address.as_deref().unwrap_or(&current.sip_address),
            transport: Some(
                self.transport
                    .as_deref()
                    .unwrap_or(current.transport.as_str()),
            ),
            destination_country: match &self.destination_country {
                Some(value) => value.as_deref(),
                None => current.destination_country.as_deref(),
            },
            number_format: Some(
                self.number_format
                    .as_deref()
                    .unwrap_or(current.number_format.as_str()),
            ),
            username: match &self.username {
                Some(value) => value.as_deref(),
                None => current.username.as_deref(),
            },
            password: self.password.as_ref().map(Secret::expose),
            keep_password: current.has_password && !self.clear_password,
            allowed_ips: self.allowed_ips.as_ref().unwrap_or(&current.allowed_ips),
            inbound_auth: Some(
                self.inbound_auth
                    .as_deref()
                    .unwrap_or(current.inbound_auth.as_str()),
            ),
            cps: Some(&cps),
            burst: Some(&burst),
            channels: Some(&channels),
            monitor_reachability: self
                .monitor_reachability
                .unwrap_or(current.monitor_reachability),
        }
        .validate()
    }
}

/// Sync state of a carrier with LiveKit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    /// A sync has not completed yet.
    #[default]
    Pending,
    /// LiveKit holds exactly this configuration.
    Synced,
    /// The last sync failed; `sync_error` says why.
    Error,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Synced => "synced",
            Self::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "synced" => Some(Self::Synced),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// What the reachability monitor last concluded about a carrier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Reachability {
    /// Monitor reachability is off.
    #[default]
    Off,
    /// Monitored, no verdict yet: no probe has answered and fewer than 3 missed.
    Unknown,
    /// The last probe got a SIP answer.
    Reachable,
    /// The last 3 probes (at least) got no SIP answer.
    Unreachable,
}

impl Reachability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Unknown => "unknown",
            Self::Reachable => "reachable",
            Self::Unreachable => "unreachable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "unknown" => Some(Self::Unknown),
            "reachable" => Some(Self::Reachable),
            "unreachable" => Some(Self::Unreachable),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Off => "Not monitored",
            Self::Unknown => "Checking",
            Self::Reachable => "Reachable",
            Self::Unreachable => "Unreachable",
        }
    }
}

/// A carrier as `GET /carriers/{id}` shows it. Never contains the password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "name": "Primary trunk — IN",
    "sip_address": "sip.example.com:5060", "transport": "udp", "destination_country": "IN",
    "number_format": "e164", "username": "ori-trunk", "has_password": true,
    "inbound_open": false, "inbound_auth": "digest", "allowed_ips": ["203.0.113.0/24"], "outbound_cps": 2.5,
    "outbound_burst": 5, "outbound_channels": 30, "did_count": 2, "sync_status": "synced",
    "sync_error": null, "sync_needs_change": false, "last_synced_at": "2026-12-02T09:30:12Z",
    "livekit_outbound_trunk_id": "ST_x7Qd2kLmNp", "livekit_inbound_trunk_id": "ST_b3Fw9zRtYc",
    "monitor_reachability": true, "reachability": "reachable", "last_probe": null,
    "version": 4, "created_at": "2026-11-28T14:02:51Z", "updated_at": "2026-12-02T09:30:11Z"
}))))]
pub struct Carrier {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::carrier_name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_address))]
    pub sip_address: String,
    pub transport: Transport,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::destination_country, required = true))]
    pub destination_country: Option<String>,
    /// Carrier sends numbers as: the form of the called number the carrier
    /// puts in its INVITEs, which is the form LiveKit's inbound trunk and
    /// dispatch rules get, because LiveKit matches the called number exactly.
    /// `e164` (the default): `+` and the E.164 digits, e.g. `+918012345678`;
    /// `e164_no_plus`: the E.164 digits without `+`, e.g. `918012345678`;
    /// `as_typed`: each number as typed, without spaces, dots, dashes or
    /// parentheses (a typed `+` is kept). A number whose E.164 form cannot be
    /// derived (no `+` and Destination Country names no country it is valid
    /// in) is sent as typed in every mode. The outbound trunk always gets E.164.
    pub number_format: NumberFormat,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::username, required = true))]
    pub username: Option<String>,
    /// Whether a SIP password is stored (the value is write-only).
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub has_password: bool,
    /// LiveKit accepts calls to this carrier's inbound numbers from any
    /// address: no password and no allowed IPs guard its inbound trunk. Set a
    /// password (digest) or list the carrier's IPs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub inbound_open: bool,
    pub inbound_auth: InboundAuth,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::allowed_ips))]
    pub allowed_ips: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::cps))]
    pub outbound_cps: f64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::burst))]
    pub outbound_burst: u32,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::channels))]
    pub outbound_channels: u32,
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub did_count: u32,
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub sync_status: SyncStatus,
    /// LiveKit's message when `sync_status` is `error`.
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub sync_error: Option<String>,
    /// The error is one a retry cannot fix (LiveKit refused the API key, or
    /// rejected the configuration): something must change; until then sync
    /// retries only at the longest backoff.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub sync_needs_change: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, read_only, required = true))]
    pub last_synced_at: Option<OffsetDateTime>,
    /// The LiveKit outbound trunk (`ST_…`) holding this carrier, if any.
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub livekit_outbound_trunk_id: Option<String>,
    /// The LiveKit inbound trunk (`ST_…`) holding this carrier, if any.
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub livekit_inbound_trunk_id: Option<String>,
    /// Monitor reachability: probed with a SIP OPTIONS every period.
    #[serde(default)]
    pub monitor_reachability: bool,
    /// The monitor's verdict (`off` when it is not monitored).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub reachability: Reachability,
    /// The monitor's last probe, while it is monitored.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub last_probe: Option<crate::probe::ProbeResult>,
    /// Increases on every change; the `ETag` is derived from it.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, read_only))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, read_only))]
    pub updated_at: OffsetDateTime,
}

impl Carrier {
    /// The stored configuration a [`CarrierPatch`] applies to, so a form can check an
    /// edit with the same rules the API runs.
    pub fn current(&self) -> CarrierCurrent {
        CarrierCurrent {
            name: self.name.clone(),
            sip_address: self.sip_address.clone(),
            transport: self.transport,
            destination_country: self.destination_country.clone(),
            number_format: self.number_format,
            username: self.username.clone(),
            has_password: self.has_password,
            allowed_ips: self.allowed_ips.clone(),
            inbound_auth: self.inbound_auth,
            cps: self.outbound_cps,
            burst: self.outbound_burst,
            channels: self.outbound_channels,
            monitor_reachability: self.monitor_reachability,
        }
    }
}

/// One row of the carrier list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "name": "Primary trunk — IN",
    "sip_address": "sip.example.com:5060", "has_password": true, "allowed_ip_count": 1, "inbound_open": false,
    "did_count": 2, "outbound_cps": 2.5, "outbound_burst": 5, "sync_status": "synced",
    "last_synced_at": "2026-12-02T09:30:12Z", "reachability": "off"
}))))]
pub struct CarrierSummary {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::carrier_name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::sip_address))]
    pub sip_address: String,
    /// The **Password** badge.
    pub has_password: bool,
    /// The **IP** badge shows when this is above zero.
    pub allowed_ip_count: u32,
    /// Inbound calls are accepted from any address (see `Carrier`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub inbound_open: bool,
    pub did_count: u32,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::cps))]
    pub outbound_cps: f64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::burst))]
    pub outbound_burst: u32,
    pub sync_status: SyncStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, required = true))]
    pub last_synced_at: Option<OffsetDateTime>,
    /// The reachability monitor's verdict: the list's **Unreachable** badge.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub reachability: Reachability,
}

/// A page of the carrier list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "items": [{
        "id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "name": "Primary trunk — IN",
        "sip_address": "sip.example.com:5060", "has_password": true, "allowed_ip_count": 1, "inbound_open": false,
        "did_count": 2, "outbound_cps": 2.5, "outbound_burst": 5, "sync_status": "synced",
        "last_synced_at": "2026-12-02T09:30:12Z", "reachability": "off"
    }],
    "total": 1, "next_cursor": null
}))))]
pub struct CarrierPage {
    pub items: Vec<CarrierSummary>,
    /// How many carriers match the search, over all pages.
    pub total: u64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// Body of `POST /carriers/{id}/numbers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "number": "+14155551234",
    "label": "Sales line",
    "direction": "both",
    "bot_id": "0b9f6a52-3c1e-4d7a-9a34-5f0c2e8d1b47"
}))))]
#[serde(deny_unknown_fields)]
pub struct NumberCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::phone_number, required = true))]
    #[serde(default)]
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_label))]
    pub label: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::direction_create))]
    pub direction: Option<String>,
    /// The bot that answers inbound calls (a bot's `id`); ignored for
    /// outbound numbers.
    pub bot_id: Option<Uuid>,
}

/// Body of `PATCH /carriers/{id}/numbers/{number_id}`. The number itself
/// cannot change; `null` clears `label` or `bot_id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "label": "Support line", "direction": "inbound" }))))]
#[serde(deny_unknown_fields)]
pub struct NumberPatch {
    /// Only accepted when equal to the stored number.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::phone_number_patch))]
    pub number: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_label))]
    pub label: Option<Option<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::direction_patch))]
    pub direction: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>, nullable))]
    pub bot_id: Option<Option<Uuid>>,
}

/// A number's fields after every rule has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberConfig {
    pub number: PhoneNumber,
    pub label: Option<NumberLabel>,
    pub direction: Direction,
    /// Always `None` for outbound-only numbers, which never receive calls.
    pub bot_id: Option<Uuid>,
}

impl NumberCreate {
    pub fn validate(&self) -> Result<NumberConfig, FieldErrors> {
        let mut errors = FieldErrors::new();
        let number = errors.check("number", PhoneNumber::parse(&self.number));
        let label = errors.check("label", NumberLabel::parse_optional(self.label.as_deref()));
        let direction = errors.check(
            "direction",
            self.direction
                .as_deref()
                .map_or(Ok(Direction::Both), Direction::parse),
        );
        match (number, label, direction) {
            (Some(number), Some(label), Some(direction)) => Ok(NumberConfig {
                number,
                label,
                direction,
                bot_id: self.bot_id.filter(|_| direction.is_inbound()),
            }),
            _ => Err(errors),
        }
    }
}

impl NumberPatch {
    pub fn apply(&self, current: &NumberConfig) -> Result<NumberConfig, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(number) = &self.number {
            let same = PhoneNumber::parse(number).is_ok_and(|n| n == current.number);
            if !same {
                errors.push(
                    "number",
                    "A phone number cannot be changed after it is added: remove it and add the correct one instead.",
                );
            }
        }
        let label = match &self.label {
            Some(value) => errors.check("label", NumberLabel::parse_optional(value.as_deref())),
            None => Some(current.label.clone()),
        };
        let direction = match &self.direction {
            Some(text) => errors.check("direction", Direction::parse(text)),
            None => Some(current.direction),
        };
        let bot_id = self.bot_id.unwrap_or(current.bot_id);
        match (label, direction) {
            (Some(label), Some(direction)) if errors.is_empty() => Ok(NumberConfig {
                number: current.number.clone(),
                label,
                direction,
                bot_id: bot_id.filter(|_| direction.is_inbound()),
            }),
            _ => Err(errors),
        }
    }
}

/// A phone number (DID) of a carrier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "9a0e3c55-1f7b-4d2a-8c61-3e4f5a6b7c8d", "carrier_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11",
    "number": "+91 80 1234 5678", "normalized": "+918012345678", "e164": "+918012345678",
    "label": "Sales line", "direction": "both", "bot_id": "0b9f6a52-3c1e-4d7a-9a34-5f0c2e8d1b47",
    "bot_name": "Receptionist", "bot_missing": false, "livekit_dispatch_rule_id": "SDR_k2Jd8sQw",
    "created_at": "2026-11-28T14:05:09Z"
}))))]
pub struct PhoneNumberView {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub carrier_id: Uuid,
    /// The number as entered, for display.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::phone_number))]
    pub number: String,
    /// The called number as LiveKit's inbound trunk and dispatch rule get it:
    /// the carrier's `number_format` applied to `e164`, or the typed digits
    /// (with `+` if typed) when there is no E.164 form.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub normalized: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::e164, required = true))]
    pub e164: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_label, required = true))]
    pub label: Option<String>,
    pub direction: Direction,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub bot_id: Option<Uuid>,
    /// The bot's name, when the bot exists.
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub bot_name: Option<String>,
    /// True when `bot_id` names a bot that has since been deleted.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub bot_missing: bool,
    /// The LiveKit dispatch rule (`SDR_…`) routing this number to its bot.
    #[cfg_attr(feature = "openapi", schema(read_only, required = true))]
    pub livekit_dispatch_rule_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, read_only))]
    pub created_at: OffsetDateTime,
}

/// An RFC 9457 problem document; `errors` lists field problems on 422.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "type": "urn:ori:problem:validation", "title": "Unprocessable Entity", "status": 422,
    "detail": "Some fields are not valid; see errors.",
    "errors": [{ "field": "sip_address", "message": "Enter the host without a scheme: remove \"sip:\" (for example sip.example.com:5060)." }]
}))))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[cfg(test)]
mod tests;
