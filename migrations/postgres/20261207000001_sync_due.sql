-- The reconciler's claim looks for carriers changed since their last sync
-- (`config_rev > synced_rev`), oldest edit first. The old index on
-- (synced_rev, config_rev) cannot answer a comparison of two columns, so
-- every claim scanned the whole table (10,000 carriers: ~10,000 rows read
-- per claim). A partial index holds only the dirty carriers, in claim order.
DROP INDEX carriers_dirty;
CREATE INDEX carriers_sync_due ON carriers (updated_at) WHERE config_rev > synced_rev;
