use super::*;

fn create(json: &str) -> CarrierCreate {
    serde_json::from_str(json).unwrap()
}

#[test]
fn create_applies_the_spec_defaults() {
    let c = create(r#"{"name":"A","sip_address":"sip.a.example"}"#)
        .validate()
        .unwrap();
    assert_eq!(c.transport, Transport::Auto);
    assert_eq!(c.cps.get(), 1.0);
    assert_eq!(c.burst.get(), 1);
    assert_eq!(c.channels.get(), 30);
    assert_eq!(c.inbound_auth, InboundAuth::Digest);
    assert_eq!(c.password, PasswordChange::Clear);
}

#[test]
fn allowlist_without_password_defaults_to_ip_allowlist() {
    let c = create(r#"{"name":"A","sip_address":"h","allowed_ips":["192.0.2.10"]}"#)
        .validate()
        .unwrap();
    assert_eq!(c.inbound_auth, InboundAuth::IpAllowlist);
    let c = create(r#"{"name":"A","sip_address":"h","allowed_ips":["192.0.2.10"],"password":"p"}"#)
        .validate()
        .unwrap();
    assert_eq!(c.inbound_auth, InboundAuth::Digest);
}

#[test]
fn every_bad_field_is_reported() {
    let errors = create(
        r#"{"name":" ","sip_address":"sip:x","transport":"sctp","allowed_ips":["x"],
            "inbound_auth":"magic","outbound_cps":0,"outbound_burst":"many","outbound_channels":501}"#,
    )
    .validate()
    .unwrap_err();
    for field in [
        "name",
        "sip_address",
        "transport",
        "allowed_ips",
        "inbound_auth",
        "outbound_cps",
        "outbound_burst",
        "outbound_channels",
    ] {
        assert!(
            errors.get(field).is_some(),
            "{field} should have an error: {errors:?}"
        );
    }
}

#[test]
fn ip_allowlist_needs_an_ip() {
    let errors = create(r#"{"name":"A","sip_address":"h","inbound_auth":"ip_allowlist"}"#)
        .validate()
        .unwrap_err();
    assert!(
        errors
            .get("allowed_ips")
            .unwrap()
            .contains("at least one allowed IP")
    );
}

#[test]
fn unknown_fields_are_refused() {
    assert!(serde_json::from_str::<CarrierCreate>(r#"{"name":"A","pasword":"x"}"#).is_err());
}

fn current() -> CarrierCurrent {
    CarrierCurrent {
        name: "A".into(),
        sip_address: "h".into(),
        transport: Transport::Tcp,
        destination_country: Some("IN".into()),
        number_format: NumberFormat::E164NoPlus,
        username: Some("u".into()),
        has_password: true,
        allowed_ips: vec!["192.0.2.10".into()],
        inbound_auth: InboundAuth::IpAllowlist,
        cps: 2.5,
        burst: 3,
        channels: 40,
        monitor_reachability: false,
    }
}

fn patch(json: &str) -> CarrierPatch {
    serde_json::from_str(json).unwrap()
}

#[test]
fn empty_patch_keeps_everything() {
    let c = patch("{}").apply(&current()).unwrap();
    assert_eq!(c.password, PasswordChange::Keep);
    assert_eq!(c.transport, Transport::Tcp);
    assert_eq!(c.destination_country.as_deref(), Some("IN"));
    assert_eq!((c.cps.get(), c.burst.get(), c.channels.get()), (2.5, 3, 40));
    assert_eq!(c.inbound_auth, InboundAuth::IpAllowlist);
    assert_eq!(c.number_format, NumberFormat::E164NoPlus);
}

#[test]
fn number_format_defaults_on_create_and_is_checked() {
    assert_eq!(
        create(r#"{"name":"A","sip_address":"h"}"#)
            .validate()
            .unwrap()
            .number_format,
        NumberFormat::E164
    );
    assert_eq!(
        create(r#"{"name":"A","sip_address":"h","number_format":"as_typed"}"#)
            .validate()
            .unwrap()
            .number_format,
        NumberFormat::AsTyped
    );
    let errors = create(r#"{"name":"A","sip_address":"h","number_format":"local"}"#)
        .validate()
        .unwrap_err();
    assert!(errors.get("number_format").is_some());
    assert_eq!(
        patch(r#"{"number_format":"e164"}"#)
            .apply(&current())
            .unwrap()
            .number_format,
        NumberFormat::E164
    );
}

#[test]
fn blank_password_keeps_and_clear_password_clears() {
    assert_eq!(
        patch(r#"{"password":""}"#)
            .apply(&current())
            .unwrap()
            .password,
        PasswordChange::Keep
    );
    assert_eq!(
        patch(r#"{"clear_password":true, "username": null}"#)
            .apply(&current())
            .unwrap()
            .password,
        PasswordChange::Clear
    );
    // Clearing the password of a carrier that keeps its username: refused.
    let errors = patch(r#"{"clear_password":true}"#)
        .apply(&current())
        .unwrap_err();
    assert!(errors.get("password").is_some());
    let no_password = CarrierCurrent {
        has_password: false,
        username: None,
        ..current()
    };
    assert_eq!(
        patch("{}").apply(&no_password).unwrap().password,
        PasswordChange::Clear
    );
    assert!(
        patch(r#"{"clear_password":true,"password":"x"}"#)
            .apply(&current())
            .is_err()
    );
}

#[test]
fn null_clears_optional_text() {
    let c = patch(r#"{"destination_country":null,"username":""}"#)
        .apply(&current())
        .unwrap();
    assert_eq!(c.destination_country, None);
    assert_eq!(c.username, None);
}

#[test]
fn emptying_the_allowlist_of_an_ip_allowlist_carrier_fails() {
    let errors = patch(r#"{"allowed_ips":[]}"#)
        .apply(&current())
        .unwrap_err();
    assert!(errors.get("allowed_ips").is_some());
    assert!(
        patch(r#"{"allowed_ips":[],"inbound_auth":"digest"}"#)
            .apply(&current())
            .is_ok()
    );
}

#[test]
fn number_create_defaults_and_drops_bot_for_outbound() {
    let bot = uuid::Uuid::nil();
    let n: NumberCreate =
        serde_json::from_value(serde_json::json!({"number": "+14155551234", "bot_id": bot}))
            .unwrap();
    let n = n.validate().unwrap();
    assert_eq!(n.direction, Direction::Both);
    assert_eq!(n.bot_id, Some(bot));
    let out: NumberCreate = serde_json::from_value(
        serde_json::json!({"number": "+14155551234", "direction": "outbound", "bot_id": bot}),
    )
    .unwrap();
    assert_eq!(out.validate().unwrap().bot_id, None);
}

#[test]
fn number_cannot_change() {
    let current = NumberCreate {
        number: "+1 415 555 1234".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let same: NumberPatch =
        serde_json::from_str(r#"{"number":"+1 415 555 1234","label":"Sales"}"#).unwrap();
    assert_eq!(
        same.apply(&current).unwrap().label.unwrap().as_str(),
        "Sales"
    );
    let other: NumberPatch = serde_json::from_str(r#"{"number":"+14155550000"}"#).unwrap();
    assert!(
        other
            .apply(&current)
            .unwrap_err()
            .get("number")
            .unwrap()
            .contains("remove it and add the correct one")
    );
}

#[test]
fn number_patch_null_clears_bot_and_label() {
    let current = NumberCreate {
        number: "12345".into(),
        label: Some("L".into()),
        bot_id: Some(uuid::Uuid::nil()),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let p: NumberPatch = serde_json::from_str(r#"{"label":null,"bot_id":null}"#).unwrap();
    let n = p.apply(&current).unwrap();
    assert_eq!((n.label, n.bot_id), (None, None));
    let keep: NumberPatch = serde_json::from_str("{}").unwrap();
    assert_eq!(keep.apply(&current).unwrap(), current);
}

#[test]
fn a_mistyped_password_is_not_echoed() {
    let err =
        serde_json::from_str::<CarrierCreate>(r#"{"name":"A","password":987654321}"#).unwrap_err();
    assert!(!err.to_string().contains("987654321"), "{err}");
    let ok = serde_json::from_str::<CarrierCreate>(r#"{"password":null}"#).unwrap();
    assert_eq!(ok.password, None);
}

#[test]
fn a_username_needs_its_password() {
    let create: CarrierCreate = serde_json::from_str(
        r#"{"name": "A", "sip_address": "sip.example.com", "username": "trunk"}"#,
    )
    .unwrap();
    let errors = create.validate().unwrap_err();
    assert_eq!(
        errors.get("password"),
        Some("A username needs its password: enter the password, or clear the username.")
    );
}
