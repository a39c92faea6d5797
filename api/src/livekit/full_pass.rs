//! The periodic full comparison of LiveKit with the database: deletes
//! objects tagged as ours that the database does not know (orphans), and
//! marks carriers dirty whose objects are missing or differ from the plan.
//! One failed delete does not stop the pass; it is counted and retried by
//! the next one.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use uuid::Uuid;

use super::client::LiveKitError;
use super::plan::{parse_owner, same_rule, same_trunk};
use super::reconciler::Reconciler;
use super::types::{
    ListSipDispatchRuleRequest, ListSipInboundTrunkRequest, ListSipOutboundTrunkRequest,
    SipDispatchRuleInfo, SipInboundTrunkInfo, SipOutboundTrunkInfo,
};
use crate::db::carriers;
use crate::db::sync;

/// Carriers compared with LiveKit at once (each comparison reads the database).
const COMPARE_CONCURRENCY: usize = 8;

/// Why a full comparison with LiveKit stopped.
#[derive(Debug, thiserror::Error)]
pub enum FullPassError {
    #[error(transparent)]
    LiveKit(#[from] LiveKitError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("another replica took over the full pass")]
    LeaseLost,
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FullPassReport {
    pub orphans_deleted: usize,
    pub failed_deletes: usize,
    pub first_error: Option<String>,
    pub drifted: usize,
}

impl Reconciler {
    #[tracing::instrument(skip(self))]
    pub async fn full_pass(&self) -> Result<FullPassReport, FullPassError> {
        let lk = &self.client;
        let outbound = lk
            .list_outbound_trunks(&ListSipOutboundTrunkRequest::default())
            .await?;
        let inbound = lk
            .list_inbound_trunks(&ListSipInboundTrunkRequest::default())
            .await?;
        let rules = lk
            .list_dispatch_rules(&ListSipDispatchRuleRequest::default())
            .await?;
        let known = sync::all_remote_ids(&self.db).await?;
        let tombstoned: HashSet<String> =
            sync::tombstoned_ids(&self.db).await?.into_iter().collect();

        let mut recorded: HashSet<&str> = HashSet::new();
        let mut busy: HashSet<Uuid> = HashSet::new();
        for c in &known {
            recorded.extend(c.outbound.as_deref());
            recorded.extend(c.inbound.as_deref());
            recorded.extend(c.rules.iter().map(|(_, r)| r.as_str()));
            if c.leased {
                busy.insert(c.carrier_id);
            }
        }
        let is_orphan = |id: &str, metadata: &str| {
            parse_owner(metadata)
                .filter(|o| o.installation == self.installation)
                .is_some_and(|owner| {
                    !recorded.contains(id)
                        && !tombstoned.contains(id)
                        && !busy.contains(&owner.carrier_id)
                })
        };
        let mut report = FullPassReport::default();
        let mut outcome = |result: Result<(), LiveKitError>, id: &str| match result {
            Ok(()) => report.orphans_deleted += 1,
            Err(e) => {
                tracing::warn!(error = %e, remote = id, "could not delete an orphan");
                report.failed_deletes += 1;
                report.first_error.get_or_insert_with(|| e.to_string());
            }
        };
        // Rules first: they may name an orphan trunk.
        for r in rules
            .iter()
            .filter(|r| is_orphan(&r.sip_dispatch_rule_id, &r.metadata))
        {
            outcome(
                lk.delete_dispatch_rule(&r.sip_dispatch_rule_id).await,
                &r.sip_dispatch_rule_id,
            );
        }
        let trunks = outbound
            .iter()
            .map(|t| (&t.sip_trunk_id, &t.metadata))
            .chain(inbound.iter().map(|t| (&t.sip_trunk_id, &t.metadata)));
        for (id, _) in trunks.filter(|(id, m)| is_orphan(id, m)) {
            outcome(lk.delete_trunk(id).await, id);
        }

        let held = Held {
            outbound: outbound
                .iter()
                .map(|t| (t.sip_trunk_id.as_str(), t))
                .collect(),
            inbound: inbound
                .iter()
                .map(|t| (t.sip_trunk_id.as_str(), t))
                .collect(),
            rules: rules
                .iter()
                .map(|r| (r.sip_dispatch_rule_id.as_str(), r))
                .collect(),
        };
        // Each check is a few reads: run several at once, so a pass over
        // 10,000 carriers is not 30,000 round trips in a row.
        let mut due = known
            .iter()
            .filter(|c| !c.leased)
            .collect::<Vec<_>>()
            .into_iter();
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < COMPARE_CONCURRENCY {
                let Some(c) = due.next() else { break };
                running.push(self.drifted(c, &held));
            }
            match running.next().await {
                Some(drifted) => report.drifted += usize::from(drifted?),
                None => break,
            }
        }
        tracing::info!(
            orphans = report.orphans_deleted,
            failed = report.failed_deletes,
            drifted = report.drifted,
            "full LiveKit comparison done"
        );
        Ok(report)
    }

    /// Whether LiveKit's objects for this carrier differ from its plan; a
    /// carrier that differs is marked to sync again.
    async fn drifted(&self, c: &sync::RemoteIds, held: &Held<'_>) -> sqlx::Result<bool> {
        let Some(record) = carriers::get(&self.db, c.carrier_id).await? else {
            return Ok(false);
        };
        if record.config_rev > record.synced_rev {
            return Ok(false); // a sync is due anyway
        }
        let numbers = sync::numbers(&self.db, c.carrier_id).await?;
        let Ok(desired) = self.desired(&record, &numbers) else {
            return Ok(false);
        };
        let outbound_ok = match (&desired.outbound, c.outbound.as_deref()) {
            (Some(want), Some(id)) => held
                .outbound
                .get(id)
                .is_some_and(|have| same_trunk(want, *have)),
            (None, None) => true,
            _ => false,
        };
        let inbound_ok = match (&desired.inbound, c.inbound.as_deref()) {
            (Some(want), Some(id)) => held
                .inbound
                .get(id)
                .is_some_and(|have| same_trunk(want, *have)),
            (None, None) => true,
            _ => false,
        };
        let rules_ok = desired.dispatch_rules.len() == c.rules.len()
            && desired.dispatch_rules.iter().all(|want| {
                let rule_id = numbers
                    .iter()
                    .find(|n| n.id == want.number_id)
                    .and_then(|n| n.lk_dispatch_rule_id.as_deref());
                match (rule_id, c.inbound.as_deref()) {
                    (Some(id), Some(trunk)) => held
                        .rules
                        .get(id)
                        .is_some_and(|have| same_rule(&want.bind(trunk), have)),
                    _ => false,
                }
            });
        if outbound_ok && inbound_ok && rules_ok {
            return Ok(false);
        }
        sync::mark_dirty(&self.db, c.carrier_id).await?;
        Ok(true)
    }
}

/// What LiveKit holds, by id, for one pass.
struct Held<'a> {
    outbound: HashMap<&'a str, &'a SipOutboundTrunkInfo>,
    inbound: HashMap<&'a str, &'a SipInboundTrunkInfo>,
    rules: HashMap<&'a str, &'a SipDispatchRuleInfo>,
}
