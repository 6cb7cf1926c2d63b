import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import {
  evaluate, multiAccountTemplates, PROD_ACCOUNT, PROJECT_ACCOUNT, PROJECT_ID, REGION, roleNamed, STAGING_ACCOUNT, TemplateRole, templateRoles,
} from '../support/multi-account';

/**
 * IAM evaluation of the multi-account grants with @cloud-copilot/iam-simulate: the synthesized
 * policies (identity, trust, resource) decide requests the way IAM would, same- and cross-account.
 */
const { project, targets } = multiAccountTemplates();
const staging = targets[STAGING_ACCOUNT];
const prod = targets[PROD_ACCOUNT];
const GROUP = `mlops-demo-${PROJECT_ID}`;
const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const targetRoleName = (stage: string, kind: string) => `sagemaker-${PROJECT_ID}-${stage}-${kind}`;

/** A role's identity policies as the simulator takes them. */
const identity = (role: TemplateRole) => [{ name: role.logicalId, policy: { Version: '2012-10-17', Statement: role.statements } }];

interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly identityPolicies: Simulation['identityPolicies'];
  readonly resourcePolicy?: unknown;
  readonly context?: Record<string, string | string[]>;
}

async function decide(r: Request): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.resourceAccount },
      // What IAM always knows of a signed request: who made it.
      contextVariables: { 'aws:PrincipalArn': r.principal, 'aws:PrincipalAccount': r.principal.split(':')[4], ...r.context },
    },
    identityPolicies: r.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy,
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

describe('the staging account\'s CloudFormation deploy role', () => {
  const deployRole = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'cfn-deploy'));
  const endpoint = (name: string) => `arn:aws:sagemaker:${REGION}:${STAGING_ACCOUNT}:endpoint/${name}`;
  const create = (name: string, projectId: string) => decide({
    principal: roleArn(STAGING_ACCOUNT, deployRole.roleName!),
    action: 'sagemaker:CreateEndpoint',
    resource: endpoint(name),
    resourceAccount: STAGING_ACCOUNT,
    identityPolicies: identity(deployRole),
    context: { 'aws:RequestTag/sagemaker:project-id': projectId, 'aws:TagKeys': ['sagemaker:project-id'] },
  });

  test('creates this project\'s staging endpoint, tagged with its id', async () => {
    expect(await create('mlops-demo-staging', PROJECT_ID)).toBe('Allowed');
  });

  test.each([
    ['another project\'s endpoint', 'other-staging', 'p-other0000000'],
    ['an endpoint tagged with another project\'s id', 'mlops-demo-staging', 'p-other0000000'],
    ['this project\'s prod endpoint (the prod account\'s to deploy)', 'mlops-demo-prod', PROJECT_ID],
  ])('cannot create %s', async (_what, name, projectId) => {
    expect(await create(name, projectId)).toBe('ImplicitlyDenied');
  });

  test('cannot delete another project\'s endpoint', async () => {
    expect(await decide({
      principal: roleArn(STAGING_ACCOUNT, deployRole.roleName!),
      action: 'sagemaker:DeleteEndpoint',
      resource: endpoint('other-staging'),
      resourceAccount: STAGING_ACCOUNT,
      identityPolicies: identity(deployRole),
      context: { 'aws:ResourceTag/sagemaker:project-id': 'p-other0000000' },
    })).toBe('ImplicitlyDenied');
  });
});

