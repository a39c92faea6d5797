//! Two-factor sign-in (TOTP, RFC 6238): secrets, QR codes, checking a code
//! once and only once, and recovery codes.
//!
//! Codes are SHA-1, six digits, 30-second steps — what every authenticator
//! app reads from an `otpauth://` URI. A code is accepted one step either
//! side of now (clock drift), and only for a step later than the last one
//! accepted for the account, so a code seen over someone's shoulder cannot be
//! used again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ori_shared::Secret;
use ori_shared::accounts::Role;
use ori_shared::two_factor::{
    CODE_DIGITS, Code, RECOVERY_ALPHABET, RECOVERY_CODE_LEN, RECOVERY_CODES, STEP_SECS,
    TwoFactorSetup, parse_code,
};
use qrcode::QrCode;
use qrcode::render::svg;
use rand::Rng;
use secrecy::ExposeSecret;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::throttle::{self, Subject, too_many};
use crate::crypto::SecretBox;
use crate::db::two_factor::{self as store, Enrolment};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The name apps show beside the account.
const ISSUER: &str = "Ori";
/// Secret length in bytes: 160 bits, as RFC 4226 recommends.
const SECRET_LEN: usize = 20;

/// Whether this console requires two-factor sign-in of an account with `role`.
pub fn required(state: &AppState, role: Role) -> bool {
    state.require_2fa && role == Role::SuperAdmin
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_LEN];
    rand::thread_rng().fill(secret.as_mut_slice());
    secret
}

fn totp(secret: Vec<u8>, email: &str) -> ApiResult<TOTP> {
    let digits = CODE_DIGITS;
    TOTP::new(
        Algorithm::SHA1,
        digits,
        1,
        STEP_SECS,
        secret,
        Some(ISSUER.to_owned()),
        email.to_owned(),
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("TOTP parameters: {e}")))
}

/// What the enrolment page shows: the secret, its URI and a QR code of it.
pub fn setup_view(secret: Vec<u8>, email: &str) -> ApiResult<TwoFactorSetup> {
    let totp = totp(secret, email)?;
    let uri = totp.get_url();
    let qr = QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let image = qr
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(TwoFactorSetup {
        secret: totp.get_secret_base32(),
        otpauth_uri: uri,
        qr_code: format!("data:image/svg+xml;base64,{}", STANDARD.encode(image)),
    })
}

/// The time step `code` is right for, within one step of `now_secs`.
fn matching_step(totp: &TOTP, code: &str, now_secs: u64) -> Option<i64> {
    let now_step = now_secs / STEP_SECS;
    [now_step, now_step.saturating_sub(1), now_step + 1]
        .into_iter()
        .find(|step| {
            let expected = totp.generate(step * STEP_SECS);
            constant_time_eq::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
        .and_then(|step| i64::try_from(step).ok())
}

fn now_secs() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

/// New recovery codes, normalised (see `display_recovery_code`).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            (0..RECOVERY_CODE_LEN)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
                .collect()
        })
        .collect()
}

/// What is stored of a recovery code: a keyed hash bound to its account.
pub fn recovery_hash(secrets: &SecretBox, user_id: Uuid, code: &str) -> String {
    secrets.fingerprint(format!("recovery-code:{user_id}:{code}").as_bytes())
}

/// Checks `code` against the enrolment and uses it up: a TOTP code's step,
/// or the recovery code. False when it is wrong or already used. Every try
/// counts against the account's limit for codes (429 beyond it), and a right
/// code gives its try back.
pub async fn redeem(
    state: &AppState,
    user_id: Uuid,
    email: &str,
    enrolment: &Enrolment,
    code: &Code,
) -> ApiResult<bool> {
    let attempt = throttle::attempt(&state.db, Subject::second_factor(user_id))
        .await?
        .map_err(too_many)?;
    let right = check(state, user_id, email, enrolment, code).await?;
    if right {
        attempt.succeeded(&state.db).await?;
    }
    Ok(right)
}

async fn check(
    state: &AppState,
    user_id: Uuid,
    email: &str,
    enrolment: &Enrolment,
    code: &Code,
) -> ApiResult<bool> {
    let mut conn = state.db.pool.acquire().await?;
    match code {
        Code::Totp(digits) => {
            let secret = state
                .secrets
                .decrypt(&enrolment.secret)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("two-factor secret: {e}")))?;
            let secret = STANDARD
                .decode(secret.expose_secret())
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("two-factor secret: {e}")))?;
            let totp = totp(secret, email)?;
            match matching_step(&totp, digits, now_secs()) {
                Some(step) => Ok(store::claim_step(&mut conn, user_id, step).await?),
                None => Ok(false),
            }
        }
        Code::Recovery(text) => {
            let hash = recovery_hash(&state.secrets, user_id, text);
            Ok(store::use_recovery_code(&mut conn, user_id, &hash).await?)
        }
    }
}

/// Encrypts a secret for storage (as base64 text, the form `SecretBox` keeps).
pub fn seal(secrets: &SecretBox, secret: &[u8]) -> Vec<u8> {
    secrets.encrypt(&STANDARD.encode(secret))
}

/// The second step of a login, after the right password: nothing to do when
/// the account has no confirmed enrolment; otherwise the code must be given
/// and right. Wrong codes count against their own limit (429 beyond it).
/// Says whether the account has two-factor sign-in on.
pub async fn check_login(
    state: &AppState,
    user_id: Uuid,
    email: &str,
    code: Option<&Secret>,
) -> ApiResult<bool> {
    let enrolment = store::get(&state.db, user_id).await?;
    let Some(enrolment) = enrolment.filter(|e| e.confirmed_at.is_some()) else {
        return Ok(false);
    };
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return Err(ApiError::TwoFactorRequired(format!(
            "Enter the {CODE_DIGITS}-digit code from your authenticator app, or one of your recovery codes."
        )));
    };
    let code = parse_code(code.expose()).map_err(ApiError::TwoFactorRequired)?;
    if redeem(state, user_id, email, &enrolment, &code).await? {
        Ok(true)
    } else {
        Err(ApiError::TwoFactorRequired(
            "This code is wrong or has been used already. Enter the current code from your app."
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_own_step_and_its_neighbours_only() {
        let totp = totp(vec![7u8; SECRET_LEN], "a@example.com").expect("totp");
        let now = 1_800_000_000;
        let step = i64::try_from(now / STEP_SECS).expect("step");
        let code = totp.generate(now);
        assert_eq!(matching_step(&totp, &code, now), Some(step));
        assert_eq!(matching_step(&totp, &code, now + STEP_SECS), Some(step));
        assert_eq!(matching_step(&totp, &code, now - STEP_SECS), Some(step));
        assert_eq!(matching_step(&totp, &code, now + 3 * STEP_SECS), None);
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account() {
        let view = setup_view(vec![1u8; SECRET_LEN], "admin@example.com").expect("view");
        assert!(
            view.otpauth_uri
                .starts_with("otpauth://totp/Ori:admin%40example.com?secret=")
        );
        assert!(view.otpauth_uri.contains("issuer=Ori"));
        assert!(view.qr_code.starts_with("data:image/svg+xml;base64,"));
    }

    #[test]
    fn recovery_codes_parse_as_recovery_codes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            let shown = ori_shared::two_factor::display_recovery_code(code);
            assert_eq!(parse_code(&shown), Ok(Code::Recovery(code.clone())));
        }
    }
}
