//! Two-factor sign-in (TOTP, RFC 6238): what a code looks like, and the DTOs
//! of `/me/two-factor`. The SPA checks a typed code with the same parser
//! the API uses.

use serde::{Deserialize, Serialize};

use crate::raw::secret_string;
use crate::secret::Secret;

/// Digits in an authenticator app's code.
pub const CODE_DIGITS: usize = 6;
/// Seconds one code lasts (the RFC's default, what every app uses).
pub const STEP_SECS: u64 = 30;
/// Recovery codes made at enrolment; each works once.
pub const RECOVERY_CODES: usize = 10;
/// Characters in a recovery code, not counting the dashes shown in it.
pub const RECOVERY_CODE_LEN: usize = 12;
/// What recovery codes are made of: lowercase letters and digits that
/// cannot be mistaken for one another (no 0/o, 1/l/i).
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// The longest code accepted as typed (a recovery code with dashes and spaces).
pub const CODE_INPUT_MAX: usize = 32;

/// A code as the user typed it, told apart by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// The authenticator app's code: six digits.
    Totp(String),
    /// A recovery code, normalised (lowercase, no dashes or spaces).
    Recovery(String),
}

/// Reads a typed code: six digits (spaces allowed, as apps show "123 456"),
/// or a recovery code (case, dashes and spaces ignored).
pub fn parse_code(input: &str) -> Result<Code, String> {
    let wrong = || {
        format!(
            "Enter the {CODE_DIGITS}-digit code from your authenticator app, or one of your recovery codes."
        )
    };
    if input.chars().count() > CODE_INPUT_MAX {
        return Err(wrong());
    }
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.is_empty() {
        return Err(wrong());
    }
    if compact.bytes().all(|b| b.is_ascii_digit()) {
        return if compact.len() == CODE_DIGITS {
            Ok(Code::Totp(compact))
        } else {
            Err(wrong())
        };
    }
    if compact.len() == RECOVERY_CODE_LEN && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        return Ok(Code::Recovery(compact));
    }
    Err(wrong())
}

/// `text` in groups of four characters joined by `separator`, easier to read
/// and type: recovery codes, and the secret for apps that cannot scan.
pub fn in_groups_of_four(text: &str, separator: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(separator)
}

/// A normalised recovery code as shown to the user: `abcd-efgh-jkmn`.
pub fn display_recovery_code(code: &str) -> String {
    in_groups_of_four(code, "-")
}

/// `GET /me/two-factor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "enabled": true, "required": true, "recovery_codes_left": 9
}))))]
pub struct TwoFactorStatus {
    /// Sign-in asks for a code after the password.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub enabled: bool,
    /// This console requires it of this account (super admins, when
    /// `ORI_REQUIRE_2FA` is on): it cannot be turned off.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub required: bool,
    /// Unused recovery codes.
    #[cfg_attr(feature = "openapi", schema(read_only, minimum = 0, maximum = 10))]
    pub recovery_codes_left: u32,
}

/// Body of `POST /me/two-factor/setup`: the password again, so that an
/// unattended browser cannot enrol its own authenticator.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "password": "correct horse battery staple" }))))]
#[serde(deny_unknown_fields)]
pub struct TwoFactorSetupRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::given_password, required = true))]
    #[serde(default)]
    pub password: Secret,
}

/// A new authenticator secret, waiting for its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth_uri": "otpauth://totp/Ori:admin%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Ori",
    "qr_code": "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
}))))]
pub struct TwoFactorSetup {
    /// The secret in base32, to type into an app that cannot scan.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub otpauth_uri: String,
    /// The QR code as an SVG `data:` URI, ready for an `<img src>`.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub qr_code: String,
}

/// Body of `POST /me/two-factor/confirm`: the app's current code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "code": "123456" }))))]
#[serde(deny_unknown_fields)]
pub struct TwoFactorConfirm {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::two_factor_code, required = true))]
    #[serde(default)]
    pub code: Secret,
}

/// The recovery codes, shown once: each signs in once in place of a code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "recovery_codes": ["abcd-efgh-jkmn", "pqrs-tuvw-xyz2", "k7qd-m2xp-4tbn", "wx3h-9fze-pmra",
        "c8vu-ty2k-hn5q", "r4mb-zs6e-gxwd", "n9pf-ah3v-ucty", "e5kq-wb7m-zdrs", "hx2t-vn8c-kpfu",
        "ymq6-ds4a-tjbz"]
}))))]
pub struct RecoveryCodes {
    #[cfg_attr(feature = "openapi", schema(read_only, min_items = 10, max_items = 10))]
    pub recovery_codes: Vec<String>,
}

/// Body of `POST /me/two-factor/disable`: the password and a current code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "password": "correct horse battery staple", "code": "123456"
}))))]
#[serde(deny_unknown_fields)]
pub struct TwoFactorDisable {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::given_password, required = true))]
    #[serde(default)]
    pub password: Secret,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::two_factor_code, required = true))]
    #[serde(default, deserialize_with = "secret_string")]
    pub code: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart_by_shape() {
        assert_eq!(parse_code("123456"), Ok(Code::Totp("123456".into())));
        assert_eq!(parse_code(" 123 456 "), Ok(Code::Totp("123456".into())));
        assert_eq!(
            parse_code("ABCD-EFGH-JKMN"),
            Ok(Code::Recovery("abcdefghjkmn".into()))
        );
        assert!(parse_code("").is_err());
        assert!(parse_code("12345").is_err(), "too short");
        assert!(parse_code("1234567").is_err(), "too long");
        assert!(
            parse_code("abcd-efgh-jkm0").is_err(),
            "0 is not in the alphabet"
        );
        assert!(parse_code(&"1".repeat(40)).is_err());
    }

    #[test]
    fn recovery_codes_show_in_groups_of_four() {
        assert_eq!(display_recovery_code("abcdefghjkmn"), "abcd-efgh-jkmn");
        let code = display_recovery_code("abcdefghjkmn");
        assert_eq!(parse_code(&code), Ok(Code::Recovery("abcdefghjkmn".into())));
    }
}
