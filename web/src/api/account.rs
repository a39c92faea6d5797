//! The signed-in account's own settings: `PATCH /me`.

use ori_shared::accounts::{Me, MePatch};
use ori_shared::two_factor::{
    RecoveryCodes, TwoFactorConfirm, TwoFactorDisable, TwoFactorSetup, TwoFactorSetupRequest,
    TwoFactorStatus,
};

use super::{ApiError, BASE, http};

/// Changes the time zone and/or the password (with the current one); the account
/// comes back. A new password also renews this browser's session cookie.
pub async fn update_me(patch: &MePatch) -> Result<Me, ApiError> {
    Ok(http::patch_tagged(&format!("{BASE}/me"), patch, None)
        .await?
        .value)
}

/// Whether two-factor sign-in is on, required, and how many recovery codes are left.
pub async fn two_factor_status() -> Result<TwoFactorStatus, ApiError> {
    http::get(&format!("{BASE}/me/two-factor")).await
}

/// A new authenticator secret and its QR code (the password again first).
pub async fn set_up_two_factor(body: &TwoFactorSetupRequest) -> Result<TwoFactorSetup, ApiError> {
    http::post(&format!("{BASE}/me/two-factor/setup"), body).await
}

/// Turns it on with the app's first code; the recovery codes come back, this once.
pub async fn confirm_two_factor(body: &TwoFactorConfirm) -> Result<RecoveryCodes, ApiError> {
    http::post(&format!("{BASE}/me/two-factor/confirm"), body).await
}

/// Turns it off, with the password and a current code.
pub async fn disable_two_factor(body: &TwoFactorDisable) -> Result<(), ApiError> {
    http::post_no_content(&format!("{BASE}/me/two-factor/disable"), body).await
}
