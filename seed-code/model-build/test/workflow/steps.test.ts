import {
  ConditionStep,
  Conditions,
  CreateModelStep,
  ExecutionVariables,
  FailStep,
  Join,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  RegisterModelStep,
  TransformStep,
} from '../../src/workflow';
import { ROLE, definitionOf, pipelineOf, processingArgs, processingStep, trainingStep } from '../helpers/fixtures';

describe('processing step', () => {
  test('emits Type Processing, the job request as Arguments and its property files', () => {
    // GIVEN
    const count = new ParameterInteger('Count', 1);
    const step = new ProcessingStep({
      name: 'Prep',
      displayName: 'Prepare',
      description: 'prepares',
      cache: { enabled: true, expireAfter: 'P7D' },
      retryPolicies: [{ exceptionTypes: ['SageMaker.JOB_INTERNAL_ERROR'], maxAttempts: 2 }],
      arguments: {
        ...processingArgs(['report']),
        ProcessingResources: { ClusterConfig: { InstanceCount: count, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
      },
      propertyFiles: [{ name: 'Report', outputName: 'report', path: 'report.json' }],
    });

    // WHEN
    const def = definitionOf(new Pipeline({ name: 'p', parameters: [count], steps: [step] }));

    // THEN
    expect(def.Steps).toEqual([
      {
        Name: 'Prep',
        Type: 'Processing',
        DisplayName: 'Prepare',
        Description: 'prepares',
        CacheConfig: { Enabled: true, ExpireAfter: 'P7D' },
        RetryPolicies: [{ ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], MaxAttempts: 2 }],
        PropertyFiles: [{ PropertyFileName: 'Report', OutputName: 'report', FilePath: 'report.json' }],
        Arguments: {
          RoleArn: ROLE,
          AppSpecification: { ImageUri: 'image:1' },
          ProcessingResources: {
            ClusterConfig: { InstanceCount: { Get: 'Parameters.Count' }, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 },
          },
          ProcessingOutputConfig: {
            Outputs: [
              {
                OutputName: 'report',
                S3Output: { S3Uri: 's3://bucket/report', LocalPath: '/opt/ml/processing/report', S3UploadMode: 'EndOfJob' },
              },
            ],
          },
        },
      },
    ]);
  });

  test('outputs(name) is the typed S3 URI property of that output', () => {
    const prep = processingStep('Prep', { arguments: processingArgs(['train', 'test']) });
    expect(prep.outputs('train').s3Uri.toDefinition()).toEqual({
      Get: "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
    });
  });

  test('fails when outputs() names an undeclared output', () => {
    const prep = processingStep('Prep', { arguments: processingArgs(['train']) });
    expect(() => prep.outputs('trian')).toThrow("step 'Prep' has no processing output 'trian'; declared outputs: 'train'");
  });

  test('fails when jsonGet() names an undeclared property file', () => {
    const prep = processingStep('Prep');
    expect(() => prep.jsonGet('Report', 'a.b')).toThrow("step 'Prep' declares no property file 'Report'; declared: (none)");
  });

  test('omits optional members that were not set', () => {
    const def = definitionOf(pipelineOf([processingStep('Prep')]));
    expect(Object.keys(def.Steps[0]).sort()).toEqual(['Arguments', 'Name', 'Type']);
  });
});

describe('training step', () => {
  test('emits Type Training and exposes Describe* properties', () => {
    // GIVEN
    const prep = processingStep('Prep');
    const train = trainingStep('Train', prep.outputs('out').s3Uri);

    // WHEN
    const def = definitionOf(pipelineOf([prep, train]));

    // THEN
    expect(def.Steps[1]).toMatchObject({
      Name: 'Train',
      Type: 'Training',
      Arguments: {
        AlgorithmSpecification: { TrainingImage: 'image:1', TrainingInputMode: 'File' },
        InputDataConfig: [
          {
            ChannelName: 'train',
            DataSource: {
              S3DataSource: {
                S3DataType: 'S3Prefix',
                S3Uri: { Get: "Steps.Prep.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri" },
              },
            },
          },
        ],
      },
    });
    expect(train.properties.ModelArtifacts.S3ModelArtifacts.toDefinition()).toEqual({
      Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts',
    });
    expect(train.properties.FinalMetricDataList.get('validation:rmse').Value.toDefinition()).toEqual({
      Get: "Steps.Train.FinalMetricDataList['validation:rmse'].Value",
    });
    expect(train.properties.HyperParameters.get('eta').toDefinition()).toEqual({ Get: "Steps.Train.HyperParameters['eta']" });
    expect(train.properties.InputDataConfig.get(0).ChannelName.toDefinition()).toEqual({
      Get: 'Steps.Train.InputDataConfig[0].ChannelName',
    });
  });
});

describe('job names', () => {
  test('a job step with jobNamePrefix emits it as the request job name field', () => {
    const prep = processingStep('Prep', { jobNamePrefix: 'abalone-p-123-preprocess' });
    const def = definitionOf(pipelineOf([prep]));
    expect(def.Steps[0].Arguments.ProcessingJobName).toBe('abalone-p-123-preprocess');
  });

  test('without jobNamePrefix the service names the job', () => {
    const def = definitionOf(pipelineOf([trainingStep('Train')]));
    expect(def.Steps[0].Arguments.TrainingJobName).toBeUndefined();
  });
});

describe('create-model and transform steps', () => {
  test('emit Type Model and Type Transform wired by the model name property', () => {
    // GIVEN
    const train = trainingStep('Train');
    const model = new CreateModelStep({
      name: 'CreateModel',
      retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], intervalSeconds: 5, backoffRate: 1.5, expireAfterMinutes: 30 }],
      arguments: {
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'image:1', ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts },
      },
    });
    const transform = new TransformStep({
      name: 'Transform',
      cache: { enabled: false },
      arguments: {
        ModelName: model.properties.ModelName,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/in' } }, ContentType: 'text/csv' },
        TransformOutput: { S3OutputPath: new Join({ on: '/', values: ['s3://bucket', ExecutionVariables.PIPELINE_EXECUTION_ID] }) },
        TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
      },
    });

    // WHEN
    const def = definitionOf(pipelineOf([train, model, transform]));

    // THEN
    expect(def.Steps[1]).toEqual({
      Name: 'CreateModel',
      Type: 'Model',
      RetryPolicies: [{ ExceptionType: ['Step.THROTTLING'], IntervalSeconds: 5, BackoffRate: 1.5, ExpireAfterMin: 30 }],
      Arguments: {
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'image:1', ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } },
      },
    });
    expect(def.Steps[2]).toMatchObject({
      Name: 'Transform',
      Type: 'Transform',
      CacheConfig: { Enabled: false },
      Arguments: {
        ModelName: { Get: 'Steps.CreateModel.ModelName' },
        TransformOutput: {
          S3OutputPath: { 'Std:Join': { On: '/', Values: ['s3://bucket', { Get: 'Execution.PipelineExecutionId' }] } },
        },
      },
    });
    expect(transform.properties.TransformOutput.S3OutputPath.toDefinition()).toEqual({
      Get: 'Steps.Transform.TransformOutput.S3OutputPath',
    });
  });
});

