-- Workspaces and database-wide status.

-- name: workspace-insert
INSERT INTO workspaces (name, created_at_us) VALUES (?1, ?2)

-- name: workspace-ensure-default
INSERT OR IGNORE INTO workspaces (id, name, created_at_us) VALUES (1, 'Default', ?1)

-- name: workspace-get
SELECT id, name, created_at_us, postal_address FROM workspaces WHERE id = ?1

-- name: workspace-list
SELECT id, name, created_at_us, postal_address FROM workspaces ORDER BY id

-- name: workspace-set-postal-address
UPDATE workspaces SET postal_address = ?2 WHERE id = ?1

-- name: workspace-webhook-secret-if-empty
UPDATE workspaces SET webhook_secret = ?2 WHERE id = ?1 AND webhook_secret = ''

-- name: workspace-webhook-secret
SELECT webhook_secret FROM workspaces WHERE id = ?1

-- name: workspace-tracking-key-if-empty
UPDATE workspaces SET tracking_key = ?2 WHERE id = ?1 AND tracking_key = ''

-- name: workspace-tracking-key
SELECT tracking_key FROM workspaces WHERE id = ?1

-- name: status-counts
SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM contacts)

-- name: schema-version
SELECT IFNULL(max(version), 0) FROM schema_migrations
