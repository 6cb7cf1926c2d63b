import * as fs from 'fs';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  EndpointStack,
  endpointStackName,
  loadStageConfig,
  parseStageConfig,
  Stage,
  StageConfig,
} from '../lib/endpoint-stack';

const PROJECT = { projectName: 'churn', projectId: 'p-abc123def456' };
/** The tests' own stage files (test/fixtures/config); the repository's config/ is the user's. */
const FIXTURES = path.join(__dirname, 'fixtures', 'config');

function synth(stageConfig: StageConfig, extraTags?: Record<string, string>): Template {
  const app = new App();
  const stack = new EndpointStack(app, endpointStackName(PROJECT.projectName, PROJECT.projectId, stageConfig.stage), {
    ...PROJECT,
    stageConfig,
    extraTags,
  });
  return Template.fromStack(stack);
}

// CDK renders tags sorted by key; arrayWith matches in order.
const STAGE_TAGS = (stage: Stage) => Match.arrayWith([
  { Key: 'sagemaker:deployment-stage', Value: stage },
  { Key: 'sagemaker:project-id', Value: 'p-abc123def456' },
  { Key: 'sagemaker:project-name', Value: 'churn' },
]);

describe.each<[Stage, number, number]>([
  ['staging', 1, 100],
  ['prod', 2, 80],
])('%s stack from the first-shipped configuration (fixtures)', (stage, instanceCount, sampling) => {
  const template = synth(loadStageConfig(stage, FIXTURES));

  test('takes package, role, bucket, key and alarm topic as parameters without defaults', () => {
    for (const name of ['ModelPackageArn', 'ModelExecutionRoleArn', 'ArtifactBucketName', 'KmsKeyArn', 'AlarmTopicArn']) {
      template.hasParameter(name, { Type: 'String', Default: Match.absent(), AllowedPattern: Match.anyValue() });
    }
  });

  test('creates the model from the model package with the passed-in role and no name, network-isolated', () => {
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      ModelName: Match.absent(),
      ExecutionRoleArn: { Ref: 'ModelExecutionRoleArn' },
      PrimaryContainer: { ModelPackageName: { Ref: 'ModelPackageArn' } },
      EnableNetworkIsolation: true,
    });
  });

  test('configures one AllTraffic variant with the volume key and data capture of input and output', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      EndpointConfigName: Match.absent(),
      KmsKeyId: { Ref: 'KmsKeyArn' },
      ProductionVariants: [{
        VariantName: 'AllTraffic',
        ModelName: { 'Fn::GetAtt': ['Model', 'ModelName'] },
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: instanceCount,
        InitialVariantWeight: 1,
      }],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: sampling,
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: 'ArtifactBucketName' }, `/datacapture-${stage}`]] },
        KmsKeyId: { Ref: 'KmsKeyArn' },
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
    });
  });

  test(`names the endpoint churn-${stage} and rolls back on both alarms`, () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: `churn-${stage}`,
      EndpointConfigName: { 'Fn::GetAtt': ['EndpointConfig', 'EndpointConfigName'] },
      DeploymentConfig: {
        AutoRollbackConfiguration: {
          Alarms: [
            { AlarmName: { Ref: Match.stringLikeRegexp('^AlarmsInvocation5XXErrors') } },
            { AlarmName: { Ref: Match.stringLikeRegexp('^AlarmsModelLatency') } },
          ],
        },
      },
    });
  });

  test('alarms on 5XX errors and model latency of the variant, unnamed, idle is healthy', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.absent(),
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'EndpointName', Value: `churn-${stage}` }, { Name: 'VariantName', Value: 'AllTraffic' }],
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.absent(),
      MetricName: 'ModelLatency',
      Statistic: 'Average',
      // 1000 ms in microseconds, the unit of ModelLatency
      Threshold: 1_000_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('both alarms notify the alarm topic parameter when they fire and when they recover', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect([alarm.Properties.AlarmActions, alarm.Properties.OKActions]).toEqual([[{ Ref: 'AlarmTopicArn' }], [{ Ref: 'AlarmTopicArn' }]]);
      expect(alarm.Properties.InsufficientDataActions).toBeUndefined();
    }
  });

  test('tags every taggable resource with project name, id and stage', () => {
    for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint', 'AWS::CloudWatch::Alarm']) {
      const resources = template.findResources(type);
      expect(Object.keys(resources).length).toBeGreaterThan(0);
      for (const resource of Object.values(resources)) {
        expect(resource.Properties.Tags).toEqual(expect.arrayContaining([
          { Key: 'sagemaker:project-name', Value: 'churn' },
          { Key: 'sagemaker:project-id', Value: 'p-abc123def456' },
          { Key: 'sagemaker:deployment-stage', Value: stage },
        ]));
      }
    }
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { Tags: STAGE_TAGS(stage) });
  });

  test('creates only resource types the deploy role may manage, and no assets or bootstrap rule', () => {
    const json = template.toJSON();
    const types = new Set(Object.values(json.Resources as Record<string, { Type: string }>).map((r) => r.Type));
    const allowed = [
      'AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint',
      'AWS::CloudWatch::Alarm', 'AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::ApplicationAutoScaling::ScalingPolicy',
    ];
    expect([...types].filter((t) => !allowed.includes(t))).toEqual([]);
    expect(json.Rules).toBeUndefined();
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/cdk-hnb659fds|AssetParameters|CDKMetadata/);
  });
});

