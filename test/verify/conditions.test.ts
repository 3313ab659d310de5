import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, evaluateCondition, parseCondition } from '../../src/verify/conditions.js';

function check(source: string, values: Record<string, unknown>): boolean {
  return evaluateCondition(parseCondition(source), values).ok;
}

describe('conditions', () => {
  const http = { STATUS: 200, BODY: { status: 'ok', items: [{ id: 3, name: 'a b' }], 'x-y': 1 }, RESPONSE_TIME: 120, HEADERS: { 'content-type': 'application/json' } };

  it.each([
    ['[STATUS] == 200', true],
    ['[STATUS] != 200', false],
    ['[STATUS] < 400', true],
    ['[STATUS] >= 500', false],
    ['[BODY].status == ok', true],
    ['[BODY].status == "ok"', true],
    ['[BODY].status != open', true],
    ['[BODY].items[0].id == 3', true],
    ['[BODY].items[0].name == a b', true],
    ['[BODY]["x-y"] == 1', true],
    ['len([BODY].items) > 0', true],
    ['has([BODY].missing) == false', true],
    ['[STATUS] == any(200, 204)', true],
    ['[STATUS] == any(201, 204)', false],
    ['[BODY].status == pat(o*)', true],
    ['[HEADERS].content-type == pat(*json*)', true],
    ['[RESPONSE_TIME] < 500', true],
    ['[RESPONSE_TIME] <= 120', true],
    ['200 == [STATUS]', true],
  ])('%s → %s', (source, expected) => {
    expect(check(source, http)).toBe(expected);
  });

  it('a missing value never satisfies a condition, not even !=', () => {
    expect(check('[BODY].nope == ok', http)).toBe(false);
    expect(check('[BODY].nope != ok', http)).toBe(false);
    expect(evaluateCondition(parseCondition('[BODY].nope < 3'), http)).toEqual({ ok: false, actual: '(missing) (not a number)' });
  });

  it('a missing value satisfies no any() or pat(), not even with !=', () => {
    expect(check('[BODY].nope != any(1, 2)', http)).toBe(false);
    expect(check('[BODY].nope != pat(ok*)', http)).toBe(false);
    expect(check('[BODY].nope == any(1, 2)', http)).toBe(false);
    expect(check('[BODY].status != any(open, half_open)', http)).toBe(true);
  });

  it('has() on a body that is not JSON cannot be measured', () => {
    const html = evaluateCondition(parseCondition('has([BODY].error) == false'), { BODY: '<html>oops</html>' });
    expect(html.ok).toBe(false);
    expect(html.unmeasurable).toMatch(/\[BODY\] is text, not JSON/);
    expect(evaluateCondition(parseCondition('has([BODY].error) == false'), http)).toEqual({ ok: true, actual: 'false' });
  });

  it('compares numerically only a measured number with a plain decimal', () => {
    expect(check('[HEADERS].x-version == 1.10', { HEADERS: { 'x-version': '1.1' } })).toBe(false);
    expect(check('[HEADERS].x-version == 1.1', { HEADERS: { 'x-version': '1.1' } })).toBe(true);
    expect(check('[STDOUT] == 16', { STDOUT: '0x10' })).toBe(false);
    expect(check('[STDOUT] > 15', { STDOUT: '0x10' })).toBe(false);
    expect(check('[STDOUT] == 16', { STDOUT: '16' })).toBe(true);
    expect(check('[BODY].n == 3.0', { BODY: { n: 3 } })).toBe(true);
    expect(check('[STATUS] == any(200, 204)', { STATUS: 204 })).toBe(true);
    expect(check('[VALUE] == 1e3', { VALUE: 1000 })).toBe(false);
  });

  it('ordering needs numbers', () => {
    expect(evaluateCondition(parseCondition('[BODY].status < 3'), http)).toEqual({ ok: false, actual: 'ok (not a number)' });
    expect(check('[VALUE] < 48', { VALUE: '47' })).toBe(true);
    expect(check('[ROWS][0].n > 0', { ROWS: [{ n: '12' }] })).toBe(true);
  });

  it.each([
    ['[STATUS] 200', /no comparison operator/],
    ['== 200', /nothing before/],
    ['[STATUS] ==', /nothing after/],
    ['[STATUS', /no comparison operator/],
    ['[status] == 200', /bad placeholder/],
    ['[BODY]..x == 1', /cannot read/],
    ['1 == 1', /compares two constants/],
    ['[STATUS] < any(1, 2)', /only works with == or !=/],
    ['len(3) > 1', /takes a placeholder/],
  ])('rejects %s', (source, message) => {
    expect(() => parseCondition(source)).toThrow(ConditionSyntaxError);
    expect(() => parseCondition(source)).toThrow(message);
  });

  it('rejects a placeholder the check kind does not have', () => {
    expect(() => parseCondition('[STAUS] == 200', ['STATUS', 'BODY'])).toThrow('unknown placeholder [STAUS] in "[STAUS] == 200" (this check has [STATUS], [BODY])');
  });

  it('property: any text either parses or fails with a ConditionSyntaxError, and evaluation never throws', () => {
    const pieces = fc.constantFrom('[STATUS]', '[BODY]', '.a', '[0]', '==', '!=', '<', '>=', 'len(', 'any(', 'pat(', ')', '"', ' ', '200', 'ok', ',', '[', ']');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')), fc.jsonValue(), (source, body) => {
        let condition;
        try {
          condition = parseCondition(source);
        } catch (error) {
          expect(error).toBeInstanceOf(ConditionSyntaxError);
          return;
        }
        const outcome = evaluateCondition(condition, { STATUS: 200, BODY: body });
        expect(typeof outcome.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
