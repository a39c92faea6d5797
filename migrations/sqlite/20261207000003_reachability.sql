-- The reachability monitor: "Monitor reachability" on a carrier (off by
-- default) has a replica send it a SIP OPTIONS every period. Keep in step with
-- ../postgres/20261207000003_reachability.sql.
ALTER TABLE carriers ADD COLUMN monitor_reachability BIGINT NOT NULL DEFAULT 0;

-- One row per monitored carrier (deleted when monitoring is turned off).
-- due_at: when it is next probed; a replica claims it by moving due_at a
-- period ahead, so each carrier is probed once per period whichever replica
-- does it. state: 'unknown' until the first verdict, 'reachable' after any
-- answer, 'unreachable' after 3 misses in a row (failures counts them).
-- last_result: the last probe's outcome (ProbeResult, JSON).
CREATE TABLE carrier_probes (
    carrier_id  TEXT PRIMARY KEY REFERENCES carriers (id) ON DELETE CASCADE,
    due_at      BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'unknown',
    failures    BIGINT NOT NULL DEFAULT 0,
    last_at     BIGINT,
    last_result TEXT
);
CREATE INDEX carrier_probes_due ON carrier_probes (due_at);
