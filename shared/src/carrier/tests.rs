use proptest::prelude::*;

use super::*;

fn raw(n: f64) -> RawNumber {
    RawNumber::Number(n)
}

#[test]
fn name_is_trimmed_and_required() {
    assert_eq!(
        CarrierName::parse("  Primary trunk — IN ")
            .unwrap()
            .as_str(),
        "Primary trunk — IN"
    );
    assert_eq!(CarrierName::parse("   ").unwrap_err(), "Name is required.");
    assert!(CarrierName::parse(&"x".repeat(NAME_MAX)).is_ok());
    assert!(
        CarrierName::parse(&"x".repeat(NAME_MAX + 1))
            .unwrap_err()
            .contains("at most 100")
    );
    assert!(CarrierName::parse("a\u{0}b").is_err());
}

#[test]
fn sip_address_accepts_hosts_ips_and_ports() {
    for ok in [
        "sip.example.com",
        "sip.example.com:5060",
        "203.0.113.10:5062",
        "203.0.113.10",
        "[::1]:5060",
        "[2001:db8::1]",
        "2001:db8::1",
        "host:1",
        "host:65535",
        "Trunk-1.Example.COM",
        "sip.example.com.",
    ] {
        assert!(SipAddress::parse(ok).is_ok(), "{ok} should be accepted");
    }
    let a = SipAddress::parse(" [::1]:5060 ").unwrap();
    assert_eq!(a.as_str(), "[::1]:5060");
    assert_eq!(a.port(), Some(5060));
    assert_eq!(a.host(), &SipHost::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(
        SipAddress::parse("Sip.Example.com").unwrap().host(),
        &SipHost::Name("sip.example.com".into())
    );
}

#[test]
fn sip_address_rejects_with_specific_messages() {
    let err = |s: &str| SipAddress::parse(s).unwrap_err();
    assert_eq!(err(""), "SIP Address is required.");
    assert!(err("sip:host").contains("without a scheme"));
    assert!(err("SIPS:host").contains("without a scheme"));
    assert!(err("udp://host").contains("without a scheme"));
    assert_eq!(err("sip example.com"), "SIP Address cannot contain spaces.");
    assert!(err("user@host").contains("\"@\""));
    assert!(err("host;transport=tcp").contains(";transport="));
    assert_eq!(err("host:0"), "Port must be a number from 1 to 65535.");
    assert_eq!(err("host:65536"), "Port must be a number from 1 to 65535.");
    assert_eq!(err("host:"), "Port must be a number from 1 to 65535.");
    assert_eq!(err("host:50a"), "Port must be a number from 1 to 65535.");
    assert!(err("203.0.113.999").contains("not a valid IPv4"));
    assert!(err("[::1").contains("closing"));
    assert!(err("[zz::1]:5060").contains("not a valid IPv6"));
    assert!(err("::1:5060:x").contains("brackets"));
    assert!(err("ho_st.example").contains("not a valid host name"));
    assert!(err("-host.example").contains("not a valid host name"));
    assert!(err("a..b").contains("not a valid host name"));
    assert!(err(":5060").contains("optional :port"));
    assert!(err("[::1]5060").contains("optional :port"));
}

#[test]
fn transport_defaults_to_auto() {
    assert_eq!(Transport::default(), Transport::Auto);
    assert_eq!(Transport::parse("TLS").unwrap(), Transport::Tls);
    assert_eq!(Transport::parse("").unwrap(), Transport::Auto);
    assert!(
        Transport::parse("sctp")
            .unwrap_err()
            .contains("auto, udp, tcp or tls")
    );
}

#[test]
fn optional_text_blank_is_none() {
    assert_eq!(parse_destination_country(Some("  ")).unwrap(), None);
    assert_eq!(
        parse_destination_country(Some(" IN ")).unwrap().as_deref(),
        Some("IN")
    );
    assert_eq!(parse_username(None).unwrap(), None);
    assert!(parse_username(Some(&"u".repeat(TEXT_MAX + 1))).is_err());
}

#[test]
fn password_is_redacted_in_debug() {
    let p = SipPassword::parse("s3cret pass").unwrap();
    assert_eq!(p.expose(), "s3cret pass");
    assert!(!format!("{p:?}").contains("s3cret"));
    assert!(SipPassword::parse("").is_err());
}

#[test]
fn allowed_ips_take_addresses_and_cidrs() {
    let ips = parse_allowed_ips(&["192.0.2.10", "203.0.113.0/24", "2001:db8::/32", "::1"]).unwrap();
    let shown: Vec<String> = ips.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["192.0.2.10", "203.0.113.0/24", "2001:db8::/32", "::1"]
    );
    assert!(
        parse_allowed_ips(&["192.0.2.10", "192.0.2.10/32"])
            .unwrap_err()
            .contains("more than once")
    );
    assert!(
        parse_allowed_ips(&["10.0.0.300"])
            .unwrap_err()
            .contains("not an IP address or CIDR")
    );
    assert!(parse_allowed_ips(&["192.0.2.10/33"]).is_err());
    assert!(
        parse_allowed_ips(&["203.0.113.5/24"])
            .unwrap_err()
            .contains("did you mean 203.0.113.0/24")
    );
    assert!(parse_allowed_ips(&[""]).is_err());
    let many: Vec<String> = (0..=ALLOWED_IPS_MAX)
        .map(|i| format!("10.0.{}.{}", i / 250, i % 250))
        .collect();
    assert!(parse_allowed_ips(&many).unwrap_err().contains("at most"));
}

