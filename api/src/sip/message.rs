//! The probe's `OPTIONS` request and the reading of its answer, both by rsip.

use std::net::{IpAddr, SocketAddr};

use rand::Rng;
use rand::distributions::Alphanumeric;
use rsip::headers::{self, UntypedHeader};
use rsip::prelude::ToTypedHeader;
use rsip::{Domain, Header, Host, HostWithPort, Method, Param, Scheme, Uri};

/// Sent as `User-Agent`, so a carrier's logs say who asked.
pub const USER_AGENT: &str = "Ori carrier console";
/// The user part of our `From` and `Contact`.
const PROBE_USER: &str = "ori-probe";
/// RFC 3261 §8.1.1.7: every branch of a compliant client starts with this.
const BRANCH_MAGIC: &str = "z9hG4bK";

/// The transports a probe sends over (the shared `Transport` also has `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Udp,
    Tcp,
    Tls,
}

impl Wire {
    pub fn default_port(self) -> u16 {
        match self {
            Self::Udp | Self::Tcp => 5060,
            Self::Tls => 5061,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
        }
    }

    pub fn shared(self) -> ori_shared::carrier::Transport {
        use ori_shared::carrier::Transport;
        match self {
            Self::Udp => Transport::Udp,
            Self::Tcp => Transport::Tcp,
            Self::Tls => Transport::Tls,
        }
    }

    fn rsip(self) -> rsip::Transport {
        match self {
            Self::Udp => rsip::Transport::Udp,
            Self::Tcp => rsip::Transport::Tcp,
            Self::Tls => rsip::Transport::Tls,
        }
    }
}

/// Who the request is for: the configured host (name or IP) and the port
/// only when one was configured, as the carrier knows itself.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: Option<u16>,
}

/// A request ready to send, with what identifies its answer.
#[derive(Debug, Clone)]
pub struct OptionsRequest {
    pub bytes: Vec<u8>,
    pub call_id: String,
}

fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// rsip prints an IPv6 host without brackets (`sip:2001:db8::1:5060`), so
/// IPv6 goes in as a bracketed name.
fn host_of(text: &str) -> Host {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => Host::Domain(Domain::from(format!("[{v6}]"))),
        Ok(ip) => Host::IpAddr(ip),
        Err(_) => Host::Domain(Domain::from(text.to_owned())),
    }
}

fn sip_uri(host: &str, port: Option<u16>, user: Option<&str>, params: Vec<Param>) -> Uri {
    Uri {
        scheme: Some(Scheme::Sip),
        auth: user.map(|u| (u, Option::<String>::None).into()),
        host_with_port: HostWithPort {
            host: host_of(host),
            port: port.map(Into::into),
        },
        params,
        ..Default::default()
    }
}

