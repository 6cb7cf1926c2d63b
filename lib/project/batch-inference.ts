import { ArnFormat, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { DeploymentStage, ProjectNames } from '../contract/names';
import { grantCreateGrantForAwsResources, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';

/**
 * Batch inference of the deploy seed's batch stages (`"inference": "batch"`): what the project
 * account grants so that a stage's batch stack deploys and its runs start, read and write.
 * The seed names these resources (seed-code/model-deploy/lib/batch-transform.ts): the schedule
 * group `<name>-<stage>-batch` holding the schedule `transform`, the rule `<name>-<stage>-batch-failed`, the transform jobs
 * `<name>-<stage>-<run id>`, input under `batch-input/<stage>/` and output under
 * `batch-output/<stage>/` of the stage's bucket (the project bucket, or a target account's), the
 * staging test's under `batch-input/smoke-test/` and `batch-output/smoke-test/`.
 */

/** The EventBridge Scheduler service principal. */
export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
/** Key prefix of batch inputs in the project bucket. */
export const BATCH_INPUT_PREFIX = 'batch-input/';
/** Key prefix of batch outputs in the project bucket. */
export const BATCH_OUTPUT_PREFIX = 'batch-output/';
/** Name of a stage's schedule in its group. */
export const BATCH_SCHEDULE_NAME = 'transform';
/** Sub-prefix (of both) of the staging test's sample and output. */
export const BATCH_SMOKE_TEST_PREFIX = 'smoke-test/';

/** A stage's schedule group, `<name>-<stage>-batch`. */
export function batchScheduleGroupName(names: ProjectNames, stage: DeploymentStage): string {
  return `${names.endpointName(stage)}-batch`;
}

/** ARN of a stage's schedule group. */
export function batchScheduleGroupArn(scope: IConstruct, names: ProjectNames, stage: DeploymentStage): string {
  return Stack.of(scope).formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: batchScheduleGroupName(names, stage) });
}

/** ARN pattern of a stage's transform jobs, `<name>-<stage>-*` (lower case, as SageMaker ARNs are). */
export function batchTransformJobArn(scope: IConstruct, names: ProjectNames, stage: DeploymentStage): string {
  return sageMakerArn(scope, 'transform-job', `${names.endpointNameInArn(stage)}-*`);
}

/**
 * Lets `grantee` start this project's transform jobs of `stage`: named `<name>-<stage>-*` and
 * tagged with the project id at creation (CreateTransformJob with tags needs AddTags too).
 */
export function grantStartTransformJobs(grantee: iam.IGrantable, scope: IConstruct, names: ProjectNames, stage: DeploymentStage): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags'],
    resources: [batchTransformJobArn(scope, names, stage)],
    conditions: {
      StringEquals: { 'aws:RequestTag/sagemaker:project-id': names.projectId },
      // AddTags cannot re-tag another project's job of a matching name (a new job has no tags yet).
      StringEqualsIfExists: { 'aws:ResourceTag/sagemaker:project-id': names.projectId },
    },
  }));
}

/** Properties of {@link BatchScheduleRole}. */
export interface BatchScheduleRoleProps {
  readonly names: ProjectNames;
  readonly stage: DeploymentStage;
  /** The project key, which encrypts the jobs' ML storage volumes (SageMaker attaches it with a grant). */
  readonly key: kms.IKey;
  /**
   * Name of the role (a target account's: the project names it before that account's stack exists).
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * Path of the role (a target account's: the set-up's stage role path).
   * @default /
   */
  readonly path?: string;
  /**
   * Permissions boundary of the role (a target account's: the set-up's stage role boundary).
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * The role EventBridge Scheduler assumes to start one stage's scheduled batch runs: trusted only
 * for that stage's schedule group in this account, allowed only to start that stage's transform
 * jobs (which read and write with the model's role, not this one).
 */
export class BatchScheduleRole extends iam.Role {
  constructor(scope: Construct, id: string, props: BatchScheduleRoleProps) {
    const { names, stage } = props;
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Stack.of(scope).account,
            'aws:SourceArn': batchScheduleGroupArn(scope, names, stage),
          },
        },
      }),
      description: `EventBridge Scheduler starting the ${names.endpointName(stage)} batch transforms`,
      roleName: props.roleName,
      path: props.path,
      permissionsBoundary: props.permissionsBoundary,
    });
    grantStartTransformJobs(this, this, names, stage);
    grantCreateGrantForAwsResources(this, props.key);
  }
}

