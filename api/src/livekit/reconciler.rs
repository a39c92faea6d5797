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
//!
//! Leases are renewed while a sync runs and fence every record (see
//! `db::sync`); a worker that loses its lease stops. One carrier's work is
//! in [`super::apply`], the full pass in [`super::full_pass`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use rand::Rng;
use secrecy::SecretString;
use tokio::sync::Notify;
use uuid::Uuid;

use super::apply::{CarrierSync, bounded};
use super::client::{LiveKitClient, LiveKitError};
use super::full_pass::FullPassError;
use super::metrics::SyncMetrics;
use super::plan::{CarrierInput, DesiredState, NumberInput, PlanError, plan};
use crate::crypto::SecretBox;
use crate::db::Db;
use crate::db::carriers::{self, CarrierRecord};
use crate::db::sync::{self, DISPATCH_RULE, JobLease, Lease, SyncNumber};

/// Most tombstones deleted at once.
const TOMBSTONE_CONCURRENCY: usize = 8;

/// Timings of the worker.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub poll: Duration,
    pub full_pass: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a claim lasts; a crashed replica's carriers free up after it.
    pub lease: Duration,
    /// Most carriers this replica syncs at once (LiveKit calls are bounded
    /// separately, by the client): a sync mostly waits on LiveKit and on
    /// commits, so many at once keep both busy.
    pub concurrency: usize,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(2),
            full_pass: Duration::from_secs(300),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            lease: Duration::from_secs(60),
            concurrency: 32,
        }
    }
}

/// Why one carrier's sync failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum SyncError {
    #[error(transparent)]
    LiveKit(#[from] LiveKitError),
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the stored SIP password cannot be decrypted with this ORI_SECRET_KEY")]
    Secret,
    #[error(
        "The number {number} is held by another LiveKit inbound trunk, {holder}{}",
        if *ours { "; sync will retry" } else { ", which this console does not manage: remove the number there" }
    )]
    NumberHeld {
        number: String,
        holder: String,
        /// The trunk is ours (another carrier's), so a retry can release it.
        ours: bool,
    },
    /// Another worker holds the carrier now; it records the outcome.
    #[error("another worker took over this carrier's sync")]
    LeaseLost,
    /// The carrier was deleted while it synced; its tombstones do the rest.
    #[error("the carrier was deleted")]
    Gone,
}