#[test]
fn inbound_auth_default_and_rule() {
    assert_eq!(
        InboundAuth::default_for(true, false),
        InboundAuth::IpAllowlist
    );
    assert_eq!(InboundAuth::default_for(true, true), InboundAuth::Digest);
    assert_eq!(InboundAuth::default_for(false, false), InboundAuth::Digest);
    assert!(check_inbound_auth(InboundAuth::IpAllowlist, 0).is_err());
    assert!(check_inbound_auth(InboundAuth::IpAllowlist, 1).is_ok());
    assert!(check_inbound_auth(InboundAuth::Digest, 0).is_ok());
    assert!(InboundAuth::parse("password").is_err());
}

#[test]
fn cps_edges() {
    assert!(Cps::parse(&raw(0.09)).is_err());
    assert_eq!(Cps::parse(&raw(0.1)).unwrap().get(), 0.1);
    assert_eq!(Cps::parse(&raw(100.0)).unwrap().get(), 100.0);
    assert_eq!(
        Cps::parse(&raw(100.01)).unwrap_err(),
        "Outbound CPS must be a number from 0.1 to 100."
    );
    // The API's contract is a JSON number: text, even numeric, is refused
    // with the field's message (the form sends numbers as numbers).
    assert!(Cps::parse(&RawNumber::Text(" 2.5 ".into())).is_err());
    assert!(Cps::parse(&RawNumber::Text("fast".into())).is_err());
    assert!(Cps::parse(&RawNumber::Text("NaN".into())).is_err());
    assert_eq!(Cps::DEFAULT.get(), 1.0);
}

#[test]
fn burst_and_channels_edges() {
    assert!(Burst::parse(&raw(0.0)).is_err());
    assert_eq!(Burst::parse(&raw(1.0)).unwrap().get(), 1);
    assert_eq!(Burst::parse(&raw(1000.0)).unwrap().get(), 1000);
    assert_eq!(
        Burst::parse(&raw(1001.0)).unwrap_err(),
        "Outbound Burst must be a whole number from 1 to 1000."
    );
    assert!(Burst::parse(&raw(2.5)).is_err());
    assert!(Channels::parse(&raw(0.0)).is_err());
    assert_eq!(Channels::parse(&raw(500.0)).unwrap().get(), 500);
    assert_eq!(
        Channels::parse(&raw(501.0)).unwrap_err(),
        "Outbound Channels must be a whole number from 1 to 500."
    );
    assert!(Channels::parse(&RawNumber::Text("30".into())).is_err());
    assert_eq!(Burst::DEFAULT.get(), 1);
}

