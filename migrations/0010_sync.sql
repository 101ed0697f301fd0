-- Team desks shared through PostgreSQL (src/sync/, docs/adr/0001-team-desks-on-postgresql.md).
-- Self-contained: it only adds columns, tables and triggers; nothing here depends on the
-- migrations numbered before it other than the library's own tables.
--
-- Local changes to the clips of shared desks are recorded by the triggers below into
-- sync_outbox, in the transaction that makes them (a crash loses both or neither). While pulled
-- operations are applied, the setting 'sync_applying' exists and the triggers stay quiet.

-- The desks this library takes part in, as the server named them, and how far each is pulled.
CREATE TABLE sync_desk (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    level    TEXT NOT NULL CHECK (level IN ('viewer', 'editor', 'admin')),
    last_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Global ids: a clip or a tag is the same in every library by its uid. A clip's desk (NULL: this
-- laptop only). Tags Clipdesk seeded (the gazetteer) take their source as uid, the same in every
-- library.
ALTER TABLE clip ADD COLUMN uid TEXT;
ALTER TABLE clip ADD COLUMN desk TEXT REFERENCES sync_desk (id) ON DELETE SET NULL;
UPDATE clip SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
    || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
CREATE UNIQUE INDEX clip_uid ON clip (uid);
CREATE INDEX clip_desk ON clip (desk) WHERE desk IS NOT NULL;

ALTER TABLE tag ADD COLUMN uid TEXT;
UPDATE tag SET uid = coalesce(source, lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)
    || '-' || hex(randomblob(6))));
CREATE UNIQUE INDEX tag_uid ON tag (uid);

CREATE TRIGGER clip_uid_new AFTER INSERT ON clip WHEN new.uid IS NULL BEGIN
    UPDATE clip SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
        || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE id = new.id;
END;
CREATE TRIGGER tag_uid_new AFTER INSERT ON tag WHEN new.uid IS NULL BEGIN
    UPDATE tag SET uid = coalesce(new.source, lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
        || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
        || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))
    WHERE id = new.id;
END;

-- Other uids that name a local tag or clip: a tag merged into it elsewhere, or the same topic or
-- clip created in two libraries at once (the smaller uid names both everywhere).
CREATE TABLE sync_alias (
    uid    TEXT PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('tag', 'clip')),
    target TEXT NOT NULL
) WITHOUT ROWID;

-- The desks a tag has travelled in (sent or received): its renames, moves, merges and aliases
-- are sent to those desks.
CREATE TABLE tag_desk (
    tag_id INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    desk   TEXT NOT NULL REFERENCES sync_desk (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, desk)
) WITHOUT ROWID;

-- Changes waiting to be sent, oldest first. The payload of a clip or a tag assignment is built
-- when it is sent (a clip is immutable; a tag is sent as it is named then).
CREATE TABLE sync_outbox (
    id         INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    desk       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    clip_id    INTEGER,
    tag_id     INTEGER,
    payload    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    created_at TEXT NOT NULL
);

-- The server order of the last operation applied per key ("tag:CLIP:TAG", "note:CLIP",
-- "name:TAG"…): an operation older than the one that set a key is superseded, so every library
-- ends where the server's order says, whatever order it saw them in.
CREATE TABLE sync_register (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Concurrent edits of a note or a title: both texts kept until the analyst chooses.
CREATE TABLE sync_conflict (
    id            INTEGER PRIMARY KEY,
    clip_id       INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    field         TEXT NOT NULL CHECK (field IN ('note', 'title')),
    current_seq   INTEGER NOT NULL,
    current_text  TEXT,
    current_by    TEXT NOT NULL,
    other_seq     INTEGER NOT NULL,
    other_text    TEXT,
    other_by      TEXT NOT NULL,
    -- Which side this library wrote, if either: 'current', 'other' or NULL.
    mine          TEXT CHECK (mine IN ('current', 'other')),
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    UNIQUE (clip_id, field, current_seq, other_seq)
);
CREATE INDEX sync_conflict_open ON sync_conflict (resolved_at, clip_id);

-- Changes the server refused (the role may not make them): reported once, then kept for the
-- record; the local change was reverted.
CREATE TABLE sync_refused (
    id         INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL,
    desk       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- Capture. Quiet while pulled operations are applied (the setting 'sync_applying' exists).
CREATE TRIGGER sync_clip_insert AFTER INSERT ON clip
WHEN new.desk IS NOT NULL AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, created_at)
    VALUES (lower(hex(randomblob(16))), new.desk, 'clip.add', new.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;

-- A laptop-only clip given to a desk: the clip, its tags and its note are sent.
CREATE TRIGGER sync_clip_share AFTER UPDATE OF desk ON clip
WHEN old.desk IS NULL AND new.desk IS NOT NULL AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, created_at)
    VALUES (lower(hex(randomblob(16))), new.desk, 'clip.add', new.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), new.desk, 'tag.add', ct.clip_id, ct.tag_id, json_object('origin', ct.origin),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM clip_tag ct WHERE ct.clip_id = new.id;
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), new.desk, 'note.set', new.id,
           json_object('field', 'note', 'base', 0, 'text', new.note, 'previous', NULL),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    WHERE new.note IS NOT NULL;
