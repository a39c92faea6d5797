//! The Ori carrier console's server: REST API, LiveKit sync and the SPA.

pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod body;
pub mod bootstrap;
pub mod client_addr;
pub mod config;
pub mod country;
pub mod crypto;
pub mod db;
pub mod error;
pub mod etag;
pub mod livekit;
pub mod openapi;
pub mod redact;
pub mod routes;
pub mod sip;
pub mod spa;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod time_util;
