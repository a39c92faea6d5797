use super::*;

const INSTALL: &str = "inst-1";

fn carrier_id() -> Uuid {
    Uuid::from_u128(0xc0ffee)
}

/// A number as typed; its E.164 form is known when typed with `+`.
fn num(n: u128, typed: &str, direction: Direction, agent: Option<&str>) -> NumberInput {
    let e164 = PhoneNumber::parse(typed)
        .ok()
        .filter(PhoneNumber::is_international)
        .map(|p| format!("+{}", p.digits()));
    num_e164(n, typed, e164.as_deref(), direction, agent)
}

fn num_e164(
    n: u128,
    typed: &str,
    e164: Option<&str>,
    direction: Direction,
    agent: Option<&str>,
) -> NumberInput {
    NumberInput {
        id: Uuid::from_u128(n),
        number: typed.into(),
        e164: e164.map(str::to_owned),
        direction,
        agent_name: agent.map(str::to_owned),
    }
}

struct Fixture {
    password: SecretString,
    allowed_ips: Vec<String>,
    numbers: Vec<NumberInput>,
    inbound_auth: InboundAuth,
    username: Option<&'static str>,
    with_password: bool,
    country: Option<&'static str>,
    format: NumberFormat,
}

impl Fixture {
    fn new(numbers: Vec<NumberInput>) -> Self {
        Self {
            password: SecretString::from("s3cret"),
            allowed_ips: vec!["203.0.113.0/24".into(), "192.0.2.10".into()],
            numbers,
            inbound_auth: InboundAuth::Digest,
            username: Some("lk-user"),
            with_password: true,
            country: Some("India"),
            format: NumberFormat::E164,
        }
    }

    fn input(&self) -> CarrierInput<'_> {
        CarrierInput {
            installation_id: INSTALL,
            carrier_id: carrier_id(),
            name: "Primary trunk",
            sip_address: "sip.example.com:5060",
            transport: Transport::Tcp,
            destination_country: self.country,
            number_format: self.format,
            username: self.username,
            password: self.with_password.then_some(&self.password),
            inbound_auth: self.inbound_auth,
            allowed_ips: &self.allowed_ips,
            numbers: &self.numbers,
        }
    }

    fn plan(&self) -> DesiredState {
        plan(&self.input()).unwrap()
    }
}

fn meta() -> String {
    owner_metadata_for(INSTALL, carrier_id())
}

#[test]
fn no_numbers_plans_nothing() {
    let state = Fixture::new(vec![]).plan();
    assert!(state.is_empty());
    assert_eq!(state, DesiredState::default());
}

#[test]
fn outbound_only_numbers_give_only_an_outbound_trunk() {
    let f = Fixture::new(vec![
        num(1, "+919876543210", Direction::Outbound, None),
        num(2, "+919876543211", Direction::Outbound, Some("ignored-bot")),
    ]);
    let state = f.plan();
    assert!(state.inbound.is_none());
    assert!(state.dispatch_rules.is_empty());
    let out = state.outbound.unwrap();
    assert_eq!(
        out,
        SipOutboundTrunkInfo {
            sip_trunk_id: String::new(),
            name: "Primary trunk (outbound)".into(),
            metadata: meta(),
            address: "sip.example.com:5060".into(),
            destination_country: "IN".into(),
            transport: SipTransport::Tcp,
            numbers: vec!["+919876543210".into(), "+919876543211".into()],
            auth_username: "lk-user".into(),
            auth_password: AuthPassword::from("s3cret"),
        }
    );
}

