-- The booking application's schema as it runs today, with some data. `prodguard demo` loads it
-- into an embedded database, then deploys each migration in migrations/ through the guarded deploy.

CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  phone text
);

CREATE TABLE bookings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  starts_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled', 'completed')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every booking's history. The application never writes 'booking_created' itself: the trigger does.
CREATE TABLE booking_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_id bigint NOT NULL REFERENCES bookings (id),
  kind text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT booking_events_kind_check CHECK (kind IN ('booking_created', 'booking_cancelled', 'reminder_sent'))
);

CREATE FUNCTION log_booking_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO booking_events (booking_id, kind) VALUES (NEW.id, 'booking_created');
  RETURN NEW;
END
$$;

CREATE TRIGGER bookings_log_created AFTER INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION log_booking_created();

INSERT INTO customers (name, email, phone)
SELECT 'Customer ' || g, 'customer' || g || '@example.test', 'ext. ' || (100 + g)
  FROM generate_series(1, 25) AS g;

INSERT INTO bookings (customer_id, starts_at, status, created_at)
SELECT 1 + g % 25,
       now() + g * interval '1 day',
       CASE WHEN g % 7 = 0 THEN 'cancelled' WHEN g % 5 = 0 THEN 'completed' ELSE 'confirmed' END,
       now() - (g % 60) * interval '1 day'
  FROM generate_series(1, 120) AS g;

INSERT INTO booking_events (booking_id, kind)
SELECT id, 'reminder_sent' FROM bookings WHERE id % 3 = 0;
