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

  test.each([
    // NaN: every comparison is false (IEEE 754, as in Python), so a gate on a NaN metric takes the else branch
    ['LessThanOrEqualTo', Number.NaN, 6, false, 'NaN <= 6 is false'],
    ['LessThan', Number.NaN, 6, false, 'NaN < 6 is false'],
    ['GreaterThanOrEqualTo', Number.NaN, 0.8, false, 'NaN >= 0.8 is false'],
    ['GreaterThan', 6, Number.NaN, false, '6 > NaN is false'],
    ['Equals', Number.NaN, Number.NaN, false, 'NaN == NaN is false'],
    // infinities order as numbers
    ['LessThanOrEqualTo', Number.POSITIVE_INFINITY, 6, false, 'Infinity <= 6 is false'],
    ['GreaterThan', 6, Number.NEGATIVE_INFINITY, true, '6 > -Infinity is true'],
    // integers and floats are one type
    ['Equals', 6, 6.0, true, '6 == 6 is true'],
    ['LessThanOrEqualTo', 5.999999, 6, true, '5.999999 <= 6 is true'],
    // strings order by code point, as Python does (not by locale, not as numbers)
    ['LessThan', 'a', 'b', true, 'a < b is true'],
    ['LessThan', 'B', 'a', true, 'B < a is true'],
    ['LessThan', '10', '9', true, '10 < 9 is true'],
    ['GreaterThanOrEqualTo', 'abc', 'abc', true, 'abc >= abc is true'],
    ['LessThan', 'ab', 'abc', true, 'ab < abc is true'],
    ['GreaterThan', '\u{1F600}', '\uFFFF', true, '\u{1F600} > \uFFFF is true'],
  ])('at the boundary %s(%j, %j) is %s', (type, left, right, outcome, detail) => {
    expect(evaluateConditions([compare(type, left, right)], resolve)).toEqual({ outcome, detail });
  });

  test.each([
    // a missing metric resolves to null: JavaScript's `null <= 6` is true, SageMaker fails the step
    ['LessThanOrEqualTo', null, 6, 'LessThanOrEqualTo LeftValue is null; a condition cannot compare null'],
    ['GreaterThanOrEqualTo', 0.9, null, 'GreaterThanOrEqualTo RightValue is null; a condition cannot compare null'],
    ['Equals', null, null, 'Equals LeftValue is null'],
    // a number against a string: JavaScript coerces ('4.2' <= 6 is true), Python refuses
    ['LessThanOrEqualTo', '4.2', 6, 'LessThanOrEqualTo cannot order "4.2" (string) and 6 (number): only two numbers or two strings can be ordered'],
    ['GreaterThan', 1, 'a', 'GreaterThan cannot order 1 (number) and "a" (string)'],
    ['GreaterThan', true, false, 'GreaterThan cannot order true (boolean) and false (boolean)'],
    ['LessThan', true, 2, 'LessThan cannot order true (boolean) and 2 (number)'],
    ['Equals', '1', 1, 'Equals cannot compare "1" (string) with 1 (number): they are of different types'],
    ['Equals', true, 1, 'Equals cannot compare true (boolean) with 1 (number)'],
    ['Equals', 'true', true, 'Equals cannot compare "true" (string) with true (boolean)'],
    ['LessThan', { a: 1 }, 1, 'LessThan LeftValue is an object, not a string, number or boolean'],
    ['Equals', [1], [1], 'Equals LeftValue is a list'],
  ])('fails the step on %s(%j, %j)', (type, left, right, message) => {
    expect(() => evaluateConditions([compare(type, left, right)], resolve)).toThrow(message);
  });

  test.each([
    ['a number query among strings', 1, ['1', 'a'], false, '1 in [1, a]'],
    ['a string query among numbers', '2', [1, 2], false, '2 in [1, 2]'],
    ['a boolean query among numbers', true, [1], false, 'true in [1]'],
    ['NaN among NaN', Number.NaN, [Number.NaN], false, 'NaN in [NaN]'],
    ['an integer among floats', 2, [2.0, 3.5], true, '2 in [2, 3.5]'],
  ])('In with %s does not fail and compares by type and value', (_, query, values, outcome, detail) => {
    expect(evaluateConditions([{ Type: 'In', QueryValue: query, Values: values }], resolve)).toEqual({ outcome, detail });
  });

  test('In fails on a null query value', () => {
    expect(() => evaluateConditions([{ Type: 'In', QueryValue: null, Values: ['a'] }], resolve)).toThrow('In QueryValue is null');
  });

  test('a type error fails the step even after a false condition or inside Not and Or', () => {
    const bad = compare('LessThan', 'a', 1);
    expect(() => evaluateConditions([FALSE, bad], resolve)).toThrow('LessThan cannot order');
    expect(() => evaluateConditions([{ Type: 'Or', Conditions: [TRUE, bad] }], resolve)).toThrow('LessThan cannot order');
    expect(() => evaluateConditions([{ Type: 'Not', Expression: bad }], resolve)).toThrow('LessThan cannot order');
  });

  test('fails when the condition type is unknown', () => {
    expect(() => evaluateConditions([compare('Contains', 'a', 'b')], resolve)).toThrow('condition type Contains is unknown');
  });
});
