-- Contacts. Selects return the columns in the order of contact-columns (see contact_rows.cpp).

-- name: contact-insert
INSERT INTO contacts (workspace_id, dedupe_key, email, email_normalized, email_domain,
  registrable_domain, first_name, last_name, company, title, phone, linkedin_url,
  linkedin_provider_id, country, time_zone, custom_fields, created_import_id, last_import_id,
  created_at_us, updated_at_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?18)
ON CONFLICT (workspace_id, dedupe_key) DO NOTHING

-- name: contact-get
SELECT id, workspace_id, email, email_normalized, email_domain, registrable_domain, first_name,
  last_name, company, title, phone, linkedin_url, linkedin_provider_id, country, time_zone,
  custom_fields, status, created_at_us, updated_at_us
FROM contacts WHERE workspace_id = ?1 AND id = ?2

-- name: contact-find-by-key
SELECT id, workspace_id, email, email_normalized, email_domain, registrable_domain, first_name,
  last_name, company, title, phone, linkedin_url, linkedin_provider_id, country, time_zone,
  custom_fields, status, created_at_us, updated_at_us
FROM contacts WHERE workspace_id = ?1 AND dedupe_key = ?2

-- name: contact-list
SELECT id, workspace_id, email, email_normalized, email_domain, registrable_domain, first_name,
  last_name, company, title, phone, linkedin_url, linkedin_provider_id, country, time_zone,
  custom_fields, status, created_at_us, updated_at_us
FROM contacts
WHERE +workspace_id = ?1 AND id > ?2
  AND (?3 IS NULL OR EXISTS (SELECT 1 FROM list_members m
                             WHERE m.list_id = ?3 AND m.contact_id = contacts.id))
  AND (?4 IS NULL OR status = ?4)
  AND (?5 = '' OR instr(lower(email || ' ' || first_name || ' ' || last_name || ' ' || company),
                        lower(?5)) > 0)
ORDER BY id LIMIT ?6

-- name: contact-count
SELECT count(*) FROM contacts
WHERE workspace_id = ?1
  AND (?2 IS NULL OR EXISTS (SELECT 1 FROM list_members m
                             WHERE m.list_id = ?2 AND m.contact_id = contacts.id))
  AND (?3 IS NULL OR status = ?3)
  AND (?4 = '' OR instr(lower(email || ' ' || first_name || ' ' || last_name || ' ' || company),
                        lower(?4)) > 0)

-- name: contact-set-status
UPDATE contacts SET status = ?3, updated_at_us = ?4 WHERE workspace_id = ?1 AND id = ?2

-- name: contact-exists
SELECT 1 FROM contacts WHERE workspace_id = ?1 AND id = ?2

-- name: contact-import-lookup
SELECT id, IFNULL(last_import_id, 0) FROM contacts WHERE workspace_id = ?1 AND dedupe_key = ?2

-- name: contact-import-update
-- Duplicate policy "update": non-empty values from the file win. Identity columns (email,
-- dedupe key) never change.
UPDATE contacts SET
  first_name = CASE WHEN ?3 <> '' THEN ?3 ELSE first_name END,
  last_name = CASE WHEN ?4 <> '' THEN ?4 ELSE last_name END,
  company = CASE WHEN ?5 <> '' THEN ?5 ELSE company END,
  title = CASE WHEN ?6 <> '' THEN ?6 ELSE title END,
  phone = CASE WHEN ?7 <> '' THEN ?7 ELSE phone END,
  linkedin_url = CASE WHEN ?8 <> '' THEN ?8 ELSE linkedin_url END,
  linkedin_provider_id = CASE WHEN ?9 <> '' THEN ?9 ELSE linkedin_provider_id END,
  country = CASE WHEN ?10 <> '' THEN ?10 ELSE country END,
  time_zone = CASE WHEN ?11 <> '' THEN ?11 ELSE time_zone END,
  custom_fields = json_patch(custom_fields, ?12),
  last_import_id = ?13,
  updated_at_us = ?14
WHERE workspace_id = ?1 AND id = ?2

-- name: contact-import-fill-empty
-- Duplicate policy "fill-empty": stored non-empty values win.
UPDATE contacts SET
  first_name = CASE WHEN first_name = '' THEN ?3 ELSE first_name END,
  last_name = CASE WHEN last_name = '' THEN ?4 ELSE last_name END,
  company = CASE WHEN company = '' THEN ?5 ELSE company END,
  title = CASE WHEN title = '' THEN ?6 ELSE title END,
  phone = CASE WHEN phone = '' THEN ?7 ELSE phone END,
  linkedin_url = CASE WHEN linkedin_url = '' THEN ?8 ELSE linkedin_url END,
  linkedin_provider_id = CASE WHEN linkedin_provider_id = '' THEN ?9 ELSE linkedin_provider_id END,
  country = CASE WHEN country = '' THEN ?10 ELSE country END,
  time_zone = CASE WHEN time_zone = '' THEN ?11 ELSE time_zone END,
  custom_fields = json_patch(?12, custom_fields),
  last_import_id = ?13,
  updated_at_us = ?14
WHERE workspace_id = ?1 AND id = ?2

-- name: contact-import-mark-seen
UPDATE contacts SET last_import_id = ?3 WHERE workspace_id = ?1 AND id = ?2
