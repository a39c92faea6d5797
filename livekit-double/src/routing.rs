//! How LiveKit routes an inbound call to a trunk and a dispatch rule
//! (`MatchTrunkIter`, then `MatchDispatchRuleIter`, in livekit/protocol
//! `sip/sip.go`; see `shared/docs/livekit-sip.md` section 2), so tests can
//! check that the numbers a client stored would really route a call.
//!
//! * Trunk: an inbound trunk whose `numbers` hold the called number, compared
//!   **after normalising both** ([`normalize_number`]); failing that, a trunk
//!   with no `numbers` (a wildcard). Two matches of the same kind are a
//!   conflict: LiveKit rejects the call.
//! * Rule: among rules whose `trunk_ids` hold that trunk, else among rules
//!   with no `trunk_ids` (they apply to every trunk), one whose `numbers` are
//!   empty or contain the called number **exactly** (no normalising). Two
//!   candidate rules without a pin are a conflict.
//!
//! The call is taken to come from an allowed address and an allowed caller:
//! only the called number is matched.

use crate::proto::{SipDispatchRuleInfo, SipInboundTrunkInfo};
use crate::service::normalize_number;

/// Where LiveKit sends an inbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedCall {
    /// The matched inbound trunk; `None` when no trunk matched (LiveKit then
    /// still applies rules without `trunk_ids`).
    pub trunk_id: Option<String>,
    pub rule_id: String,
    /// The first agent the rule dispatches, or "" when it dispatches none.
    pub agent_name: String,
}

