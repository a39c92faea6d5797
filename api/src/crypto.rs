//! SIP passwords encrypted at rest with AES-256-GCM.
//!
//! Stored form: `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext+tag`.
//! The version byte names the key, so a new key can be introduced while old
//! values still decrypt.

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const KEY_FILE: &str = "secret.key";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the secret key must be 32 bytes encoded as base64")]
    BadKey,
    #[error("a stored secret could not be decrypted (wrong key or corrupted value)")]
    Decrypt,
    #[error("could not read or write the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    /// A key file that exists but holds no usable key: refused rather than
    /// used, naming the file so the operator can fix or replace it.
    #[error("the key file {path} is not usable: {reason}")]
    WeakKeyFile { path: String, reason: String },
}

/// Shortest JWT signing secret, in characters.
pub const JWT_SECRET_MIN: usize = 32;

/// A JWT signing secret long enough to resist guessing.
pub fn check_jwt_secret(text: &str) -> Result<(), String> {
    let n = text.chars().count();
    if n < JWT_SECRET_MIN {
        return Err(format!(
            "the JWT secret must be at least {JWT_SECRET_MIN} characters (it has {n})"
        ));
    }
    Ok(())
}

/// An encryption key: base64 that decodes to exactly 32 bytes.
pub fn check_aes_key(text: &str) -> Result<(), String> {
    match STANDARD.decode(text.trim()) {
        Ok(bytes) if bytes.len() == 32 => Ok(()),
        Ok(bytes) => Err(format!(
            "the secret key must be 32 bytes encoded as base64 (it decodes to {})",
            bytes.len()
        )),
        Err(_) => {
            Err("the secret key must be 32 bytes encoded as base64 (it is not base64)".into())
        }
    }
}

/// Encrypts and decrypts stored secrets. `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// Keys [`SecretBox::fingerprint`]; derived from the key, never the key itself.
    mac_key: [u8; 32],
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// From a base64 key, as `ORI_SECRET_KEY` holds it.
    pub fn from_base64(key: &SecretString) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.expose_secret().trim())
            .map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        let mac_key = Sha256::new()
            .chain_update(b"ori fingerprint key v1")
            .chain_update(key)
            .finalize()
            .into();
        Ok(Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
            mac_key,
        })
    }

    /// A keyed hash (HMAC-SHA256, hex) of `data`: tells whether two values
    /// are equal without storing either, even when they hold a password.
    pub fn fingerprint(&self, data: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(data);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The configured key, or the one kept in `data_dir` (created on first
    /// start, readable by the owner only).
    pub fn load_or_create(
        key: Option<&SecretString>,
        data_dir: &Path,
    ) -> Result<Self, CryptoError> {
        if let Some(key) = key {
            return Self::from_base64(key);
        }
        let key = load_or_create_key_file(&data_dir.join(KEY_FILE), check_aes_key)?;
        Self::from_base64(&key)
    }

    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for our sizes.
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, stored: &[u8]) -> Result<SecretString, CryptoError> {
        let (version, rest) = stored.split_first().ok_or(CryptoError::Decrypt)?;
        if *version != VERSION || rest.len() < NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Decrypt)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Decrypt)
    }
}

