//! Syncing carriers to LiveKit's SIP service.
//!
//! * [`client`]: the Twirp JSON client ([`LiveKitClient`]) and its errors;
//! * [`types`]: the LiveKit messages, with LiveKit's field names;
//! * [`plan`]: the pure desired-state planner for one carrier (free-text
//!   country to ISO alpha-2 is [`crate::country`]);
//! * [`reconciler`]: the worker; `apply` syncs one carrier, [`full_pass`]
//!   compares everything.

mod apply;
pub mod client;
pub mod compare;
pub mod full_pass;
pub mod inspect;
pub mod metrics;
pub mod plan;
pub mod reconciler;
pub mod types;

pub use client::{LiveKitClient, LiveKitConfig, LiveKitError, LiveKitTimeouts};
pub use full_pass::{FullPassError, FullPassReport};
pub use inspect::InspectError;
pub use metrics::SyncMetrics;
pub use plan::{
    CarrierInput, DesiredRule, DesiredState, NumberInput, Owner, PlanError, parse_owner, plan,
    same_rule, same_trunk,
};
pub use reconciler::{Reconciler, SyncNowError, SyncSettings};