#[test]
fn inbound_only_numbers_give_an_inbound_trunk_and_rules() {
    let f = Fixture::new(vec![
        num(1, "+14155550101", Direction::Inbound, Some("sales-bot")),
        num(2, "+14155550102", Direction::Inbound, Some("support-bot")),
    ]);
    let state = f.plan();
    assert!(state.outbound.is_none());
    let inbound = state.inbound.unwrap();
    assert_eq!(inbound.name, "Primary trunk (inbound)");
    assert_eq!(inbound.metadata, meta());
    assert_eq!(inbound.numbers, ["+14155550101", "+14155550102"]);
    assert_eq!(state.dispatch_rules.len(), 2);

    let rule = &state.dispatch_rules[0];
    assert_eq!(rule.number_id, Uuid::from_u128(1));
    assert_eq!(rule.number(), "+14155550101");
    assert_eq!(rule.agent_name(), "sales-bot");
    let bound = rule.bind("ST_inbound");
    assert_eq!(
        bound,
        SipDispatchRuleInfo {
            rule: Some(SipDispatchRule {
                dispatch_rule_individual: Some(SipDispatchRuleIndividual {
                    room_prefix: "call-".into(),
                    pin: String::new(),
                }),
                ..Default::default()
            }),
            trunk_ids: vec!["ST_inbound".into()],
            numbers: vec!["+14155550101".into()],
            name: "Primary trunk: +14155550101".into(),
            metadata: meta(),
            room_config: Some(RoomConfiguration {
                agents: vec![RoomAgentDispatch {
                    agent_name: "sales-bot".into(),
                    metadata: String::new(),
                }],
            }),
            ..Default::default()
        }
    );
    assert_eq!(state.dispatch_rules[1].agent_name(), "support-bot");
    assert_eq!(state.dispatch_rules[1].bind("ST_inbound").metadata, meta());
}

#[test]
fn both_direction_numbers_go_on_both_trunks() {
    let f = Fixture::new(vec![
        num(1, "+14155550101", Direction::Both, Some("sales-bot")),
        num(2, "+14155550102", Direction::Outbound, None),
        num(3, "+14155550103", Direction::Inbound, None),
    ]);
    let state = f.plan();
    assert_eq!(
        state.outbound.unwrap().numbers,
        ["+14155550101", "+14155550102"]
    );
    assert_eq!(
        state.inbound.unwrap().numbers,
        ["+14155550101", "+14155550103"]
    );
    assert_eq!(state.dispatch_rules.len(), 1);
    assert_eq!(state.dispatch_rules[0].number_id, Uuid::from_u128(1));
}

#[test]
fn digest_mode_uses_the_outbound_credentials_and_any_allowlist() {
    let f = Fixture::new(vec![num(1, "+14155550101", Direction::Both, None)]);
    let inbound = f.plan().inbound.unwrap();
    assert_eq!(inbound.auth_username, "lk-user");
    assert_eq!(inbound.auth_password.expose(), "s3cret");
    assert_eq!(inbound.allowed_addresses, ["192.0.2.10", "203.0.113.0/24"]);
    assert!(inbound.allowed_numbers.is_empty());

    let mut no_ips = Fixture::new(vec![num(1, "+14155550101", Direction::Both, None)]);
    no_ips.allowed_ips.clear();
    let inbound = no_ips.plan().inbound.unwrap();
    assert!(inbound.allowed_addresses.is_empty());
    assert_eq!(inbound.auth_username, "lk-user");
}

#[test]
fn digest_mode_without_credentials_still_has_numbers() {
    let mut f = Fixture::new(vec![num(1, "+14155550101", Direction::Both, None)]);
    f.username = None;
    f.with_password = false;
    f.allowed_ips.clear();
    let state = f.plan();
    let inbound = state.inbound.unwrap();
    assert!(inbound.auth_username.is_empty());
    assert!(inbound.auth_password.is_empty());
    assert!(inbound.allowed_addresses.is_empty());
    assert!(!inbound.numbers.is_empty(), "LiveKit needs one of them");
    let out = state.outbound.unwrap();
    assert!(out.auth_username.is_empty());
    assert!(out.auth_password.is_empty());
    let json = serde_json::to_value(&out).unwrap();
    assert!(json.get("auth_username").is_none());
    assert!(json.get("auth_password").is_none());
}

#[test]
fn blank_username_is_no_username() {
    let mut f = Fixture::new(vec![num(1, "+14155550101", Direction::Both, None)]);
    f.username = Some("   ");
    let state = f.plan();
    assert!(state.outbound.unwrap().auth_username.is_empty());
    assert!(state.inbound.unwrap().auth_username.is_empty());
}