END;

CREATE TRIGGER sync_clip_tag_insert AFTER INSERT ON clip_tag
WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), c.desk, 'tag.add', new.clip_id, new.tag_id, json_object('origin', new.origin),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM clip c WHERE c.id = new.clip_id AND c.desk IS NOT NULL;
END;

CREATE TRIGGER sync_clip_tag_update AFTER UPDATE OF origin ON clip_tag
WHEN new.origin IS NOT old.origin AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), c.desk, 'tag.add', new.clip_id, new.tag_id, json_object('origin', new.origin),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM clip c WHERE c.id = new.clip_id AND c.desk IS NOT NULL;
END;

CREATE TRIGGER sync_clip_tag_delete AFTER DELETE ON clip_tag
WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), c.desk, 'tag.remove', old.clip_id, old.tag_id,
           json_object('origin', old.origin, 'tag', (SELECT uid FROM tag WHERE id = old.tag_id)),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM clip c WHERE c.id = old.clip_id AND c.desk IS NOT NULL;
END;

CREATE TRIGGER sync_clip_note AFTER UPDATE OF note ON clip
WHEN new.note IS NOT old.note AND new.desk IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, payload, created_at)
    VALUES (lower(hex(randomblob(16))), new.desk, 'note.set', new.id,
            json_object('field', 'note', 'text', new.note, 'previous', old.note,
                        -- -1: after this library's own edit still waiting to be sent.
                        'base', CASE WHEN EXISTS (SELECT 1 FROM sync_outbox WHERE clip_id = new.id AND kind = 'note.set')
                                THEN -1 ELSE ifnull((SELECT seq FROM sync_register WHERE key = 'note:' || new.uid), 0) END),
            strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;

CREATE TRIGGER sync_clip_title AFTER UPDATE OF title ON clip
WHEN new.title IS NOT old.title AND new.desk IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, clip_id, payload, created_at)
    VALUES (lower(hex(randomblob(16))), new.desk, 'title.set', new.id,
            json_object('field', 'title', 'text', new.title, 'previous', old.title,
                        -- -1: after this library's own edit still waiting to be sent.
                        'base', CASE WHEN EXISTS (SELECT 1 FROM sync_outbox WHERE clip_id = new.id AND kind = 'title.set')
                                THEN -1 ELSE ifnull((SELECT seq FROM sync_register WHERE key = 'title:' || new.uid), 0) END),
            strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;

CREATE TRIGGER sync_alias_insert AFTER INSERT ON tag_alias
WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), td.desk, 'alias.add', new.tag_id, json_object('alias', new.alias),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM tag_desk td WHERE td.tag_id = new.tag_id;
END;

CREATE TRIGGER sync_alias_delete AFTER DELETE ON tag_alias
WHEN NOT EXISTS (SELECT 1 FROM setting WHERE key = 'sync_applying') BEGIN
    INSERT INTO sync_outbox (op_id, desk, kind, tag_id, payload, created_at)
    SELECT lower(hex(randomblob(16))), td.desk, 'alias.remove', old.tag_id, json_object('alias', old.alias),
           strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
    FROM tag_desk td WHERE td.tag_id = old.tag_id;
END;

-- The last note or title of a shared clip in the server's order, with who wrote it: an edit
-- whose base is not this one was made concurrently, and becomes a conflict.
CREATE TABLE sync_field (
    clip_id INTEGER NOT NULL REFERENCES clip (id) ON DELETE CASCADE,
    field   TEXT NOT NULL CHECK (field IN ('note', 'title')),
    seq     INTEGER NOT NULL,
    text    TEXT,
    author  TEXT NOT NULL,
    mine    INTEGER NOT NULL CHECK (mine IN (0, 1)),
    device  TEXT NOT NULL,
    PRIMARY KEY (clip_id, field)
) WITHOUT ROWID;
