import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AcknowledgeWildcards, PROJECT_WILDCARD_REASONS, projectWildcardReasons, SETUP_WILDCARD_REASONS, TARGET_WILDCARD_REASONS, WildcardReason } from '../lib/private/wildcard-acknowledgements';
import { testApp } from './support/app';
import { nagFindings } from './support/compliance';

/**
 * One row per reason of PROJECT_WILDCARD_REASONS, in order: findings the reason must accept (as
 * cdk-nag renders them on the real templates) and near-misses that no reason may accept. Action
 * reasons also list the resources they are accepted and refused on, resource reasons limited to
 * some actions the actions they are accepted and refused with.
 */
interface ReasonCase {
  readonly what: string;
  readonly accepts: string[];
  readonly rejects: string[];
  readonly acceptsOn?: string[];
  readonly rejectsOn?: string[];
  readonly acceptsWith?: string[];
  readonly rejectsWith?: string[];
}

const ARN = 'arn:<AWS::Partition>';
const SM = `${ARN}:sagemaker:<AWS::Region>:<AWS::AccountId>`;
const BUCKET = '<ProjectArtifactStoreBucketA8ED1D3C.Arn>';
const KEY = '<ProjectArtifactStoreKeyE0D830BB.Arn>';
const PIPELINE_BUCKET = '<ProjectArtifactStorePipelineArtifacts74F35A20.Arn>';
const BUILD_PIPELINE_BUCKET = '<ProjectArtifactStoreBuildPipelineArtifacts1A2B3C4D.Arn>';
const STACKS = `${ARN}:cloudformation:<AWS::Region>:<AWS::AccountId>:stack`;
const ALARM = `${ARN}:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm`;
const LOGS = `${ARN}:logs:<AWS::Region>:<AWS::AccountId>`;
/**
 * The stacks next to the endpoint stacks that no stack-named acknowledgement may cover: the
 * project's own stack (with a derived and with a configured id), a target account's stack, the
 * Service Catalog stack, and a name that only starts like an endpoint stack's.
 */
const NEIGHBOUR_STACKS = [
  'sagemaker-mlops-demo', 'sagemaker-mlops-demo-p-abc123def456', 'sagemaker-mlops-demo-p-abc123def456-target-222222222222',
  'sagemaker-mlops-service-catalog', 'sagemaker-mlops-demo-p-abc123def456-deploy-prod-x',
];

