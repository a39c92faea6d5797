-- API tokens for integrators. Keep in step with ../sqlite/.
-- Only the SHA-256 of a token is kept (hex); `prefix` is its first characters, shown in lists.
-- Times are Unix milliseconds, like the other tables.

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    -- member | admin | super_admin; a request gets the lower of this and the user's role
    role          TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
