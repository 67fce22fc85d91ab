-- Workspaces and database-wide status.

-- name: workspace-insert
INSERT INTO workspaces (name, created_at_us) VALUES (?1, ?2)

-- name: workspace-ensure-default
INSERT OR IGNORE INTO workspaces (id, name, created_at_us) VALUES (1, 'Default', ?1)

-- name: workspace-get
SELECT id, name, created_at_us FROM workspaces WHERE id = ?1

-- name: workspace-list
SELECT id, name, created_at_us FROM workspaces ORDER BY id

-- name: status-counts
SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM contacts)

-- name: schema-version
SELECT IFNULL(max(version), 0) FROM schema_migrations
