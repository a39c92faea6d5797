//! The carrier's free-text Destination Country as ISO 3166-1 alpha-2: the
//! form LiveKit's `destination_country` wants, and the region a local phone
//! number is read in to get its E.164 form ([`e164`]). The planner and the
//! numbers routes use this one mapping, so "India" and "IN" mean the same.
//!
//! Server-side only: the `celes` and phone metadata tables stay out of the SPA.
//!
//! The table of codes, names and aliases is the `celes` crate's; we add
//! the everyday forms it lacks ("UK", "U.S.A.", "Britain", …) and correct
//! one of its aliases ("Samoa" is WS, not American Samoa).

use std::str::FromStr;

use celes::Country;
use ori_shared::number::PhoneNumber;

/// Everyday names `celes` does not know, keyed by [`squash`]ed text.
const ALIASES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("britain", "GB"),
    ("wales", "GB"),
    ("us", "US"),
    ("usa", "US"),
    ("unitedstatesamerica", "US"),
    ("samoa", "WS"),
    ("korea", "KR"),
    ("vietnam", "VN"),
    ("bolivia", "BO"),
    ("uae", "AE"),
    ("czechia", "CZ"),
    ("hongkong", "HK"),
];

/// The plain letter for the accented Latin letters of country names.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Lower case, letters and digits only, accents dropped ("U.S.A." →
/// "usa", "Great Britain" → "greatbritain", "Côte d'Ivoire" →
/// "cotedivoire"), with a leading "the" dropped.
fn squash(text: &str) -> String {
    let squashed: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect();
    match squashed.strip_prefix("the") {
        Some(rest) if rest.len() > 2 => rest.to_owned(),
        _ => squashed,
    }
}

/// ISO 3166-1 alpha-2 for a country code (alpha-2 or alpha-3) or an
/// English name, in any case, e.g. "IN", "in", "India", "United States",
/// "USA", "UK", "Great Britain". `None` when the text names no country.
pub fn iso_alpha2(text: &str) -> Option<&'static str> {
    let key = squash(text);
    if key.is_empty() || key.chars().any(|c| c.is_ascii_digit()) {
        // Numeric codes ("356") are not what users type; don't guess.
        return None;
    }
    if let Some((_, code)) = ALIASES.iter().find(|(alias, _)| *alias == key) {
        return Some(code);
    }
    let country = Country::from_str(&key)
        .or_else(|_| Country::from_alias(&key))
        .or_else(|_| Country::from_name(&key))
        .or_else(|_| Country::from_name(format!("the{key}")))
        .ok()?;
    Some(country.alpha2)
}

/// The canonical E.164 form (`+…`) of `number` on a carrier whose
/// Destination Country is `destination_country` (a code or a name), or
/// `None` when it cannot be derived.
pub fn e164(number: &PhoneNumber, destination_country: Option<&str>) -> Option<String> {
    number.e164(destination_country.and_then(iso_alpha2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_reads_local_numbers_in_the_named_country() {
        let local = PhoneNumber::parse("080 1234 5678").unwrap();
        for country in ["India", "IN", "ind", "india "] {
            assert_eq!(
                e164(&local, Some(country)).as_deref(),
                Some("+918012345678"),
                "{country}"
            );
        }
        assert_eq!(e164(&local, None), None);
        assert_eq!(e164(&local, Some("Europe")), None);
        let intl = PhoneNumber::parse("+1 415 555 0100").unwrap();
        assert_eq!(e164(&intl, Some("India")).as_deref(), Some("+14155550100"));
    }

    #[test]
    fn codes_in_any_case() {
        assert_eq!(iso_alpha2("IN"), Some("IN"));
        assert_eq!(iso_alpha2("in"), Some("IN"));
        assert_eq!(iso_alpha2(" gb "), Some("GB"));
        assert_eq!(iso_alpha2("US"), Some("US"));
        assert_eq!(iso_alpha2("de"), Some("DE"));
        assert_eq!(iso_alpha2("IND"), Some("IN"));
        assert_eq!(iso_alpha2("deu"), Some("DE"));
    }

    #[test]
    fn names_in_any_case() {
        assert_eq!(iso_alpha2("India"), Some("IN"));
        assert_eq!(iso_alpha2("india"), Some("IN"));
        assert_eq!(iso_alpha2("United States"), Some("US"));
        assert_eq!(iso_alpha2("United States of America"), Some("US"));
        assert_eq!(iso_alpha2("the United States"), Some("US"));
        assert_eq!(iso_alpha2("United Kingdom"), Some("GB"));
        assert_eq!(iso_alpha2("Great Britain"), Some("GB"));
        assert_eq!(iso_alpha2("Germany"), Some("DE"));
        assert_eq!(iso_alpha2("Netherlands"), Some("NL"));
        assert_eq!(iso_alpha2("The Netherlands"), Some("NL"));
        assert_eq!(iso_alpha2("Philippines"), Some("PH"));
        assert_eq!(iso_alpha2("South Africa"), Some("ZA"));
        assert_eq!(iso_alpha2("New Zealand"), Some("NZ"));
        assert_eq!(iso_alpha2("Côte d'Ivoire"), Some("CI"));
        assert_eq!(iso_alpha2("Brazil"), Some("BR"));
        assert_eq!(iso_alpha2("Türkiye"), Some("TR"));
        assert_eq!(iso_alpha2("Curaçao"), Some("CW"));
        assert_eq!(iso_alpha2("Réunion"), Some("RE"));
        assert_eq!(iso_alpha2("Russia"), Some("RU"));
        assert_eq!(iso_alpha2("South Korea"), Some("KR"));
        assert_eq!(iso_alpha2("United Arab Emirates"), Some("AE"));
    }

    #[test]
    fn everyday_aliases() {
        assert_eq!(iso_alpha2("UK"), Some("GB"));
        assert_eq!(iso_alpha2("U.K."), Some("GB"));
        assert_eq!(iso_alpha2("USA"), Some("US"));
        assert_eq!(iso_alpha2("U.S.A."), Some("US"));
        assert_eq!(iso_alpha2("U.S."), Some("US"));
        assert_eq!(iso_alpha2("America"), Some("US"));
        assert_eq!(iso_alpha2("Britain"), Some("GB"));
        assert_eq!(iso_alpha2("England"), Some("GB"));
        assert_eq!(iso_alpha2("UAE"), Some("AE"));
        assert_eq!(iso_alpha2("Samoa"), Some("WS"));
        assert_eq!(iso_alpha2("American Samoa"), Some("AS"));
        assert_eq!(iso_alpha2("Vietnam"), Some("VN"));
        assert_eq!(iso_alpha2("Viet Nam"), Some("VN"));
        assert_eq!(iso_alpha2("Czech Republic"), Some("CZ"));
    }

    #[test]
    fn not_a_country() {
        assert_eq!(iso_alpha2(""), None);
        assert_eq!(iso_alpha2("   "), None);
        assert_eq!(iso_alpha2("Europe"), None);
        assert_eq!(iso_alpha2("worldwide"), None);
        assert_eq!(iso_alpha2("XX"), None);
        assert_eq!(iso_alpha2("356"), None);
        assert_eq!(iso_alpha2("IN-MH"), None);
        assert_eq!(iso_alpha2("+91"), None);
    }
}
