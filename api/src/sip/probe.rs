//! "Test connection": resolve the carrier's SIP address, refuse addresses the
//! console must never send to, send `OPTIONS`, and say what happened.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ori_shared::carrier::{SipAddress, SipHost, Transport, check_not_loopback};
use ori_shared::probe::{ProbeFailure, ProbeResult};
use rustls::pki_types::CertificateDer;
use time::OffsetDateTime;
use tokio::time::{Instant, timeout, timeout_at};

use super::message::{Target, Wire};
use super::tls;
use super::transport::{AttemptError, Reply, Stage, TlsParams, exchange};

/// How a probe runs.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// The longest one transport's attempt may take (connect, handshake and
    /// answer); DNS gets the same again. Auto may take twice this.
    pub timeout: Duration,
    /// `ORI_ALLOW_LOOPBACK_SIP`: loopback addresses may be probed.
    pub allow_loopback: bool,
    /// Trusted for TLS besides Mozilla's roots (tests; a private CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            allow_loopback: false,
            extra_roots: Vec::new(),
        }
    }
}

/// Sends a SIP `OPTIONS` to `address` over `transport` and reports what
/// happened. `Auto` tries UDP, then TCP if UDP got no answer (RFC 3263
/// without NAPTR/SRV records). Never fails: every outcome is a result.
#[tracing::instrument(skip(options), fields(timeout_ms = options.timeout.as_millis() as u64))]
pub async fn probe(address: &str, transport: Transport, options: &ProbeOptions) -> ProbeResult {
    let at = OffsetDateTime::now_utc();
    let outcome = run(address.trim(), transport, options).await;
    let result = outcome.into_result(at, address.trim(), options.timeout);
    tracing::info!(
        reachable = result.reachable,
        resolved = result.resolved.as_deref(),
        transport = result.transport.map(Transport::as_str),
        status = result.status_code,
        rtt_ms = result.rtt_ms,
        failure = result.failure.map(ProbeFailure::as_str),
        message = %result.message,
        "SIP probe"
    );
    result
}

/// What one transport's attempt came to.
#[derive(Debug)]
struct Attempt {
    wire: Wire,
    addr: SocketAddr,
    result: Result<Reply, AttemptError>,
}

#[derive(Debug)]
enum Outcome {
    InvalidAddress(String),
    Blocked {
        resolved: Option<SocketAddr>,
        message: String,
    },
    DnsNotFound(String),
    DnsTimeout(String),
    DnsFailed {
        host: String,
        detail: String,
    },
    TlsSetup(String),
    /// The last attempt, and for Auto the UDP one before it (boxed: an
    /// answer is much larger than the other outcomes).
    Tried {
        last: Box<Attempt>,
        earlier: Option<Box<Attempt>>,
        tls_name: String,
    },
}

async fn run(address: &str, transport: Transport, options: &ProbeOptions) -> Outcome {
    let parsed = match SipAddress::parse(address) {
        Ok(parsed) => parsed,
        // An IP literal fails to parse only for being an address no carrier
        // can be at (link-local, multicast…): that is a refusal, not a typo.
        Err(message) if is_ip_literal(address) => {
            return Outcome::Blocked {
                resolved: None,
                message,
            };
        }
        Err(message) => return Outcome::InvalidAddress(message),
    };
    if let Err(message) = check_not_loopback(&parsed, options.allow_loopback) {
        return Outcome::Blocked {
            resolved: None,
            message,
        };
    }
    let host = match parsed.host() {
        SipHost::Name(name) => name.clone(),
        SipHost::V4(ip) => ip.to_string(),
        SipHost::V6(ip) => ip.to_string(),
    };
    let target = Target {
        host: host.clone(),
        port: parsed.port(),
    };
    // Auto: UDP, then TCP if UDP gets no answer.
    let (first, fallback) = match transport {
        Transport::Auto => (Wire::Udp, Some(Wire::Tcp)),
        Transport::Udp => (Wire::Udp, None),
        Transport::Tcp => (Wire::Tcp, None),
        Transport::Tls => (Wire::Tls, None),
    };
    // UDP and TCP share the default port, so one lookup serves Auto.
    let port = parsed.port().unwrap_or(first.default_port());
    let addrs = match resolve(parsed.host(), port, options.timeout).await {
        Ok(addrs) => addrs,
        Err(outcome) => return outcome,
    };
    let addrs = match allowed(&host, parsed.host(), addrs, options.allow_loopback) {
        Ok(addrs) => addrs,
        Err(outcome) => return outcome,
    };
    let tls = if first == Wire::Tls {
        let params = tls::client_config(&options.extra_roots).and_then(|config| {
            Ok(TlsParams {
                config,
                name: tls::server_name(&host)?,
                shown: host.clone(),
            })
        });
        match params {
            Ok(params) => Some(params),
            Err(message) => return Outcome::TlsSetup(message),
        }
    } else {
        None
    };

    let tried = attempt(first, &addrs, &target, tls.as_ref(), options.timeout).await;
    let Some(fallback) = fallback.filter(|_| tried.result.is_err()) else {
        return Outcome::Tried {
            last: Box::new(tried),
            earlier: None,
            tls_name: host,
        };
    };
    tracing::debug!(?tried, "no answer over UDP; trying TCP");
    let last = attempt(fallback, &addrs, &target, tls.as_ref(), options.timeout).await;
    Outcome::Tried {
        last: Box::new(last),
        earlier: Some(Box::new(tried)),
        tls_name: host,
    }
}

