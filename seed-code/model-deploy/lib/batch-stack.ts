import { CfnOutput, CfnParameter, DefaultStackSynthesizer, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { BatchSettings, NO_SCHEDULE } from './batch-config';
import {
  batchFailureRuleName,
  batchScheduleGroupName,
  BATCH_SCHEDULE_NAME,
  TRANSFORM_DEFINITION_OUTPUT,
  transformJobDefinition,
} from './batch-transform';
import {
  ENDPOINT_STACK_PARAMETERS,
  SNS_TOPIC_ARN_PATTERN,
  TAG_KEYS,
  validateProjectNaming,
} from './endpoint-stack';
import { StageConfig } from './stage-config';

/** The parameters a batch stack has beyond the endpoint stack's (all of which it declares). */
export const BATCH_STACK_PARAMETERS = {
  /**
   * ARN of the role EventBridge Scheduler assumes to start this stage's runs (made by the project
   * stack, or by the target account's stack): it may only start this stage's transform jobs.
   */
  batchScheduleRoleArn: 'BatchScheduleRoleArn',
} as const;

/** Properties of {@link BatchTransformStack}. */
export interface BatchTransformStackProps extends StackProps {
  /** SageMaker project name (1-32 letters, digits or hyphens, starting with a letter). */
  readonly projectName: string;
  /** SageMaker project id, written to the `sagemaker:project-id` tag. */
  readonly projectId: string;
  /** Validated configuration of a stage with `"inference": "batch"`. */
  readonly stageConfig: StageConfig;
  /**
   * Extra tags for every resource and every transform job (the project's tags).
   * @default - only the three `sagemaker:` tags
   */
  readonly extraTags?: Record<string, string>;
}

/**
 * One batch stage: the model from the approved package, the definition of its batch transform
 * run, an EventBridge Scheduler schedule that starts that run directly (universal target
 * `sagemaker:createTransformJob`: no pipeline, no Lambda function), and notifications to the
 * project's alarm topic when a run fails or a scheduled start is dropped.
 *
 * Every run writes, KMS-encrypted with the stage's key, to
 * `s3://<bucket>/<batch.output><start time>/`, and its job is named `<project>-<stage>-<run id>`
 * and tagged like the stack. The definition is also a stack output
 * ({@link TRANSFORM_DEFINITION_OUTPUT}), which the on-demand command and the staging test start
 * runs from, so all three start the same job.
 *
 * Like the endpoint stack it creates no IAM roles, buckets, keys, functions or assets: the
 * schedule's role comes in as a parameter. The model is unnamed, so a new (or, on rollback, an
 * older) model package makes a new model, and the schedule then starts runs of that one.
 */
export class BatchTransformStack extends Stack {
  /** The model the runs use. */
  public readonly model: sagemaker.CfnModel;
  /** The schedule that starts the runs (disabled when `batch.schedule` is `none`). */
  public readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: BatchTransformStackProps) {
    validateProjectNaming(props.projectName, props.projectId);
    const config = props.stageConfig;
    if (config.inference !== 'batch' || config.batch === undefined || config.hosting.kind !== 'instance') {
      throw new Error(`${config.source}: a batch stack needs "inference": "batch"`);
    }
    super(scope, id, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      description: `SageMaker batch transform ${props.projectName}-${config.stage} of project ${props.projectName} (${props.projectId}), from the model-deploy seed`,
      ...props,
    });
    const batch: BatchSettings = config.batch;
    const stage = config.stage;

    const parameter = (name: string, description: string, allowedPattern: string, constraintDescription: string) =>
      new CfnParameter(this, name, { type: 'String', description, allowedPattern, constraintDescription }).valueAsString;
    const modelPackageArn = parameter(ENDPOINT_STACK_PARAMETERS.modelPackageArn, 'ARN of the approved model package version to deploy',
      '^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[a-zA-Z0-9-]+/[0-9]+$', 'must be the ARN of a versioned model package');
    const modelExecutionRoleArn = parameter(ENDPOINT_STACK_PARAMETERS.modelExecutionRoleArn, 'ARN of the IAM role SageMaker assumes to run the model',
      '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$', 'must be an IAM role ARN');
    const bucketName = parameter(ENDPOINT_STACK_PARAMETERS.artifactBucketName, 'The stage\'s bucket: runs read batch-input/... and write batch-output/... there',
      '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', 'must be an S3 bucket name');
    const kmsKeyArn = parameter(ENDPOINT_STACK_PARAMETERS.kmsKeyArn, 'ARN of the KMS key, or of an alias of it, that encrypts the output and the ML storage volume',
      '^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[a-zA-Z0-9-]+|alias/[a-zA-Z0-9/_-]+)$', 'must be a KMS key ARN or a KMS alias ARN');
    const alarmTopicArn = parameter(ENDPOINT_STACK_PARAMETERS.alarmTopicArn, 'ARN of the SNS topic failed runs are reported to (the project\'s alarm topic)',
      SNS_TOPIC_ARN_PATTERN, 'must be the ARN of a standard SNS topic');
    const scheduleRoleArn = parameter(BATCH_STACK_PARAMETERS.batchScheduleRoleArn, 'ARN of the IAM role EventBridge Scheduler assumes to start this stage\'s transform jobs',
      '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$', 'must be an IAM role ARN');

    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: modelExecutionRoleArn,
      primaryContainer: { modelPackageName: modelPackageArn },
      enableNetworkIsolation: config.networkIsolation,
    });

    const tags = {
      ...props.extraTags,
      [TAG_KEYS.projectName]: props.projectName,
      [TAG_KEYS.projectId]: props.projectId,
      [TAG_KEYS.deploymentStage]: stage,
    };
    const definition = transformJobDefinition({
      projectName: props.projectName,
      stage,
      batch,
      instanceType: config.hosting.instanceType,
      instanceCount: config.hosting.instanceCount,
      encryptVolume: config.hosting.encryptVolume,
      modelName: this.model.attrModelName,
      bucketName,
      kmsKeyArn,
      tags,
    });
    const definitionJson = this.toJsonString(definition);

    const group = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', {
      name: batchScheduleGroupName(props.projectName, stage),
    });
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: BATCH_SCHEDULE_NAME,
      groupName: group.ref,
      description: batch.schedule === undefined
        ? `Disabled on purpose ("batch.schedule": "${NO_SCHEDULE}"): ${props.projectName}-${stage} runs on demand only (npm run batch-run -- ${stage})`
        : `Starts a batch transform of ${props.projectName}-${stage}: ${batch.schedule}`,
      // A schedule needs an expression even when disabled; this one never fires while disabled.
      scheduleExpression: batch.schedule ?? 'rate(1 day)',
      scheduleExpressionTimezone: batch.schedule?.match(/^(cron|at)\(/) ? batch.scheduleTimezone : undefined,
      state: batch.schedule === undefined ? 'DISABLED' : 'ENABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        // Universal target: the schedule calls CreateTransformJob itself with this request.
        arn: `arn:${this.partition}:scheduler:::aws-sdk:sagemaker:createTransformJob`,
        roleArn: scheduleRoleArn,
        input: definitionJson,
        // Throttling and transient errors are retried; after that the start is dropped (alarmed below).
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });

    // A run that fails: SageMaker's state change event, straight to the alarm topic.
    new events.CfnRule(this, 'RunFailedRule', {
      name: batchFailureRuleName(props.projectName, stage),
      description: `Reports failed batch transform jobs of ${props.projectName}-${stage} to the project's alarm topic`,
      state: 'ENABLED',
      eventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Transform Job State Change'],
        'detail': {
          TransformJobStatus: ['Failed'],
          TransformJobName: [{ prefix: `${props.projectName}-${stage}-` }],
        },
      },
      targets: [{ id: 'AlarmTopic', arn: alarmTopicArn }],
    });

    // A run that never started: the schedule gave up calling CreateTransformJob (bad request,
    // missing permission, quota), which SageMaker never sees.
    new cloudwatch.CfnAlarm(this, 'RunNotStartedAlarm', {
      alarmDescription: `${props.projectName}-${stage}: a scheduled batch transform could not be started (CreateTransformJob kept failing); see the schedule's target errors`,
      namespace: 'AWS/Scheduler',
      metricName: 'InvocationDroppedCount',
      dimensions: [{ name: 'ScheduleGroup', value: group.ref }],
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [alarmTopicArn],
      okActions: [alarmTopicArn],
    });

    new CfnOutput(this, TRANSFORM_DEFINITION_OUTPUT, {
      description: 'The CreateTransformJob request of a run, with <aws.scheduler.execution-id> and <aws.scheduler.scheduled-time> to fill in',
      value: definitionJson,
    });
    new CfnOutput(this, 'ModelName', { value: this.model.attrModelName });
    new CfnOutput(this, 'OutputLocation', {
      description: 'Each run writes a folder named after its start time here',
      value: Fn.join('', ['s3://', bucketName, `/${batch.output}`]),
    });

    for (const [key, value] of Object.entries(props.extraTags ?? {})) {
      Tags.of(this).add(key, value);
    }
    Tags.of(this).add(TAG_KEYS.projectName, props.projectName);
    Tags.of(this).add(TAG_KEYS.projectId, props.projectId);
    Tags.of(this).add(TAG_KEYS.deploymentStage, stage);
  }
}
