//! Layered configuration: defaults → optional TOML file → `ORI_*`
//! environment. Secrets may also come from a file named by `ORI_<NAME>_FILE`.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Holds the SQLite database and generated keys.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The built SPA (`trunk build` output).
    pub static_dir: PathBuf,
    /// Largest accepted JSON body, in bytes.
    pub body_limit: usize,
    /// `/metrics` needs `Authorization: Bearer <this>` when set.
    #[serde(skip_serializing)]
    pub metrics_token: Option<SecretString>,
    #[serde(skip_serializing)]
    pub metrics_token_file: Option<PathBuf>,
    /// Serve `/metrics` on this address only (not on `bind`) when set.
    pub metrics_bind: Option<String>,
    /// Encrypts SIP passwords at rest: 32 bytes, base64. Generated into the
    /// data directory when unset.
    #[serde(skip_serializing)]
    pub secret_key: Option<SecretString>,
    #[serde(skip_serializing)]
    pub secret_key_file: Option<PathBuf>,
    /// Signs session tokens (at least 32 characters). Generated into the
    /// data directory when unset; replicas must share one.
    #[serde(skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    #[serde(skip_serializing)]
    pub jwt_secret_file: Option<PathBuf>,
    /// How long a login lasts at most.
    pub session_hours: u64,
    /// A login unused this long ends (seconds).
    pub session_idle_secs: u64,
    /// Proxies whose `X-Forwarded-For` names the client: addresses or CIDRs,
    /// comma-separated. Empty: the TCP peer is the client.
    pub trusted_proxies: String,
    /// Plain-HTTP development: the session cookie drops `Secure` (and with
    /// it the `__Host-` prefix, which browsers refuse without `Secure`).
    pub insecure_http: bool,
    /// Super admins must turn on two-factor sign-in (TOTP) before they can
    /// do anything else. On by default.
    pub require_2fa: bool,
    /// The first super admin, created when no account exists.
    pub admin_email: Option<String>,
    #[serde(skip_serializing)]
    pub admin_password: Option<SecretString>,
    #[serde(skip_serializing)]
    pub admin_password_file: Option<PathBuf>,
    /// LiveKit's URL (`https://…` or `wss://…`); sync is off when unset.
    pub livekit_url: Option<String>,
    pub livekit_api_key: Option<String>,
    #[serde(skip_serializing)]
    pub livekit_api_secret: Option<SecretString>,
    #[serde(skip_serializing)]
    pub livekit_api_secret_file: Option<PathBuf>,
    /// How often the reconciler looks for work besides being woken by writes.
    pub sync_poll_ms: u64,
    /// How often LiveKit is compared with the database in full (drift repair).
    pub sync_full_pass_secs: u64,
    /// First retry delay after a failed sync; doubles up to `sync_retry_max_secs`.
    pub sync_retry_base_ms: u64,
    pub sync_retry_max_secs: u64,
    /// How long a replica's claim on a carrier lasts without renewal.
    pub sync_lease_ms: u64,
    /// Most carriers one replica syncs at once (LiveKit requests in flight
    /// are bounded separately, at 16 per replica).
    pub sync_concurrency: usize,
    /// Accept SIP addresses on this machine (`localhost`, 127.0.0.0/8, `::1`):
    /// for development and tests that run a SIP server locally.
    pub allow_loopback_sip: bool,
    /// Extra CA certificates (PEM) that Test connection trusts for TLS, besides
    /// the public roots: for carriers whose certificate a private CA signed.
    pub sip_tls_ca_file: Option<PathBuf>,
    /// How often the reachability monitor probes each monitored carrier.
    pub monitor_interval_secs: u64,
    /// How long one probe waits for an answer (per transport tried).
    pub probe_timeout_ms: u64,
    /// How long a hot read (a list page, the session or API token behind a
    /// request) is reused, in milliseconds; this replica's own writes end it
    /// at once, another replica's show within this time. 0: never reused.
    pub read_cache_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            static_dir: PathBuf::from("./dist"),
            body_limit: 64 * 1024,
            metrics_token: None,
            metrics_token_file: None,
            metrics_bind: None,
            secret_key: None,
            secret_key_file: None,
            jwt_secret: None,
            jwt_secret_file: None,
            session_hours: 12,
            session_idle_secs: 30 * 60,
            trusted_proxies: String::new(),
            insecure_http: false,
            require_2fa: true,
            admin_email: None,
            admin_password: None,
            admin_password_file: None,
            livekit_url: None,
            livekit_api_key: None,
            livekit_api_secret: None,
            livekit_api_secret_file: None,
            sync_poll_ms: 2000,
            sync_full_pass_secs: 300,
            sync_retry_base_ms: 1000,
            sync_retry_max_secs: 300,
            sync_lease_ms: 60_000,
            sync_concurrency: 32,
            allow_loopback_sip: false,
            sip_tls_ca_file: None,
            monitor_interval_secs: 60,
            probe_timeout_ms: 3000,
            read_cache_ms: crate::db::READ_CACHE_MS,
        }
    }
}

impl Settings {
    /// Reads the layers: `ORI_CONFIG` names the TOML file (default
    /// `ori.toml`, used when present).
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("ORI_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("ori.toml"));
        Self::figment(&file).extract().map_err(Box::new)
    }

    pub fn figment(file: &Path) -> Figment {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("ORI_").ignore(&["config"]))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ori.db").display()
            ),
        }
    }
}

/// A secret from its value or from the file `path` names (trailing newline
/// removed), the file winning when both are set.
pub fn read_secret(
    value: Option<&SecretString>,
    path: Option<&Path>,
) -> std::io::Result<Option<SecretString>> {
    if let Some(path) = path {
        let text = std::fs::read_to_string(path)?;
        return Ok(Some(SecretString::from(
            text.trim_end_matches(['\r', '\n']),
        )));
    }
    Ok(value.cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("ori.toml", "bind = \"0.0.0.0:9000\"\nbody_limit = 1000")?;
            jail.set_env("ORI_BODY_LIMIT", "2000");
            let s: Settings = Settings::figment(Path::new("ori.toml")).extract()?;
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.body_limit, 2000);
            assert_eq!(s.static_dir, PathBuf::from("./dist"));
            Ok(())
        });
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let s = Settings {
            data_dir: "/var/lib/ori".into(),
            ..Settings::default()
        };
        assert_eq!(s.database_url(), "sqlite:///var/lib/ori/ori.db?mode=rwc");
    }
}
