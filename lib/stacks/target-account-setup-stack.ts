import { ArnFormat, Aspects, BootstraplessSynthesizer, Stack, StackProps } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TARGET_SETUP } from '../contract/accounts';
import { DEPLOYMENT_STAGES } from '../contract/names';
import { CLOUDFORMATION_SERVICE, ECR_PULL_ACTIONS, SAGEMAKER_SERVICE } from '../private/iam';
import { DEPLOYMENT_STAGE_TAG, PROJECT_ID_TAG, SAGEMAKER_SCALABLE_DIMENSIONS } from '../project/endpoint-deploy-role';
import { AcknowledgeWildcards, SETUP_WILDCARD_REASONS } from '../private/wildcard-acknowledgements';

/** Properties of a {@link TargetAccountSetupStack}. */
export interface TargetAccountSetupStackProps extends StackProps {
  /** The project (tooling) account whose projects deploy here (12 digits). */
  readonly projectAccount: string;
}

/**
 * The one-time preparation of a staging or production account, shared by every project of one
 * project account: a role that only the project account's deploy pipeline roles
 * (`sagemaker-p-*-deploy-pipeline`) may assume, which may only run CloudFormation on `sagemaker-*`
 * stacks with the execution role of this stack, and that each project's teardown role
 * (`sagemaker-<id>-teardown`) may assume with a session tag of its own project id, to stop only
 * that project's running transform jobs and delete only its stacks (with the same execution role);
 * that execution role, whose policy covers what the
 * stage stacks hold (models, endpoint configurations and endpoints tagged with a project id, their
 * alarms and auto scaling, a project's key, data capture buckets, alarm topic and roles) and
 * nothing else; and the permissions boundary every role it creates must carry, so that no role it
 * creates can do more than a stage's model and smoke test need.
 *
 * Nothing in it names a project: new projects need no change here. Each project's deploy pipeline
 * deploys the project's resources there (`TargetAccountResources`) and its endpoint stacks through
 * these roles (see docs/multi-account.md).
 */
