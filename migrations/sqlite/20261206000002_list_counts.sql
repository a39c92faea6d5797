-- What the carrier list counts on every page, without counting rows.
-- Keep in step with ../postgres/20261206000002_list_counts.sql.

-- A carrier's DID and inbound counts, from the index alone
-- (phone_numbers_carrier would fetch every number's row for its direction).
CREATE INDEX phone_numbers_carrier_direction ON phone_numbers (carrier_id, direction);

-- The number of carriers, kept by triggers: COUNT(*) reads the whole table
-- (0.8 ms at 10,000 carriers, 10 times that at 100,000) on every page.
-- Only creates and deletes touch it, never edits or syncs. One slot here
-- (SQLite has one writer at a time); PostgreSQL spreads writers over 16.
CREATE TABLE carrier_totals (
    slot      INTEGER PRIMARY KEY,
    carriers  INTEGER NOT NULL
);
INSERT INTO carrier_totals (slot, carriers) SELECT 0, COUNT(*) FROM carriers;

CREATE TRIGGER carrier_totals_insert AFTER INSERT ON carriers BEGIN
    UPDATE carrier_totals SET carriers = carriers + 1 WHERE slot = 0;
END;

CREATE TRIGGER carrier_totals_delete AFTER DELETE ON carriers BEGIN
    UPDATE carrier_totals SET carriers = carriers - 1 WHERE slot = 0;
END;
