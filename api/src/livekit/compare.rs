//! LiveKit's objects beside the plan, field by field: pure code, no I/O.
//!
//! This is the one home of "which fields of an object are ours": the sync's
//! "does it need an update?" ([`super::plan::same_trunk`], [`super::plan::same_rule`])
//! and the detail page's "What LiveKit holds" both read it.

use ori_shared::livekit::{
    FieldComparison, HIDDEN_SECRET, ObjectComparison, ObjectKind, ObjectState,
};

use super::types::{AuthPassword, SipDispatchRuleInfo, SipInboundTrunkInfo, SipOutboundTrunkInfo};

/// A LiveKit object kind whose planned fields can be listed.
pub trait Fields {
    const KIND: ObjectKind;

    /// Every field the planner sets, the console's value (`want`) beside
    /// LiveKit's (`have`); either side may be absent.
    fn fields(want: Option<&Self>, have: Option<&Self>) -> Vec<FieldComparison>;

    /// LiveKit's id of the object.
    fn livekit_id(&self) -> &str;
}

/// Whether every planned field of `have` is as `want` has it.
pub fn same<T: Fields>(want: &T, have: &T) -> bool {
    T::fields(Some(want), Some(have)).iter().all(|f| f.matches)
}

/// One object: `want` is the plan's, `have` LiveKit's (both `None` is never asked).
pub fn object<T: Fields>(label: String, want: Option<&T>, have: Option<&T>) -> ObjectComparison {
    let fields = T::fields(want, have);
    let state = match (want, have) {
        (Some(_), None) => ObjectState::Missing,
        (None, _) => ObjectState::Unwanted,
        (Some(_), Some(_)) if fields.iter().all(|f| f.matches) => ObjectState::Matches,
        (Some(_), Some(_)) => ObjectState::Differs,
    };
    ObjectComparison {
        kind: T::KIND,
        label,
        livekit_id: have.map(|h| h.livekit_id().to_owned()),
        state,
        fields,
    }
}

/// Builds one object's field list from accessors that give a field's values.
struct Builder<'a, T> {
    want: Option<&'a T>,
    have: Option<&'a T>,
    fields: Vec<FieldComparison>,
}

impl<'a, T> Builder<'a, T> {
    fn new(want: Option<&'a T>, have: Option<&'a T>) -> Self {
        Self {
            want,
            have,
            fields: Vec::new(),
        }
    }

    /// A field of one text value; empty text is no value.
    fn text(self, field: &str, label: &str, get: impl Fn(&T) -> &str) -> Self {
        self.values(field, label, |t| {
            Some(get(t))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .into_iter()
                .collect()
        })
    }

    /// A list field, compared as a set.
    fn list(self, field: &str, label: &str, get: impl Fn(&T) -> &[String]) -> Self {
        self.values(field, label, |t| get(t).to_vec())
    }

    /// A secret: compared exactly, shown only as set or not.
    fn secret(mut self, field: &str, label: &str, get: impl Fn(&T) -> &AuthPassword) -> Self {
        let shown = |t: Option<&T>| -> Vec<String> {
            t.map(&get)
                .filter(|p| !p.is_empty())
                .map(|_| HIDDEN_SECRET.to_owned())
                .into_iter()
                .collect()
        };
        let matches = match (self.want, self.have) {
            (Some(w), Some(h)) => get(w) == get(h),
            _ => false,
        };
        self.fields.push(FieldComparison {
            field: field.to_owned(),
            label: label.to_owned(),
            wanted: shown(self.want),
            held: shown(self.have),
            matches,
        });
        self
    }

    fn values(mut self, field: &str, label: &str, get: impl Fn(&T) -> Vec<String>) -> Self {
        let sorted = |t: Option<&T>| {
            let mut values = t.map(&get).unwrap_or_default();
            values.sort_unstable();
            values
        };
        let (wanted, held) = (sorted(self.want), sorted(self.have));
        let matches = self.want.is_some() && self.have.is_some() && wanted == held;
        self.fields.push(FieldComparison {
            field: field.to_owned(),
            label: label.to_owned(),
            wanted,
            held,
            matches,
        });
        self
    }
}

impl Fields for SipOutboundTrunkInfo {
    const KIND: ObjectKind = ObjectKind::OutboundTrunk;

    fn fields(want: Option<&Self>, have: Option<&Self>) -> Vec<FieldComparison> {
        Builder::new(want, have)
            .text("name", "Name", |t| &t.name)
            .text("address", "Address", |t| &t.address)
            .text("transport", "Transport", |t| t.transport.as_str())
            .text("destination_country", "Destination country", |t| {
                &t.destination_country
            })
            .list("numbers", "Numbers (caller ids)", |t| &t.numbers)
            .text("auth_username", "Auth username", |t| &t.auth_username)
            .secret("auth_password", "Auth password", |t| &t.auth_password)
            .text("metadata", "Metadata", |t| &t.metadata)
            .fields
    }

    fn livekit_id(&self) -> &str {
        &self.sip_trunk_id
    }
}

impl Fields for SipInboundTrunkInfo {
    const KIND: ObjectKind = ObjectKind::InboundTrunk;

