//! The level-triggered reconciler: makes LiveKit equal the database.
//!
//! Every write bumps a carrier's `config_rev` and wakes the worker. The
//! worker claims dirty carriers with a lease (so replicas never work on the
//! same one), plans the desired LiveKit objects, applies the difference,
//! and records the outcome: `synced` with the revision it read, or `error`
//! with LiveKit's message and a retry time. An edit made during a sync
//! leaves `config_rev` ahead, so the carrier syncs again. Tombstones delete
//! what deleted rows left in LiveKit; a periodic full pass deletes orphans
//! tagged as ours and re-syncs carriers whose objects went missing or drifted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use secrecy::SecretString;
use tokio::sync::Notify;
use uuid::Uuid;

use super::client::{LiveKitClient, LiveKitError};
use super::metrics::SyncMetrics;
use super::plan::{
    CarrierInput, DesiredState, NumberInput, PlanError, parse_owner, plan, same_rule, same_trunk,
};
use crate::crypto::SecretBox;
use crate::db::Db;
use crate::db::carriers::{self, CarrierRecord};
use crate::db::sync::{self, DISPATCH_RULE, SyncNumber, TRUNK};
use crate::time_util::now_ms;

/// Timings of the worker.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub poll: Duration,
    pub full_pass: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a claim lasts; a crashed replica's carriers free up after it.
    pub lease: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(2),
            full_pass: Duration::from_secs(300),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            lease: Duration::from_secs(60),
        }
    }
}

/// Why one carrier's sync failed.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    LiveKit(#[from] LiveKitError),
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the stored SIP password cannot be decrypted with this ORI_SECRET_KEY")]
    Secret,
}

/// What `sync_now` reports when it cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SyncNowError {
    #[error("no carrier with this id")]
    NotFound,
    #[error("another sync of this carrier is running; try again in a moment")]
    Busy,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub struct Reconciler {
    db: Db,
    client: LiveKitClient,
    secrets: SecretBox,
    installation: String,
    /// Names this worker in leases.
    owner: String,
    settings: SyncSettings,
    pub metrics: Arc<SyncMetrics>,
}

impl std::fmt::Debug for Reconciler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconciler")
            .field("owner", &self.owner)
            .field("livekit", &self.client.url())
            .finish_non_exhaustive()
    }
}

