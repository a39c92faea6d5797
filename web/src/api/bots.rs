//! Bots: `/bots`.
