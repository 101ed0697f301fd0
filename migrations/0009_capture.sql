-- Capture and imports: clips that Clipdesk did not fetch itself, and imports that can be resumed.

-- Where a snapshot's bytes came from when Clipdesk did not fetch them: the browser that rendered
-- the page ("browser:Chromium 156.0.8078.108", sent by the extension) or the export it was
-- imported from ("import:wallabag"). NULL: fetched by Clipdesk (or a saved page given by hand).
ALTER TABLE snapshot ADD COLUMN source TEXT;

-- The items of an import already done, per source file (its format and SHA-256): a re-run of an
-- interrupted import continues after them and reports them as already there. Written in the
-- transaction that stores the item; cleared when an import of that file completes.
CREATE TABLE import_checkpoint (
    source   TEXT NOT NULL,
    item_key TEXT NOT NULL,
    clip_id  INTEGER REFERENCES clip (id) ON DELETE SET NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (source, item_key)
) WITHOUT ROWID;
