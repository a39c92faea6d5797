//! One carrier's sync: makes LiveKit hold exactly the planned objects,
//! sending only what differs from what was last sent.
//!
//! * **Diffs.** Each object's last-sent form is kept as a keyed fingerprint
//!   beside its id; an object whose planned form has the same fingerprint is
//!   not sent (a pacing edit sends nothing). The full pass compares with what
//!   LiveKit really holds and clears the fingerprints of drifted carriers.
//! * **Idempotent creates.** Before its first create, a sync notes that
//!   LiveKit may soon hold objects we have no id for; until a sync succeeds,
//!   every create first looks for an object tagged as ours for this carrier
//!   that we have no record of (a create whose answer was lost) and adopts
//!   it, so a retry neither duplicates nor conflicts. A carrier whose last
//!   sync succeeded creates without looking.
//! * **Fenced records.** Every id is written with the lease (see `db::sync`);
//!   a worker that lost its lease stops at its next record.
//! * **Moved numbers.** A number the database now gives to this carrier but
//!   that another of our trunks still holds is taken off that trunk first.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use futures_util::stream;
use ori_shared::number::PhoneNumber;
use serde::Serialize;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::client::LiveKitError;
use super::plan::{DesiredState, parse_owner, same_rule, same_trunk};
use super::reconciler::{Reconciler, SyncError};
use super::types::{
    ListSipDispatchRuleRequest, ListSipInboundTrunkRequest, ListSipOutboundTrunkRequest,
    SipDispatchRuleInfo, SipInboundTrunkInfo,
};
use crate::db::carriers::CarrierRecord;
use crate::db::sync::{self, DISPATCH_RULE, Lease, Recorded, SyncNumber, TRUNK, TrunkSlot};

/// Most dispatch-rule calls one carrier's sync has in flight.
const RULE_CONCURRENCY: usize = 8;

pub(super) struct CarrierSync<'a> {
    pub r: &'a Reconciler,
    pub lease: &'a Lease,
    pub record: &'a CarrierRecord,
    pub numbers: &'a [SyncNumber],
    pub desired: &'a DesiredState,
    /// Set once this sync has noted [`sync::mark_unconfirmed`].
    pub creating: OnceCell<()>,
}

