-- What the carrier list counts on every page, without counting rows.
-- Keep in step with ../sqlite/20261206000002_list_counts.sql.

-- A carrier's DID and inbound counts, from the index alone
-- (phone_numbers_carrier would fetch every number's row for its direction).
CREATE INDEX phone_numbers_carrier_direction ON phone_numbers (carrier_id, direction);

-- The number of carriers, kept by triggers: COUNT(*) reads the whole table
-- on every page. Only creates and deletes touch it, never edits or syncs;
-- a carrier's slot comes from its id, so 16 concurrent creates rarely
-- queue on one row until the other commits. The total is their sum.
CREATE TABLE carrier_totals (
    slot      INTEGER PRIMARY KEY,
    carriers  BIGINT NOT NULL
);
INSERT INTO carrier_totals (slot, carriers) SELECT s, 0 FROM generate_series(0, 15) AS s;
UPDATE carrier_totals SET carriers = (SELECT COUNT(*) FROM carriers) WHERE slot = 0;

CREATE FUNCTION carrier_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE carrier_totals SET carriers = carriers + 1 WHERE slot = hashtext(NEW.id) & 15;
    ELSE
        UPDATE carrier_totals SET carriers = carriers - 1 WHERE slot = hashtext(OLD.id) & 15;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER carrier_totals_count AFTER INSERT OR DELETE ON carriers
    FOR EACH ROW EXECUTE FUNCTION carrier_totals_count();
