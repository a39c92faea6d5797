//! Accounts and access: argon2id passwords, HS256 session tokens, TOTP
//! two-factor sign-in, and the extractors that decide who may call a handler (deny by default).

pub mod api_token;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod throttle;
pub mod two_factor;

pub use extract::{AdminUser, AuthUser, SignedIn, SuperAdmin};
