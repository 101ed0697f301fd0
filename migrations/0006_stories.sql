-- Stories: one event, many outlets. A story holds the clips that republish one text (copies) and
-- those that report the same event in other words or languages (coverage); the earliest is its
-- original. Self-contained: may be renumbered when merged after other migrations.

CREATE TABLE story (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- Every clip belongs to one story (a story of one until others join it). `copy_of` is the earliest
-- clip of the same text, NULL for the first clip of a text. `wire` is the news agency the clip
-- credits (its dateline or byline): 'ap', 'reuters', 'afp'…
ALTER TABLE clip ADD COLUMN story_id INTEGER REFERENCES story (id);
ALTER TABLE clip ADD COLUMN copy_of INTEGER REFERENCES clip (id) ON DELETE SET NULL;
ALTER TABLE clip ADD COLUMN wire TEXT;
CREATE INDEX clip_story ON clip (story_id);
CREATE INDEX clip_copy_of ON clip (copy_of) WHERE copy_of IS NOT NULL;
CREATE INDEX clip_wire ON clip (wire) WHERE wire IS NOT NULL;

-- The analyst's choices, which regrouping respects: two clips kept together (a merge) or apart (a
-- split). Pairs are stored once, smaller id first.
CREATE TABLE story_link (
    a          INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    b          INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('together', 'apart')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
) WITHOUT ROWID;
CREATE INDEX story_link_b ON story_link (b);

-- What grouping compares (src/stories/signature.rs), computed when a clip is stored: `at` is its
-- time (published, else clipped; Unix seconds), `minhash` its text's sketch for copies, `terms`
-- its weighted terms for coverage.
CREATE TABLE story_sig (
    clip_id  INTEGER PRIMARY KEY REFERENCES clip (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    lang     TEXT,
    live     INTEGER NOT NULL DEFAULT 0 CHECK (live IN (0, 1)),
    shingles INTEGER NOT NULL,
    minhash  BLOB NOT NULL,
    terms    BLOB NOT NULL
);
CREATE INDEX story_sig_at ON story_sig (at);

-- The copy index: each sketch's LSH band keys.
CREATE TABLE story_band (
    band    INTEGER NOT NULL,
    clip_id INTEGER NOT NULL,
    PRIMARY KEY (band, clip_id)
) WITHOUT ROWID;

-- How many clips of a language use a term (keys hash the language and the term), for weighting.
CREATE TABLE story_df (
    term INTEGER PRIMARY KEY,
    df   INTEGER NOT NULL
);
