import {
  CfnParameter,
  DefaultStackSynthesizer,
  Fn,
  Stack,
  StackProps,
  Tags,
  Token,
} from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { InstanceHosting, scalesToZero, StageConfig, TrafficShifting } from './stage-config';

export * from './stage-config';

/** Name of the only production variant; blue/green updates require it to stay the same. */
export const VARIANT_NAME = 'AllTraffic';

/**
 * CloudFormation parameters of the endpoint stack, set by the template configuration files
 * (`<stage>.config.json`) the build writes. They are parameters rather than synth-time values so
 * the template a reader sees with `cdk synth` is byte for byte the one that gets deployed.
 */
export const ENDPOINT_STACK_PARAMETERS = {
  /** ARN of the approved model package (versioned) to deploy. */
  modelPackageArn: 'ModelPackageArn',
  /** ARN of the role SageMaker assumes to pull the model image and artifacts. */
  modelExecutionRoleArn: 'ModelExecutionRoleArn',
  /**
   * Name of the data capture bucket (the project bucket, or the target account's bucket when the
   * stage deploys in another account); data capture goes to `s3://<bucket>/datacapture-<stage>`.
   * Only when capturing.
   */
  artifactBucketName: 'ArtifactBucketName',
  /** ARN of the KMS key (or alias) that encrypts captured data and, where allowed, the ML volume. Only when used. */
  kmsKeyArn: 'KmsKeyArn',
  /** ARN of the project's SNS topic; both alarms notify it when they fire and when they recover. */
  alarmTopicArn: 'AlarmTopicArn',
} as const;

/** A versioned model package ARN (the endpoint stack's `ModelPackageArn` parameter, the build's `MODEL_PACKAGE_ARN`). */
export const MODEL_PACKAGE_ARN_PATTERN = '^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[a-zA-Z0-9-]+/[0-9]+$';

/** A standard SNS topic ARN (the endpoint stack's `AlarmTopicArn` parameter, the build's `ALARM_TOPIC_ARN`). */
export const SNS_TOPIC_ARN_PATTERN = '^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$';

/**
 * Tag on the endpoint of a stage that autoscales: the instance type of its variant, which is
 * registered with Application Auto Scaling. SageMaker refuses an update that changes the instance
 * type of (or removes) a registered variant, and CloudFormation deregisters a removed scalable
 * target only in the cleanup after the endpoint update, so the build reads this tag and refuses a
 * stage file that changes the type of an autoscaled variant (see `lib/autoscaling-update.ts`).
 */
export const AUTOSCALED_INSTANCE_TYPE_TAG = 'model-deploy:autoscaled-instance-type';

/**
 * Memory and CPU one copy of the model reserves on an instance, when the stage scales to zero
 * (`autoscaling.minCapacity` 0). Sized for the seed's XGBoost models; the smallest supported
 * hosting instances (2 vCPU, 4 GiB or more) hold one copy.
 */
export const INFERENCE_COMPONENT_COPY = { minMemoryRequiredInMb: 1024, numberOfCpuCoresRequired: 1 } as const;

/**
 * Name of the inference component that serves the model of a stage that scales to zero:
 * `<endpoint name>-model`. Fixed (not generated) because Application Auto Scaling registers it by
 * name and the smoke test invokes it by name; a new model updates it in place.
 */
export function inferenceComponentName(endpoint: string): string {
  return `${endpoint}-model`;
}

/** Tag keys SageMaker Studio uses to relate resources to a project and a stage. */
export const TAG_KEYS = {
  projectName: 'sagemaker:project-name',
  projectId: 'sagemaker:project-id',
  deploymentStage: 'sagemaker:deployment-stage',
} as const;

/** Properties of {@link EndpointStack}. */
export interface EndpointStackProps extends StackProps {
  /**
   * SageMaker project name; the endpoint is named `<projectName>-<stage>`.
   * 1-32 letters, digits or hyphens, starting with a letter.
   */
  readonly projectName: string;
  /** SageMaker project id (e.g. `p-abcdef123456`), written to the `sagemaker:project-id` tag. */
  readonly projectId: string;
  /** Validated stage configuration, from {@link loadStageConfig} or {@link parseStageConfig}. */
  readonly stageConfig: StageConfig;
  /**
   * Extra tags for every resource (the project's tags).
   * @default - only the three `sagemaker:` tags
   */
  readonly extraTags?: Record<string, string>;
}

