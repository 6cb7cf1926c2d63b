/**
 * A real-time stage that scales to zero (`"autoscaling": {"minCapacity": 0, ...}`): an endpoint
 * hosting the model as an inference component, managed instance scaling down to 0, and the
 * scale-out from zero AWS documents (a step policy on the NoCapacityInvocationFailures alarm).
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { requestProblems } from './support/api-shapes';
import {
  EndpointStack,
  endpointStackName,
  INFERENCE_COMPONENT_COPY,
  inferenceComponentName,
  parseStageConfig,
  scalesToZero,
  StageConfig,
  StageConfigError,
} from '../lib/endpoint-stack';

const PROJECT = { projectName: 'churn', projectId: 'p-abc123def456' };
const TO_ZERO = { autoscaling: { minCapacity: 0, maxCapacity: 2 } };

function synth(stageConfig: StageConfig): Template {
  const app = new App();
  const stack = new EndpointStack(app, endpointStackName(PROJECT.projectName, PROJECT.projectId, stageConfig.stage), { ...PROJECT, stageConfig });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws on a cdk-nag finding.
  app.synth();
  return Template.fromStack(stack);
}

const PARAMETERS: Record<string, string> = {
  ModelExecutionRoleArn: 'arn:aws:iam::111111111111:role/model',
  KmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  AlarmTopicArn: 'arn:aws:sns:eu-west-1:111111111111:alarms',
};

/** A template value as the API sees it: parameters, names and ARNs filled in. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if ('Ref' in obj) {
    const ref = obj.Ref as string;
    if (ref in PARAMETERS) return PARAMETERS[ref];
    return `${ref}-generated-name`;
  }
  if ('Fn::GetAtt' in obj) {
    const [resource] = obj['Fn::GetAtt'] as [string, string];
    return resource === 'Endpoint' ? 'churn-staging' : 'Model-AbCdEf123456';
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v)]));
}

function only(template: Template, type: string): Record<string, unknown> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as Record<string, unknown>;
}

function props(template: Template, type: string): Record<string, unknown> {
  return only(template, type).Properties as Record<string, unknown>;
}

describe('stage settings', () => {
  test('minCapacity 0 is accepted and makes the stage scale to zero, with capture off and all-at-once updates by default', () => {
    const config = parseStageConfig('prod', { ...TO_ZERO, instanceCount: 1 }, 'prod.json');
    expect(scalesToZero(config)).toBe(true);
    expect(config.dataCapture.enabled).toBe(false);
    expect(config.deployment?.trafficShifting).toBe('ALL_AT_ONCE');
    expect(scalesToZero(parseStageConfig('prod', {}, 'prod.json'))).toBe(false);
  });

  test('the staging smoke test gets a cold-start bound only when staging scales to zero', () => {
    expect(parseStageConfig('staging', TO_ZERO, 'staging.json').smokeTest?.coldStartTimeoutMinutes).toBe(15);
    expect(parseStageConfig('staging', {}, 'staging.json').smokeTest?.coldStartTimeoutMinutes).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['data capture is asked for', { ...TO_ZERO, dataCapture: { enabled: true } },
      "staging.json: 'dataCapture.enabled' is not offered with 'autoscaling.minCapacity' 0 (an endpoint with inference components, where this seed has not verified data capture); set it to false, or set 'autoscaling.minCapacity' to 1 or more; got true"],
    ['a canary is asked for', { ...TO_ZERO, instanceCount: 2, deployment: { trafficShifting: 'CANARY' } },
      "staging.json: 'deployment.trafficShifting' is not supported with 'autoscaling.minCapacity' 0 (the inference component is updated by a rolling update, one copy at a time); use ALL_AT_ONCE; got 'CANARY'"],
    ['a cold-start bound is set on a stage that does not scale to zero', { smokeTest: { coldStartTimeoutMinutes: 10 } },
      "staging.json: 'smokeTest.coldStartTimeoutMinutes' only applies when 'autoscaling.minCapacity' is 0 (a stage that scales to zero); remove it; got 10"],
    ['the cold-start bound is shorter than a start from zero', { ...TO_ZERO, smokeTest: { coldStartTimeoutMinutes: 2 } },
      "staging.json: 'smokeTest.coldStartTimeoutMinutes' must be a whole number from 5 to 60; got 2"],
    ['minCapacity is negative', { autoscaling: { minCapacity: -1, maxCapacity: 2 } },
      "staging.json: 'autoscaling.minCapacity' must be a whole number from 0 to 100; got -1"],
    ['the initial instances exceed maxCapacity', { ...TO_ZERO, instanceCount: 3 },
      "staging.json: 'instanceCount' must lie between 'autoscaling.minCapacity' (0) and 'autoscaling.maxCapacity' (2); got 3"],
  ])('one line naming setting, value and what is allowed when %s', (_, raw, message) => {
    let error: StageConfigError | undefined;
    try {
      parseStageConfig('staging', raw, 'staging.json');
    } catch (e) {
      error = e as StageConfigError;
    }
    expect(error?.problems).toEqual([message]);
  });
});

describe('synthesis of a staging stage with "autoscaling": {"minCapacity": 0, "maxCapacity": 2}', () => {
  const config = parseStageConfig('staging', TO_ZERO, 'staging.json');
  const template = synth(config);
  const component = inferenceComponentName('churn-staging');

  test('the endpoint configuration has one variant without a model, managed instance scaling 0-2, and the model role', () => {
    const endpointConfig = props(template, 'AWS::SageMaker::EndpointConfig');
    expect(endpointConfig).toMatchObject({
      ExecutionRoleArn: { Ref: 'ModelExecutionRoleArn' },
      KmsKeyId: { Ref: 'KmsKeyArn' },
      ProductionVariants: [{
        VariantName: 'AllTraffic',
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 },
        RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
      }],
    });
    const variant = (endpointConfig.ProductionVariants as Record<string, unknown>[])[0];
    expect(variant.ModelName).toBeUndefined();
    expect(variant.InitialVariantWeight).toBeUndefined();
    expect(endpointConfig.DataCaptureConfig).toBeUndefined();
    // The request CloudFormation sends is valid for the API (required members, types, enums).
    expect(requestProblems('sagemaker', 'CreateEndpointConfig', { EndpointConfigName: 'c', ...resolve(endpointConfig) as object })).toEqual([]);
  });

  test('the model is an inference component on that endpoint, one copy to start', () => {
    const ic = props(template, 'AWS::SageMaker::InferenceComponent');
    expect(ic).toMatchObject({
      InferenceComponentName: component,
      EndpointName: { 'Fn::GetAtt': ['Endpoint', 'EndpointName'] },
      VariantName: 'AllTraffic',
      Specification: {
        ModelName: { 'Fn::GetAtt': ['Model', 'ModelName'] },
        ComputeResourceRequirements: { MinMemoryRequiredInMb: INFERENCE_COMPONENT_COPY.minMemoryRequiredInMb, NumberOfCpuCoresRequired: 1 },
      },
      RuntimeConfig: { CopyCount: 1 },
      Tags: expect.arrayContaining([{ Key: 'sagemaker:project-id', Value: 'p-abc123def456' }]),
    });
    const { DeploymentConfig, ...create } = resolve(ic) as Record<string, unknown>;
    expect(requestProblems('sagemaker', 'CreateInferenceComponent', create)).toEqual([]);
    // A new model reaches SageMaker as UpdateInferenceComponent with the deployment config.
    expect(requestProblems('sagemaker', 'UpdateInferenceComponent', {
      InferenceComponentName: create.InferenceComponentName,
      Specification: create.Specification,
      RuntimeConfig: create.RuntimeConfig,
      DeploymentConfig,
    })).toEqual([]);
  });

  test('copies scale 0-2 on invocations per copy, through the service-linked role', () => {
    template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      Properties: {
        ServiceNamespace: 'sagemaker',
        ResourceId: `inference-component/${component}`,
        ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
        MinCapacity: 0,
        MaxCapacity: 2,
        RoleARN: Match.absent(),
        // The project id and stage the deploy role requires to register and change it.
        Tags: Match.arrayWith([{ Key: 'sagemaker:deployment-stage', Value: 'staging' }, { Key: 'sagemaker:project-id', Value: PROJECT.projectId }]),
      },
      DependsOn: ['InferenceComponent'],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: { Ref: 'ScalableTarget' },
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
        TargetValue: 100,
      },
    });
  });

  test('the first request that finds no capacity adds a copy: alarm on NoCapacityInvocationFailures >= 1 acting on a step policy', () => {
    const policies = template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', { Properties: { PolicyType: 'StepScaling' } });
    const [stepId, step] = Object.entries(policies)[0];
    expect(Object.keys(policies)).toHaveLength(1);
    expect(step.Properties).toMatchObject({
      ScalingTargetId: { Ref: 'ScalableTarget' },
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        MetricAggregationType: 'Maximum',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
    const wake = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'NoCapacityInvocationFailures' } });
    expect(Object.values(wake).map((a) => a.Properties)).toEqual([expect.objectContaining({
      Namespace: 'AWS/SageMaker',
      Dimensions: [{ Name: 'InferenceComponentName', Value: component }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      // A single failed request must wake the endpoint (GreaterThanThreshold 1 would need two).
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: stepId }],
    })]);
    const alarm = resolve(Object.values(wake)[0].Properties) as Record<string, unknown>;
    expect(requestProblems('cloudwatch', 'PutMetricAlarm', { AlarmName: 'a', ...alarm, AlarmActions: ['arn:aws:autoscaling:eu-west-1:111111111111:scalingPolicy:1:resource/sagemaker/inference-component/x:policyName/y'] })).toEqual([]);
  });

  test('rollback: a new model replaces copies one at a time and rolls back on the 5XX or latency alarm of the component', () => {
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      DeploymentConfig: {
        RollingUpdatePolicy: {
          MaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 },
          RollbackMaximumBatchSize: { Type: 'COPY_COUNT', Value: 1 },
          // deployment.terminationWaitMinutes (5) and maximumExecutionTimeoutMinutes (60)
          WaitIntervalInSeconds: 300,
          MaximumExecutionTimeoutInSeconds: 3600,
        },
        AutoRollbackConfiguration: {
          Alarms: [
            { AlarmName: { Ref: Match.stringLikeRegexp('^AlarmsInvocation5XXErrors') } },
            { AlarmName: { Ref: Match.stringLikeRegexp('^AlarmsModelLatency') } },
          ],
        },
      },
    });
    for (const metric of ['Invocation5XXErrors', 'ModelLatency']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [{ Name: 'InferenceComponentName', Value: component }],
        AlarmActions: [{ Ref: 'AlarmTopicArn' }],
      });
    }
    // The endpoint configuration names no model, so a new model never updates the endpoint:
    // its blue/green policy would never run, and is left out.
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'churn-staging', DeploymentConfig: Match.absent() });
  });

  test('rollback off: the rolling update has no alarms', () => {
    const off = synth(parseStageConfig('staging', { ...TO_ZERO, deployment: { autoRollback: false } }, 'staging.json'));
    expect((props(off, 'AWS::SageMaker::InferenceComponent').DeploymentConfig as Record<string, unknown>).AutoRollbackConfiguration).toBeUndefined();
  });

  test('teardown: deleting the stack removes policies, target, component, endpoint in that order (each depends on the next)', () => {
    const json = template.toJSON().Resources as Record<string, { DependsOn?: string[]; Properties: unknown }>;
    const refersTo = (id: string, other: string) => (json[id].DependsOn ?? []).includes(other) || JSON.stringify(json[id].Properties).includes(`"${other}"`);
    for (const [id, resource] of Object.entries(json)) {
      if ((resource as unknown as { Type: string }).Type === 'AWS::ApplicationAutoScaling::ScalingPolicy') {
        expect(refersTo(id, 'ScalableTarget')).toBe(true);
      }
    }
    expect(refersTo('ScalableTarget', 'InferenceComponent')).toBe(true);
    expect(refersTo('InferenceComponent', 'Endpoint')).toBe(true);
    expect(refersTo('InferenceComponent', 'Model')).toBe(true);
    // Nothing the stack made outlives it: no resource is retained on delete.
    expect(Object.values(template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>)
      .filter((r) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate')).toEqual([]);
  });

  test('the endpoint is not tagged as an autoscaled variant (its variant is not registered; the component is)', () => {
    const tags = (props(template, 'AWS::SageMaker::Endpoint').Tags as { Key: string }[]).map((t) => t.Key);
    expect(tags).not.toContain('model-deploy:autoscaled-instance-type');
  });
});
