//! TLS for the probe: rustls with Mozilla's trust roots (webpki-roots), and
//! handshake failures told in plain words.

use std::io;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};

/// The client configuration: Mozilla's roots plus `extra_roots` (tests, or
/// a carrier on a private CA). Without extras it is built once.
pub fn client_config(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, String> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if extra_roots.is_empty() {
        if let Some(config) = DEFAULT.get() {
            return Ok(config.clone());
        }
        let config = build(&[])?;
        return Ok(DEFAULT.get_or_init(|| config).clone());
    }
    build(extra_roots)
}

fn build(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for root in extra_roots {
        roots
            .add(root.clone())
            .map_err(|e| format!("an extra trust root is not a usable CA certificate ({e})"))?;
    }
    // The ring provider explicitly: the process may have none installed as
    // its default, and ring is what reqwest already links.
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("the TLS library refused its settings ({e})"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name the certificate must carry: the configured host name, or its IP.
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host} is not a name a TLS certificate can be checked against"))
}

/// Why the handshake failed, as the end of "TLS handshake with X failed: …".
pub fn describe_handshake_error(err: &io::Error, name: &str) -> String {
    if let Some(tls) = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        return describe_rustls(tls, name);
    }
    match err.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            "the server closed the connection during the handshake (is this its TLS port?)".into()
        }
        _ => err.to_string(),
    }
}

pub fn describe_rustls(err: &rustls::Error, name: &str) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => describe_certificate(cert, name),
        rustls::Error::NoCertificatesPresented => "the server sent no certificate".into(),
        rustls::Error::AlertReceived(
            AlertDescription::HandshakeFailure | AlertDescription::ProtocolVersion,
        )
        | rustls::Error::PeerIncompatible(_) => {
            "the server and this console have no TLS version or cipher suite in common".into()
        }
        rustls::Error::AlertReceived(alert) => format!("the server refused it ({alert:?} alert)"),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer in TLS (is this a TCP or UDP port?)".into()
        }
        other => other.to_string(),
    }
}

fn describe_certificate(err: &CertificateError, name: &str) -> String {
    match err {
        CertificateError::NotValidForName => format!("the certificate is not valid for {name}"),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let names: Vec<String> = presented.iter().filter_map(|p| presented_name(p)).collect();
            match names.as_slice() {
                [] => format!("the certificate is not valid for {name} (it names no host)"),
                _ => format!(
                    "the certificate is not valid for {name} (it is for {})",
                    names.join(", ")
                ),
            }
        }
        CertificateError::Expired => "the certificate has expired".into(),
        CertificateError::ExpiredContext { not_after, .. } => {
            format!("the certificate expired on {}", date(*not_after))
        }
        CertificateError::NotValidYet => "the certificate is not valid yet".into(),
        CertificateError::NotValidYetContext { not_before, .. } => {
            format!("the certificate is not valid until {}", date(*not_before))
        }
        CertificateError::UnknownIssuer => "the certificate is not signed by a trusted authority \
             (it is self-signed, or the server does not send its intermediate certificate)"
            .into(),
        CertificateError::BadSignature => "the certificate's signature is not valid".into(),
        CertificateError::Revoked => "the certificate has been revoked".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not meant for a TLS server".into()
        }
        CertificateError::BadEncoding => "the certificate could not be read".into(),
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "the certificate is signed with an algorithm this console does not accept".into()
        }
        other => format!("the certificate was refused ({other})"),
    }
}

/// webpki reports the certificate's names as `DnsName("x")` / `IpAddress(1.2.3.4)`.
fn presented_name(presented: &str) -> Option<String> {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
    {
        return Some(dns.to_owned());
    }
    if let Some(ip) = presented
        .strip_prefix("IpAddress(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return Some(ip.to_owned());
    }
    None
}

fn date(at: UnixTime) -> String {
    let secs = i64::try_from(at.as_secs()).unwrap_or(i64::MAX);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(at) => at.date().to_string(),
        Err(_) => format!("{secs} s after 1970"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls_io_error(err: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }

    #[test]
    fn wrong_name_says_which_names_the_certificate_has() {
        let err = tls_io_error(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("127.0.0.1").unwrap(),
                presented: vec![
                    "DnsName(\"localhost\")".into(),
                    "IpAddress(10.0.0.1)".into(),
                    "DirectoryName".into(),
                ],
            },
        ));
        assert_eq!(
            describe_handshake_error(&err, "127.0.0.1"),
            "the certificate is not valid for 127.0.0.1 (it is for localhost, 10.0.0.1)"
        );
        let bare = tls_io_error(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName,
        ));
        assert_eq!(
            describe_handshake_error(&bare, "sip.example.com"),
            "the certificate is not valid for sip.example.com"
        );
    }

    #[test]
    fn certificate_problems_in_plain_words() {
        let words =
            |e: CertificateError| describe_rustls(&rustls::Error::InvalidCertificate(e), "x");
        assert_eq!(
            words(CertificateError::Expired),
            "the certificate has expired"
        );
        assert_eq!(
            words(CertificateError::ExpiredContext {
                time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)),
                not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                    1_700_000_000
                )),
            }),
            "the certificate expired on 2023-11-14"
        );
        assert!(
            words(CertificateError::UnknownIssuer).contains("not signed by a trusted authority")
        );
        assert!(words(CertificateError::NotValidYet).contains("not valid yet"));
        assert!(words(CertificateError::Revoked).contains("revoked"));
    }

    #[test]
    fn handshake_problems_in_plain_words() {
        assert!(
            describe_rustls(
                &rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
                "x"
            )
            .contains("no TLS version or cipher suite in common")
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert!(describe_handshake_error(&eof, "x").contains("closed the connection"));
    }

    #[test]
    fn names_and_configs() {
        assert!(matches!(
            server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(server_name("::1"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(
            server_name("sip.example.com"),
            Ok(ServerName::DnsName(_))
        ));
        let first = client_config(&[]).unwrap();
        assert!(Arc::ptr_eq(&first, &client_config(&[]).unwrap()));
        assert!(client_config(&[CertificateDer::from(vec![1, 2, 3])]).is_err());
    }
}
