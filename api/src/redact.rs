//! Secrets out of what we print.

/// The URL without the password of its `user:password@` part, for messages
/// and logs: `postgres://u:pw@h/db` → `postgres://u:***@h/db`.
pub fn url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let user = rest[..at].split(':').next().unwrap_or("");
    let hidden = if rest[..at].contains(':') { ":***" } else { "" };
    format!("{}{user}{hidden}@{}", &url[..scheme_end], &rest[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_only_the_password() {
        assert_eq!(
            url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            url("https://key:s3cret@lk.example.com/x@y"),
            "https://key:***@lk.example.com/x@y"
        );
        assert_eq!(
            url("https://token@lk.example.com"),
            "https://token@lk.example.com"
        );
        assert_eq!(url("sqlite://./data/ori.db"), "sqlite://./data/ori.db");
        assert_eq!(url("not a url"), "not a url");
    }
}
