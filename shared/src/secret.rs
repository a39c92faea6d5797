//! A password or other secret text in a request body: `Debug` never shows
//! it, so no log line or panic message built from a DTO can leak one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Secret text. Serialises as the plain string (the SPA sends it); reading
/// it needs [`Secret::expose`], which is easy to find in a review.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself: only to check, hash or encrypt it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A JSON string only; the error never echoes the value (see
/// [`crate::raw::secret_string`], which the optional fields use).
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::raw::secret_string(deserializer).map(Option::unwrap_or_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{LoginRequest, MePatch, UserCreate};
    use crate::dto::{CarrierCreate, CarrierPatch};

    const PASSWORD: &str = "hunter2-correct-horse";

    fn assert_hidden(what: &str, debug: String) {
        assert!(
            !debug.contains(PASSWORD),
            "{what} shows the password: {debug}"
        );
        assert!(debug.contains("[redacted]"), "{what}: {debug}");
    }

    #[test]
    fn no_request_body_shows_a_password_in_debug() {
        let secret = || Secret::from(PASSWORD);
        let login = LoginRequest {
            email: "a@b.c".into(),
            password: secret(),
            code: Some(secret()),
        };
        assert_hidden("LoginRequest", format!("{login:?}"));
        let disable = crate::two_factor::TwoFactorDisable {
            password: secret(),
            code: Some(secret()),
        };
        assert_hidden("TwoFactorDisable", format!("{disable:?}"));
        let me = MePatch {
            current_password: Some(secret()),
            new_password: Some(secret()),
            ..MePatch::default()
        };
        assert_hidden("MePatch", format!("{me:?}"));
        assert_hidden("MePatch pretty", format!("{me:#?}"));
        let user = UserCreate {
            password: secret(),
            ..UserCreate::default()
        };
        assert_hidden("UserCreate", format!("{user:?}"));
        let create = CarrierCreate {
            password: Some(secret()),
            ..CarrierCreate::default()
        };
        assert_hidden("CarrierCreate", format!("{create:?}"));
        let patch = CarrierPatch {
            password: Some(secret()),
            ..CarrierPatch::default()
        };
        assert_hidden("CarrierPatch", format!("{patch:?}"));
    }

    #[test]
    fn a_new_api_token_is_not_shown_in_debug() {
        let created = crate::tokens::ApiTokenCreated {
            api_token: crate::tokens::ApiToken {
                id: uuid::Uuid::nil(),
                name: "n".into(),
                role: crate::accounts::Role::Member,
                prefix: "ori_abcdefgh".into(),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
                status: crate::tokens::TokenStatus::Active,
            },
            token: Secret::from(PASSWORD),
        };
        assert_hidden("ApiTokenCreated", format!("{created:?}"));
        let json = serde_json::to_value(&created).expect("json");
        assert_eq!(json["token"], PASSWORD);
    }

    #[test]
    fn the_wire_form_is_the_plain_string() {
        let login: LoginRequest =
            serde_json::from_str(&format!(r#"{{"email":"a@b.c","password":"{PASSWORD}"}}"#))
                .expect("login");
        assert_eq!(login.password.expose(), PASSWORD);
        let json = serde_json::to_value(&login).expect("json");
        assert_eq!(json["password"], PASSWORD);
        // Anything but a string is refused without echoing it.
        let e = serde_json::from_str::<LoginRequest>(r#"{"password":987654321}"#)
            .expect_err("a number");
        assert!(!e.to_string().contains("987654321"), "{e}");
        let none: LoginRequest = serde_json::from_str(r#"{"password":null}"#).expect("null");
        assert!(none.password.is_empty());
    }
}
