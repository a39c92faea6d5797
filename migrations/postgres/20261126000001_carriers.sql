-- Carriers, their allowlists and phone numbers, bots, and LiveKit sync state.
-- Times are Unix milliseconds (UTC); ids are UUID text. Keep in step with
-- ../sqlite/20261126000001_carriers.sql.

CREATE TABLE bots (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    agent_name  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE carriers (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    -- lower-cased name, for sorting and keyset pagination
    name_key             TEXT NOT NULL,
    -- lower-cased "name sip_address", for the list's search box
    search_text          TEXT NOT NULL,
    sip_address          TEXT NOT NULL,
    transport            TEXT NOT NULL,
    destination_country  TEXT,
    username             TEXT,
    password_secret      BYTEA,
    inbound_auth         TEXT NOT NULL,
    outbound_cps         DOUBLE PRECISION NOT NULL,
    outbound_burst       BIGINT NOT NULL,
    outbound_channels    BIGINT NOT NULL,
    -- ETag version: bumped by every write to the carrier or its numbers
    version              BIGINT NOT NULL DEFAULT 1,
    -- LiveKit sync: config_rev bumps on every write; synced_rev is the rev
    -- the reconciler last made LiveKit equal to
    config_rev           BIGINT NOT NULL DEFAULT 1,
    synced_rev           BIGINT NOT NULL DEFAULT 0,
    sync_status          TEXT NOT NULL DEFAULT 'pending',
    sync_error           TEXT,
    last_synced_at       BIGINT,
    sync_attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at      BIGINT,
    lease_owner          TEXT,
    lease_until          BIGINT,
    lk_outbound_trunk_id TEXT,
    lk_inbound_trunk_id  TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX carriers_name_key ON carriers (name_key, id);
CREATE INDEX carriers_dirty ON carriers (synced_rev, config_rev);

CREATE TABLE carrier_allowed_ips (
    carrier_id  TEXT NOT NULL REFERENCES carriers (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (carrier_id, value)
);

CREATE TABLE phone_numbers (
    id                   TEXT PRIMARY KEY,
    carrier_id           TEXT NOT NULL REFERENCES carriers (id) ON DELETE CASCADE,
    number               TEXT NOT NULL,
    normalized           TEXT NOT NULL,
    -- digits only: two numbers LiveKit would treat as one share a key
    match_key            TEXT NOT NULL UNIQUE,
    label                TEXT,
    direction            TEXT NOT NULL,
    -- no foreign key: a deleted bot shows as "Bot not found"
    bot_id               TEXT,
    lk_dispatch_rule_id  TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX phone_numbers_carrier ON phone_numbers (carrier_id, created_at);

-- Remote LiveKit objects still to delete after their carrier or number went.
CREATE TABLE livekit_tombstones (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    remote_id        TEXT NOT NULL,
    carrier_id       TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
