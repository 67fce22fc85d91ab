-- Templates and their immutable versions.

-- name: template-insert
INSERT INTO templates (workspace_id, name, channel, latest_version, created_at_us, updated_at_us)
VALUES (?1, ?2, ?3, 0, ?4, ?4)

-- name: template-get
SELECT id, workspace_id, name, channel, latest_version, created_at_us, updated_at_us
FROM templates WHERE workspace_id = ?1 AND id = ?2

-- name: template-find-by-name
SELECT id, workspace_id, name, channel, latest_version, created_at_us, updated_at_us
FROM templates WHERE workspace_id = ?1 AND name = ?2

-- name: template-all
SELECT id, workspace_id, name, channel, latest_version, created_at_us, updated_at_us
FROM templates WHERE workspace_id = ?1 ORDER BY name

-- name: template-bump-version
UPDATE templates SET latest_version = latest_version + 1, updated_at_us = ?3
WHERE workspace_id = ?1 AND id = ?2 AND latest_version = ?4

-- name: template-version-insert
INSERT INTO template_versions
  (workspace_id, template_id, version, subject, html, text, note, created_at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)

-- name: template-version-get
SELECT template_id, version, subject, html, text, note, created_at_us
FROM template_versions WHERE workspace_id = ?1 AND template_id = ?2 AND version = ?3

-- name: template-version-all
SELECT template_id, version, subject, html, text, note, created_at_us
FROM template_versions WHERE workspace_id = ?1 AND template_id = ?2 ORDER BY version

-- name: contact-custom-field-names
SELECT DISTINCT j.key FROM contacts c, json_each(c.custom_fields) j
WHERE c.workspace_id = ?1 ORDER BY j.key LIMIT ?2
