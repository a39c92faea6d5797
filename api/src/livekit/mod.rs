//! Syncing carriers to LiveKit's SIP service.
//!
//! * [`client`]: the Twirp JSON client ([`LiveKitClient`]) and its errors;
//! * [`types`]: the LiveKit messages, with LiveKit's field names;
//! * [`plan`]: the pure desired-state planner for one carrier;
//! * [`reconciler`]: the worker; `apply` syncs one carrier, [`full_pass`]
//!   compares everything;
//! * [`country`]: free-text country to ISO 3166-1 alpha-2.

mod apply;
pub mod client;
pub mod country;
pub mod full_pass;
pub mod metrics;
pub mod plan;
pub mod reconciler;
pub mod types;

pub use client::{LiveKitClient, LiveKitConfig, LiveKitError, LiveKitTimeouts};
pub use full_pass::{FullPassError, FullPassReport};
pub use metrics::SyncMetrics;
pub use plan::{
    CarrierInput, DesiredRule, DesiredState, NumberInput, Owner, PlanError, parse_owner, plan,
    same_rule, same_trunk,
};
pub use reconciler::{Reconciler, SyncNowError, SyncSettings};