const CASES: ReasonCase[] = [
  {
    what: "aws-cdk-lib's bucket grant action groups",
    accepts: ['Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'],
    rejects: ['Action::s3:*', 'Action::s3:Get*', 'Action::s3:PutBucket*', 'Action::s3:GetObject*Acl'],
    acceptsOn: [BUCKET, `${BUCKET}/*`, `${BUCKET}/mlops-demo-<ProjectProjectId14C4859D.Value>/code/*`, `${BUCKET}/datacapture-*`,
      PIPELINE_BUCKET, `${PIPELINE_BUCKET}/*`],
    rejectsOn: ['<OtherBucketA1B2C3D4.Arn>/*', '<ProjectArtifactStoreAccessLogs5608AF14.Arn>', 'arn:aws:s3:::someone-elses-bucket/*',
      `${BUCKET}/*/code/*`, '<ProjectArtifactStoreBucketEvilA1B2C3D4.Arn>/*', `${PIPELINE_BUCKET}/*/x`],
  },
  {
    what: "aws-cdk-lib's key grant action groups",
    accepts: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
    rejects: ['Action::kms:*', 'Action::kms:Create*', 'Action::kms:ReEncrypt*From'],
    acceptsOn: [KEY],
    rejectsOn: ['<OtherKeyA1B2C3D4.Arn>', `${ARN}:kms:<AWS::Region>:<AWS::AccountId>:key/*`, '*'],
  },
  {
    what: 'objects of the artifact bucket',
    accepts: [`Resource::${BUCKET}/*`, `Resource::${BUCKET}/<SageMakerProjectName>-<SageMakerProjectId>/*`,
      `Resource::${BUCKET}/mlops-demo-p-abc123def456/definitions/*`, `Resource::${BUCKET}/datacapture-*`],
    rejects: ['Resource::<OtherBucketA1B2C3D4.Arn>/*', 'Resource::<ProjectArtifactStoreAccessLogs5608AF14.Arn>/*',
      'Resource::<ProjectArtifactStoreBucketEvilA1B2C3D4.Arn>/*', `Resource::${BUCKET}/*/secret/*`, `Resource::${BUCKET}*`,
      'Resource::arn:<AWS::Partition>:s3:::someone-elses-bucket/*'],
  },
  {
    what: "objects of the project's CodePipeline artifact bucket",
    accepts: [`Resource::${PIPELINE_BUCKET}/*`],
    rejects: ['Resource::<PipelineArtifactsBucket1A2B3C4D.Arn>/*', 'Resource::<OtherPipelineArtifacts1A2B3C4D.Arn>/*', `Resource::${PIPELINE_BUCKET}*`],
  },
  {
    what: "one output artifact of a build in its pipeline's artifact bucket",
    accepts: [`Resource::${PIPELINE_BUCKET}/*/Templates/*`, `Resource::${BUILD_PIPELINE_BUCKET}/*/Release/*`],
    rejects: [`Resource::${PIPELINE_BUCKET}/*/*/*`, `Resource::${PIPELINE_BUCKET}/*/BuildArtifact/*`, `Resource::${PIPELINE_BUCKET}/*/Templates*`,
      `Resource::${BUCKET}/*/Templates/*`, 'Resource::<OtherPipelineArtifacts1A2B3C4D.Arn>/*/Templates/*'],
    acceptsWith: ['s3:PutObject'],
    rejectsWith: ['s3:DeleteObject', 's3:GetObject', 's3:PutObjectAcl'],
  },
  {
    what: "SageMaker Pipelines' job names",
    accepts: [`Resource::${SM}:processing-job/pipelines-*`, `Resource::${SM}:training-job/pipelines-*`, `Resource::${SM}:transform-job/pipelines-*`],
    rejects: [`Resource::${SM}:processing-job/*`, `Resource::${SM}:hyper-parameter-tuning-job/pipelines-*`, `Resource::${SM}:training-job/pipelines-*/*`],
  },
  {
    what: "versions of the project's model package group",
    accepts: [`Resource::${SM}:model-package/mlops-demo-p-abc123def456/*`, `Resource::${SM}:model-package/mlops-demo-<ProjectProjectId14C4859D.Value>/*`],
    rejects: [`Resource::${SM}:model-package/*/*`, `Resource::${SM}:model-package/*`, `Resource::${SM}:model-package/mlops-*/*`],
  },
  {
    what: "executions of the project's pipeline",
    accepts: [`Resource::${SM}:pipeline/mlops-demo-p-abc123def456/execution/*`],
    rejects: [`Resource::${SM}:pipeline/*/execution/*`, `Resource::${SM}:pipeline/mlops-demo-p-abc123def456/*`],
  },
  {
    what: "SageMaker's public sample data",
    accepts: [`Resource::${ARN}:s3:::sagemaker-servicecatalog-seedcode-<AWS::Region>/dataset/*`,
      `Resource::${ARN}:s3:::sagemaker-sample-files/datasets/tabular/synthetic/*`],
    rejects: [`Resource::${ARN}:s3:::sagemaker-servicecatalog-seedcode-<AWS::Region>/*`,
      `Resource::${ARN}:s3:::sagemaker-*/dataset/*`, `Resource::${ARN}:s3:::*/*`],
    acceptsWith: ['s3:GetObject'],
    rejectsWith: ['s3:PutObject', 's3:DeleteObject', 's3:GetObjectAcl'],
  },
  {
    what: 'objects under a configured data location',
    accepts: [`Resource::${ARN}:s3:::my-data-bucket/*`, `Resource::${ARN}:s3:::my.data-bucket/raw/2024/*`],
    rejects: [`Resource::${ARN}:s3:::*/*`, `Resource::${ARN}:s3:::my-data-bucket/*/raw/*`, `Resource::${ARN}:s3:::my-data-*/*`,
      'Resource::arn:aws:s3:::my-data-bucket/*', `Resource::${ARN}:s3:::My_Bucket/*`],
    acceptsWith: ['s3:GetObject'],
    rejectsWith: ['s3:PutObject', 's3:DeleteObject'],
  },
  {
    what: "pull from SageMaker's deep learning container registries",
    accepts: [`Resource::${ARN}:ecr:<AWS::Region>:763104351884:repository/*`, `Resource::${ARN}:ecr:<AWS::Region>:626614931356:repository/*`],
    rejects: [`Resource::${ARN}:ecr:<AWS::Region>:111122223333:repository/*`, `Resource::${ARN}:ecr:<AWS::Region>:<AWS::AccountId>:repository/*`,
      `Resource::${ARN}:ecr:*:763104351884:repository/*`, `Resource::${ARN}:ecr:<AWS::Region>:763104351884:*`],
    acceptsWith: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
    rejectsWith: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:DeleteRepository'],
  },
  {
    what: 'streams of pipeline jobs in SageMaker\'s job log groups',
    accepts: ['ProcessingJobs', 'TrainingJobs', 'TransformJobs'].map((g) => `Resource::${LOGS}:log-group:/aws/sagemaker/${g}:log-stream:pipelines-*`),
    rejects: [`Resource::${LOGS}:log-group:/aws/sagemaker/ProcessingJobs:log-stream:*`, `Resource::${LOGS}:log-group:/aws/sagemaker/*`,
      `Resource::${LOGS}:log-group:/aws/sagemaker/ProcessingJobs*`, `Resource::${LOGS}:log-group:*`],
  },
  {
    what: "streams of the project's endpoint log groups",
    accepts: [`Resource::${LOGS}:log-group:/aws/sagemaker/Endpoints/mlops-demo-prod:log-stream:*`,
      `Resource::${LOGS}:log-group:/aws/sagemaker/Endpoints/<SageMakerProjectName>-staging:log-stream:*`],
    rejects: [`Resource::${LOGS}:log-group:/aws/sagemaker/Endpoints/*:log-stream:*`, `Resource::${LOGS}:log-group:/aws/sagemaker/Endpoints*`,
      `Resource::${LOGS}:log-group:/aws/sagemaker/Endpoints/mlops-demo-dev:log-stream:*`],
  },
  {
    what: "the project's CodeBuild log groups and report groups",
    accepts: [`Resource::${ARN}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<ProjectModelBuildProject0E004155>:*`,
      `Resource::${ARN}:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<ProjectModelDeployTestProject06A0FB7E>-*`],
    rejects: [`Resource::${ARN}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/*:*`,
      `Resource::${ARN}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<SomeoneElsesBuild1A2B3C4D>:*`,
      `Resource::${ARN}:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/*`],
  },
  {
    what: 'models and endpoint configurations named by CloudFormation',
    accepts: [`Resource::${SM}:model/*`, `Resource::${SM}:endpoint-config/*`],
    rejects: [`Resource::${SM}:endpoint/*`, `Resource::${SM}:*`, `Resource::${SM}:model-package-group/*`],
  },
  {
    what: "the endpoint stacks' alarms",
    accepts: [`Resource::${ALARM}:sagemaker-mlops-demo-p-abc123def456-deploy-prod-*`,
      `Resource::${ALARM}:sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-deploy-staging-*`],
    rejects: [`Resource::${ALARM}:*`, `Resource::${ALARM}:sagemaker-*-deploy-prod-*`, `Resource::${ALARM}:sagemaker-mlops-demo-p-abc123def456-deploy-dev-*`,
      ...NEIGHBOUR_STACKS.map((s) => `Resource::${ALARM}:${s}-*`)],
  },
  {
    what: "target-tracking alarms of the project's endpoints",
    accepts: [`Resource::${ALARM}:TargetTracking-endpoint/mlops-demo-prod/*`, `Resource::${ALARM}:TargetTracking-endpoint/<SageMakerProjectName>-staging/*`],
    rejects: [`Resource::${ALARM}:TargetTracking-endpoint/*`, `Resource::${ALARM}:TargetTracking-*`, `Resource::${ALARM}:TargetTracking-endpoint/*-prod/*`],
  },
  {
    what: "target-tracking alarms of the project's scale-to-zero inference components",
    accepts: [`Resource::${ALARM}:TargetTracking-inference-component/mlops-demo-staging-model-*`,
      `Resource::${ALARM}:TargetTracking-inference-component/mlops-demo-*-model-*`],
    rejects: [`Resource::${ALARM}:TargetTracking-inference-component/*`, `Resource::${ALARM}:TargetTracking-*`,
      `Resource::${ALARM}:TargetTracking-inference-component/mlops-demo-dev-model-*`],
  },
  {
    what: "the project's scale-to-zero inference components",
    accepts: [`Resource::${SM}:inference-component/mlops-demo-staging-model`, `Resource::${SM}:inference-component/mlops-demo-*-model`,
      `Resource::${SM}:inference-component/*-prod-model`],
    rejects: [`Resource::${SM}:inference-component/*`, `Resource::${SM}:inference-component/mlops-demo-dev-model`,
      `Resource::${SM}:inference-component/mlops-demo-staging-model*`, `Resource::${SM}:*`],
  },
  {
    what: 'scalable targets (generated ids)',
    accepts: [`Resource::${ARN}:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target/*`],
    rejects: [`Resource::${ARN}:application-autoscaling:*:*:scalable-target/*`, `Resource::${ARN}:application-autoscaling:<AWS::Region>:<AWS::AccountId>:*`],
  },
  {
    what: "the teardown's functions, any version",
    accepts: ['Resource::<ProjectTeardownOnEvent582138C3.Arn>:*', 'Resource::<ProjectTeardownProviderframeworkonTimeout4EE9C4A6.Arn>:*'],
    rejects: ['Resource::<SomeProviderHandler1A2B3C4D.Arn>:*', 'Resource::<MyTeardownFunction1A2B3C4D.Arn>:*',
      'Resource::<ProjectTeardownOnEvent582138C3.Arn>*', `Resource::${ARN}:lambda:<AWS::Region>:<AWS::AccountId>:function:*`],
  },
  {
    what: "CloudFormation deploy action's describe groups",
    accepts: ['Action::cloudformation:DescribeStack*', 'Action::cloudformation:GetTemplate*'],
    rejects: ['Action::cloudformation:*', 'Action::cloudformation:Describe*', 'Action::cloudformation:DeleteStack*'],
    acceptsOn: [`${STACKS}/sagemaker-mlops-demo-p-abc123def456-deploy-prod/*`, `${STACKS}/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-deploy-staging/*`],
    rejectsOn: [`${STACKS}/*`, `${STACKS}/sagemaker-*-deploy-prod/*`, `${STACKS}/someone-elses-stack/*`, '*',
      ...NEIGHBOUR_STACKS.map((s) => `${STACKS}/${s}/*`)],
  },
  {
    what: "the project's endpoint stacks",
    accepts: [`Resource::${STACKS}/sagemaker-mlops-demo-<ProjectProjectId14C4859D.Value>-deploy-prod/*`],
    rejects: [`Resource::${STACKS}/*`, `Resource::${STACKS}/sagemaker-*-deploy-prod/*`, `Resource::${STACKS}/sagemaker-mlops-demo-p-abc123def456-deploy-prod*`,
      ...NEIGHBOUR_STACKS.map((s) => `Resource::${STACKS}/${s}/*`)],
  },
  {
    what: "a batch stage's transform jobs",
    accepts: [`Resource::${SM}:transform-job/mlops-demo-staging-*`, `Resource::${SM}:transform-job/*-prod-*`],
    rejects: [`Resource::${SM}:transform-job/*`, `Resource::${SM}:transform-job/mlops-demo-*`, `Resource::${SM}:transform-job/mlops-demo-dev-*`,
      `Resource::${SM}:training-job/mlops-demo-prod-*`],
    acceptsWith: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:ListTags'],
    rejectsWith: ['sagemaker:DeleteTags', 'sagemaker:CreateModel', 'sagemaker:*'],
  },
  {
    what: "streams of a batch stage's transform jobs",
    accepts: [`Resource::${LOGS}:log-group:/aws/sagemaker/TransformJobs:log-stream:mlops-demo-prod-*`,
      `Resource::${LOGS}:log-group:/aws/sagemaker/TransformJobs:log-stream:<SageMakerProjectName>-staging-*`],
    rejects: [`Resource::${LOGS}:log-group:/aws/sagemaker/TransformJobs:log-stream:*`, `Resource::${LOGS}:log-group:/aws/sagemaker/TrainingJobs:log-stream:mlops-demo-prod-*`,
      `Resource::${LOGS}:log-group:/aws/sagemaker/TransformJobs:log-stream:mlops-demo-*`],
  },
];

