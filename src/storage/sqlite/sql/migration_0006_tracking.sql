-- Tracking and unsubscribe (issue 7): signed links per message, and opens and clicks that
-- came from machines (mail privacy proxies, link scanners) told apart from people's.

-- The key tracking tokens are signed with (HMAC-SHA256, 64 hex digits); '' = not made yet
-- (the first message rendered in the workspace makes one). Never printed.
ALTER TABLE workspaces ADD COLUMN tracking_key TEXT NOT NULL DEFAULT '';

-- Why an event is taken for machine traffic ('apple-mail-privacy', 'google-image-proxy',
-- 'scanner-user-agent', 'head-request', 'too-soon-after-send', ...); '' = a person (or an
-- event that is never flagged). Recorded either way; stats count both.
ALTER TABLE events ADD COLUMN machine TEXT NOT NULL DEFAULT '';

-- The http(s) links of an email's html as it was rendered for its recipient, in document
-- order (a JSON array of URLs), written with the attempt in the same UPDATE: a click link
-- /t/c/<token> names the message and an index into this array, so the redirect target
-- always comes from here, never from the request. NULL = no tracked links.
ALTER TABLE messages ADD COLUMN links TEXT;