/** How a role uses a bucket's key for batch data. */
export interface BatchKeyUse {
  /**
   * Through S3 only, with the exact data key action S3 calls (`kms:GenerateDataKey`): a target
   * account's stage roles, whose boundary allows the account's keys so only.
   * @default false - directly, with `kms:GenerateDataKey*` as aws-cdk-lib's grants name it (the
   * Studio boundary's action families hold it so)
   */
  readonly throughS3Only?: boolean;
}

function batchKeyStatement(sid: string, actions: readonly string[], key: kms.IKey, use: BatchKeyUse): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: actions.map((a) => a === 'kms:GenerateDataKey' && !use.throughS3Only ? 'kms:GenerateDataKey*' : a),
    resources: [key.keyArn],
    conditions: use.throughS3Only ? { StringEquals: { 'kms:ViaService': `s3.${Stack.of(key).region}.amazonaws.com` } } : undefined,
  });
}

/**
 * What a stage's batch model role needs of its bucket: list and read that stage's inputs
 * (`batch-input/<stage>/`), write that stage's outputs (`batch-output/<stage>/`), staging also the
 * staging test's (`batch-input/smoke-test/`, `batch-output/smoke-test/`), use the bucket's key for
 * them, and log to the transform jobs' log group under its stage's job names. Nothing of the other
 * stage: the deploy seed holds each stage's `batch.input` and `batch.output` under these prefixes.
 */
export function grantBatchStageData(role: iam.IGrantable, scope: IConstruct, bucket: s3.IBucket, key: kms.IKey, names: ProjectNames, stage: DeploymentStage,
  use: BatchKeyUse = {}): void {
  const folders = stage === 'staging' ? [`${stage}/`, BATCH_SMOKE_TEST_PREFIX] : [`${stage}/`];
  const principal = role.grantPrincipal;
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ListBatchInput',
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': folders.map((f) => `${BATCH_INPUT_PREFIX}${f}*`) } },
  }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadBatchInput',
    actions: ['s3:GetObject'],
    resources: folders.map((f) => bucket.arnForObjects(`${BATCH_INPUT_PREFIX}${f}*`)),
  }));
  principal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteBatchOutput',
    actions: ['s3:PutObject'],
    resources: folders.map((f) => bucket.arnForObjects(`${BATCH_OUTPUT_PREFIX}${f}*`)),
  }));
  // Read SSE-KMS inputs; write outputs with the key (TransformOutput.KmsKeyId needs kms:Encrypt).
  principal.addToPrincipalPolicy(batchKeyStatement('BatchDataKey', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], key, use));
  grantSageMakerLogging(role, scope, [{ group: '/aws/sagemaker/TransformJobs', streamPrefix: `${names.endpointName(stage)}-` }]);
}

/** Properties of {@link BatchModelRole}. */
export interface BatchModelRoleProps {
  readonly names: ProjectNames;
  readonly stage: DeploymentStage;
  /** The project bucket: the model's artifacts, and the stage's batch inputs and outputs. */
  readonly bucket: s3.IBucket;
  /** The project key (artifacts, outputs, ML storage volumes). */
  readonly key: kms.IKey;
}

/**
 * The role one batch stage's model runs as in the project account (its transform jobs read and
 * write with it): the model artifacts of the project, and only that stage's batch folders
 * ({@link grantBatchStageData}). One per stage, so a staging run cannot read prod's input or
 * write prod's output; endpoints keep the project's model execution role.
 */
export class BatchModelRole extends iam.Role {
  constructor(scope: Construct, id: string, props: BatchModelRoleProps) {
    const { names, stage, bucket, key } = props;
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `Model of the ${names.endpointName(stage)} batch transforms`,
    });
    bucket.grantRead(this, `${names.pipelineName}/*`);
    key.grantEncryptDecrypt(this);
    grantBatchStageData(this, this, bucket, key, names, stage);
  }
}

/**
 * What the staging test of a batch staging stage needs: read the staging stack's run definition,
 * put its sample, start and watch its transform job, read its output.
 */
