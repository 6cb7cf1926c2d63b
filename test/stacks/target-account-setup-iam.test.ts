import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TARGET_SETUP } from '../../lib/contract/accounts';
import { PROJECT_ROLE_PATH } from '../../lib/contract/names';
import { TargetAccountSetupStack } from '../../lib/stacks/target-account-setup-stack';
import { nagFindings } from '../support/compliance';
import { evaluate, PROD_ACCOUNT, PROJECT_ACCOUNT, preparedAccount, REGION, STAGING_ACCOUNT, TemplateRole, decide, identity, mayDoAnything } from '../support/multi-account';

/**
 * The one-time preparation of a target account, evaluated with @cloud-copilot/iam-simulate: who
 * may use it (the project account's deploy pipeline roles only), what it lets them do (run
 * `sagemaker-*` stacks as the execution role only), and what that role may create.
 */
const OTHER_ACCOUNT = '444444444444';
const PATH = TARGET_SETUP.path;
const roleArn = (account: string, name: string, path = '/') => `arn:aws:iam::${account}:role${path}${name}`;
const accessArn = (account: string) => roleArn(account, TARGET_SETUP.deployAccessRoleName, PATH);
const executionArn = (account: string) => roleArn(account, TARGET_SETUP.executionRoleName, PATH);
const boundaryArn = (account: string) => `arn:aws:iam::${account}:policy${PATH}${TARGET_SETUP.stageRoleBoundaryName}`;
const stackArn = (account: string, name: string) => `arn:aws:cloudformation:${REGION}:${account}:stack/${name}/1a2b3c4d-0000-0000-0000-000000000000`;
const pipelineRole = roleArn(PROJECT_ACCOUNT, 'sagemaker-p-abc123def456-deploy-pipeline');

const prepared = (account: string) => preparedAccount(account);
const staging = prepared(STAGING_ACCOUNT);
const prod = prepared(PROD_ACCOUNT);


describe('who may use a prepared account', () => {
  const assume = (principal: string, account: string, target: TemplateRole) => decide({
    principal,
    action: 'sts:AssumeRole',
    resource: accessArn(account),
    resourceAccount: account,
    // The callers' own policies allow everything: only the prepared account's trust decides.
    identityPolicies: mayDoAnything,
    resourcePolicy: target.trust,
  });

  test('a deploy pipeline role of the project account assumes the access role, in staging and in prod', async () => {
    expect(await assume(pipelineRole, STAGING_ACCOUNT, staging.access)).toBe('Allowed');
    expect(await assume(pipelineRole, PROD_ACCOUNT, prod.access)).toBe('Allowed');
  });

  test('so does one of a project created from a Studio template (its roles are under the template\'s role path)', async () => {
    const studioPipelineRole = roleArn(PROJECT_ACCOUNT, 'sagemaker-p-abc123def456-deploy-pipeline', PROJECT_ROLE_PATH);
    expect(await assume(studioPipelineRole, STAGING_ACCOUNT, staging.access)).toBe('Allowed');
    expect(await assume(studioPipelineRole, PROD_ACCOUNT, prod.access)).toBe('Allowed');
  });

  test.each([
    ['the same role name in another account', roleArn(OTHER_ACCOUNT, 'sagemaker-p-abc123def456-deploy-pipeline')],
    ['another role of the project account (a build project\'s)', roleArn(PROJECT_ACCOUNT, 'sagemaker-mlops-demo-p-abc123def456-BuildProjectRole-ABC')],
    ['the project account\'s root', `arn:aws:iam::${PROJECT_ACCOUNT}:root`],
    ['the same role name under another path', roleArn(PROJECT_ACCOUNT, 'sagemaker-p-abc123def456-deploy-pipeline', '/other/')],
    ['the staging account\'s own access role (staging reaching into prod)', accessArn(STAGING_ACCOUNT)],
  ])('%s cannot', async (_what, principal) => {
    expect(await assume(principal, PROD_ACCOUNT, prod.access)).toBe('ImplicitlyDenied');
  });

  test('nobody outside CloudFormation assumes the execution role, not even the project\'s pipeline role', async () => {
    expect(await decide({
      principal: pipelineRole, action: 'sts:AssumeRole', resource: executionArn(PROD_ACCOUNT), resourceAccount: PROD_ACCOUNT,
      identityPolicies: mayDoAnything, resourcePolicy: prod.execution.trust,
    })).toBe('ImplicitlyDenied');
  });
});

