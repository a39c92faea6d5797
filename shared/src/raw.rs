//! Lenient wire types for form values, so that a wrong *value* is a 422
//! with the field's own message rather than a JSON type error.

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::Secret;

/// A number field as sent: a JSON number, or anything else the form's box
/// held. Only a JSON number is a value (the document says `number`); text,
/// even numeric, gets the field's own 422 message rather than a type error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Number(f64),
    Text(String),
}

impl RawNumber {
    /// The numeric value; `None` for text.
    pub fn value(&self) -> Option<f64> {
        match self {
            RawNumber::Number(n) => Some(*n),
            RawNumber::Text(_) => None,
        }
    }
}

impl From<f64> for RawNumber {
    fn from(n: f64) -> Self {
        RawNumber::Number(n)
    }
}

impl From<u32> for RawNumber {
    fn from(n: u32) -> Self {
        RawNumber::Number(f64::from(n))
    }
}

/// For PATCH fields where `null` means "clear" and absence means "keep":
/// absent → `None`, `null` → `Some(None)`, value → `Some(Some(value))`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An optional secret string whose error never echoes the value: serde's
/// usual "invalid type: integer `12345`" would put a mistyped password into
/// the response and the logs.
pub fn secret_string<'de, D>(deserializer: D) -> Result<Option<Secret>, D::Error>
where
    D: Deserializer<'de>,
{
    struct SecretVisitor;

    impl<'de> serde::de::Visitor<'de> for SecretVisitor {
        type Value = Option<Secret>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Secret::from(v)))
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }

    deserializer
        .deserialize_option(SecretVisitor)
        .map_err(|_| serde::de::Error::custom("a password must be a JSON string"))
}
