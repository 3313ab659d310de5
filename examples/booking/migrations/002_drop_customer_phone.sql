-- migrate:up
-- "Nobody uses the phone column any more." It still holds a number for every customer.
SET lock_timeout = '2s';
ALTER TABLE customers DROP COLUMN phone;

-- migrate:down
ALTER TABLE customers ADD COLUMN phone text;
