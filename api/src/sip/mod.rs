//! SIP from the console's side: "Test connection" sends a carrier an
//! `OPTIONS` request and reports what came back (see [`probe`]).
//!
//! Messages are built and parsed by rsip; the sockets are tokio's, TLS is
//! rustls. Nothing here keeps state between probes.

mod message;
pub mod monitor;
mod probe;
mod tls;
mod transport;

pub use message::USER_AGENT;
pub use probe::{ProbeOptions, probe};