/// `MatchTrunkIter`: the trunk for `called`, `Ok(None)` when none matches,
/// `Err` when the match is ambiguous.
pub fn match_trunk<'a>(
    trunks: impl IntoIterator<Item = &'a SipInboundTrunkInfo>,
    called: &str,
) -> Result<Option<&'a SipInboundTrunkInfo>, String> {
    let called_norm = normalize_number(called);
    let (mut selected, mut wildcard) = (Vec::new(), Vec::new());
    for t in trunks {
        if t.numbers.is_empty() {
            wildcard.push(t);
        } else if t
            .numbers
            .iter()
            .any(|n| n == called || normalize_number(n) == called_norm)
        {
            selected.push(t);
        }
    }
    let chosen = if selected.is_empty() {
        wildcard
    } else {
        selected
    };
    match chosen.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(format!(
            "Multiple SIP Trunks matched for {called:?}: {}",
            many.iter()
                .map(|t| t.sip_trunk_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `MatchDispatchRuleIter`: the rule for a call to `called` on `trunk_id`,
/// `Ok(None)` when none matches, `Err` when two rules without a pin match.
pub fn match_rule<'a>(
    rules: impl IntoIterator<Item = &'a SipDispatchRuleInfo>,
    trunk_id: Option<&str>,
    called: &str,
) -> Result<Option<&'a SipDispatchRuleInfo>, String> {
    let (mut specific, mut default) = (Vec::new(), Vec::new());
    for r in rules {
        if !r.numbers.is_empty() && !r.numbers.iter().any(|n| n == called) {
            continue;
        }
        if r.trunk_ids.is_empty() {
            default.push(r);
        } else if trunk_id.is_some_and(|t| r.trunk_ids.iter().any(|id| id == t)) {
            specific.push(r);
        }
    }
    let chosen = if specific.is_empty() {
        default
    } else {
        specific
    };
    let no_pin: Vec<_> = chosen
        .iter()
        .filter(|r| {
            r.rule
                .as_ref()
                .and_then(|k| k.pin())
                .is_none_or(str::is_empty)
        })
        .collect();
    match no_pin.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(**one)),
        many => Err(format!(
            "Conflicting SIP Dispatch Rules matched for {called:?}: {}",
            many.iter()
                .map(|r| r.sip_dispatch_rule_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Routes a call to `called` through `trunks` and `rules` as LiveKit does;
/// `None` when LiveKit would reject it (no rule, or an ambiguous match).
pub fn route_call<'a>(
    trunks: impl IntoIterator<Item = &'a SipInboundTrunkInfo>,
    rules: impl IntoIterator<Item = &'a SipDispatchRuleInfo>,
    called: &str,
) -> Option<RoutedCall> {
    let trunk = match_trunk(trunks, called).ok()?;
    let trunk_id = trunk.map(|t| t.sip_trunk_id.clone());
    let rule = match_rule(rules, trunk_id.as_deref(), called).ok()??;
    Some(RoutedCall {
        trunk_id,
        rule_id: rule.sip_dispatch_rule_id.clone(),
        agent_name: rule
            .room_config
            .as_ref()
            .and_then(|c| c.agents.first())
            .map(|a| a.agent_name.clone())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{
        RoomAgentDispatch, RoomConfiguration, SipDispatchRule, SipDispatchRuleIndividual,
    };

    fn trunk(id: &str, numbers: &[&str]) -> SipInboundTrunkInfo {
        SipInboundTrunkInfo {
            sip_trunk_id: id.into(),
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            ..Default::default()
        }
    }

    fn rule(id: &str, trunks: &[&str], numbers: &[&str], agent: &str) -> SipDispatchRuleInfo {
        SipDispatchRuleInfo {
            sip_dispatch_rule_id: id.into(),
            rule: Some(SipDispatchRule {
                dispatch_rule_individual: Some(SipDispatchRuleIndividual {
                    room_prefix: "call-".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            trunk_ids: trunks.iter().map(|t| (*t).to_owned()).collect(),
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            room_config: Some(RoomConfiguration {
                agents: vec![RoomAgentDispatch {
                    agent_name: agent.into(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn routed(trunk: Option<&str>, rule: &str, agent: &str) -> Option<RoutedCall> {
        Some(RoutedCall {
            trunk_id: trunk.map(str::to_owned),
            rule_id: rule.into(),
            agent_name: agent.into(),
        })
    }

    #[test]
    fn trunks_match_after_normalising_rules_only_exactly() {
        let trunks = [trunk("ST_a", &["+14155550100"])];
        let rules = [rule("SDR_a", &["ST_a"], &["+14155550100"], "bot")];
        assert_eq!(
            route_call(&trunks, &rules, "+14155550100"),
            routed(Some("ST_a"), "SDR_a", "bot")
        );
        // The trunk still matches "14155550100" (normalised), the rule does not.
        assert_eq!(
            match_trunk(&trunks, "14155550100")
                .unwrap()
                .map(|t| t.sip_trunk_id.as_str()),
            Some("ST_a")
        );
        assert_eq!(route_call(&trunks, &rules, "14155550100"), None);
        assert_eq!(route_call(&trunks, &rules, "+1 415 555 0100"), None);

        let trunks = [trunk("ST_b", &["14155550100"])];
        let rules = [rule("SDR_b", &["ST_b"], &["14155550100"], "bot")];
        assert_eq!(
            route_call(&trunks, &rules, "14155550100"),
            routed(Some("ST_b"), "SDR_b", "bot")
        );
        assert_eq!(route_call(&trunks, &rules, "+14155550100"), None);
    }

    #[test]
    fn rules_without_trunks_apply_to_all_but_yield_to_specific_ones() {
        let trunks = [trunk("ST_a", &["+100001"]), trunk("ST_b", &["+100002"])];
        let rules = [
            rule("SDR_any", &[], &[], "fallback"),
            rule("SDR_a", &["ST_a"], &["+100001"], "a"),
        ];
        assert_eq!(
            route_call(&trunks, &rules, "+100001"),
            routed(Some("ST_a"), "SDR_a", "a")
        );
        assert_eq!(
            route_call(&trunks, &rules, "+100002"),
            routed(Some("ST_b"), "SDR_any", "fallback")
        );
        // No trunk at all: rules without trunk_ids still apply.
        assert_eq!(
            route_call(&trunks, &rules, "+199999"),
            routed(None, "SDR_any", "fallback")
        );
        // A rule bound to another trunk never matches.
        let rules = [rule("SDR_a", &["ST_a"], &[], "a")];
        assert_eq!(route_call(&trunks, &rules, "+100002"), None);
    }

    #[test]
    fn a_wildcard_trunk_takes_what_no_numbered_trunk_takes() {
        let trunks = [trunk("ST_any", &[]), trunk("ST_a", &["+100001"])];
        let rules = [
            rule("SDR_any", &["ST_any"], &[], "any"),
            rule("SDR_a", &["ST_a"], &[], "a"),
        ];
        assert_eq!(
            route_call(&trunks, &rules, "100001"),
            routed(Some("ST_a"), "SDR_a", "a")
        );
        assert_eq!(
            route_call(&trunks, &rules, "+100009"),
            routed(Some("ST_any"), "SDR_any", "any")
        );
    }

    #[test]
    fn ambiguous_matches_are_rejected() {
        let trunks = [trunk("ST_a", &["+100001"]), trunk("ST_b", &["100001"])];
        assert!(match_trunk(&trunks, "+100001").is_err());
        assert_eq!(route_call(&trunks, &[], "+100001"), None);
        let trunks = [trunk("ST_a", &["+100001"])];
        let rules = [
            rule("SDR_1", &["ST_a"], &[], "one"),
            rule("SDR_2", &["ST_a"], &["+100001"], "two"),
        ];
        assert!(match_rule(&rules, Some("ST_a"), "+100001").is_err());
        assert_eq!(route_call(&trunks, &rules, "+100001"), None);
        // Only rule 1 matches a number rule 2 does not list.
        assert_eq!(
            match_rule(&rules, Some("ST_a"), "100001")
                .unwrap()
                .map(|r| r.sip_dispatch_rule_id.as_str()),
            Some("SDR_1")
        );
    }
}
