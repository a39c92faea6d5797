-- Fenced leases and diff-based sync. Keep in step with the other dialect.
--
-- lease_gen: bumped by every claim; a worker records outcomes and remote ids
-- only while owner and generation are still its own.
-- *_digest: a keyed hash of what we last sent for that LiveKit object, so an
-- edit LiveKit does not hold sends nothing. NULL means "send it again".
-- sync_needs_change: the last error is one a retry cannot fix.
-- lk_unconfirmed: a sync began creating LiveKit objects and has not recorded
-- success since, so an object may exist whose id we never heard: look for
-- it (and adopt it) before creating.

ALTER TABLE carriers ADD COLUMN lease_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE carriers ADD COLUMN lk_outbound_digest TEXT;
ALTER TABLE carriers ADD COLUMN lk_inbound_digest TEXT;
ALTER TABLE carriers ADD COLUMN sync_needs_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE carriers ADD COLUMN lk_unconfirmed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE phone_numbers ADD COLUMN lk_rule_digest TEXT;

ALTER TABLE sync_jobs ADD COLUMN lease_gen BIGINT NOT NULL DEFAULT 0;

-- Tombstones are claimed like carriers, so replicas do not all delete the same objects.
ALTER TABLE livekit_tombstones ADD COLUMN lease_owner TEXT;
ALTER TABLE livekit_tombstones ADD COLUMN lease_until BIGINT;

CREATE INDEX carriers_lease ON carriers (lease_until);
