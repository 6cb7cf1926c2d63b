import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BatchTransformStack } from '../lib/batch-stack';
import { runRequest, TransformJobRequest } from '../lib/batch-transform';
import { endpointStackName } from '../lib/endpoint-stack';
import { parseStageConfig, Stage, StageConfig } from '../lib/stage-config';
import { requestProblems } from './support/api-shapes';

const PROJECT = { projectName: 'churn', projectId: 'p-abc123def456' };
const PARAMETERS: Record<string, string> = {
  ModelPackageArn: 'arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-p-abc123def456/3',
  ModelExecutionRoleArn: 'arn:aws:iam::111122223333:role/model',
  ArtifactBucketName: 'sagemaker-project-p-abc123def456',
  KmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  AlarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:churn-alarms',
  BatchScheduleRoleArn: 'arn:aws:iam::111122223333:role/churn-staging-batch-schedule',
};

function batchConfig(stage: Stage, batch: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): StageConfig {
  return parseStageConfig(stage, { inference: 'batch', batch, ...extra }, `${stage}.json`);
}

function synth(config: StageConfig, extraTags?: Record<string, string>, nag = false): Template {
  const app = new App();
  const stack = new BatchTransformStack(app, endpointStackName(PROJECT.projectName, PROJECT.projectId, config.stage), {
    ...PROJECT,
    stageConfig: config,
    extraTags,
  });
  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
  }
  return Template.fromStack(stack);
}