#[test]
fn ip_allowlist_mode_sends_addresses_and_no_credentials() {
    let mut f = Fixture::new(vec![num(1, "+14155550101", Direction::Both, Some("bot"))]);
    f.inbound_auth = InboundAuth::IpAllowlist;
    let state = f.plan();
    let inbound = state.inbound.unwrap();
    assert_eq!(inbound.allowed_addresses, ["192.0.2.10", "203.0.113.0/24"]);
    assert!(inbound.auth_username.is_empty());
    assert!(inbound.auth_password.is_empty());
    let json = serde_json::to_value(&inbound).unwrap();
    assert!(json.get("auth_username").is_none());
    assert!(json.get("auth_password").is_none());
    // Outbound keeps its credentials whatever the inbound mode.
    let out = state.outbound.unwrap();
    assert_eq!(out.auth_username, "lk-user");
    assert_eq!(out.auth_password.expose(), "s3cret");
}

#[test]
fn ip_allowlist_mode_with_no_ips_is_refused_not_opened() {
    let mut f = Fixture::new(vec![num(1, "+14155550101", Direction::Inbound, None)]);
    f.inbound_auth = InboundAuth::IpAllowlist;
    f.allowed_ips = vec!["  ".into()];
    let err = plan(&f.input()).unwrap_err();
    assert_eq!(err, PlanError::EmptyAllowlist);
    assert!(err.to_string().contains("IP allowlist"));

    // With outbound-only numbers there is no inbound trunk to protect.
    let mut out_only = Fixture::new(vec![num(1, "+14155550101", Direction::Outbound, None)]);
    out_only.inbound_auth = InboundAuth::IpAllowlist;
    out_only.allowed_ips.clear();
    assert!(out_only.plan().outbound.is_some());
}

#[test]
fn blank_address_is_an_error_only_when_an_outbound_trunk_is_needed() {
    let f = Fixture::new(vec![num(1, "+14155550101", Direction::Outbound, None)]);
    let mut input = f.input();
    input.sip_address = " ";
    assert_eq!(plan(&input), Err(PlanError::NoAddress));

    let g = Fixture::new(vec![num(1, "+14155550101", Direction::Inbound, None)]);
    let mut input = g.input();
    input.sip_address = "";
    assert!(plan(&input).unwrap().outbound.is_none());
}

#[test]
fn a_number_without_a_bot_or_with_a_deleted_bot_gets_no_rule() {
    let f = Fixture::new(vec![
        num(1, "+14155550101", Direction::Inbound, None),
        num(2, "+14155550102", Direction::Both, Some("  ")),
        num(3, "+14155550103", Direction::Both, Some("bot")),
    ]);
    let state = f.plan();
    assert_eq!(state.inbound.as_ref().unwrap().numbers.len(), 3);
    assert_eq!(state.dispatch_rules.len(), 1);
    assert_eq!(state.dispatch_rules[0].number_id, Uuid::from_u128(3));
}

#[test]
fn outbound_numbers_never_get_rules() {
    let f = Fixture::new(vec![num(
        1,
        "+14155550101",
        Direction::Outbound,
        Some("bot"),
    )]);
    assert!(f.plan().dispatch_rules.is_empty());
}

#[test]
fn duplicate_and_blank_numbers_are_dropped() {
    let f = Fixture::new(vec![
        num(1, "+14155550101", Direction::Both, Some("a")),
        num(2, "14155550101", Direction::Both, Some("b")),
        num(3, "  ", Direction::Both, Some("c")),
    ]);
    let state = f.plan();
    assert_eq!(state.outbound.unwrap().numbers, ["+14155550101"]);
    assert_eq!(state.inbound.unwrap().numbers, ["+14155550101"]);
    assert_eq!(state.dispatch_rules.len(), 1);
    assert_eq!(state.dispatch_rules[0].agent_name(), "a");
}

