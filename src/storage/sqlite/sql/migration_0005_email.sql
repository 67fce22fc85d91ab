-- Email for real (issue 6): sender accounts with a transport and sealed credentials, DKIM
-- keys per sending domain, and each email's own Message-ID and subject (threads and reply
-- matching).

-- Non-secret transport settings as JSON (endpoint, username, auth, region, domain,
-- verify_tls, ca_file, connections, imap). The secrets (password, API key, OAuth token,
-- IMAP password) are one JSON object sealed with libsodium's crypto_secretbox under a key
-- derived from the master key (kept outside the database) and the account id, stored as
-- base64; '' = none.
ALTER TABLE senders ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE senders ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE senders ADD COLUMN sealed_credentials TEXT NOT NULL DEFAULT '';
-- Where the inbox poller stopped: the last UID seen and the UIDVALIDITY it belongs to.
ALTER TABLE senders ADD COLUMN imap_uidvalidity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE senders ADD COLUMN imap_last_uid INTEGER NOT NULL DEFAULT 0;

-- One signing key per sending domain and workspace; the private key sealed like sender
-- credentials (bound to the key's id).
CREATE TABLE dkim_keys (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  domain        TEXT NOT NULL CHECK (domain <> ''),
  selector      TEXT NOT NULL CHECK (selector <> ''),
  algorithm     TEXT NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
  sealed_key    TEXT NOT NULL DEFAULT '',
  dns_txt       TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  UNIQUE (workspace_id, domain)
);

-- The Message-ID an email was sent with (without <>) and its subject, written with the
-- attempt: follow-ups in the same thread name them, and replies are matched by them.
ALTER TABLE messages ADD COLUMN rfc_message_id TEXT;
ALTER TABLE messages ADD COLUMN subject TEXT;
