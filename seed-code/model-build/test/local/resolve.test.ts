/**
 * The local run's evaluation of expressions, at the boundaries where JavaScript and the service
 * (as AWS's own local executor evaluates it; see src/local/resolve.ts) disagree: Std:JsonGet on a
 * missing path, null, NaN, objects and keys of JavaScript's object prototype; parameter types and
 * parameters without a value; and how Std:Join writes numbers and booleans.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DefinitionResolver, parsePythonJson, pythonFloat } from '../../src/local/resolve';

const EXECUTION = { executionId: 'e1', pipelineName: 'p', startTime: '2024-01-01T00:00:00.000Z', now: () => 0 };
const DECLARED = [
  { Name: 'Threshold', Type: 'Float', DefaultValue: 6 },
  { Name: 'Count', Type: 'Integer', DefaultValue: 3 },
  { Name: 'Flag', Type: 'Boolean', DefaultValue: false },
  { Name: 'Mode', Type: 'String', DefaultValue: 'a' },
  { Name: 'Required', Type: 'String' },
];

/** A resolver whose step `Eval` wrote `content` as property file `Report`. */
function resolverWith(content: string, values: Record<string, string> = {}) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'resolve-')), 'evaluation.json');
  writeFileSync(file, content);
  const resolver = new DefinitionResolver(DECLARED, values, EXECUTION);
  resolver.setPropertyFile('Eval', 'Report', file);
  return resolver;
}
const jsonGet = (p: string) => ({ 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Eval.PropertyFiles.Report' }, Path: p } });
const join = (...values: unknown[]) => ({ 'Std:Join': { On: ' ', Values: values } });
const param = (name: string) => ({ Get: `Parameters.${name}` });

describe('Std:JsonGet', () => {
  test.each([
    ['a number', '{"m": {"value": 4.25}}', 'm.value', 4.25],
    ['zero', '{"m": 0}', 'm', 0],
    ['a string', '{"m": "x"}', 'm', 'x'],
    ['false', '{"m": false}', 'm', false],
    ['a list item', '{"m": [1, 2]}', 'm[1]', 2],
    ['NaN as Python writes it', '{"m": {"value": NaN}}', 'm.value', Number.NaN],
    ['Infinity as Python writes it', '{"m": Infinity}', 'm', Number.POSITIVE_INFINITY],
    ['-Infinity as Python writes it', '{"m": -Infinity}', 'm', Number.NEGATIVE_INFINITY],
  ])('reads %s', (_, content, at, expected) => {
    expect(resolverWith(content).resolve(jsonGet(at))).toEqual(expected);
  });

  test.each([
    ['a missing key', '{"m": {}}', 'm.value', "Std:JsonGet 'm.value' of Steps.Eval.PropertyFiles.Report: the file has no value at that path"],
    ['a missing parent', '{}', 'm.value', 'the file has no value at that path'],
    ['a key of the object prototype', '{"m": {}}', 'm.constructor', 'the file has no value at that path'],
    ['a member of a number', '{"m": 4}', 'm.value', 'the file has no value at that path'],
    ['an index past the end', '{"m": [1]}', 'm[1]', 'the file has no value at that path'],
    ['null', '{"m": {"value": null}}', 'm.value', "Std:JsonGet 'm.value' of Steps.Eval.PropertyFiles.Report is null; a pipeline value cannot be null"],
    ['an object', '{"m": {"value": 1}}', 'm', 'is an object, not a string, number or boolean'],
    ['a list', '{"m": [1]}', 'm', 'is a list, not a string, number or boolean'],
    ['a file that is not JSON', '{"m": nan}', 'm', 'property file Steps.Eval.PropertyFiles.Report is not valid JSON'],
    ['an empty file', '', 'm', 'is not valid JSON (unexpected end at offset 0)'],
  ])('fails the step on %s', (_, content, at, message) => {
    expect(() => resolverWith(content).resolve(jsonGet(at))).toThrow(message);
  });

  test('fails the step when the property file was not written', () => {
    const resolver = new DefinitionResolver([], {}, EXECUTION);
    resolver.setPropertyFile('Eval', 'Report', '/nonexistent/evaluation.json');
    expect(() => resolver.resolve(jsonGet('m'))).toThrow('property file Steps.Eval.PropertyFiles.Report was not written');
  });
});

describe('parameters', () => {
  test.each([
    ['Threshold', {}, 6],
    ['Threshold', { Threshold: '0.5' }, 0.5],
    ['Count', { Count: '10' }, 10],
    ['Flag', {}, false],
    ['Flag', { Flag: 'true' }, true],
    ['Mode', { Mode: '7' }, '7'],
  ])('%s with start values %j resolves to %j, of the declared type', (name, values, expected) => {
    expect(resolverWith('{}', values as Record<string, string>).resolve(param(name))).toBe(expected);
  });

  test('a parameter without default or start value fails the step that reads it', () => {
    expect(() => resolverWith('{}').resolve(param('Required'))).toThrow(
      'parameter Required has no value: it has no default and the execution did not set one',
    );
  });

  test('a step property the step does not have fails the step', () => {
    const resolver = resolverWith('{}');
    resolver.setProperties('Train', { ModelArtifacts: {} });
    expect(() => resolver.resolve({ Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' })).toThrow('has no value locally');
  });
});

describe('Std:Join writes values as Python str() does', () => {
  test.each([
    ['a Float parameter with an integral value', join('t', param('Threshold')), {}, 't 6.0'],
    ['a Float parameter set at start', join(param('Threshold')), { Threshold: '7' }, '7.0'],
    ['an Integer parameter', join(param('Count')), {}, '3'],
    ['a Boolean parameter', join(param('Flag')), {}, 'False'],
    ['a Boolean parameter set at start', join(param('Flag')), { Flag: 'true' }, 'True'],
    ['a String parameter', join(param('Mode')), {}, 'a'],
    ['an integral literal', join(6), {}, '6'],
    ['a fractional literal', join(0.5), {}, '0.5'],
    ['a boolean literal', join(true), {}, 'True'],
    ['a nested Join', join('a', join('b', 1)), {}, 'a b 1'],
  ])('%s', (_, expression, values, expected) => {
    expect(resolverWith('{}', values as Record<string, string>).resolve(expression)).toBe(expected);
  });

  test.each([
    ['5.0', '5.0'],
    ['5', '5'],
    ['4.25', '4.25'],
    ['1e3', '1000.0'],
    ['1E-5', '1e-05'],
    ['NaN', 'nan'],
    ['Infinity', 'inf'],
    ['-Infinity', '-inf'],
    ['12345678901234567890', '12345678901234567890'],
    ['-0', '0'],
    ['-0.0', '-0.0'],
  ])('a property-file number written %s joins as %s', (lexeme, expected) => {
    expect(resolverWith(`{"m": ${lexeme}}`).resolve(join(jsonGet('m')))).toBe(expected);
  });

  test('a null value has no text and fails the step', () => {
    expect(() => resolverWith('{}').resolve(join('a', null))).toThrow('a Std:Join value is null');
  });
});

describe('pythonFloat is repr(float)', () => {
  test.each([
    [6, '6.0'],
    [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-2.5, '-2.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.000012345, '1.2345e-05'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789.125, '123456789.125'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0, '0.0'],
    [-0, '-0.0'],
  ])('%d', (value, expected) => {
    expect(pythonFloat(value)).toBe(expected);
  });
});

test('parsePythonJson reads what json.dump writes and refuses what json.loads refuses', () => {
  expect(parsePythonJson(' {"a": [true, false, null, "x\\"y"], "b": {}} ')).toEqual({ a: [true, false, null, 'x"y'], b: {} });
  for (const bad of ['{"a": 1,}', "{'a': 1}", '{"a": 01}', '{"a": .5}', '[1] 2', '{"a": nan}']) {
    expect(() => parsePythonJson(bad)).toThrow(/at offset \d+/);
  }
});
