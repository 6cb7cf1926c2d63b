import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { TARGET_SETUP } from '../../lib/contract/accounts';
import { PROJECT_ROLE_PATH } from '../../lib/contract/names';
import { TargetAccountSetupStack } from '../../lib/stacks/target-account-setup-stack';
import { nagFindings } from '../support/compliance';
import { PROD_ACCOUNT, PROJECT_ACCOUNT, preparedAccount, REGION, STAGING_ACCOUNT, TemplateRole, decide, identity, mayDoAnything } from '../support/multi-account';

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

  test('not the account\'s other SageMaker buckets (the Studio default bucket)', async () => {
    expect(await asExecution('s3:PutBucketPolicy', `arn:aws:s3:::sagemaker-${REGION}-${STAGING_ACCOUNT}`)).toBe('ImplicitlyDenied');
    expect(await asExecution('s3:PutBucketPolicy', `arn:aws:s3:::sagemaker-project-p-abc123def456-capture-${STAGING_ACCOUNT}`)).toBe('Allowed');
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
