//! "Test connection": what happened when the console sent a SIP `OPTIONS`
//! request to a carrier's SIP address.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::carrier::Transport;

/// Why a probe got no SIP answer, for code (the `message` is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProbeFailure {
    /// The SIP address is not a valid host with an optional port.
    InvalidAddress,
    /// The host name does not exist in DNS (or has no address).
    DnsNotFound,
    /// The address is one the console never sends to (loopback unless
    /// allowed, unspecified, link-local, multicast, broadcast).
    BlockedAddress,
    /// Nothing listens on that port (TCP reset or ICMP port unreachable).
    Refused,
    /// No answer within the timeout.
    Timeout,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// Something answered, but not with a SIP response.
    InvalidResponse,
    /// Any other network error (unreachable network, DNS server down, …).
    Network,
}

impl ProbeFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidAddress => "invalid_address",
            Self::DnsNotFound => "dns_not_found",
            Self::BlockedAddress => "blocked_address",
            Self::Refused => "refused",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::InvalidResponse => "invalid_response",
            Self::Network => "network",
        }
    }
}

/// The outcome of a SIP `OPTIONS` probe of a carrier.
///
/// Any SIP response, including 4xx–6xx, means the carrier is reachable: it
/// answered. `failure` is set exactly when `reachable` is false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "reachable": true, "at": "2026-12-07T09:30:12Z", "address": "sip.example.com",
    "resolved": "203.0.113.5:5060", "transport": "udp", "status_code": 200, "reason": "OK",
    "rtt_ms": 12.4, "server": "Example SBC 4.2", "allow": ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"],
    "failure": null, "message": "200 OK from 203.0.113.5:5060 over UDP in 12 ms."
}))))]
pub struct ProbeResult {
    /// The carrier answered with a SIP response (any status).
    pub reachable: bool,
    /// When the probe ran.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// The SIP address probed, as configured.
    pub address: String,
    /// The IP address and port that answered, or that was tried last.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, example = "203.0.113.5:5060")
    )]
    pub resolved: Option<String>,
    /// The transport that answered, or that was tried last (never `auto`).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub transport: Option<Transport>,
    /// The SIP status code of the answer.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, minimum = 100, maximum = 699)
    )]
    pub status_code: Option<u16>,
    /// The reason phrase of the answer, as the carrier sent it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
    /// Round trip of the answering request, in milliseconds (TCP and TLS:
    /// from the request written on the open connection to the answer).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rtt_ms: Option<f64>,
    /// The answer's `Server` header, else its `User-Agent`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub server: Option<String>,
    /// The methods the answer's `Allow` header lists.
    pub allow: Vec<String>,
    /// Why there was no SIP answer; null when `reachable`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub failure: Option<ProbeFailure>,
    /// One sentence an admin can act on.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_kinds_serialize_in_snake_case() {
        for kind in [
            ProbeFailure::InvalidAddress,
            ProbeFailure::DnsNotFound,
            ProbeFailure::BlockedAddress,
            ProbeFailure::Refused,
            ProbeFailure::Timeout,
            ProbeFailure::Tls,
            ProbeFailure::InvalidResponse,
            ProbeFailure::Network,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ProbeFailure>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn result_round_trips_with_nulls_present() {
        let result = ProbeResult {
            reachable: false,
            at: OffsetDateTime::UNIX_EPOCH,
            address: "sip.example.invalid".into(),
            resolved: None,
            transport: None,
            status_code: None,
            reason: None,
            rtt_ms: None,
            server: None,
            allow: Vec::new(),
            failure: Some(ProbeFailure::DnsNotFound),
            message: "The DNS name sip.example.invalid was not found.".into(),
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["at"], "1970-01-01T00:00:00Z");
        assert_eq!(json["failure"], "dns_not_found");
        assert!(json["status_code"].is_null());
        assert_eq!(serde_json::from_value::<ProbeResult>(json).unwrap(), result);
    }
}
