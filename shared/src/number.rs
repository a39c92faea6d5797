//! A carrier's phone numbers (DIDs): the number, its label, direction and bot.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::check_visible;

/// Fewest and most digits a phone number may have.
pub const DIGITS_MIN: usize = 5;
pub const DIGITS_MAX: usize = 20;
/// Longest label (characters).
pub const LABEL_MAX: usize = 100;
/// Longest phone number as typed, separators included.
pub const TYPED_MAX: usize = 32;

/// A phone number as the user typed it: 5–20 digits, an optional leading
/// `+`, and spaces, dots or dashes between digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    entered: String,
    digits: String,
    plus: bool,
}

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, String> {
        let entered = input.trim();
        if entered.is_empty() {
            return Err("Phone Number is required.".into());
        }
        if entered.chars().count() > TYPED_MAX {
            return Err(format!(
                "Phone Number must be at most {TYPED_MAX} characters."
            ));
        }
        let (plus, rest) = match entered.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, entered),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'))
        {
            return Err(
                "Phone Number may contain only digits, a leading +, spaces, dots and dashes."
                    .into(),
            );
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if !(DIGITS_MIN..=DIGITS_MAX).contains(&digits.len()) {
            return Err(format!(
                "Phone Number must have {DIGITS_MIN}–{DIGITS_MAX} digits (it has {}).",
                digits.len()
            ));
        }
        Ok(Self {
            entered: entered.to_owned(),
            digits,
            plus,
        })
    }

    /// The number as entered (trimmed), for display.
    pub fn entered(&self) -> &str {
        &self.entered
    }

    /// Only the digits.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Whether the user wrote it in international form with `+`.
    pub fn is_international(&self) -> bool {
        self.plus
    }

    /// The key under which two numbers are the same line. LiveKit compares
    /// numbers after stripping separators and adding `+`, so `+1 415…` and
    /// `1415…` collide there; they collide here too.
    pub fn match_key(normalized: &str) -> String {
        normalized.chars().filter(char::is_ascii_digit).collect()
    }

    /// The number's line key: the digits of its canonical E.164 form when
    /// known (so `+918012345678` and `08012345678` on an India carrier are
    /// one line), otherwise its own digits.
    pub fn line_key(&self, e164: Option<&str>) -> String {
        e164.map_or_else(|| self.digits.clone(), Self::match_key)
    }

    /// The typed number without separators, keeping a leading `+` if typed.
    pub fn compact(&self) -> String {
        if self.plus {
            format!("+{}", self.digits)
        } else {
            self.digits.clone()
        }
    }

    /// The canonical E.164 form (`+` and digits) when it can be derived: the
    /// user wrote `+`, or `region` (an ISO 3166-1 alpha-2 code; the API maps
    /// the carrier's Destination Country to it) makes a local number valid.
    /// `None` otherwise.
    #[cfg(feature = "e164")]
    pub fn e164(&self, region: Option<&str>) -> Option<String> {
        use phonenumber::country::Id;
        if self.plus {
            return Some(format!("+{}", self.digits));
        }
        let region = region?.trim().to_ascii_uppercase().parse::<Id>().ok()?;
        let parsed = phonenumber::parse(Some(region), &self.digits).ok()?;
        phonenumber::is_valid(&parsed)
            .then(|| parsed.format().mode(phonenumber::Mode::E164).to_string())
    }
}

/// The form in which a carrier puts the called number in its INVITEs, and so
/// the form LiveKit's inbound trunk and dispatch rules must hold: LiveKit
/// matches a dispatch rule's `numbers` exactly against the called number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NumberFormat {
    /// `+` and the E.164 digits, e.g. `+918012345678`.
    #[default]
    E164,
    /// The E.164 digits without `+`, e.g. `918012345678`.
    E164NoPlus,
    /// The number as typed, without spaces, dots, dashes or parentheses
    /// (a leading `+` is kept when typed), e.g. `08012345678`.
    AsTyped,
}

impl NumberFormat {
    pub const ALL: [NumberFormat; 3] = [Self::E164, Self::E164NoPlus, Self::AsTyped];

    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_ascii_lowercase().as_str() {
            "" | "e164" => Ok(Self::E164),
            "e164_no_plus" => Ok(Self::E164NoPlus),
            "as_typed" => Ok(Self::AsTyped),
            _ => Err("Carrier sends numbers as must be e164, e164_no_plus or as_typed.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::E164 => "e164",
            Self::E164NoPlus => "e164_no_plus",
            Self::AsTyped => "as_typed",
        }
    }

    /// The option text the console shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::E164 => "+E.164",
            Self::E164NoPlus => "E.164 without +",
            Self::AsTyped => "As typed",
        }
    }

    /// The called number as LiveKit's inbound trunk and dispatch rules get
    /// it, from the number as typed and its canonical E.164 form (`+…`).
    /// Without an E.164 form, the typed digits (with `+` if typed).
    pub fn called_number(self, number: &PhoneNumber, e164: Option<&str>) -> String {
        match (self, e164) {
            (Self::AsTyped, _) | (_, None) => number.compact(),
            (Self::E164, Some(e164)) => format!("+{}", PhoneNumber::match_key(e164)),
            (Self::E164NoPlus, Some(e164)) => PhoneNumber::match_key(e164),
        }
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The number as the outbound trunk gets it (the caller id): the canonical
/// E.164 form, or the typed digits (with `+` if typed) when there is none.
pub fn caller_id(number: &PhoneNumber, e164: Option<&str>) -> String {
    e164.map_or_else(
        || number.compact(),
        |e| format!("+{}", PhoneNumber::match_key(e)),
    )
}

/// An optional short name for a number, e.g. "Sales line".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLabel(String);

impl NumberLabel {
    pub fn parse_optional(input: Option<&str>) -> Result<Option<Self>, String> {
        let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if text.chars().count() > LABEL_MAX {
            return Err(format!("Label must be at most {LABEL_MAX} characters."));
        }
        check_visible("Label", text)?;
        Ok(Some(Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a number is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound and outbound.
    #[default]
    Both,
    /// Receive calls only.
    Inbound,
    /// Make calls only.
    Outbound,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Self::Both, Self::Inbound, Self::Outbound];

    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_ascii_lowercase().as_str() {
            "" | "both" => Ok(Self::Both),
            "inbound" => Ok(Self::Inbound),
            "outbound" => Ok(Self::Outbound),
            _ => Err("Direction must be both, inbound or outbound.".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Both => "both",
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    /// The choice's name, as the Direction cards and badges show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Both => "Both",
            Self::Inbound => "Inbound",
            Self::Outbound => "Outbound",
        }
    }

    /// What the choice means, in the spec's words (follows [`Self::label`]).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Both => "(inbound and outbound)",
            Self::Inbound => "(receive calls only)",
            Self::Outbound => "(make calls only)",
        }
    }

    /// Takes inbound calls, so it can have a bot.
    pub fn is_inbound(self) -> bool {
        matches!(self, Self::Both | Self::Inbound)
    }

    /// Can place calls, so it goes on the outbound trunk and the pool.
    pub fn is_outbound(self) -> bool {
        matches!(self, Self::Both | Self::Outbound)
    }
}

#[cfg(test)]
mod tests;
