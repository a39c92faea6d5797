//! The signed-in account: `PATCH /me` (time zone, password).
