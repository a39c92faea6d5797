//! First start: keys and the first super admin.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use ori_shared::accounts::{Email, Role, check_new_password};
use rand::Rng;
use rand::distributions::Alphanumeric;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::jwt::JwtKeys;
use crate::auth::password;
use crate::config::{Settings, read_secret};
use crate::crypto::{check_jwt_secret, load_or_create_key_file};
use crate::db::audit::{self, Event};
use crate::db::{Db, users};
use crate::error::is_unique_violation;

/// Default login of the first super admin when `ORI_ADMIN_EMAIL` is unset.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";

/// The session-token keys: `ORI_JWT_SECRET`(`_FILE`), or a secret kept in the
/// data directory.
pub fn jwt_keys(settings: &Settings) -> anyhow::Result<JwtKeys> {
    let configured = read_secret(
        settings.jwt_secret.as_ref(),
        settings.jwt_secret_file.as_deref(),
    )
    .with_context(|| {
        let path = settings.jwt_secret_file.as_deref().unwrap_or(Path::new(""));
        format!("reading ORI_JWT_SECRET_FILE {}", path.display())
    })?;
    let secret = match configured {
        Some(secret) => {
            // Name where the weak secret came from, so it can be fixed.
            if let Err(reason) = check_jwt_secret(secret.expose_secret()) {
                match &settings.jwt_secret_file {
                    Some(path) => anyhow::bail!("ORI_JWT_SECRET_FILE {}: {reason}", path.display()),
                    None => anyhow::bail!("ORI_JWT_SECRET: {reason}"),
                }
            }
            secret
        }
        None => load_or_create_key_file(&settings.data_dir.join("jwt.secret"), check_jwt_secret)?,
    };
    let ttl = Duration::from_secs(settings.session_hours.max(1) * 3600);
    Ok(JwtKeys::new(secret.expose_secret().as_bytes(), ttl))
}

/// Creates the first super admin when there is no account: from
/// `ORI_ADMIN_EMAIL` / `ORI_ADMIN_PASSWORD`(`_FILE`), or with a generated
/// password printed once to the console.
pub async fn first_admin(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    if users::count(db).await? > 0 {
        return Ok(());
    }
    let email = Email::parse(
        settings
            .admin_email
            .as_deref()
            .unwrap_or(DEFAULT_ADMIN_EMAIL),
    )
    .map_err(|m| anyhow::anyhow!("ORI_ADMIN_EMAIL: {m}"))?;
    let configured = read_secret(
        settings.admin_password.as_ref(),
        settings.admin_password_file.as_deref(),
    )
    .context("reading ORI_ADMIN_PASSWORD_FILE")?;
    let (password, generated) = match configured {
        Some(p) => {
            check_new_password(p.expose_secret())
                .map_err(|m| anyhow::anyhow!("ORI_ADMIN_PASSWORD: {m}"))?;
            (p, false)
        }
        None => {
            let p: String = rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect();
            (SecretString::from(p), true)
        }
    };
    let hash = password::hash(password.expose_secret().to_owned()).await?;
    let mut tx = db.begin().await?;
    let id = match users::insert(&mut tx, email.as_str(), &hash, Role::SuperAdmin, "UTC").await {
        Ok(id) => id,
        // Another replica created the first admin at the same moment.
        Err(e) if is_unique_violation(&e) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let event = Event::new("user.create", "user", id)
        .fields(vec!["email", "password", "role"])
        .detail("first super admin, created at start-up");
    audit::record(&mut tx, None, event).await?;
    tx.commit().await?;
    if generated {
        // Shown once, on the console only (not through the log pipeline).
        println!(
            "\n  First super admin created.\n    Email:    {}\n    Password: {}\n  \
             Log in at the console and keep this password: it is not shown again.\n",
            email.as_str(),
            password.expose_secret()
        );
    } else {
        tracing::info!(
            email = email.as_str(),
            "first super admin created from ORI_ADMIN_EMAIL/ORI_ADMIN_PASSWORD"
        );
    }
    Ok(())
}
