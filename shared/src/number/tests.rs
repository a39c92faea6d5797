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
fn derives_e164_when_it_can() {
    let n = |s: &str, c: Option<&str>| PhoneNumber::parse(s).unwrap().e164(c);
    assert_eq!(n("+1 415 555 1234", None).as_deref(), Some("+14155551234"));
    assert_eq!(n("09123456789", None), None);
    assert_eq!(
        n("091234 56789", Some("in")).as_deref(),
        Some("+919123456789")
    );
    assert_eq!(
        n("020 7946 0018", Some("GB")).as_deref(),
        Some("+442079460018")
    );
    assert_eq!(n("12345", Some("US")), None, "invalid for the region");
    assert_eq!(
        n("4155551234", Some("United States")),
        None,
        "a region is an alpha-2 code; the API maps names to one"
    );
}

#[test]
fn line_key_prefers_the_e164_digits() {
    let local = PhoneNumber::parse("080 1234 5678").unwrap();
    assert_eq!(local.line_key(Some("+918012345678")), "918012345678");
    assert_eq!(local.line_key(None), "08012345678");
}

#[test]
fn number_formats_round_trip_and_have_labels() {
    for f in NumberFormat::ALL {
        assert_eq!(NumberFormat::parse(f.as_str()), Ok(f));
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, format!("\"{}\"", f.as_str()));
        assert_eq!(serde_json::from_str::<NumberFormat>(&json).unwrap(), f);
    }
    assert_eq!(NumberFormat::parse(""), Ok(NumberFormat::E164));
    assert_eq!(NumberFormat::default(), NumberFormat::E164);
    assert!(NumberFormat::parse("national").is_err());
    assert_eq!(
        NumberFormat::ALL.map(NumberFormat::label),
        ["+E.164", "E.164 without +", "As typed"]
    );
}

#[test]
fn the_called_number_takes_the_carriers_form() {
    let local = PhoneNumber::parse("080-1234.5678").unwrap();
    let intl = PhoneNumber::parse("+91 80 1234 5678").unwrap();
    let e164 = Some("+918012345678");
    let f = |f: NumberFormat, n: &PhoneNumber, e: Option<&str>| f.called_number(n, e);
    assert_eq!(f(NumberFormat::E164, &local, e164), "+918012345678");
    assert_eq!(f(NumberFormat::E164NoPlus, &local, e164), "918012345678");
    assert_eq!(f(NumberFormat::AsTyped, &local, e164), "08012345678");
    assert_eq!(f(NumberFormat::AsTyped, &intl, e164), "+918012345678");
    assert_eq!(f(NumberFormat::E164NoPlus, &intl, e164), "918012345678");
    // Without an E.164 form: the typed digits, with + if typed.
    for format in NumberFormat::ALL {
        assert_eq!(format.called_number(&local, None), "08012345678");
    }
    assert_eq!(caller_id(&local, e164), "+918012345678");
    assert_eq!(caller_id(&local, None), "08012345678");
    assert_eq!(caller_id(&intl, None), "+918012345678");
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

#[test]
fn numbers_typed_too_long_are_refused() {
    let padded = format!("+1 {}", "4-".repeat(15));
    assert!(padded.chars().count() > TYPED_MAX);
    assert_eq!(
        PhoneNumber::parse(&padded).unwrap_err(),
        "Phone Number must be at most 32 characters."
    );
}