impl SyncError {
    /// A retry alone cannot fix it: the admin (or the operator) must change
    /// something, so the banner says so and retries slow down.
    fn needs_change(&self) -> bool {
        match self {
            Self::Plan(_) | Self::Secret => true,
            Self::NumberHeld { ours, .. } => !ours,
            Self::LiveKit(e) => matches!(
                e.twirp_code(),
                Some("unauthenticated" | "permission_denied" | "invalid_argument")
            ),
            Self::Db(_) | Self::LeaseLost | Self::Gone => false,
        }
    }
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
    pub(super) db: Db,
    pub(super) client: LiveKitClient,
    pub(super) secrets: SecretBox,
    pub(super) installation: String,
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
        self.sync_dirty().await?;
        let interval = i64::try_from(self.settings.full_pass.as_millis()).unwrap_or(i64::MAX);
        if let Some(job) =
            sync::claim_full_pass(&self.db, &self.owner, interval, self.lease_ms()).await?
        {
            let result = tokio::select! {
                r = self.full_pass() => r,
                () = self.keep_job_lease(&job) => Err(FullPassError::LeaseLost),
            };
            sync::finish_full_pass(&self.db, &job).await?;
            match result {
                Ok(report) if report.failed_deletes > 0 => {
                    tracing::warn!(failed = report.failed_deletes, first_error = %report.first_error.unwrap_or_default(), "full LiveKit comparison could not delete every orphan; the next pass retries");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "full LiveKit comparison failed"),
            }
            // Drift found by the full pass is repaired right away.
            self.sync_dirty().await?;
        }
        Ok(())
    }

    /// Syncs every dirty carrier, up to `settings.concurrency` at once, so
    /// that one slow carrier does not hold up the rest.
    async fn sync_dirty(&self) -> sqlx::Result<()> {
        let mut running = FuturesUnordered::new();
        let mut more = true;
        loop {
            if more && running.len() < self.settings.concurrency {
                // The running syncs go on while this claims: one of them may
                // hold the write turn (SQLite) that the claim waits for, and
                // left unpolled it would never give it back.
                let claim = sync::claim_next(&self.db, &self.owner, self.lease_ms());
                tokio::pin!(claim);
                let claimed = loop {
                    tokio::select! {
                        claimed = &mut claim => break claimed,
                        Some(done) = running.next() => note_outcome(done),
                    }
                };
                match claimed {
                    Ok(Some(lease)) => running.push(self.reconcile_claimed(lease)),
                    Ok(None) => more = false,
                    Err(e) => {
                        // Finish what runs (dropping it would strand its leases).
                        while let Some(done) = running.next().await {
                            note_outcome(done);
                        }
                        return Err(e);
                    }
                }
                continue;
            }
            match running.next().await {
                Some(done) => {
                    note_outcome(done);
                    more = true;
                }
                None => return Ok(()),
            }
        }
    }

    /// "Sync to LiveKit": reconciles one carrier now, whatever its state,
    /// waiting briefly if another worker holds it. It sends every object
    /// again, so it also repairs what was changed in LiveKit by hand.
    pub async fn sync_now(&self, id: Uuid) -> Result<(), SyncNowError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let lease = loop {
            if let Some(lease) = sync::claim(&self.db, id, &self.owner, self.lease_ms()).await? {
                break lease;
            }
            if carriers::get(&self.db, id).await?.is_none() {
                return Err(SyncNowError::NotFound);
            }
            if Instant::now() > deadline {
                return Err(SyncNowError::Busy);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        sync::forget_sent(&self.db, &lease).await?;
        self.reconcile_claimed(lease).await?;
        Ok(())
    }

    /// Renews `lease` every third of its length; returns when it is lost.
    async fn keep_lease(&self, lease: &Lease) {
        loop {
            tokio::time::sleep(self.settings.lease / 3).await;
            match sync::renew(&self.db, lease, self.lease_ms()).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    // Not knowing is not holding: stop before someone else starts.
                    tracing::warn!(error = %e, "could not renew a sync lease");
                    return;
                }
            }
        }
    }

    async fn keep_job_lease(&self, job: &JobLease) {
        loop {
            tokio::time::sleep(self.settings.lease / 3).await;
            match sync::renew_full_pass(&self.db, job, self.lease_ms()).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "could not renew the full-pass lease");
                    return;
                }
            }
        }
    }

    /// Syncs a carrier this worker holds the lease on, and records the outcome.
    #[tracing::instrument(skip(self, lease), fields(carrier = %lease.carrier_id))]
    async fn reconcile_claimed(&self, lease: Lease) -> sqlx::Result<()> {
        let result = self.reconcile_leased(&lease).await;
        if result.is_err() {
            // Let another attempt start now rather than when the lease ends.
            let _ = sync::release(&self.db, &lease).await;
        }
        result
    }

    async fn reconcile_leased(&self, lease: &Lease) -> sqlx::Result<()> {
        let lease = lease.clone();
        let Some(record) = carriers::get(&self.db, lease.carrier_id).await? else {
            return Ok(()); // deleted meanwhile; its tombstones do the rest
        };
        let started = Instant::now();
        self.metrics.attempts.inc();
        let result = tokio::select! {
            r = self.apply(&record, &lease) => r,
            () = self.keep_lease(&lease) => Err(SyncError::LeaseLost),
        };
        self.metrics
            .duration
            .observe(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                if sync::record_success(&self.db, &lease, record.config_rev).await? {
                    tracing::info!(rev = record.config_rev, "carrier synced to LiveKit");
                } else {
                    tracing::warn!(
                        "lost the lease before recording success; the new holder syncs again"
                    );
                }
            }
            Err(SyncError::LeaseLost) => {
                tracing::warn!("lost the lease during a sync; stopped without recording anything");
            }
            Err(SyncError::Gone) => {}
            Err(e) => {
                self.metrics.failures.inc();
                let attempts = sync::attempts(&self.db, lease.carrier_id).await?;
                let needs_change = e.needs_change();
                let mut message = e.to_string();
                if needs_change {
                    message.push_str(&format!(
                        " — this needs a change; until then sync retries only every {}",
                        human_duration(self.settings.retry_max)
                    ));
                }
                let failure = sync::Failure {
                    message: &message,
                    needs_change,
                    retry_in_ms: self.backoff_ms(attempts, needs_change),
                };
                if sync::record_failure(&self.db, &lease, &failure).await? {
                    tracing::warn!(error = %e, attempts = attempts + 1, needs_change, "carrier sync failed");
                }
            }
        }
        Ok(())
    }

    /// Exponential backoff with ±20 % jitter, then capped; an error a retry
    /// cannot fix waits the cap.
    pub(super) fn backoff_ms(&self, failures_before: i64, needs_change: bool) -> i64 {
        let base = self.settings.retry_base.as_millis() as f64;
        let max = self.settings.retry_max.as_millis() as f64;
        let jitter = rand::thread_rng().gen_range(0.8..1.2);
        let wait = if needs_change {
            max
        } else {
            base * 2f64.powi(failures_before.clamp(0, 30) as i32) * jitter
        };
        wait.min(max) as i64
    }

    pub(super) fn desired(
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
    async fn apply(&self, record: &CarrierRecord, lease: &Lease) -> Result<(), SyncError> {
        let numbers = sync::numbers(&self.db, record.id).await?;
        let desired = self.desired(record, &numbers)?;
        CarrierSync {
            r: self,
            lease,
            record,
            numbers: &numbers,
            desired: &desired,
            creating: Default::default(),
        }
        .run()
        .await
    }

    /// Deletes the remote objects of deleted carriers and numbers; each
    /// replica claims its own tombstones.
    async fn delete_tombstoned(&self) -> sqlx::Result<()> {
        loop {
            let due = sync::claim_tombstones(&self.db, &self.owner, self.lease_ms(), 100).await?;
            if due.is_empty() {
                return Ok(());
            }
            let deletes: Vec<_> = due.iter().map(|t| self.delete_tombstone(t)).collect();
            let results = bounded(deletes, TOMBSTONE_CONCURRENCY).await;
            results.into_iter().collect::<sqlx::Result<()>>()?;
        }
    }
}

impl Reconciler {
    async fn delete_tombstone(&self, t: &sync::Tombstone) -> sqlx::Result<()> {
        let result = if t.kind == DISPATCH_RULE {
            self.client.delete_dispatch_rule(&t.remote_id).await
        } else {
            self.client.delete_trunk(&t.remote_id).await
        };
        match result {
            Ok(()) => sync::tombstone_done(&self.db, &t.id, &self.owner).await,
            Err(e) => {
                tracing::warn!(error = %e, remote = %t.remote_id, "LiveKit object of a deleted row not deleted yet");
                let wait = self.backoff_ms(t.attempts, false);
                sync::tombstone_failed(&self.db, &t.id, &self.owner, &e.to_string(), wait).await
            }
        }
    }
}

/// Logs a carrier sync whose outcome could not be recorded; it syncs again.
fn note_outcome(done: sqlx::Result<()>) {
    if let Err(e) = done {
        tracing::warn!(error = %e, "recording a sync outcome failed; the carrier syncs again");
    }
}

/// "5 min", "30 s": for messages.
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}