export function grantBatchSmokeTest(grantee: iam.IGrantable, scope: IConstruct, bucket: s3.IBucket, key: kms.IKey, names: ProjectNames,
  use: BatchKeyUse = {}): void {
  const stack = Stack.of(scope);
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadStagingRunDefinition',
    actions: ['cloudformation:DescribeStacks'],
    resources: [stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${names.deployStackName('staging')}/*` })],
  }));
  grantStartTransformJobs(grantee, scope, names, 'staging');
  grantCreateGrantForAwsResources(grantee, key);
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WatchStagingTransformJobs',
    actions: ['sagemaker:DescribeTransformJob'],
    resources: [batchTransformJobArn(scope, names, 'staging')],
    conditions: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'PutBatchTestSample',
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`${BATCH_INPUT_PREFIX}${BATCH_SMOKE_TEST_PREFIX}*`)],
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadBatchTestOutput',
    actions: ['s3:GetObject'],
    resources: [bucket.arnForObjects(`${BATCH_OUTPUT_PREFIX}${BATCH_SMOKE_TEST_PREFIX}*`)],
  }));
  // The sample is put with the key (SSE-KMS), the output read with it.
  grantee.grantPrincipal.addToPrincipalPolicy(batchKeyStatement('BatchTestDataKey', ['kms:Decrypt', 'kms:GenerateDataKey'], key, use));
}

/** Properties of {@link grantBatchDeploy}. */
export interface BatchDeployProps {
  readonly names: ProjectNames;
  /** The stage the deploy role deploys. */
  readonly stage: DeploymentStage;
  /** The stage's schedule role: the only role the deploy role may pass to EventBridge Scheduler. */
  readonly scheduleRole: iam.IRole;
  /**
   * The stage's own batch model role (project account), which the deploy role may pass to SageMaker.
   * @default - none: the stage's model runs as a model role the deploy role may pass already
   */
  readonly modelRole?: iam.IRole;
}

/**
 * What CloudFormation's deploy role of a stage needs for that stage's batch stack besides the
 * model and the alarm (granted with the endpoint's): the stage's schedule group and schedule, its
 * failure rule (which targets the alarm topic, whose policy admits that rule only), and passing
 * the stage's schedule role to EventBridge Scheduler.
 */
export function grantBatchDeploy(deployRole: iam.Role, props: BatchDeployProps): void {
  const stack = Stack.of(deployRole);
  const { names, stage } = props;
  // An inline policy of its own, a child of the role (deleted with it, after the stacks it deploys):
  // CDK would move statements beyond its size estimate of the default policy (150 characters per
  // ARN it cannot resolve) to a managed policy, which the Studio launch role may not create. IAM's
  // limit, 10,240 characters of all inline policies of a role, holds (test/project/endpoint-deploy-role.test.ts).
  new iam.Policy(deployRole, 'BatchDeployPolicy', {
    roles: [deployRole],
    statements: [
      new iam.PolicyStatement({
        sid: 'BatchScheduleGroups',
        actions: [
          'scheduler:CreateScheduleGroup', 'scheduler:GetScheduleGroup', 'scheduler:DeleteScheduleGroup',
          'scheduler:TagResource', 'scheduler:UntagResource', 'scheduler:ListTagsForResource',
        ],
        resources: [batchScheduleGroupArn(deployRole, names, stage)],
      }),
      new iam.PolicyStatement({
        sid: 'BatchSchedules',
        // DeleteScheduleGroup also deletes the group's schedules (scheduler:DeleteSchedule).
        actions: ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${batchScheduleGroupName(names, stage)}/${BATCH_SCHEDULE_NAME}` })],
      }),
      new iam.PolicyStatement({
        sid: 'PassBatchScheduleRoles',
        actions: ['iam:PassRole'],
        resources: [props.scheduleRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
      ...props.modelRole === undefined ? [] : [new iam.PolicyStatement({
        sid: 'PassBatchModelRoles',
        actions: ['iam:PassRole'],
        resources: [props.modelRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SAGEMAKER_SERVICE } },
      })],
      new iam.PolicyStatement({
        sid: 'BatchFailureRules',
        actions: [
          'events:PutRule', 'events:DescribeRule', 'events:DeleteRule', 'events:EnableRule', 'events:DisableRule',
          'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule',
          'events:TagResource', 'events:UntagResource', 'events:ListTagsForResource',
        ],
        resources: [batchFailureRuleArn(deployRole, names, stage)],
      }),
    ],
  });
}

/** ARN of a stage's failed-run rule, `<name>-<stage>-batch-failed` on the default bus. */
export function batchFailureRuleArn(scope: IConstruct, names: ProjectNames, stage: DeploymentStage): string {
  return Stack.of(scope).formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: `${names.endpointName(stage)}-batch-failed`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