describe('parameter patterns', () => {
  const parameters = synth(loadStageConfig('prod', FIXTURES)).toJSON().Parameters;
  const allows = (name: string, value: string) => new RegExp(parameters[name].AllowedPattern).test(value);

  test.each([
    ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', true],
    // a target account's key, known to the project by its alias
    ['arn:aws:kms:us-east-1:222222222222:alias/churn-p-abc123def456-prod', true],
    ['arn:aws-cn:kms:cn-north-1:222222222222:alias/team/capture_key', true],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', false],
    ['alias/capture', false],
    ['arn:aws:s3:::bucket', false],
  ])("KmsKeyArn '%s' allowed: %s", (value, allowed) => {
    expect(allows('KmsKeyArn', value)).toBe(allowed);
  });
});

describe('staging specifics', () => {
  const template = synth(loadStageConfig('staging', FIXTURES));

  test('shifts all traffic at once with an explicit zero wait interval and keeps the old fleet for 5 minutes', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          // The API requires WaitIntervalInSeconds for every routing type, ALL_AT_ONCE included.
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0, CanarySize: Match.absent() },
          TerminationWaitInSeconds: 300,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
      },
    });
  });

  test('does not autoscale', () => {
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
  });
});

describe('prod specifics', () => {
  const template = synth(loadStageConfig('prod', FIXTURES));

  test('shifts traffic by a canary of one instance, waits 10 minutes, keeps the old fleet 10 minutes', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 }, WaitIntervalInSeconds: 600 },
          TerminationWaitInSeconds: 600,
        },
      },
    });
  });

  test('scales the variant 2-4 on invocations per instance, through the service-linked role', () => {
    template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      Properties: {
        ServiceNamespace: 'sagemaker',
        ResourceId: 'endpoint/churn-prod/variant/AllTraffic',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 2,
        MaxCapacity: 4,
        RoleARN: Match.absent(),
      },
      DependsOn: ['Endpoint'],
    });
  });

  test('tags the scalable target with the project and the stage, which the deploy role requires to register and change it', () => {
    template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      Properties: { Tags: STAGE_TAGS('prod') },
      // cfn-lint 1.51's schema predates the property: its unknown-property rule skips this resource only.
      Metadata: { 'cfn-lint': { config: { ignore_checks: ['E3002'] } } },
    });
    // The policies attach to that target (its Ref), not to another registration of the variant.
    for (const policy of Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'))) {
      expect(policy.Properties.ScalingTargetId).toEqual({ Ref: 'ScalableTarget' });
    }
  });

  test('the project\'s own tags reach the scalable target too, and cannot replace the project id or stage', () => {
    const tagged = synth(loadStageConfig('prod', FIXTURES), { team: 'ml', 'sagemaker:project-id': 'p-other0000000' });
    tagged.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      Tags: Match.arrayWith([{ Key: 'sagemaker:project-id', Value: 'p-abc123def456' }, { Key: 'team', Value: 'ml' }]),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: 'ScalableTarget' },
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 100,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
  });
});