describe('what the access role does there', () => {
  const run = (action: string, stackName: string, roleArnParam: string | undefined, account = STAGING_ACCOUNT, role = staging.access) => decide({
    principal: accessArn(account === PROD_ACCOUNT ? PROD_ACCOUNT : STAGING_ACCOUNT),
    action,
    resource: stackArn(account, stackName),
    resourceAccount: account,
    identityPolicies: identity(role),
    context: roleArnParam === undefined ? {} : { 'cloudformation:RoleArn': roleArnParam },
  });

  test('creates, updates and deletes a project\'s stage stack with the execution role', async () => {
    for (const action of ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack']) {
      expect([action, await run(action, 'sagemaker-mlops-demo-p-abc123def456-deploy-staging', executionArn(STAGING_ACCOUNT))])
        .toEqual([action, 'Allowed']);
    }
  });

  test.each([
    ['with its own rights (no role)', 'sagemaker-mlops-demo-p-abc123def456-deploy-staging', undefined],
    ['with another role', 'sagemaker-mlops-demo-p-abc123def456-deploy-staging', roleArn(STAGING_ACCOUNT, 'Admin')],
    ['on a stack not named sagemaker-*', 'network', executionArn(STAGING_ACCOUNT)],
    ['on the account\'s set-up stack', TARGET_SETUP.stackName, executionArn(STAGING_ACCOUNT)],
  ])('cannot update a stack %s', async (_what, stackName, roleArnParam) => {
    expect(await run('cloudformation:UpdateStack', stackName, roleArnParam)).toBe('ImplicitlyDenied');
  });

  test('the staging account\'s access role cannot change a prod stack', async () => {
    expect(await run('cloudformation:UpdateStack', 'sagemaker-mlops-demo-p-abc123def456-deploy-prod', executionArn(PROD_ACCOUNT), PROD_ACCOUNT, staging.access))
      .toBe('ImplicitlyDenied');
  });

  test('passes the execution role to CloudFormation only', async () => {
    const pass = (service: string) => decide({
      principal: accessArn(STAGING_ACCOUNT), action: 'iam:PassRole', resource: executionArn(STAGING_ACCOUNT), resourceAccount: STAGING_ACCOUNT,
      identityPolicies: identity(staging.access), context: { 'iam:PassedToService': service },
    });
    expect(await pass('cloudformation.amazonaws.com')).toBe('Allowed');
    expect(await pass('lambda.amazonaws.com')).toBe('ImplicitlyDenied');
  });
});