describe('who may assume the target accounts\' roles', () => {
  const projectRoles = templateRoles(project, PROJECT_ACCOUNT);
  const buildRole = projectRoles.find((r) => r.statements.some((s) => s.Sid === 'ResolveModelPackage'))!;
  // The build project's role has a generated name; any name in the project account does here.
  const buildRoleArn = roleArn(PROJECT_ACCOUNT, 'sagemaker-mlops-demo-p-abc123def456-ProjectModelDeployBuildProjectRole-ABC');
  // The callers' own policies are made as generous as possible: only the targets' trusts decide.
  const mayAssumeAnything = [{ name: 'AssumeAnything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } }];
  const assume = (principal: string, target: TemplateRole, account: string) => decide({
    principal,
    action: 'sts:AssumeRole',
    resource: roleArn(account, target.roleName!),
    resourceAccount: account,
    identityPolicies: mayAssumeAnything,
    resourcePolicy: target.trust,
  });
  const prodRoles = templateRoles(prod, PROD_ACCOUNT).filter((r) => r.roleName !== undefined);
  const stagingRoles = templateRoles(staging, STAGING_ACCOUNT).filter((r) => r.roleName !== undefined);

  test('the build project\'s own policies allow assuming no role of another account', () => {
    const assumes = buildRole.statements.filter((s) => JSON.stringify(s.Action).includes('sts:AssumeRole'));
    expect(assumes).toEqual([]);
  });

  test('the prod account has its three named roles', () => {
    expect(prodRoles.map((r) => r.roleName).sort()).toEqual(['cfn-action', 'cfn-deploy', 'model'].map((k) => targetRoleName('prod', k)));
  });

  test('no prod role can be assumed by the build project, even with sts:AssumeRole on *', async () => {
    for (const role of prodRoles) {
      expect([role.roleName, await assume(buildRoleArn, role, PROD_ACCOUNT)]).toEqual([role.roleName, 'ImplicitlyDenied']);
    }
  });

  test('no staging role can be assumed by the build project either', async () => {
    for (const role of stagingRoles) {
      expect([role.roleName, await assume(buildRoleArn, role, STAGING_ACCOUNT)]).toEqual([role.roleName, 'ImplicitlyDenied']);
    }
  });

  test('the deploy pipeline\'s role assumes the prod action role, and nothing else there', async () => {
    const pipelineRoleArn = roleArn(PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-deploy-pipeline`);
    const results = await Promise.all(prodRoles.map(async (r) => [r.roleName, await assume(pipelineRoleArn, r, PROD_ACCOUNT)]));
    expect(Object.fromEntries(results)).toEqual({
      [targetRoleName('prod', 'cfn-action')]: 'Allowed',
      [targetRoleName('prod', 'cfn-deploy')]: 'ImplicitlyDenied',
      [targetRoleName('prod', 'model')]: 'ImplicitlyDenied',
    });
  });

  test('the smoke test\'s role assumes the staging smoke-test role only', async () => {
    const smokeBuildArn = roleArn(PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-smoke-test-build`);
    const results = await Promise.all([...stagingRoles.map((r) => [r, STAGING_ACCOUNT] as const), ...prodRoles.map((r) => [r, PROD_ACCOUNT] as const)]
      .map(async ([r, account]) => [r.roleName, await assume(smokeBuildArn, r, account)]));
    expect(Object.entries(Object.fromEntries(results)).filter(([, d]) => d === 'Allowed').map(([n]) => n)).toEqual([targetRoleName('staging', 'smoke-test')]);
  });

  test('a role of the project account with the same name but in another account is not trusted', async () => {
    const action = stagingRoles.find((r) => r.roleName === targetRoleName('staging', 'cfn-action'))!;
    expect(await assume(roleArn('444444444444', `sagemaker-${PROJECT_ID}-deploy-pipeline`), action, STAGING_ACCOUNT)).toBe('ImplicitlyDenied');
  });
});

describe('the model registry, read from a target account', () => {
  const groupPolicy = evaluate(Object.values(project.findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy, PROJECT_ACCOUNT);
  const packageArn = (group: string) => `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${group}/3`;
  const describe_ = (role: TemplateRole, account: string, group: string, resourcePolicy: unknown, identityPolicies = identity(role)) => decide({
    principal: roleArn(account, role.roleName!),
    action: 'sagemaker:DescribeModelPackage',
    resource: packageArn(group),
    resourceAccount: PROJECT_ACCOUNT,
    identityPolicies,
    resourcePolicy,
  });
  const stagingModel = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'model'));
  const prodModel = roleNamed(prod, PROD_ACCOUNT, targetRoleName('prod', 'model'));

  test('the staging and prod model roles read this group\'s packages', async () => {
    expect(await describe_(stagingModel, STAGING_ACCOUNT, GROUP, groupPolicy)).toBe('Allowed');
    expect(await describe_(prodModel, PROD_ACCOUNT, GROUP, groupPolicy)).toBe('Allowed');
  });

  test('the model role cannot read another group\'s packages, even one shared with its whole account', async () => {
    const sharedWithAccount = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING_ACCOUNT}:root` }, Action: 'sagemaker:DescribeModelPackage', Resource: packageArn('other-p-zzz000000000') }],
    };
    expect(await describe_(stagingModel, STAGING_ACCOUNT, 'other-p-zzz000000000', sharedWithAccount)).toBe('ImplicitlyDenied');
  });

  test('another role of the staging account cannot read this group, whatever its own policies allow', async () => {
    const smokeTest = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'smoke-test'));
    const anything = [{ name: 'ReadAnyPackage', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] } }];
    expect(await describe_(smokeTest, STAGING_ACCOUNT, GROUP, groupPolicy, anything)).toBe('ImplicitlyDenied');
  });
});

describe('the project\'s image repository, pulled from a target account', () => {
  const repository = `arn:aws:ecr:${REGION}:${PROJECT_ACCOUNT}:repository/sagemaker-project-${PROJECT_ID}`;
  const policy = evaluate(Object.values(project.findResources('AWS::ECR::Repository'))[0].Properties.RepositoryPolicyText, PROJECT_ACCOUNT) as { Statement: object[] };
  // A repository policy names no resource: it is the repository's.
  const repositoryPolicy = { ...policy, Statement: policy.Statement.map((s) => ({ ...s, Resource: repository })) };
  const pull = (role: TemplateRole, account: string, resource = repository, identityPolicies = identity(role)) => decide({
    principal: roleArn(account, role.roleName!),
    action: 'ecr:BatchGetImage',
    resource,
    resourceAccount: PROJECT_ACCOUNT,
    identityPolicies,
    resourcePolicy: repositoryPolicy,
  });

  test('the staging and prod model roles pull the project\'s images', async () => {
    expect(await pull(roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'model')), STAGING_ACCOUNT)).toBe('Allowed');
    expect(await pull(roleNamed(prod, PROD_ACCOUNT, targetRoleName('prod', 'model')), PROD_ACCOUNT)).toBe('Allowed');
  });

  test('another role of the staging account cannot pull, whatever its own policies allow', async () => {
    const smokeTest = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'smoke-test'));
    const anything = [{ name: 'PullAnything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }] } }];
    expect(await pull(smokeTest, STAGING_ACCOUNT, repository, anything)).toBe('ImplicitlyDenied');
  });
});
