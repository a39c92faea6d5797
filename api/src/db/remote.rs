//! What the stores and the reconciler's bookkeeping share: the kinds of
//! LiveKit object a row can hold, and the SQL that marks a carrier changed.

/// Kinds of remote object a tombstone names.
pub const TRUNK: &str = "trunk";
pub const DISPATCH_RULE: &str = "dispatch_rule";

/// What every change to a carrier's configuration sets: a new revision for
/// the reconciler, `pending` until LiveKit holds it, and a fresh start for
/// the retries (no wait, no failed attempts, nothing known to need a change).
pub const CONFIG_CHANGED: &str = "config_rev = config_rev + 1, sync_status = 'pending', \
     next_attempt_at = NULL, sync_attempts = 0, sync_needs_change = 0";
