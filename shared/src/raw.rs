//! Lenient wire types for form values, so that a wrong *value* is a 422
//! with the field's own message rather than a JSON type error.

use serde::{Deserialize, Deserializer, Serialize};

/// A number as a JSON number or as the text of a form input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Number(f64),
    Text(String),
}

impl RawNumber {
    /// The numeric value, or `None` when the text is not a number.
    pub fn value(&self) -> Option<f64> {
        match self {
            RawNumber::Number(n) => Some(*n),
            RawNumber::Text(t) => t.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
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
