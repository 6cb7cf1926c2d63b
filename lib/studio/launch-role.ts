import { ArnFormat, Stack, Validations } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CONNECTION_SERVICE_PREFIXES } from '../source/connection-seed';
import { CLOUDFORMATION_SERVICE } from '../private/iam';
import { flatten } from '../private/wildcard-acknowledgements';
import { PROJECT_ROLE_PATH } from './project-role-boundary';
import type { SourceProviderName } from '../contract/options';

/** Who creates projects from the template, with a launch role: it decides the stack names. */
export enum Provisioner {
  /** A Service Catalog product: stacks `SC-<account>-pp-<id>`, role assumed by Service Catalog. */
  SERVICE_CATALOG = 'servicecatalog',
  /**
   * An S3-hosted SageMaker project template: SageMaker creates the stack with the launch role as
   * CloudFormation service role; the stacks are named `SP-...` (as AWS's sample launch role for
   * S3 templates assumes).
   */
  S3_TEMPLATE = 's3-template',
}

/** Stack name prefix of each provisioner. */
export const PROVISIONER_STACK_PREFIX: Readonly<Record<Provisioner, string>> = {
  [Provisioner.SERVICE_CATALOG]: 'SC-',
  [Provisioner.S3_TEMPLATE]: 'SP-',
};

const PROVISIONER_PRINCIPAL: Readonly<Record<Provisioner, string>> = {
  [Provisioner.SERVICE_CATALOG]: 'servicecatalog.amazonaws.com',
  [Provisioner.S3_TEMPLATE]: CLOUDFORMATION_SERVICE,
};

/** One group of launch role permissions: the CloudFormation resource types it serves. */
export interface LaunchPermission {
  /** Statement id. */
  readonly sid: string;
  /** CloudFormation resource types these permissions create, update, tag and delete. */
  readonly resourceTypes: readonly string[];
  /** IAM actions. */
  readonly actions: readonly string[];
  /** Resource ARN patterns, built in the stack. */
  readonly resources: (stack: Stack, stacks: string) => string[];
  /** Conditions, if any. */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /**
   * Why the resources hold a wildcard (acknowledged for cdk-nag with this reason); `SC-` in it
   * reads as the stack name prefix of the provisioner.
   */
  readonly wildcardReason: string;
  /**
   * Only for this provisioner (Service Catalog's own template copy, for instance).
   * @default - both
   */
  readonly only?: Provisioner;
  /**
   * Only for templates of this source provider.
   * @default - both
   */
  readonly sourceProvider?: SourceProviderName;
  /**
   * Only for templates that deploy to target accounts (multi-account, fixed at publishing).
   * @default - single- and multi-account templates
   */
  readonly multiAccount?: true;
}

/**
 * Resource types CloudFormation creates by itself, with no permission of the launch role (a wait
 * condition handle is a presigned URL of CloudFormation's; the wait condition waits for it).
 */
export const CLOUDFORMATION_ONLY_RESOURCE_TYPES: readonly string[] = [
  'AWS::CloudFormation::WaitCondition', 'AWS::CloudFormation::WaitConditionHandle',
];