const ROWS = CASES.map((c, i) => [i, c.what, c] as const);

describe('PROJECT_WILDCARD_REASONS', () => {
  test('every reason has accepted findings and near-misses', () => {
    expect(CASES).toHaveLength(PROJECT_WILDCARD_REASONS.length);
  });

  test.each(ROWS)('reason %i (%s) accepts its findings', (index, _reason, c) => {
    expect(c.accepts.filter((f) => !PROJECT_WILDCARD_REASONS[index].finding.test(f))).toEqual([]);
  });

  // A reason limited to some actions (read-only data) may accept a near-miss of another reason:
  // only with those actions, which the action tests below and the synthesized stacks check.
  test.each(ROWS)('reason %i (%s) rejects its near-misses, and no reason accepts them unconditionally', (index, _reason, c) => {
    expect(c.rejects.filter((f) => PROJECT_WILDCARD_REASONS[index].finding.test(f)
      || PROJECT_WILDCARD_REASONS.some((r) => !r.actions && r.finding.test(f)))).toEqual([]);
  });

  test.each(ROWS.filter(([i]) => PROJECT_WILDCARD_REASONS[i].resources))('action reason %i (%s) is limited to its resources', (index, _reason, c) => {
    const resources = PROJECT_WILDCARD_REASONS[index].resources!;
    expect({ refused: (c.acceptsOn ?? []).filter((r) => !resources.test(r)), accepted: (c.rejectsOn ?? []).filter((r) => resources.test(r)) })
      .toEqual({ refused: [], accepted: [] });
    expect(c.acceptsOn?.length && c.rejectsOn?.length).toBeTruthy();
  });

  test.each(ROWS.filter(([i]) => PROJECT_WILDCARD_REASONS[i].actions))('resource reason %i (%s) is limited to its actions', (index, _reason, c) => {
    const actions = PROJECT_WILDCARD_REASONS[index].actions!;
    expect({ refused: (c.acceptsWith ?? []).filter((a) => !actions.includes(a)), accepted: (c.rejectsWith ?? []).filter((a) => actions.includes(a)) })
      .toEqual({ refused: [], accepted: [] });
    expect(c.acceptsWith?.length && c.rejectsWith?.length).toBeTruthy();
  });

  // A target account's stack judges findings with the account's digits: the same neighbours stay refused there.
  test.each(NEIGHBOUR_STACKS)('no reason of the project or of a target account covers the neighbour stack %s', (stack) => {
    const findings = [
      ...[STACKS, STACKS.replace('<AWS::AccountId>', '222222222222')].map((s) => `Resource::${s}/${stack}/*`),
      ...[ALARM, ALARM.replace('<AWS::AccountId>', '222222222222')].map((a) => `Resource::${a}:${stack}-*`),
    ];
    const describeOn = [STACKS, STACKS.replace('<AWS::AccountId>', '222222222222')].map((s) => `${s}/${stack}/*`);
    for (const reasons of [PROJECT_WILDCARD_REASONS, TARGET_WILDCARD_REASONS]) {
      expect(findings.filter((f) => reasons.some((r) => r.finding.test(f)))).toEqual([]);
      expect(describeOn.filter((on) => reasons.some((r) => r.resources?.test(on) && r.finding.test('Action::cloudformation:DescribeStack*')))).toEqual([]);
    }
  });

  test('every action-wildcard reason names the resources it is accepted on', () => {
    const unscoped = PROJECT_WILDCARD_REASONS.filter((r) => r.finding.source.startsWith('^Action::') && !r.resources);
    expect(unscoped.map((r) => r.reason)).toEqual([]);
  });
});

