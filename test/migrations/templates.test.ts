import { describe, expect, it } from 'vitest';
import { hasPlaceholder, hasPlaceholderInCode, substitutePlaceholders } from '../../src/migrations/templates.js';

describe('hasPlaceholderInCode', () => {
  it('finds placeholders where SQL code is', () => {
    for (const text of [
      'CREATE TABLE {{ .Schema }}.t (id int)',
      'CREATE TABLE ${schema}.t (id int)',
      'CREATE TABLE t_${suffix} (id int)',
      'CREATE SCHEMA {{ index .Options "Namespace" }}',
      "SELECT 'a', {{ printf '%s' .X }}",
      "SELECT 'done' /* closed */ || {{ .X }}",
    ]) {
      expect(hasPlaceholderInCode(text), text).toBe(true);
    }
  });

  it('ignores placeholders in string literals, quoted identifiers, comments and dollar-quoted bodies', () => {
    for (const text of [
      "VALUES ('Hello {{ name }}'),",
      "VALUES ('it''s {{ name }}'),",
      "VALUES (E'it\\'s {{ name }}'),",
      'SELECT "{{ col }}" FROM',
      'SELECT "a""{{ col }}" FROM',
      'SELECT 1 -- ${x}\nFROM',
      'SELECT 1 /* outer /* {{ x }} */ still {{ y }} */ FROM',
      'AS $$ SELECT ${x} $$ WRONG',
      "AS $fn$ SELECT '{{ x }}' $fn$ WRONG",
      "VALUES ('unterminated {{ x }}",
    ]) {
      expect(hasPlaceholder(text), text).toBe(true);
      expect(hasPlaceholderInCode(text), text).toBe(false);
    }
  });
});

describe('psql variables', () => {
  it('are placeholders in code (:name, :\'name\', :"name"), not casts, slices or text in literals and comments', () => {
    for (const text of ['create table :SCHEMA.jobs (id int)', "SELECT :'greeting'", 'GRANT USAGE ON SCHEMA :"schema" TO app']) {
      expect(hasPlaceholderInCode(text), text).toBe(true);
    }
    for (const text of ["SELECT '1'::int", 'SELECT a[1:n] FROM t', "SELECT ':x'", '-- see :notes\nSELECT 1', 'DO $$ BEGIN x := 1; END $$']) {
      expect(hasPlaceholderInCode(text), text).toBe(false);
    }
  });

  it('are filled in from config values, as psql fills them: a value, a quoted literal, a quoted identifier', () => {
    const sql = "create table :SCHEMA.jobs (note text default :'greeting', flag text default ':SCHEMA');\nGRANT USAGE ON SCHEMA :\"SCHEMA\" TO app; SELECT 1::int;";
    const out = substitutePlaceholders(sql, { SCHEMA: 'graphile_worker', greeting: "it's" });
    expect(out.text).toBe("create table graphile_worker.jobs (note text default 'it''s', flag text default ':SCHEMA');\nGRANT USAGE ON SCHEMA \"graphile_worker\" TO app; SELECT 1::int;");
    // Positions after a replaced variable still point at the real file.
    const at = out.text.indexOf('GRANT');
    expect(out.toOriginal(at)).toBe(sql.indexOf('GRANT'));
  });
});
