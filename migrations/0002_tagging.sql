-- Version 2: what automatic tagging needs, and the publication's own time zone.

-- The UTC offset (seconds east) the page gave with its publication time, so the date can be
-- printed as the outlet printed it.
ALTER TABLE clip ADD COLUMN published_offset INTEGER;

-- Small key/value settings of the library.
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Where a tag came from when Clipdesk created it (e.g. "gazetteer:state:RU"), so a newer
-- gazetteer can add to it; NULL for the analyst's own tags.
ALTER TABLE tag ADD COLUMN source TEXT;
CREATE UNIQUE INDEX tag_source ON tag (source) WHERE source IS NOT NULL;

-- Abbreviations such as "US" or "WHO" match only in capitals; names that are also common words or
-- other names ("Jordan", "Chad") need a clear context.
ALTER TABLE tag_alias ADD COLUMN case_sensitive INTEGER NOT NULL DEFAULT 0 CHECK (case_sensitive IN (0, 1));
ALTER TABLE tag_alias ADD COLUMN ambiguous INTEGER NOT NULL DEFAULT 0 CHECK (ambiguous IN (0, 1));

-- Tags the analyst removed from a clip: automatic tagging never puts them back.
CREATE TABLE clip_tag_rejected (
    clip_id     INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (clip_id, tag_id)
) WITHOUT ROWID;

-- Every change to tags or aliases bumps the taxonomy version, so cached alias matchers know when
-- to rebuild, whichever process made the change.
INSERT INTO setting (key, value) VALUES ('taxonomy_version', '0');
CREATE TRIGGER tag_version_insert AFTER INSERT ON tag BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER tag_version_update AFTER UPDATE ON tag BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER tag_version_delete AFTER DELETE ON tag BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER alias_version_insert AFTER INSERT ON tag_alias BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER alias_version_update AFTER UPDATE ON tag_alias BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER alias_version_delete AFTER DELETE ON tag_alias BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
-- Topic rules may name saved searches: changing one changes what the rules match.
CREATE TRIGGER saved_version_insert AFTER INSERT ON saved_search BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER saved_version_update AFTER UPDATE ON saved_search BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;
CREATE TRIGGER saved_version_delete AFTER DELETE ON saved_search BEGIN
    UPDATE setting SET value = CAST(value AS INTEGER) + 1 WHERE key = 'taxonomy_version';
END;

