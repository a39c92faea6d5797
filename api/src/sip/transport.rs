//! One `OPTIONS` transaction over UDP, TCP or TLS to one socket address.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use super::message::{
    Answer, Incoming, OptionsRequest, Target, Wire, content_length, options_request, parse_incoming,
};
use super::tls;

/// RFC 3261 timers T1 and T2: UDP retransmits at 0.5 s, 1 s, 2 s, 4 s, 4 s…
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// A response's head (status line and headers) longer than this is not SIP
/// we want to read; bodies too (an OPTIONS answer carries at most some SDP).
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024;

/// A final (or, at the deadline, provisional) answer and its round trip.
#[derive(Debug)]
pub struct Reply {
    pub answer: Answer,
    /// From the request's first send to the answer (connection set-up and
    /// TLS handshake excluded).
    pub rtt: Duration,
}

/// Where a timeout struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// TCP connect: nothing accepted the connection.
    Connect,
    /// Connected, but the TLS handshake did not finish.
    Handshake,
    /// The request went out; no SIP answer came.
    Answer,
}

/// Why one attempt got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptError {
    /// TCP reset on connect, or ICMP port unreachable for UDP.
    Refused,
    Timeout(Stage),
    /// The peer closed the connection before answering.
    Closed,
    /// The TLS handshake failed: the words say why.
    Tls(String),
    /// Something other than a SIP response came back: what it looked like.
    NotSip(String),
    Network(String),
}

impl AttemptError {
    /// Worth trying the host's next address within the same deadline.
    pub fn try_next_address(&self) -> bool {
        matches!(self, Self::Refused | Self::Network(_))
    }
}

fn io_error(err: io::Error) -> AttemptError {
    match err.kind() {
        io::ErrorKind::ConnectionRefused => AttemptError::Refused,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => AttemptError::Closed,
        _ => AttemptError::Network(err.to_string()),
    }
}

/// What a non-SIP answer started with, for the admin to recognise (an HTTP
/// server, a TLS alert…), without echoing much of it.
fn sample(bytes: &[u8]) -> String {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let printable = !first_line.is_empty()
        && first_line
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r');
    if printable {
        let line = String::from_utf8_lossy(first_line);
        let line = line.trim();
        let short: String = line.chars().take(60).collect();
        let ellipsis = if short.len() < line.len() { "…" } else { "" };
        format!("it sent \"{short}{ellipsis}\"")
    } else {
        format!("it sent {} bytes that are not text", bytes.len())
    }
}

/// TLS parameters of an attempt: the configuration and the name to check.
pub struct TlsParams {
    pub config: Arc<ClientConfig>,
    pub name: ServerName<'static>,
    /// The name as the admin wrote it, for messages.
    pub shown: String,
}

/// Sends one `OPTIONS` to `addr` and waits until `deadline` for its answer.
pub async fn exchange(
    wire: Wire,
    addr: SocketAddr,
    target: &Target,
    tls: Option<&TlsParams>,
    deadline: Instant,
) -> Result<Reply, AttemptError> {
    match (wire, tls) {
        (Wire::Udp, _) => udp(addr, target, deadline).await,
        (Wire::Tcp, _) => {
            let (mut stream, local) = connect(addr, deadline).await?;
            let request = options_request(target, Wire::Tcp, local);
            over_stream(&mut stream, &request, deadline).await
        }
        (Wire::Tls, Some(params)) => {
            let (stream, local) = connect(addr, deadline).await?;
            let connector = TlsConnector::from(params.config.clone());
            let mut stream =
                match timeout_at(deadline, connector.connect(params.name.clone(), stream)).await {
                    Err(_) => return Err(AttemptError::Timeout(Stage::Handshake)),
                    Ok(Err(e)) => {
                        return Err(AttemptError::Tls(tls::describe_handshake_error(
                            &e,
                            &params.shown,
                        )));
                    }
                    Ok(Ok(stream)) => stream,
                };
            let request = options_request(target, Wire::Tls, local);
            over_stream(&mut stream, &request, deadline).await
        }
        (Wire::Tls, None) => Err(AttemptError::Tls("no TLS configuration".into())),
    }
}

async fn udp(addr: SocketAddr, target: &Target, deadline: Instant) -> Result<Reply, AttemptError> {
    let any: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(any).await.map_err(io_error)?;
    // Connected: the kernel picks our source address (for Via), drops
    // datagrams from anyone else, and reports ICMP port unreachable.
    socket.connect(addr).await.map_err(io_error)?;
    let local = socket.local_addr().map_err(io_error)?;
    let request = options_request(target, Wire::Udp, local);

    let start = Instant::now();
    socket.send(&request.bytes).await.map_err(io_error)?;
    let mut interval = T1;
    let mut resend_at = start + interval;
    let mut provisional = None;
    let mut not_sip = None;
    let mut buf = vec![0u8; 65_535];
    loop {
        match timeout_at(resend_at.min(deadline), socket.recv(&mut buf)).await {
            Err(_) if Instant::now() >= deadline => {
                return provisional.ok_or(not_sip.unwrap_or(AttemptError::Timeout(Stage::Answer)));
            }
            Err(_) => {
                // Datagrams get lost: resend like a SIP client would (Timer E).
                socket.send(&request.bytes).await.map_err(io_error)?;
                interval = (interval * 2).min(T2);
                resend_at = Instant::now() + interval;
            }
            Ok(Err(e)) => return Err(io_error(e)),
            Ok(Ok(n)) => {
                let bytes = &buf[..n];
                match parse_incoming(bytes) {
                    Ok(Incoming::Response(answer)) if answer.answers(&request) => {
                        let reply = Reply {
                            answer,
                            rtt: start.elapsed(),
                        };
                        if !reply.answer.is_provisional() {
                            return Ok(reply);
                        }
                        provisional = Some(reply);
                    }
                    Ok(_) => tracing::debug!(%addr, "ignored a SIP message that is not our answer"),
                    Err(e) => {
                        tracing::debug!(%addr, error = %e, "not a SIP message");
                        not_sip = Some(AttemptError::NotSip(sample(bytes)));
                    }
                }
            }
        }
    }
}

