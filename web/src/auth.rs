//! Who is signed in: checked once with `GET /api/v1/me` when the app starts,
//! set by the login page, cleared by Log out or by any 401 (the session ended).
//! Provided as context.

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

/// The auth context: handles to the session signals.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    session: RwSignal<Session>,
    /// Set when a signed-in session ended by itself (expired, revoked): the login
    /// page says so, and returns to `return_to` afterwards.
    ended: RwSignal<bool>,
    return_to: RwSignal<Option<String>>,
}

impl Auth {
    /// Creates the context, starts the session check, and ends the session on any 401.
    pub fn provide() -> Self {
        let auth = Self {
            session: RwSignal::new(Session::Checking),
            ended: RwSignal::new(false),
            return_to: RwSignal::new(None),
        };
        provide_context(auth);
        api::on_unauthorized(move || auth.session_ended());
        auth.check();
        auth
    }

    /// Asks the server who is signed in (again).
    pub fn check(self) {
        self.session.set(Session::Checking);
        spawn_local(async move {
            let session = match api::me().await {
                Ok(me) => Session::SignedIn(me),
                Err(e) if e.is_unauthorized() => Session::SignedOut,
                Err(e) => Session::Unreachable(e.detail),
            };
            self.session.set(session);
        });
    }

    pub fn sign_in(self, me: Me) {
        self.ended.set(false);
        self.session.set(Session::SignedIn(me));
    }

    /// Log out: the user chose to leave.
    pub fn sign_out(self) {
        self.return_to.set(None);
        self.session.set(Session::SignedOut);
    }

    /// The server no longer knows the session. Only a signed-in session "ends": a 401
    /// from the login form or the first check is simply "not signed in".
    fn session_ended(self) {
        if self.status() != Status::SignedIn {
            return;
        }
        let here = window().location().pathname().ok();
        self.return_to
            .set(here.filter(|path| path.starts_with("/dashboard")));
        self.ended.set(true);
        self.session.set(Session::SignedOut);
    }

    /// Whether the last session ended by itself rather than by Log out.
    pub fn ended(self) -> bool {
        self.ended.get()
    }

    /// Where to go after logging in: back to the page the ended session was on.
    pub fn return_to(self) -> Option<String> {
        self.return_to.get()
    }

    pub fn status(self) -> Status {
        self.session.with(|s| match s {
            Session::Checking => Status::Checking,
            Session::SignedOut => Status::SignedOut,
            Session::SignedIn(_) => Status::SignedIn,
            Session::Unreachable(_) => Status::Unreachable,
        })
    }

    /// The reason the session check failed, if it did.
    pub fn unreachable_reason(self) -> Option<String> {
        self.session.with(|s| match s {
            Session::Unreachable(reason) => Some(reason.clone()),
            _ => None,
        })
    }

    pub fn email(self) -> Option<String> {
        self.session.with(|s| match s {
            Session::SignedIn(me) => Some(me.email.clone()),
            _ => None,
        })
    }

    /// The account must turn on two-factor sign-in before anything else.
    pub fn two_factor_setup_required(self) -> bool {
        self.session.with(|s| match s {
            Session::SignedIn(me) => me.two_factor_setup_required,
            _ => false,
        })
    }

    /// The account changed (`PATCH /me` answered): every view of it follows at once.
    pub fn update(self, me: Me) {
        if self.status() == Status::SignedIn {
            self.session.set(Session::SignedIn(me));
        }
    }

    /// The IANA time zone absolute times are shown in: the account's, or the
    /// browser's while the account has not chosen one (see [`saved_timezone`]).
    ///
    /// [`saved_timezone`]: Self::saved_timezone
    pub fn timezone(self) -> Option<String> {
        match self.saved_timezone() {
            Some(zone) => Some(zone),
            None if self.status() == Status::SignedIn => browser_timezone(),
            None => None,
        }
    }

    /// The time zone the account has chosen, if it has. The server gives every new
    /// account `UTC` ([`UNCHOSEN_TIMEZONE`]), which says nothing about where its user
    /// is, so that one reads as "not chosen"; choosing UTC saves `Etc/UTC`.
    pub fn saved_timezone(self) -> Option<String> {
        self.session.with(|s| match s {
            Session::SignedIn(me) if me.timezone != UNCHOSEN_TIMEZONE => Some(me.timezone.clone()),
            _ => None,
        })
    }

    pub fn role(self) -> Option<Role> {
        self.session.with(|s| match s {
            Session::SignedIn(me) => Some(me.role),
            _ => None,
        })
    }

    /// Carrier setup is super admin only.
    pub fn is_super_admin(self) -> bool {
        self.role() == Some(Role::SuperAdmin)
    }
}

/// The zone the server gives an account that has never chosen one.
pub const UNCHOSEN_TIMEZONE: &str = "UTC";

/// The browser's own IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`),
/// read once.
pub fn browser_timezone() -> Option<String> {
    thread_local! {
        static ZONE: Option<String> = {
            let format =
                js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
            js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
                .ok()
                .and_then(|zone| zone.as_string())
                .filter(|zone| !zone.is_empty())
        };
    }
    ZONE.with(Clone::clone)
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
