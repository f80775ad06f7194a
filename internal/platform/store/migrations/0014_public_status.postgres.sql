-- compat: expand
-- An agency may publish a status page (issue 10 item 4): its sites' state
-- and uptime at /status/{code}, without a login. Off until an admin or
-- the agency's officer turns it on.
ALTER TABLE agencies ADD COLUMN public_status INTEGER NOT NULL DEFAULT 0;
