//! The carrier's fields: connection, authentication and pacing.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::raw::RawNumber;
use crate::text::check_visible;

/// Longest carrier name we accept (characters).
pub const NAME_MAX: usize = 100;
/// Longest free-text value (country, username, password).
pub const TEXT_MAX: usize = 128;
/// Longest SIP address (a 253-character host name and a port fit).
pub const SIP_ADDRESS_MAX: usize = 255;
/// The widest allowlist range: an IPv4 /8, an IPv6 /32. Wider is as good
/// as no allowlist (`0.0.0.0/0` accepts calls from anywhere).
pub const ALLOWED_PREFIX_MIN_V4: u8 = 8;
pub const ALLOWED_PREFIX_MIN_V6: u8 = 32;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Trims and returns `None` for blank optional text.
pub fn blank_to_none(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A carrier's display name: not blank, at most [`NAME_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierName(String);

impl CarrierName {
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Name is required.".into());
        }
        if name.chars().count() > NAME_MAX {
            return Err(format!("Name must be at most {NAME_MAX} characters."));
        }
        check_visible("Name", name)?;
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host part of a SIP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipHost {
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// A SIP trunk endpoint: a hostname or an IP literal with an optional port,
/// e.g. `sip.example.com:5060`, `203.0.113.10`, `[2001:db8::1]:5061`.
/// No scheme, user part, parameters or spaces: LiveKit wants a bare host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipAddress {
    text: String,
    host: SipHost,
    port: Option<u16>,
}

const SIP_ADDRESS_SHAPE: &str =
    "SIP Address must be a host with an optional :port, for example sip.example.com:5060.";

impl SipAddress {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err("SIP Address is required.".into());
        }
        if text.chars().count() > SIP_ADDRESS_MAX {
            return Err(format!(
                "SIP Address must be at most {SIP_ADDRESS_MAX} characters."
            ));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("sip:") || lower.starts_with("sips:") || lower.contains("://") {
            return Err(
                "Enter the host without a scheme: remove \"sip:\" (for example sip.example.com:5060)."
                    .into(),
            );
        }
        if text.chars().any(char::is_whitespace) {
            return Err("SIP Address cannot contain spaces.".into());
        }
        if text.contains('@') {
            return Err("Enter only the host, without a user part before \"@\".".into());
        }
        if text.contains(';') {
            return Err(
                "Remove parameters such as \";transport=\": choose the Transport field instead."
                    .into(),
            );
        }
        let (host, port) = split_host_port(text)?;
        check_reachable(&host)?;
        Ok(Self {
            text: text.to_owned(),
            host,
            port,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn host(&self) -> &SipHost {
        &self.host
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// This machine: `localhost`, 127.0.0.0/8, `::1`. Refused by the API
    /// unless `ORI_ALLOW_LOOPBACK_SIP` (see [`check_not_loopback`]).
    pub fn is_loopback(&self) -> bool {
        match &self.host {
            SipHost::Name(name) => name == "localhost" || name.ends_with(".localhost"),
            SipHost::V4(ip) => ip.is_loopback(),
            SipHost::V6(ip) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }

    /// A private range (RFC 1918, shared 100.64.0.0/10, IPv6 unique local):
    /// fine for a carrier on a private interconnect, worth a note.
    pub fn is_private(&self) -> bool {
        match &self.host {
            SipHost::Name(_) => false,
            SipHost::V4(ip) => {
                ip.is_private() || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xC0) == 64)
            }
            SipHost::V6(ip) => (ip.segments()[0] & 0xFE00) == 0xFC00,
        }
    }
}

/// Addresses no carrier can be at: unspecified, link-local, multicast and
/// broadcast. (Loopback is refused separately, so tests can run a SIP server
/// on 127.0.0.1.)
fn check_reachable(host: &SipHost) -> Result<(), String> {
    let what = match host {
        SipHost::Name(_) => None,
        SipHost::V4(ip) if ip.is_unspecified() => Some("the unspecified address"),
        SipHost::V4(ip) if ip.is_link_local() => Some("a link-local address (169.254.0.0/16)"),
        SipHost::V4(ip) if ip.is_multicast() => Some("a multicast address"),
        SipHost::V4(ip) if ip.is_broadcast() => Some("the broadcast address"),
        SipHost::V6(ip) if ip.is_unspecified() => Some("the unspecified address"),
        SipHost::V6(ip) if (ip.segments()[0] & 0xFFC0) == 0xFE80 => {
            Some("a link-local address (fe80::/10)")
        }
        SipHost::V6(ip) if ip.is_multicast() => Some("a multicast address"),
        _ => None,
    };
    match what {
        Some(what) => Err(format!(
            "SIP Address is {what}, which no carrier can be reached at: enter the carrier's host name or public IP."
        )),
        None => Ok(()),
    }
}

/// The API's rule for loopback SIP addresses, lifted by
/// `ORI_ALLOW_LOOPBACK_SIP=true` (development, and tests with a local SIP server).
pub fn check_not_loopback(address: &SipAddress, allow_loopback: bool) -> Result<(), String> {
    if address.is_loopback() && !allow_loopback {
        return Err(
            "SIP Address points at this server (loopback): enter the carrier's host name or IP."
                .into(),
        );
    }
    Ok(())
}

fn split_host_port(text: &str) -> Result<(SipHost, Option<u16>), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("An IPv6 address in brackets needs its closing \"]\".")?;
        let addr = Ipv6Addr::from_str(inside)
            .map_err(|_| format!("\"{inside}\" is not a valid IPv6 address."))?;
        let port = match after {
            "" => None,
            _ => Some(parse_port(
                after.strip_prefix(':').ok_or(SIP_ADDRESS_SHAPE)?,
            )?),
        };
        return Ok((SipHost::V6(addr), port));
    }
    if text.matches(':').count() > 1 {
        // A bare IPv6 literal cannot carry a port: the colons are ambiguous.
        return Ipv6Addr::from_str(text)
            .map(|addr| (SipHost::V6(addr), None))
            .map_err(|_| {
                "Write an IPv6 address with a port in brackets, for example [2001:db8::1]:5060."
                    .into()
            });
    }
    let (host, port) = match text.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (text, None),
    };
    Ok((parse_host(host)?, port))
}

