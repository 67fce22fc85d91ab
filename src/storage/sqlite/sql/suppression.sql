-- Suppression entries: workspace_id NULL means global (every workspace).

-- name: suppression-insert
INSERT OR IGNORE INTO suppressions (workspace_id, kind, value, reason, created_at_us)
VALUES (?1, ?2, ?3, ?4, ?5)

-- name: suppression-find
SELECT id, workspace_id, kind, value, reason, created_at_us FROM suppressions
WHERE IFNULL(workspace_id, 0) = IFNULL(?1, 0) AND kind = ?2 AND value = ?3

-- name: suppression-delete
DELETE FROM suppressions WHERE IFNULL(workspace_id, 0) = IFNULL(?1, 0) AND kind = ?2 AND value = ?3

-- name: suppression-list
SELECT id, workspace_id, kind, value, reason, created_at_us FROM suppressions
WHERE (workspace_id = ?1 OR workspace_id IS NULL) AND id > ?2 ORDER BY id LIMIT ?3

-- name: suppression-match
SELECT id, workspace_id, kind, value, reason, created_at_us FROM suppressions
WHERE (workspace_id = ?1 OR workspace_id IS NULL)
  AND ((kind = 'email' AND value = ?2) OR (kind = 'domain' AND value IN (?3, ?4)))
ORDER BY kind = 'domain', id LIMIT 1

-- name: suppression-snapshot
SELECT id, workspace_id, kind, value, reason, created_at_us FROM suppressions
WHERE workspace_id = ?1 OR workspace_id IS NULL

-- name: suppression-for-values
SELECT id, workspace_id, kind, value, reason, created_at_us FROM suppressions
WHERE value IN (SELECT value FROM json_each(?2))
  AND (workspace_id = ?1 OR workspace_id IS NULL)
