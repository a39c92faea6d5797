//! Who is signed in: checked once with `GET /api/v1/me` when the app starts,
//! set by the login page and cleared by Log out. Provided as context.

use leptos::prelude::*;
use leptos::task::spawn_local;
use ori_shared::accounts::{Me, Role};

use crate::api;

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// `GET /me` has not answered yet.
    Checking,
    /// No valid session: the login page is the way in.
    SignedOut,
    SignedIn(Me),
    /// `GET /me` failed for another reason than 401 (server down, offline).
    Unreachable(String),
}

/// The session without its data, so views re-render only when the state changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Checking,
    SignedOut,
    SignedIn,
    Unreachable,
}

/// The auth context: a handle to the session signal.
#[derive(Debug, Clone, Copy)]
pub struct Auth(RwSignal<Session>);

impl Auth {
    /// Creates the context and starts the session check.
    pub fn provide() -> Self {
        let auth = Self(RwSignal::new(Session::Checking));
        provide_context(auth);
        auth.check();
        auth
    }

    /// Asks the server who is signed in (again).
    pub fn check(self) {
        self.0.set(Session::Checking);
        spawn_local(async move {
            let session = match api::get::<Me>("/api/v1/me").await {
                Ok(me) => Session::SignedIn(me),
                Err(e) if e.is_unauthorized() => Session::SignedOut,
                Err(e) => Session::Unreachable(e.detail),
            };
            self.0.set(session);
        });
    }

    pub fn sign_in(self, me: Me) {
        self.0.set(Session::SignedIn(me));
    }

    pub fn sign_out(self) {
        self.0.set(Session::SignedOut);
    }

    pub fn status(self) -> Status {
        self.0.with(|s| match s {
            Session::Checking => Status::Checking,
            Session::SignedOut => Status::SignedOut,
            Session::SignedIn(_) => Status::SignedIn,
            Session::Unreachable(_) => Status::Unreachable,
        })
    }

    /// The reason the session check failed, if it did.
    pub fn unreachable_reason(self) -> Option<String> {
        self.0.with(|s| match s {
            Session::Unreachable(reason) => Some(reason.clone()),
            _ => None,
        })
    }

    pub fn email(self) -> Option<String> {
        self.0.with(|s| match s {
            Session::SignedIn(me) => Some(me.email.clone()),
            _ => None,
        })
    }

    pub fn role(self) -> Option<Role> {
        self.0.with(|s| match s {
            Session::SignedIn(me) => Some(me.role),
            _ => None,
        })
    }

    /// Carrier setup is super admin only.
    pub fn is_super_admin(self) -> bool {
        self.role() == Some(Role::SuperAdmin)
    }
}

/// The auth context provided by the app.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// How a role reads in the sidebar.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "Super admin",
        Role::Admin => "Admin",
        Role::Member => "Member",
    }
}