impl CarrierSync<'_> {
    /// Whether an earlier attempt may have left objects we never recorded.
    fn may_have_lost_creates(&self) -> bool {
        self.record.lk_unconfirmed
    }

    /// Call before every create.
    async fn before_create(&self) -> Result<(), SyncError> {
        self.creating
            .get_or_try_init(|| async {
                if sync::mark_unconfirmed(&self.r.db, self.lease).await? {
                    Ok(())
                } else {
                    Err(SyncError::LeaseLost)
                }
            })
            .await
            .map(|_| ())
    }

    pub async fn run(&self) -> Result<(), SyncError> {
        self.delete_unwanted_rules().await?;
        self.outbound().await?;
        let inbound = self.inbound().await?;
        if let Some(trunk_id) = inbound {
            self.rules(&trunk_id).await?;
        }
        Ok(())
    }

    fn fingerprint(&self, value: &impl Serialize) -> String {
        // Our LiveKit types always serialise.
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.r.secrets.fingerprint(&bytes)
    }

    /// Whether `metadata` tags the object as this carrier's.
    fn is_mine(&self, metadata: &str) -> bool {
        parse_owner(metadata).is_some_and(|o| {
            o.installation == self.r.installation && o.carrier_id == self.record.id
        })
    }

    /// What a fenced write of a trunk id means for the sync.
    async fn record_trunk(
        &self,
        slot: TrunkSlot,
        trunk_id: Option<&str>,
        digest: Option<&str>,
        created: bool,
    ) -> Result<(), SyncError> {
        match sync::set_trunk(&self.r.db, self.lease, slot, trunk_id, digest).await? {
            Recorded::Yes => Ok(()),
            Recorded::LeaseLost => Err(SyncError::LeaseLost),
            Recorded::RowGone => {
                if let (true, Some(id)) = (created, trunk_id) {
                    // The carrier was deleted while we worked: undo what we made.
                    sync::tombstone_created(&self.r.db, TRUNK, id, self.record.id).await?;
                }
                Err(SyncError::Gone)
            }
        }
    }

    /// 1. Rules no longer wanted go first: they may point at a trunk that goes.
    async fn delete_unwanted_rules(&self) -> Result<(), SyncError> {
        let wanted: HashSet<Uuid> = self
            .desired
            .dispatch_rules
            .iter()
            .map(|r| r.number_id)
            .collect();
        let unwanted = self
            .numbers
            .iter()
            .filter(|n| !wanted.contains(&n.id))
            .filter_map(|n| n.lk_dispatch_rule_id.as_deref().map(|rule| (n.id, rule)));
        let deletes: Vec<_> = unwanted
            .map(|(number_id, rule_id)| self.delete_rule(number_id, rule_id))
            .collect();
        first_error(bounded(deletes, RULE_CONCURRENCY).await)
    }

    async fn delete_rule(&self, number_id: Uuid, rule_id: &str) -> Result<(), SyncError> {
        self.r.client.delete_dispatch_rule(rule_id).await?;
        match sync::set_rule(&self.r.db, self.lease, number_id, None, None).await? {
            Recorded::LeaseLost => Err(SyncError::LeaseLost),
            Recorded::Yes | Recorded::RowGone => Ok(()),
        }
    }

    /// 2a. The outbound trunk.
    async fn outbound(&self) -> Result<(), SyncError> {
        let lk = &self.r.client;
        let have = self.record.lk_outbound_trunk_id.as_deref();
        let Some(want) = &self.desired.outbound else {
            if let Some(id) = have {
                lk.delete_trunk(id).await?;
                self.record_trunk(TrunkSlot::Outbound, None, None, false)
                    .await?;
            }
            return Ok(());
        };
        let digest = self.fingerprint(want);
        if let Some(id) = have {
            if self.record.lk_outbound_digest.as_deref() == Some(digest.as_str()) {
                return Ok(());
            }
            match lk.update_outbound_trunk(id, want).await {
                Ok(_) => {
                    return self
                        .record_trunk(TrunkSlot::Outbound, Some(id), Some(&digest), false)
                        .await;
                }
                Err(e) if e.is_not_found() => {} // deleted behind our back: make it again
                Err(e) => return Err(e.into()),
            }
        }
        // Adopt an unrecorded trunk of ours (a create whose answer was lost).
        let listed = if self.may_have_lost_creates() {
            let filter = ListSipOutboundTrunkRequest {
                numbers: want.numbers.clone(),
                ..Default::default()
            };
            lk.list_outbound_trunks(&filter).await?
        } else {
            Vec::new()
        };
        let adopted = self
            .adopt_trunk(listed, |t| (&t.sip_trunk_id, &t.metadata))
            .await?;
        let (id, created) = match adopted {
            Some(keep) => {
                if !same_trunk(want, &keep) {
                    lk.update_outbound_trunk(&keep.sip_trunk_id, want).await?;
                }
                (keep.sip_trunk_id, false)
            }
            None => {
                self.before_create().await?;
                (lk.create_outbound_trunk(want).await?.sip_trunk_id, true)
            }
        };
        self.record_trunk(TrunkSlot::Outbound, Some(&id), Some(&digest), created)
            .await
    }

    /// 2b. The inbound trunk; its id, when the carrier has one now.
    async fn inbound(&self) -> Result<Option<String>, SyncError> {
        let lk = &self.r.client;
        let have = self.record.lk_inbound_trunk_id.as_deref();
        let Some(want) = &self.desired.inbound else {
            if let Some(id) = have {
                lk.delete_trunk(id).await?;
                self.record_trunk(TrunkSlot::Inbound, None, None, false)
                    .await?;
            }
            return Ok(None);
        };
        let digest = self.fingerprint(want);
        if let Some(id) = have {
            if self.record.lk_inbound_digest.as_deref() == Some(digest.as_str()) {
                return Ok(Some(id.to_owned()));
            }
            match self
                .with_numbers_released(want, Some(id), || lk.update_inbound_trunk(id, want))
                .await
            {
                Ok(_) => {
                    self.record_trunk(TrunkSlot::Inbound, Some(id), Some(&digest), false)
                        .await?;
                    return Ok(Some(id.to_owned()));
                }
                Err(SyncError::LiveKit(e)) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let listed = if self.may_have_lost_creates() {
            let filter = ListSipInboundTrunkRequest {
                numbers: want.numbers.clone(),
                ..Default::default()
            };
            lk.list_inbound_trunks(&filter).await?
        } else {
            Vec::new()
        };
        let adopted = self
            .adopt_trunk(listed, |t| (&t.sip_trunk_id, &t.metadata))
            .await?;
        let (id, created) = match adopted {
            Some(keep) => {
                if !same_trunk(want, &keep) {
                    let keep_id = keep.sip_trunk_id.as_str();
                    self.with_numbers_released(want, Some(keep_id), || {
                        lk.update_inbound_trunk(keep_id, want)
                    })
                    .await?;
                }
                (keep.sip_trunk_id, false)
            }
            None => {
                self.before_create().await?;
                let made = self
                    .with_numbers_released(want, None, || lk.create_inbound_trunk(want))
                    .await?;
                (made.sip_trunk_id, true)
            }
        };
        self.record_trunk(TrunkSlot::Inbound, Some(&id), Some(&digest), created)
            .await?;
        Ok(Some(id))
    }

    /// This carrier's trunk among `listed` that no record names (a create
    /// whose answer was lost): the first is kept, any others are deleted.
    async fn adopt_trunk<T>(
        &self,
        listed: Vec<T>,
        id_and_metadata: impl Fn(&T) -> (&String, &String),
    ) -> Result<Option<T>, SyncError> {
        let mut mine = listed
            .into_iter()
            .filter(|t| self.is_mine(id_and_metadata(t).1));
        let keep = mine.next();
        for duplicate in mine {
            self.r
                .client
                .delete_trunk(id_and_metadata(&duplicate).0)
                .await?;
        }
        Ok(keep)
    }

    /// Runs `write`; when LiveKit refuses it as a conflict, takes this
    /// carrier's numbers off our other trunks that still hold them (the
    /// database gives each number to one carrier) and tries once more.
    async fn with_numbers_released<F, Fut>(
        &self,
        want: &SipInboundTrunkInfo,
        own_id: Option<&str>,
        write: F,
    ) -> Result<SipInboundTrunkInfo, SyncError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<SipInboundTrunkInfo, LiveKitError>>,
    {
        match write().await {
            Err(e) if e.twirp_code() == Some("invalid_argument") => {
                if self.release_numbers(want, own_id).await? {
                    Ok(write().await?)
                } else {
                    Err(e.into())
                }
            }
            other => Ok(other?),
        }
    }

    /// Takes `want`'s numbers off other trunks of ours; `false` when no
    /// other trunk holds any. A trunk this console does not manage is not
    /// touched: the error names it.
    async fn release_numbers(
        &self,
        want: &SipInboundTrunkInfo,
        own_id: Option<&str>,
    ) -> Result<bool, SyncError> {
        let lk = &self.r.client;
        let keys: HashSet<String> = want
            .numbers
            .iter()
            .map(|n| PhoneNumber::match_key(n))
            .collect();
        let filter = ListSipInboundTrunkRequest {
            numbers: want.numbers.clone(),
            ..Default::default()
        };
        let mut released = false;
        for holder in lk.list_inbound_trunks(&filter).await? {
            if Some(holder.sip_trunk_id.as_str()) == own_id {
                continue;
            }
            if self.is_mine(&holder.metadata) {
                // An unrecorded duplicate of this carrier's own trunk.
                lk.delete_trunk(&holder.sip_trunk_id).await?;
                released = true;
                continue;
            }
            let shared: Vec<String> = holder
                .numbers
                .iter()
                .filter(|n| keys.contains(&PhoneNumber::match_key(n)))
                .cloned()
                .collect();
            let Some(number) = shared.first() else {
                continue;
            };
            let owner =
                parse_owner(&holder.metadata).filter(|o| o.installation == self.r.installation);
            let Some(owner) = owner else {
                return Err(SyncError::NumberHeld {
                    number: number.clone(),
                    holder: format!("\"{}\" ({})", holder.name, holder.sip_trunk_id),
                    ours: false,
                });
            };
            let result = if shared.len() == holder.numbers.len() {
                // Nothing would be left on it, and a trunk without numbers
                // takes calls to any number: delete it instead. Its carrier's
                // next sync finds it gone and carries on.
                lk.delete_trunk(&holder.sip_trunk_id).await
            } else {
                lk.remove_inbound_numbers(&holder.sip_trunk_id, shared.clone())
                    .await
                    .map(|_| ())
            };
            if let Err(e) = result {
                let name = sync::carrier_name(&self.r.db, owner.carrier_id).await?;
                tracing::warn!(error = %e, trunk = %holder.sip_trunk_id, "could not release a moved number");
                return Err(SyncError::NumberHeld {
                    number: number.clone(),
                    holder: format!(
                        "carrier \"{}\"'s inbound trunk ({}), and taking it off failed: {e}",
                        name.as_deref().unwrap_or("(deleted)"),
                        holder.sip_trunk_id
                    ),
                    ours: true,
                });
            }
            tracing::info!(trunk = %holder.sip_trunk_id, numbers = ?shared, "released numbers moved to this carrier");
            released = true;
        }
        Ok(released)
    }

    /// 3. One dispatch rule per inbound number with a bot, on the inbound trunk.
    async fn rules(&self, trunk_id: &str) -> Result<(), SyncError> {
        let by_id: HashMap<Uuid, &SyncNumber> = self.numbers.iter().map(|n| (n.id, n)).collect();
        let mut jobs: Vec<(&SyncNumber, SipDispatchRuleInfo, String)> = Vec::new();
        for rule in &self.desired.dispatch_rules {
            let Some(number) = by_id.get(&rule.number_id) else {
                continue;
            };
            let bound = rule.bind(trunk_id);
            let digest = self.fingerprint(&bound);
            if number.lk_dispatch_rule_id.is_some()
                && number.lk_rule_digest.as_deref() == Some(digest.as_str())
            {
                continue;
            }
            jobs.push((number, bound, digest));
        }
        if jobs.is_empty() {
            return Ok(());
        }
        let adoptable = if self.may_have_lost_creates()
            && jobs.iter().any(|(n, ..)| n.lk_dispatch_rule_id.is_none())
        {
            self.adoptable_rules(trunk_id).await?
        } else {
            Vec::new()
        };
        let writes: Vec<_> = jobs
            .iter()
            .map(|(number, bound, digest)| self.rule(number, bound, digest, &adoptable))
            .collect();
        first_error(bounded(writes, RULE_CONCURRENCY).await)
    }

    /// Our rules on this trunk that no number records: lost creates.
    async fn adoptable_rules(&self, trunk_id: &str) -> Result<Vec<SipDispatchRuleInfo>, SyncError> {
        let recorded: HashSet<&str> = self
            .numbers
            .iter()
            .filter_map(|n| n.lk_dispatch_rule_id.as_deref())
            .collect();
        let filter = ListSipDispatchRuleRequest {
            trunk_ids: vec![trunk_id.to_owned()],
            ..Default::default()
        };
        Ok(self
            .r
            .client
            .list_dispatch_rules(&filter)
            .await?
            .into_iter()
            .filter(|r| self.is_mine(&r.metadata))
            .filter(|r| !recorded.contains(r.sip_dispatch_rule_id.as_str()))
            .collect())
    }

    async fn rule(
        &self,
        number: &SyncNumber,
        bound: &SipDispatchRuleInfo,
        digest: &str,
        adoptable: &[SipDispatchRuleInfo],
    ) -> Result<(), SyncError> {
        let lk = &self.r.client;
        let mut id = None;
        if let Some(existing) = &number.lk_dispatch_rule_id {
            match lk.update_dispatch_rule(existing, bound).await {
                Ok(_) => id = Some((existing.clone(), false)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        if id.is_none() {
            let lost = adoptable
                .iter()
                .find(|r| r.numbers == bound.numbers && r.trunk_ids == bound.trunk_ids);
            id = Some(match lost {
                Some(rule) => {
                    if !same_rule(bound, rule) {
                        lk.update_dispatch_rule(&rule.sip_dispatch_rule_id, bound)
                            .await?;
                    }
                    (rule.sip_dispatch_rule_id.clone(), false)
                }
                None => {
                    self.before_create().await?;
                    (
                        lk.create_dispatch_rule(bound).await?.sip_dispatch_rule_id,
                        true,
                    )
                }
            });
        }
        let Some((rule_id, created)) = id else {
            return Ok(());
        };
        match sync::set_rule(
            &self.r.db,
            self.lease,
            number.id,
            Some(&rule_id),
            Some(digest),
        )
        .await?
        {
            Recorded::Yes => Ok(()),
            Recorded::LeaseLost => Err(SyncError::LeaseLost),
            Recorded::RowGone => {
                if created {
                    // The number was deleted while we worked.
                    sync::tombstone_created(&self.r.db, DISPATCH_RULE, &rule_id, self.record.id)
                        .await?;
                }
                Ok(())
            }
        }
    }
}

/// Runs `futures`, at most `limit` at a time; their outputs in any order.
pub(super) async fn bounded<F: Future>(futures: Vec<F>, limit: usize) -> Vec<F::Output> {
    stream::iter(futures)
        .buffer_unordered(limit)
        .collect()
        .await
}

/// The most telling error of several: a lost lease stops everything.
fn first_error(results: Vec<Result<(), SyncError>>) -> Result<(), SyncError> {
    let mut first = None;
    for r in results {
        match r {
            Ok(()) => {}
            Err(SyncError::LeaseLost) => return Err(SyncError::LeaseLost),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    first.map_or(Ok(()), Err)
}