/// Builds `OPTIONS sip:host[:port]` as sent from `local` over `wire`.
pub fn options_request(target: &Target, wire: Wire, local: SocketAddr) -> OptionsRequest {
    let call_id = format!("{}@ori-probe", random_token(24));
    let branch = format!("{BRANCH_MAGIC}{}", random_token(16));
    let tag = random_token(12);
    let local_ip = local.ip().to_canonical().to_string();

    // `;transport=tcp` tells a proxy which way we came; UDP is the default,
    // and `transport=tls` is deprecated (RFC 3261 §26.2.2 wants sips:, which a
    // plain reachability check does not need).
    let transport_param = match wire {
        Wire::Tcp => vec![Param::Transport(rsip::Transport::Tcp)],
        Wire::Udp | Wire::Tls => Vec::new(),
    };
    let request_uri = sip_uri(&target.host, target.port, None, transport_param.clone());

    let mut headers = rsip::Headers::default();
    headers.push(
        rsip::typed::Via {
            version: rsip::Version::V2,
            transport: wire.rsip(),
            // sent-by: host and port, no scheme.
            uri: Uri {
                host_with_port: HostWithPort {
                    host: host_of(&local_ip),
                    port: Some(local.port().into()),
                },
                ..Default::default()
            },
            params: vec![
                Param::Branch(branch.into()),
                // RFC 3581: answer to the address and port this came from (NAT).
                Param::Other("rport".into(), None),
            ],
        }
        .into(),
    );
    headers.push(headers::MaxForwards::new("70").into());
    headers.push(
        rsip::typed::From {
            display_name: None,
            uri: sip_uri(&local_ip, None, Some(PROBE_USER), Vec::new()),
            params: vec![Param::Tag(tag.into())],
        }
        .into(),
    );
    headers.push(
        rsip::typed::To {
            display_name: None,
            uri: sip_uri(&target.host, target.port, None, Vec::new()),
            params: Vec::new(),
        }
        .into(),
    );
    headers.push(headers::CallId::new(call_id.clone()).into());
    headers.push(
        rsip::typed::CSeq {
            seq: 1,
            method: Method::Options,
        }
        .into(),
    );
    headers.push(
        rsip::typed::Contact {
            display_name: None,
            uri: sip_uri(
                &local_ip,
                Some(local.port()),
                Some(PROBE_USER),
                transport_param,
            ),
            params: Vec::new(),
        }
        .into(),
    );
    headers.push(headers::UserAgent::new(USER_AGENT).into());
    headers.push(headers::Accept::new("application/sdp").into());
    headers.push(headers::ContentLength::new("0").into());

    let request = rsip::Request {
        method: Method::Options,
        uri: request_uri,
        version: rsip::Version::V2,
        headers,
        body: Vec::new(),
    };
    OptionsRequest {
        bytes: rsip::SipMessage::from(request).into(),
        call_id,
    }
}

/// What a SIP response said, as far as the probe cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status_code: u16,
    pub reason: String,
    pub server: Option<String>,
    pub allow: Vec<String>,
    pub call_id: Option<String>,
}

impl Answer {
    pub fn is_provisional(&self) -> bool {
        self.status_code < 200
    }

    /// True unless the answer names another transaction (a stray or late
    /// answer to someone else's request).
    pub fn answers(&self, request: &OptionsRequest) -> bool {
        self.call_id
            .as_deref()
            .is_none_or(|id| id == request.call_id)
    }
}

/// What came back, read by rsip.
#[derive(Debug)]
pub enum Incoming {
    Response(Answer),
    /// The peer sent a request (e.g. its own keep-alive OPTIONS): not ours.
    Request,
}

/// RFC 3261 §7.3.3 compact header names, which rsip leaves as `Other`.
fn is_header(name: &str, full: &str, compact: &str) -> bool {
    name.eq_ignore_ascii_case(full) || name.eq_ignore_ascii_case(compact)
}

/// Parses one whole SIP message.
pub fn parse_incoming(bytes: &[u8]) -> Result<Incoming, rsip::Error> {
    let response = match rsip::SipMessage::try_from(bytes)? {
        rsip::SipMessage::Request(_) => return Ok(Incoming::Request),
        rsip::SipMessage::Response(response) => response,
    };
    // rsip keeps the reason phrase only for codes it does not know ("200 OK"
    // becomes its own name for 200): take the carrier's words from the
    // status line's tokens instead.
    let (_, tokens) = rsip::message::response::Tokenizer::tokenize(bytes)?;
    let reason = String::from_utf8_lossy(tokens.status_code.reason)
        .trim()
        .to_owned();

    let mut server = None;
    let mut user_agent = None;
    let mut allow = Vec::new();
    let mut call_id = None;
    for header in response.headers.iter() {
        match header {
            Header::Server(value) => server = server.or(non_empty(value.value())),
            Header::UserAgent(value) => user_agent = user_agent.or(non_empty(value.value())),
            Header::CallId(value) => call_id = Some(value.value().trim().to_owned()),
            Header::Other(name, value) if is_header(name, "Call-ID", "i") => {
                call_id = Some(value.trim().to_owned())
            }
            Header::Allow(value) => allow.extend(allow_methods(value)),
            _ => {}
        }
    }
    Ok(Incoming::Response(Answer {
        status_code: response.status_code.code(),
        reason,
        server: server.or(user_agent),
        allow,
        call_id,
    }))
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// rsip's typed `Allow` knows only the RFC methods; a carrier may list
/// others (e.g. `PUBLISH`, or a vendor's), so fall back to its token list.
fn allow_methods(header: &headers::Allow) -> Vec<String> {
    match header.typed() {
        Ok(typed) => typed.0.iter().map(ToString::to_string).collect(),
        Err(_) => header
            .value()
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_ascii_uppercase)
            .collect(),
    }
}

