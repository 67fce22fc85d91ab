-- Message templates with immutable versions. Editing a template adds a version; a message
-- records (template_id, version), so what was sent can always be shown again.

CREATE TABLE templates (
  id             INTEGER PRIMARY KEY,
  workspace_id   INTEGER NOT NULL REFERENCES workspaces(id),
  name           TEXT NOT NULL CHECK (name <> ''),
  channel        TEXT NOT NULL
                 CHECK (channel IN ('email', 'linkedin_invite', 'linkedin_message', 'sms')),
  latest_version INTEGER NOT NULL DEFAULT 0,
  created_at_us  INTEGER NOT NULL,
  updated_at_us  INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
);

CREATE TABLE template_versions (
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  template_id   INTEGER NOT NULL REFERENCES templates(id),
  version       INTEGER NOT NULL CHECK (version > 0),
  subject       TEXT NOT NULL DEFAULT '',
  html          TEXT NOT NULL DEFAULT '',
  text          TEXT NOT NULL DEFAULT '',
  note          TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (template_id, version)
) WITHOUT ROWID;

-- Versions are immutable: the database refuses to change or remove one.
CREATE TRIGGER template_versions_immutable_update BEFORE UPDATE ON template_versions
BEGIN
  SELECT RAISE(ABORT, 'template versions are immutable');
END;
CREATE TRIGGER template_versions_immutable_delete BEFORE DELETE ON template_versions
BEGIN
  SELECT RAISE(ABORT, 'template versions are immutable');
END;
