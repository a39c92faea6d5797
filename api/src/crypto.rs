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
        let path = data_dir.join(KEY_FILE);
        let io_err = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        let key = load_or_create_key_file(&path).map_err(io_err)?;
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

/// The base64 key in `path`, or a new random 32-byte key written there
/// (owner-only permissions) when the file does not exist yet.
pub fn load_or_create_key_file(path: &Path) -> std::io::Result<SecretString> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SecretString::from(text.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Aes256Gcm::generate_key(&mut OsRng);
            let text = STANDARD.encode(key);
            match write_private(path, &text) {
                Ok(()) => Ok(SecretString::from(text)),
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(SecretString::from(
                    std::fs::read_to_string(path)?.trim().to_owned(),
                )),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
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
}