fn parse_port(port: &str) -> Result<u16, String> {
    const RANGE: &str = "Port must be a number from 1 to 65535.";
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RANGE.into());
    }
    match port.parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(p as u16),
        _ => Err(RANGE.into()),
    }
}

fn parse_host(host: &str) -> Result<SipHost, String> {
    if host.is_empty() {
        return Err(SIP_ADDRESS_SHAPE.into());
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Ipv4Addr::from_str(host)
            .map(SipHost::V4)
            .map_err(|_| format!("\"{host}\" is not a valid IPv4 address."));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    let labels_ok = name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !labels_ok {
        return Err(format!(
            "\"{host}\" is not a valid host name: use letters, digits, dots and dashes."
        ));
    }
    Ok(SipHost::Name(name.to_ascii_lowercase()))
}

/// The SIP transport; `auto` lets LiveKit choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Auto,
    Udp,
    Tcp,
    Tls,
}

impl Transport {
    pub const ALL: [Transport; 4] = [Self::Auto, Self::Tcp, Self::Udp, Self::Tls];

    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "udp" => Ok(Self::Udp),
            "tcp" => Ok(Self::Tcp),
            "tls" => Ok(Self::Tls),
            _ => Err("Transport must be one of auto, udp, tcp or tls.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
        }
    }

    /// The label the console shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Auto",
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Optional free text naming the country the carrier serves.
pub fn parse_destination_country(input: Option<&str>) -> Result<Option<String>, String> {
    parse_optional_text(input, "Destination Country")
}

/// Optional SIP digest username.
pub fn parse_username(input: Option<&str>) -> Result<Option<String>, String> {
    parse_optional_text(input, "Username")
}

fn parse_optional_text(input: Option<&str>, label: &str) -> Result<Option<String>, String> {
    let Some(text) = blank_to_none(input) else {
        return Ok(None);
    };
    if text.chars().count() > TEXT_MAX {
        return Err(format!("{label} must be at most {TEXT_MAX} characters."));
    }
    if has_control(text) {
        return Err(format!("{label} cannot contain control characters."));
    }
    Ok(Some(text.to_owned()))
}

/// A SIP digest password. Kept as typed (no trimming); `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SipPassword(String);

impl SipPassword {
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.is_empty() {
            return Err("Password cannot be empty.".into());
        }
        if input.chars().count() > TEXT_MAX {
            return Err(format!("Password must be at most {TEXT_MAX} characters."));
        }
        if has_control(input) {
            return Err("Password cannot contain control characters.".into());
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SipPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SipPassword(\"********\")")
    }
}

/// One allowlist entry: an IP address or a CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllowedIp(IpNet);

impl AllowedIp {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err("Enter an IP address or CIDR range.".into());
        }
        if let Ok(addr) = IpAddr::from_str(text) {
            return Ok(Self(IpNet::from(addr)));
        }
        let net = IpNet::from_str(text).map_err(|_| {
            format!(
                "\"{text}\" is not an IP address or CIDR range (for example 192.0.2.10 or 203.0.113.0/24)."
            )
        })?;
        if net.trunc() != net {
            return Err(format!(
                "\"{text}\" has host bits set: did you mean {}?",
                net.trunc()
            ));
        }
        let widest = match net {
            IpNet::V4(_) => ALLOWED_PREFIX_MIN_V4,
            IpNet::V6(_) => ALLOWED_PREFIX_MIN_V6,
        };
        if net.prefix_len() < widest {
            return Err(format!(
                "\"{text}\" is too wide: it would let almost anyone call in. List your carrier's \
                 signalling addresses or ranges (/{widest} or narrower)."
            ));
        }
        Ok(Self(net))
    }

    pub fn net(&self) -> IpNet {
        self.0
    }
}