/// Local numbers of an India carrier, typed without `+`, in each mode: the
/// inbound trunk and the rules get the carrier's form, the outbound trunk E.164.
#[test]
fn inbound_numbers_take_the_form_the_carrier_sends() {
    for (format, called) in [
        (
            NumberFormat::E164,
            ["+918012345678", "+918012345679", "08012345670"],
        ),
        (
            NumberFormat::E164NoPlus,
            ["918012345678", "918012345679", "08012345670"],
        ),
        (
            NumberFormat::AsTyped,
            ["08012345678", "+918012345679", "08012345670"],
        ),
    ] {
        let mut f = Fixture::new(vec![
            num_e164(
                1,
                "080-1234 5678",
                Some("+918012345678"),
                Direction::Both,
                Some("a"),
            ),
            num_e164(
                2,
                "+91 80 1234 5679",
                Some("+918012345679"),
                Direction::Inbound,
                Some("b"),
            ),
            // No E.164 form could be derived: the typed digits in every mode.
            num_e164(3, "080.1234.5670", None, Direction::Both, Some("c")),
        ]);
        f.format = format;
        let state = f.plan();
        let mut want_trunk = called.to_vec();
        want_trunk.sort_unstable();
        assert_eq!(state.inbound.unwrap().numbers, want_trunk, "{format}");
        let rules: Vec<&str> = state
            .dispatch_rules
            .iter()
            .map(DesiredRule::number)
            .collect();
        assert_eq!(rules, called, "{format}");
        assert_eq!(
            state.dispatch_rules[0].bind("ST_x").numbers,
            [called[0]],
            "{format}"
        );
        assert_eq!(
            state.outbound.unwrap().numbers,
            ["+918012345678", "08012345670"],
            "{format}: the caller ids stay E.164"
        );
    }
}

/// (The API never stores one line twice; the planner still keeps LiveKit
/// free of two rules for numbers it would treat as one.)
#[test]
fn one_line_in_two_forms_gets_one_rule() {
    for format in [NumberFormat::E164, NumberFormat::E164NoPlus] {
        let mut f = Fixture::new(vec![
            num_e164(
                1,
                "08012345678",
                Some("+918012345678"),
                Direction::Both,
                Some("a"),
            ),
            num_e164(
                2,
                "+918012345678",
                Some("+918012345678"),
                Direction::Both,
                Some("b"),
            ),
        ]);
        f.format = format;
        let state = f.plan();
        assert_eq!(state.inbound.unwrap().numbers.len(), 1, "{format}");
        assert_eq!(state.dispatch_rules.len(), 1, "{format}");
        assert_eq!(state.dispatch_rules[0].agent_name(), "a");
    }
}

#[test]
fn only_blank_numbers_plan_nothing() {
    let f = Fixture::new(vec![num(1, "", Direction::Both, Some("a"))]);
    assert!(f.plan().is_empty());
}

#[test]
fn country_mapping() {
    for (text, code) in [
        (Some("IN"), "IN"),
        (Some("in"), "IN"),
        (Some("United States"), "US"),
        (Some("USA"), "US"),
        (Some("UK"), "GB"),
        (Some("Great Britain"), "GB"),
        (Some("GB"), "GB"),
        (Some("Europe"), ""),
        (Some("  "), ""),
        (None, ""),
    ] {
        let mut f = Fixture::new(vec![num(1, "+14155550101", Direction::Outbound, None)]);
        f.country = text;
        let out = f.plan().outbound.unwrap();
        assert_eq!(out.destination_country, code, "{text:?}");
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json.get("destination_country").is_some(), !code.is_empty());
    }
}

#[test]
fn transport_is_mapped() {
    for (t, lk) in [
        (Transport::Auto, SipTransport::Auto),
        (Transport::Udp, SipTransport::Udp),
        (Transport::Tcp, SipTransport::Tcp),
        (Transport::Tls, SipTransport::Tls),
    ] {
        let f = Fixture::new(vec![num(1, "+14155550101", Direction::Outbound, None)]);
        let mut input = f.input();
        input.transport = t;
        assert_eq!(plan(&input).unwrap().outbound.unwrap().transport, lk);
    }
}

