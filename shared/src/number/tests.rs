use proptest::prelude::*;

use super::*;

#[test]
fn digit_count_edges() {
    assert!(
        PhoneNumber::parse("1234")
            .unwrap_err()
            .contains("5–20 digits")
    );
    assert_eq!(PhoneNumber::parse("12345").unwrap().digits(), "12345");
    assert!(PhoneNumber::parse(&"1".repeat(20)).is_ok());
    assert!(
        PhoneNumber::parse(&"1".repeat(21))
            .unwrap_err()
            .contains("(it has 21)")
    );
}

#[test]
fn formats_the_spec_allows() {
    let n = PhoneNumber::parse(" +1 415-555.1234 ").unwrap();
    assert_eq!(n.entered(), "+1 415-555.1234");
    assert_eq!(n.digits(), "14155551234");
    assert!(n.is_international());
    let local = PhoneNumber::parse("09123456789").unwrap();
    assert!(!local.is_international());
}

#[test]
fn other_characters_are_rejected() {
    for bad in [
        "(415) 555-1234",
        "+1 415 555 1234 ext 2",
        "1+4155551234",
        "++14155551234",
        "415/5551234",
    ] {
        assert!(
            PhoneNumber::parse(bad).unwrap_err().contains("only digits"),
            "{bad}"
        );
    }
    assert_eq!(
        PhoneNumber::parse("  ").unwrap_err(),
        "Phone Number is required."
    );
}

#[test]
fn match_key_ignores_plus_and_separators() {
    assert_eq!(
        PhoneNumber::match_key("+14155551234"),
        PhoneNumber::match_key("14155551234")
    );
}

#[cfg(feature = "e164")]
#[test]
fn normalises_to_e164_when_it_can() {
    let n = |s: &str, c: Option<&str>| PhoneNumber::parse(s).unwrap().normalized(c);
    assert_eq!(n("+1 415 555 1234", None), "+14155551234");
    assert_eq!(n("09123456789", None), "09123456789");
    assert_eq!(n("091234 56789", Some("in")), "+919123456789");
    assert_eq!(
        n(
            "(0)20 7946 0018".replace(['(', ')'], "").as_str(),
            Some("GB")
        ),
        "+442079460018"
    );
    assert_eq!(
        n("12345", Some("US")),
        "12345",
        "invalid for the region: keep the digits"
    );
    assert_eq!(
        n("4155551234", Some("United States")),
        "4155551234",
        "not a code: keep the digits"
    );
}

#[test]
fn labels_are_optional_and_bounded() {
    assert_eq!(NumberLabel::parse_optional(Some("  ")).unwrap(), None);
    assert_eq!(
        NumberLabel::parse_optional(Some(" Sales line "))
            .unwrap()
            .unwrap()
            .as_str(),
        "Sales line"
    );
    assert!(NumberLabel::parse_optional(Some(&"l".repeat(LABEL_MAX + 1))).is_err());
}

#[test]
fn direction_defaults_to_both() {
    assert_eq!(Direction::default(), Direction::Both);
    assert!(Direction::Both.is_inbound() && Direction::Both.is_outbound());
    assert!(Direction::Inbound.is_inbound() && !Direction::Inbound.is_outbound());
    assert!(!Direction::Outbound.is_inbound() && Direction::Outbound.is_outbound());
    assert!(
        Direction::parse("sideways")
            .unwrap_err()
            .contains("both, inbound or outbound")
    );
}

proptest! {
    #[test]
    fn digits_decide_validity(digits in "[0-9]{1,30}", plus: bool) {
        let text = if plus { format!("+{digits}") } else { digits.clone() };
        prop_assert_eq!(PhoneNumber::parse(&text).is_ok(), (5..=20).contains(&digits.len()));
    }
}
