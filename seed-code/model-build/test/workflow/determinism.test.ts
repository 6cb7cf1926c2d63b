import { canonicalJson, FailStep, ParameterString, Pipeline } from '../../src/workflow';
import { createAbalonePipeline } from '../../src/pipelines/abalone/pipeline';
import { contextFor } from '../helpers/context';
import { processingArgs, processingStep } from '../helpers/fixtures';

const context = contextFor('abalone');

describe('deterministic output', () => {
  test('building the same pipeline twice gives byte-identical JSON', () => {
    const first = createAbalonePipeline(context).toJson({ indent: 2 });
    const second = createAbalonePipeline(context).toJson({ indent: 2 });
    expect(second).toBe(first);
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no timestamps
  });

  test('the order fields are written in does not change the bytes', () => {
    const args = processingArgs();
    const reordered = Object.fromEntries(Object.entries(args).reverse()) as typeof args;
    const a = new Pipeline({ name: 'p', steps: [processingStep('Prep', { arguments: args })] }).toJson();
    const b = new Pipeline({ name: 'p', steps: [processingStep('Prep', { arguments: reordered })] }).toJson();
    expect(b).toBe(a);
  });

  test('keys are sorted at every level and undefined members dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined as unknown as null }], c: -0 } })).toBe(
      '{"a":{"c":0,"d":[{"z":1}]},"b":1}',
    );
  });

  test('compact output is what indent 0 gives and parses to the same value', () => {
    const p = new Pipeline({ name: 'p', parameters: [new ParameterString('S', 'v')], steps: [new FailStep({ name: 'F' })] });
    expect(p.toJson()).toBe(
      '{"Parameters":[{"DefaultValue":"v","Name":"S","Type":"String"}],"Steps":[{"Arguments":{"ErrorMessage":""},"Name":"F","Type":"Fail"}],"Version":"2020-12-01"}',
    );
    expect(JSON.parse(p.toJson({ indent: 2 }))).toEqual(JSON.parse(p.toJson()));
  });
});
