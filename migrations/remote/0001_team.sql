-- Clipdesk's team database, version 1 (src/sync/remote.rs applies it; docs/adr/0001 says why).
-- Everything lives in the schema `clipdesk`, created with its `schema_version` table before this
-- file runs. Objects belong to the role that runs `clipdesk remote init` (an administrator,
-- not an analyst). Clients are the analysts' own login roles: they get SELECT on what row-level
-- security lets them see and INSERT on the change log and the blobs, nothing else.
-- Landed migrations are never edited: change the schema with a new numbered file.

-- A desk: a shared library of clips. A personal library is a desk of one.
CREATE TABLE clipdesk.desk (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Who may do what on a desk: viewer (read), editor (read and write), admin (and members).
-- Written only by the change log's trigger (`member.set`) and `create_desk`.
CREATE TABLE clipdesk.member (
    desk      uuid NOT NULL REFERENCES clipdesk.desk (id) ON DELETE CASCADE,
    role_name text NOT NULL,
    level     text NOT NULL CHECK (level IN ('viewer', 'editor', 'admin')),
    added_by  text NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (desk, role_name)
);
CREATE INDEX member_role ON clipdesk.member (role_name);

-- The change log: every operation of every desk, in the server's order (`seq`). Append-only:
-- clients may INSERT and SELECT their desks' rows; nobody may UPDATE, DELETE or TRUNCATE (a
-- trigger refuses it, the owner included). `op_id` is made by the client: re-sending an
-- operation is a no-op. `author` is the database role (checked), `device` the library that made
-- it, `client_time` when it was made there, `server_time` when it arrived (set here).
CREATE SEQUENCE clipdesk.op_seq;
CREATE TABLE clipdesk.op_log (
    seq         bigint PRIMARY KEY,
    desk        uuid NOT NULL REFERENCES clipdesk.desk (id),
    op_id       uuid NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind ~ '^[a-z]+\.[a-z]+$'),
    payload     jsonb NOT NULL,
    author      text NOT NULL DEFAULT current_user,
    device      uuid NOT NULL,
    client_time timestamptz NOT NULL,
    server_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX op_log_desk_seq ON clipdesk.op_log (desk, seq);

-- Snapshot bytes (zstd, as the libraries store them), addressed by the SHA-256 of the page,
-- per desk so that row security can say who reads them.
CREATE TABLE clipdesk.blob (
    desk   uuid NOT NULL REFERENCES clipdesk.desk (id),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes  bytea NOT NULL,
    PRIMARY KEY (desk, sha256)
);

-- Current state, kept by the change log's trigger in the log's order: what a desk holds now and
-- who last set it ("who tagged this").
CREATE TABLE clipdesk.clip_state (
    desk          uuid NOT NULL REFERENCES clipdesk.desk (id),
    uid           text NOT NULL,
    canonical_url text NOT NULL,
    title         text NOT NULL,
    title_version bigint NOT NULL,
    note          text,
    note_version  bigint NOT NULL DEFAULT 0,
    added_by      text NOT NULL,
    added_seq     bigint NOT NULL,
    PRIMARY KEY (desk, uid)
);
CREATE TABLE clipdesk.clip_tag_state (
    desk     uuid NOT NULL REFERENCES clipdesk.desk (id),
    clip     text NOT NULL,
    tag      text NOT NULL,
    origin   text NOT NULL,
    set_by   text NOT NULL,
    set_seq  bigint NOT NULL,
    PRIMARY KEY (desk, clip, tag)
);
CREATE TABLE clipdesk.tag_state (
    desk        uuid NOT NULL REFERENCES clipdesk.desk (id),
    uid         text NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    parent      text,
    merged_into text,
    set_seq     bigint NOT NULL,
    PRIMARY KEY (desk, uid)
);

-- The caller's level on a desk: 0 none, 1 viewer, 2 editor, 3 admin. SECURITY DEFINER so that
-- policies can consult `member` without recursing into its own policy; the caller's role is
-- passed in (inside the function, current_user is the owner).
CREATE FUNCTION clipdesk.level_of(d uuid, who text) RETURNS int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT CASE m.level WHEN 'viewer' THEN 1 WHEN 'editor' THEN 2 WHEN 'admin' THEN 3 END
                     FROM clipdesk.member m WHERE m.desk = d AND m.role_name = who), 0)
$$;

