-- migrate:up
-- Safe and additive: a nullable column without a default changes only the catalog.
SET lock_timeout = '2s';
ALTER TABLE bookings ADD COLUMN notes text;

-- migrate:down
ALTER TABLE bookings DROP COLUMN notes;
