/**
 * The local run's condition operators, each at equality and on both sides of the boundary, so that
 * evaluating one operator as its neighbour (`>=` as `>`, `Or` as all-of, ...) fails a test. The
 * conditions' values are resolved with the run's resolver; wiring through a run is in
 * run-local.test.ts.
 */
import { CONDITION_TYPES, evaluateConditions } from '../../src/local/steps/condition';
import { JsonValue } from '../../src/workflow';

/** Literal values resolve to themselves; `{ Get: 'Parameters.Score' }` to 0.8. */
const resolve = (value: unknown): JsonValue =>
  JSON.stringify(value) === JSON.stringify({ Get: 'Parameters.Score' }) ? 0.8 : (value as JsonValue);

const compare = (type: string, left: unknown, right: unknown) => ({ Type: type, LeftValue: left, RightValue: right });
const TRUE = compare('Equals', 1, 1);
const FALSE = compare('Equals', 1, 2);

describe('condition operators of the local run', () => {
  test.each([
    // type, left, right, outcome, detail
    ['Equals', 0.7, 0.8, false, '0.7 == 0.8 is false'],
    ['Equals', 0.8, 0.8, true, '0.8 == 0.8 is true'],
    ['Equals', 0.9, 0.8, false, '0.9 == 0.8 is false'],
    ['Equals', 'a', 'a', true, 'a == a is true'],
    ['Equals', 'a', 'b', false, 'a == b is false'],
    ['Equals', true, true, true, 'true == true is true'],
    ['Equals', true, false, false, 'true == false is false'],
    ['GreaterThan', 0.7, 0.8, false, '0.7 > 0.8 is false'],
    ['GreaterThan', 0.8, 0.8, false, '0.8 > 0.8 is false'],
    ['GreaterThan', 0.9, 0.8, true, '0.9 > 0.8 is true'],
    ['GreaterThanOrEqualTo', 0.7, 0.8, false, '0.7 >= 0.8 is false'],
    ['GreaterThanOrEqualTo', 0.8, 0.8, true, '0.8 >= 0.8 is true'],
    ['GreaterThanOrEqualTo', 0.9, 0.8, true, '0.9 >= 0.8 is true'],
    ['LessThan', 0.7, 0.8, true, '0.7 < 0.8 is true'],
    ['LessThan', 0.8, 0.8, false, '0.8 < 0.8 is false'],
    ['LessThan', 0.9, 0.8, false, '0.9 < 0.8 is false'],
    ['LessThanOrEqualTo', 0.7, 0.8, true, '0.7 <= 0.8 is true'],
    ['LessThanOrEqualTo', 0.8, 0.8, true, '0.8 <= 0.8 is true'],
    ['LessThanOrEqualTo', 0.9, 0.8, false, '0.9 <= 0.8 is false'],
    // integers, as an Integer parameter resolves
    ['GreaterThanOrEqualTo', 5, 6, false, '5 >= 6 is false'],
    ['GreaterThanOrEqualTo', 6, 6, true, '6 >= 6 is true'],
    ['LessThanOrEqualTo', 6, 6, true, '6 <= 6 is true'],
    ['LessThanOrEqualTo', 7, 6, false, '7 <= 6 is false'],
  ])('%s(%j, %j) is %s', (type, left, right, outcome, detail) => {
    expect(evaluateConditions([compare(type, left, right)], resolve)).toEqual({ outcome, detail });
  });

  test.each([
    ['GreaterThanOrEqualTo', 0.8, true],
    ['GreaterThan', 0.8, false],
    ['LessThanOrEqualTo', 0.8, true],
    ['LessThan', 0.8, false],
    ['Equals', 0.8, true],
  ])('%s compares resolved values: Parameters.Score (0.8) against %j is %s', (type, right, outcome) => {
    expect(evaluateConditions([compare(type, { Get: 'Parameters.Score' }, right)], resolve).outcome).toBe(outcome);
  });

  test.each([
    ['a member', 'b', ['a', 'b', 'c'], true, 'b in [a, b, c]'],
    ['the only member', 'a', ['a'], true, 'a in [a]'],
    ['not a member', 'd', ['a', 'b', 'c'], false, 'd in [a, b, c]'],
    ['an empty list', 'a', [], false, 'a in []'],
    ['a number member', 2, [1, 2], true, '2 in [1, 2]'],
    ['a resolved number not a member', { Get: 'Parameters.Score' }, [0.7, 0.9], false, '0.8 in [0.7, 0.9]'],
  ])('In with %s', (_, query, values, outcome, detail) => {
    expect(evaluateConditions([{ Type: 'In', QueryValue: query, Values: values }], resolve)).toEqual({ outcome, detail });
  });

  test.each([
    [TRUE, false, 'not (1 == 1 is true)'],
    [FALSE, true, 'not (1 == 2 is false)'],
    [compare('GreaterThanOrEqualTo', 0.8, 0.8), false, 'not (0.8 >= 0.8 is true)'],
    [compare('GreaterThan', 0.8, 0.8), true, 'not (0.8 > 0.8 is false)'],
  ])('Not(%j) is %s', (expression, outcome, detail) => {
    expect(evaluateConditions([{ Type: 'Not', Expression: expression }], resolve)).toEqual({ outcome, detail });
  });

  test.each([
    [[FALSE, FALSE], false],
    [[FALSE, TRUE], true],
    [[TRUE, FALSE], true],
    [[TRUE, TRUE], true],
    [[FALSE], false],
    [[TRUE], true],
  ])('Or of %j is %s', (conditions, outcome) => {
    const result = evaluateConditions([{ Type: 'Or', Conditions: conditions }], resolve);
    expect(result.outcome).toBe(outcome);
    expect(result.detail).toBe(conditions.map((c) => `1 == ${c.RightValue} is ${c === TRUE}`).join(' or '));
  });

  test.each([
    [[TRUE, TRUE], true],
    [[TRUE, FALSE], false],
    [[FALSE, TRUE], false],
    [[FALSE, FALSE], false],
  ])('a step with the conditions %j (all must hold) is %s', (conditions, outcome) => {
    const result = evaluateConditions(conditions, resolve);
    expect(result.outcome).toBe(outcome);
    expect(result.detail).toBe(conditions.map((c) => `1 == ${c.RightValue} is ${c === TRUE}`).join(' and '));
  });

  test('Not, Or and comparisons nest', () => {
    const conditions = [{ Type: 'Not', Expression: { Type: 'Or', Conditions: [compare('LessThan', 0.8, 0.8), { Type: 'In', QueryValue: 'x', Values: ['y'] }] } }];
    expect(evaluateConditions(conditions, resolve)).toEqual({ outcome: true, detail: 'not (0.8 < 0.8 is false or x in [y])' });
  });

  test('every supported condition type is covered above', () => {
    expect([...CONDITION_TYPES].sort()).toEqual(['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'In', 'LessThan', 'LessThanOrEqualTo', 'Not', 'Or']);
  });

  test('fails when the condition type is unknown', () => {
    expect(() => evaluateConditions([compare('Contains', 'a', 'b')], resolve)).toThrow('condition type Contains is unknown');
  });
});