/// The key in `path`, or a new random 32-byte key (base64) written there
/// when the file does not exist yet. Either way it must pass `check`: an
/// empty or truncated file is refused with its path, never used.
///
/// A new file appears complete or not at all: it is written to a temporary
/// file in the same directory (owner-only), synced, then linked into place.
/// A link, unlike a rename, fails when the name exists, so when replicas
/// start together exactly one key wins and the others read it.
pub fn load_or_create_key_file(
    path: &Path,
    check: fn(&str) -> Result<(), String>,
) -> Result<SecretString, CryptoError> {
    let shown = || path.display().to_string();
    let io_err = |source| CryptoError::KeyFile {
        path: shown(),
        source,
    };
    let read = || -> Result<SecretString, CryptoError> {
        let text = std::fs::read_to_string(path).map_err(io_err)?;
        let text = text.trim();
        check(text).map_err(|reason| CryptoError::WeakKeyFile {
            path: shown(),
            reason,
        })?;
        Ok(SecretString::from(text.to_owned()))
    };
    match std::fs::metadata(path) {
        Ok(meta) => {
            warn_if_shared(path, &meta);
            return read();
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    let text = STANDARD.encode(Aes256Gcm::generate_key(&mut OsRng));
    match create_private(path, &text) {
        Ok(()) => Ok(SecretString::from(text)),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(),
        Err(e) => Err(io_err(e)),
    }
}

/// A key file others can read is still used (refusing would stop a running
/// installation), but said loudly.
fn warn_if_shared(path: &Path, meta: &std::fs::Metadata) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{mode:o}"),
                "a key file is readable by other users: chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
}

/// Creates `path` holding `contents` (mode 0600), atomically and only if it
/// does not exist (`AlreadyExists` otherwise).
fn create_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
    let nonce: [u8; 8] = rand::random();
    let suffix: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{}.{suffix}.tmp", name.to_string_lossy()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let linked = options
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(contents.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::hard_link(&tmp, path));
    // The temporary name is ours alone; the key lives on under `path`.
    let _ = std::fs::remove_file(&tmp);
    linked?;
    // Make the new name itself durable (best effort: not every platform
    // can open a directory).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_a_fresh_nonce_each_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sb = SecretBox::load_or_create(None, dir.path()).expect("key");
        let a = sb.encrypt("s3cret");
        let b = sb.encrypt("s3cret");
        assert_ne!(a, b, "nonces must differ");
        assert!(!a.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(sb.decrypt(&a).expect("decrypt").expose_secret(), "s3cret");
        // The same key is read back on the next start.
        let again = SecretBox::load_or_create(None, dir.path()).expect("key");
        assert_eq!(
            again.decrypt(&b).expect("decrypt").expose_secret(),
            "s3cret"
        );
    }

    #[test]
    fn tampering_and_wrong_keys_fail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sb = SecretBox::load_or_create(None, dir.path()).expect("key");
        let mut v = sb.encrypt("s3cret");
        let last = v.len() - 1;
        v[last] ^= 1;
        assert!(sb.decrypt(&v).is_err());
        let other =
            SecretBox::from_base64(&SecretString::from(STANDARD.encode([7u8; 32]))).expect("key");
        assert!(other.decrypt(&sb.encrypt("x")).is_err());
        assert!(SecretBox::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
    }

    #[test]
    fn a_weak_key_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(KEY_FILE);
        for bad in ["", "\n", "c2hvcnQ=", "not base64 at all!"] {
            std::fs::write(&path, bad).expect("write");
            let e = SecretBox::load_or_create(None, dir.path()).expect_err(bad);
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        }
        let jwt = dir.path().join("jwt.secret");
        std::fs::write(&jwt, "short").expect("write");
        let e = load_or_create_key_file(&jwt, check_jwt_secret).expect_err("short");
        assert!(e.to_string().contains("jwt.secret"), "{e}");
        assert!(e.to_string().contains("at least 32"), "{e}");
    }

    #[test]
    fn concurrent_creators_agree_on_one_complete_owner_only_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(KEY_FILE);
            let keys: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| s.spawn(|| load_or_create_key_file(&path, check_aes_key)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .expect("thread")
                            .expect("key")
                            .expose_secret()
                            .to_owned()
                    })
                    .collect()
            });
            let on_disk = std::fs::read_to_string(&path).expect("read");
            assert!(keys.iter().all(|k| *k == on_disk), "one key for all");
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .expect("dir")
                .map(|e| e.expect("entry").file_name())
                .collect();
            assert_eq!(
                names,
                vec![std::ffi::OsString::from(KEY_FILE)],
                "no temp files left"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
        }
    }
}
