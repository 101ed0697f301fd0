-- Evidence that holds: an article's images kept with it, every version of an article kept with
-- its own snapshot, pages watched for edits, briefings that can show lead images.
-- Self-contained: it names only tables of versions 1 to 5, so it applies after any other
-- migration of the same period.

-- The response headers of a fetch, as sent: a JSON array of [name, value] pairs in order. NULL
-- for snapshots taken before this version (their headers were not kept).
ALTER TABLE snapshot ADD COLUMN headers TEXT CHECK (headers IS NULL OR json_valid(headers));

-- An image, stored once per content (its SHA-256), whatever clips and versions show it. Only
-- decoded, bounded raster images are kept (PNG, JPEG, GIF, WebP); SVG never.
CREATE TABLE image (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    mime       TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
    width      INTEGER NOT NULL CHECK (width > 0),
    height     INTEGER NOT NULL CHECK (height > 0),
    bytes      INTEGER NOT NULL CHECK (bytes > 0),
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- The versions of an article as Clipdesk captured them: version 1 when clipped, a new one each
-- time a re-capture found the article changed. Nothing here is ever overwritten; `clip` and
-- `clip_body` show the latest. `change` describes the difference from the version before
-- (src/versions.rs): {"title_changed", "words_added", "words_removed", "paragraphs_added",
-- "paragraphs_removed", "correction", "substantive"}.
CREATE TABLE clip_version (
    clip_id     INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version >= 1),
    snapshot_id INTEGER REFERENCES snapshot (id) ON DELETE SET NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    html        TEXT NOT NULL,
    -- SHA-256 of `text` (UTF-8); NULL for the versions this migration carries over, until
    -- Clipdesk computes it (SQL has no SHA-256).
    text_sha256 TEXT CHECK (text_sha256 IS NULL OR length(text_sha256) = 64),
    created_at  TEXT NOT NULL,
    change      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(change)),
    PRIMARY KEY (clip_id, version)
);
CREATE INDEX clip_version_snapshot ON clip_version (snapshot_id);

-- Every clip so far is its version 1: the text as stored, with its first snapshot.
INSERT INTO clip_version (clip_id, version, snapshot_id, title, text, html, text_sha256, created_at, change)
SELECT c.id, 1,
       (SELECT s.id FROM snapshot s WHERE s.clip_id = c.id ORDER BY s.fetched_at, s.id LIMIT 1),
       c.title, b.text, b.html, NULL, c.clipped_at, '{}'
FROM clip c JOIN clip_body b ON b.clip_id = c.id;

-- The images an article version shows (in document order) and its lead image, kept or not: a
-- row without `sha256` is an image that was refused or could not be fetched (`error_code` says
-- why), so its caption and original URL are not lost.
CREATE TABLE clip_image (
    clip_id       INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    position      INTEGER NOT NULL CHECK (position >= 0),
    sha256        TEXT REFERENCES image (sha256),
    original_url  TEXT NOT NULL,
    caption       TEXT,
    credit        TEXT,
    is_lead       INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
    error_code    TEXT,
    error_message TEXT,
    PRIMARY KEY (clip_id, version, position),
    FOREIGN KEY (clip_id, version) REFERENCES clip_version (clip_id, version) ON DELETE CASCADE,
    CHECK ((sha256 IS NULL) = (error_code IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX clip_image_sha ON clip_image (sha256) WHERE sha256 IS NOT NULL;

-- A clip watched for edits: re-captured every `interval_s` with a conditional GET (validators
-- kept byte for byte), backed off when failing, `gone` after a 404 or 410. Changes raise alerts
-- (alert.kind = 'edit').
CREATE TABLE page_watch (
    clip_id         INTEGER PRIMARY KEY REFERENCES clip (id) ON DELETE CASCADE,
    interval_s      INTEGER NOT NULL CHECK (interval_s > 0),
    next_check_at   TEXT NOT NULL,
    last_checked_at TEXT,
    last_changed_at TEXT,
    state           TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'failing', 'gone')),
    failures        INTEGER NOT NULL DEFAULT 0,
    error_code      TEXT,
    error_message   TEXT,
    etag            TEXT,
    last_modified   TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX page_watch_next ON page_watch (next_check_at);

-- A briefing may show each story's lead image (kept with the clip).
ALTER TABLE digest ADD COLUMN lead_images INTEGER NOT NULL DEFAULT 0 CHECK (lead_images IN (0, 1));
