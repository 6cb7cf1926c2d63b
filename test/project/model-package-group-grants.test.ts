import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeploymentAccounts, TARGET_SETUP } from '../../lib/contract/accounts';
import { ProjectNames } from '../../lib/contract/names';
import { EndpointDeployRole } from '../../lib/project/endpoint-deploy-role';
import { modelPackageGroupGrants } from '../../lib/project/sagemaker-project';
import { preparedAccount, setupRoleArn } from '../support/multi-account';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of a synthesized template
type Json = any;

const REGION = 'eu-west-1';
const PROJECT = '111111111111';
const STAGING = '222222222222';
const PROD = '333333333333';
const names = new ProjectNames('churn', 'p-abcdef123456');
const accounts: DeploymentAccounts = { projectAccount: PROJECT, stageAccounts: { staging: STAGING, prod: PROD } };
const GROUP_ARN = `arn:aws:sagemaker:${REGION}:${PROJECT}:model-package-group/churn-p-abcdef123456`;
const PACKAGE_ARN = `arn:aws:sagemaker:${REGION}:${PROJECT}:model-package/churn-p-abcdef123456/3`;
const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

/** Resolves the pseudo parameters and functions a bare stack's policies use. */
function resolveTokens(value: Json, account: string): Json {
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, account));
  if (value && typeof value === 'object') {
    if ('Ref' in value) return { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': account }[value.Ref as string] ?? `unresolved-${value.Ref}`;
    if ('Fn::Join' in value) return (resolveTokens(value['Fn::Join'][1], account) as string[]).join(value['Fn::Join'][0]);
    if ('Fn::Sub' in value) return (value['Fn::Sub'] as string).replace('${AWS::Partition}', 'aws');
    if ('Fn::GetAtt' in value) return `unresolved-${value['Fn::GetAtt'].join('.')}`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, account)]));
  }
  return value;
}

/** The group's resource policy, as the project stack (in PROJECT) writes it. */
function groupPolicy(): Json {
  const stack = new Stack(new App(), 'Project', { env: { account: PROJECT, region: REGION } });
  return resolveTokens(stack.resolve(new iam.PolicyDocument({ statements: modelPackageGroupGrants(stack, names, accounts) }).toJSON()), PROJECT);
}

/** The identity policy of a target account's CloudFormation execution role, as its one-time set-up writes it. */
function deployRolePolicy(account: string): Json {
  const { execution } = preparedAccount(account, PROJECT);
  return { Version: '2012-10-17', Statement: execution.statements };
}
const executionRole = (account: string) => setupRoleArn(account, TARGET_SETUP.executionRoleName);

/** A cross-account request: the caller's identity policy and the group's resource policy both decide. */
async function decide(principal: string, action: string, resource: string, identityPolicy: Json, resourcePolicy: Json): Promise<string> {
  const result = await runSimulation({
    request: {
      principal,
      action,
      resource: { resource, accountId: PROJECT },
      contextVariables: { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': principal.split(':')[4] },
    },
    identityPolicies: [{ name: 'identity', policy: identityPolicy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

const creating = [
  ['sagemaker:DescribeModelPackageGroup', GROUP_ARN],
  ['sagemaker:DescribeModelPackage', PACKAGE_ARN],
  ['sagemaker:ListModelPackages', PACKAGE_ARN],
] as const;

describe('creating a model from a package of the project account, in a target account', () => {
  const policy = groupPolicy();

  test.each([
    ['staging', STAGING],
    ['prod', PROD],
  ] as const)('the %s account\'s CloudFormation execution role may do what AWS\'s cross-account guide lists', async (_stage, account) => {
    const principal = executionRole(account);
    const identity = deployRolePolicy(account);
    for (const [action, resource] of creating) {
      expect([action, await decide(principal, action, resource, identity, policy)]).toEqual([action, 'Allowed']);
    }
  });

  test('the group grants the execution roles CreateModel on its packages, and nothing that writes to them', () => {
    const deployStatements = (policy.Statement as Json[]).filter((s) => JSON.stringify(s.Condition).includes(TARGET_SETUP.executionRoleName));
    expect(deployStatements.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [`ReadGroupFrom${STAGING}`, 'sagemaker:DescribeModelPackageGroup', GROUP_ARN],
      [`CreateModelsFrom${STAGING}`, ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'], `${GROUP_ARN.replace('model-package-group', 'model-package')}/*`],
      [`ReadGroupFrom${PROD}`, 'sagemaker:DescribeModelPackageGroup', GROUP_ARN],
      [`CreateModelsFrom${PROD}`, ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'], `${GROUP_ARN.replace('model-package-group', 'model-package')}/*`],
    ]);
    const actions = (policy.Statement as Json[]).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => /Update|Delete|Put|Approve/.test(a))).toEqual([]);
  });

  test('the former grant (DescribeModelPackage only) did not let the deploy role read the group', async () => {
    const former = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: 'sagemaker:DescribeModelPackage', Resource: `${GROUP_ARN.replace('model-package-group', 'model-package')}/*` }] };
    expect(await decide(executionRole(STAGING), 'sagemaker:DescribeModelPackageGroup', GROUP_ARN, deployRolePolicy(STAGING), former)).toBe('ImplicitlyDenied');
  });

  test.each([
    ['the staging model role', roleArn(STAGING, `${TARGET_SETUP.stageRolePath.slice(1)}${names.targetRoleName('staging', 'model')}`)],
    ['another role of the staging account', roleArn(STAGING, 'someone-else')],
    ['the staging account\'s access role', setupRoleArn(STAGING, TARGET_SETUP.deployAccessRoleName)],
    ['the execution role\'s name outside the set-up\'s path', roleArn(STAGING, TARGET_SETUP.executionRoleName)],
  ])('%s cannot read the group, whatever its own policies allow', async (_who, principal) => {
    const anything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: '*' }] };
    expect(await decide(principal, 'sagemaker:DescribeModelPackageGroup', GROUP_ARN, anything, policy)).toBe('ImplicitlyDenied');
  });

  test('the model roles still read the packages', async () => {
    const principal = roleArn(PROD, `${TARGET_SETUP.stageRolePath.slice(1)}${names.targetRoleName('prod', 'model')}`);
    const identity = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGE_ARN }] };
    expect(await decide(principal, 'sagemaker:DescribeModelPackage', PACKAGE_ARN, identity, policy)).toBe('Allowed');
  });
});

test('a single-account deploy role gets no cross-account statements', () => {
  const stack = new Stack(new App(), 'Single', { env: { account: PROJECT, region: REGION } });
  const role = new EndpointDeployRole(stack, 'DeployRole', {
    names, stage: 'prod', key: new kms.Key(stack, 'Key'), modelExecutionRole: iam.Role.fromRoleName(stack, 'Model', 'model'), alarmTopic: new sns.Topic(stack, 'Topic'),
  });
  const sids = (stack.resolve((role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON()).Statement as Json[]).map((s) => s.Sid);
  expect(sids).not.toContain('CreateModelsFromPackages');
});
