-- The engine's working state: enrollments, messages (the dispatcher's queue) and events.
-- Message columns, in ReadMessage's order:
--   id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
--   template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
--   lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error,
--   reasons, created_at_us, updated_at_us
-- Enrollment columns, in ReadEnrollment's order:
--   id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
--   step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us

-- name: message-insert
INSERT INTO messages (workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant,
  channel, template_id, template_version, status, due_at_us, planned_at_us, reasons,
  created_at_us, updated_at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'planned', ?11, ?11, ?12, ?13, ?13)

-- name: contacts-in-other-campaigns
SELECT DISTINCT contact_id FROM enrollments
WHERE workspace_id = ?1 AND campaign_id <> ?2 AND status IN ('active', 'waiting', 'held')

-- name: message-claim
UPDATE messages SET status = 'claimed', lease_owner = ?3, lease_expires_us = ?4,
  fence = fence + 1, updated_at_us = ?1
WHERE id IN (
  SELECT m.id FROM messages m
  WHERE m.status = 'planned' AND m.due_at_us <= ?1
    AND +m.campaign_id IN (SELECT id FROM campaigns WHERE status = 'active')
  ORDER BY m.due_at_us LIMIT ?2)
RETURNING id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant,
  channel, template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us

-- name: enrollments-with-contacts
SELECT e.id, e.workspace_id, e.campaign_id, e.contact_id, e.version, e.status, e.step,
  e.sender_id, e.wake_at_us, e.step_started_at_us, e.last_sent_at_us, e.stop_reason,
  e.enrolled_at_us, e.updated_at_us,
  c.id, c.workspace_id, c.email, c.email_normalized, c.email_domain, c.registrable_domain,
  c.first_name, c.last_name, c.company, c.title, c.phone, c.linkedin_url,
  c.linkedin_provider_id, c.country, c.time_zone, c.custom_fields, c.status, c.created_at_us,
  c.updated_at_us
FROM enrollments e JOIN contacts c ON c.id = e.contact_id
WHERE e.id IN (SELECT value FROM json_each(?1))

-- name: message-change
UPDATE messages SET status = ?2,
  due_at_us = CASE WHEN ?5 IS NULL THEN due_at_us ELSE ?5 END,
  slot_at_us = CASE WHEN ?6 THEN ?7 ELSE slot_at_us END,
  sender_id = COALESCE(?8, sender_id),
  attempts = attempts + ?9,
  sent_at_us = COALESCE(?10, sent_at_us),
  provider_id = COALESCE(?11, provider_id),
  error = COALESCE(?12, error),
  reasons = COALESCE(?13, reasons),
  rfc_message_id = COALESCE(?16, rfc_message_id),
  subject = COALESCE(?17, subject),
  links = COALESCE(?18, links),
  lease_owner = CASE WHEN ?15 THEN lease_owner ELSE NULL END,
  lease_expires_us = CASE WHEN ?15 THEN lease_expires_us ELSE NULL END,
  updated_at_us = ?14
WHERE id = ?1 AND status = ?3 AND (?4 IS NULL OR fence = ?4)

-- name: enrollment-change
UPDATE enrollments SET status = ?2,
  step = COALESCE(?5, step),
  version = COALESCE(?6, version),
  wake_at_us = CASE WHEN ?7 THEN ?8 ELSE wake_at_us END,
  step_started_at_us = COALESCE(?9, step_started_at_us),
  last_sent_at_us = COALESCE(?10, last_sent_at_us),
  sender_id = COALESCE(?11, sender_id),
  stop_reason = COALESCE(?12, stop_reason),
  updated_at_us = ?13
WHERE id = ?1 AND status = ?3 AND step = ?4

-- name: event-mark-applied
UPDATE events SET applied_at_us = ?2 WHERE id = ?1 AND applied_at_us IS NULL

-- name: next-work
SELECT min(t) FROM (
  SELECT min(due_at_us) AS t FROM messages
  WHERE status = 'planned' AND +campaign_id IN (SELECT id FROM campaigns WHERE status = 'active')
  UNION ALL
  SELECT min(wake_at_us) FROM enrollments
  WHERE status IN ('waiting', 'held')
    AND +campaign_id IN (SELECT id FROM campaigns WHERE status = 'active')
  UNION ALL
  SELECT min(lease_expires_us) FROM messages WHERE status IN ('claimed', 'sending')
  UNION ALL
  SELECT min(start_at_us) FROM campaigns WHERE status = 'scheduled'
  UNION ALL
  SELECT min(created_at_us) FROM events WHERE applied_at_us IS NULL)

-- name: enrollments-waking
SELECT id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
  step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us
FROM enrollments
WHERE status IN ('waiting', 'held') AND wake_at_us <= ?1
  AND +campaign_id IN (SELECT id FROM campaigns WHERE status = 'active')
ORDER BY wake_at_us LIMIT ?2

-- name: messages-expired-leases
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE status IN ('claimed', 'sending') AND lease_expires_us < ?1
ORDER BY lease_expires_us LIMIT ?2

-- name: messages-leases-of
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE status IN ('claimed', 'sending') AND lease_owner = ?1
ORDER BY lease_expires_us LIMIT ?2

-- name: enrollment-get
SELECT id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
  step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us
FROM enrollments WHERE workspace_id = ?1 AND id = ?2

-- name: enrollment-find
SELECT id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
  step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us
FROM enrollments WHERE workspace_id = ?1 AND campaign_id = ?2 AND contact_id = ?3

-- name: enrollments-live-of-contact
SELECT id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
  step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us
FROM enrollments WHERE workspace_id = ?1 AND contact_id = ?2
  AND status IN ('active', 'waiting', 'held')