/// The body length a message's head announces (stream framing, RFC 3261
/// §18.3): the head must end with the blank line.
pub fn content_length(head: &[u8]) -> Result<usize, rsip::Error> {
    let message = rsip::SipMessage::try_from(head)?;
    let headers = match &message {
        rsip::SipMessage::Request(request) => &request.headers,
        rsip::SipMessage::Response(response) => &response.headers,
    };
    for header in headers.iter() {
        let value = match header {
            Header::ContentLength(length) => length.value(),
            Header::Other(name, value) if is_header(name, "Content-Length", "l") => value,
            _ => continue,
        };
        return value
            .trim()
            .parse::<usize>()
            .map_err(|_| rsip::Error::ParseError(format!("bad Content-Length: {value}")));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsip::prelude::HeadersExt;

    fn target(host: &str, port: Option<u16>) -> Target {
        Target {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn request_carries_every_header_a_carrier_expects() {
        let local: SocketAddr = "192.0.2.7:40123".parse().unwrap();
        let request = options_request(&target("sip.example.com", Some(5070)), Wire::Tcp, local);
        let text = String::from_utf8(request.bytes.clone()).unwrap();
        assert!(
            text.starts_with("OPTIONS sip:sip.example.com:5070;transport=TCP SIP/2.0\r\n"),
            "{text}"
        );
        assert!(text.ends_with("\r\n\r\n"), "{text}");

        let parsed = rsip::Request::try_from(request.bytes.as_slice()).unwrap();
        assert_eq!(parsed.method, Method::Options);
        let via = parsed.via_header().unwrap().typed().unwrap();
        assert_eq!(via.transport, rsip::Transport::Tcp);
        assert_eq!(via.uri.host_with_port.to_string(), "192.0.2.7:40123");
        let branch = via.branch().unwrap().to_string();
        assert!(
            branch.starts_with("z9hG4bK") && branch.len() > 20,
            "{branch}"
        );
        assert!(text.contains(";rport"), "{text}");
        assert_eq!(parsed.max_forwards_header().unwrap().num().unwrap(), 70);
        let from = parsed.from_header().unwrap().typed().unwrap();
        assert_eq!(from.uri.to_string(), "sip:ori-probe@192.0.2.7");
        assert!(from.tag().is_some());
        assert_eq!(
            parsed.to_header().unwrap().value(),
            "<sip:sip.example.com:5070>"
        );
        assert_eq!(parsed.call_id_header().unwrap().value(), request.call_id);
        assert_eq!(parsed.cseq_header().unwrap().value(), "1 OPTIONS");
        assert_eq!(
            parsed.contact_header().unwrap().value(),
            "<sip:ori-probe@192.0.2.7:40123;transport=TCP>"
        );
        assert_eq!(parsed.user_agent_header().unwrap().value(), USER_AGENT);
        assert!(text.contains("\r\nAccept: application/sdp\r\n"), "{text}");
        assert!(text.ends_with("\r\nContent-Length: 0\r\n\r\n"), "{text}");
    }

    #[test]
    fn each_request_is_a_new_transaction() {
        let local: SocketAddr = "192.0.2.7:5060".parse().unwrap();
        let a = options_request(&target("203.0.113.5", None), Wire::Udp, local);
        let b = options_request(&target("203.0.113.5", None), Wire::Udp, local);
        assert_ne!(a.call_id, b.call_id);
        let text = String::from_utf8(a.bytes).unwrap();
        assert!(
            text.starts_with("OPTIONS sip:203.0.113.5 SIP/2.0\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK"),
            "{text}"
        );
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        let local: SocketAddr = "[2001:db8::7]:40000".parse().unwrap();
        let request = options_request(&target("2001:db8::1", Some(5061)), Wire::Tls, local);
        let text = String::from_utf8(request.bytes).unwrap();
        assert!(
            text.starts_with("OPTIONS sip:[2001:db8::1]:5061 SIP/2.0\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Via: SIP/2.0/TLS [2001:db8::7]:40000;"),
            "{text}"
        );
        assert!(text.contains("To: <sip:[2001:db8::1]:5061>"), "{text}");
    }

    const KAMAILIO_200: &str = "SIP/2.0 200 OK\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKabc;rport=58184;received=127.0.0.1\r\n\
        From: <sip:ori-probe@127.0.0.1>;tag=abc\r\n\
        To: <sip:127.0.0.1:25060>;tag=5497176f96ac98204aead303f19a0d17.129200e3\r\n\
        Call-ID: xyz@ori-probe\r\n\
        CSeq: 1 OPTIONS\r\n\
        Server: kamailio (5.6.3 (x86_64/linux))\r\n\
        Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn reads_status_reason_server_and_allow() {
        let Incoming::Response(answer) = parse_incoming(KAMAILIO_200.as_bytes()).unwrap() else {
            panic!("not a response")
        };
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.reason, "OK");
        assert_eq!(
            answer.server.as_deref(),
            Some("kamailio (5.6.3 (x86_64/linux))")
        );
        assert_eq!(answer.allow, ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"]);
        assert_eq!(answer.call_id.as_deref(), Some("xyz@ori-probe"));
    }

    #[test]
    fn keeps_the_carriers_reason_phrase_and_falls_back_to_user_agent() {
        let text = "SIP/2.0 404 Not Found Here\r\nUser-Agent: Example SBC\r\n\
            Allow: INVITE, OPTIONS, X-VENDOR\r\ni: abc\r\nl: 0\r\n\r\n";
        let Incoming::Response(answer) = parse_incoming(text.as_bytes()).unwrap() else {
            panic!("not a response")
        };
        assert_eq!(
            (answer.status_code, answer.reason.as_str()),
            (404, "Not Found Here")
        );
        assert_eq!(answer.server.as_deref(), Some("Example SBC"));
        assert_eq!(answer.allow, ["INVITE", "OPTIONS", "X-VENDOR"]);
        assert_eq!(answer.call_id.as_deref(), Some("abc"));
        assert_eq!(content_length(text.as_bytes()).unwrap(), 0);
    }

    #[test]
    fn a_request_or_garbage_is_not_an_answer() {
        let request = "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nCall-ID: q\r\n\r\n";
        assert!(matches!(
            parse_incoming(request.as_bytes()),
            Ok(Incoming::Request)
        ));
        assert!(parse_incoming(b"HTTP/1.1 400 Bad Request\r\n\r\n").is_err());
        assert!(parse_incoming(b"\x16\x03\x01\x00").is_err());
    }

    #[test]
    fn answers_match_by_call_id() {
        let local: SocketAddr = "127.0.0.1:5060".parse().unwrap();
        let request = options_request(&target("127.0.0.1", None), Wire::Udp, local);
        let mut answer = match parse_incoming(KAMAILIO_200.as_bytes()).unwrap() {
            Incoming::Response(answer) => answer,
            Incoming::Request => panic!("not a response"),
        };
        assert!(!answer.answers(&request));
        answer.call_id = Some(request.call_id.clone());
        assert!(answer.answers(&request));
        answer.call_id = None;
        assert!(answer.answers(&request));
    }

    #[test]
    fn content_length_frames_the_body() {
        let head = "SIP/2.0 200 OK\r\nCall-ID: a\r\nContent-Length: 42\r\n\r\n";
        assert_eq!(content_length(head.as_bytes()).unwrap(), 42);
        let no_length = "SIP/2.0 200 OK\r\nCall-ID: a\r\n\r\n";
        assert_eq!(content_length(no_length.as_bytes()).unwrap(), 0);
        let bad = "SIP/2.0 200 OK\r\nContent-Length: many\r\n\r\n";
        assert!(content_length(bad.as_bytes()).is_err());
    }
}
