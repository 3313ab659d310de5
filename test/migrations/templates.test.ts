import { describe, expect, it } from 'vitest';
import { hasPlaceholder, hasPlaceholderInCode } from '../../src/migrations/templates.js';

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
