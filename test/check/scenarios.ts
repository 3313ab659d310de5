/**
 * Scenarios shared by the PGlite (shadow replay) and real-PostgreSQL (rehearsal) tests: a schema
 * with data, then the migration under check. Every scenario uses its own tables, so one shadow
 * database can hold them all.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckFinding, CheckReport, StatementCheck } from '../../src/check/types.js';

export interface Scenario {
  setup: string;
  migration: string;
}

/** The incident: a CHECK rebuilt without a value that rows hold and a trigger function still inserts. */
export const SEED: Scenario = {
  setup: `
CREATE TABLE schedule_items (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CONSTRAINT schedule_items_kind_check CHECK (kind IN ('member_program_item', 'member_program_item_schedule', 'coach_note')),
  note text
);
CREATE TABLE program_items (id bigserial PRIMARY KEY, title text NOT NULL);
CREATE FUNCTION log_schedule_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO schedule_items (kind, note) VALUES ('member_program_item_schedule', NEW.title);
  RETURN NEW;
END $$;
CREATE TRIGGER trg_log_schedule_item AFTER INSERT ON program_items FOR EACH ROW EXECUTE FUNCTION log_schedule_item();
INSERT INTO program_items (title) VALUES ('a'), ('b'), ('c');
INSERT INTO schedule_items (kind) VALUES ('coach_note'), ('member_program_item');
`,
  migration: `ALTER TABLE schedule_items DROP CONSTRAINT schedule_items_kind_check;
ALTER TABLE schedule_items ADD CONSTRAINT schedule_items_kind_check
  CHECK (kind IN ('member_program_item', 'coach_note'));
`,
};

/** The incident on a nullable column: `kind IS NULL OR kind IN (...)`, old and new. */
export const SEED_NULLABLE: Scenario = {
  setup: `
CREATE TABLE nullable_items (
  id bigserial PRIMARY KEY,
  kind text CONSTRAINT nullable_items_kind_check CHECK (kind IS NULL OR kind IN ('member_program_item', 'member_program_item_schedule', 'coach_note'))
);
CREATE TABLE nullable_programs (id bigserial PRIMARY KEY, title text NOT NULL);
CREATE FUNCTION log_nullable_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO nullable_items (kind) VALUES ('member_program_item_schedule');
  RETURN NEW;
END $$;
CREATE TRIGGER trg_log_nullable_item AFTER INSERT ON nullable_programs FOR EACH ROW EXECUTE FUNCTION log_nullable_item();
INSERT INTO nullable_programs (title) VALUES ('a'), ('b');
INSERT INTO nullable_items (kind) VALUES (NULL), ('coach_note');
`,
  migration: `ALTER TABLE nullable_items DROP CONSTRAINT nullable_items_kind_check;
ALTER TABLE nullable_items ADD CONSTRAINT nullable_items_kind_check
  CHECK (kind IS NULL OR kind IN ('member_program_item', 'coach_note'));
`,
};

/** The same rebuild where no row holds the value any more: the migration applies, the trigger breaks later. */
export const SEED_NO_ROWS: Scenario = {
  setup: `
CREATE TABLE plan_items (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CONSTRAINT plan_items_kind_check CHECK (kind = ANY (ARRAY['task', 'task_schedule', 'note']))
);
CREATE TABLE plans (id bigserial PRIMARY KEY);
CREATE FUNCTION log_plan_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO plan_items (kind) VALUES ('task_schedule');
  RETURN NEW;
END $$;
CREATE TRIGGER trg_log_plan_item AFTER INSERT ON plans FOR EACH ROW EXECUTE FUNCTION log_plan_item();
INSERT INTO plan_items (kind) VALUES ('task'), ('note');
`,
  migration: `ALTER TABLE plan_items DROP CONSTRAINT plan_items_kind_check, ADD CONSTRAINT plan_items_kind_check CHECK (kind IN ('task', 'note'));
`,
};

export const FAILS_TO_APPLY: Scenario = {
  setup: `CREATE TABLE present (id int PRIMARY KEY);`,
  migration: `ALTER TABLE present ADD COLUMN note text;
-- the table was renamed in production long ago
ALTER TABLE absent_table ADD COLUMN flag boolean;
ALTER TABLE present ADD COLUMN later int;
`,
};

