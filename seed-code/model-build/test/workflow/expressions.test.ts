import {
  Conditions,
  ExecutionVariables,
  Join,
  JsonGet,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
} from '../../src/workflow';
import { definitionOf, processingStep } from '../helpers/fixtures';

describe('parameters', () => {
  test('declare every type with and without defaults, in the order given', () => {
    const pipeline = new Pipeline({
      name: 'p',
      parameters: [
        new ParameterString('S', 'text'),
        new ParameterInteger('I', 3),
        new ParameterFloat('F', 0.5),
        new ParameterBoolean('B', false),
        new ParameterString('NoDefault'),
      ],
      steps: [],
    });
    expect(definitionOf(pipeline).Parameters).toEqual([
      { Name: 'S', Type: 'String', DefaultValue: 'text' },
      { Name: 'I', Type: 'Integer', DefaultValue: 3 },
      { Name: 'F', Type: 'Float', DefaultValue: 0.5 },
      { Name: 'B', Type: 'Boolean', DefaultValue: false },
      { Name: 'NoDefault', Type: 'String' },
    ]);
  });

  test('are referenced as Get Parameters.<name>', () => {
    expect(new ParameterFloat('Threshold', 1).toDefinition()).toEqual({ Get: 'Parameters.Threshold' });
  });
});

describe('execution variables', () => {
  test.each([
    [ExecutionVariables.START_DATETIME, 'Execution.StartDateTime'],
    [ExecutionVariables.CURRENT_DATETIME, 'Execution.CurrentDateTime'],
    [ExecutionVariables.PIPELINE_NAME, 'Execution.PipelineName'],
    [ExecutionVariables.PIPELINE_ARN, 'Execution.PipelineArn'],
    [ExecutionVariables.PIPELINE_EXECUTION_ID, 'Execution.PipelineExecutionId'],
    [ExecutionVariables.PIPELINE_EXECUTION_ARN, 'Execution.PipelineExecutionArn'],
  ])('%# renders as Get %s', (variable, expected) => {
    expect(variable.toDefinition()).toEqual({ Get: expected });
  });
});

describe('Join and JsonGet', () => {
  test('Join renders Std:Join with nested values and defaults On to empty', () => {
    const join = new Join({ values: ['s3://b', new ParameterInteger('N', 1), true, 2] });
    expect(join.toDefinition()).toEqual({
      'Std:Join': { On: '', Values: ['s3://b', { Get: 'Parameters.N' }, true, 2] },
    });
  });

  test('JsonGet renders Std:JsonGet on the step property file', () => {
    const step = processingStep('Eval', { propertyFiles: [{ name: 'Report', outputName: 'out', path: 'r.json' }] });
    expect(new JsonGet({ step, propertyFile: 'Report', path: 'a.b[0]' }).toDefinition()).toEqual({
      'Std:JsonGet': { PropertyFile: { Get: 'Steps.Eval.PropertyFiles.Report' }, Path: 'a.b[0]' },
    });
  });
});

describe('conditions', () => {
  const p = new ParameterInteger('N', 1);
  test.each([
    ['equals', Conditions.equals(p, 1), { Type: 'Equals', LeftValue: { Get: 'Parameters.N' }, RightValue: 1 }],
    ['greaterThan', Conditions.greaterThan(p, 1), { Type: 'GreaterThan', LeftValue: { Get: 'Parameters.N' }, RightValue: 1 }],
    [
      'greaterThanOrEqualTo',
      Conditions.greaterThanOrEqualTo(2, p),
      { Type: 'GreaterThanOrEqualTo', LeftValue: 2, RightValue: { Get: 'Parameters.N' } },
    ],
    ['lessThan', Conditions.lessThan(p, 1.5), { Type: 'LessThan', LeftValue: { Get: 'Parameters.N' }, RightValue: 1.5 }],
    [
      'lessThanOrEqualTo',
      Conditions.lessThanOrEqualTo(p, 6),
      { Type: 'LessThanOrEqualTo', LeftValue: { Get: 'Parameters.N' }, RightValue: 6 },
    ],
    ['in', Conditions.in(p, [1, 2]), { Type: 'In', QueryValue: { Get: 'Parameters.N' }, Values: [1, 2] }],
    [
      'not',
      Conditions.not(Conditions.equals(p, 1)),
      { Type: 'Not', Expression: { Type: 'Equals', LeftValue: { Get: 'Parameters.N' }, RightValue: 1 } },
    ],
    [
      'or',
      Conditions.or(Conditions.equals(p, 1), Conditions.equals(p, 2)),
      {
        Type: 'Or',
        Conditions: [
          { Type: 'Equals', LeftValue: { Get: 'Parameters.N' }, RightValue: 1 },
          { Type: 'Equals', LeftValue: { Get: 'Parameters.N' }, RightValue: 2 },
        ],
      },
    ],
  ])('%s renders its definition type', (_name, condition, expected) => {
    expect(condition.toDefinition()).toEqual(expected);
  });
});