#[test]
fn metadata_round_trips() {
    let text = owner_metadata_for("inst-1", carrier_id());
    assert_eq!(
        text,
        format!(
            r#"{{"ori":{{"installation":"inst-1","carrier":"{}"}}}}"#,
            carrier_id()
        )
    );
    assert_eq!(
        parse_owner(&text),
        Some(Owner {
            installation: "inst-1".into(),
            carrier_id: carrier_id(),
        })
    );
    // Tags written by earlier versions (with a number id) still parse.
    let old = format!(
        r#"{{"ori":{{"installation":"inst-1","carrier":"{}","number":"{}"}}}}"#,
        carrier_id(),
        Uuid::from_u128(42)
    );
    assert_eq!(parse_owner(&old).unwrap().carrier_id, carrier_id());
}

#[test]
fn foreign_metadata_is_not_ours() {
    for text in [
        "",
        "hello",
        "{}",
        r#"{"ori":{}}"#,
        r#"{"ori":{"installation":"","carrier":"00000000-0000-0000-0000-000000000001"}}"#,
        r#"{"ori":{"installation":"x","carrier":"not-a-uuid"}}"#,
        r#"{"other":{"installation":"x","carrier":"00000000-0000-0000-0000-000000000001"}}"#,
        "[1,2]",
    ] {
        assert_eq!(parse_owner(text), None, "{text}");
    }
    // Extra keys are tolerated, so a later version's tags still parse.
    let extra = r#"{"ori":{"installation":"x","carrier":"00000000-0000-0000-0000-000000000001","v":2},"mine":true}"#;
    assert_eq!(parse_owner(extra).unwrap().installation, "x");
}

#[test]
fn planned_objects_are_all_tagged_with_installation_and_carrier_only() {
    let f = Fixture::new(vec![num(7, "+14155550101", Direction::Both, Some("bot"))]);
    let state = f.plan();
    let expected = owner_metadata_for(INSTALL, carrier_id());
    assert_eq!(state.outbound.unwrap().metadata, expected);
    assert_eq!(state.inbound.unwrap().metadata, expected);
    // What an agent receives as its SIP participant's metadata: no number id.
    let rule = state.dispatch_rules[0].bind("ST_1");
    assert_eq!(rule.metadata, expected);
    assert!(!rule.metadata.contains(&Uuid::from_u128(7).to_string()));
}

fn full_state() -> DesiredState {
    Fixture::new(vec![
        num(1, "+14155550101", Direction::Both, Some("bot")),
        num(2, "+14155550102", Direction::Both, None),
    ])
    .plan()
}

#[test]
fn same_outbound_trunk_ignores_ids_order_and_unset_fields() {
    let desired = full_state().outbound.unwrap();
    // As LiveKit returns it: with an id, numbers reordered.
    let body = serde_json::json!({
        "sip_trunk_id": "ST_x",
        "name": desired.name,
        "metadata": desired.metadata,
        "address": desired.address,
        "destination_country": "IN",
        "transport": "SIP_TRANSPORT_TCP",
        "numbers": ["+14155550102", "+14155550101"],
        "auth_username": "lk-user",
        "auth_password": "s3cret",
        "headers": {"X-Other": "1"},
        "media_encryption": "SIP_MEDIA_ENCRYPT_DISABLE",
        "created_at": null
    });
    let remote: SipOutboundTrunkInfo = serde_json::from_value(body).unwrap();
    assert!(same_trunk(&desired, &remote));

    let changes: [fn(&mut SipOutboundTrunkInfo); 8] = [
        |t| t.name.push('x'),
        |t| t.metadata.clear(),
        |t| t.address = "other.example.com".into(),
        |t| t.destination_country = "US".into(),
        |t| t.transport = SipTransport::Udp,
        |t| t.numbers.pop().map_or((), drop),
        |t| t.auth_username.clear(),
        |t| t.auth_password = AuthPassword::from("changed"),
    ];
    for change in changes {
        let mut other = remote.clone();
        change(&mut other);
        assert!(!same_trunk(&desired, &other), "{other:?}");
    }
}

