/**
 * The worked example of docs/testdata.md (here with row types and a test database): a booking flow test
 * that creates a user and an appointment, asserts them, and leaves nothing behind.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testData } from 'prodguard/testing';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let target: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  target = await createTestDatabase('booking_example');
  await target.sql(`
    CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
      is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE appointments (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
      starts_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
    INSERT INTO users (email) VALUES ('real.customer@example.com');`);
  pool = new pg.Pool({ connectionString: target.url });
});
afterAll(() => pool?.end());

// --- the example starts here ---
const td = testData.fixture(() => pool, {
  afterEach,
  config: { tables: ['users', 'appointments'], autoCleanup: true },
});

describe('booking flow', () => {
  it('books an appointment for a new user', async () => {
    const session = await td.session();
    const user = await session.insert<{ id: string; email: string }>('users', { email: 'test+booking@example.com' });
    const appointment = await session.insert<{ id: string; user_id: string }>('appointments', {
      user_id: user.id,
      starts_at: '2030-01-01T10:00:00Z',
    });
    expect(appointment.user_id).toBe(user.id);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM appointments WHERE user_id = $1', [user.id]);
    expect(rows[0].n).toBe(1);
  });
  // --- the example ends here ---

  it('left nothing behind (the fixture cleaned up after the previous test)', async () => {
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM users WHERE is_test_data)::int AS test_users,
              (SELECT count(*) FROM appointments)::int AS appointments,
              (SELECT count(*) FROM users)::int AS users`,
    );
    expect(rows[0]).toEqual({ test_users: 0, appointments: 0, users: 1 });
  });
});
