-- Two-factor sign-in (TOTP, RFC 6238) and recovery codes. Keep in step with ../sqlite/.
-- Times are Unix milliseconds, like the other tables.

-- One row per account that has started enrolment. The secret is encrypted with the same key
-- as SIP passwords. Until `confirmed_at` is set (the first right code), sign-in does not
-- ask for a code.
CREATE TABLE user_two_factor (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret        BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    -- the newest 30-second time step a code was accepted for: a code of that step or an
    -- earlier one is refused, so a code cannot be used twice (on any replica)
    last_step     BIGINT NOT NULL DEFAULT 0
);

-- Ten per enrolment, each usable once. Only a keyed hash is kept (HMAC-SHA-256 under a key
-- derived from the secret key): a recovery code has 60 random bits, so no slow hash is needed.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
