-- Webhook steps (issue 5): a sequence step that POSTs the contact and campaign to the user's
-- URL travels as a message on the `webhook` channel, signed with the workspace's secret.

-- The secret webhook requests are signed with (HMAC-SHA256, hex); "" = not made yet (the
-- first webhook, or `cadent workspace webhook-secret`, makes one).
ALTER TABLE workspaces ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

-- messages.channel's CHECK gains 'webhook'. SQLite cannot alter a CHECK: the table is
-- rebuilt as SQLite documents (create, copy, drop, rename, then its indexes and triggers;
-- nothing references messages by foreign key). The insert trigger is written at open.
CREATE TABLE messages_v4 (
  id               INTEGER PRIMARY KEY,
  workspace_id     INTEGER NOT NULL REFERENCES workspaces(id),
  campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
  enrollment_id    INTEGER NOT NULL REFERENCES enrollments(id),
  contact_id       INTEGER NOT NULL REFERENCES contacts(id),
  version          INTEGER NOT NULL,
  step             TEXT NOT NULL,
  variant          TEXT NOT NULL DEFAULT '',
  channel          TEXT NOT NULL
                   CHECK (channel IN ('email', 'linkedin_invite', 'linkedin_message', 'sms',
                                      'webhook')),
  template_id      INTEGER,
  template_version INTEGER,
  status           TEXT NOT NULL,
  due_at_us        INTEGER NOT NULL,   -- planned: when it may be claimed
  slot_at_us       INTEGER,            -- its pacing reservation, once granted
  sender_id        INTEGER,            -- none for webhooks
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_expires_us INTEGER,
  fence            INTEGER NOT NULL DEFAULT 0,  -- bumped by every claim
  planned_at_us    INTEGER NOT NULL,   -- the first due time the scheduler gave it
  sent_at_us       INTEGER,
  provider_id      TEXT NOT NULL DEFAULT '',
  error            TEXT NOT NULL DEFAULT '',
  reasons          TEXT NOT NULL DEFAULT '',  -- why it was planned when it was (explain)
  created_at_us    INTEGER NOT NULL,
  updated_at_us    INTEGER NOT NULL,
  UNIQUE (enrollment_id, step)
);
INSERT INTO messages_v4 SELECT * FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v4 RENAME TO messages;
CREATE INDEX messages_due ON messages (due_at_us) WHERE status = 'planned';
CREATE INDEX messages_leased ON messages (lease_expires_us) WHERE status IN ('claimed', 'sending');
CREATE INDEX messages_by_campaign ON messages (campaign_id, step, variant, status);
CREATE INDEX messages_by_sender_slot ON messages (sender_id, slot_at_us) WHERE slot_at_us IS NOT NULL;
CREATE TRIGGER messages_status_update BEFORE UPDATE OF status ON messages
WHEN NEW.status <> OLD.status AND NOT EXISTS (
  SELECT 1 FROM status_transitions
  WHERE machine = 'message' AND from_status = OLD.status AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid message status change');
END;
