//! Real-browser tests of the Ori console live in `tests/`.