/** A template value with the parameters, the model's name and the partition filled in. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ('Ref' in obj) {
    const ref = obj.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref in PARAMETERS) return PARAMETERS[ref];
    if (ref.startsWith('ScheduleGroup')) return 'churn-staging-batch';
    throw new Error(`unresolved Ref ${ref}`);
  }
  if ('Fn::GetAtt' in obj) return 'Model-AbCdEf123456';
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(resolve(p))).join(sep);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v)]));
}

function scheduleInput(template: Template): TransformJobRequest {
  const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
  return JSON.parse(resolve(schedule.Properties.Target.Input) as string) as TransformJobRequest;
}

describe('a batch stage with a daily schedule', () => {
  const config = batchConfig('prod', { schedule: 'cron(0 2 * * ? *)', scheduleTimezone: 'Europe/Paris', instanceCount: 2, joinSource: 'Input' });
  const template = synth(config, { CostCenter: 'ml' });

  test('has no endpoint, one model from the package, a schedule, a failure rule and a dropped-start alarm', () => {
    for (const type of ['AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig', 'AWS::ApplicationAutoScaling::ScalableTarget']) {
      template.resourceCountIs(type, 0);
    }
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ModelName: Match.absent(),
      ExecutionRoleArn: { Ref: 'ModelExecutionRoleArn' },
      PrimaryContainer: { ModelPackageName: { Ref: 'ModelPackageArn' } },
      EnableNetworkIsolation: true,
    });
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    // No roles, buckets, keys, functions: the deploy role manages only what the project allows.
    for (const type of ['AWS::IAM::Role', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Lambda::Function']) {
      template.resourceCountIs(type, 0);
    }
  });

  test('declares the endpoint stack\'s parameters and the schedule role, without defaults', () => {
    for (const name of Object.keys(PARAMETERS)) {
      template.hasParameter(name, { Type: 'String', Default: Match.absent(), AllowedPattern: Match.anyValue() });
    }
    expect(Object.keys(template.toJSON().Parameters).sort()).toEqual(Object.keys(PARAMETERS).sort());
  });

  test('the schedule calls CreateTransformJob directly with the schedule role, in the stage\'s time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'transform',
      GroupName: { Ref: Match.stringLikeRegexp('^ScheduleGroup') },
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:sagemaker:createTransformJob']] },
        RoleArn: { Ref: 'BatchScheduleRoleArn' },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'churn-prod-batch' });
  });

  test('the request reads the input prefix and writes KMS-encrypted output under a dated prefix, tagged', () => {
    const input = scheduleInput(template);
    expect(input).toEqual({
      TransformJobName: 'churn-prod-<aws.scheduler.execution-id>',
      ModelName: 'Model-AbCdEf123456',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://sagemaker-project-p-abc123def456/batch-input/prod/' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
        CompressionType: 'None',
      },
      TransformOutput: {
        S3OutputPath: 's3://sagemaker-project-p-abc123def456/batch-output/prod/<aws.scheduler.scheduled-time>/',
        Accept: 'text/csv',
        AssembleWith: 'Line',
        KmsKeyId: PARAMETERS.KmsKeyArn,
      },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 2, VolumeKmsKeyId: PARAMETERS.KmsKeyArn },
      DataProcessing: { JoinSource: 'Input' },
      Tags: [
        { Key: 'CostCenter', Value: 'ml' },
        { Key: 'sagemaker:project-name', Value: 'churn' },
        { Key: 'sagemaker:project-id', Value: 'p-abc123def456' },
        { Key: 'sagemaker:deployment-stage', Value: 'prod' },
      ],
    });
  });

  test('the request, as the scheduler fills it in, passes CreateTransformJob\'s request shape', () => {
    // What Scheduler sends: its execution id and scheduled time in place of the context attributes.
    const sent = JSON.parse(JSON.stringify(scheduleInput(template))
      .replace('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3')
      .replace('<aws.scheduler.scheduled-time>', '2024-05-01T00:00:00Z'));
    expect(requestProblems('sagemaker', 'CreateTransformJob', sent)).toEqual([]);
    expect(sent.TransformJobName).toBe('churn-prod-d32c5kddcf5bb8c3');
  });

  test('the longest project name still gives job names SageMaker accepts', () => {
    const app = new App();
    const longest = 'a'.repeat(32);
    const stack = new BatchTransformStack(app, 'Longest', { projectName: longest, projectId: 'p-abc123def456', stageConfig: config });
    const input = scheduleInput(Template.fromStack(stack));
    const request = runRequest(input, { runId: 'r'.repeat(16), startedAt: new Date('2024-05-01T00:00:00Z') });
    expect(requestProblems('sagemaker', 'CreateTransformJob', request)).toEqual([]);
  });

  test('the stack output holds the same request for the on-demand command and the staging test', () => {
    const outputs = template.toJSON().Outputs;
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
    expect(outputs.TransformJobDefinition.Value).toEqual(schedule.Properties.Target.Input);
  });

  test('a failed run of this stage notifies the alarm topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'churn-prod-batch-failed',
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Transform Job State Change'],
        'detail': { TransformJobStatus: ['Failed'], TransformJobName: [{ prefix: 'churn-prod-' }] },
      },
      Targets: [{ Id: 'AlarmTopic', Arn: { Ref: 'AlarmTopicArn' } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Scheduler',
      MetricName: 'InvocationDroppedCount',
      Dimensions: [{ Name: 'ScheduleGroup', Value: { Ref: Match.stringLikeRegexp('^ScheduleGroup') } }],
      AlarmActions: [{ Ref: 'AlarmTopicArn' }],
    });
  });

  test('tags the model, the schedule group and the rule with project and stage', () => {
    const tags = Match.arrayWith([
      { Key: 'sagemaker:deployment-stage', Value: 'prod' },
      { Key: 'sagemaker:project-id', Value: 'p-abc123def456' },
      { Key: 'sagemaker:project-name', Value: 'churn' },
    ]);
    for (const type of ['AWS::SageMaker::Model', 'AWS::Scheduler::ScheduleGroup', 'AWS::Events::Rule']) {
      template.hasResourceProperties(type, { Tags: tags });
    }
  });
});

describe('variants', () => {
  test('"networkIsolation": false leaves the model container its network during transform jobs', () => {
    const template = synth(batchConfig('staging', {}, { networkIsolation: false }));
    template.hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: false });
  });

  test('"schedule": "none" (the default) keeps the schedule, disabled: runs are on demand only', () => {
    const template = synth(batchConfig('staging'));
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      State: 'DISABLED',
      ScheduleExpression: 'rate(1 day)',
      ScheduleExpressionTimezone: Match.absent(),
      Description: Match.stringLikeRegexp('npm run batch-run -- staging'),
    });
  });

  test('instance storage families get no volume key; other settings pass through', () => {
    const template = synth(batchConfig('staging', {
      instanceType: 'ml.g5.xlarge', splitType: 'None', contentType: 'application/x-npy', accept: 'application/json',
      batchStrategy: 'SingleRecord', maxPayloadInMB: 20, maxConcurrentTransforms: 5, input: 'batch-input/staging/images/', output: 'batch-output/staging/scores/',
    }));
    const input = scheduleInput(template);
    expect(input.TransformResources).toEqual({ InstanceType: 'ml.g5.xlarge', InstanceCount: 1 });
    expect(input).toMatchObject({ BatchStrategy: 'SingleRecord', MaxPayloadInMB: 20, MaxConcurrentTransforms: 5 });
    expect(input.TransformInput).toMatchObject({ SplitType: 'None', ContentType: 'application/x-npy' });
    expect(input.TransformOutput).toMatchObject({ AssembleWith: 'None', Accept: 'application/json', S3OutputPath: expect.stringContaining('/batch-output/staging/scores/') });
    expect(requestProblems('sagemaker', 'CreateTransformJob', runRequest(input, { runId: 'r1', startedAt: new Date() }))).toEqual([]);
  });

  test('is clean under the cdk-nag AwsSolutions checks', () => {
    expect(() => synth(batchConfig('staging', { schedule: 'rate(1 day)' }), undefined, true)).not.toThrow();
  });

  test('refuses a real-time stage configuration', () => {
    const app = new App();
    expect(() => new BatchTransformStack(app, 'X', { ...PROJECT, stageConfig: parseStageConfig('staging', {}, 'staging.json') }))
      .toThrow('staging.json: a batch stack needs "inference": "batch"');
  });
});

test('the request-shape check itself finds what SageMaker would refuse', () => {
  expect(requestProblems('sagemaker', 'CreateTransformJob', {
    TransformJobName: `${'a'.repeat(60)}-toolong`,
    ModelName: 'm',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 'bucket/key' } }, SplitType: 'line' },
    TransformOutput: { S3OutputPath: 's3://b/k/', Unknown: 1 },
    TransformResources: { InstanceType: 'ml.t2.medium', InstanceCount: 0 },
  })).toEqual([
    expect.stringMatching(/^CreateTransformJob\.TransformJobName: must have at most 63 characters/),
    expect.stringMatching(/^CreateTransformJob\.TransformJobName: must match/),
    expect.stringMatching(/^CreateTransformJob\.TransformInput\.DataSource\.S3DataSource\.S3Uri: must match/),
    expect.stringMatching(/^CreateTransformJob\.TransformInput\.SplitType: must be one of None, Line/),
    'CreateTransformJob.TransformOutput.Unknown: is not a member of TransformOutput',
    expect.stringMatching(/^CreateTransformJob\.TransformResources\.InstanceType: must be one of/),
    expect.stringMatching(/^CreateTransformJob\.TransformResources\.InstanceCount: must be at least 1/),
  ]);
});