describe('what the execution role creates', () => {
  const asExecution = (action: string, resource: string, context: Record<string, string | string[]> = {}) => decide({
    principal: executionArn(STAGING_ACCOUNT), action, resource, resourceAccount: STAGING_ACCOUNT,
    identityPolicies: identity(staging.execution), context,
  });
  const stageRole = roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-model', '/mlops-stage-roles/');

  test('a stage role only with the boundary', async () => {
    expect(await asExecution('iam:CreateRole', stageRole, { 'iam:PermissionsBoundary': boundaryArn(STAGING_ACCOUNT) })).toBe('Allowed');
    expect(await asExecution('iam:CreateRole', stageRole)).toBe('ImplicitlyDenied');
    expect(await asExecution('iam:PutRolePolicy', stageRole, { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('ImplicitlyDenied');
  });

  test.each([
    ['a role outside the stage roles\' path', roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-admin')],
    ['the set-up\'s own access role', accessArn(STAGING_ACCOUNT)],
  ])('no policy on %s, even with the boundary', async (_what, role) => {
    expect(await asExecution('iam:PutRolePolicy', role, { 'iam:PermissionsBoundary': boundaryArn(STAGING_ACCOUNT) })).toBe('ImplicitlyDenied');
  });

  test('endpoints only tagged with a project id', async () => {
    const endpoint = `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:endpoint/mlops-demo-staging`;
    expect(await asExecution('sagemaker:CreateEndpoint', endpoint, { 'aws:RequestTag/sagemaker:project-id': 'p-abc123def456', 'aws:TagKeys': ['sagemaker:project-id'] }))
      .toBe('Allowed');
    expect(await asExecution('sagemaker:CreateEndpoint', endpoint)).toBe('ImplicitlyDenied');
    expect(await asExecution('sagemaker:DeleteEndpoint', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:endpoint/untagged`)).toBe('ImplicitlyDenied');
  });

  test('scalable targets: registers SageMaker ones only tagged with a project id and a stage, changes only targets so tagged', async () => {
    const target = `arn:aws:application-autoscaling:${REGION}:${STAGING_ACCOUNT}:scalable-target/056d1b9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c`;
    const variant = { 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount' };
    const tags = (key: string) => ({ [`${key}/sagemaker:project-id`]: 'p-abc123def456', [`${key}/sagemaker:deployment-stage`]: 'staging' });
    const register = 'application-autoscaling:RegisterScalableTarget';
    expect(await asExecution(register, target, { ...variant, ...tags('aws:RequestTag') })).toBe('Allowed');
    expect(await asExecution(register, target, variant)).toBe('ImplicitlyDenied');
    expect(await asExecution(register, target, { ...tags('aws:RequestTag'), 'application-autoscaling:service-namespace': 'ecs', 'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount' }))
      .toBe('ImplicitlyDenied');
    for (const action of ['DeregisterScalableTarget', 'PutScalingPolicy', 'DeleteScalingPolicy', 'TagResource'].map((a) => `application-autoscaling:${a}`)) {
      expect([action, await asExecution(action, target, { ...variant, ...tags('aws:ResourceTag') })]).toEqual([action, 'Allowed']);
      // Another service's target, or an untagged one (registered outside the stage stacks).
      expect([action, await asExecution(action, target, variant)]).toEqual([action, 'ImplicitlyDenied']);
    }
    expect(await asExecution('application-autoscaling:UntagResource', target, { ...tags('aws:ResourceTag'), 'aws:TagKeys': ['sagemaker:project-id'] }))
      .toBe('ImplicitlyDenied');
  });

  test('not the account\'s other SageMaker buckets (the Studio default bucket)', async () => {
    expect(await asExecution('s3:PutBucketPolicy', `arn:aws:s3:::sagemaker-${REGION}-${STAGING_ACCOUNT}`)).toBe('ImplicitlyDenied');
    expect(await asExecution('s3:PutBucketPolicy', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}`)).toBe('Allowed');
  });
});

describe('a batch stage\'s stack (the deploy seed\'s "inference": "batch"), as the execution role deploys it', () => {
  const asExecution = (action: string, resource: string, context: Record<string, string | string[]> = {}, account = STAGING_ACCOUNT) => decide({
    principal: executionArn(account), action, resource, resourceAccount: account,
    identityPolicies: identity(account === PROD_ACCOUNT ? prod.execution : staging.execution), context,
  });
  const requestTagged = { 'aws:RequestTag/sagemaker:project-id': 'p-abc123def456', 'aws:TagKeys': ['sagemaker:project-id'] };
  const resourceTagged = { 'aws:ResourceTag/sagemaker:project-id': 'p-abc123def456' };
  const group = `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule-group/mlops-demo-staging-batch`;
  const schedule = `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule/mlops-demo-staging-batch/transform`;
  const rule = `arn:aws:events:${REGION}:${STAGING_ACCOUNT}:rule/mlops-demo-staging-batch-failed`;
  const topic = `arn:aws:sns:${REGION}:${STAGING_ACCOUNT}:sagemaker-p-abc123def456-endpoint-alarms`;
  const scheduleRole = roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-batch-schedule', '/mlops-stage-roles/');

  test.each([
    ['the schedule group, tagged', 'scheduler:CreateScheduleGroup', group, requestTagged],
    ['its tags', 'scheduler:TagResource', group, requestTagged],
    ['the group, deleted on teardown', 'scheduler:DeleteScheduleGroup', group, resourceTagged],
    ['the schedule transform', 'scheduler:CreateSchedule', schedule, {}],
    ['the schedule, updated to a new model', 'scheduler:UpdateSchedule', schedule, {}],
    ['the failed-run rule, tagged', 'events:PutRule', rule, requestTagged],
    ['the rule, updated', 'events:PutRule', rule, resourceTagged],
    ['the rule\'s target: the project\'s alarm topic', 'events:PutTargets', rule, { ...resourceTagged, 'events:TargetArn': [topic] }],
    ['the rule, deleted', 'events:DeleteRule', rule, resourceTagged],
    ['the stage\'s schedule role, passed to EventBridge Scheduler', 'iam:PassRole', scheduleRole, { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['the model, tagged', 'sagemaker:CreateModel', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:model/model-abc`, requestTagged],
  ])('creates %s', async (_what, action, resource, context) => {
    expect(await asExecution(action, resource, context)).toBe('Allowed');
  });

  test.each([
    ['a schedule group without a project id', 'scheduler:CreateScheduleGroup', group, {}],
    ['another schedule group of the account (not <name>-<stage>-batch)', 'scheduler:CreateScheduleGroup',
      `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule-group/default`, requestTagged],
    ['an untagged group\'s deletion', 'scheduler:DeleteScheduleGroup', `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule-group/other-batch`, {}],
    ['another schedule in a batch group', 'scheduler:CreateSchedule', `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule/mlops-demo-staging-batch/other`, {}],
    ['a schedule of the default group', 'scheduler:CreateSchedule', `arn:aws:scheduler:${REGION}:${STAGING_ACCOUNT}:schedule/default/transform`, {}],
    ['a rule without a project id', 'events:PutRule', rule, {}],
    ['another rule of the account', 'events:PutRule', `arn:aws:events:${REGION}:${STAGING_ACCOUNT}:rule/security-alerts`, requestTagged],
    ['a target that is not a project topic', 'events:PutTargets', rule,
      { ...resourceTagged, 'events:TargetArn': [`arn:aws:lambda:${REGION}:${STAGING_ACCOUNT}:function:anything`] }],
    ['a target on another account\'s bus', 'events:PutTargets', rule,
      { ...resourceTagged, 'events:TargetArn': [topic, `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:event-bus/default`] }],
    ['the schedule role passed to another service', 'iam:PassRole', scheduleRole, { 'iam:PassedToService': 'lambda.amazonaws.com' }],
    ['a model role passed to EventBridge Scheduler', 'iam:PassRole',
      roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-model', '/mlops-stage-roles/'), { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['a role outside the stage roles\' path passed to EventBridge Scheduler', 'iam:PassRole',
      roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-batch-schedule'), { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['a transform job (the schedule role starts them, not the deploy)', 'sagemaker:CreateTransformJob',
      `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:transform-job/mlops-demo-staging-1`, requestTagged],
  ])('does not create %s', async (_what, action, resource, context) => {
    expect(await asExecution(action, resource, context)).toBe('ImplicitlyDenied');
  });
});

describe('the set-up\'s policies stay within IAM\'s size limits', () => {
  const template = () => Template.fromStack(new TargetAccountSetupStack(new App(), 'Setup', {
    projectAccount: PROJECT_ACCOUNT, env: { account: STAGING_ACCOUNT, region: REGION },
  }));
  // As IAM stores them (no whitespace), with the partition and this account's region and id filled in.
  const size = (document: unknown) => JSON.stringify(evaluate(document, STAGING_ACCOUNT)).replace(/<[^>"]+>/g, 'x'.repeat(80)).length;

  test('the boundary and the batch stacks\' policy, managed policies: at most 6,144 characters each', () => {
    const managed = Object.entries(template().findResources('AWS::IAM::ManagedPolicy'));
    expect(managed.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['CfnExecutionRoleBatchStackPolicy', 'StageRoleBoundary']);
    for (const [, policy] of managed) expect(size(policy.Properties.PolicyDocument)).toBeLessThan(6_144);
  });

  test('the execution role\'s inline policy: at most 10,240 characters', () => {
    const policies = Object.values(template().findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('CfnExecutionRole'));
    expect(policies.length).toBe(1);
    expect(size(policies[0].Properties.PolicyDocument)).toBeLessThan(10_240);
  });
});

describe('what a role under the boundary may do, whatever its own policy says', () => {
  const underBoundary = (action: string, resource: string, resourceAccount = STAGING_ACCOUNT, context: Record<string, string | string[]> = {}) => decide({
    principal: roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-model', '/mlops-stage-roles/'),
    action, resource, resourceAccount, identityPolicies: mayDoAnything, boundary: staging.boundary, context,
  });

  test('invokes a project\'s endpoint and writes data capture', async () => {
    expect(await underBoundary('sagemaker:InvokeEndpoint', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:endpoint/mlops-demo-staging`,
      STAGING_ACCOUNT, { 'aws:ResourceTag/sagemaker:project-id': 'p-abc123def456' })).toBe('Allowed');
    expect(await underBoundary('s3:PutObject', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}/datacapture-staging/x`,
      STAGING_ACCOUNT, { 's3:ResourceAccount': STAGING_ACCOUNT })).toBe('Allowed');
  });

  test('runs a project\'s batch transforms: reads its input, lists it, starts and watches tagged jobs, encrypts their volumes', async () => {
    const capture = `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}`;
    const inAccount = { 's3:ResourceAccount': STAGING_ACCOUNT };
    const job = `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:transform-job/mlops-demo-staging-1`;
    const key = `arn:aws:kms:${REGION}:${STAGING_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(await underBoundary('s3:GetObject', `${capture}/batch-input/staging/day.csv`, STAGING_ACCOUNT, inAccount)).toBe('Allowed');
    expect(await underBoundary('s3:GetObject', `${capture}/batch-output/smoke-test/t1/sample.out`, STAGING_ACCOUNT, inAccount)).toBe('Allowed');
    expect(await underBoundary('s3:ListBucket', capture, STAGING_ACCOUNT, { ...inAccount, 's3:prefix': 'batch-input/staging/' })).toBe('Allowed');
    expect(await underBoundary('sagemaker:CreateTransformJob', job, STAGING_ACCOUNT, { 'aws:RequestTag/sagemaker:project-id': 'p-abc123def456' })).toBe('Allowed');
    expect(await underBoundary('sagemaker:DescribeTransformJob', job, STAGING_ACCOUNT, { 'aws:ResourceTag/sagemaker:project-id': 'p-abc123def456' })).toBe('Allowed');
    // KMS needs the key's policy too: the default one, which defers to IAM.
    const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const grant = (forAwsResource: string) => decide({
      principal: roleArn(STAGING_ACCOUNT, 'sagemaker-p-abc123def456-staging-batch-schedule', '/mlops-stage-roles/'), action: 'kms:CreateGrant',
      resource: key, resourceAccount: STAGING_ACCOUNT, identityPolicies: mayDoAnything, boundary: staging.boundary, resourcePolicy: keyPolicy,
      context: { 'aws:ResourceTag/sagemaker:project-id': 'p-abc123def456', 'kms:GrantIsForAWSResource': forAwsResource },
    });
    expect(await grant('true')).toBe('Allowed');
    expect(await grant('false')).toBe('ImplicitlyDenied');
    expect(await underBoundary('cloudformation:DescribeStacks', stackArn(STAGING_ACCOUNT, 'sagemaker-mlops-demo-p-abc123def456-deploy-staging'))).toBe('Allowed');
    expect(await underBoundary('logs:PutLogEvents', `arn:aws:logs:${REGION}:${STAGING_ACCOUNT}:log-group:/aws/sagemaker/TransformJobs:log-stream:mlops-demo-staging-1/i-1`))
      .toBe('Allowed');
  });

  test.each([
    ['start an untagged transform job', 'sagemaker:CreateTransformJob', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:transform-job/x`, {}],
    ['watch an untagged transform job', 'sagemaker:DescribeTransformJob', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:transform-job/x`, {}],
    ['stop a transform job', 'sagemaker:StopTransformJob', `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:transform-job/x`,
      { 'aws:ResourceTag/sagemaker:project-id': 'p-abc123def456' }],
    ['read a project bucket outside the batch folders', 's3:GetObject', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}/datacapture-staging/x`,
      { 's3:ResourceAccount': STAGING_ACCOUNT }],
    ['list a project bucket outside batch-input/', 's3:ListBucket', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}`,
      { 's3:ResourceAccount': STAGING_ACCOUNT, 's3:prefix': 'datacapture-staging/' }],
    ['list a project bucket without a prefix', 's3:ListBucket', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}`,
      { 's3:ResourceAccount': STAGING_ACCOUNT }],
    ['read a prod stack', 'cloudformation:DescribeStacks', stackArn(STAGING_ACCOUNT, 'sagemaker-mlops-demo-p-abc123def456-deploy-prod'), {}],
  ])('cannot %s', async (_what, action, resource, context) => {
    expect(await underBoundary(action, resource, STAGING_ACCOUNT, context)).toBe('ImplicitlyDenied');
  });

  test.each([
    ['create a role', 'iam:CreateRole', roleArn(STAGING_ACCOUNT, 'anything')],
    ['update a stack', 'cloudformation:UpdateStack', stackArn(STAGING_ACCOUNT, 'sagemaker-mlops-demo-p-abc123def456-deploy-staging')],
    ['assume a role', 'sts:AssumeRole', roleArn(PROD_ACCOUNT, 'anything')],
    ['read a bucket of the account that is not a project\'s', 's3:GetObject', `arn:aws:s3:::sagemaker-${REGION}-${STAGING_ACCOUNT}/x`],
  ])('cannot %s', async (_what, action, resource) => {
    expect(await underBoundary(action, resource)).toBe('ImplicitlyDenied');
  });
});

test('cdk-nag AwsSolutions finds nothing unacknowledged: every wildcard has its reason', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'target-setup-nag-'));
  try {
    const app = new App({ outdir });
    new TargetAccountSetupStack(app, 'Setup', { projectAccount: PROJECT_ACCOUNT, env: { account: STAGING_ACCOUNT, region: REGION } });
    const { findings, error } = nagFindings(app, outdir, { validate: false });
    expect(error).toBeUndefined();
    expect(findings).toEqual([]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
