//! The signed-in account's own settings: `PATCH /me`.

use ori_shared::accounts::{Me, MePatch};

use super::{ApiError, BASE, http};

/// Changes the time zone and/or the password (with the current one); the account
/// comes back. A new password also renews this browser's session cookie.
pub async fn update_me(patch: &MePatch) -> Result<Me, ApiError> {
    Ok(http::patch_tagged(&format!("{BASE}/me"), patch, None)
        .await?
        .value)
}
