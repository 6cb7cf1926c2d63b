import {
  ConditionStep,
  Conditions,
  CreateModelStep,
  FailStep,
  JsonGet,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineValidationError,
  ProcessingStep,
  RegisterModelStep,
  Scalar,
  Parameter,
  Step,
} from '../../src/workflow';
import { ROLE, processingArgs, processingStep, trainingStep } from '../helpers/fixtures';

function pipeline(steps: Step[], parameters: Parameter<Scalar>[] = [], name = 'test-pipeline'): Pipeline {
  return new Pipeline({ name, parameters, steps });
}

function register(name: string, group: string | undefined, extra: Partial<ConstructorParameters<typeof RegisterModelStep>[0]> = {}) {
  return new RegisterModelStep({
    name,
    arguments: {
      ModelPackageGroupName: group,
      InferenceSpecification: { Containers: [{ Image: 'image:1' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    },
    ...extra,
  });
}

/** A register step that reads the model of `train`. */
function register_(name: string, train: ReturnType<typeof trainingStep>) {
  return new RegisterModelStep({
    name,
    arguments: {
      ModelPackageGroupName: 'group',
      InferenceSpecification: {
        Containers: [{ Image: 'image:1', ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    },
  });
}

const cases: Array<[string, () => Pipeline, string]> = [
  [
    'the pipeline name has a space',
    () => pipeline([], [], 'my pipeline'),
    "pipeline name must be 1-256 letters, digits or hyphens, starting with a letter or digit and not ending with a hyphen; got 'my pipeline'",
  ],
  ['a parameter name has a dot', () => pipeline([], [new ParameterString('a.b')]), "parameter 'a.b': name must be letters, digits, hyphens or underscores"],
  ['a parameter is declared twice', () => pipeline([], [new ParameterString('A'), new ParameterString('A')]), "parameter 'A': declared more than once"],
  ['an Integer default is fractional', () => pipeline([], [new ParameterInteger('N', 1.5)]), "parameter 'N': DefaultValue must be an integer; got 1.5"],
  ['a Float default is not finite', () => pipeline([], [new ParameterFloat('F', Infinity)]), "parameter 'F': DefaultValue must be a finite number; got Infinity"],
  [
    'a String default is longer than 1024 characters',
    () => pipeline([], [new ParameterString('S', 'x'.repeat(1025))]),
    "parameter 'S': DefaultValue must be at most 1024 characters; got 1025",
  ],
  [
    'a Boolean default is not a boolean',
    () => pipeline([], [new ParameterBoolean('B', 'yes' as unknown as boolean)]),
    "parameter 'B': DefaultValue must be true or false; got 'yes'",
  ],
  [
    'a step name has a space',
    () => pipeline([new FailStep({ name: 'Bad Name' })]),
    "step 'Bad Name': name must be 1-64 letters, digits, hyphens or underscores; got 'Bad Name'",
  ],
  [
    'a step name is longer than 64 characters',
    () => pipeline([new FailStep({ name: 'S'.repeat(65) })]),
    `step '${'S'.repeat(65)}': name must be 1-64 letters`,
  ],
  [
    'two steps share a name across condition branches',
    () =>
      pipeline([
        new FailStep({ name: 'Same' }),
        new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(1, 1)], elseSteps: [new FailStep({ name: 'Same' })] }),
      ]),
    "step 'Same': name is used by more than one step (names are unique across condition branches)",
  ],
  [
    'one step appears twice',
    () => {
      const fail = new FailStep({ name: 'Twice' });
      return pipeline([fail, new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(1, 1)], ifSteps: [fail] })]);
    },
    "step 'Twice': appears more than once in the pipeline (top level or condition branches)",
  ],
  [
    'a display name is longer than 256 characters',
    () => pipeline([new FailStep({ name: 'F', displayName: 'd'.repeat(257) })]),
    "step 'F': DisplayName must be 1-256 characters; got 257",
  ],
  [
    'a description is longer than 3072 characters',
    () => pipeline([new FailStep({ name: 'F', description: 'd'.repeat(3073) })]),
    "step 'F': Description must be at most 3072 characters; got 3073",
  ],
  [
    'a cache expiry is not an ISO 8601 duration',
    () => pipeline([processingStep('Prep', { cache: { enabled: true, expireAfter: '30 days' } })]),
    "step 'Prep': CacheConfig.ExpireAfter must be an ISO 8601 duration such as 'P30D' or 'PT12H'; got '30 days'",
  ],
  [
    'a non-job step retries on a SageMaker job exception',
    () =>
      pipeline([
        new CreateModelStep({
          name: 'Model',
          arguments: { ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'image:1' } },
          retryPolicies: [{ exceptionTypes: ['SageMaker.CAPACITY_ERROR'] }],
        }),
      ]),
    "step 'Model': RetryPolicies[0].ExceptionType 'SageMaker.CAPACITY_ERROR' only applies to job steps (Processing, Training, Transform)",
  ],
  [
    'a retry policy sets both MaxAttempts and ExpireAfterMin',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 2, expireAfterMinutes: 5 }] })]),
    "step 'Prep': RetryPolicies[0]: set MaxAttempts or ExpireAfterMin, not both",
  ],
  [
    'a retry policy allows more than 20 attempts',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 21 }] })]),
    "step 'Prep': RetryPolicies[0].MaxAttempts must be an integer 1-20; got 21",
  ],
  [
    'a retry policy backs off by less than 1',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], backoffRate: 0.5 }] })]),
    "step 'Prep': RetryPolicies[0].BackoffRate must be a number at least 1; got 0.5",
  ],
  [
    'a retry interval is longer than 12 hours',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], intervalSeconds: 43201 }] })]),
    "step 'Prep': RetryPolicies[0].IntervalSeconds must be an integer 1-43200; got 43201",
  ],
  [
    'a retry expiry is negative',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], expireAfterMinutes: -1 }] })]),
    "step 'Prep': RetryPolicies[0].ExpireAfterMin must be an integer 0-14400; got -1",
  ],
  [
    'a retry policy lists no exception type',
    () => pipeline([processingStep('Prep', { retryPolicies: [{ exceptionTypes: [] }] })]),
    "step 'Prep': RetryPolicies[0].ExceptionType must list at least one exception type",
  ],
  [
    'an argument is NaN',
    () =>
      pipeline([
        new ProcessingStep({
          name: 'Prep',
          arguments: { ...processingArgs(), StoppingCondition: { MaxRuntimeInSeconds: Number.NaN } },
        }),
      ]),
    "step 'Prep': Arguments.StoppingCondition.MaxRuntimeInSeconds must be a finite number; got NaN",
  ],
  [
    'a property file names an output the step does not have',
    () => pipeline([processingStep('Eval', { propertyFiles: [{ name: 'Report', outputName: 'evaluation', path: 'r.json' }] })]),
    "step 'Eval': PropertyFiles[0].OutputName 'evaluation' is not an output of the step; outputs: 'out'",
  ],
  [
    'a property file is declared twice',
    () =>
      pipeline([
        processingStep('Eval', {
          propertyFiles: [
            { name: 'Report', outputName: 'out', path: 'a.json' },
            { name: 'Report', outputName: 'out', path: 'b.json' },
          ],
        }),
      ]),
    "step 'Eval': PropertyFiles[1].PropertyFileName 'Report' is declared more than once",
  ],
  [
    'a property file path is absolute',
    () => pipeline([processingStep('Eval', { propertyFiles: [{ name: 'Report', outputName: 'out', path: '/opt/r.json' }] })]),
    "step 'Eval': PropertyFiles[0].FilePath must be a path relative to the output's local path; got '/opt/r.json'",
  ],
  [
    'a condition step has no condition',
    () => pipeline([new ConditionStep({ name: 'Gate', conditions: [] })]),
    "step 'Gate': Arguments.Conditions must hold at least one condition",
  ],
  [
    'an In condition has no values',
    () => pipeline([new ConditionStep({ name: 'Gate', conditions: [Conditions.not(Conditions.in(1, []))] })]),
    "step 'Gate': Arguments.Conditions[0]: 'In' needs at least one value in Values",
  ],
  [
    'an Or condition has no conditions',
    () => pipeline([new ConditionStep({ name: 'Gate', conditions: [Conditions.or()] })]),
    "step 'Gate': Arguments.Conditions[0]: 'Or' needs at least one condition in Conditions",
  ],
  [
    'a register step has no model package group',
    () => pipeline([register('Register', undefined)]),
    "step 'Register': Arguments.ModelPackageGroupName is required to register a versioned model package",
  ],
  [
    'a model package group name with hyphens is longer than 63 characters',
    () => pipeline([register('Register', 'g-'.repeat(32) + 'g')]),
    `step 'Register': Arguments.ModelPackageGroupName must be 1-63 letters, digits or hyphens, starting with a letter or digit; got '${'g-'.repeat(32)}g'`,
  ],
  [
    'the pipeline name with hyphens is longer than 256 characters',
    () => pipeline([], [], 'p-'.repeat(128) + 'p'),
    'pipeline name must be 1-256 letters, digits or hyphens',
  ],
  [
    'a model package group name is longer than 63 characters',
    () => pipeline([register('Register', 'g'.repeat(64))]),
    `step 'Register': Arguments.ModelPackageGroupName must be 1-63 letters, digits or hyphens, starting with a letter or digit; got '${'g'.repeat(64)}'`,
  ],
  [
    'a composed job name is longer than the API allows',
    () => pipeline([processingStep('Prep', { jobNamePrefix: `${'abalone-project-with-a-long-name'}-p-abcdef123456-preprocessing-job` })]),
    "step 'Prep': Arguments.ProcessingJobName must be 1-63 letters, digits or hyphens, starting with a letter or digit; got 'abalone-project-with-a-long-name-p-abcdef123456-preprocessing-job' (65 characters)",
  ],
  [
    'a job name has an underscore',
    () => pipeline([processingStep('Prep', { jobNamePrefix: 'pre_process' })]),
    "step 'Prep': Arguments.ProcessingJobName must be 1-63 letters, digits or hyphens",
  ],
  [
    'an argument references an undeclared parameter',
    () => pipeline([trainingStep('Train', new ParameterString('InputUri', 's3://b/k'))], [new ParameterString('Other')]),
    "step 'Train': Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri references parameter 'InputUri', which the pipeline does not declare; declared: 'Other'",
  ],
  [
    'a parameter is referenced with another type than declared',
    () =>
      pipeline(
        [new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(new ParameterInteger('N'), 1)] })],
        [new ParameterString('N', 'x')],
      ),
    "step 'Gate': Arguments.Conditions[0] references parameter 'N' as Integer, but it is declared as String",
  ],
  [
    'an argument references a step outside the pipeline',
    () => {
      const prep = processingStep('Prep');
      return pipeline([trainingStep('Train', prep.outputs('out').s3Uri)]);
    },
    "step 'Train': Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri references step 'Prep', which is not part of the pipeline",
  ],
  [
    'a step references itself',
    () => {
      const step = new CreateModelStep({
        name: 'Model',
        arguments: { ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'image:1' } },
      });
      // A step can only be handed its own properties after construction.
      (step.arguments.PrimaryContainer as { ModelDataUrl?: unknown }).ModelDataUrl = step.properties.PrimaryContainer.ModelDataUrl;
      return pipeline([step]);
    },
    "step 'Model': Arguments.PrimaryContainer.ModelDataUrl references the step itself; a step can only read from upstream steps",
  ],
  [
    'a JsonGet reads a property file the step does not declare',
    () => {
      const evaluate = processingStep('Eval', { propertyFiles: [{ name: 'Report', outputName: 'out', path: 'r.json' }] });
      const score = new JsonGet({ step: evaluate, propertyFile: 'Reprot', path: 'a' });
      return pipeline([evaluate, new ConditionStep({ name: 'Gate', conditions: [Conditions.lessThan(score, 1)] })]);
    },
    "step 'Gate': Arguments.Conditions[0] reads property file 'Reprot' of step 'Eval', which declares 'Report'",
  ],
  [
    'a JsonGet reads a property file of a step that cannot declare any',
    () => {
      const train = trainingStep('Train');
      const score = new JsonGet({ step: train, propertyFile: 'Metrics', path: 'a' });
      return pipeline([train, new FailStep({ name: 'F', errorMessage: score })]);
    },
    "step 'F': Arguments.ErrorMessage reads property file 'Metrics' of step 'Train', which declares no property files",
  ],
  [
    'a step after a condition reads from a step in one of its branches',
    () => {
      const train = trainingStep('Train');
      const register = register_('Register', train);
      const gate = new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(1, 1)], ifSteps: [register] });
      const after = new FailStep({ name: 'After', errorMessage: register.properties.ModelPackageArn });
      return pipeline([train, gate, after]);
    },
    "step 'After': Arguments.ErrorMessage uses step 'Register', which only runs in the IfSteps of 'Gate'; move the step into that branch",
  ],
  [
    'a step in one branch waits for a step in the other branch',
    () => {
      const a = new FailStep({ name: 'A' });
      const b = new FailStep({ name: 'B', dependsOn: [a] });
      return pipeline([new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(1, 1)], ifSteps: [a], elseSteps: [b] })]);
    },
    "step 'B': DependsOn[0] uses step 'A', which only runs in the IfSteps of 'Gate'; move the step into that branch",
  ],
  [
    'DependsOn names a step outside the pipeline',
    () => pipeline([new FailStep({ name: 'F', dependsOn: [new FailStep({ name: 'Elsewhere' })] })]),
    "step 'F': DependsOn[0] names step 'Elsewhere', which is not part of the pipeline",
  ],
  [
    'DependsOn names the step itself',
    () => {
      const deps: Step[] = [];
      const step = new FailStep({ name: 'F', dependsOn: deps });
      (step.dependsOn as Step[]).push(step);
      return pipeline([step]);
    },
    "step 'F': DependsOn[0] names the step itself",
  ],
  [
    'steps depend on each other in a cycle',
    () => {
      const a = processingStep('A');
      const b = trainingStep('B', a.outputs('out').s3Uri);
      (a.dependsOn as Step[]).push(b);
      return pipeline([a, b]);
    },
    "dependency cycle A -> B -> A (each step reads from or depends on the next)",
  ],
];