export class TargetAccountSetupStack extends Stack {
  /** The role the project account's deploy pipelines assume here. */
  public readonly deployAccessRole: iam.Role;
  /** The CloudFormation service role of the stage stacks. */
  public readonly executionRole: iam.Role;
  /** The boundary of every role the execution role creates. */
  public readonly stageRoleBoundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: TargetAccountSetupStackProps) {
    // No assets: deployable with the account's own credentials, without a CDK bootstrap there.
    super(scope, id, { synthesizer: new BootstraplessSynthesizer({}), ...props });
    const { projectAccount } = props;
    const arn = (service: string, resource: string, resourceName: string, more: { account?: string; region?: string } = {}) =>
      this.formatArn({ service, resource, resourceName, ...more });
    const colonArn = (service: string, resource: string, resourceName: string) =>
      this.formatArn({ service, resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const iamArn = (resource: string, resourceName: string) => arn('iam', resource, resourceName, { region: '' });
    const noName = (service: string, resource: string, more: { account?: string; region?: string } = {}) =>
      this.formatArn({ service, resource, arnFormat: ArnFormat.NO_RESOURCE_NAME, ...more });
    const s3Arn = (bucketName: string) => noName('s3', bucketName, { region: '', account: '' });
    const projectTopics = noName('sns', 'sagemaker-p-*');
    const stageRoles = iamArn('role', `${TARGET_SETUP.stageRolePath.slice(1)}*`);
    const projectStacks = arn('cloudformation', 'stack', 'sagemaker-*/*');
    const tagged = (key: 'aws:RequestTag' | 'aws:ResourceTag') => ({ Null: { [`${key}/sagemaker:project-id`]: 'false' } });

    this.stageRoleBoundary = new iam.ManagedPolicy(this, 'StageRoleBoundary', {
      managedPolicyName: TARGET_SETUP.stageRoleBoundaryName,
      path: TARGET_SETUP.path,
      description: 'Boundary of every role the SageMaker projects\' stage stacks create in this account: what a model and a smoke test need',
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadProjectModelArtifacts',
          actions: ['s3:GetObject'],
          resources: [`${s3Arn('sagemaker-project-p-*')}/*`],
          conditions: { StringEquals: { 's3:ResourceAccount': projectAccount } },
        }),
        new iam.PolicyStatement({
          sid: 'WriteDataCapture',
          actions: ['s3:PutObject'],
          resources: [`${s3Arn('sagemaker-project-p-*')}/*`],
          conditions: { StringEquals: { 's3:ResourceAccount': this.account } },
        }),
        new iam.PolicyStatement({
          sid: 'ProjectKeysThroughS3',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [arn('kms', 'key', '*', { account: projectAccount }), arn('kms', 'key', '*')],
          conditions: { ...tagged('aws:ResourceTag'), StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          sid: 'PullProjectImages',
          actions: ECR_PULL_ACTIONS,
          resources: [arn('ecr', 'repository', 'sagemaker-project-p-*', { account: projectAccount })],
        }),
        new iam.PolicyStatement({
          sid: 'ReadModelPackages',
          actions: ['sagemaker:DescribeModelPackage'],
          resources: [arn('sagemaker', 'model-package', '*', { account: projectAccount })],
        }),
        new iam.PolicyStatement({
          sid: 'InvokeProjectEndpoints',
          actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
          resources: [arn('sagemaker', 'endpoint', '*')],
          conditions: tagged('aws:ResourceTag'),
        }),
        // A batch stage (the deploy seed's "inference": "batch"): its model role reads the stage's
        // input and its smoke-test role the staging test's output, in this account's project buckets.
        new iam.PolicyStatement({
          sid: 'ReadBatchData',
          actions: ['s3:GetObject'],
          resources: [`${s3Arn('sagemaker-project-p-*')}/batch-input/*`, `${s3Arn('sagemaker-project-p-*')}/batch-output/smoke-test/*`],
          conditions: { StringEquals: { 's3:ResourceAccount': this.account } },
        }),
        new iam.PolicyStatement({
          sid: 'ListBatchInput',
          actions: ['s3:ListBucket'],
          resources: [s3Arn('sagemaker-project-p-*')],
          conditions: { StringEquals: { 's3:ResourceAccount': this.account }, StringLike: { 's3:prefix': 'batch-input/*' } },
        }),
        // A batch stage's schedule role and the staging test start transform jobs tagged with a
        // project id (tagging them at creation); the test watches them and reads the staging stack's run definition.
        new iam.PolicyStatement({
          sid: 'StartProjectTransformJobs',
          actions: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags'],
          resources: [arn('sagemaker', 'transform-job', '*')],
          conditions: tagged('aws:RequestTag'),
        }),
        new iam.PolicyStatement({
          sid: 'WatchProjectTransformJobs',
          actions: ['sagemaker:DescribeTransformJob'],
          resources: [arn('sagemaker', 'transform-job', '*')],
          conditions: tagged('aws:ResourceTag'),
        }),
        new iam.PolicyStatement({
          sid: 'ReadStagingStacks',
          actions: ['cloudformation:DescribeStacks'],
          resources: [arn('cloudformation', 'stack', 'sagemaker-*-deploy-staging/*')],
        }),
        // The jobs' encrypted ML storage volumes: grants SageMaker creates on a project key of this account.
        new iam.PolicyStatement({
          sid: 'ProjectKeyGrantsForAwsResources',
          actions: ['kms:CreateGrant'],
          resources: [arn('kms', 'key', '*')],
          conditions: { ...tagged('aws:ResourceTag'), Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        new iam.PolicyStatement({
          sid: 'DescribeProjectKeys',
          actions: ['kms:DescribeKey'],
          resources: [arn('kms', 'key', '*')],
          conditions: tagged('aws:ResourceTag'),
        }),
        new iam.PolicyStatement({
          sid: 'EndpointLogs',
          actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [colonArn('logs', 'log-group', '/aws/sagemaker/Endpoints/*'),
            // A batch stage's transform jobs: the account's job log group, streams named after the jobs.
            colonArn('logs', 'log-group', '/aws/sagemaker/TransformJobs'), colonArn('logs', 'log-group', '/aws/sagemaker/TransformJobs:log-stream:*')],
        }),
        new iam.PolicyStatement({
          sid: 'EndpointMetrics',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } },
        }),
      ],
    });

    this.executionRole = new iam.Role(this, 'CfnExecutionRole', {
      roleName: TARGET_SETUP.executionRoleName,
      path: TARGET_SETUP.path,
      assumedBy: new iam.ServicePrincipal(CLOUDFORMATION_SERVICE),
      description: `CloudFormation deploying the stage stacks of account ${projectAccount}'s SageMaker projects`,
    });
    const exec = this.executionRole;
    const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      exec.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    const boundary = { StringEquals: { 'iam:PermissionsBoundary': this.stageRoleBoundary.managedPolicyArn } };
    allow('StageRolesOnlyWithBoundary', [
      'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy',
    ], [stageRoles], boundary);
    allow('ManageStageRoles', [
      'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:DeleteRole',
      'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
    ], [stageRoles]);
    allow('PassStageRolesToSageMaker', ['iam:PassRole'], [stageRoles], { StringEquals: { 'iam:PassedToService': SAGEMAKER_SERVICE } });
    allow('AutoScalingServiceLinkedRole', ['iam:CreateServiceLinkedRole'], [iamArn('role',
      'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint')],
    { StringEquals: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } });

    // Models and endpoint configurations get names from CloudFormation; endpoints are named after
    // their project. The project-id tag, required at creation, is what scopes them all.
    // Inference components: a stage that scales to zero (the deploy seed's scale-to-zero setting).
    const endpointResources = [arn('sagemaker', 'model', '*'), arn('sagemaker', 'endpoint-config', '*'), arn('sagemaker', 'endpoint', '*'),
      arn('sagemaker', 'inference-component', '*')];
    allow('CreateTaggedModelsAndEndpoints', ['sagemaker:CreateModel', 'sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint',
      'sagemaker:CreateInferenceComponent', 'sagemaker:AddTags'],
      endpointResources, tagged('aws:RequestTag'));
    allow('ManageTaggedModelsAndEndpoints', [
      'sagemaker:DescribeModel', 'sagemaker:DeleteModel', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig',
      'sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint',
      'sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:ListTags', 'sagemaker:DeleteTags',
      'sagemaker:DescribeInferenceComponent', 'sagemaker:UpdateInferenceComponent', 'sagemaker:DeleteInferenceComponent',
      'sagemaker:UpdateInferenceComponentRuntimeConfig',
    ], endpointResources, tagged('aws:ResourceTag'));
    // A model from the project account's registry (whose group policy grants this account's roles by name).
    allow('ModelsFromProjectPackages', [
      'sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel',
    ], [arn('sagemaker', 'model-package', '*', { account: projectAccount }), arn('sagemaker', 'model-package-group', '*', { account: projectAccount })]);

    const stageStackAlarms = colonArn('cloudwatch', 'alarm', 'sagemaker-*');
    // Application Auto Scaling's alarms of an endpoint variant or an inference component (scale to zero).
    const targetTrackingAlarms = ['endpoint', 'inference-component'].map((t) => colonArn('cloudwatch', 'alarm', `TargetTracking-${t}/*`));
    allow('StageStackAlarmsNotifyProjectTopics', ['cloudwatch:PutMetricAlarm'], [stageStackAlarms],
      { 'ForAllValues:StringLike': { 'cloudwatch:AlarmActions': [projectTopics] } });
    allow('TargetTrackingAlarms', ['cloudwatch:PutMetricAlarm'], targetTrackingAlarms);
    allow('ManageAlarms', ['cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource'],
      [stageStackAlarms, ...targetTrackingAlarms]);
    // Scalable targets of SageMaker variants and inference components, registered only with a
    // project id and a stage as tags, changed only when tagged so (the endpoint stacks tag them).
    const scalableTargets = [arn('application-autoscaling', 'scalable-target', '*')];
    const sageMakerTargets = { StringEquals: {
      'application-autoscaling:service-namespace': 'sagemaker',
      'application-autoscaling:scalable-dimension': [...SAGEMAKER_SCALABLE_DIMENSIONS],
    } };
    const targetTagged = (key: 'aws:RequestTag' | 'aws:ResourceTag') =>
      ({ Null: { [`${key}/${PROJECT_ID_TAG}`]: 'false', [`${key}/${DEPLOYMENT_STAGE_TAG}`]: 'false' } });
    allow('RegisterTaggedScalableTargets', ['application-autoscaling:RegisterScalableTarget'], scalableTargets,
      { ...sageMakerTargets, ...targetTagged('aws:RequestTag') });
    allow('ManageTaggedScalableTargets', [
      'application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy',
    ], scalableTargets, { ...sageMakerTargets, ...targetTagged('aws:ResourceTag') });
    allow('TagTaggedScalableTargets', ['application-autoscaling:TagResource', 'application-autoscaling:ListTagsForResource'], scalableTargets,
      targetTagged('aws:ResourceTag'));
    allow('UntagTaggedScalableTargets', ['application-autoscaling:UntagResource'], scalableTargets, {
      ...targetTagged('aws:ResourceTag'),
      'ForAllValues:StringNotEquals': { 'aws:TagKeys': [PROJECT_ID_TAG, DEPLOYMENT_STAGE_TAG] },
    });
    allow('DescribeWithoutResourceType', [
      // These have no resource type in IAM: '*' only.
      'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies',
      'application-autoscaling:DescribeScalingActivities', 'cloudwatch:DescribeAlarms',
    ], ['*']);

    // A project's key, data capture bucket and alarm topic in this account.
    // CreateKey has no resource type; the tags come with the request.
    allow('CreateTaggedKeys', ['kms:CreateKey'], ['*'], tagged('aws:RequestTag'));
    allow('ManageTaggedKeys', [
      'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus',
      'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:ListResourceTags', 'kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias',
    ], [arn('kms', 'key', '*')], tagged('aws:ResourceTag'));
    allow('ProjectKeyAliases', ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], [arn('kms', 'alias', 'sagemaker-project-p-*')]);
    allow('KeyGrantsForAwsResources', ['kms:CreateGrant'], [arn('kms', 'key', '*')],
      { ...tagged('aws:ResourceTag'), Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    allow('ProjectBuckets', [
      's3:CreateBucket', 's3:DeleteBucket', 's3:GetBucketLocation', 's3:ListBucket',
      's3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy',
      's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration', 's3:PutBucketVersioning', 's3:GetBucketVersioning',
      's3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock', 's3:PutLifecycleConfiguration', 's3:GetLifecycleConfiguration',
      's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls',
      's3:PutBucketTagging', 's3:GetBucketTagging',
      // EventBridge notifications on every bucket (the project's EventBridgeNotifications aspect).
      's3:PutBucketNotification', 's3:GetBucketNotification',
    ], [s3Arn('sagemaker-project-p-*')]);
    allow('ProjectTopics', [
      'sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:Subscribe', 'sns:Unsubscribe',
      'sns:TagResource', 'sns:UntagResource', 'sns:ListTagsForResource',
    ], [projectTopics]);

    // A batch stage's stack (the deploy seed's "inference": "batch"): its schedule group
    // `<name>-<stage>-batch` (tagged with its project id) holding the schedule `transform`, which
    // starts the stage's runs as the stage's schedule role (`sagemaker-<id>-<stage>-batch-schedule`,
    // passed to EventBridge Scheduler only), and the rule `<name>-<stage>-batch-failed` (tagged)
    // sending failed runs to the project's alarm topic. Its model and alarm are covered above.
    // A managed policy of their own: with them, the execution role's inline policy would pass IAM's
    // 10,240 characters for a role's inline policies (a managed policy has its own 6,144; both
    // limits are tested in test/stacks/target-account-setup-iam.test.ts). The set-up is deployed
    // by an administrator of the account, who may create it.
    const batchPolicy = new iam.ManagedPolicy(exec, 'BatchStackPolicy', {
      roles: [exec],
      description: "Lets CloudFormation deploy the batch stages' stacks of the project account's SageMaker projects",
    });
    const allowBatch = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      batchPolicy.addStatements(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    const scheduleGroups = arn('scheduler', 'schedule-group', '*-batch');
    allowBatch('CreateTaggedBatchScheduleGroups', ['scheduler:CreateScheduleGroup', 'scheduler:TagResource'], [scheduleGroups], tagged('aws:RequestTag'));
    allowBatch('ManageTaggedBatchScheduleGroups', [
      'scheduler:GetScheduleGroup', 'scheduler:DeleteScheduleGroup', 'scheduler:ListTagsForResource', 'scheduler:UntagResource',
    ], [scheduleGroups], tagged('aws:ResourceTag'));
    // Schedules carry no tags; their group's name is the scope (DeleteScheduleGroup deletes them too).
    allowBatch('BatchSchedules', ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      [arn('scheduler', 'schedule', '*-batch/transform')]);
    allowBatch('PassBatchScheduleRolesToScheduler', ['iam:PassRole'], [iamArn('role', `${TARGET_SETUP.stageRolePath.slice(1)}sagemaker-*-batch-schedule`)],
      { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    const failureRules = arn('events', 'rule', '*-batch-failed');
    allowBatch('CreateTaggedBatchFailureRules', ['events:PutRule', 'events:TagResource'], [failureRules], tagged('aws:RequestTag'));
    // PutRule again on update (a rule with its tags already).
    allowBatch('ManageTaggedBatchFailureRules', [
      'events:PutRule', 'events:DescribeRule', 'events:DeleteRule', 'events:EnableRule', 'events:DisableRule', 'events:RemoveTargets',
      'events:ListTargetsByRule', 'events:ListTagsForResource', 'events:UntagResource',
    ], [failureRules], tagged('aws:ResourceTag'));
    // Their one target: a project's alarm topic (EventBridge publishes there by the topic's policy, no role).
    allowBatch('BatchFailureRulesTargetProjectTopics', ['events:PutTargets'], [failureRules],
      { ...tagged('aws:ResourceTag'), 'ForAllValues:ArnLike': { 'events:TargetArn': [projectTopics] } });

    this.deployAccessRole = new iam.Role(this, 'DeployAccessRole', {
      roleName: TARGET_SETUP.deployAccessRoleName,
      path: TARGET_SETUP.path,
      // The project account, and in it only the deploy pipeline roles of its projects.
      assumedBy: new iam.AccountPrincipal(projectAccount).withConditions({
        ArnLike: { 'aws:PrincipalArn': TARGET_SETUP.trustedRolePaths.map((p) => `arn:${this.partition}:iam::${projectAccount}:role${p}${TARGET_SETUP.trustedRoleNamePattern}`) },
      }),
      description: `The deploy pipelines and teardowns of account ${projectAccount}'s SageMaker projects running their stage stacks here`,
    });
    const access = this.deployAccessRole;
    // And each project's teardown role (`sagemaker-<id>-teardown`), only with a session tag of its
    // own project id: its role's name, its role's tag and the session tag all name the same project.
    const tag = TARGET_SETUP.projectIdTag;
    const teardownProject = `\${aws:PrincipalTag/${tag}}`;
    access.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      sid: 'ProjectTeardowns',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      principals: [new iam.AccountPrincipal(projectAccount)],
      conditions: {
        // A role of the fixed pattern, and the one whose name holds its own tag.
        // At either path of the deploy pipeline roles (`cdk deploy` projects, published Studio templates).
        StringLike: { 'aws:PrincipalArn': TARGET_SETUP.trustedRolePaths.map((p) => `arn:${this.partition}:iam::${projectAccount}:role${p}${TARGET_SETUP.trustedTeardownRoleNamePattern}`) },
        ArnLike: { 'aws:PrincipalArn': TARGET_SETUP.trustedRolePaths.map((p) => `arn:${this.partition}:iam::${projectAccount}:role${p}sagemaker-${teardownProject}-teardown`) },
        StringEquals: { [`aws:RequestTag/${tag}`]: teardownProject },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [tag] },
      },
    }));
    // A deploy pipeline's session carries no project tag; a teardown's always does.
    const deploySession = { [`aws:PrincipalTag/${tag}`]: 'true' };
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RunStageStacksAsExecutionRole',
      // Only through the execution role: what a stack does is bounded by that role, not this one.
      actions: ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack'],
      resources: [projectStacks],
      conditions: { StringEquals: { 'cloudformation:RoleArn': exec.roleArn }, Null: deploySession },
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadStageStacks',
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResources', 'cloudformation:GetTemplate'],
      resources: [projectStacks],
      conditions: { Null: deploySession },
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassExecutionRole',
      actions: ['iam:PassRole'],
      resources: [exec.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': CLOUDFORMATION_SERVICE } },
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadPipelineArtifacts',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [`${s3Arn('sagemaker-project-p-*-pipeline-artifacts')}/*`],
      conditions: { StringEquals: { 's3:ResourceAccount': projectAccount }, Null: deploySession },
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptPipelineArtifacts',
      actions: ['kms:Decrypt'],
      resources: [arn('kms', 'key', '*', { account: projectAccount })],
      conditions: { Null: { ...tagged('aws:ResourceTag').Null, ...deploySession }, StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
    }));
    // A teardown session deletes its own project's stacks (`sagemaker-<name>-<id>-deploy-<stage>`,
    // `sagemaker-<name>-<id>-target-<account>`) with the execution role, and nothing else.
    const ownStacks = ['deploy', 'target'].map((kind) => arn('cloudformation', 'stack', `sagemaker-*-${teardownProject}-${kind}-*/*`));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TeardownDeletesItsProjectStacks',
      actions: ['cloudformation:DeleteStack'],
      resources: ownStacks,
      conditions: { StringEquals: { 'cloudformation:RoleArn': exec.roleArn } },
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TeardownReadsItsProjectStacks',
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'],
      resources: ownStacks,
    }));
    // Before that, it stops its project's running batch transforms there (a batch stage's jobs,
    // `<name>-<stage>-<run id>`, tagged with their project's id), which would outlive their stacks.
    const teardownSession = { Null: { [`aws:PrincipalTag/${tag}`]: 'false' } };
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TeardownFindsTransformJobs',
      // ListTransformJobs has no resource type in IAM; it can only be granted on '*'.
      actions: ['sagemaker:ListTransformJobs'],
      resources: ['*'],
      conditions: teardownSession,
    }));
    // Named `*-<stage>-*` (lower case in ARNs): the stages' jobs. The teardown reads their tags to
    // tell its project's from others' (left alone), and may stop only those tagged with its project id.
    const stageJobs = DEPLOYMENT_STAGES.map((stage) => arn('sagemaker', 'transform-job', `*-${stage}-*`));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TeardownReadsTransformJobTags',
      actions: ['sagemaker:ListTags'],
      resources: stageJobs,
      conditions: teardownSession,
    }));
    access.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TeardownStopsItsProjectTransformJobs',
      actions: ['sagemaker:StopTransformJob'],
      resources: stageJobs,
      conditions: { StringEquals: { [`aws:ResourceTag/${tag}`]: teardownProject } },
    }));
    Aspects.of(this).add(new AcknowledgeWildcards(SETUP_WILDCARD_REASONS));
  }
}
