//! "What LiveKit holds" for one carrier: its objects read live from LiveKit
//! and compared with the plan, for the detail page's panel. Read-only: a
//! difference is repaired by "Sync to LiveKit".

use std::collections::BTreeMap;

use ori_shared::livekit::LiveKitComparison;
use time::OffsetDateTime;
use uuid::Uuid;

use super::client::LiveKitError;
use super::compare::object;
use super::plan::parse_owner;
use super::reconciler::{Reconciler, SyncError};
use super::types::{
    ListSipDispatchRuleRequest, ListSipInboundTrunkRequest, ListSipOutboundTrunkRequest,
    SipDispatchRuleInfo,
};
use crate::db::{carriers, sync};

/// Why the comparison could not be made. The text is for the admin.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("no carrier with this id")]
    NotFound,
    #[error("LiveKit could not be read, so nothing is compared: {0}")]
    LiveKit(#[from] LiveKitError),
    /// The carrier cannot be planned (e.g. an allowlist with no address).
    #[error("What LiveKit should hold cannot be worked out: {0}")]
    Plan(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl Reconciler {
    /// Reads the carrier's objects from LiveKit and compares them with its plan.
    ///
    /// LiveKit is asked only for the objects the console recorded and the rules
    /// bound to its inbound trunk; a rule is shown as unwanted only when its
    /// metadata says it is this carrier's (a rule someone else made is theirs).
    pub async fn inspect(&self, id: Uuid) -> Result<LiveKitComparison, InspectError> {
        let record = carriers::get(&self.db, id)
            .await?
            .ok_or(InspectError::NotFound)?;
        let numbers = sync::numbers(&self.db, id).await?;
        let desired = self.desired(&record, &numbers).map_err(|e| match e {
            SyncError::Db(e) => InspectError::Db(e),
            other => InspectError::Plan(other.to_string()),
        })?;
        let lk = &self.client;

        let outbound = match &record.lk_outbound_trunk_id {
            Some(trunk) => lk
                .list_outbound_trunks(&ListSipOutboundTrunkRequest {
                    trunk_ids: vec![trunk.clone()],
                    ..Default::default()
                })
                .await?
                .into_iter()
                .find(|t| &t.sip_trunk_id == trunk),
            None => None,
        };
        let inbound = match &record.lk_inbound_trunk_id {
            Some(trunk) => lk
                .list_inbound_trunks(&ListSipInboundTrunkRequest {
                    trunk_ids: vec![trunk.clone()],
                    ..Default::default()
                })
                .await?
                .into_iter()
                .find(|t| &t.sip_trunk_id == trunk),
            None => None,
        };

        // The recorded rules, and any rule bound to the inbound trunk.
        let recorded: Vec<String> = numbers
            .iter()
            .filter_map(|n| n.lk_dispatch_rule_id.clone())
            .collect();
        let mut held: BTreeMap<String, SipDispatchRuleInfo> = BTreeMap::new();
        if !recorded.is_empty() {
            let request = ListSipDispatchRuleRequest {
                dispatch_rule_ids: recorded.clone(),
                ..Default::default()
            };
            for rule in lk.list_dispatch_rules(&request).await? {
                held.insert(rule.sip_dispatch_rule_id.clone(), rule);
            }
        }
        if let Some(trunk) = &record.lk_inbound_trunk_id {
            let request = ListSipDispatchRuleRequest {
                trunk_ids: vec![trunk.clone()],
                ..Default::default()
            };
            let ours = |r: &SipDispatchRuleInfo| {
                parse_owner(&r.metadata)
                    .is_some_and(|o| o.installation == self.installation && o.carrier_id == id)
            };
            for rule in lk.list_dispatch_rules(&request).await? {
                if recorded.contains(&rule.sip_dispatch_rule_id) || ours(&rule) {
                    held.insert(rule.sip_dispatch_rule_id.clone(), rule);
                }
            }
        }

        let mut objects = Vec::new();
        if desired.outbound.is_some() || outbound.is_some() {
            let label = "Outbound trunk".to_owned();
            objects.push(object(label, desired.outbound.as_ref(), outbound.as_ref()));
        }
        if desired.inbound.is_some() || inbound.is_some() {
            let label = "Inbound trunk".to_owned();
            objects.push(object(label, desired.inbound.as_ref(), inbound.as_ref()));
        }
        let bound_to = record.lk_inbound_trunk_id.as_deref().unwrap_or_default();
        for want in &desired.dispatch_rules {
            let rule_id = numbers
                .iter()
                .find(|n| n.id == want.number_id)
                .and_then(|n| n.lk_dispatch_rule_id.as_deref());
            let have = rule_id.and_then(|r| held.remove(r));
            let label = format!("Dispatch rule for {}", want.number());
            objects.push(object(label, Some(&want.bind(bound_to)), have.as_ref()));
        }
        // Whatever is left is held for this carrier and not wanted.
        for rule in held.into_values() {
            let number = rule.numbers.first().cloned().unwrap_or_default();
            let label = format!("Dispatch rule for {number}");
            objects.push(object(label, None, Some(&rule)));
        }
        let in_sync = objects
            .iter()
            .all(|o| o.state == ori_shared::livekit::ObjectState::Matches);
        Ok(LiveKitComparison {
            read_at: OffsetDateTime::now_utc(),
            in_sync,
            objects,
        })
    }
}
