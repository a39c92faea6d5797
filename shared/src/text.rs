//! What no name or label a person types may hold: control characters, and
//! characters that are invisible or reorder the text around them, which can
//! make one carrier's name read as another's in lists and logs
//! ("Trojan Source", CVE-2021-42574).

/// Zero-width characters, bidirectional marks, embeddings, overrides and
/// isolates, and the byte-order mark / zero-width no-break space.
pub const HIDDEN_RANGES: [(char, char); 5] = [
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

pub fn is_hidden(c: char) -> bool {
    HIDDEN_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// A name or label shows what it holds: no control, invisible or
/// direction-changing characters. `label` names the field in the message.
pub fn check_visible(label: &str, text: &str) -> Result<(), String> {
    if text.chars().any(char::is_control) {
        return Err(format!("{label} cannot contain control characters."));
    }
    if let Some(c) = text.chars().find(|&c| is_hidden(c)) {
        return Err(format!(
            "{label} cannot contain invisible or direction-changing characters (U+{:04X}).",
            u32::from(c)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_visible;

    #[test]
    fn visible_text() {
        assert!(check_visible("Name", "Primary trunk — IN").is_ok());
        assert!(check_visible("Name", "Café 東京").is_ok());
        assert_eq!(
            check_visible("Name", "abc\u{202E}cba").unwrap_err(),
            "Name cannot contain invisible or direction-changing characters (U+202E)."
        );
        for hidden in ['\u{200B}', '\u{200F}', '\u{2066}', '\u{FEFF}', '\u{2060}'] {
            assert!(check_visible("Label", &format!("a{hidden}b")).is_err());
        }
        assert_eq!(
            check_visible("Label", "a\0b").unwrap_err(),
            "Label cannot contain control characters."
        );
    }
}
