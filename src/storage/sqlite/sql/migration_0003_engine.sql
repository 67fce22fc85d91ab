-- The sequence engine: sender accounts, campaigns with versioned sequences, enrollments,
-- messages (the outbox the dispatcher claims from) and events.
--
-- Status changes are checked by triggers against status_transitions, which the binary
-- rewrites at every open from its state-machine tables (core/sequence/state.hpp): the code
-- and the schema cannot disagree on what a status may become.

-- The sender's physical postal address every commercial email must carry (CAN-SPAM).
ALTER TABLE workspaces ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';

CREATE TABLE status_transitions (
  machine     TEXT NOT NULL,  -- 'campaign', 'enrollment', 'message'
  from_status TEXT NOT NULL,  -- '' = a new row
  to_status   TEXT NOT NULL,
  PRIMARY KEY (machine, from_status, to_status)
) WITHOUT ROWID;

CREATE TABLE senders (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  name          TEXT NOT NULL CHECK (name <> ''),
  channel       TEXT NOT NULL CHECK (channel IN ('email', 'linkedin', 'sms')),
  transport     TEXT NOT NULL DEFAULT 'outbox',
  address       TEXT NOT NULL CHECK (address <> ''),
  from_name     TEXT NOT NULL DEFAULT '',
  time_zone     TEXT NOT NULL DEFAULT 'UTC',
  policy        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(policy)),
  signature     TEXT NOT NULL DEFAULT '',
  flagged       TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
);

CREATE TABLE campaigns (
  id             INTEGER PRIMARY KEY,
  workspace_id   INTEGER NOT NULL REFERENCES workspaces(id),
  name           TEXT NOT NULL CHECK (name <> ''),
  kind           TEXT NOT NULL CHECK (kind IN ('sequence', 'networking')),
  status         TEXT NOT NULL,
  archived       INTEGER NOT NULL DEFAULT 0,
  settings       TEXT NOT NULL CHECK (json_valid(settings)),
  latest_version INTEGER NOT NULL DEFAULT 1,
  start_at_us    INTEGER,
  launched_at_us INTEGER,
  ended_at_us    INTEGER,
  created_at_us  INTEGER NOT NULL,
  updated_at_us  INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
);

CREATE TABLE campaign_versions (
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
  version       INTEGER NOT NULL CHECK (version > 0),
  sequence      TEXT NOT NULL CHECK (json_valid(sequence)),
  note          TEXT NOT NULL DEFAULT '',
  migrate       INTEGER NOT NULL DEFAULT 0,  -- existing enrollments move at their next step
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, version)
) WITHOUT ROWID;
CREATE TRIGGER campaign_versions_immutable_update BEFORE UPDATE ON campaign_versions
BEGIN
  SELECT RAISE(ABORT, 'campaign versions are immutable');
END;
CREATE TRIGGER campaign_versions_immutable_delete BEFORE DELETE ON campaign_versions
BEGIN
  SELECT RAISE(ABORT, 'campaign versions are immutable');
END;

CREATE TABLE enrollments (
  id                 INTEGER PRIMARY KEY,
  workspace_id       INTEGER NOT NULL REFERENCES workspaces(id),
  campaign_id        INTEGER NOT NULL REFERENCES campaigns(id),
  contact_id         INTEGER NOT NULL REFERENCES contacts(id),
  version            INTEGER NOT NULL,
  status             TEXT NOT NULL,
  step               TEXT NOT NULL,      -- the current step id
  sender_id          INTEGER,            -- the sender that first wrote (threads stay with it)
  wake_at_us         INTEGER,            -- waiting or held: when to look again
  step_started_at_us INTEGER NOT NULL,   -- when the current step was entered
  last_sent_at_us    INTEGER,
  stop_reason        TEXT NOT NULL DEFAULT '',
  enrolled_at_us     INTEGER NOT NULL,
  updated_at_us      INTEGER NOT NULL,
  UNIQUE (campaign_id, contact_id)
);
CREATE INDEX enrollments_by_contact ON enrollments (contact_id, status);
CREATE INDEX enrollments_waking ON enrollments (wake_at_us) WHERE status IN ('waiting', 'held');

