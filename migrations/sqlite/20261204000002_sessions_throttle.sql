-- Server-side sessions and the login throttle. Keep in step with ../postgres/.
-- Times are Unix milliseconds, like the other tables.

-- One row per login. A session token names its row: logout, "log out everywhere", a role
-- change or the account's deletion remove rows, and the token stops working at once.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    -- written at most every few minutes; the idle timeout is measured from it
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    -- where the login came from, for the audit trail and the owner
    client_ip     TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, shared by every replica. `key` is a client (ip:…), an account (account:…)
-- or an account from one client (account_ip:…). An attempt is counted before the password is
-- checked, and taken back when it was right.
CREATE TABLE auth_throttle (
    key            TEXT PRIMARY KEY,
    failures       INTEGER NOT NULL,
    window_start   INTEGER NOT NULL,
    -- no attempt for this key before this time (the progressive delay)
    blocked_until  INTEGER NOT NULL DEFAULT 0
);