impl Reconciler {
    pub async fn new(
        db: Db,
        client: LiveKitClient,
        secrets: SecretBox,
        settings: SyncSettings,
        metrics: Arc<SyncMetrics>,
    ) -> sqlx::Result<Self> {
        let installation = sync::installation_id(&db).await?;
        Ok(Self {
            db,
            client,
            secrets,
            installation,
            owner: Uuid::new_v4().to_string(),
            settings,
            metrics,
        })
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.lease.as_millis()).unwrap_or(60_000)
    }

    /// The worker loop: runs until the process ends.
    pub async fn run(self: Arc<Self>, wakeup: Arc<Notify>) {
        loop {
            if let Err(e) = self.drain().await {
                tracing::warn!(error = %e, "sync pass failed; retrying on the next tick");
            }
            tokio::select! {
                () = wakeup.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// One round: tombstones, every dirty carrier, and the full pass when due.
    pub async fn drain(&self) -> sqlx::Result<()> {
        self.delete_tombstoned().await?;
        while let Some(id) = sync::claim_next(&self.db, &self.owner, self.lease_ms()).await? {
            self.reconcile_claimed(id).await?;
        }
        let interval = i64::try_from(self.settings.full_pass.as_millis()).unwrap_or(i64::MAX);
        if sync::claim_full_pass(&self.db, &self.owner, interval, self.lease_ms()).await? {
            let result = self.full_pass().await;
            sync::finish_full_pass(&self.db, &self.owner).await?;
            if let Err(e) = result {
                tracing::warn!(error = %e, "full LiveKit comparison failed");
            }
            // Drift found by the full pass is repaired right away.
            while let Some(id) = sync::claim_next(&self.db, &self.owner, self.lease_ms()).await? {
                self.reconcile_claimed(id).await?;
            }
        }
        Ok(())
    }

    /// "Sync to LiveKit": reconciles one carrier now, whatever its state,
    /// waiting briefly if another worker holds it.
    pub async fn sync_now(&self, id: Uuid) -> Result<(), SyncNowError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if sync::claim(&self.db, id, &self.owner, self.lease_ms()).await? {
                break;
            }
            if carriers::get(&self.db, id).await?.is_none() {
                return Err(SyncNowError::NotFound);
            }
            if Instant::now() > deadline {
                return Err(SyncNowError::Busy);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.reconcile_claimed(id).await?;
        Ok(())
    }

    /// Syncs a carrier this worker holds the lease on, and records the outcome.
    #[tracing::instrument(skip(self), fields(carrier = %id))]
    async fn reconcile_claimed(&self, id: Uuid) -> sqlx::Result<()> {
        let Some(record) = carriers::get(&self.db, id).await? else {
            return Ok(()); // deleted meanwhile; its tombstones do the rest
        };
        let started = Instant::now();
        self.metrics.attempts.inc();
        let result = self.apply(&record).await;
        self.metrics
            .duration
            .observe(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                sync::record_success(&self.db, id, &self.owner, record.config_rev).await?;
                tracing::info!(rev = record.config_rev, "carrier synced to LiveKit");
            }
            Err(e) => {
                self.metrics.failures.inc();
                let attempts = sync::attempts(&self.db, id).await?;
                let retry_at = now_ms() + self.backoff_ms(attempts);
                sync::record_failure(&self.db, id, &self.owner, &e.to_string(), retry_at).await?;
                tracing::warn!(error = %e, attempts = attempts + 1, "carrier sync failed");
            }
        }
        Ok(())
    }

    /// Exponential backoff with ±20 % jitter, capped.
    fn backoff_ms(&self, failures_before: i64) -> i64 {
        let base = self.settings.retry_base.as_millis() as f64;
        let max = self.settings.retry_max.as_millis() as f64;
        let exp = base * 2f64.powi(failures_before.clamp(0, 30) as i32);
        let jitter = rand::thread_rng().gen_range(0.8..1.2);
        (exp.min(max) * jitter) as i64
    }

    fn desired(
        &self,
        record: &CarrierRecord,
        numbers: &[SyncNumber],
    ) -> Result<DesiredState, SyncError> {
        let password: Option<SecretString> = match &record.password_secret {
            Some(stored) => Some(
                self.secrets
                    .decrypt(stored)
                    .map_err(|_| SyncError::Secret)?,
            ),
            None => None,
        };
        let inputs: Vec<NumberInput> = numbers
            .iter()
            .map(|n| NumberInput {
                id: n.id,
                number: n.number.clone(),
                e164: n.e164.clone(),
                direction: n.direction,
                agent_name: n.agent_name.clone(),
            })
            .collect();
        Ok(plan(&CarrierInput {
            installation_id: &self.installation,
            carrier_id: record.id,
            name: &record.name,
            sip_address: &record.sip_address,
            transport: record.transport,
            destination_country: record.destination_country.as_deref(),
            number_format: record.number_format,
            username: record.username.as_deref(),
            password: password.as_ref(),
            inbound_auth: record.inbound_auth,
            allowed_ips: &record.allowed_ips,
            numbers: &inputs,
        })?)
    }

    /// Makes LiveKit hold exactly the planned objects for this carrier.
    /// Each created id is saved at once, so a crash leaves no unknown object
    /// behind that the full pass would not recognise as an orphan.
    async fn apply(&self, record: &CarrierRecord) -> Result<(), SyncError> {
        let numbers = sync::numbers(&self.db, record.id).await?;
        let desired = self.desired(record, &numbers)?;
        let lk = &self.client;

        // 1. Rules no longer wanted go first: they may point at a trunk that goes.
        let wanted: HashMap<Uuid, _> = desired
            .dispatch_rules
            .iter()
            .map(|r| (r.number_id, r))
            .collect();
        for n in &numbers {
            if let (Some(rule_id), false) = (&n.lk_dispatch_rule_id, wanted.contains_key(&n.id)) {
                lk.delete_dispatch_rule(rule_id).await?;
                sync::set_rule_id(&self.db, n.id, None).await?;
            }
        }

        // 2. Trunks.
        let mut outbound = record.lk_outbound_trunk_id.clone();
        let mut inbound = record.lk_inbound_trunk_id.clone();
        match (&desired.outbound, &outbound) {
            (Some(trunk), Some(id)) => match lk.update_outbound_trunk(id, trunk).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => outbound = None,
                Err(e) => return Err(e.into()),
            },
            (None, Some(id)) => {
                lk.delete_trunk(id).await?;
                outbound = None;
                sync::set_trunk_ids(&self.db, record.id, None, inbound.as_deref()).await?;
            }
            _ => {}
        }
        if let (Some(trunk), None) = (&desired.outbound, &outbound) {
            let created = lk.create_outbound_trunk(trunk).await?.sip_trunk_id;
            outbound = Some(created.clone());
            if !sync::set_trunk_ids(&self.db, record.id, outbound.as_deref(), inbound.as_deref())
                .await?
            {
                // The carrier was deleted while we worked: undo what we made.
                sync::tombstone_created(&self.db, TRUNK, &created, record.id).await?;
                return Ok(());
            }
        }
        match (&desired.inbound, &inbound) {
            (Some(trunk), Some(id)) => match lk.update_inbound_trunk(id, trunk).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => inbound = None,
                Err(e) => return Err(e.into()),
            },
            (None, Some(id)) => {
                lk.delete_trunk(id).await?;
                inbound = None;
                sync::set_trunk_ids(&self.db, record.id, outbound.as_deref(), None).await?;
            }
            _ => {}
        }
        if let (Some(trunk), None) = (&desired.inbound, &inbound) {
            let created = lk.create_inbound_trunk(trunk).await?.sip_trunk_id;
            inbound = Some(created.clone());
            if !sync::set_trunk_ids(&self.db, record.id, outbound.as_deref(), inbound.as_deref())
                .await?
            {
                sync::tombstone_created(&self.db, TRUNK, &created, record.id).await?;
                return Ok(());
            }
        }

        // 3. One dispatch rule per inbound number with a bot, on the inbound trunk.
        if let Some(trunk_id) = &inbound {
            for n in &numbers {
                let Some(rule) = wanted.get(&n.id) else {
                    continue;
                };
                let bound = rule.bind(trunk_id);
                let existing = match &n.lk_dispatch_rule_id {
                    Some(id) => match lk.update_dispatch_rule(id, &bound).await {
                        Ok(_) => true,
                        Err(e) if e.is_not_found() => false,
                        Err(e) => return Err(e.into()),
                    },
                    None => false,
                };
                if !existing {
                    let created = lk.create_dispatch_rule(&bound).await?.sip_dispatch_rule_id;
                    if !sync::set_rule_id(&self.db, n.id, Some(&created)).await? {
                        // The number was deleted while we worked.
                        sync::tombstone_created(&self.db, DISPATCH_RULE, &created, record.id)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Deletes the remote objects of deleted carriers and numbers.
    async fn delete_tombstoned(&self) -> sqlx::Result<()> {
        for t in sync::due_tombstones(&self.db, 100).await? {
            let result = if t.kind == DISPATCH_RULE {
                self.client.delete_dispatch_rule(&t.remote_id).await
            } else {
                self.client.delete_trunk(&t.remote_id).await
            };
            match result {
                Ok(()) => sync::tombstone_done(&self.db, &t.id).await?,
                Err(e) if e.is_not_found() => sync::tombstone_done(&self.db, &t.id).await?,
                Err(e) => {
                    let retry_at = now_ms() + self.backoff_ms(t.attempts);
                    sync::tombstone_failed(&self.db, &t.id, &e.to_string(), retry_at).await?;
                    tracing::warn!(error = %e, remote = %t.remote_id, "LiveKit object of a deleted row not deleted yet");
                }
            }
        }
        Ok(())
    }

    /// Compares everything LiveKit holds with the database: deletes objects
    /// tagged as ours that the database does not know, and marks carriers
    /// dirty whose objects are missing or differ from the plan.
    #[tracing::instrument(skip(self))]
    pub async fn full_pass(&self) -> Result<(), FullPassError> {
        let lk = &self.client;
        let outbound = lk.list_outbound_trunks().await?;
        let inbound = lk.list_inbound_trunks().await?;
        let rules = lk.list_dispatch_rules().await?;
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
        let ours =
            |metadata: &str| parse_owner(metadata).filter(|o| o.installation == self.installation);
        let is_orphan = |id: &str, metadata: &str| {
            ours(metadata).is_some_and(|owner| {
                !recorded.contains(id)
                    && !tombstoned.contains(id)
                    && !busy.contains(&owner.carrier_id)
            })
        };
        let mut orphans = 0;
        for t in &outbound {
            if is_orphan(&t.sip_trunk_id, &t.metadata) {
                lk.delete_trunk(&t.sip_trunk_id).await?;
                orphans += 1;
            }
        }
        for t in &inbound {
            if is_orphan(&t.sip_trunk_id, &t.metadata) {
                lk.delete_trunk(&t.sip_trunk_id).await?;
                orphans += 1;
            }
        }
        for r in &rules {
            if is_orphan(&r.sip_dispatch_rule_id, &r.metadata) {
                lk.delete_dispatch_rule(&r.sip_dispatch_rule_id).await?;
                orphans += 1;
            }
        }

        let out_by_id: HashMap<&str, _> = outbound
            .iter()
            .map(|t| (t.sip_trunk_id.as_str(), t))
            .collect();
        let in_by_id: HashMap<&str, _> = inbound
            .iter()
            .map(|t| (t.sip_trunk_id.as_str(), t))
            .collect();
        let rule_by_id: HashMap<&str, _> = rules
            .iter()
            .map(|r| (r.sip_dispatch_rule_id.as_str(), r))
            .collect();
        let mut drifted = 0;
        for c in known.iter().filter(|c| !c.leased) {
            let Some(record) = carriers::get(&self.db, c.carrier_id).await? else {
                continue;
            };
            if record.config_rev > record.synced_rev {
                continue; // a sync is due anyway
            }
            let numbers = sync::numbers(&self.db, c.carrier_id).await?;
            let Ok(desired) = self.desired(&record, &numbers) else {
                continue;
            };
            let outbound_ok = match (&desired.outbound, c.outbound.as_deref()) {
                (Some(want), Some(id)) => out_by_id
                    .get(id)
                    .is_some_and(|have| same_trunk(want, *have)),
                (None, None) => true,
                _ => false,
            };
            let inbound_ok = match (&desired.inbound, c.inbound.as_deref()) {
                (Some(want), Some(id)) => {
                    in_by_id.get(id).is_some_and(|have| same_trunk(want, *have))
                }
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
                        (Some(id), Some(trunk)) => rule_by_id
                            .get(id)
                            .is_some_and(|have| same_rule(&want.bind(trunk), have)),
                        _ => false,
                    }
                });
            if !(outbound_ok && inbound_ok && rules_ok) {
                sync::mark_dirty(&self.db, c.carrier_id).await?;
                drifted += 1;
            }
        }
        tracing::info!(orphans, drifted, "full LiveKit comparison done");
        Ok(())
    }
}

/// Why a full comparison with LiveKit stopped.
#[derive(Debug, thiserror::Error)]
pub enum FullPassError {
    #[error(transparent)]
    LiveKit(#[from] LiveKitError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}
