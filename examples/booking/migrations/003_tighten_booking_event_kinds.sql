-- migrate:up
-- Rebuilds the CHECK of booking_events.kind without 'booking_created', which "the application
-- never writes". Lint flagged the rebuild and the author suppressed it. But the trigger
-- log_booking_created() still inserts 'booking_created' on every new booking: after this
-- migration every new booking fails with a check violation (the incident behind prodguard check).
-- Only the database knows: the check phase finds the trigger and the rows.
SET lock_timeout = '2s';
ALTER TABLE booking_events DROP CONSTRAINT booking_events_kind_check;
-- prodguard-ignore replacing-check-constraint: "the application never writes booking_created"
ALTER TABLE booking_events ADD CONSTRAINT booking_events_kind_check
  CHECK (kind IN ('booking_cancelled', 'booking_rescheduled', 'reminder_sent')) NOT VALID;

-- migrate:down
ALTER TABLE booking_events DROP CONSTRAINT booking_events_kind_check;
ALTER TABLE booking_events ADD CONSTRAINT booking_events_kind_check
  CHECK (kind IN ('booking_created', 'booking_cancelled', 'reminder_sent'));
