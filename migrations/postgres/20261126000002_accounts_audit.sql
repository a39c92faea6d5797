-- Accounts and the audit log. Keep in step with ../postgres/.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    -- lower-cased; logins compare it case-insensitively
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    timezone       TEXT NOT NULL DEFAULT 'UTC',
    -- bumped on password change and deletion: tokens carry it, so old ones stop working
    token_epoch    BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor_id     TEXT,
    actor_email  TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT,
    -- JSON array of the changed field names; never values of secrets
    fields       TEXT NOT NULL DEFAULT '[]',
    detail       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target_id, at);