const PROJECT_NAME_PATTERN = /^[a-zA-Z](-*[a-zA-Z0-9])*$/;
const PROJECT_ID_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/**
 * One stage of the model's SageMaker endpoint: Model, EndpointConfig, Endpoint `<name>-<stage>`,
 * the alarms that roll a bad update back, and (when configured) autoscaling.
 *
 * The alarms notify the project's SNS topic (the `AlarmTopicArn` parameter).
 *
 * The stack creates no IAM roles, buckets, keys, Lambda functions or assets: the CloudFormation
 * deploy role only has to manage SageMaker, CloudWatch alarm and Application Auto Scaling
 * resources, and the template deploys directly from a CodePipeline CloudFormation action.
 * Model and EndpointConfig are left unnamed so a new model package produces new ones and the
 * endpoint update is a SageMaker blue/green update.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
 */
export class EndpointStack extends Stack {
  /** Name of the endpoint, `<projectName>-<stage>`. */
  public readonly endpointName: string;
  /** The endpoint resource. */
  public readonly endpoint: sagemaker.CfnEndpoint;
  /** Fires on server errors; watched by blue/green updates. */
  public readonly errorAlarm: cloudwatch.CfnAlarm;
  /** Fires on high model latency; watched by blue/green updates. */
  public readonly latencyAlarm: cloudwatch.CfnAlarm;
  /** Name of the inference component serving the model, when the stage scales to zero. */
  public readonly inferenceComponentName?: string;

  constructor(scope: Construct, id: string, props: EndpointStackProps) {
    validateProjectNaming(props.projectName, props.projectId);
    super(scope, id, {
      // No bootstrap version rule and no assets: a CloudFormation action deploys the template as is.
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      description: `SageMaker endpoint ${props.projectName}-${props.stageConfig.stage} of project ${props.projectName} (${props.projectId}), from the model-deploy seed`,
      ...props,
    });
    const config = props.stageConfig;
    this.endpointName = endpointName(props.projectName, config.stage);

    const modelPackageArn = new CfnParameter(this, ENDPOINT_STACK_PARAMETERS.modelPackageArn, {
      type: 'String',
      description: 'ARN of the approved model package version to deploy',
      allowedPattern: MODEL_PACKAGE_ARN_PATTERN,
      constraintDescription: 'must be the ARN of a versioned model package',
    });
    const modelExecutionRoleArn = new CfnParameter(this, ENDPOINT_STACK_PARAMETERS.modelExecutionRoleArn, {
      type: 'String',
      description: 'ARN of the IAM role SageMaker assumes to run the model',
      allowedPattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
      constraintDescription: 'must be an IAM role ARN',
    });
    // Bucket and key are declared only when used (a serverless endpoint without data capture uses
    // neither): an unused parameter is a template smell, and the build's template configuration
    // passes exactly the parameters the template declares.
    const usesKey = config.dataCapture.enabled || (config.hosting.kind === 'instance' && config.hosting.encryptVolume);
    const artifactBucketName = config.dataCapture.enabled ? new CfnParameter(this, ENDPOINT_STACK_PARAMETERS.artifactBucketName, {
      type: 'String',
      description: 'Project bucket; data capture is written under datacapture-<stage>/',
      allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      constraintDescription: 'must be an S3 bucket name',
    }).valueAsString : undefined;
    const kmsKeyArn = usesKey ? new CfnParameter(this, ENDPOINT_STACK_PARAMETERS.kmsKeyArn, {
      type: 'String',
      description: 'ARN of the KMS key, or of an alias of it, for data capture and the ML storage volume (the project key, or the target account\'s)',
      // An alias ARN too: a target account's key is made by another stack, and the project knows
      // it only by its alias. SageMaker accepts both forms for both uses.
      allowedPattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[a-zA-Z0-9-]+|alias/[a-zA-Z0-9/_-]+)$',
      constraintDescription: 'must be a KMS key ARN or a KMS alias ARN',
    }).valueAsString : undefined;

