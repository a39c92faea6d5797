-- LiveKit sync: this installation's id (tags our remote objects; shared by
-- every replica on one database) and leases for periodic jobs.

CREATE TABLE installation (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    id         TEXT NOT NULL
);

CREATE TABLE sync_jobs (
    name         TEXT PRIMARY KEY,
    lease_owner  TEXT,
    lease_until  BIGINT,
    last_run_at  BIGINT
);
INSERT INTO sync_jobs (name) VALUES ('full_pass');

CREATE INDEX livekit_tombstones_due ON livekit_tombstones (next_attempt_at);
