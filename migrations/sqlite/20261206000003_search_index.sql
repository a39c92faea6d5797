-- Carrier search without a scan: FTS5's trigram tokenizer indexes every
-- three-character sequence of carriers.search_text, so "contains q" (any
-- case) is an index lookup for q of 3 or more characters. Keep in step with
-- ../postgres/20261206000001_search_index.sql (pg_trgm there).
--
-- The index keeps its own copy of the text and the carrier's id rather
-- than pointing at carriers' rowids, which VACUUM may renumber (carriers has
-- no INTEGER PRIMARY KEY). Triggers keep it equal to carriers; removing a
-- carrier's entry finds it by its old text (an index lookup) and its id.
CREATE VIRTUAL TABLE carriers_search USING fts5(
    search_text,
    carrier_id UNINDEXED,
    tokenize = 'trigram'
);

INSERT INTO carriers_search (search_text, carrier_id) SELECT search_text, id FROM carriers;

CREATE TRIGGER carriers_search_insert AFTER INSERT ON carriers BEGIN
    INSERT INTO carriers_search (search_text, carrier_id) VALUES (new.search_text, new.id);
END;

CREATE TRIGGER carriers_search_delete AFTER DELETE ON carriers BEGIN
    DELETE FROM carriers_search
    WHERE carriers_search MATCH '"' || replace(old.search_text, '"', '""') || '"'
      AND carrier_id = old.id;
END;

CREATE TRIGGER carriers_search_update AFTER UPDATE OF search_text ON carriers
WHEN old.search_text <> new.search_text BEGIN
    DELETE FROM carriers_search
    WHERE carriers_search MATCH '"' || replace(old.search_text, '"', '""') || '"'
      AND carrier_id = old.id;
    INSERT INTO carriers_search (search_text, carrier_id) VALUES (new.search_text, new.id);
END;