fn is_ip_literal(text: &str) -> bool {
    let bare = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>().is_ok()
        || text
            .parse::<SocketAddr>()
            .is_ok_and(|addr| addr.port() != 0)
}

async fn resolve(host: &SipHost, port: u16, limit: Duration) -> Result<Vec<SocketAddr>, Outcome> {
    let name = match host {
        SipHost::V4(ip) => return Ok(vec![SocketAddr::new((*ip).into(), port)]),
        SipHost::V6(ip) => return Ok(vec![SocketAddr::new((*ip).into(), port)]),
        SipHost::Name(name) => name,
    };
    match timeout(limit, tokio::net::lookup_host((name.as_str(), port))).await {
        Err(_) => Err(Outcome::DnsTimeout(name.clone())),
        Ok(Ok(found)) => {
            // getaddrinfo lists an address once per socket type: keep one.
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for addr in found {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
            }
            if addrs.is_empty() {
                Err(Outcome::DnsNotFound(name.clone()))
            } else {
                Ok(addrs)
            }
        }
        Ok(Err(e)) => {
            // getaddrinfo's codes reach us only as text: EAI_AGAIN ("Temporary
            // failure in name resolution") means the DNS server did not
            // answer; anything else, that the name has no address.
            let detail = e.to_string();
            if detail.contains("Temporary failure") || detail.contains("try again") {
                Err(Outcome::DnsFailed {
                    host: name.clone(),
                    detail,
                })
            } else {
                tracing::debug!(error = %detail, "DNS lookup failed");
                Err(Outcome::DnsNotFound(name.clone()))
            }
        }
    }
}

/// The SSRF guard, after resolution (a name can point anywhere): the rules
/// of `SipAddress` (no unspecified, link-local, multicast or broadcast
/// address) and `check_not_loopback`, applied to each address.
fn check_ip(ip: IpAddr, allow_loopback: bool) -> Result<(), String> {
    // ::ffff:169.254.169.254 is 169.254.169.254.
    let ip = ip.to_canonical();
    let as_address = SipAddress::parse(&ip.to_string())?;
    check_not_loopback(&as_address, allow_loopback)
}

fn allowed(
    host: &str,
    parsed: &SipHost,
    addrs: Vec<SocketAddr>,
    allow_loopback: bool,
) -> Result<Vec<SocketAddr>, Outcome> {
    let mut refused = None;
    let mut ok = Vec::new();
    for addr in addrs {
        match check_ip(addr.ip(), allow_loopback) {
            Ok(()) => ok.push(addr),
            Err(rule) => {
                tracing::warn!(%addr, host, "refusing to probe a resolved address: {rule}");
                refused.get_or_insert((addr, rule));
            }
        }
    }
    match (ok.is_empty(), refused) {
        (false, _) => Ok(ok),
        (true, Some((addr, rule))) => Err(Outcome::Blocked {
            resolved: Some(addr),
            message: match parsed {
                SipHost::Name(_) => format!("{host} resolves to {}. {rule}", addr.ip()),
                SipHost::V4(_) | SipHost::V6(_) => rule,
            },
        }),
        (true, None) => Err(Outcome::DnsNotFound(host.to_owned())),
    }
}

