//! Accounts, bots, the audit log and the campaign number pool: rules and DTOs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::errors::FieldErrors;
use crate::raw::secret_string;
use crate::secret::Secret;
use crate::text::check_visible;

/// Who may do what. Carrier setup is super admin only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Admin,
    SuperAdmin,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Member, Self::Admin, Self::SuperAdmin];

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            "super_admin" => Ok(Self::SuperAdmin),
            _ => Err("Role must be member, admin or super_admin.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
            Self::SuperAdmin => "super_admin",
        }
    }
}

/// Longest login email (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Longest bot name (characters).
pub const BOT_NAME_MAX: usize = 100;
/// Longest LiveKit agent name.
pub const AGENT_NAME_MAX: usize = 128;

/// A login email: trimmed, lower-cased, one `@` with text on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= EMAIL_MAX
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if valid {
            Ok(Self(email))
        } else {
            Err("Enter an email address such as admin@example.com.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest and longest account password.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// A new account password (the login form does not check this rule, so a
/// user whose password predates it can still log in).
pub fn check_new_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(format!(
            "Password must be {PASSWORD_MIN}–{PASSWORD_MAX} characters long."
        ));
    }
    Ok(())
}

/// A bot's display name: not blank, at most 100 characters.
pub fn parse_bot_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Name is required.".into());
    }
    if name.chars().count() > BOT_NAME_MAX {
        return Err(format!("Name must be at most {BOT_NAME_MAX} characters."));
    }
    check_visible("Name", name)?;
    Ok(name.to_owned())
}

/// The LiveKit agent a bot dispatches: letters, digits, `-`, `_` and `.`.
pub fn parse_agent_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    let ok = !name.is_empty()
        && name.len() <= AGENT_NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "Agent name is required: letters, digits, dashes, dots and underscores (at most {AGENT_NAME_MAX})."
        ))
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "email": "admin@example.com",
    "password": "correct horse battery staple"
}))))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email, required = true))]
    #[serde(default)]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::given_password, required = true))]
    #[serde(default)]
    pub password: Secret,
    /// Needed when the account has two-factor sign-in on: without it, a
    /// right password answers 401 `urn:ori:problem:two-factor-required`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::two_factor_code_optional))]
    #[serde(default, deserialize_with = "secret_string")]
    pub code: Option<Secret>,
}

/// The signed-in account, as `GET /me` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "3f2b1a0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9", "email": "admin@example.com",
    "role": "super_admin", "timezone": "Asia/Kolkata",
    "two_factor_enabled": true, "two_factor_setup_required": false
}))))]
pub struct Me {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub email: String,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::timezone))]
    pub timezone: String,
    /// Sign-in asks this account for a code after the password.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub two_factor_enabled: bool,
    /// This account must turn on two-factor sign-in first: until it does,
    /// every other request answers 403 `urn:ori:problem:two-factor-setup-required`.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub two_factor_setup_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzZjJiIn0.c2lnbmF0dXJl", "token_type": "Bearer",
    "expires_at": "2026-12-02T21:30:00Z",
    "user": { "id": "3f2b1a0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9", "email": "admin@example.com", "role": "super_admin", "timezone": "Asia/Kolkata",
              "two_factor_enabled": true, "two_factor_setup_required": false }
}))))]
pub struct LoginResponse {
    /// The same JWT the session cookie holds, for `Authorization: Bearer`.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(read_only, examples("Bearer")))]
    pub token_type: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    pub user: Me,
}

/// Body of `PATCH /me`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "timezone": "Asia/Kolkata" }))))]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::timezone_optional))]
    pub timezone: Option<String>,
    /// Required with `new_password`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::given_password_optional))]
    #[serde(default, deserialize_with = "secret_string")]
    pub current_password: Option<Secret>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::new_password_optional))]
    #[serde(default, deserialize_with = "secret_string")]
    pub new_password: Option<Secret>,
}

/// Body of `POST /users`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "email": "ops@example.com",
    "password": "a long passphrase",
    "role": "admin",
    "timezone": "Europe/London"
}))))]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email, required = true))]
    #[serde(default)]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::new_password, required = true))]
    #[serde(default)]
    pub password: Secret,
    #[cfg_attr(feature = "openapi", schema(value_type = Role, required = true))]
    #[serde(default)]
    pub role: String,
    /// Defaults to UTC.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::timezone_optional))]
    pub timezone: Option<String>,
}

impl UserCreate {
    /// Field rules that need no database (the time zone is checked by the API).
    pub fn validate(&self) -> Result<(Email, Role), FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&self.email));
        errors.check("password", check_new_password(self.password.expose()));
        let role = errors.check("role", Role::parse(&self.role));
        match (email, role) {
            (Some(email), Some(role)) if errors.is_empty() => Ok((email, role)),
            _ => Err(errors),
        }
    }
}

/// Body of `PATCH /users/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "role": "member" }))))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::role_patch))]
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7", "email": "ops@example.com", "role": "admin",
    "timezone": "Europe/London", "created_at": "2026-11-27T10:00:00Z"
}))))]
pub struct User {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::email))]
    pub email: String,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::timezone))]
    pub timezone: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, read_only))]
    pub created_at: OffsetDateTime,
}