async fn connect(
    addr: SocketAddr,
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), AttemptError> {
    let stream = match timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => return Err(AttemptError::Timeout(Stage::Connect)),
        Ok(result) => result.map_err(io_error)?,
    };
    // One small request: send it now rather than wait for more to coalesce.
    let _ = stream.set_nodelay(true);
    let local = stream.local_addr().map_err(io_error)?;
    Ok((stream, local))
}

async fn over_stream<S>(
    stream: &mut S,
    request: &OptionsRequest,
    deadline: Instant,
) -> Result<Reply, AttemptError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let write = async {
        stream.write_all(&request.bytes).await?;
        stream.flush().await
    };
    match timeout_at(deadline, write).await {
        Err(_) => return Err(AttemptError::Timeout(Stage::Answer)),
        Ok(result) => result.map_err(io_error)?,
    }
    let mut buf = Vec::new();
    let mut provisional = None;
    loop {
        let message = match timeout_at(deadline, read_message(stream, &mut buf)).await {
            Err(_) => return provisional.ok_or(AttemptError::Timeout(Stage::Answer)),
            Ok(Err(e)) => return provisional.ok_or(e),
            Ok(Ok(message)) => message,
        };
        match parse_incoming(&message) {
            Ok(Incoming::Response(answer)) if answer.answers(request) => {
                let reply = Reply {
                    answer,
                    rtt: start.elapsed(),
                };
                if !reply.answer.is_provisional() {
                    return Ok(reply);
                }
                provisional = Some(reply);
            }
            Ok(_) => tracing::debug!("ignored a SIP message that is not our answer"),
            Err(e) => {
                tracing::debug!(error = %e, "not a SIP message");
                return Err(AttemptError::NotSip(sample(&message)));
            }
        }
    }
}

/// Reads one message off a stream (RFC 3261 §18.3): the head up to the
/// blank line, then the Content-Length bytes of body. Leaves what follows
/// in `buf`.
async fn read_message<S>(stream: &mut S, buf: &mut Vec<u8>) -> Result<Vec<u8>, AttemptError>
where
    S: AsyncRead + Unpin,
{
    loop {
        // CRLF keep-alives (RFC 5626 §3.5.1) may come between messages.
        let blank = buf
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        buf.drain(..blank);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = end + 4;
            let body = content_length(&buf[..head]).map_err(|e| {
                tracing::debug!(error = %e, "unreadable message head");
                AttemptError::NotSip(sample(buf))
            })?;
            if body > MAX_BODY {
                return Err(AttemptError::NotSip(format!(
                    "it announced a body of {body} bytes"
                )));
            }
            while buf.len() < head + body {
                read_more(stream, buf).await?;
            }
            return Ok(buf.drain(..head + body).collect());
        }
        if buf.len() > MAX_HEAD {
            return Err(AttemptError::NotSip(sample(buf)));
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more<S>(stream: &mut S, buf: &mut Vec<u8>) -> Result<(), AttemptError>
where
    S: AsyncRead + Unpin,
{
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await.map_err(io_error)?;
    if n == 0 {
        // Bytes that never became a whole message say more than "closed".
        return Err(if buf.is_empty() {
            AttemptError::Closed
        } else {
            AttemptError::NotSip(sample(buf))
        });
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_messages_on_a_stream() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let first = "SIP/2.0 100 Trying\r\nCall-ID: a\r\nContent-Length: 0\r\n\r\n";
        let second = "SIP/2.0 200 OK\r\nCall-ID: a\r\nContent-Length: 4\r\n\r\nv=0\n";
        let writer = tokio::spawn(async move {
            // Keep-alive, then both answers in pieces smaller than a message.
            let all = format!("\r\n\r\n{first}{second}");
            for piece in all.as_bytes().chunks(7) {
                server.write_all(piece).await.unwrap();
            }
        });
        let mut buf = Vec::new();
        let one = read_message(&mut client, &mut buf).await.unwrap();
        assert_eq!(one, first.as_bytes());
        let two = read_message(&mut client, &mut buf).await.unwrap();
        assert_eq!(two, second.as_bytes());
        writer.await.unwrap();
        assert_eq!(
            read_message(&mut client, &mut buf).await,
            Err(AttemptError::Closed)
        );
    }

    #[tokio::test]
    async fn a_stream_that_is_not_sip() {
        let (mut client, mut server) = tokio::io::duplex(64);
        server
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        assert_eq!(
            read_message(&mut client, &mut buf).await,
            Err(AttemptError::NotSip(
                "it sent \"HTTP/1.1 400 Bad Request\"".into()
            ))
        );
        drop(server);
    }

    #[test]
    fn samples_are_short_and_printable() {
        assert_eq!(
            sample(&[0x15, 0x03, 0x03, 0x00, 0x02]),
            "it sent 5 bytes that are not text"
        );
        let long = "x".repeat(200);
        assert_eq!(
            sample(long.as_bytes()),
            format!("it sent \"{}…\"", "x".repeat(60))
        );
    }
}