describe('validation', () => {
  test.each(cases)('fails when %s', (_title, build, message) => {
    // GIVEN
    const p = build();

    // WHEN / THEN
    expect(p.validate()).toContainEqual(expect.stringContaining(message));
    expect(() => p.toJson()).toThrow(PipelineValidationError);
    expect(() => p.toJson()).toThrow(message);
  });

  test('reports every problem at once, each on its own line', () => {
    const p = pipeline([new FailStep({ name: 'a b' }), new FailStep({ name: 'c d' })], [], 'bad name');
    expect(() => p.toJson()).toThrow(
      "pipeline 'bad name' is invalid:\n  - pipeline name must be 1-256 letters, digits or hyphens, starting with a letter or digit and not ending with a hyphen; got 'bad name'\n  - step 'a b': name must be 1-64 letters, digits, hyphens or underscores; got 'a b'\n  - step 'c d'",
    );
  });

  test('accepts reads from outside into a branch and within a branch', () => {
    const train = trainingStep('Train');
    const register = register_('Register', train);
    const note = new FailStep({ name: 'Note', errorMessage: register.properties.ModelPackageArn });
    const p = pipeline([train, new ConditionStep({ name: 'Gate', conditions: [Conditions.equals(1, 1)], ifSteps: [register, note] })]);
    expect(p.validate()).toEqual([]);
  });

  test('accepts a valid pipeline with references in both branches', () => {
    const evaluate = processingStep('Eval', { propertyFiles: [{ name: 'Report', outputName: 'out', path: 'r.json' }] });
    const mse = evaluate.jsonGet('Report', 'mse');
    const p = pipeline([
      evaluate,
      new ConditionStep({
        name: 'Gate',
        conditions: [Conditions.lessThanOrEqualTo(mse, 6)],
        ifSteps: [register('Register', 'group')],
        elseSteps: [new FailStep({ name: 'Fail', errorMessage: mse })],
      }),
    ]);
    expect(p.validate()).toEqual([]);
  });
});
