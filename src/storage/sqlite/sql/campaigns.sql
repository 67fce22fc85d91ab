-- Campaigns, their immutable sequence versions, and sender accounts.

-- name: campaign-insert
INSERT INTO campaigns (workspace_id, name, kind, status, settings, latest_version, created_at_us,
  updated_at_us)
VALUES (?1, ?2, ?3, 'draft', ?4, 1, ?5, ?5)

-- name: campaign-version-insert
INSERT INTO campaign_versions (workspace_id, campaign_id, version, sequence, note, migrate,
  created_at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)

-- name: campaign-bump-version
UPDATE campaigns SET latest_version = latest_version + 1, updated_at_us = ?3
WHERE workspace_id = ?1 AND id = ?2 AND latest_version = ?4

-- name: campaign-update-settings
UPDATE campaigns SET settings = ?3, start_at_us = ?4, updated_at_us = ?5
WHERE workspace_id = ?1 AND id = ?2

-- name: campaign-get
SELECT id, workspace_id, name, kind, status, archived, settings, latest_version, start_at_us,
  launched_at_us, ended_at_us, created_at_us, updated_at_us
FROM campaigns WHERE workspace_id = ?1 AND id = ?2

-- name: campaign-find-by-name
SELECT id, workspace_id, name, kind, status, archived, settings, latest_version, start_at_us,
  launched_at_us, ended_at_us, created_at_us, updated_at_us
FROM campaigns WHERE workspace_id = ?1 AND name = ?2

-- name: campaign-list
SELECT id, workspace_id, name, kind, status, archived, settings, latest_version, start_at_us,
  launched_at_us, ended_at_us, created_at_us, updated_at_us
FROM campaigns WHERE workspace_id = ?1 AND (?2 OR archived = 0) ORDER BY id

-- name: campaign-list-by-status
SELECT id, workspace_id, name, kind, status, archived, settings, latest_version, start_at_us,
  launched_at_us, ended_at_us, created_at_us, updated_at_us
FROM campaigns WHERE status IN (SELECT value FROM json_each(?1)) ORDER BY id

-- name: campaign-transition
UPDATE campaigns SET status = ?4, updated_at_us = ?5,
  start_at_us = CASE WHEN ?6 IS NOT NULL THEN ?6 ELSE start_at_us END,
  launched_at_us = CASE WHEN ?7 AND launched_at_us IS NULL THEN ?5 ELSE launched_at_us END,
  ended_at_us = CASE WHEN ?8 THEN ?5 ELSE ended_at_us END
WHERE workspace_id = ?1 AND id = ?2 AND status = ?3

-- name: campaign-set-archived
UPDATE campaigns SET archived = ?3, updated_at_us = ?4 WHERE workspace_id = ?1 AND id = ?2

-- name: campaign-version-get
SELECT campaign_id, version, sequence, note, migrate, created_at_us
FROM campaign_versions WHERE workspace_id = ?1 AND campaign_id = ?2 AND version = ?3

-- name: sender-insert
INSERT INTO senders (workspace_id, name, channel, transport, address, from_name, time_zone, policy,
  signature, flagged, created_at_us, updated_at_us, reply_to, settings, sealed_credentials)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?10, ?11, ?12, ?13)

-- name: sender-set-credentials
UPDATE senders SET sealed_credentials = ?3, updated_at_us = ?4 WHERE workspace_id = ?1 AND id = ?2

-- name: sender-set-inbox-position
UPDATE senders SET imap_uidvalidity = ?3, imap_last_uid = ?4, updated_at_us = ?5
WHERE workspace_id = ?1 AND id = ?2

-- name: dkim-key-insert
INSERT INTO dkim_keys (workspace_id, domain, selector, algorithm, sealed_key, dns_txt,
  created_at_us)
VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)

-- name: dkim-key-set-sealed
UPDATE dkim_keys SET sealed_key = ?2 WHERE id = ?1

-- name: dkim-key-find
SELECT id, workspace_id, domain, selector, algorithm, sealed_key, dns_txt, created_at_us
FROM dkim_keys WHERE workspace_id = ?1 AND domain = ?2

-- name: dkim-key-list
SELECT id, workspace_id, domain, selector, algorithm, sealed_key, dns_txt, created_at_us
FROM dkim_keys WHERE workspace_id = ?1 ORDER BY domain

-- name: dkim-key-delete
DELETE FROM dkim_keys WHERE workspace_id = ?1 AND domain = ?2

-- name: sender-get
SELECT id, workspace_id, name, channel, transport, address, from_name, time_zone, policy, signature,
  flagged, created_at_us, updated_at_us, reply_to, settings, sealed_credentials, imap_uidvalidity,
  imap_last_uid
FROM senders WHERE workspace_id = ?1 AND id = ?2

-- name: sender-find-by-name
SELECT id, workspace_id, name, channel, transport, address, from_name, time_zone, policy, signature,
  flagged, created_at_us, updated_at_us, reply_to, settings, sealed_credentials, imap_uidvalidity,
  imap_last_uid
FROM senders WHERE workspace_id = ?1 AND name = ?2

-- name: sender-list
SELECT id, workspace_id, name, channel, transport, address, from_name, time_zone, policy, signature,
  flagged, created_at_us, updated_at_us, reply_to, settings, sealed_credentials, imap_uidvalidity,
  imap_last_uid
FROM senders WHERE workspace_id = ?1 ORDER BY name

-- name: sender-set-flag
UPDATE senders SET flagged = ?3, updated_at_us = ?4 WHERE workspace_id = ?1 AND id = ?2

-- name: sender-in-use
SELECT count(*) FROM messages WHERE workspace_id = ?1 AND sender_id = ?2

-- name: sender-delete
DELETE FROM senders WHERE workspace_id = ?1 AND id = ?2

-- name: status-transitions-clear
DELETE FROM status_transitions

-- name: status-transition-insert
INSERT INTO status_transitions (machine, from_status, to_status) VALUES (?1, ?2, ?3)