export const MALFORMED: Scenario = {
  setup: `CREATE TABLE tidy (id int PRIMARY KEY);`,
  migration: `ALTER TABLE tidy ADD COLUMN a int;
ALTER TABLE tidy ADD COLUMN ;
`,
};

export const SET_NOT_NULL: Scenario = {
  setup: `CREATE TABLE contacts (id int PRIMARY KEY, email text);
INSERT INTO contacts VALUES (1, 'a@example.com'), (2, NULL), (3, 'c@example.com'), (4, NULL);`,
  migration: `ALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\n`,
};

export const UNIQUE_DUPLICATES: Scenario = {
  setup: `CREATE TABLE accounts (id int PRIMARY KEY, handle text);
INSERT INTO accounts VALUES (1, 'ann'), (2, 'bob'), (3, 'ann'), (4, 'cy'), (5, 'bob'), (6, 'ann'), (7, NULL), (8, NULL);`,
  migration: `ALTER TABLE accounts ADD CONSTRAINT accounts_handle_key UNIQUE (handle);\n`,
};

export const FK_ORPHANS: Scenario = {
  setup: `CREATE TABLE owners (id int PRIMARY KEY);
CREATE TABLE pets (id int PRIMARY KEY, owner_id int);
INSERT INTO owners VALUES (1), (2);
INSERT INTO pets VALUES (10, 1), (11, 2), (12, 3), (13, 4), (14, NULL);`,
  migration: `ALTER TABLE pets ADD CONSTRAINT pets_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id);\n`,
};

/** The FK column is indexed and analysed with few distinct values: checked value by value through its index. */
export const FK_INDEXED: Scenario = {
  setup: `CREATE TABLE shops (id int PRIMARY KEY);
CREATE TABLE sales (id int PRIMARY KEY, shop_id int);
CREATE INDEX sales_shop_id_idx ON sales (shop_id);
INSERT INTO shops VALUES (1), (2);
INSERT INTO sales SELECT g, CASE WHEN g IN (7, 9) THEN 5 WHEN g = 8 THEN NULL ELSE 1 + g % 2 END FROM generate_series(1, 50) g;
ANALYZE sales;
ANALYZE shops;`,
  migration: `ALTER TABLE sales ADD CONSTRAINT sales_shop_fk FOREIGN KEY (shop_id) REFERENCES shops (id);\n`,
};

/** Constraints added NOT VALID earlier, validated now; the referenced table is analysed (small: hashed NOT IN). */
export const VALIDATE: Scenario = {
  setup: `CREATE TABLE teams (id int PRIMARY KEY);
CREATE TABLE members (id int PRIMARY KEY, team_id int, age int);
INSERT INTO teams VALUES (1), (2);
INSERT INTO members VALUES (1, 1, 30), (2, 9, -1), (3, 2, 40), (4, 9, 20), (5, NULL, -5);
ALTER TABLE members ADD CONSTRAINT members_team_fk FOREIGN KEY (team_id) REFERENCES teams (id) NOT VALID;
ALTER TABLE members ADD CONSTRAINT members_age_check CHECK (age >= 0) NOT VALID;
ANALYZE teams;`,
  migration: `ALTER TABLE members VALIDATE CONSTRAINT members_team_fk;
ALTER TABLE members VALIDATE CONSTRAINT members_age_check;
`,
};

export const REWRITE: Scenario = {
  setup: `CREATE TABLE counters (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
INSERT INTO counters SELECT g, g FROM generate_series(1, 100) g;`,
  migration: `ALTER TABLE counters ALTER COLUMN hits TYPE bigint;\n`,
};

export const CAST_FAILURE: Scenario = {
  setup: `CREATE TABLE readings (id int PRIMARY KEY, value text);
INSERT INTO readings VALUES (1, '10'), (2, 'n/a'), (3, '12');`,
  migration: `ALTER TABLE readings ALTER COLUMN value TYPE integer USING value::integer;\n`,
};

