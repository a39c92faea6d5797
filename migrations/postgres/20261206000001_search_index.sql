-- Carrier search without a scan: a pg_trgm GIN index on search_text makes
-- `search_text LIKE '%q%'` an index lookup for q of 3 or more characters.
-- Keep in step with ../sqlite/20261206000003_search_index.sql (FTS5 there).
--
-- pg_trgm ships with PostgreSQL (Debian's server package includes it) and is
-- a trusted extension since PostgreSQL 13: a database owner may create it.
-- When it cannot be created, start-up fails and says what to do
-- (src/db/mod.rs).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX carriers_search_trgm ON carriers USING gin (search_text gin_trgm_ops);