#[test]
fn same_inbound_trunk_compares_our_fields_only() {
    let desired = full_state().inbound.unwrap();
    let mut remote = desired.clone();
    remote.sip_trunk_id = "ST_in".into();
    remote.numbers.reverse();
    remote.allowed_addresses.reverse();
    assert!(same_trunk(&desired, &remote));

    let changes: [fn(&mut SipInboundTrunkInfo); 6] = [
        |t| t.name.clear(),
        |t| t.metadata.push(' '),
        |t| t.numbers.push("+100000".into()),
        |t| t.allowed_addresses.clear(),
        |t| t.auth_username = "other".into(),
        |t| t.auth_password = AuthPassword::default(),
    ];
    for change in changes {
        let mut other = remote.clone();
        change(&mut other);
        assert!(!same_trunk(&desired, &other), "{other:?}");
    }
}

#[test]
fn same_rule_compares_our_fields_only() {
    let desired = full_state().dispatch_rules[0].bind("ST_in");
    let body = serde_json::json!({
        "sip_dispatch_rule_id": "SDR_1",
        "rule": {"dispatch_rule_individual": {"room_prefix": "call-", "pin": "", "no_randomness": false}},
        "trunk_ids": ["ST_in"],
        "hide_phone_number": false,
        "inbound_numbers": [],
        "numbers": ["+14155550101"],
        "name": desired.name,
        "metadata": desired.metadata,
        "attributes": {},
        "room_config": {"name": "", "agents": [{"agent_name": "bot", "metadata": ""}]},
        "krisp_enabled": false
    });
    let remote: SipDispatchRuleInfo = serde_json::from_value(body).unwrap();
    assert!(same_rule(&desired, &remote));

    let changes: [fn(&mut SipDispatchRuleInfo); 10] = [
        |r| r.name.clear(),
        |r| r.metadata.clear(),
        |r| r.trunk_ids = vec!["ST_other".into()],
        |r| r.trunk_ids.clear(),
        |r| r.numbers = vec!["+14155550102".into()],
        |r| r.room_config = None,
        |r| r.room_config.as_mut().unwrap().agents[0].agent_name = "other".into(),
        |r| {
            r.rule
                .as_mut()
                .unwrap()
                .dispatch_rule_individual
                .as_mut()
                .unwrap()
                .room_prefix = "x-".into();
        },
        |r| {
            r.rule = Some(SipDispatchRule {
                dispatch_rule_direct: Some(serde_json::json!({"room_name": "r"})),
                ..Default::default()
            });
        },
        |r| r.rule = None,
    ];
    for change in changes {
        let mut other = remote.clone();
        change(&mut other);
        assert!(!same_rule(&desired, &other), "{other:?}");
    }
}

#[test]
fn bind_fills_only_the_trunk() {
    let rule = &full_state().dispatch_rules[0];
    let a = rule.bind("ST_a");
    let b = rule.bind("ST_b");
    assert_eq!(a.trunk_ids, ["ST_a"]);
    assert_eq!(b.trunk_ids, ["ST_b"]);
    assert!(!same_rule(&a, &b));
    assert_eq!(
        SipDispatchRuleInfo {
            trunk_ids: vec![],
            ..a
        },
        SipDispatchRuleInfo {
            trunk_ids: vec![],
            ..b
        }
    );
}

#[test]
fn plan_is_deterministic_whatever_the_input_order() {
    let numbers = vec![
        num(1, "+14155550103", Direction::Both, None),
        num(2, "+14155550101", Direction::Both, None),
        num(3, "+14155550102", Direction::Both, None),
    ];
    let mut reversed = numbers.clone();
    reversed.reverse();
    let a = Fixture::new(numbers).plan();
    let b = Fixture::new(reversed).plan();
    assert_eq!(a.outbound, b.outbound);
    assert_eq!(a.inbound, b.inbound);
}

#[test]
fn plan_debug_never_shows_the_password() {
    let f = Fixture::new(vec![num(1, "+14155550101", Direction::Both, Some("bot"))]);
    let text = format!("{:?} {:?}", f.plan(), f.input());
    assert!(!text.contains("s3cret"), "{text}");
}