    // Always declared and always an action: Control Tower's CT.CLOUDWATCH.PR.1 wants every alarm
    // to have one, and an alarm that rolls an update back should also tell someone.
    const alarmTopicArn = new CfnParameter(this, ENDPOINT_STACK_PARAMETERS.alarmTopicArn, {
      type: 'String',
      description: 'ARN of the SNS topic the endpoint alarms notify (the project\'s alarm topic)',
      allowedPattern: SNS_TOPIC_ARN_PATTERN,
      constraintDescription: 'must be the ARN of a standard SNS topic',
    }).valueAsString;

    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: modelExecutionRoleArn.valueAsString,
      primaryContainer: { modelPackageName: modelPackageArn.valueAsString },
      enableNetworkIsolation: config.networkIsolation,
    });

    const toZero = scalesToZero(config);
    const endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [productionVariant(config, model.attrModelName)],
      // An endpoint that hosts inference components needs a role of its own (the model's).
      executionRoleArn: toZero ? modelExecutionRoleArn.valueAsString : undefined,
      kmsKeyId: config.hosting.kind === 'instance' && config.hosting.encryptVolume ? kmsKeyArn : undefined,
      dataCaptureConfig: config.dataCapture.enabled ? {
        enableCapture: true,
        initialSamplingPercentage: config.dataCapture.samplingPercentage,
        destinationS3Uri: Fn.join('', ['s3://', artifactBucketName!, `/datacapture-${config.stage}`]),
        kmsKeyId: kmsKeyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
        captureContentTypeHeader: { csvContentTypes: ['text/csv'] },
      } : undefined,
    });

    // Scaling to zero, the model's invocation metrics are published per inference component.
    this.inferenceComponentName = toZero ? inferenceComponentName(this.endpointName) : undefined;
    const alarms = new Construct(this, 'Alarms');
    this.errorAlarm = this.endpointAlarm(alarms, 'Invocation5XXErrors', {
      metricName: 'Invocation5XXErrors',
      statistic: 'Sum',
      threshold: config.alarms.invocation5xxErrors,
      description: `${this.endpointName}: ${config.alarms.invocation5xxErrors} or more model server errors (5XX) in ${config.alarms.periodSeconds} s; rolls back a blue/green update`,
    }, config, alarmTopicArn);
    this.latencyAlarm = this.endpointAlarm(alarms, 'ModelLatency', {
      metricName: 'ModelLatency',
      statistic: 'Average',
      // ModelLatency is reported in microseconds.
      threshold: config.alarms.modelLatencyMs * 1000,
      description: `${this.endpointName}: average model latency above ${config.alarms.modelLatencyMs} ms; rolls back a blue/green update`,
    }, config, alarmTopicArn);

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: endpointConfig.attrEndpointConfigName,
      // Scaling to zero, the endpoint configuration names no model, so a new model does not update
      // the endpoint: the inference component below is updated instead (rolling, with rollback).
      deploymentConfig: config.deployment && !toZero ? {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: config.deployment.trafficShifting === TrafficShifting.CANARY ? {
            type: 'CANARY',
            canarySize: { type: 'INSTANCE_COUNT', value: config.deployment.canaryInstanceCount },
            waitIntervalInSeconds: config.deployment.canaryWaitMinutes * 60,
          } : {
            type: 'ALL_AT_ONCE',
            // The API requires a wait interval for every routing type; with a single step there
            // is nothing to wait between (the bake time is terminationWaitInSeconds).
            waitIntervalInSeconds: 0,
          },
          terminationWaitInSeconds: config.deployment.terminationWaitMinutes * 60,
          maximumExecutionTimeoutInSeconds: config.deployment.maximumExecutionTimeoutMinutes * 60,
        },
        autoRollbackConfiguration: config.deployment.autoRollback ? {
          alarms: [{ alarmName: this.errorAlarm.ref }, { alarmName: this.latencyAlarm.ref }],
        } : undefined,
      } : undefined,
    });

    if (toZero) {
      this.scaleToZero(config, model.attrModelName);
    } else if (config.autoscaling && config.hosting.kind === 'instance') {
      const scaling = config.autoscaling;
      // Updated together with the endpoint (and rolled back with it), so it always tells the
      // type of the variant the scalable target below registers.
      Tags.of(this.endpoint).add(AUTOSCALED_INSTANCE_TYPE_TAG, config.hosting.instanceType);
      // No RoleARN: Application Auto Scaling uses its service-linked role for SageMaker variants,
      // so this stack needs no IAM role.
      const target = scalableTarget(this, {
        serviceNamespace: 'sagemaker',
        scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        resourceId: `endpoint/${this.endpointName}/variant/${VARIANT_NAME}`,
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
      });
      // The variant must exist before it can be registered (the resource id is a plain string).
      target.addResourceDependency(this.endpoint);
      new appscaling.CfnScalingPolicy(this, 'ScalingPolicy', {
        policyName: `${this.endpointName}-invocations-per-instance`,
        policyType: 'TargetTrackingScaling',
        scalingTargetId: target.ref,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          targetValue: scaling.targetInvocationsPerInstance,
          scaleInCooldown: scaling.scaleInCooldownSeconds,
          scaleOutCooldown: scaling.scaleOutCooldownSeconds,
        },
      });
    }

    // Every taggable resource, the scalable target included: the deploy role may register, change
    // and deregister only scalable targets tagged with its project's id (and, a role of one
    // stage, that stage).
    for (const [key, value] of Object.entries(props.extraTags ?? {})) {
      Tags.of(this).add(key, value);
    }
    // Added last so a project tag can never override the keys Studio relies on.
    Tags.of(this).add(TAG_KEYS.projectName, props.projectName);
    Tags.of(this).add(TAG_KEYS.projectId, props.projectId);
    Tags.of(this).add(TAG_KEYS.deploymentStage, config.stage);
  }

  /**
   * The model as an inference component, and the scaling AWS documents for endpoints that scale
   * to zero: copies scale between 0 and `maxCapacity` (target tracking on invocations per copy,
   * which also scales in to 0), the endpoint's managed instance scaling follows the copies down to
   * 0 instances, and a step scaling policy adds a copy when an alarm sees the first request that
   * found no capacity (`NoCapacityInvocationFailures`), since target tracking cannot leave 0.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html
   */
  private scaleToZero(config: StageConfig, modelName: string): void {
    const scaling = config.autoscaling!;
    const hosting = config.hosting as InstanceHosting;
    const componentName = this.inferenceComponentName!;
    const deployment = config.deployment;
    const component = new sagemaker.CfnInferenceComponent(this, 'InferenceComponent', {
      inferenceComponentName: componentName,
      endpointName: this.endpoint.attrEndpointName,
      variantName: VARIANT_NAME,
      specification: {
        modelName,
        computeResourceRequirements: { ...INFERENCE_COMPONENT_COPY },
      },
      // One copy per initial instance; from then on Application Auto Scaling sets the count.
      runtimeConfig: { copyCount: hosting.instanceCount },
      // A new model replaces the copies one at a time, watched by the same two alarms.
      deploymentConfig: deployment ? {
        rollingUpdatePolicy: {
          maximumBatchSize: { type: 'COPY_COUNT', value: 1 },
          rollbackMaximumBatchSize: { type: 'COPY_COUNT', value: 1 },
          waitIntervalInSeconds: deployment.terminationWaitMinutes * 60,
          maximumExecutionTimeoutInSeconds: deployment.maximumExecutionTimeoutMinutes * 60,
        },
        autoRollbackConfiguration: deployment.autoRollback ? {
          alarms: [{ alarmName: this.errorAlarm.ref }, { alarmName: this.latencyAlarm.ref }],
        } : undefined,
      } : undefined,
    });
    // Application Auto Scaling's service-linked role, as for a variant: no role in this stack.
    const target = scalableTarget(this, {
      serviceNamespace: 'sagemaker',
      scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      resourceId: `inference-component/${componentName}`,
      minCapacity: 0,
      maxCapacity: scaling.maxCapacity,
    });
    // The component must exist before it can be registered (the resource id is a plain string).
    target.addResourceDependency(component);
    new appscaling.CfnScalingPolicy(this, 'ScalingPolicy', {
      policyName: `${componentName}-invocations-per-copy`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.ref,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: 'SageMakerInferenceComponentInvocationsPerCopy' },
        targetValue: scaling.targetInvocationsPerInstance,
        scaleInCooldown: scaling.scaleInCooldownSeconds,
        scaleOutCooldown: scaling.scaleOutCooldownSeconds,
      },
    });
    const wake = new appscaling.CfnScalingPolicy(this, 'ScaleOutFromZero', {
      policyName: `${componentName}-scale-out-from-zero`,
      policyType: 'StepScaling',
      scalingTargetId: target.ref,
      stepScalingPolicyConfiguration: {
        adjustmentType: 'ChangeInCapacity',
        metricAggregationType: 'Maximum',
        cooldown: scaling.scaleOutCooldownSeconds,
        stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
      },
    });
    // Unnamed like the other alarms. Its action is the step policy (Ref: the policy's ARN); the
    // AWS example compares GreaterThanThreshold 1, which needs two failed requests in a minute,
    // so a single first request would never wake the endpoint: GreaterThanOrEqualToThreshold.
    new cloudwatch.CfnAlarm(this, 'NoCapacityInvocationFailures', {
      alarmDescription: `${this.endpointName}: a request found no instance (scaled to zero); adds a copy of ${componentName}`,
      namespace: 'AWS/SageMaker',
      metricName: 'NoCapacityInvocationFailures',
      dimensions: [{ name: 'InferenceComponentName', value: componentName }],
      statistic: 'Sum',
      period: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [wake.ref],
    });
  }

  private endpointAlarm(
    scope: Construct,
    id: string,
    metric: { metricName: string; statistic: string; threshold: number; description: string },
    config: StageConfig,
    topicArn: string,
  ): cloudwatch.CfnAlarm {
    // No AlarmName: CloudFormation derives a unique one from the stack name, so projects and
    // stages never collide; the endpoint refers to the alarms by Ref.
    return new cloudwatch.CfnAlarm(scope, id, {
      alarmDescription: metric.description,
      namespace: 'AWS/SageMaker',
      metricName: metric.metricName,
      dimensions: this.inferenceComponentName ? [
        { name: 'InferenceComponentName', value: this.inferenceComponentName },
      ] : [
        { name: 'EndpointName', value: this.endpointName },
        { name: 'VariantName', value: VARIANT_NAME },
      ],
      statistic: metric.statistic,
      period: config.alarms.periodSeconds,
      evaluationPeriods: config.alarms.evaluationPeriods,
      threshold: metric.threshold,
      comparisonOperator: metric.metricName === 'Invocation5XXErrors' ? 'GreaterThanOrEqualToThreshold' : 'GreaterThanThreshold',
      // An idle endpoint sends no data points; that is healthy, not an alarm.
      treatMissingData: 'notBreaching',
      // Firing and recovering both notify: a recovery after a rollback is news too.
      alarmActions: [topicArn],
      okActions: [topicArn],
    });
  }
}