/** An ARN pattern; `SC-` at the start of the resource name stands for the provisioner's stack prefix. */
const arn = (service: string, resource: string, resourceName: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
  (stack: Stack, stacks: string) => [stack.formatArn({ service, resource, resourceName: resourceName.replace(/^SC-/, stacks), arnFormat })];
/** Why a resource named after the provisioner's stack is granted with a wildcard. */
/** What every name-pattern wildcard of the launch role also reaches. */
const ANY_PROJECT = "one launch role serves every launch, so the pattern covers every project's of the account, not only the one being launched";
const STACK_NAMED_REASON = 'CloudFormation names these <stack name>-<logical id>-<suffix>; the provisioner names its stacks SC-* (Service Catalog) or SP-* (S3 templates)';
/** The product's roles: named after the provisioner's stacks, under the project role path. */
const projectRoles = (stack: Stack, stacks: string) => [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${PROJECT_ROLE_PATH.slice(1)}${stacks}*` })];
/**
 * Multi-account: the three roles named after the project id (`ProjectNames.deployPipelineRoleName`,
 * `smokeTestBuildRoleName`, `teardownRoleName`) that the target accounts trust by name, under the
 * project role path.
 */
const multiAccountRoles = (stack: Stack) => ['deploy-pipeline', 'smoke-test-build', 'teardown'].map((kind) => stack.formatArn({
  service: 'iam', region: '', resource: 'role', resourceName: `${PROJECT_ROLE_PATH.slice(1)}sagemaker-p-*-${kind}`,
}));
const MULTI_ACCOUNT_ROLES_REASON = 'Multi-account: each project\'s deploy pipeline, smoke test build and teardown roles sagemaker-<id>-{deploy-pipeline,smoke-test-build,teardown} '
  + `(SageMaker ids start with p-), named so that the target accounts trust them; only under the path ${PROJECT_ROLE_PATH}`;
/** What the launch role may do to the project's roles (those of the stack and the named multi-account ones). */
const PROJECT_ROLE_ACTIONS = [
  'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:ListRoleTags', 'iam:PutRolePolicy',
  'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
  'iam:PutRolePermissionsBoundary',
];
/** Tag every project resource carries (SageMaker and the project construct set it). */
const PROJECT_TAG = 'sagemaker:project-id';

/** Services the product's roles are handed to by CloudFormation, per resource type. */
export const PASS_ROLE_SERVICES: Readonly<Record<string, string>> = {
  'AWS::CodeBuild::Project': 'codebuild.amazonaws.com',
  'AWS::CodePipeline::Pipeline': 'codepipeline.amazonaws.com',
  'AWS::Events::Rule': 'events.amazonaws.com',
  'AWS::Lambda::Function': 'lambda.amazonaws.com',
  'AWS::StepFunctions::StateMachine': 'states.amazonaws.com',
};

/**
 * What the launch role may do, per CloudFormation resource type of the product template. The test
 * derives the types from the synthesized product and fails on one that is missing here.
 *
 * Names: CloudFormation names unnamed resources `<stack name>-<logical id>-<suffix>`, and Service
 * Catalog names the stacks it launches `SC-<account>-pp-<id>`, hence `SC-*`; SageMaker names the
 * stacks of S3-template projects `SP-...`, and the table's `SC-` then stands for that prefix. Named
 * resources follow the project's naming contract (`sagemaker-*`, `*-p-*`).
 */
export const LAUNCH_PERMISSIONS: readonly LaunchPermission[] = [
  {
    sid: 'ProductStacks',
    resourceTypes: [],
    actions: [
      'cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack',
      'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResource',
      'cloudformation:DescribeStackResources', 'cloudformation:GetTemplate', 'cloudformation:SetStackPolicy',
      'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteChangeSet', 'cloudformation:TagResource', 'cloudformation:UntagResource',
    ],
    resources: arn('cloudformation', 'stack', 'SC-*/*'),
    wildcardReason: 'The stacks the provisioner launches (Service Catalog: SC-<account>-pp-<id>; S3 templates: SP-<...>); the ARN ends with the generated stack id',
  },
  {
    sid: 'ChangeSets',
    resourceTypes: [],
    // Never an import change set: it would adopt an existing resource (a role of someone else's) into the stack.
    actions: ['cloudformation:CreateChangeSet'],
    resources: arn('cloudformation', 'stack', 'SC-*/*'),
    conditions: { Null: { 'cloudformation:ImportResourceTypes': 'true' } },
    wildcardReason: 'The stacks the provisioner launches (Service Catalog: SC-<account>-pp-<id>; S3 templates: SP-<...>); the ARN ends with the generated stack id',
  },
  {
    sid: 'ValidateTemplates',
    resourceTypes: [],
    // No resource types in IAM.
    actions: ['cloudformation:ValidateTemplate', 'cloudformation:GetTemplateSummary'],
    resources: () => ['*'],
    wildcardReason: 'ValidateTemplate and GetTemplateSummary have no resource type in IAM',
  },
  {
    sid: 'ReadProvisioningTemplates',
    resourceTypes: [],
    // Service Catalog's copy of the product template, in a bucket it owns and tags.
    actions: ['s3:GetObject'],
    resources: () => ['*'],
    wildcardReason: "Service Catalog's copy of the template is in a bucket it owns; only objects it tags servicecatalog:provisioning=true",
    only: Provisioner.SERVICE_CATALOG,
    conditions: { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } },
  },
  {
    sid: 'Roles',
    resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::Policy'],
    actions: PROJECT_ROLE_ACTIONS,
    resources: projectRoles,
    wildcardReason: `${STACK_NAMED_REASON}; only under the path ${PROJECT_ROLE_PATH}, and every change only to a role that has (or gets) the project role boundary`,
  },
  {
    sid: 'MultiAccountRoles',
    // Served by Roles (the types' other roles); these three have the project's names instead of the stack's.
    resourceTypes: [],
    actions: PROJECT_ROLE_ACTIONS,
    resources: multiAccountRoles,
    wildcardReason: `${MULTI_ACCOUNT_ROLES_REASON}, and every change only to a role that has (or gets) the project role boundary`,
    multiAccount: true,
  },
  {
    sid: 'PassMultiAccountRoles',
    resourceTypes: [],
    actions: ['iam:PassRole'],
    resources: multiAccountRoles,
    conditions: { StringEquals: { 'iam:PassedToService': ['codebuild.amazonaws.com', 'codepipeline.amazonaws.com', 'lambda.amazonaws.com'] } },
    wildcardReason: `${MULTI_ACCOUNT_ROLES_REASON}, passed only to CodePipeline (deploy pipeline), CodeBuild (smoke test) and Lambda (teardown)`,
    multiAccount: true,
  },
  {
    sid: 'ModelPackageGroupPolicies',
    // Multi-account: the group's resource policy grants the target accounts' roles its packages.
    resourceTypes: [],
    actions: ['sagemaker:PutModelPackageGroupPolicy', 'sagemaker:GetModelPackageGroupPolicy', 'sagemaker:DeleteModelPackageGroupPolicy'],
    resources: arn('sagemaker', 'model-package-group', '*-p-*'),
    wildcardReason: `Multi-account: the resource policy of model package groups <name>-<id> (SageMaker ids start with p-); ${ANY_PROJECT}`,
    multiAccount: true,
  },
  {
    sid: 'Buckets',
    resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
    actions: [
      's3:CreateBucket', 's3:DeleteBucket', 's3:GetBucketLocation', 's3:PutBucketPolicy', 's3:GetBucketPolicy',
      's3:DeleteBucketPolicy', 's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration',
      's3:PutBucketVersioning', 's3:GetBucketVersioning', 's3:PutBucketPublicAccessBlock',
      's3:GetBucketPublicAccessBlock', 's3:PutLifecycleConfiguration', 's3:GetLifecycleConfiguration',
      's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls',
      's3:PutBucketTagging', 's3:GetBucketTagging',
    ],
    resources: (stack) => [stack.formatArn({ service: 's3', region: '', account: '', resource: 'sagemaker-project-*' })],
    wildcardReason: 'Bucket configuration (no object access) of a project\'s data bucket sagemaker-project-<id> and its '
      + `-access-logs, -pipeline-artifacts and -build-artifacts buckets; ${ANY_PROJECT}`,
  },
  {
    sid: 'CreateKeys',
    resourceTypes: ['AWS::KMS::Key'],
    // CreateKey has no resource type; the request must carry the project tag.
    actions: ['kms:CreateKey', 'kms:TagResource'],
    resources: () => ['*'],
    wildcardReason: 'CreateKey has no resource type in IAM; the request must carry the sagemaker:project-id tag',
    conditions: { Null: { [`aws:RequestTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ManageKeys',
    resourceTypes: ['AWS::KMS::Key'],
    actions: [
      'kms:DescribeKey', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus', 'kms:PutKeyPolicy', 'kms:GetKeyPolicy',
      'kms:UpdateKeyDescription', 'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion',
    ],
    resources: arn('kms', 'key', '*'),
    wildcardReason: 'KMS key ids are generated; only keys tagged with a sagemaker:project-id',
    conditions: { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ImageRepositories',
    resourceTypes: ['AWS::ECR::Repository'],
    actions: [
      'ecr:CreateRepository', 'ecr:DeleteRepository', 'ecr:DescribeRepositories', 'ecr:PutLifecyclePolicy',
      'ecr:GetLifecyclePolicy', 'ecr:DeleteLifecyclePolicy', 'ecr:SetRepositoryPolicy', 'ecr:GetRepositoryPolicy',
      'ecr:DeleteRepositoryPolicy', 'ecr:PutImageTagMutability', 'ecr:PutImageScanningConfiguration',
      'ecr:TagResource', 'ecr:UntagResource', 'ecr:ListTagsForResource',
      // retainData=false: CloudFormation empties the repository before deleting it (EmptyOnDelete).
      'ecr:ListImages', 'ecr:BatchDeleteImage',
    ],
    resources: arn('ecr', 'repository', 'sagemaker-project-p-*'),
    wildcardReason: "The project's image repository sagemaker-project-<id>; SageMaker ids start with p-",
  },
  {
    sid: 'ImageRepositoryKeyGrants',
    resourceTypes: ['AWS::ECR::Repository'],
    // ECR encrypts the repository with the project key through grants it creates (and retires) with the caller's rights.
    actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
    resources: arn('kms', 'key', '*'),
    wildcardReason: 'KMS key ids are generated; only keys tagged with a sagemaker:project-id, and only through ECR',
    conditions: {
      Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' },
      StringLike: { 'kms:ViaService': 'ecr.*.amazonaws.com' },
    },
  },
  {
    sid: 'ModelPackageGroups',
    resourceTypes: ['AWS::SageMaker::ModelPackageGroup'],
    actions: [
      'sagemaker:CreateModelPackageGroup', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:DeleteModelPackageGroup',
      'sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags',
    ],
    resources: arn('sagemaker', 'model-package-group', '*-p-*'),
    wildcardReason: `Model package groups <name>-<id> (SageMaker ids start with p-); ${ANY_PROJECT}`,
  },
  {
    sid: 'StudioCodeRepositories',
    resourceTypes: ['AWS::SageMaker::CodeRepository'],
    actions: [
      'sagemaker:CreateCodeRepository', 'sagemaker:DescribeCodeRepository', 'sagemaker:UpdateCodeRepository',
      'sagemaker:DeleteCodeRepository', 'sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags',
    ],
    resources: arn('sagemaker', 'code-repository', 'sagemaker-p-*'),
    wildcardReason: `Studio registrations sagemaker-<id>-model{build,deploy} of the repositories (SageMaker ids start with p-); ${ANY_PROJECT}`,
  },
  {
    sid: 'Repositories',
    resourceTypes: ['AWS::CodeCommit::Repository'],
    actions: [
      'codecommit:CreateRepository', 'codecommit:DeleteRepository', 'codecommit:GetRepository',
      'codecommit:UpdateRepositoryDescription', 'codecommit:CreateCommit', 'codecommit:CreateBranch',
      'codecommit:GetBranch', 'codecommit:TagResource', 'codecommit:UntagResource', 'codecommit:ListTagsForResource',
    ],
    resources: (stack) => [stack.formatArn({ service: 'codecommit', resource: 'sagemaker-*' })],
    wildcardReason: `Repositories sagemaker-<name>-<id>-model{build,deploy}; ${ANY_PROJECT}`,
    sourceProvider: 'codecommit',
  },
  {
    sid: 'BuildProjects',
    resourceTypes: ['AWS::CodeBuild::Project'],
    actions: ['codebuild:CreateProject', 'codebuild:UpdateProject', 'codebuild:DeleteProject', 'codebuild:BatchGetProjects'],
    resources: arn('codebuild', 'project', 'sagemaker-*'),
    wildcardReason: `CodeBuild projects sagemaker-<name>-<id>-* (with a connection, the seeding jobs -model{build,deploy}-seed too); ${ANY_PROJECT}`,
  },
  {
    sid: 'Pipelines',
    resourceTypes: ['AWS::CodePipeline::Pipeline'],
    actions: [
      'codepipeline:CreatePipeline', 'codepipeline:UpdatePipeline', 'codepipeline:DeletePipeline',
      'codepipeline:GetPipeline', 'codepipeline:GetPipelineState', 'codepipeline:TagResource',
      'codepipeline:UntagResource', 'codepipeline:ListTagsForResource',
    ],
    resources: (stack) => [stack.formatArn({ service: 'codepipeline', resource: 'sagemaker-*' })],
    wildcardReason: `CodePipelines sagemaker-<name>-<id>-model{build,deploy}; ${ANY_PROJECT}`,
  },
  {
    sid: 'Rules',
    resourceTypes: ['AWS::Events::Rule'],
    actions: [
      'events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:EnableRule', 'events:DisableRule',
      'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule', 'events:TagResource',
      'events:UntagResource', 'events:ListTagsForResource',
    ],
    resources: arn('events', 'rule', 'sagemaker-*'),
    wildcardReason: `EventBridge rules sagemaker-<name>-<id>-{build,code,model}; ${ANY_PROJECT}`,
  },
  {
    sid: 'Queues',
    resourceTypes: ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy'],
    actions: [
      'sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:GetQueueUrl',
      'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:ListQueueTags',
    ],
    resources: (stack, stacks) => [stack.formatArn({ service: 'sqs', resource: `${stacks}*` })],
    wildcardReason: STACK_NAMED_REASON,
  },
  {
    sid: 'AlarmTopics',
    resourceTypes: ['AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::SNS::Subscription'],
    actions: [
      'sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:TagResource',
      'sns:UntagResource', 'sns:ListTagsForResource', 'sns:Subscribe', 'sns:Unsubscribe', 'sns:ListSubscriptionsByTopic',
      'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes',
    ],
    resources: (stack) => [stack.formatArn({ service: 'sns', resource: 'sagemaker-*', arnFormat: ArnFormat.NO_RESOURCE_NAME })],
    wildcardReason: `Alarm topics sagemaker-<name>-<id>-alarms (their subscriptions' ARNs begin with the topic's); ${ANY_PROJECT}`,
  },
  {
    sid: 'LogGroups',
    resourceTypes: ['AWS::Logs::LogGroup'],
    actions: [
      'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
      'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource', 'logs:TagLogGroup', 'logs:UntagLogGroup',
    ],
    resources: arn('logs', 'log-group', 'SC-*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: STACK_NAMED_REASON,
  },
  {
    sid: 'Functions',
    resourceTypes: [
      'AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::Permission',
      // Lambda-backed custom resources: CloudFormation invokes the function with the launch role.
      'Custom::SageMakerProjectTeardown', 'Custom::S3AutoDeleteObjects', 'Custom::SageMakerProjectRepositorySeed',
    ],
    actions: [
      'lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:UntagResource',
      'lambda:ListTags', 'lambda:PutFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig',
      'lambda:GetFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig', 'lambda:AddPermission',
      'lambda:RemovePermission', 'lambda:InvokeFunction',
    ],
    resources: arn('lambda', 'function', 'SC-*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: STACK_NAMED_REASON,
  },
  {
    sid: 'CreateStateMachines',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    // CloudFormation names state machines <logical id>-<suffix>, without the stack name: scope by tag.
    actions: ['states:CreateStateMachine', 'states:TagResource'],
    resources: arn('states', 'stateMachine', '*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names state machines <logical id>-<suffix>, without the stack name; the request must carry the sagemaker:project-id tag',
    conditions: { Null: { [`aws:RequestTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ManageStateMachines',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    actions: [
      'states:DescribeStateMachine', 'states:UpdateStateMachine', 'states:DeleteStateMachine',
      'states:ListTagsForResource', 'states:UntagResource',
    ],
    resources: arn('states', 'stateMachine', '*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names state machines <logical id>-<suffix>, without the stack name; only state machines tagged with a sagemaker:project-id',
    conditions: { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'StateMachineLogDelivery',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    // Vended log delivery for state machine logging accepts only '*'.
    actions: [
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ],
    resources: () => ['*'],
    wildcardReason: 'CloudWatch Logs vended log delivery (state machine logging) accepts only *',
  },
  {
    sid: 'PassProjectRoles',
    resourceTypes: [],
    actions: ['iam:PassRole'],
    resources: projectRoles,
    conditions: { StringEquals: { 'iam:PassedToService': [...new Set(Object.values(PASS_ROLE_SERVICES))].sort() } },
    wildcardReason: "The product's own roles (CloudFormation names them after the provisioner's SC-* or SP-* stack), only to the services that use them",
  },
  // A connection template: CloudFormation creates the pipelines' connection source actions, which
  // passes the connection to CodePipeline. The connection is a parameter chosen at launch, so any
  // connection of the account and region, in both ARN forms, each prefix with its own condition key.
  ...CONNECTION_SERVICE_PREFIXES.map((prefix): LaunchPermission => ({
    sid: prefix === 'codeconnections' ? 'PassConnections' : 'PassCodeStarConnections',
    resourceTypes: [],
    actions: [`${prefix}:PassConnection`],
    resources: (stack) => CONNECTION_SERVICE_PREFIXES.map((service) => stack.formatArn({ service, resource: 'connection', resourceName: '*' })),
    conditions: { StringEquals: { [`${prefix}:PassedToService`]: 'codepipeline.amazonaws.com' } },
    wildcardReason: "The connection is a parameter chosen when a project is created: any connection of this account and region, passed only to CodePipeline",
    sourceProvider: 'codeconnections',
  })),
];

/** Properties of {@link LaunchRole}. */
export interface LaunchRoleProps {
  /** Who provisions projects with this role. */
  readonly provisioner: Provisioner;
  /**
   * Description of the role.
   * @default - names the provisioner
   */
  readonly description?: string;
  /**
   * Name of the role (a launch role is referred to by name in SageMaker's set-up).
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * Permissions boundary of the project's roles: the launch role creates, changes and deletes
   * roles and writes their policies only when they carry this boundary (`iam:PermissionsBoundary`).
   */
  readonly projectRoleBoundary: iam.IManagedPolicy;
  /**
   * Permissions boundary of the launch role itself (the `permissionsBoundary` setting).
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * The source provider of the template the role provisions (see {@link LaunchPermission.sourceProvider}).
   * @default 'codecommit'
   */
  readonly sourceProvider?: SourceProviderName;
  /**
   * Whether the template deploys to target accounts (see {@link LaunchPermission.multiAccount}).
   * @default false
   */
  readonly multiAccount?: boolean;
}

/**
 * The role-changing actions, which IAM conditions on the role's permissions boundary
 * (`iam:PermissionsBoundary`, the boundary the role has or, for `CreateRole` and
 * `PutRolePermissionsBoundary`, gets): the launch role may take them only with the project role
 * boundary. `DeleteRolePermissionsBoundary` is never granted.
 */
export const BOUNDARY_CONDITIONED_ACTIONS: ReadonlySet<string> = new Set([
  'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary',
]);

/**
 * The role projects are provisioned with: limited to the resource types of the project template
 * ({@link LAUNCH_PERMISSIONS}) and to the names they get. Grant it read access to the template's
 * assets beside it.
 */
export class LaunchRole extends Construct {
  /** The role. */
  public readonly role: iam.Role;
  /** The policy holding {@link LAUNCH_PERMISSIONS}. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: LaunchRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stacks = PROVISIONER_STACK_PREFIX[props.provisioner];
    const permissions = launchPermissions(props.provisioner, props.sourceProvider, props.multiAccount);
    this.role = new iam.Role(this, 'Resource', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal(PROVISIONER_PRINCIPAL[props.provisioner]),
      description: props.description ?? (props.provisioner === Provisioner.SERVICE_CATALOG
        ? 'Service Catalog launch role of the SageMaker MLOps project product'
        : 'Launch role of the SageMaker MLOps project template (S3): CloudFormation creates projects with it'),
    });
    this.policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: permissions.flatMap((p) => {
        const boundary = props.projectRoleBoundary;
        const bounded = p.actions.filter((a) => BOUNDARY_CONDITIONED_ACTIONS.has(a));
        const rest = p.actions.filter((a) => !bounded.includes(a));
        return [
          ...(rest.length > 0 ? [new iam.PolicyStatement({ sid: p.sid, actions: rest, resources: p.resources(stack, stacks), conditions: p.conditions })] : []),
          ...(bounded.length > 0 ? [new iam.PolicyStatement({
            sid: `${p.sid}WithBoundary`,
            actions: bounded,
            resources: p.resources(stack, stacks),
            conditions: { ...p.conditions, StringEquals: { 'iam:PermissionsBoundary': boundary.managedPolicyArn } },
          })] : []),
        ];
      }),
    });
    if (props.permissionsBoundary) iam.PermissionsBoundary.of(this.role).apply(props.permissionsBoundary);

    // Each wildcard of the launch policy with the reason of its statement.
    const acknowledged = new Set<string>();
    const onStar: string[] = [];
    for (const p of permissions) {
      for (const resource of p.resources(stack, stacks).map((r) => flatten(stack.resolve(r)))) {
        if (resource === '*') onStar.push(`${p.sid}: ${p.wildcardReason}`);
        else if (resource.includes('*') && !acknowledged.has(resource)) {
          acknowledged.add(resource);
          Validations.of(this.policy.node.defaultChild!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: p.wildcardReason });
        }
      }
    }
    Validations.of(this.policy.node.defaultChild!).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: onStar.join('; ') });
  }
}

/** The entries of {@link LAUNCH_PERMISSIONS} that apply to a provisioner, a source provider and (or not) multi-account. */
export function launchPermissions(provisioner: Provisioner, sourceProvider: SourceProviderName = 'codecommit', multiAccount = false): LaunchPermission[] {
  return LAUNCH_PERMISSIONS.filter((p) => (p.only === undefined || p.only === provisioner)
    && (p.sourceProvider === undefined || p.sourceProvider === sourceProvider)
    && (p.multiAccount === undefined || multiAccount));
}