/**
 * The batch stages' reasons of a target account's stack and of its set-up (multi-account batch
 * stages): each found by its finding, with findings it must accept (as cdk-nag renders them on the
 * real templates) and near-misses that no reason of its list may accept unconditionally.
 */
const STAGING = '222222222222';
const SETUP_ARN = (service: string, rest: string) => `Resource::arn:<AWS::Partition>:${service}:eu-west-1:${STAGING}:${rest}`;
const BATCH_REASON_CASES: Array<ReasonCase & { readonly list: 'target' | 'setup' }> = [
  {
    list: 'target',
    what: "a batch stage's folders of a target account's bucket",
    accepts: ['Resource::<ResourcesDataCaptureA99B5FDB.Arn>/batch-input/staging/*', 'Resource::<ResourcesDataCaptureA99B5FDB.Arn>/batch-output/prod/*',
      'Resource::<ResourcesDataCaptureA99B5FDB.Arn>/batch-input/smoke-test/*'],
    rejects: ['Resource::<ResourcesDataCaptureA99B5FDB.Arn>/batch-input/*', 'Resource::<ResourcesDataCaptureA99B5FDB.Arn>/*',
      'Resource::<ResourcesDataCaptureA99B5FDB.Arn>/batch-input/dev/*', 'Resource::<ResourcesAccessLogs1A2B3C4D.Arn>/batch-input/staging/*'],
    acceptsWith: ['s3:GetObject', 's3:PutObject'],
    rejectsWith: ['s3:DeleteObject', 's3:GetObject*', 's3:*'],
  },
  {
    list: 'setup',
    what: 'the boundary\'s reads of batch inputs and the staging test\'s outputs',
    accepts: ['Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-*/batch-input/*', 'Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-*/batch-output/smoke-test/*'],
    rejects: ['Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-*/batch-output/*', 'Resource::arn:<AWS::Partition>:s3:::*/batch-input/*'],
    acceptsWith: ['s3:GetObject'],
    rejectsWith: ['s3:PutObject', 's3:DeleteObject'],
  },
  {
    list: 'setup',
    what: 'the boundary\'s tagged transform jobs',
    accepts: [SETUP_ARN('sagemaker', 'transform-job/*'), 'Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/*'],
    rejects: [SETUP_ARN('sagemaker', 'training-job/*'), SETUP_ARN('sagemaker', '*')],
    acceptsWith: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags', 'sagemaker:DescribeTransformJob'],
    rejectsWith: ['sagemaker:StopTransformJob', 'sagemaker:DeleteTags', 'sagemaker:*'],
  },
  {
    list: 'setup',
    what: 'a teardown session\'s batch stages\' transform jobs',
    accepts: [SETUP_ARN('sagemaker', 'transform-job/*-staging-*'), SETUP_ARN('sagemaker', 'transform-job/*-prod-*')],
    rejects: [SETUP_ARN('sagemaker', 'transform-job/*-dev-*'), SETUP_ARN('sagemaker', 'transform-job/*-staging*'), SETUP_ARN('sagemaker', 'training-job/*-prod-*')],
    acceptsWith: ['sagemaker:ListTags', 'sagemaker:StopTransformJob'],
    rejectsWith: ['sagemaker:CreateTransformJob', 'sagemaker:DeleteTags', 'sagemaker:AddTags', 'sagemaker:*'],
  },
  {
    list: 'setup',
    what: 'the boundary\'s reads of the staging stacks',
    accepts: [SETUP_ARN('cloudformation', 'stack/sagemaker-*-deploy-staging/*')],
    rejects: [SETUP_ARN('cloudformation', 'stack/*'), SETUP_ARN('cloudformation', 'stack/sagemaker-*-deploy-prod/*')],
    acceptsWith: ['cloudformation:DescribeStacks'],
    rejectsWith: ['cloudformation:UpdateStack', 'cloudformation:GetTemplate'],
  },
  {
    list: 'setup',
    what: 'the boundary\'s transform job log streams',
    accepts: [SETUP_ARN('logs', 'log-group:/aws/sagemaker/TransformJobs:log-stream:*')],
    rejects: [SETUP_ARN('logs', 'log-group:/aws/sagemaker/TrainingJobs:log-stream:*'), SETUP_ARN('logs', 'log-group:*')],
  },
  {
    list: 'setup',
    what: "the batch stages' schedule groups",
    accepts: [SETUP_ARN('scheduler', 'schedule-group/*-batch')],
    rejects: [SETUP_ARN('scheduler', 'schedule-group/*'), SETUP_ARN('scheduler', 'schedule-group/*-batch*')],
  },
  {
    list: 'setup',
    what: "the batch stages' schedules",
    accepts: [SETUP_ARN('scheduler', 'schedule/*-batch/transform')],
    rejects: [SETUP_ARN('scheduler', 'schedule/*'), SETUP_ARN('scheduler', 'schedule/*/transform'), SETUP_ARN('scheduler', 'schedule/*-batch/*')],
    acceptsWith: ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
    rejectsWith: ['scheduler:DeleteScheduleGroup', 'scheduler:*'],
  },
  {
    list: 'setup',
    what: 'the batch schedule roles, passed',
    accepts: [`Resource::arn:<AWS::Partition>:iam::${STAGING}:role/mlops-stage-roles/sagemaker-*-batch-schedule`],
    rejects: [`Resource::arn:<AWS::Partition>:iam::${STAGING}:role/sagemaker-*-batch-schedule`, `Resource::arn:<AWS::Partition>:iam::${STAGING}:role/mlops-stage-roles/sagemaker-*`],
    acceptsWith: ['iam:PassRole'],
    rejectsWith: ['iam:PutRolePolicy', 'iam:*'],
  },
  {
    list: 'setup',
    what: "the batch stages' failed-run rules",
    accepts: [SETUP_ARN('events', 'rule/*-batch-failed')],
    rejects: [SETUP_ARN('events', 'rule/*'), SETUP_ARN('events', 'rule/*-batch-failed*'), SETUP_ARN('events', 'event-bus/*')],
  },
];