/// One transport: the host's addresses in turn while they refuse, all
/// within one `limit`.
async fn attempt(
    wire: Wire,
    addrs: &[SocketAddr],
    target: &Target,
    tls: Option<&TlsParams>,
    limit: Duration,
) -> Attempt {
    let deadline = Instant::now() + limit;
    let mut last = None;
    for &addr in addrs {
        let result = match timeout_at(deadline, exchange(wire, addr, target, tls, deadline)).await {
            Ok(result) => result,
            Err(_) => Err(AttemptError::Timeout(Stage::Answer)),
        };
        tracing::debug!(%addr, transport = wire.label(), ?result, "attempt");
        let next = matches!(&result, Err(e) if e.try_next_address()) && Instant::now() < deadline;
        let attempt = Attempt { wire, addr, result };
        if !next {
            return attempt;
        }
        last = Some(attempt);
    }
    last.unwrap_or(Attempt {
        wire,
        addr: SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0),
        result: Err(AttemptError::Network("no address to try".into())),
    })
}

impl Outcome {
    fn into_result(self, at: OffsetDateTime, address: &str, limit: Duration) -> ProbeResult {
        let mut result = ProbeResult {
            reachable: false,
            at,
            address: address.to_owned(),
            resolved: None,
            transport: None,
            status_code: None,
            reason: None,
            rtt_ms: None,
            server: None,
            allow: Vec::new(),
            failure: None,
            message: String::new(),
        };
        let (failure, message) = match self {
            Self::InvalidAddress(message) => (ProbeFailure::InvalidAddress, message),
            Self::Blocked { resolved, message } => {
                result.resolved = resolved.map(|a| a.to_string());
                (ProbeFailure::BlockedAddress, message)
            }
            Self::DnsNotFound(host) => (
                ProbeFailure::DnsNotFound,
                format!("The DNS name {host} was not found."),
            ),
            Self::DnsTimeout(host) => (
                ProbeFailure::Timeout,
                format!(
                    "The DNS lookup of {host} took longer than {}: the DNS server does not answer.",
                    span(limit)
                ),
            ),
            Self::DnsFailed { host, detail } => (
                ProbeFailure::Network,
                format!("Could not look up {host}: {detail}."),
            ),
            Self::TlsSetup(message) => (ProbeFailure::Tls, format!("TLS setup failed: {message}.")),
            Self::Tried {
                last,
                earlier,
                tls_name,
            } => {
                result.resolved = Some(last.addr.to_string());
                result.transport = Some(last.wire.shared());
                let earlier = earlier.and_then(|a| a.result.err().map(|e| (a.addr, e)));
                match last.result {
                    Ok(reply) => {
                        result.message = answered(&reply, last.addr, last.wire);
                        if let Some((udp_addr, udp_error)) = earlier {
                            result.message = format!(
                                "{} Over UDP {udp_addr} first: {}.",
                                result.message,
                                udp_before(udp_error, limit)
                            );
                        }
                        result.reachable = true;
                        result.status_code = Some(reply.answer.status_code);
                        result.reason =
                            Some(reply.answer.reason).filter(|reason| !reason.is_empty());
                        result.rtt_ms = Some(reply.rtt.as_secs_f64() * 1000.0);
                        result.server = reply.answer.server;
                        result.allow = reply.answer.allow;
                        return result;
                    }
                    Err(error) => failed(last.wire, last.addr, &error, earlier, &tls_name, limit),
                }
            }
        };
        result.failure = Some(failure);
        result.message = message;
        result
    }
}

/// "3 s", "500 ms", "1.5 s".
fn span(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..1000 => format!("{ms} ms"),
        _ if ms.is_multiple_of(1000) => format!("{} s", ms / 1000),
        _ => format!("{:.1} s", d.as_secs_f64()),
    }
}

