//! The console's paths, in one place: the router and every link use these.

use uuid::Uuid;

pub const LOGIN: &str = "/login";
/// The carrier list, the console's landing page.
pub const CARRIERS: &str = "/dashboard/carriers";
pub const CARRIER_NEW: &str = "/dashboard/carriers/create";
/// The bots that answer inbound calls (Assign Bot's choices).
pub const BOTS: &str = "/dashboard/bots";
/// Your API tokens (from the user menu).
pub const API_TOKENS: &str = "/dashboard/api-tokens";
/// Two-factor sign-in: turn it on or off (from the user menu).
pub const TWO_FACTOR: &str = "/dashboard/two-factor";

/// A carrier's detail page.
pub fn carrier(id: Uuid) -> String {
    format!("{CARRIERS}/{id}")
}
