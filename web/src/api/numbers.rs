//! A carrier's phone numbers: `/carriers/{id}/numbers`.