impl fmt::Display for AllowedIp {
    /// A single address prints without its `/32` or `/128`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Most allowlist entries one carrier may have.
pub const ALLOWED_IPS_MAX: usize = 100;

/// The whole allowlist: valid entries, no duplicates.
pub fn parse_allowed_ips<S: AsRef<str>>(inputs: &[S]) -> Result<Vec<AllowedIp>, String> {
    if inputs.len() > ALLOWED_IPS_MAX {
        return Err(format!(
            "Allowed IPs can hold at most {ALLOWED_IPS_MAX} entries."
        ));
    }
    let mut out: Vec<AllowedIp> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let ip = AllowedIp::parse(input.as_ref())?;
        if out.contains(&ip) {
            return Err(format!("{ip} is listed more than once."));
        }
        out.push(ip);
    }
    Ok(out)
}

/// How the carrier authenticates the calls it sends to Ori.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboundAuth {
    /// The same digest credentials as outbound.
    #[default]
    Digest,
    /// Only calls from the allowed IPs are accepted; no credentials.
    IpAllowlist,
}

impl InboundAuth {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "digest" => Ok(Self::Digest),
            "ip_allowlist" => Ok(Self::IpAllowlist),
            _ => Err("Inbound Authentication must be digest or ip_allowlist.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Digest => "digest",
            Self::IpAllowlist => "ip_allowlist",
        }
    }

    /// The option text the console shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Digest => "Use same credentials as outbound (digest)",
            Self::IpAllowlist => "IP allowlist (no credentials)",
        }
    }

    /// The default for a new carrier: an allowlist without a password means
    /// the provider authenticates by IP.
    pub fn default_for(has_allowed_ips: bool, has_password: bool) -> Self {
        if has_allowed_ips && !has_password {
            Self::IpAllowlist
        } else {
            Self::Digest
        }
    }
}

/// LiveKit would accept calls to the carrier's numbers from any address:
/// some number takes inbound calls, and neither a password nor an allowlist
/// guards the inbound trunk.
pub fn inbound_open(inbound_numbers: u32, has_password: bool, allowed_ip_count: usize) -> bool {
    inbound_numbers > 0 && !has_password && allowed_ip_count == 0
}

/// The rule tying inbound authentication to the allowlist.
pub fn check_inbound_auth(auth: InboundAuth, allowed_ip_count: usize) -> Result<(), String> {
    if auth == InboundAuth::IpAllowlist && allowed_ip_count == 0 {
        return Err(
            "Add at least one allowed IP: inbound authentication is set to IP allowlist.".into(),
        );
    }
    Ok(())
}

/// Outbound calls per second: 0.1–100.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Cps(f64);

impl Cps {
    pub const DEFAULT: Cps = Cps(1.0);
    pub const MIN: f64 = 0.1;
    pub const MAX: f64 = 100.0;

    pub fn parse(input: &RawNumber) -> Result<Self, String> {
        const MSG: &str = "Outbound CPS must be a number from 0.1 to 100.";
        match input.value() {
            Some(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(MSG.into()),
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A whole number within a range, with the field's own message.
fn parse_whole(input: &RawNumber, min: u32, max: u32, label: &str) -> Result<u32, String> {
    let msg = || format!("{label} must be a whole number from {min} to {max}.");
    let n = input.value().ok_or_else(msg)?;
    if n.fract() != 0.0 || n < f64::from(min) || n > f64::from(max) {
        return Err(msg());
    }
    Ok(n as u32)
}

/// Calls allowed in an immediate spike above CPS: whole 1–1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Burst(u32);

impl Burst {
    pub const DEFAULT: Burst = Burst(1);
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 1000;

    pub fn parse(input: &RawNumber) -> Result<Self, String> {
        parse_whole(input, Self::MIN, Self::MAX, "Outbound Burst").map(Self)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Concurrent calls (ringing plus connected): whole 1–500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Channels(u32);

impl Channels {
    pub const DEFAULT: Channels = Channels(30);
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 500;

    pub fn parse(input: &RawNumber) -> Result<Self, String> {
        parse_whole(input, Self::MIN, Self::MAX, "Outbound Channels").map(Self)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The list's CPS column, e.g. `1/s · burst 1`.
pub fn format_pacing(cps: f64, burst: u32) -> String {
    format!("{cps}/s · burst {burst}")
}

#[cfg(test)]
mod tests;