#[test]
fn pacing_format_matches_the_list() {
    assert_eq!(format_pacing(1.0, 1), "1/s · burst 1");
    assert_eq!(format_pacing(2.5, 10), "2.5/s · burst 10");
}

proptest! {
    #[test]
    fn any_unicast_ipv4_with_valid_port_is_accepted(a in 1u8..224, b: u8, c: u8, d: u8, port in 1u16..) {
        prop_assume!(!(a == 169 && b == 254));
        let text = format!("{a}.{b}.{c}.{d}:{port}");
        let parsed = SipAddress::parse(&text).unwrap();
        prop_assert_eq!(parsed.port(), Some(port));
        prop_assert_eq!(parsed.as_str(), text.as_str());
    }

    #[test]
    fn sip_address_never_accepts_spaces_or_at(s in "[a-z0-9.]{1,20}[ @;][a-z0-9.]{1,20}") {
        prop_assert!(SipAddress::parse(&s).is_err());
    }

    #[test]
    fn any_ip_parses_and_round_trips(ip: std::net::IpAddr) {
        let parsed = AllowedIp::parse(&ip.to_string()).unwrap();
        prop_assert_eq!(parsed.to_string(), ip.to_string());
    }

    #[test]
    fn cps_accepts_exactly_its_range(n in -1000.0f64..1000.0) {
        prop_assert_eq!(Cps::parse(&RawNumber::Number(n)).is_ok(), (0.1..=100.0).contains(&n));
    }
}

#[test]
fn allowlists_that_admit_almost_anyone_are_refused() {
    for wide in ["0.0.0.0/0", "::/0", "10.0.0.0/7", "2001::/31"] {
        let err = AllowedIp::parse(wide).unwrap_err();
        assert!(err.contains("too wide"), "{wide}: {err}");
    }
    for narrow in ["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"] {
        assert!(AllowedIp::parse(narrow).is_ok(), "{narrow}");
    }
}

#[test]
fn sip_addresses_no_carrier_can_be_at_are_refused() {
    for inside in [
        "0.0.0.0",
        "169.254.10.1:5060",
        "224.0.0.1",
        "255.255.255.255",
        "[::]:5060",
        "[fe80::1]:5060",
        "ff02::1",
    ] {
        let err = SipAddress::parse(inside).unwrap_err();
        assert!(err.contains("no carrier can be reached"), "{inside}: {err}");
    }
    let long = format!("{}.example", "a".repeat(60)).repeat(5);
    assert!(
        SipAddress::parse(&long)
            .unwrap_err()
            .contains("at most 255")
    );
    // Loopback parses (a local SIP server in development), and the API's rule names it.
    for local in ["127.0.0.1:5060", "localhost", "[::1]:5061", "pbx.localhost"] {
        let address = SipAddress::parse(local).unwrap();
        assert!(address.is_loopback(), "{local}");
        assert!(check_not_loopback(&address, false).is_err());
        assert!(check_not_loopback(&address, true).is_ok());
    }
    let private = SipAddress::parse("10.1.2.3:5060").unwrap();
    assert!(private.is_private() && !private.is_loopback());
    assert!(SipAddress::parse("100.64.0.9").unwrap().is_private());
    assert!(SipAddress::parse("[fd00::5]:5060").unwrap().is_private());
    assert!(!SipAddress::parse("sip.example.com").unwrap().is_private());
}

#[test]
fn names_with_hidden_characters_are_refused() {
    let err = CarrierName::parse("Acme\u{202E}NI").unwrap_err();
    assert!(err.contains("U+202E"), "{err}");
    assert!(CarrierName::parse("zero\u{200B}width").is_err());
}

#[test]
fn open_inbound_trunks() {
    assert!(inbound_open(1, false, 0));
    assert!(
        !inbound_open(0, false, 0),
        "no inbound numbers: no inbound trunk"
    );
    assert!(!inbound_open(1, true, 0));
    assert!(!inbound_open(1, false, 1));
}
