import { ConditionStep, Conditions, FailStep, ParameterString, Pipeline, TransformStep } from '../../src/workflow';
import { definitionOf, processingArgs, processingStep, trainingStep } from '../helpers/fixtures';

const PROJECT = [
  { Key: 'sagemaker:project-name', Value: 'demo' },
  { Key: 'sagemaker:project-id', Value: 'p-1' },
];

function transformStep(name: string) {
  return new TransformStep({
    name,
    arguments: {
      ModelName: 'm',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b/in' } } },
      TransformOutput: { S3OutputPath: 's3://b/out' },
      TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
    },
  });
}

describe('pipeline job tags', () => {
  test('are added to every processing, training and transform request, in condition branches too', () => {
    // GIVEN
    const gate = new ConditionStep({
      name: 'Gate',
      conditions: [Conditions.equals(new ParameterString('P', 'a'), 'a')],
      ifSteps: [transformStep('Transform')],
      elseSteps: [new FailStep({ name: 'Fail' })],
    });

    // WHEN
    const def = definitionOf(
      new Pipeline({ name: 'p', parameters: [new ParameterString('P', 'a')], steps: [processingStep('Prep'), trainingStep('Train'), gate], jobTags: PROJECT }),
    );

    // THEN
    expect(def.Steps[0].Arguments.Tags).toEqual(PROJECT);
    expect(def.Steps[1].Arguments.Tags).toEqual(PROJECT);
    expect(def.Steps[2].Arguments.IfSteps[0].Arguments.Tags).toEqual(PROJECT);
    expect(def.Steps[2].Arguments.ElseSteps[0].Arguments.Tags).toBeUndefined();
  });

  test("keep a step's own tags and win on the same key", () => {
    const step = processingStep('Prep', {
      arguments: { ...processingArgs(), Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'sagemaker:project-id', Value: 'wrong' }] },
    });
    const def = definitionOf(new Pipeline({ name: 'p', steps: [step] }).withJobTags(PROJECT));
    expect(def.Steps[0].Arguments.Tags).toEqual([{ Key: 'team', Value: 'ml' }, ...PROJECT]);
  });

  test.each([['ml team'], ['Équipe-α_1.2:3/4=5+6@x'], [''], ['v'.repeat(256)]])('accept the tag value %j, which SageMaker takes', (value) => {
    expect(new Pipeline({ name: 'p', steps: [processingStep('Prep')], jobTags: [{ Key: 'k', Value: value }] }).validate()).toEqual([]);
  });

  test('none given: no Tags member', () => {
    expect(definitionOf(new Pipeline({ name: 'p', steps: [processingStep('Prep')] })).Steps[0].Arguments.Tags).toBeUndefined();
  });

  test.each([
    ['a key starts with aws:', [{ Key: 'aws:x', Value: 'v' }], "pipeline job tag key must be 1-128 characters not starting with 'aws:'; got 'aws:x'"],
    ['a value is too long', [{ Key: 'k', Value: 'v'.repeat(257) }], "pipeline job tag 'k' value must be at most 256 characters; got 257"],
    ['a value has a character outside the pattern', [{ Key: 'k', Value: 'a,b' }], `pipeline job tag 'k' value may only hold letters, digits, spaces and _ . : / = + - @; got "a,b"`],
    ['a value has a newline', [{ Key: 'k', Value: 'a\nb' }], `pipeline job tag 'k' value may only hold letters, digits, spaces and _ . : / = + - @; got "a\\nb"`],
    ['a key has a character outside the pattern', [{ Key: 'team#1', Value: 'v' }], `pipeline job tag key may only hold letters, digits, spaces and _ . : / = + - @; got "team#1"`],
    [
      'a job would get more than 50 tags',
      Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      "step 'Prep': Arguments.Tags would hold 51 tags with the pipeline's job tags; a job takes at most 50",
    ],
  ])('fails when %s', (_, tags, message) => {
    const pipeline = new Pipeline({ name: 'p', steps: [processingStep('Prep')], jobTags: tags });
    expect(pipeline.validate()).toContain(message);
    expect(() => pipeline.toJson()).toThrow(message);
  });
});
