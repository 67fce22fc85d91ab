-- Lists and membership.

-- name: list-insert
INSERT INTO lists (workspace_id, name, created_at_us) VALUES (?1, ?2, ?3)

-- name: list-get
SELECT l.id, l.workspace_id, l.name, l.created_at_us,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)
FROM lists l WHERE l.workspace_id = ?1 AND l.id = ?2

-- name: list-find-by-name
SELECT l.id, l.workspace_id, l.name, l.created_at_us,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)
FROM lists l WHERE l.workspace_id = ?1 AND l.name = ?2

-- name: list-all
SELECT l.id, l.workspace_id, l.name, l.created_at_us,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id)
FROM lists l WHERE l.workspace_id = ?1 ORDER BY l.name

-- name: list-delete
DELETE FROM lists WHERE workspace_id = ?1 AND id = ?2

-- name: list-member-add
INSERT INTO list_members (workspace_id, list_id, contact_id, added_at_us)
VALUES (?1, ?2, ?3, ?4) ON CONFLICT (list_id, contact_id) DO NOTHING

-- name: list-member-remove
DELETE FROM list_members WHERE workspace_id = ?1 AND list_id = ?2 AND contact_id = ?3