-- Creating a desk: the caller becomes its admin.
CREATE FUNCTION clipdesk.create_desk(desk_name text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id uuid;
BEGIN
    INSERT INTO clipdesk.desk (name, created_by) VALUES (btrim(desk_name), session_user) RETURNING id INTO new_id;
    INSERT INTO clipdesk.member (desk, role_name, level, added_by) VALUES (new_id, session_user, 'admin', session_user);
    RETURN new_id;
END
$$;

-- Before an operation is logged: one writer per desk at a time (so a desk's operations become
-- visible in `seq` order and a reader's cursor never skips one still being written), the
-- server's order and time.
CREATE FUNCTION clipdesk.op_log_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('clipdesk.desk:' || NEW.desk::text, 0));
    NEW.seq := nextval('clipdesk.op_seq');
    NEW.server_time := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER op_log_stamp BEFORE INSERT ON clipdesk.op_log FOR EACH ROW EXECUTE FUNCTION clipdesk.op_log_stamp();

CREATE FUNCTION clipdesk.op_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Clipdesk change log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER op_log_no_change BEFORE UPDATE OR DELETE ON clipdesk.op_log
    FOR EACH ROW EXECUTE FUNCTION clipdesk.op_log_append_only();
CREATE TRIGGER op_log_no_truncate BEFORE TRUNCATE ON clipdesk.op_log
    FOR EACH STATEMENT EXECUTE FUNCTION clipdesk.op_log_append_only();

-- After an operation is logged: the current-state tables and memberships follow it.
CREATE FUNCTION clipdesk.op_log_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p jsonb := NEW.payload;
BEGIN
    CASE NEW.kind
    WHEN 'clip.add' THEN
        INSERT INTO clipdesk.clip_state (desk, uid, canonical_url, title, title_version, added_by, added_seq)
        VALUES (NEW.desk, p->>'clip', coalesce(p->>'canonical_url', ''), coalesce(p->>'title', ''), NEW.seq,
                NEW.author, NEW.seq)
        ON CONFLICT (desk, uid) DO NOTHING;
    WHEN 'tag.add' THEN
        INSERT INTO clipdesk.clip_tag_state (desk, clip, tag, origin, set_by, set_seq)
        VALUES (NEW.desk, p->>'clip', p->'tag'->>'uid', coalesce(p->>'origin', 'manual'), NEW.author, NEW.seq)
        ON CONFLICT (desk, clip, tag) DO UPDATE SET origin = excluded.origin, set_by = excluded.set_by,
            set_seq = excluded.set_seq;
        INSERT INTO clipdesk.tag_state (desk, uid, kind, name, parent, set_seq)
        VALUES (NEW.desk, p->'tag'->>'uid', p->'tag'->>'kind', p->'tag'->>'name', p->'tag'->'parent'->>'uid', NEW.seq)
        ON CONFLICT (desk, uid) DO NOTHING;
    WHEN 'tag.remove' THEN
        DELETE FROM clipdesk.clip_tag_state WHERE desk = NEW.desk AND clip = p->>'clip' AND tag = p->>'tag';
    WHEN 'note.set' THEN
        UPDATE clipdesk.clip_state SET note = p->>'text', note_version = NEW.seq
        WHERE desk = NEW.desk AND uid = p->>'clip';
    WHEN 'title.set' THEN
        UPDATE clipdesk.clip_state SET title = coalesce(p->>'text', title), title_version = NEW.seq
        WHERE desk = NEW.desk AND uid = p->>'clip';
    WHEN 'tag.rename' THEN
        UPDATE clipdesk.tag_state SET name = p->>'name', set_seq = NEW.seq WHERE desk = NEW.desk AND uid = p->'tag'->>'uid';
    WHEN 'tag.move' THEN
        UPDATE clipdesk.tag_state SET parent = p->'parent'->>'uid', set_seq = NEW.seq
        WHERE desk = NEW.desk AND uid = p->'tag'->>'uid';
    WHEN 'tag.merge' THEN
        UPDATE clipdesk.tag_state SET merged_into = p->'into'->>'uid', set_seq = NEW.seq
        WHERE desk = NEW.desk AND uid = p->'from'->>'uid';
        INSERT INTO clipdesk.clip_tag_state (desk, clip, tag, origin, set_by, set_seq)
        SELECT desk, clip, p->'into'->>'uid', origin, NEW.author, NEW.seq FROM clipdesk.clip_tag_state
        WHERE desk = NEW.desk AND tag = p->'from'->>'uid'
        ON CONFLICT (desk, clip, tag) DO NOTHING;
        DELETE FROM clipdesk.clip_tag_state WHERE desk = NEW.desk AND tag = p->'from'->>'uid';
    WHEN 'tag.delete' THEN
        DELETE FROM clipdesk.clip_tag_state WHERE desk = NEW.desk AND tag = p->>'tag';
        DELETE FROM clipdesk.tag_state WHERE desk = NEW.desk AND uid = p->>'tag';
    WHEN 'member.set' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p->>'role' AND rolcanlogin) THEN
            RAISE EXCEPTION 'no login role named %', p->>'role' USING ERRCODE = 'undefined_object';
        END IF;
        IF p->>'level' IS NULL THEN
            DELETE FROM clipdesk.member WHERE desk = NEW.desk AND role_name = p->>'role';
        ELSE
            INSERT INTO clipdesk.member (desk, role_name, level, added_by)
            VALUES (NEW.desk, p->>'role', p->>'level', NEW.author)
            ON CONFLICT (desk, role_name) DO UPDATE SET level = excluded.level, added_by = excluded.added_by,
                added_at = now();
        END IF;
    ELSE
        NULL;
    END CASE;
    RETURN NULL;