/// "12 ms"; under 10 ms one decimal ("0.4 ms"), since loopback is that fast.
fn rtt(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn answered(reply: &Reply, addr: SocketAddr, wire: Wire) -> String {
    let answer = &reply.answer;
    let code = answer.status_code;
    let status = match answer.reason.as_str() {
        "" => code.to_string(),
        reason => format!("{code} {reason}"),
    };
    let head = format!(
        "{status} from {addr} over {} in {}",
        wire.label(),
        rtt(reply.rtt)
    );
    let note = match code {
        200..=299 => return format!("{head}."),
        100..=199 => "the carrier answered, but sent no final answer in time",
        300..=399 => "the carrier answered; it redirects OPTIONS elsewhere",
        401 | 407 => "the carrier answered; it asks for credentials, as many do for OPTIONS",
        403 => "the carrier answered; it refuses OPTIONS from this address",
        404 => {
            "the carrier answered; it does not know the probed address, which many carriers answer to OPTIONS"
        }
        405 | 501 => "the carrier answered; it does not support OPTIONS",
        400..=499 => "the carrier answered; it refused the request",
        500..=599 => "the carrier answered; its server reports a failure",
        _ => "the carrier answered; it declines",
    };
    format!("{head} — {note}.")
}

/// What the UDP attempt of Auto came to, in a few words.
fn udp_before(error: AttemptError, limit: Duration) -> String {
    match error {
        AttemptError::Timeout(_) => format!("no answer within {}", span(limit)),
        AttemptError::Refused => "connection refused".into(),
        AttemptError::Closed => "connection closed".into(),
        AttemptError::NotSip(sample) => format!("not SIP ({sample})"),
        AttemptError::Tls(reason) => reason,
        AttemptError::Network(detail) => detail,
    }
}

const FIREWALL_HINT: &str = "likely a firewall, or the carrier allows only listed IP addresses; \
     ask the carrier to allow LiveKit's and this server's addresses";

fn failed(
    wire: Wire,
    addr: SocketAddr,
    error: &AttemptError,
    earlier: Option<(SocketAddr, AttemptError)>,
    tls_name: &str,
    limit: Duration,
) -> (ProbeFailure, String) {
    let t = wire.label();
    let within = span(limit);
    // Auto: both transports failed the same way at the same address.
    if let Some((udp_addr, udp_error)) = &earlier
        && *udp_addr == addr
    {
        match (udp_error, error) {
            (AttemptError::Timeout(_), AttemptError::Timeout(Stage::Connect)) => {
                return (
                    ProbeFailure::Timeout,
                    format!(
                        "No answer within {within} from {addr} over UDP and TCP — {FIREWALL_HINT}."
                    ),
                );
            }
            (AttemptError::Refused, AttemptError::Refused) => {
                return (
                    ProbeFailure::Refused,
                    format!(
                        "Connection refused by {addr} over UDP and TCP: nothing listens on that port."
                    ),
                );
            }
            _ => {}
        }
    }
    let (failure, message) = match error {
        AttemptError::Refused => (
            ProbeFailure::Refused,
            format!("Connection refused by {addr} ({t}): nothing listens on that port."),
        ),
        AttemptError::Timeout(Stage::Connect) => (
            ProbeFailure::Timeout,
            format!("No answer within {within} from {addr} over {t} — {FIREWALL_HINT}."),
        ),
        AttemptError::Timeout(Stage::Answer) if wire == Wire::Udp => (
            ProbeFailure::Timeout,
            format!("No answer within {within} from {addr} over {t} — {FIREWALL_HINT}."),
        ),
        AttemptError::Timeout(Stage::Handshake) => (
            ProbeFailure::Timeout,
            format!(
                "Connected to {addr}, but the TLS handshake did not finish within {within} — is this the carrier's TLS port?"
            ),
        ),
        AttemptError::Timeout(_) => (
            ProbeFailure::Timeout,
            format!(
                "Connected to {addr} over {t}, but no SIP answer came within {within} — check the port and the transport{}.",
                if wire == Wire::Tcp {
                    " (a TLS port waits for a TLS handshake)"
                } else {
                    ""
                }
            ),
        ),
        AttemptError::Closed => (
            ProbeFailure::Network,
            format!(
                "{addr} closed the {t} connection without a SIP answer — check the port and the transport."
            ),
        ),
        AttemptError::Tls(reason) => (
            ProbeFailure::Tls,
            format!("TLS handshake with {tls_name} failed: {reason}."),
        ),
        AttemptError::NotSip(sample) => (
            ProbeFailure::InvalidResponse,
            format!(
                "{addr} answered over {t}, but not with SIP ({sample}) — check the port and the transport."
            ),
        ),
        AttemptError::Network(detail) => (
            ProbeFailure::Network,
            format!("Could not reach {addr} over {t}: {detail}."),
        ),
    };
    match earlier {
        Some((udp_addr, udp_error)) => (
            failure,
            format!(
                "{message} Over UDP {udp_addr} first: {}.",
                udp_before(udp_error, limit)
            ),
        ),
        None => (failure, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::Answer;

    fn addr() -> SocketAddr {
        "203.0.113.5:5060".parse().unwrap()
    }

    fn reply(code: u16, reason: &str, ms: u64) -> Reply {
        Reply {
            answer: Answer {
                status_code: code,
                reason: reason.into(),
                server: Some("Example SBC".into()),
                allow: vec!["INVITE".into(), "OPTIONS".into()],
                call_id: None,
            },
            rtt: Duration::from_millis(ms),
        }
    }

    fn tried(
        wire: Wire,
        result: Result<Reply, AttemptError>,
        earlier: Option<Attempt>,
    ) -> ProbeResult {
        Outcome::Tried {
            last: Box::new(Attempt {
                wire,
                addr: addr(),
                result,
            }),
            earlier: earlier.map(Box::new),
            tls_name: "sip.example.com".into(),
        }
        .into_result(
            OffsetDateTime::UNIX_EPOCH,
            "sip.example.com",
            Duration::from_secs(3),
        )
    }

    #[test]
    fn an_answer_is_reachable_whatever_its_status() {
        let ok = tried(Wire::Udp, Ok(reply(200, "OK", 12)), None);
        assert!(ok.reachable);
        assert_eq!(ok.failure, None);
        assert_eq!(
            ok.message,
            "200 OK from 203.0.113.5:5060 over UDP in 12 ms."
        );
        assert_eq!(ok.transport, Some(Transport::Udp));
        assert_eq!(ok.resolved.as_deref(), Some("203.0.113.5:5060"));
        assert_eq!(ok.rtt_ms, Some(12.0));
        assert_eq!(ok.server.as_deref(), Some("Example SBC"));
        assert_eq!(ok.allow, ["INVITE", "OPTIONS"]);

        let forbidden = tried(Wire::Tcp, Ok(reply(403, "Forbidden", 40)), None);
        assert!(forbidden.reachable);
        assert_eq!(
            forbidden.message,
            "403 Forbidden from 203.0.113.5:5060 over TCP in 40 ms — the carrier answered; it refuses OPTIONS from this address."
        );
        let fast = tried(Wire::Udp, Ok(reply(200, "OK", 0)), None);
        assert!(fast.message.ends_with("in 0.0 ms."), "{}", fast.message);
    }

    #[test]
    fn failures_say_what_to_do() {
        let refused = tried(Wire::Tcp, Err(AttemptError::Refused), None);
        assert!(!refused.reachable);
        assert_eq!(refused.failure, Some(ProbeFailure::Refused));
        assert_eq!(
            refused.message,
            "Connection refused by 203.0.113.5:5060 (TCP): nothing listens on that port."
        );

        let udp_timeout = Attempt {
            wire: Wire::Udp,
            addr: addr(),
            result: Err(AttemptError::Timeout(Stage::Answer)),
        };
        let both = tried(
            Wire::Tcp,
            Err(AttemptError::Timeout(Stage::Connect)),
            Some(udp_timeout),
        );
        assert_eq!(both.failure, Some(ProbeFailure::Timeout));
        assert_eq!(
            both.message,
            "No answer within 3 s from 203.0.113.5:5060 over UDP and TCP — likely a firewall, or the \
             carrier allows only listed IP addresses; ask the carrier to allow LiveKit's and this \
             server's addresses."
        );
        assert_eq!(both.transport, Some(Transport::Tcp));

        let udp_timeout = Attempt {
            wire: Wire::Udp,
            addr: addr(),
            result: Err(AttemptError::Timeout(Stage::Answer)),
        };
        let mixed = tried(Wire::Tcp, Err(AttemptError::Refused), Some(udp_timeout));
        assert_eq!(mixed.failure, Some(ProbeFailure::Refused));
        assert_eq!(
            mixed.message,
            "Connection refused by 203.0.113.5:5060 (TCP): nothing listens on that port. \
             Over UDP 203.0.113.5:5060 first: no answer within 3 s."
        );

        let tls = tried(
            Wire::Tls,
            Err(AttemptError::Tls(
                "the certificate is not valid for sip.example.com (it is for other.example)".into(),
            )),
            None,
        );
        assert_eq!(tls.failure, Some(ProbeFailure::Tls));
        assert_eq!(
            tls.message,
            "TLS handshake with sip.example.com failed: the certificate is not valid for \
             sip.example.com (it is for other.example)."
        );
    }

    #[test]
    fn dns_and_blocked_outcomes() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let limit = Duration::from_millis(500);
        let dns = Outcome::DnsNotFound("sip.example.invalid".into()).into_result(at, "x", limit);
        assert_eq!(dns.failure, Some(ProbeFailure::DnsNotFound));
        assert_eq!(
            dns.message,
            "The DNS name sip.example.invalid was not found."
        );
        let slow = Outcome::DnsTimeout("sip.example.com".into()).into_result(at, "x", limit);
        assert!(
            slow.message.contains("longer than 500 ms"),
            "{}",
            slow.message
        );
    }

    #[test]
    fn the_address_rules_apply_after_resolution() {
        let name = SipHost::Name("sip.example.com".into());
        let link_local: SocketAddr = "169.254.169.254:5060".parse().unwrap();
        let Err(Outcome::Blocked { resolved, message }) =
            allowed("sip.example.com", &name, vec![link_local], true)
        else {
            panic!("link-local allowed")
        };
        assert_eq!(resolved, Some(link_local));
        assert!(
            message.starts_with("sip.example.com resolves to 169.254.169.254. ")
                && message.contains("link-local"),
            "{message}"
        );
        let mapped: SocketAddr = "[::ffff:169.254.169.254]:5060".parse().unwrap();
        assert!(allowed("x", &name, vec![mapped], true).is_err());

        let loopback: SocketAddr = "127.0.0.1:5060".parse().unwrap();
        assert!(allowed("x", &name, vec![loopback], false).is_err());
        assert!(allowed("x", &name, vec![loopback], true).is_ok());

        // Only the good addresses are kept.
        let public: SocketAddr = "203.0.113.5:5060".parse().unwrap();
        let kept = allowed("x", &name, vec![link_local, public], false).unwrap_or_default();
        assert_eq!(kept, vec![public]);

        for ip in [
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "ff02::1",
            "fe80::1",
            "::",
        ] {
            assert!(check_ip(ip.parse().unwrap(), true).is_err(), "{ip} allowed");
        }
        for ip in [
            "10.1.2.3",
            "192.168.1.1",
            "100.64.0.1",
            "fd00::1",
            "203.0.113.5",
        ] {
            assert!(check_ip(ip.parse().unwrap(), false).is_ok(), "{ip} refused");
        }
    }

    #[test]
    fn literal_addresses_that_cannot_be_carriers_are_blocked_not_invalid() {
        assert!(is_ip_literal("169.254.169.254"));
        assert!(is_ip_literal("169.254.169.254:5060"));
        assert!(is_ip_literal("[fe80::1]:5060"));
        assert!(is_ip_literal("[fe80::1]"));
        assert!(is_ip_literal("fe80::1"));
        assert!(!is_ip_literal("sip.example.com"));
        assert!(!is_ip_literal("1.2.3.4:0"));
    }

    #[test]
    fn spans_and_round_trips_read_naturally() {
        assert_eq!(span(Duration::from_secs(3)), "3 s");
        assert_eq!(span(Duration::from_millis(500)), "500 ms");
        assert_eq!(span(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(rtt(Duration::from_micros(420)), "0.4 ms");
        assert_eq!(rtt(Duration::from_micros(12_400)), "12 ms");
    }
}
