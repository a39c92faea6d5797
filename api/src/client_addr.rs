//! Who is on the other end: the client's address, taken from
//! `X-Forwarded-For` only when the connection comes from a proxy named in
//! `ORI_TRUSTED_PROXIES`. Anyone else could write any address there, so for
//! them the TCP peer is the client. Throttling, the audit log and the request
//! log all ask here.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `ORI_TRUSTED_PROXIES`: addresses or CIDRs separated by commas
    /// or spaces. An entry that is neither is an error that names it.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split([',', ' '])
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!(
                            "ORI_TRUSTED_PROXIES: \"{entry}\" is not an IP address or CIDR \
                             (for example 10.0.0.0/8 or 192.0.2.7)"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the nearest
    /// hop back, the first address that is not one of our proxies. Entries
    /// further left were written by whoever is beyond that and prove nothing.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for.iter().flat_map(|value| value.split(','));
        let hops: Vec<&str> = hops.collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // A hop our proxy wrote but we cannot read: stop at the proxy.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`192.0.2.1:5060`, `[2001:db8::1]:5060`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<std::net::SocketAddr>()
        .ok()
        .map(|addr| canonical(addr.ip()))
}

/// IPv4 clients reaching a dual-stack socket appear as `::ffff:a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address for this request (`None` only without a TCP peer,
/// as in unit tests of handlers).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Some(proxies) = req.app_data::<actix_web::web::Data<TrustedProxies>>() else {
        return Some(canonical(peer));
    };
    let values: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(proxies.client(peer, &values))
}

/// The client's address as text, "" when unknown.
pub fn client_text(req: &HttpRequest) -> String {
    client_ip(req).map(|ip| ip.to_string()).unwrap_or_default()
}

/// What one client is for throttling: an IPv4 address, or the /64 an IPv6
/// address is in (one subscriber usually holds a whole /64).
pub fn throttle_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = ipnet::Ipv6Net::new(v6, 64).map(|n| n.trunc());
            net.map_or_else(|_| v6.to_string(), |n| n.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // Not a proxy: whatever it claims, the peer is the client.
        assert_eq!(
            proxies.client(ip("198.51.100.9"), &["203.0.113.5"]),
            ip("198.51.100.9")
        );
        // Through our proxy: the address it saw.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["203.0.113.5"]),
            ip("203.0.113.5")
        );
        // A client that writes its own header before our proxies appends:
        // the rightmost address that is not ours.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["1.1.1.1, 203.0.113.5, 192.0.2.7"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &["1.1.1.1", "203.0.113.5:4444"]),
            ip("203.0.113.5")
        );
        // Garbage from the proxy, or no header: the proxy itself.
        assert_eq!(proxies.client(ip("10.1.2.3"), &["unknown"]), ip("10.1.2.3"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert_eq!(
            proxies.client(ip("::ffff:10.1.2.3"), &["[2001:db8::1]:5060"]),
            ip("2001:db8::1")
        );
        assert!(
            TrustedProxies::default()
                .client(ip("10.1.2.3"), &["203.0.113.5"])
                .is_ipv4()
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse("10.0.0.0/8,proxy.local").unwrap_err();
        assert!(err.contains("\"proxy.local\""), "{err}");
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }

    #[test]
    fn ipv6_clients_are_throttled_by_their_64() {
        assert_eq!(throttle_key(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(throttle_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            throttle_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_ne!(
            throttle_key(ip("2001:db8:1:2::1")),
            throttle_key(ip("2001:db8:1:3::1"))
        );
    }
}