function productionVariant(config: StageConfig, modelName: string): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
  if (config.hosting.kind === 'serverless') {
    return {
      variantName: VARIANT_NAME,
      modelName,
      serverlessConfig: {
        memorySizeInMb: config.hosting.memorySizeInMB,
        maxConcurrency: config.hosting.maxConcurrency,
      },
    };
  }
  if (scalesToZero(config)) {
    // An endpoint for inference components: no model on the variant (the component names it),
    // instances managed by SageMaker between 0 and maxCapacity (one copy per instance at most).
    return {
      variantName: VARIANT_NAME,
      instanceType: config.hosting.instanceType,
      initialInstanceCount: config.hosting.instanceCount,
      managedInstanceScaling: {
        status: 'ENABLED',
        minInstanceCount: 0,
        maxInstanceCount: config.autoscaling!.maxCapacity,
      },
      routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
    };
  }
  return {
    variantName: VARIANT_NAME,
    modelName,
    initialVariantWeight: 1,
    instanceType: config.hosting.instanceType,
    initialInstanceCount: config.hosting.instanceCount,
  };
}

/**
 * The stage's scalable target (logical id `ScalableTarget`), tagged like every other resource of
 * the stack. The deploy role may register a target only with the project's id (a role of one
 * stage: and that stage) as tags, and change or deregister only a target that carries them.
 *
 * CloudFormation's resource schema has `Tags` on `AWS::ApplicationAutoScaling::ScalableTarget`
 * (aws-cdk-lib's `CfnScalableTarget.tags`), but cfn-lint 1.51's copy of it predates them and
 * reports the property as unknown (E3002). The metadata tells cfn-lint to skip that one check on
 * this one resource; every other check still applies to it.
 */