CREATE TABLE messages (
  id               INTEGER PRIMARY KEY,
  workspace_id     INTEGER NOT NULL REFERENCES workspaces(id),
  campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
  enrollment_id    INTEGER NOT NULL REFERENCES enrollments(id),
  contact_id       INTEGER NOT NULL REFERENCES contacts(id),
  version          INTEGER NOT NULL,
  step             TEXT NOT NULL,
  variant          TEXT NOT NULL DEFAULT '',
  channel          TEXT NOT NULL
                   CHECK (channel IN ('email', 'linkedin_invite', 'linkedin_message', 'sms')),
  template_id      INTEGER,
  template_version INTEGER,
  status           TEXT NOT NULL,
  due_at_us        INTEGER NOT NULL,   -- planned: when it may be claimed
  slot_at_us       INTEGER,            -- its pacing reservation, once granted
  sender_id        INTEGER,
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
CREATE INDEX messages_due ON messages (due_at_us) WHERE status = 'planned';
CREATE INDEX messages_leased ON messages (lease_expires_us) WHERE status IN ('claimed', 'sending');
CREATE INDEX messages_by_campaign ON messages (campaign_id, step, variant, status);
CREATE INDEX messages_by_sender_slot ON messages (sender_id, slot_at_us) WHERE slot_at_us IS NOT NULL;

-- What happened to a contact: replies, opens, clicks, bounces, acceptances, unsubscribes,
-- complaints, conversions. Append-only; applied_at_us is set once the engine has applied
-- the event to enrollments (stop rules, conditions).
CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  contact_id    INTEGER NOT NULL REFERENCES contacts(id),
  campaign_id   INTEGER,
  enrollment_id INTEGER,
  message_id    INTEGER,
  kind          TEXT NOT NULL,
  source        TEXT NOT NULL DEFAULT '',
  detail        TEXT NOT NULL DEFAULT '',
  at_us         INTEGER NOT NULL,
  applied_at_us INTEGER,
  created_at_us INTEGER NOT NULL
);
CREATE INDEX events_pending ON events (id) WHERE applied_at_us IS NULL;
CREATE INDEX events_by_enrollment ON events (enrollment_id, kind, at_us);
CREATE INDEX events_by_contact ON events (contact_id, at_us);

CREATE TRIGGER campaigns_status_insert BEFORE INSERT ON campaigns
WHEN NOT EXISTS (SELECT 1 FROM status_transitions
                 WHERE machine = 'campaign' AND from_status = '' AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid initial campaign status');
END;
CREATE TRIGGER campaigns_status_update BEFORE UPDATE OF status ON campaigns
WHEN NEW.status <> OLD.status AND NOT EXISTS (
  SELECT 1 FROM status_transitions
  WHERE machine = 'campaign' AND from_status = OLD.status AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid campaign status change');
END;
CREATE TRIGGER enrollments_status_insert BEFORE INSERT ON enrollments
WHEN NOT EXISTS (SELECT 1 FROM status_transitions
                 WHERE machine = 'enrollment' AND from_status = '' AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid initial enrollment status');
END;
CREATE TRIGGER enrollments_status_update BEFORE UPDATE OF status ON enrollments
WHEN NEW.status <> OLD.status AND NOT EXISTS (
  SELECT 1 FROM status_transitions
  WHERE machine = 'enrollment' AND from_status = OLD.status AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid enrollment status change');
END;
CREATE TRIGGER messages_status_insert BEFORE INSERT ON messages
WHEN NOT EXISTS (SELECT 1 FROM status_transitions
                 WHERE machine = 'message' AND from_status = '' AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid initial message status');
END;
CREATE TRIGGER messages_status_update BEFORE UPDATE OF status ON messages
WHEN NEW.status <> OLD.status AND NOT EXISTS (
  SELECT 1 FROM status_transitions
  WHERE machine = 'message' AND from_status = OLD.status AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'invalid message status change');
END;