describe('register-model step', () => {
  test('emits Type RegisterModel with the CreateModelPackage request', () => {
    const status = new ParameterString('ModelApprovalStatus', 'PendingManualApproval');
    const train = trainingStep('Train');
    const register = new RegisterModelStep({
      name: 'Register',
      arguments: {
        ModelPackageGroupName: 'group-1',
        ModelApprovalStatus: status,
        InferenceSpecification: {
          Containers: [{ Image: 'image:1', ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
      },
    });

    const def = definitionOf(new Pipeline({ name: 'p', parameters: [status], steps: [train, register] }));

    expect(def.Steps[1]).toEqual({
      Name: 'Register',
      Type: 'RegisterModel',
      Arguments: {
        ModelPackageGroupName: 'group-1',
        ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' },
        InferenceSpecification: {
          Containers: [{ Image: 'image:1', ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
      },
    });
    expect(register.properties.ModelPackageArn.toDefinition()).toEqual({ Get: 'Steps.Register.ModelPackageArn' });
  });
});

describe('condition and fail steps', () => {
  test('nest branch steps in IfSteps and ElseSteps', () => {
    // GIVEN
    const evaluate = processingStep('Evaluate', {
      propertyFiles: [{ name: 'Report', outputName: 'out', path: 'report.json' }],
    });
    const score = evaluate.jsonGet('Report', 'metrics.score');
    const pass = new FailStep({ name: 'Pass', errorMessage: 'never' });
    const fail = new FailStep({
      name: 'TooLow',
      errorMessage: new Join({ on: ' ', values: ['score', score, 'too low'] }),
    });
    const gate = new ConditionStep({
      name: 'Gate',
      conditions: [Conditions.greaterThanOrEqualTo(score, 0.8)],
      ifSteps: [pass],
      elseSteps: [fail],
      dependsOn: [evaluate],
    });

    // WHEN
    const def = definitionOf(pipelineOf([evaluate, gate]));

    // THEN
    const jsonGet = { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'metrics.score' } };
    expect(def.Steps[1]).toEqual({
      Name: 'Gate',
      Type: 'Condition',
      DependsOn: ['Evaluate'],
      Arguments: {
        Conditions: [{ Type: 'GreaterThanOrEqualTo', LeftValue: jsonGet, RightValue: 0.8 }],
        IfSteps: [{ Name: 'Pass', Type: 'Fail', Arguments: { ErrorMessage: 'never' } }],
        ElseSteps: [
          {
            Name: 'TooLow',
            Type: 'Fail',
            Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['score', jsonGet, 'too low'] } } },
          },
        ],
      },
    });
    expect(gate.properties.Outcome.toDefinition()).toEqual({ Get: 'Steps.Gate.Outcome' });
  });

  test('a fail step without a message has an empty ErrorMessage', () => {
    const def = definitionOf(pipelineOf([new FailStep({ name: 'Stop' })]));
    expect(def.Steps[0]).toEqual({ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: '' } });
  });
});
