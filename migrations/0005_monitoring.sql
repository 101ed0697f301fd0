-- Version 5: monitoring. Sources (feeds and news sitemaps) in a folder tree, polled politely; an
-- inbox of the entries they publish, de-duplicated across feeds; watches (standing queries) that
-- act on new entries; alerts.

-- Folders of sources form a tree, like topics.
CREATE TABLE source_folder (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL CHECK (length(trim(name)) > 0),
    parent_id INTEGER REFERENCES source_folder (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    -- The folder's OPML attributes (title and others), kept so an export loses nothing.
    opml_attrs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(opml_attrs))
);
CREATE UNIQUE INDEX source_folder_name ON source_folder (ifnull(parent_id, 0), name COLLATE NOCASE);

-- One source. `url` is the document polled (found by discovery from a site or article URL).
-- `etag` and `last_modified` are kept byte for byte as the server sent them. A source is never
-- dropped by Clipdesk: its health says what is wrong and since when.
CREATE TABLE feed (
    id             INTEGER PRIMARY KEY,
    url            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL DEFAULT 'rss' CHECK (kind IN ('rss', 'atom', 'json', 'sitemap')),
    title          TEXT,
    site_url       TEXT,
    description    TEXT,
    language       TEXT,
    folder_id      INTEGER REFERENCES source_folder (id) ON DELETE SET NULL,
    position       INTEGER NOT NULL DEFAULT 0,
    -- OPML attributes Clipdesk does not use, kept so an export loses nothing.
    opml_attrs     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(opml_attrs)),
    etag           TEXT,
    last_modified  TEXT,
    interval_s     INTEGER NOT NULL DEFAULT 3600 CHECK (interval_s > 0),
    next_poll_at   TEXT NOT NULL,
    last_poll_at   TEXT,
    last_ok_at     TEXT,
    last_new_at    TEXT,
    health         TEXT NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'failing', 'gone')),
    error_code     TEXT,
    error_message  TEXT,
    failing_since  TEXT,
    failures       INTEGER NOT NULL DEFAULT 0,
    -- Set once the first poll is done: what that poll finds is the backlog.
    subscribed_at  TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX feed_next_poll ON feed (next_poll_at);
CREATE INDEX feed_folder ON feed (folder_id);

-- A host that asked to be left alone (Retry-After on 429 or 503): no request before `until`.
CREATE TABLE host_backoff (
    host  TEXT PRIMARY KEY,
    until TEXT NOT NULL
) WITHOUT ROWID;

-- One article announced by one or more feeds. `canonical_url` (tracking parameters removed) is
-- the key across feeds; entries without a link are known only by their key within their feed.
CREATE TABLE entry (
    id            INTEGER PRIMARY KEY,
    url           TEXT,
    canonical_url TEXT UNIQUE,
    title         TEXT NOT NULL,
    summary       TEXT,
    content       TEXT,
    authors       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
    categories    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
    lang          TEXT,
    published_at  TEXT,
    found_at      TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'seen', 'clipped', 'dismissed')),
    -- Found by the first poll of its feed: never alerts, never clipped by a watch.
    backlog       INTEGER NOT NULL DEFAULT 0 CHECK (backlog IN (0, 1)),
    clip_id       INTEGER REFERENCES clip (id) ON DELETE SET NULL,
    -- The article's text, when a watch fetched it to match on the full article.
    article_text  TEXT
);
CREATE INDEX entry_found ON entry (found_at);
CREATE INDEX entry_state ON entry (state, found_at);
CREATE INDEX entry_clip ON entry (clip_id) WHERE clip_id IS NOT NULL;

-- Which feeds carried an entry, under which stable key (guid, else link, else a hash of title
-- and date): re-polling a feed never makes a duplicate.
CREATE TABLE entry_feed (
    feed_id    INTEGER NOT NULL REFERENCES feed (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    entry_id   INTEGER NOT NULL REFERENCES entry (id) ON DELETE CASCADE,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
CREATE INDEX entry_feed_entry ON entry_feed (entry_id, feed_id);

-- Keys and URLs of entries that left the inbox (dismissed ones purged by retention): a feed that
-- still lists them does not bring them back.
CREATE TABLE entry_gone (
    key TEXT PRIMARY KEY,
    at  TEXT NOT NULL
) WITHOUT ROWID;

-- Actors an entry's title and summary name (the alias matcher), for `actor:` in watches.
CREATE TABLE entry_actor (
    entry_id INTEGER NOT NULL REFERENCES entry (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, actor_id)
) WITHOUT ROWID;
CREATE INDEX entry_actor_actor ON entry_actor (actor_id, entry_id);

-- The inbox's full-text index, rowid = entry.id, with the columns of the clips' index so one
-- query compiles to both: title, text (summary, content, fetched article), note (unused),
-- authors, site (the feeds' titles and the link's host).
CREATE VIRTUAL TABLE entry_fts USING fts5 (
    title, text, note, authors, site,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- A standing query run on every new entry, and what to do with a match.
CREATE TABLE watch (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    query         TEXT NOT NULL,
    -- Fetch the article and match on its full text too.
    fetch_article INTEGER NOT NULL DEFAULT 0 CHECK (fetch_article IN (0, 1)),
    clip          INTEGER NOT NULL DEFAULT 0 CHECK (clip IN (0, 1)),
    alert         INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
    -- Tags given to what the watch clips: ["topic:Energy", "actor:OPEC"].
    tags          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at    TEXT NOT NULL
);

CREATE TABLE entry_watch (
    entry_id   INTEGER NOT NULL REFERENCES entry (id) ON DELETE CASCADE,
    watch_id   INTEGER NOT NULL REFERENCES watch (id) ON DELETE CASCADE,
    matched_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, watch_id)
) WITHOUT ROWID;
CREATE INDEX entry_watch_watch ON entry_watch (watch_id);

-- What the analyst is told: a watch matched a new entry (and later issues' alerts).
CREATE TABLE alert (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL DEFAULT 'watch',
    watch_id   INTEGER REFERENCES watch (id) ON DELETE SET NULL,
    entry_id   INTEGER REFERENCES entry (id) ON DELETE SET NULL,
    clip_id    INTEGER REFERENCES clip (id) ON DELETE SET NULL,
    title      TEXT NOT NULL,
    url        TEXT,
    detail     TEXT,
    created_at TEXT NOT NULL,
    seen_at    TEXT
);
CREATE INDEX alert_unseen ON alert (seen_at, created_at);

INSERT INTO setting (key, value) VALUES ('inbox_retention_days', '90');