    fn fields(want: Option<&Self>, have: Option<&Self>) -> Vec<FieldComparison> {
        Builder::new(want, have)
            .text("name", "Name", |t| &t.name)
            .list("numbers", "Numbers (called)", |t| &t.numbers)
            .list("allowed_addresses", "Allowed addresses", |t| {
                &t.allowed_addresses
            })
            .text("auth_username", "Auth username", |t| &t.auth_username)
            .secret("auth_password", "Auth password", |t| &t.auth_password)
            .text("metadata", "Metadata", |t| &t.metadata)
            .fields
    }

    fn livekit_id(&self) -> &str {
        &self.sip_trunk_id
    }
}

/// The rule's kind and room prefix as people read them ("" when it has none).
fn rule_kind(rule: &SipDispatchRuleInfo) -> String {
    let Some(r) = rule.rule.as_ref() else {
        return String::new();
    };
    match (
        &r.dispatch_rule_individual,
        &r.dispatch_rule_direct,
        &r.dispatch_rule_callee,
    ) {
        (Some(i), None, None) => format!("individual room per call, prefix \"{}\"", i.room_prefix),
        (None, Some(_), None) => "direct to one room".into(),
        (None, None, Some(_)) => "room per callee".into(),
        _ => "several kinds at once".into(),
    }
}

/// A rule's PIN, only as set or not (LiveKit asks callers for it).
fn rule_pin(rule: &SipDispatchRuleInfo) -> AuthPassword {
    let pin = rule
        .rule
        .as_ref()
        .and_then(|r| r.dispatch_rule_individual.as_ref())
        .map_or("", |i| i.pin.as_str());
    AuthPassword::from(pin)
}

impl Fields for SipDispatchRuleInfo {
    const KIND: ObjectKind = ObjectKind::DispatchRule;

    fn fields(want: Option<&Self>, have: Option<&Self>) -> Vec<FieldComparison> {
        let pins = (want.map(rule_pin), have.map(rule_pin));
        let agents = |r: &Self| -> Vec<String> {
            r.room_config
                .as_ref()
                .map(|c| c.agents.iter().map(|a| a.agent_name.clone()).collect())
                .unwrap_or_default()
        };
        let mut builder = Builder::new(want, have)
            .text("name", "Name", |r| &r.name)
            .list("numbers", "Numbers (called)", |r| &r.numbers)
            .list("trunk_ids", "Trunks", |r| &r.trunk_ids)
            .values("rule", "Rule", |r| vec![rule_kind(r)])
            .values("agents", "Agents", agents)
            .text("metadata", "Metadata", |r| &r.metadata);
        // The PIN sits inside the rule; compare it as a secret of its own.
        let pin = Builder::new(pins.0.as_ref(), pins.1.as_ref()).secret("pin", "PIN", |p| p);
        builder.fields.extend(pin.fields);
        builder.fields
    }

    fn livekit_id(&self) -> &str {
        &self.sip_dispatch_rule_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::livekit::types::SipTransport;

    fn trunk() -> SipOutboundTrunkInfo {
        SipOutboundTrunkInfo {
            sip_trunk_id: "ST_1".into(),
            name: "Acme".into(),
            address: "sip.acme.example".into(),
            transport: SipTransport::Tcp,
            numbers: vec!["+2".into(), "+1".into()],
            auth_username: "u".into(),
            auth_password: AuthPassword::from("secret-one"),
            ..Default::default()
        }
    }

    #[test]
    fn equal_objects_match_and_lists_compare_in_any_order() {
        let want = trunk();
        let mut have = trunk();
        have.numbers.reverse();
        let o = object("Outbound trunk".into(), Some(&want), Some(&have));
        assert_eq!(o.state, ObjectState::Matches);
        assert_eq!(o.livekit_id.as_deref(), Some("ST_1"));
        assert!(same(&want, &have));
    }

    #[test]
    fn a_changed_field_is_named_and_a_password_never_shown() {
        let want = trunk();
        let mut have = trunk();
        have.address = "sip.other.example".into();
        have.auth_password = AuthPassword::from("secret-two");
        let o = object("Outbound trunk".into(), Some(&want), Some(&have));
        assert_eq!(o.state, ObjectState::Differs);
        let differing: Vec<&str> = o
            .fields
            .iter()
            .filter(|f| !f.matches)
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(differing, ["address", "auth_password"]);
        let text = serde_json::to_string(&o).expect("serializes");
        assert!(
            !text.contains("secret-one") && !text.contains("secret-two"),
            "{text}"
        );
        assert!(!same(&want, &have));
    }

    #[test]
    fn missing_and_unwanted_objects() {
        let t = trunk();
        let missing = object("Outbound trunk".into(), Some(&t), None);
        assert_eq!(missing.state, ObjectState::Missing);
        assert_eq!(missing.livekit_id, None);
        assert!(
            missing
                .fields
                .iter()
                .all(|f| !f.matches && f.held.is_empty())
        );
        let unwanted = object("Outbound trunk".into(), None, Some(&t));
        assert_eq!(unwanted.state, ObjectState::Unwanted);
    }
}
