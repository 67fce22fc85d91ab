-- Imports: one row per file import, advanced atomically with each committed batch.

-- name: import-insert
INSERT INTO imports (workspace_id, file_name, fingerprint, file_size, list_id, policy, options,
  report_path, status, created_at_us, updated_at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9, ?9)

-- name: import-get
SELECT id, workspace_id, file_name, fingerprint, file_size, list_id, policy, options,
  report_path, status, total_rows, imported, updated, duplicates, suppressed, rejected,
  resume_offset, resume_line, report_bytes, error, created_at_us, updated_at_us, finished_at_us
FROM imports WHERE workspace_id = ?1 AND id = ?2

-- name: import-find-by-fingerprint
SELECT id, workspace_id, file_name, fingerprint, file_size, list_id, policy, options,
  report_path, status, total_rows, imported, updated, duplicates, suppressed, rejected,
  resume_offset, resume_line, report_bytes, error, created_at_us, updated_at_us, finished_at_us
FROM imports WHERE workspace_id = ?1 AND fingerprint = ?2 ORDER BY id DESC LIMIT 1

-- name: import-list
SELECT id, workspace_id, file_name, fingerprint, file_size, list_id, policy, options,
  report_path, status, total_rows, imported, updated, duplicates, suppressed, rejected,
  resume_offset, resume_line, report_bytes, error, created_at_us, updated_at_us, finished_at_us
FROM imports WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2

-- name: import-advance
UPDATE imports SET
  total_rows = total_rows + ?3, imported = imported + ?4, updated = updated + ?5,
  duplicates = duplicates + ?6, suppressed = suppressed + ?7, rejected = rejected + ?8,
  resume_offset = ?9, resume_line = ?10, report_bytes = ?11, updated_at_us = ?12
WHERE workspace_id = ?1 AND id = ?2 AND status = 'running'

-- name: import-finish
UPDATE imports SET status = ?3, error = ?4, updated_at_us = ?5, finished_at_us = ?5
WHERE workspace_id = ?1 AND id = ?2 AND status = 'running'

-- name: import-list-add-created
-- List membership for the contacts a batch created (ids ?3..?4, rowids assigned in order
-- inside the batch's transaction): one statement per batch instead of one per row. The
-- unary + keeps the planner on the rowid range: by contacts_by_domain (workspace_id = ?1)
-- it would read the whole workspace on every batch.
INSERT INTO list_members (workspace_id, list_id, contact_id, added_at_us)
SELECT ?1, ?2, id, ?6 FROM contacts
WHERE id BETWEEN ?3 AND ?4 AND +workspace_id = ?1 AND +created_import_id = ?5
ON CONFLICT (list_id, contact_id) DO NOTHING

-- name: import-list-exists
SELECT 1 FROM lists WHERE workspace_id = ?1 AND id = ?2