function scalableTarget(scope: Construct, props: appscaling.CfnScalableTargetProps): appscaling.CfnScalableTarget {
  const target = new appscaling.CfnScalableTarget(scope, 'ScalableTarget', props);
  target.cfnOptions.metadata = { 'cfn-lint': { config: { ignore_checks: [CFN_LINT_UNKNOWN_PROPERTY] } } };
  return target;
}

/** cfn-lint's rule for a property its schema does not know (see {@link scalableTarget}). */
const CFN_LINT_UNKNOWN_PROPERTY = 'E3002';

/** Checks project name and id (unless tokens); throws naming the bad one. */
export function validateProjectNaming(projectName: string, projectId: string): void {
  if (!Token.isUnresolved(projectName) && (projectName.length > 32 || !PROJECT_NAME_PATTERN.test(projectName))) {
    throw new Error(`\`projectName\` must be 1-32 letters, digits or hyphens, starting with a letter; got '${projectName}'`);
  }
  if (!Token.isUnresolved(projectId) && (projectId.length > 20 || !PROJECT_ID_PATTERN.test(projectId))) {
    throw new Error(`\`projectId\` must be 1-20 letters, digits or hyphens (e.g. p-abcdef123456); got '${projectId}'`);
  }
}

/** Name of a stage's endpoint: `<projectName>-<stage>`. */
export function endpointName(projectName: string, stage: string): string {
  return `${projectName}-${stage}`;
}

/** Stack name the deploy pipeline uses for a stage: `sagemaker-<name>-<id>-deploy-<stage>`. */
export function endpointStackName(projectName: string, projectId: string, stage: string): string {
  return `sagemaker-${projectName}-${projectId}-deploy-${stage}`;
}
