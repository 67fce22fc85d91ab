-- Workspaces, contacts, lists, suppression and imports.
-- Every row belongs to a workspace (suppression entries may be global: workspace_id NULL).
-- Times are integer microseconds since the Unix epoch (columns ending in _us).

CREATE TABLE workspaces (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL CHECK (name <> ''),
  created_at_us INTEGER NOT NULL
);

CREATE TABLE contacts (
  id                   INTEGER PRIMARY KEY,
  workspace_id         INTEGER NOT NULL REFERENCES workspaces(id),
  dedupe_key           TEXT NOT NULL CHECK (dedupe_key <> ''),
  email                TEXT NOT NULL DEFAULT '',
  email_normalized     TEXT NOT NULL DEFAULT '',
  email_domain         TEXT NOT NULL DEFAULT '',
  registrable_domain   TEXT NOT NULL DEFAULT '',
  first_name           TEXT NOT NULL DEFAULT '',
  last_name            TEXT NOT NULL DEFAULT '',
  company              TEXT NOT NULL DEFAULT '',
  title                TEXT NOT NULL DEFAULT '',
  phone                TEXT NOT NULL DEFAULT '',
  linkedin_url         TEXT NOT NULL DEFAULT '',
  linkedin_provider_id TEXT NOT NULL DEFAULT '',
  country              TEXT NOT NULL DEFAULT '',
  time_zone            TEXT NOT NULL DEFAULT '',
  custom_fields        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields)),
  status               TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'unsubscribed', 'bounced', 'complained')),
  created_import_id    INTEGER,
  last_import_id       INTEGER,
  created_at_us        INTEGER NOT NULL,
  updated_at_us        INTEGER NOT NULL,
  UNIQUE (workspace_id, dedupe_key)
);
CREATE INDEX contacts_by_domain ON contacts (workspace_id, registrable_domain);

CREATE TABLE lists (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  name          TEXT NOT NULL CHECK (name <> ''),
  created_at_us INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
);

CREATE TABLE list_members (
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  list_id      INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  added_at_us  INTEGER NOT NULL,
  PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX list_members_by_contact ON list_members (contact_id);

CREATE TABLE suppressions (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER REFERENCES workspaces(id),
  kind          TEXT NOT NULL CHECK (kind IN ('email', 'domain')),
  value         TEXT NOT NULL CHECK (value <> ''),
  reason        TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL
);
CREATE UNIQUE INDEX suppressions_unique ON suppressions (IFNULL(workspace_id, 0), kind, value);
CREATE INDEX suppressions_by_value ON suppressions (value);

CREATE TABLE imports (
  id             INTEGER PRIMARY KEY,
  workspace_id   INTEGER NOT NULL REFERENCES workspaces(id),
  file_name      TEXT NOT NULL,
  fingerprint    TEXT NOT NULL,
  file_size      INTEGER NOT NULL,
  list_id        INTEGER REFERENCES lists(id) ON DELETE SET NULL,
  policy         TEXT NOT NULL CHECK (policy IN ('skip', 'update', 'fill-empty')),
  options        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  report_path    TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  total_rows     INTEGER NOT NULL DEFAULT 0,
  imported       INTEGER NOT NULL DEFAULT 0,
  updated        INTEGER NOT NULL DEFAULT 0,
  duplicates     INTEGER NOT NULL DEFAULT 0,
  suppressed     INTEGER NOT NULL DEFAULT 0,
  rejected       INTEGER NOT NULL DEFAULT 0,
  resume_offset  INTEGER NOT NULL DEFAULT 0,
  resume_line    INTEGER NOT NULL DEFAULT 0,
  report_bytes   INTEGER NOT NULL DEFAULT 0,
  error          TEXT NOT NULL DEFAULT '',
  created_at_us  INTEGER NOT NULL,
  updated_at_us  INTEGER NOT NULL,
  finished_at_us INTEGER
);
CREATE INDEX imports_by_fingerprint ON imports (workspace_id, fingerprint);
