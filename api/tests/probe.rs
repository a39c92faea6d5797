//! "Test connection": the SIP OPTIONS probe against a real kamailio on
//! 127.0.0.1 (UDP, TCP, TLS), and against sockets that stay silent, refuse,
//! or are not SIP. No database is involved.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use common::kamailio::{Kamailio, SERVER_HEADER};
use ori_api::sip::{ProbeOptions, probe};
use ori_shared::carrier::Transport;
use ori_shared::probe::{ProbeFailure, ProbeResult};

/// Short enough to keep the suite quick, long enough for a busy CI machine
/// to answer over loopback.
const SHORT: Duration = Duration::from_millis(500);

fn local(timeout: Duration) -> ProbeOptions {
    ProbeOptions {
        timeout,
        allow_loopback: true,
        ..ProbeOptions::default()
    }
}

fn trusting(kamailio: &Kamailio) -> ProbeOptions {
    ProbeOptions {
        extra_roots: vec![kamailio.cert.clone()],
        ..local(Duration::from_secs(3))
    }
}

/// A 200 OK from kamailio at `port` over `transport`, with all it said.
fn assert_answered(result: &ProbeResult, transport: Transport, port: u16, kamailio: &Kamailio) {
    let context = format!("{result:#?}\nkamailio's log:\n{}", kamailio.log());
    assert!(result.reachable, "{context}");
    assert_eq!(result.failure, None, "{context}");
    assert_eq!(result.status_code, Some(200), "{context}");
    assert_eq!(result.reason.as_deref(), Some("OK"), "{context}");
    assert_eq!(result.transport, Some(transport), "{context}");
    assert_eq!(
        result.resolved.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str()),
        "{context}"
    );
    let rtt = result.rtt_ms.expect("a round trip");
    assert!(rtt > 0.0 && rtt < 3000.0, "{context}");
    assert!(
        result
            .server
            .as_deref()
            .is_some_and(|s| s.contains(SERVER_HEADER)),
        "{context}"
    );
    // kamailio's stateless replies carry no Allow header.
    assert_eq!(result.allow, Vec::<String>::new(), "{context}");
    let label = transport.label();
    assert!(
        result
            .message
            .starts_with(&format!("200 OK from 127.0.0.1:{port} over {label} in ")),
        "{context}"
    );
}

#[tokio::test]
async fn udp_gets_200_ok_from_kamailio() {
    let kamailio = Kamailio::start();
    let address = format!("127.0.0.1:{}", kamailio.udp);
    let result = probe(&address, Transport::Udp, &local(Duration::from_secs(3))).await;
    assert_answered(&result, Transport::Udp, kamailio.udp, &kamailio);
    assert_eq!(result.address, address);
}

#[tokio::test]
async fn tcp_gets_200_ok_from_kamailio() {
    let kamailio = Kamailio::start();
    let address = format!("127.0.0.1:{}", kamailio.tcp);
    let result = probe(&address, Transport::Tcp, &local(Duration::from_secs(3))).await;
    assert_answered(&result, Transport::Tcp, kamailio.tcp, &kamailio);
}

#[tokio::test]
async fn tls_gets_200_ok_when_the_certificate_is_trusted_and_names_the_host() {
    let kamailio = Kamailio::start();
    let address = format!("localhost:{}", kamailio.tls);
    let result = probe(&address, Transport::Tls, &trusting(&kamailio)).await;
    assert_answered(&result, Transport::Tls, kamailio.tls, &kamailio);

    // The same server, but its self-signed certificate not trusted.
    let untrusted = probe(&address, Transport::Tls, &local(Duration::from_secs(3))).await;
    assert!(!untrusted.reachable, "{untrusted:#?}");
    assert_eq!(untrusted.failure, Some(ProbeFailure::Tls), "{untrusted:#?}");
    assert_eq!(
        untrusted.message,
        "TLS handshake with localhost failed: the certificate is not signed by a trusted \
         authority (it is self-signed, or the server does not send its intermediate certificate)."
    );
    assert_eq!(untrusted.transport, Some(Transport::Tls));
}