describe('the batch reasons of a target account and of its set-up', () => {
  const lists: Record<'target' | 'setup', readonly WildcardReason[]> = { target: TARGET_WILDCARD_REASONS, setup: SETUP_WILDCARD_REASONS };
  // The reason judged is the first whose finding matches (AcknowledgeWildcards).
  const judged = (c: (typeof BATCH_REASON_CASES)[number], finding: string) => lists[c.list].find((r) => r.finding.test(finding));
  const rows = BATCH_REASON_CASES.map((c) => [c.what, c] as const);

  test.each(rows)('%s: one reason accepts every finding', (_what, c) => {
    const reasons = c.accepts.map((f) => judged(c, f));
    expect(reasons.every((r) => r !== undefined && r === reasons[0])).toBe(true);
    const reason = reasons[0]!;
    if (c.acceptsWith) {
      expect({ refused: c.acceptsWith.filter((a) => !reason.actions!.includes(a)), accepted: (c.rejectsWith ?? []).filter((a) => reason.actions!.includes(a)) })
        .toEqual({ refused: [], accepted: [] });
    } else {
      expect(reason.actions).toBeUndefined();
    }
  });

  test.each(rows)('%s: no reason of its list accepts the near-misses unconditionally', (_what, c) => {
    expect(c.rejects.filter((f) => lists[c.list].some((r) => !r.actions && r.finding.test(f)))).toEqual([]);
    const reason = judged(c, c.accepts[0])!;
    expect(c.rejects.filter((f) => reason.finding.test(f))).toEqual([]);
  });
});