describe('overrides', () => {
  test('"networkIsolation": false leaves the model container its network (an image of your own that calls out)', () => {
    const template = synth(parseStageConfig('staging', { networkIsolation: false }, 'staging.json'));
    template.hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: false });
  });

  test('serverless staging: serverless variant, no volume key, no capture, no deployment policy', () => {
    // GIVEN
    const config = parseStageConfig('staging', { serverless: { memorySizeInMB: 3072, maxConcurrency: 8 } }, 'staging.json');

    // WHEN
    const template = synth(config);

    // THEN
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: Match.absent(),
      DataCaptureConfig: Match.absent(),
      ProductionVariants: [{
        VariantName: 'AllTraffic',
        ModelName: Match.anyValue(),
        ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 8 },
        InstanceType: Match.absent(),
        InitialInstanceCount: Match.absent(),
      }],
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'churn-staging', DeploymentConfig: Match.absent() });
    expect(Object.keys(template.toJSON().Parameters).sort()).toEqual(['AlarmTopicArn', 'ModelExecutionRoleArn', 'ModelPackageArn']);
  });

  test('instance storage family: no volume key, capture still encrypted with the project key', () => {
    const template = synth(parseStageConfig('prod', { instanceType: 'ml.g5.xlarge' }, 'prod.json'));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: Match.absent(),
      DataCaptureConfig: Match.objectLike({ KmsKeyId: { Ref: 'KmsKeyArn' } }),
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.g5.xlarge' })],
    });
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['all at once in prod', { deployment: { trafficShifting: 'ALL_AT_ONCE' } }, { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }],
    ['a canary with no wait', { instanceCount: 4, deployment: { canaryInstanceCount: 2, canaryWaitMinutes: 0 } },
      { Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 2 }, WaitIntervalInSeconds: 0 }],
    ['a canary of 30 minutes', { deployment: { canaryWaitMinutes: 30 } }, { Type: 'CANARY', CanarySize: Match.anyValue(), WaitIntervalInSeconds: 1800 }],
  ])('%s: the traffic routing always sets WaitIntervalInSeconds', (_, raw, routing) => {
    const template = synth(parseStageConfig('prod', raw, 'prod.json'));
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: routing } },
    });
  });

  test('data capture off: no DataCaptureConfig', () => {
    const template = synth(parseStageConfig('prod', { dataCapture: { enabled: false } }, 'prod.json'));
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { DataCaptureConfig: Match.absent() });
  });

  test('auto-rollback off: blue/green without alarms', () => {
    const template = synth(parseStageConfig('prod', { deployment: { autoRollback: false } }, 'prod.json'));
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: { AutoRollbackConfiguration: Match.absent(), BlueGreenUpdatePolicy: Match.anyValue() },
    });
  });

  test('alarm thresholds and periods follow the configuration', () => {
    const template = synth(parseStageConfig('prod', { alarms: { invocation5xxErrors: 5, modelLatencyMs: 250, periodSeconds: 300, evaluationPeriods: 3 } }, 'prod.json'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Threshold: 5, Period: 300, EvaluationPeriods: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Threshold: 250_000, Period: 300, EvaluationPeriods: 3 });
  });

  test('project tags reach every resource, but cannot override the sagemaker: tags', () => {
    const template = synth(loadStageConfig('staging', FIXTURES), { 'cost-center': 'ml-42', 'sagemaker:deployment-stage': 'oops' });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Tags: Match.arrayWith([{ Key: 'cost-center', Value: 'ml-42' }, { Key: 'sagemaker:deployment-stage', Value: 'staging' }]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Tags: Match.arrayWith([{ Key: 'cost-center', Value: 'ml-42' }]) });
  });
});

describe('project naming', () => {
  test.each<[string, string, string, string]>([
    ['the project name has a space', 'my project', 'p-1', "`projectName` must be 1-32 letters, digits or hyphens, starting with a letter; got 'my project'"],
    ['the project name starts with a digit', '1churn', 'p-1', "got '1churn'"],
    ['the project name is longer than 32 characters', 'a'.repeat(33), 'p-1', `got '${'a'.repeat(33)}'`],
    ['the project id has a slash', 'churn', 'p/1', "`projectId` must be 1-20 letters, digits or hyphens (e.g. p-abcdef123456); got 'p/1'"],
  ])('fails when %s', (_, projectName, projectId, message) => {
    expect(() => new EndpointStack(new App(), 'S', { projectName, projectId, stageConfig: loadStageConfig('staging', FIXTURES) })).toThrow(message);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions finds nothing on either stage stack', () => {
    // GIVEN
    const app = new App();
    const stacks = (['staging', 'prod'] as const).map((stage) =>
      new EndpointStack(app, endpointStackName('churn', 'p-abc123def456', stage), { ...PROJECT, stageConfig: loadStageConfig(stage, FIXTURES) }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // WHEN
    const assembly = app.synth();

    // THEN: a finding would have thrown ValidationFailed; the report lists no violations
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
    expect(violations).toEqual([]);
    expect(stacks).toHaveLength(2);
  });

  test('the checks are live: a finding fails synth', () => {
    // GIVEN a stack with a resource AwsSolutions flags (a notebook outside a VPC)
    const app = new App();
    const stack = new EndpointStack(app, 'S', { ...PROJECT, stageConfig: loadStageConfig('staging', FIXTURES) });
    new sagemaker.CfnNotebookInstance(stack, 'Notebook', { instanceType: 'ml.t3.medium', roleArn: 'arn:aws:iam::123456789012:role/x' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-SM1/);
  });
});