#[tokio::test]
async fn tls_refuses_a_certificate_for_another_name() {
    // The certificate is for localhost; the address is the IP.
    let kamailio = Kamailio::start();
    let by_ip = format!("127.0.0.1:{}", kamailio.tls);
    let result = probe(&by_ip, Transport::Tls, &trusting(&kamailio)).await;
    assert!(!result.reachable, "{result:#?}");
    assert_eq!(result.failure, Some(ProbeFailure::Tls), "{result:#?}");
    assert_eq!(
        result.message,
        "TLS handshake with 127.0.0.1 failed: the certificate is not valid for 127.0.0.1 \
         (it is for localhost)."
    );
    drop(kamailio);

    // The certificate is for another host name.
    let other = Kamailio::start_with_cert_for(&["other.example"]);
    let by_name = format!("localhost:{}", other.tls);
    let result = probe(&by_name, Transport::Tls, &trusting(&other)).await;
    assert_eq!(result.failure, Some(ProbeFailure::Tls), "{result:#?}");
    assert_eq!(
        result.message,
        "TLS handshake with localhost failed: the certificate is not valid for localhost \
         (it is for other.example)."
    );
}

#[tokio::test]
async fn auto_answers_over_udp_when_udp_answers() {
    let kamailio = Kamailio::start();
    let result = probe(
        &format!("127.0.0.1:{}", kamailio.udp),
        Transport::Auto,
        &local(Duration::from_secs(3)),
    )
    .await;
    assert_answered(&result, Transport::Udp, kamailio.udp, &kamailio);
}

#[tokio::test]
async fn auto_falls_back_to_tcp_when_udp_is_silent() {
    let kamailio = Kamailio::start();
    // A UDP socket on kamailio's TCP port number that reads nothing.
    let silent = UdpSocket::bind(("127.0.0.1", kamailio.tcp)).expect("bind the TCP port for UDP");
    let started = Instant::now();
    let result = probe(
        &format!("127.0.0.1:{}", kamailio.tcp),
        Transport::Auto,
        &local(SHORT),
    )
    .await;
    assert_answered(&result, Transport::Tcp, kamailio.tcp, &kamailio);
    assert!(started.elapsed() >= SHORT, "UDP was not waited for");
    assert!(
        result.message.ends_with(&format!(
            " Over UDP 127.0.0.1:{} first: no answer within 500 ms.",
            kamailio.tcp
        )),
        "{}",
        result.message
    );
    drop(silent);
}

#[tokio::test]
async fn auto_falls_back_to_tcp_at_once_when_udp_is_refused() {
    // Nothing on kamailio's TCP port number over UDP: ICMP port unreachable.
    let kamailio = Kamailio::start();
    let started = Instant::now();
    let result = probe(
        &format!("127.0.0.1:{}", kamailio.tcp),
        Transport::Auto,
        &local(Duration::from_secs(3)),
    )
    .await;
    assert_answered(&result, Transport::Tcp, kamailio.tcp, &kamailio);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "waited for UDP instead of taking its refusal"
    );
    assert!(
        result.message.ends_with(" first: connection refused."),
        "{}",
        result.message
    );
}

/// A port with nothing listening on it, TCP or UDP.
fn closed_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port")
            .port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

#[tokio::test]
async fn a_closed_tcp_port_is_refused() {
    let port = closed_port();
    let result = probe(&format!("127.0.0.1:{port}"), Transport::Tcp, &local(SHORT)).await;
    assert!(!result.reachable);
    assert_eq!(result.failure, Some(ProbeFailure::Refused), "{result:#?}");
    assert_eq!(
        result.message,
        format!("Connection refused by 127.0.0.1:{port} (TCP): nothing listens on that port.")
    );
    assert_eq!(result.transport, Some(Transport::Tcp));
    assert_eq!(result.resolved, Some(format!("127.0.0.1:{port}")));
    assert_eq!(result.status_code, None);

    let auto = probe(&format!("127.0.0.1:{port}"), Transport::Auto, &local(SHORT)).await;
    assert_eq!(auto.failure, Some(ProbeFailure::Refused), "{auto:#?}");
    assert_eq!(
        auto.message,
        format!(
            "Connection refused by 127.0.0.1:{port} over UDP and TCP: nothing listens on that port."
        )
    );
}