/** A stand-in for the project: the artifact store at the construct path the project uses. */
class FakeProject extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const store = new Construct(this, 'ArtifactStore');
    this.key = new kms.Key(store, 'Key', { enableKeyRotation: true });
    this.bucket = new s3.Bucket(store, 'Bucket', { encryptionKey: this.key, enforceSSL: true });
  }
}

/** The unacknowledged AwsSolutions-IAM5 findings of a stack whose one role gets `grant`. */
function wildcardFindings(grant: (role: iam.Role, project: FakeProject, stack: Stack) => void): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'wildcards-'));
  const app = testApp({ outdir, bundle: true });
  const stack = new Stack(app, 'WildcardStack');
  const project = new FakeProject(stack, 'Project');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  grant(role, project, stack);
  Aspects.of(stack).add(new AcknowledgeWildcards(PROJECT_WILDCARD_REASONS));
  // Only cdk-nag is looked at: template validation (its schema load) is the compliance gate's.
  const { findings } = nagFindings(app, outdir, { validate: false });
  return findings.map((f) => f.rule).filter((r) => r.startsWith('AwsSolutions-IAM5')).sort();
}

describe('AcknowledgeWildcards with PROJECT_WILDCARD_REASONS, on a synthesized stack', () => {
  test('acknowledges aws-cdk-lib grants on the artifact bucket and key, and reads under a data location', () => {
    // GIVEN / WHEN
    const findings = wildcardFindings((role, project) => {
      project.bucket.grantReadWrite(role);
      project.bucket.grantRead(role, 'mlops-demo-p-abc123def456/*');
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'], resources: [`arn:${Stack.of(role).partition}:s3:::my-data-bucket/raw/*`],
      }));
    });
    // THEN
    expect(findings).toEqual([]);
  });

  test.each([
    ['a bucket grant on an unrelated bucket', (role: iam.Role, _p: FakeProject, stack: Stack) => {
      new s3.Bucket(stack, 'Other', { enforceSSL: true }).grantRead(role);
    }, ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', 'Resource::<Other34654A52.Arn>/*']],
    ['a bucket grant on the artifact bucket and an imported bucket in one statement', (role: iam.Role, p: FakeProject, stack: Stack) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject*'],
        resources: [p.bucket.arnForObjects('*'), s3.Bucket.fromBucketName(stack, 'Imported', 'someone-elses-bucket').arnForObjects('*')],
      }));
    }, ['Action::s3:GetObject*', 'Resource::arn:<AWS::Partition>:s3:::someone-elses-bucket/*']],
    ['a key grant on another key', (role: iam.Role, _p: FakeProject, stack: Stack) => {
      new kms.Key(stack, 'OtherKey', { enableKeyRotation: true }).grantEncryptDecrypt(role);
    }, ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*']],
    ['write access under a data location', (role: iam.Role) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`arn:${Stack.of(role).partition}:s3:::my-data-bucket/raw/*`],
      }));
    }, ['Resource::arn:<AWS::Partition>:s3:::my-data-bucket/raw/*']],
    ['describe actions on any stack', (role: iam.Role) => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStack*'],
        resources: [Stack.of(role).formatArn({ service: 'cloudformation', resource: 'stack', resourceName: '*' })],
      }));
    }, ['Action::cloudformation:DescribeStack*', 'Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*']],
  ])('leaves %s unacknowledged', (_what, grant, expected) => {
    // GIVEN / WHEN
    const findings = wildcardFindings(grant);
    // THEN
    expect(findings).toEqual(expected.map((f) => `AwsSolutions-IAM5[${f}]`).sort());
  });
});

describe('projectWildcardReasons', () => {
  const pipelineJobs = (account: string) => `Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:${account}:processing-job/pipelines-*`;
  const accepted = (reasons: readonly { finding: RegExp }[], finding: string) => reasons.some((r) => r.finding.test(finding));

  test('of an environment-agnostic stack: the account token only', () => {
    const reasons = projectWildcardReasons(Stack.of(new Stack()).account);
    expect(accepted(reasons, pipelineJobs('<AWS::AccountId>'))).toBe(true);
    expect(accepted(reasons, pipelineJobs('111111111111'))).toBe(false);
  });

  test("of a stack pinned to an account (multi-account): that account's digits, not another's", () => {
    const reasons = projectWildcardReasons('111111111111');
    expect(accepted(reasons, pipelineJobs('111111111111'))).toBe(true);
    expect(accepted(reasons, pipelineJobs('<AWS::AccountId>'))).toBe(true);
    expect(accepted(reasons, pipelineJobs('222222222222'))).toBe(false);
  });
});