/** Prisma's way of removing an enum value: rename the type, create it again without the value, cast. */
export const ENUM_REBUILT: Scenario = {
  setup: `CREATE TYPE "OrderStatus" AS ENUM ('OPEN', 'PAID', 'ARCHIVED');
CREATE TABLE orders (id int PRIMARY KEY, status "OrderStatus" NOT NULL);
INSERT INTO orders VALUES (1, 'OPEN'), (2, 'ARCHIVED'), (3, 'PAID'), (4, 'ARCHIVED');
CREATE FUNCTION archive_order(order_id int) RETURNS void LANGUAGE sql AS $$ UPDATE orders SET status = 'ARCHIVED' WHERE id = order_id $$;`,
  migration: `ALTER TYPE "OrderStatus" RENAME TO "OrderStatus_old";
CREATE TYPE "OrderStatus" AS ENUM ('OPEN', 'PAID');
ALTER TABLE "orders" ALTER COLUMN "status" TYPE "OrderStatus" USING ("status"::text::"OrderStatus");
DROP TYPE "OrderStatus_old";
`,
};

/** An enum rebuilt with a USING that maps the removed value: nothing is lost. */
export const ENUM_MAPPED: Scenario = {
  setup: `CREATE TYPE ticket_state AS ENUM ('OPEN', 'DONE', 'ARCHIVED');
CREATE TABLE enum_tickets (id int PRIMARY KEY, state ticket_state NOT NULL);
INSERT INTO enum_tickets VALUES (1, 'OPEN'), (2, 'ARCHIVED'), (3, 'DONE');`,
  migration: `ALTER TYPE ticket_state RENAME TO ticket_state_old;
CREATE TYPE ticket_state AS ENUM ('OPEN', 'DONE');
ALTER TABLE enum_tickets ALTER COLUMN state TYPE ticket_state USING (CASE WHEN state::text = 'ARCHIVED' THEN 'DONE' ELSE state::text END)::ticket_state;
DROP TYPE ticket_state_old;
`,
};

/** numeric → integer without USING: the assignment cast rounds, nothing fails. */
export const NUMERIC_TO_INT: Scenario = {
  setup: `CREATE TABLE prices (id int PRIMARY KEY, amount numeric); INSERT INTO prices VALUES (1, 1.5), (2, 2), (3, NULL);`,
  migration: `ALTER TABLE prices ALTER COLUMN amount TYPE integer;
`,
};

/** One statement per table, so each statement's locks are its own (see PostgreSQL's "Explicit Locking"). */
export const LOCKS: Scenario = {
  setup: `CREATE TABLE lk_add (id int PRIMARY KEY);
CREATE TABLE lk_index (id int PRIMARY KEY, v int);
CREATE TABLE lk_parent (id int PRIMARY KEY);
CREATE TABLE lk_child (id int PRIMARY KEY, parent_id int);
CREATE TABLE lk_check (id int PRIMARY KEY, v int);
CREATE TABLE lk_validate (id int PRIMARY KEY, v int);
ALTER TABLE lk_validate ADD CONSTRAINT lk_validate_v_check CHECK (v > 0) NOT VALID;
INSERT INTO lk_validate VALUES (1, 1);
CREATE TABLE lk_drop (id int);`,
  migration: `ALTER TABLE lk_add ADD COLUMN note text;
CREATE INDEX lk_index_v_idx ON lk_index (v);
ALTER TABLE lk_child ADD CONSTRAINT lk_child_parent_fk FOREIGN KEY (parent_id) REFERENCES lk_parent (id) NOT VALID;
ALTER TABLE lk_check ADD CONSTRAINT lk_check_v_check CHECK (v > 0) NOT VALID;
ALTER TABLE lk_validate VALIDATE CONSTRAINT lk_validate_v_check;
DROP TABLE lk_drop;
`,
};

/** A directory with `001_setup.sql` (when given) and `002_change.sql`. */
export function writeMigrations(scenario: Scenario, options: { withSetup: boolean }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-check-'));
  mkdirSync(path.join(dir, 'migrations'));
  if (options.withSetup) writeFileSync(path.join(dir, 'migrations', '001_setup.sql'), scenario.setup);
  writeFileSync(path.join(dir, 'migrations', '002_change.sql'), scenario.migration);
  return dir;
}

export function allFindings(report: CheckReport): CheckFinding[] {
  return report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings));
}

export function finding(report: CheckReport, id: string): CheckFinding {
  const found = allFindings(report).find((f) => f.id === id);
  if (!found) throw new Error(`no ${id} finding; got ${allFindings(report).map((f) => f.id).join(', ') || 'none'}`);
  return found;
}

export function statement(report: CheckReport, fragment: string): StatementCheck {
  const found = report.migrations.flatMap((m) => m.statements).find((s) => s.sql.includes(fragment));
  if (!found) throw new Error(`no statement containing ${fragment}`);
  return found;
}

