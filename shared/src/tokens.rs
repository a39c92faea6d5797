//! API tokens for integrators: the rules of `POST /tokens` and the DTOs.
//!
//! A token is `ori_` followed by 43 base64url characters (32 random bytes). The
//! server keeps only its SHA-256 and its first [`DISPLAY_PREFIX_LEN`] characters,
//! which identify it in lists without being usable.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::Role;
use crate::errors::FieldErrors;
use crate::raw::RawNumber;
use crate::secret::Secret;

/// What every API token starts with; a Bearer value without it is a login token.
pub const TOKEN_PREFIX: &str = "ori_";
/// How much of a token is kept and shown to tell tokens apart (`ori_` + 8).
pub const DISPLAY_PREFIX_LEN: usize = 12;
/// Longest token name (characters).
pub const TOKEN_NAME_MAX: usize = 100;
/// Shortest and longest lifetime in days (3650: about ten years).
pub const EXPIRES_DAYS_MIN: u32 = 1;
pub const EXPIRES_DAYS_MAX: u32 = 3650;

/// A token's name: not blank, at most 100 characters, no control characters.
pub fn parse_token_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Name is required.".into());
    }
    if name.chars().count() > TOKEN_NAME_MAX {
        return Err(format!("Name must be at most {TOKEN_NAME_MAX} characters."));
    }
    crate::text::check_visible("Name", name)?;
    Ok(name.to_owned())
}

/// The roles a user with `creator`'s role may give a token: theirs and below.
pub fn assignable_roles(creator: Role) -> Vec<Role> {
    [Role::SuperAdmin, Role::Admin, Role::Member]
        .into_iter()
        .filter(|r| *r <= creator)
        .collect()
}

/// A token's role: absent or blank means the creator's own; never above it.
pub fn parse_token_role(input: Option<&str>, creator: Role) -> Result<Role, String> {
    let role = match input.map(str::trim).filter(|r| !r.is_empty()) {
        None => return Ok(creator),
        Some(text) => Role::parse(text)?,
    };
    if role > creator {
        return Err(format!(
            "A token cannot have a higher role than yours ({}): choose {}.",
            creator.as_str(),
            assignable_roles(creator)
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    Ok(role)
}

/// The lifetime in whole days, 1–3650; absent (or `null`) means it never expires.
pub fn parse_expires_in_days(input: Option<&RawNumber>) -> Result<Option<u32>, String> {
    let Some(raw) = input else { return Ok(None) };
    match raw.value() {
        Some(n)
            if n.fract() == 0.0
                && (f64::from(EXPIRES_DAYS_MIN)..=f64::from(EXPIRES_DAYS_MAX)).contains(&n) =>
        {
            Ok(Some(n as u32))
        }
        _ => Err(format!(
            "Expiry must be a whole number of days from {EXPIRES_DAYS_MIN} to {EXPIRES_DAYS_MAX}, or null for never."
        )),
    }
}

/// Where a token stands, derived from its times when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    /// Revoked wins over expired: it is what someone did on purpose.
    pub fn at(
        now: OffsetDateTime,
        expires_at: Option<OffsetDateTime>,
        revoked_at: Option<OffsetDateTime>,
    ) -> Self {
        if revoked_at.is_some() {
            Self::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            Self::Expired
        } else {
            Self::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// An API token as lists show it. The secret itself is never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "4c3b2a19-0817-4f6e-9d5c-4b3a29180716", "name": "CRM sync", "role": "admin",
    "prefix": "ori_Xk3v9QpA", "created_at": "2026-12-01T08:00:00Z",
    "expires_at": "2027-03-01T08:00:00Z", "last_used_at": "2026-12-02T09:12:40Z",
    "revoked_at": null, "status": "active"
}))))]
pub struct ApiToken {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::token_name))]
    pub name: String,
    /// What the token may do; a request gets the lower of this and its owner's role now.
    pub role: Role,
    /// The token's first characters, to recognise it; not usable on its own.
    #[cfg_attr(feature = "openapi", schema(read_only, example = "ori_Xk3v9QpA"))]
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, read_only))]
    pub created_at: OffsetDateTime,
    /// `null`: never expires.
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, read_only, required = true))]
    pub expires_at: Option<OffsetDateTime>,
    /// When a request last used it (recorded at most once a minute).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, read_only, required = true))]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, read_only, required = true))]
    pub revoked_at: Option<OffsetDateTime>,
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub status: TokenStatus,
}