END
$$;
CREATE TRIGGER op_log_apply AFTER INSERT ON clipdesk.op_log FOR EACH ROW EXECUTE FUNCTION clipdesk.op_log_apply();

-- Row-level security on every table: a role sees the rows of the desks it belongs to, writes
-- the change log and blobs of the desks it edits (membership operations: the desks it
-- administers), and logs operations only under its own name. The change log and the blobs are
-- FORCEd: their owner obeys the same policies (the owner's functions never touch them).
ALTER TABLE clipdesk.schema_version ENABLE ROW LEVEL SECURITY;
CREATE POLICY schema_version_read ON clipdesk.schema_version FOR SELECT USING (true);

ALTER TABLE clipdesk.desk ENABLE ROW LEVEL SECURITY;
CREATE POLICY desk_read ON clipdesk.desk FOR SELECT USING (clipdesk.level_of(id, current_user) >= 1);

ALTER TABLE clipdesk.member ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_read ON clipdesk.member FOR SELECT USING (clipdesk.level_of(desk, current_user) >= 1);

ALTER TABLE clipdesk.op_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE clipdesk.op_log FORCE ROW LEVEL SECURITY;
CREATE POLICY op_log_read ON clipdesk.op_log FOR SELECT USING (clipdesk.level_of(desk, current_user) >= 1);
CREATE POLICY op_log_write ON clipdesk.op_log FOR INSERT WITH CHECK (
    author = current_user
    AND clipdesk.level_of(desk, current_user) >= CASE WHEN kind LIKE 'member.%' THEN 3 ELSE 2 END
);

ALTER TABLE clipdesk.blob ENABLE ROW LEVEL SECURITY;
ALTER TABLE clipdesk.blob FORCE ROW LEVEL SECURITY;
CREATE POLICY blob_read ON clipdesk.blob FOR SELECT USING (clipdesk.level_of(desk, current_user) >= 1);
CREATE POLICY blob_write ON clipdesk.blob FOR INSERT WITH CHECK (clipdesk.level_of(desk, current_user) >= 2);

ALTER TABLE clipdesk.clip_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY clip_state_read ON clipdesk.clip_state FOR SELECT USING (clipdesk.level_of(desk, current_user) >= 1);
ALTER TABLE clipdesk.clip_tag_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY clip_tag_state_read ON clipdesk.clip_tag_state FOR SELECT
    USING (clipdesk.level_of(desk, current_user) >= 1);
ALTER TABLE clipdesk.tag_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY tag_state_read ON clipdesk.tag_state FOR SELECT USING (clipdesk.level_of(desk, current_user) >= 1);

-- Privileges: every login role may use the schema (row security decides what it sees); only
-- INSERT on the log (not its order, nor its server time) and on the blobs; no UPDATE, DELETE or
-- TRUNCATE anywhere.
REVOKE ALL ON ALL TABLES IN SCHEMA clipdesk FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA clipdesk FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA clipdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA clipdesk TO PUBLIC;
GRANT SELECT ON clipdesk.schema_version, clipdesk.desk, clipdesk.member, clipdesk.clip_state,
    clipdesk.clip_tag_state, clipdesk.tag_state TO PUBLIC;
GRANT SELECT ON clipdesk.op_log, clipdesk.blob TO PUBLIC;
GRANT INSERT (desk, op_id, kind, payload, author, device, client_time) ON clipdesk.op_log TO PUBLIC;
GRANT INSERT ON clipdesk.blob TO PUBLIC;
GRANT EXECUTE ON FUNCTION clipdesk.level_of(uuid, text), clipdesk.create_desk(text) TO PUBLIC;
