-- A carrier's history (its detail page's History section) lists its own events
-- and its numbers' events: each event names the carrier it belongs to. Keep in
-- step with ../postgres/20261207000002_audit_carrier.sql.
ALTER TABLE audit_log ADD COLUMN carrier_id TEXT;
CREATE INDEX audit_log_carrier ON audit_log (carrier_id, at, id);

-- Earlier events: a carrier's own, and its numbers' (whose detail ended with
-- "on carrier <id>" or "from carrier <id>"; an update named none, so look the
-- number up).
UPDATE audit_log SET carrier_id = target_id WHERE target_type = 'carrier';
UPDATE audit_log SET carrier_id = substr(detail, length(detail) - 35)
    WHERE target_type = 'phone_number' AND detail LIKE '%carrier ________-____-____-____-____________';
UPDATE audit_log SET carrier_id = (SELECT p.carrier_id FROM phone_numbers p WHERE p.id = audit_log.target_id)
    WHERE target_type = 'phone_number' AND carrier_id IS NULL;