/// The answer to `POST /tokens`: the token and, this once, its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenCreated {
    #[serde(flatten)]
    pub api_token: ApiToken,
    /// The secret, for `Authorization: Bearer`. Shown only in this answer: the
    /// server keeps its hash.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, read_only, example = "ori_Xk3v9QpA7cL2mN8rT4wY6zB1dF5gH0jK9sE3uV7xQ2a")
    )]
    pub token: Secret,
}

/// Body of `POST /tokens`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "name": "CRM sync", "role": "admin", "expires_in_days": 90 }))))]
#[serde(deny_unknown_fields)]
pub struct ApiTokenCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::token_name, required = true))]
    #[serde(default)]
    pub name: String,
    /// Your own role or a lower one; absent means your own.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::role_patch))]
    #[serde(default)]
    pub role: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::token_expiry))]
    #[serde(default)]
    pub expires_in_days: Option<RawNumber>,
}

/// A valid `POST /tokens` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub expires_in_days: Option<u32>,
}

impl ApiTokenCreate {
    /// Every field rule, for a token created by someone with `creator`'s role.
    pub fn validate(&self, creator: Role) -> Result<NewToken, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", parse_token_name(&self.name));
        let role = errors.check("role", parse_token_role(self.role.as_deref(), creator));
        let expires = errors.check(
            "expires_in_days",
            parse_expires_in_days(self.expires_in_days.as_ref()),
        );
        match (name, role, expires) {
            (Some(name), Some(role), Some(expires_in_days)) => Ok(NewToken {
                name,
                role,
                expires_in_days,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_token_name("  CRM sync ").unwrap(), "CRM sync");
        assert!(parse_token_name("   ").is_err());
        assert!(parse_token_name(&"x".repeat(100)).is_ok());
        assert!(parse_token_name(&"é".repeat(101)).is_err());
        assert!(parse_token_name("a\nb").is_err());
    }

    #[test]
    fn roles_never_above_the_creator() {
        assert_eq!(
            parse_token_role(None, Role::Admin).unwrap(),
            Role::Admin,
            "default: the creator's"
        );
        assert_eq!(
            parse_token_role(Some("member"), Role::Admin).unwrap(),
            Role::Member
        );
        let above = parse_token_role(Some("super_admin"), Role::Admin).unwrap_err();
        assert!(above.contains("higher role than yours"), "{above}");
        assert!(parse_token_role(Some("root"), Role::SuperAdmin).is_err());
        assert_eq!(assignable_roles(Role::Member), vec![Role::Member]);
        assert_eq!(assignable_roles(Role::SuperAdmin).len(), 3);
    }

    #[test]
    fn expiry_days_at_the_edges() {
        let days = |v: f64| parse_expires_in_days(Some(&RawNumber::Number(v)));
        assert_eq!(parse_expires_in_days(None).unwrap(), None);
        assert_eq!(days(1.0).unwrap(), Some(1));
        assert_eq!(days(3650.0).unwrap(), Some(3650));
        for bad in [0.0, 3651.0, 1.5, -1.0] {
            assert!(days(bad).is_err(), "{bad}");
        }
        // The document says integer or null: text, even numeric or blank, is refused.
        for text in ["30", " ", "soon"] {
            assert!(parse_expires_in_days(Some(&RawNumber::Text(text.into()))).is_err());
        }
    }

    #[test]
    fn validate_collects_every_field() {
        let body = ApiTokenCreate {
            name: String::new(),
            role: Some("super_admin".into()),
            expires_in_days: Some(RawNumber::Number(0.0)),
        };
        let errors = body.validate(Role::Member).unwrap_err();
        for field in ["name", "role", "expires_in_days"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn status_prefers_revoked() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(10);
        let past = Some(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(TokenStatus::at(now, None, None), TokenStatus::Active);
        assert_eq!(TokenStatus::at(now, past, None), TokenStatus::Expired);
        assert_eq!(TokenStatus::at(now, past, past), TokenStatus::Revoked);
    }

    #[test]
    fn created_answer_is_flat() {
        let created = ApiTokenCreated {
            api_token: ApiToken {
                id: Uuid::nil(),
                name: "n".into(),
                role: Role::Member,
                prefix: "ori_abcdefgh".into(),
                created_at: OffsetDateTime::UNIX_EPOCH,
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
                status: TokenStatus::Active,
            },
            token: "ori_secret".into(),
        };
        let json = serde_json::to_value(&created).unwrap();
        assert_eq!(json["token"], "ori_secret");
        assert_eq!(json["prefix"], "ori_abcdefgh");
        assert_eq!(json["status"], "active");
    }
}
