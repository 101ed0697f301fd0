-- Clipdesk library schema, version 1: the whole model of DESIGN.md.
-- Times are RFC 3339 UTC text ("2016-07-06T13:23:12Z"); JSON columns hold arrays or objects.
-- Landed migrations are never edited: change the schema with a new numbered file.

-- One article's metadata. `canonical_url` is the de-duplication key (tracking parameters
-- removed, host lower-cased, see src/canon.rs). The body lives in clip_body, so lists, facets and
-- sorting read narrow rows.
CREATE TABLE clip (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL,
    canonical_url TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    authors       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
    site_name     TEXT,
    published_at  TEXT,
    clipped_at    TEXT NOT NULL,
    lang          TEXT,
    word_count    INTEGER NOT NULL,
    summary       TEXT,
    note          TEXT,
    lead_image    TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX clip_published ON clip (published_at);
CREATE INDEX clip_clipped ON clip (clipped_at);
CREATE INDEX clip_site ON clip (site_name);
CREATE INDEX clip_lang ON clip (lang, published_at);

-- The article itself: plain text (paragraphs separated by blank lines) and sanitized HTML.
CREATE TABLE clip_body (
    clip_id INTEGER PRIMARY KEY REFERENCES clip (id) ON DELETE CASCADE,
    text    TEXT NOT NULL,
    html    TEXT NOT NULL
);

-- Every URL form known to lead to a clip (as given, final after redirects, the page's canonical), in
-- canonical form: a second clip of any of them is reported as a duplicate without a new row.
CREATE TABLE clip_url (
    url     TEXT PRIMARY KEY,
    clip_id INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX clip_url_clip ON clip_url (clip_id);

-- What was fetched, for provenance. A re-fetch adds a row; nothing is overwritten.
CREATE TABLE snapshot (
    id                INTEGER PRIMARY KEY,
    clip_id           INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    requested_url     TEXT NOT NULL,
    final_url         TEXT NOT NULL,
    redirects         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(redirects)),
    http_status       INTEGER,
    content_type      TEXT,
    charset           TEXT,
    fetched_at        TEXT NOT NULL,
    body_zstd         BLOB NOT NULL,
    body_size         INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    extractor_version TEXT NOT NULL
);
CREATE INDEX snapshot_clip ON snapshot (clip_id, fetched_at);

-- Topics (a tree through parent_id) and actors (with a type and aliases).
CREATE TABLE tag (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('topic', 'actor')),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    parent_id   INTEGER REFERENCES tag (id) ON DELETE RESTRICT,
    actor_type  TEXT CHECK (actor_type IN ('person', 'organisation', 'state')),
    description TEXT,
    rule        TEXT,
    created_at  TEXT NOT NULL,
    CHECK (kind = 'topic' OR parent_id IS NULL),
    CHECK (kind = 'actor' OR actor_type IS NULL)
);
CREATE UNIQUE INDEX tag_name ON tag (kind, ifnull(parent_id, 0), name COLLATE NOCASE);
CREATE INDEX tag_parent ON tag (parent_id);

-- Other names of an actor, in any language and script. `norm` is the matching form (case and
-- diacritics folded, see src/text.rs).
CREATE TABLE tag_alias (
    id     INTEGER PRIMARY KEY,
    tag_id INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    alias  TEXT NOT NULL,
    norm   TEXT NOT NULL,
    lang   TEXT,
    UNIQUE (tag_id, norm)
);
CREATE INDEX tag_alias_norm ON tag_alias (norm);

CREATE TABLE clip_tag (
    clip_id    INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    origin     TEXT NOT NULL CHECK (origin IN ('manual', 'rule', 'alias', 'suggested')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (clip_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX clip_tag_tag ON clip_tag (tag_id, clip_id);

-- Names the analyst dismissed as actor suggestions: never suggested again.
CREATE TABLE dismissed_suggestion (
    norm         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    dismissed_at TEXT NOT NULL
) WITHOUT ROWID;

-- A quoted passage of a clip: character offsets into clip.text plus the quoted text itself.
CREATE TABLE highlight (
    id         INTEGER PRIMARY KEY,
    clip_id    INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    start      INTEGER NOT NULL CHECK (start >= 0),
    end        INTEGER NOT NULL CHECK (end > start),
    quote      TEXT NOT NULL,
    note       TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX highlight_clip ON highlight (clip_id, start);

CREATE TABLE saved_search (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    query      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A briefing's definition, so next week's briefing is one click.
CREATE TABLE digest (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    subtitle          TEXT,
    author            TEXT,
    classification    TEXT,
    period_start      TEXT,
    period_end        TEXT,
    query             TEXT,
    saved_search_id   INTEGER REFERENCES saved_search (id) ON DELETE SET NULL,
    group_by          TEXT NOT NULL DEFAULT 'topic'
                      CHECK (group_by IN ('topic', 'actor', 'site', 'day', 'none')),
    multi_group       TEXT NOT NULL DEFAULT 'each' CHECK (multi_group IN ('each', 'first')),
    order_by          TEXT NOT NULL DEFAULT 'newest'
                      CHECK (order_by IN ('newest', 'oldest', 'relevance', 'manual')),
    executive_summary TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Per-item choices of a digest: explicit additions and exclusions, manual order, overrides.
CREATE TABLE digest_item (
    digest_id  INTEGER NOT NULL REFERENCES digest (id) ON DELETE CASCADE,
    clip_id    INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    membership TEXT NOT NULL DEFAULT 'auto' CHECK (membership IN ('auto', 'added', 'excluded')),
    position   INTEGER,
    summary    TEXT,
    note       TEXT,
    highlights TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(highlights)),
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    PRIMARY KEY (digest_id, clip_id)
) WITHOUT ROWID;

-- The full-text index, rowid = clip.id, written in the same transaction as the clip
-- (src/library.rs). Case and diacritics are folded by the tokenizer; `site` holds the site's
-- name and the URL's host.
CREATE VIRTUAL TABLE clip_fts USING fts5 (
    title, text, note, authors, site,
    tokenize = 'unicode61 remove_diacritics 2'
);