#[tokio::test]
async fn a_silent_udp_port_times_out() {
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let started = Instant::now();
    let result = probe(&format!("127.0.0.1:{port}"), Transport::Udp, &local(SHORT)).await;
    let took = started.elapsed();
    assert!(!result.reachable);
    assert_eq!(result.failure, Some(ProbeFailure::Timeout), "{result:#?}");
    assert!(
        took >= SHORT && took < SHORT + Duration::from_millis(700),
        "took {took:?}"
    );
    assert_eq!(
        result.message,
        format!(
            "No answer within 500 ms from 127.0.0.1:{port} over UDP — likely a firewall, or the \
             carrier allows only listed IP addresses; ask the carrier to allow LiveKit's and \
             this server's addresses."
        )
    );
    // It did send: an OPTIONS for this address.
    silent.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 4096];
    let n = silent.recv(&mut buf).expect("the probe's datagram");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(
        text.starts_with(&format!("OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n")),
        "{text}"
    );
    assert!(
        text.contains("\r\nUser-Agent: Ori carrier console\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_tcp_server_that_is_not_sip_is_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 2048];
        let _ = stream.read(&mut buf).await;
        let _ = stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let result = probe(&format!("127.0.0.1:{port}"), Transport::Tcp, &local(SHORT)).await;
    assert_eq!(
        result.failure,
        Some(ProbeFailure::InvalidResponse),
        "{result:#?}"
    );
    assert_eq!(
        result.message,
        format!(
            "127.0.0.1:{port} answered over TCP, but not with SIP (it sent \"HTTP/1.1 400 Bad \
             Request\") — check the port and the transport."
        )
    );
    server.await.expect("server");
}

#[tokio::test]
async fn an_unknown_dns_name_is_reported() {
    let result = probe("nothing.ori-probe.invalid", Transport::Udp, &local(SHORT)).await;
    assert!(!result.reachable);
    assert_eq!(
        result.failure,
        Some(ProbeFailure::DnsNotFound),
        "{result:#?}"
    );
    assert_eq!(
        result.message,
        "The DNS name nothing.ori-probe.invalid was not found."
    );
    assert_eq!(result.resolved, None);
    assert_eq!(result.transport, None);
}

#[tokio::test]
async fn loopback_is_refused_unless_allowed() {
    // A listener that must hear nothing.
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("address").port();
    let strict = ProbeOptions {
        timeout: SHORT,
        ..ProbeOptions::default()
    };
    for address in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("127.9.9.9:{port}"),
    ] {
        let result = probe(&address, Transport::Udp, &strict).await;
        assert!(!result.reachable, "{result:#?}");
        assert_eq!(
            result.failure,
            Some(ProbeFailure::BlockedAddress),
            "{result:#?}"
        );
        assert_eq!(
            result.message,
            "SIP Address points at this server (loopback): enter the carrier's host name or IP."
        );
    }
    socket.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 64];
    assert!(socket.recv(&mut buf).is_err(), "a blocked probe was sent");

    // Allowed, the same port is probed (and stays silent).
    let allowed = probe(&format!("127.0.0.1:{port}"), Transport::Udp, &local(SHORT)).await;
    assert_eq!(allowed.failure, Some(ProbeFailure::Timeout), "{allowed:#?}");
}

#[tokio::test]
async fn link_local_and_other_non_carrier_addresses_are_always_refused() {
    for (address, what) in [
        ("169.254.169.254", "link-local"),
        ("169.254.169.254:80", "link-local"),
        ("[fe80::1]:5060", "link-local"),
        ("0.0.0.0:5060", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "broadcast"),
    ] {
        let result = probe(address, Transport::Udp, &local(SHORT)).await;
        assert!(!result.reachable, "{result:#?}");
        assert_eq!(
            result.failure,
            Some(ProbeFailure::BlockedAddress),
            "{address}: {result:#?}"
        );
        assert!(
            result.message.contains(what),
            "{address}: {}",
            result.message
        );
        assert_eq!(result.transport, None);
    }
    let typo = probe("sip:carrier.example.com", Transport::Udp, &local(SHORT)).await;
    assert_eq!(
        typo.failure,
        Some(ProbeFailure::InvalidAddress),
        "{typo:#?}"
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Twenty probes per transport: every one answered, and the median round
/// trip (printed; run with --no-capture to see it) well under a second.
#[tokio::test]
async fn round_trips_to_a_local_kamailio() {
    let kamailio = Kamailio::start();
    let options = trusting(&kamailio);
    for (transport, address) in [
        (Transport::Udp, format!("127.0.0.1:{}", kamailio.udp)),
        (Transport::Tcp, format!("127.0.0.1:{}", kamailio.tcp)),
        (Transport::Tls, format!("localhost:{}", kamailio.tls)),
    ] {
        let mut rtts = Vec::new();
        let mut totals = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let result = probe(&address, transport, &options).await;
            totals.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(result.status_code, Some(200), "{result:#?}");
            rtts.push(result.rtt_ms.expect("rtt"));
        }
        let (rtt, total) = (median(rtts), median(totals));
        eprintln!(
            "probe {}: median rtt {rtt:.3} ms, median whole probe {total:.3} ms (20 probes)",
            transport.label()
        );
        assert!(rtt < 500.0, "{transport}: median rtt {rtt} ms");
    }
}