/// A bot that can answer inbound calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "0b9f6a52-3c1e-4d7a-9a34-5f0c2e8d1b47", "name": "Receptionist",
    "agent_name": "inbound-agent", "number_count": 3
}))))]
pub struct Bot {
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::bot_name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::agent_name))]
    pub agent_name: String,
    /// How many phone numbers (on any carrier) are assigned to this bot: the
    /// numbers that report it missing ("Bot not found") once it is deleted.
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub number_count: u32,
}

/// Body of `POST /bots`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "name": "Receptionist", "agent_name": "inbound-agent" }))))]
#[serde(deny_unknown_fields)]
pub struct BotCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::bot_name, required = true))]
    #[serde(default)]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::agent_name, required = true))]
    #[serde(default)]
    pub agent_name: String,
}

impl BotCreate {
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        BotWrite {
            name: Some(self.name.clone()),
            agent_name: Some(self.agent_name.clone()),
        }
        .apply(None)
    }
}

/// Body of `PATCH /bots/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({ "name": "Front desk" }))))]
#[serde(deny_unknown_fields)]
pub struct BotWrite {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::bot_name_patch))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::agent_name_patch))]
    pub agent_name: Option<String>,
}

impl BotWrite {
    /// The bot after applying this body to `current` (all fields required
    /// when there is no current bot).
    pub fn apply(&self, current: Option<&Bot>) -> Result<(String, String), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self
            .name
            .as_deref()
            .or(current.map(|b| b.name.as_str()))
            .unwrap_or("");
        let agent = self
            .agent_name
            .as_deref()
            .or(current.map(|b| b.agent_name.as_str()))
            .unwrap_or("");
        let name = errors.check("name", parse_bot_name(name));
        let agent = errors.check("agent_name", parse_agent_name(agent));
        match (name, agent) {
            (Some(name), Some(agent)) => Ok((name, agent)),
            _ => Err(errors),
        }
    }
}

/// One audit log row. `fields` names what changed, never secret values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "id": "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9", "at": "2026-12-02T09:30:11Z",
    "actor_id": "3f2b1a0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9", "actor_email": "admin@example.com",
    "action": "carrier.update", "target_type": "carrier",
    "target_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11",
    "carrier_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "fields": ["outbound_cps", "password"],
    "detail": null
}))))]
pub struct AuditEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor_email: Option<String>,
    /// e.g. `carrier.update`, `login.failure`.
    pub action: String,
    pub target_type: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub target_id: Option<String>,
    /// The carrier whose history holds this event (a carrier's or its number's event).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub carrier_id: Option<Uuid>,
    pub fields: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "items": [{
        "id": "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9", "at": "2026-12-02T09:30:11Z",
        "actor_id": "3f2b1a0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9", "actor_email": "admin@example.com",
        "action": "carrier.update", "target_type": "carrier",
        "target_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11",
        "carrier_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "fields": ["outbound_cps"], "detail": null
    }],
    "next_cursor": "MTczMzEzMTgxMTAwMDplMWQy"
}))))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// An outbound-capable number of a synced carrier, for a campaign's pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "number_id": "9a0e3c55-1f7b-4d2a-8c61-3e4f5a6b7c8d", "number": "+91 80 1234 5678",
    "normalized": "+918012345678", "label": "Sales line",
    "carrier_id": "5d1c6f0e-8a42-4c1b-9f3e-2b7a9c0d4e11", "carrier_name": "Primary trunk — IN",
    "outbound_cps": 2.5, "outbound_burst": 5, "outbound_channels": 30
}))))]
pub struct PoolNumber {
    pub number_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::phone_number))]
    pub number: String,
    /// The caller id the outbound trunk sends: E.164 when it can be derived.
    pub normalized: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::number_label, required = true))]
    pub label: Option<String>,
    pub carrier_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::carrier_name))]
    pub carrier_name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::cps))]
    pub outbound_cps: f64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::burst))]
    pub outbound_burst: u32,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::channels))]
    pub outbound_channels: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Admin@Example.COM ").unwrap().as_str(),
            "admin@example.com"
        );
        for bad in ["", "admin", "@x", "a@", "a b@x.y", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_and_roles() {
        assert!(check_new_password(&"x".repeat(11)).is_err());
        assert!(check_new_password(&"x".repeat(12)).is_ok());
        assert!(check_new_password(&"x".repeat(129)).is_err());
        assert_eq!(Role::parse("super_admin").unwrap(), Role::SuperAdmin);
        assert!(Role::parse("root").is_err());
        assert!(Role::SuperAdmin > Role::Admin && Role::Admin > Role::Member);
    }

    #[test]
    fn bots() {
        let w = BotWrite {
            name: Some(" Receptionist ".into()),
            agent_name: Some("inbound-agent".into()),
        };
        assert_eq!(
            w.apply(None).unwrap(),
            ("Receptionist".into(), "inbound-agent".into())
        );
        let errors = BotWrite::default().apply(None).unwrap_err();
        assert!(errors.get("name").is_some() && errors.get("agent_name").is_some());
        assert!(parse_agent_name("has space").is_err());
        let bot = Bot {
            id: Uuid::nil(),
            name: "A".into(),
            agent_name: "a".into(),
            number_count: 0,
        };
        let renamed = BotWrite {
            name: Some("B".into()),
            agent_name: None,
        }
        .apply(Some(&bot))
        .unwrap();
        assert_eq!(renamed, ("B".into(), "a".into()));
    }
}