ORDER BY id

-- name: enrollments-live-at-domain
SELECT e.id, e.workspace_id, e.campaign_id, e.contact_id, e.version, e.status, e.step,
  e.sender_id, e.wake_at_us, e.step_started_at_us, e.last_sent_at_us, e.stop_reason,
  e.enrolled_at_us, e.updated_at_us
FROM contacts c JOIN enrollments e ON e.contact_id = c.id
WHERE c.workspace_id = ?1 AND c.registrable_domain = ?3 AND e.campaign_id = ?2
  AND e.status IN ('active', 'waiting', 'held')
ORDER BY e.id

-- name: enrollments-live-of-campaign
SELECT id, workspace_id, campaign_id, contact_id, version, status, step, sender_id, wake_at_us,
  step_started_at_us, last_sent_at_us, stop_reason, enrolled_at_us, updated_at_us
FROM enrollments WHERE campaign_id = ?1 AND status IN ('active', 'waiting', 'held')
ORDER BY id LIMIT ?2

-- name: enrollments-live-count
SELECT count(*) FROM enrollments
WHERE campaign_id = ?1 AND status IN ('active', 'waiting', 'held')

-- name: message-get
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE workspace_id = ?1 AND id = ?2

-- name: messages-of-enrollment
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE workspace_id = ?1 AND enrollment_id = ?2 ORDER BY id

-- name: messages-pending-of-enrollment
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE workspace_id = ?1 AND enrollment_id = ?2 AND status IN ('planned', 'claimed')
ORDER BY id

-- name: messages-overdue
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE campaign_id = ?1 AND status = 'planned' AND due_at_us < ?2
ORDER BY due_at_us LIMIT ?3

-- name: messages-unknown
SELECT id, workspace_id, campaign_id, enrollment_id, contact_id, version, step, variant, channel,
  template_id, template_version, status, due_at_us, slot_at_us, sender_id, attempts,
  lease_owner, lease_expires_us, fence, planned_at_us, sent_at_us, provider_id, error, reasons,
  created_at_us, updated_at_us
FROM messages WHERE workspace_id = ?1 AND status = 'unknown' ORDER BY id LIMIT ?2

-- name: pacing-bookings
SELECT m.workspace_id, m.sender_id, m.campaign_id, m.id, m.slot_at_us,
  m.id = (SELECT min(x.id) FROM messages x WHERE x.enrollment_id = m.enrollment_id),
  c.email_domain
FROM messages m JOIN contacts c ON c.id = m.contact_id
WHERE m.slot_at_us >= ?1 AND m.sender_id IS NOT NULL
  AND m.status IN ('planned', 'claimed', 'sending', 'sent', 'unknown')
ORDER BY m.sender_id, m.slot_at_us

-- name: message-links
SELECT links FROM messages WHERE workspace_id = ?1 AND id = ?2

-- name: event-insert
INSERT INTO events (workspace_id, contact_id, campaign_id, enrollment_id, message_id, kind, source,
  detail, at_us, created_at_us, machine)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)

-- name: events-pending
SELECT id, workspace_id, contact_id, campaign_id, enrollment_id, message_id, kind, source, detail,
  at_us, applied_at_us, machine
FROM events WHERE applied_at_us IS NULL ORDER BY id LIMIT ?1

-- name: events-of-enrollment
SELECT id, workspace_id, contact_id, campaign_id, enrollment_id, message_id, kind, source, detail,
  at_us, applied_at_us, machine
FROM events WHERE workspace_id = ?1 AND enrollment_id = ?2 ORDER BY at_us, id

-- name: event-exists
SELECT EXISTS (SELECT 1 FROM events
               WHERE enrollment_id = ?1 AND kind = ?2 AND at_us >= ?3 AND machine = '')

-- name: stats-messages
SELECT step, variant, status, count(*) FROM messages
WHERE workspace_id = ?1 AND campaign_id = ?2 GROUP BY step, variant, status

-- name: stats-events
SELECT m.step, m.variant, ev.kind, count(DISTINCT ev.contact_id),
  count(DISTINCT CASE WHEN ev.machine = '' THEN ev.contact_id END)
FROM events ev JOIN messages m ON m.id = ev.message_id
WHERE ev.workspace_id = ?1 AND ev.campaign_id = ?2 GROUP BY m.step, m.variant, ev.kind

-- name: stats-enrollments
SELECT status, count(*) FROM enrollments WHERE workspace_id = ?1 AND campaign_id = ?2
GROUP BY status

-- name: status-transitions-all
SELECT machine, from_status, to_status FROM status_transitions
ORDER BY machine, from_status, to_status

-- name: campaign-exists
SELECT 1 FROM campaigns WHERE workspace_id = ?1 AND id = ?2

-- name: enrollments-without-contact
SELECT 1 FROM enrollments e
WHERE e.id BETWEEN ?1 AND ?2
  AND NOT EXISTS (SELECT 1 FROM contacts c
                  WHERE c.id = e.contact_id AND c.workspace_id = e.workspace_id)
LIMIT 1

-- name: trigger-sql
SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1

-- name: email-thread
SELECT id, campaign_id, enrollment_id, contact_id, rfc_message_id, COALESCE(subject, '')
FROM messages
WHERE workspace_id = ?1 AND enrollment_id = ?2 AND channel = 'email' AND status = 'sent'
  AND rfc_message_id IS NOT NULL
ORDER BY sent_at_us, id

-- name: email-by-message-id
SELECT id, campaign_id, enrollment_id, contact_id, rfc_message_id, COALESCE(subject, '')
FROM messages
WHERE id = ?1 AND workspace_id = ?2 AND channel = 'email' AND rfc_message_id = ?3
