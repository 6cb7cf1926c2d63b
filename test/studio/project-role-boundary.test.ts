import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { parseProjectConfig } from '../../lib/config/project-config';
import { MANAGED_POLICY_MAX_LENGTH, PROJECT_ROLE_PATH, renderedLength, roleStatements, TokenValues } from '../../lib/studio/project-role-boundary';
import { StudioTemplateLocation, studioTemplateApp } from '../../lib/studio/studio-template-stack';
import { testApp } from '../support/app';

/**
 * The S3 template's launch role and the project role boundary it ships, evaluated with
 * @cloud-copilot/iam-simulate: a principal who may pass the launch role to CloudFormation can no
 * longer create a role without the boundary or outside the project role path (the account-admin
 * chain "create a role, attach anything, run code as it"), the launch role still creates every
 * role of the template, and the boundary still allows every statement of those roles.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of synthesized templates
type Json = any;

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const BOUNDARY = 'SageMakerMlopsProjectLaunchRole-ProjectRoles';
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/${BOUNDARY}`;
const LAUNCH_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/SageMakerMlopsProjectLaunchRole`;
const PROJECT_ID = 'p-abc123def456';
const roleArn = (name: string, rolePath = PROJECT_ROLE_PATH) => `arn:aws:iam::${ACCOUNT}:role${rolePath}${name}`;

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'role-boundary-'));
const app = testApp({ outdir });
const config = parseProjectConfig({});
const stacks = studioTemplateApp(app, config, new StudioTemplateLocation('platform-sagemaker-templates', 'templates/', config.productVersion));
const assembly = app.synth();
const template: Json = assembly.getStackByName(stacks.template.stackName).template;
const launchTemplate: Json = assembly.getStackByName(stacks.launchRole.stackName).template;

/** A template value with the pseudo parameters of this account and region. */
function concrete(value: Json): Json {
  if (Array.isArray(value)) return value.map(concrete);
  if (value && typeof value === 'object') {
    if ('Fn::Join' in value) return (value['Fn::Join'][1] as Json[]).map(concrete).join(value['Fn::Join'][0]);
    if ('Ref' in value) return ({ 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION } as Record<string, string>)[value.Ref];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, concrete(v)]));
  }
  return value;
}

const policyOf = (type: string) => Object.values(launchTemplate.Resources as Json).filter((r: Json) => r.Type === type).map((r: Json) => concrete(r.Properties.PolicyDocument));
const launchPolicy = policyOf('AWS::IAM::Policy')[0];
const boundary = policyOf('AWS::IAM::ManagedPolicy')[0];

async function decide(r: {
  principal: string; action: string; resource: string; identity: Json; boundary?: Json; context?: Record<string, string | string[]>; resourcePolicy?: Json;
}): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: ACCOUNT },
      contextVariables: { 'aws:PrincipalArn': r.principal, 'aws:PrincipalAccount': ACCOUNT, ...r.context },
    },
    identityPolicies: [{ name: 'identity', policy: r.identity }],
    permissionBoundaryPolicies: r.boundary ? [{ name: 'boundary', policy: r.boundary }] : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy,
  }, {});
  // An action of a grant group on a resource type it does not apply to (s3:GetObject on a bucket).
  if (result.resultType === 'error' && JSON.stringify(result.errors).includes('no.resource.types')) return 'NotApplicable';
  // An action without resource types (cloudformation:ValidateTemplate) is asked for on '*' (the
  // boundary is what is checked here: the identity allows the action there too).
  if (result.resultType === 'error' && JSON.stringify(result.errors).includes('must.use.wildcard')) {
    return decide({ ...r, resource: '*', identity: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: r.action, Resource: '*' }] } });
  }
  if (result.resultType === 'error') throw new Error(`simulation of ${r.action} on ${r.resource} refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

const asLaunchRole = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  decide({ principal: LAUNCH_ROLE_ARN, action, resource, identity: launchPolicy, context });

describe('the S3 template\'s launch role', () => {
  test('reads the template\'s assets only from the template bucket of its own account (s3:ResourceAccount)', async () => {
    const asset = 'arn:aws:s3:::platform-sagemaker-templates/templates/assets/0123.zip';
    const read = async (bucketAccount: string) => {
      const result = await runSimulation({
        request: {
          principal: LAUNCH_ROLE_ARN, action: 's3:GetObject', resource: { resource: asset, accountId: bucketAccount },
          contextVariables: { 'aws:PrincipalArn': LAUNCH_ROLE_ARN, 'aws:PrincipalAccount': ACCOUNT, 's3:ResourceAccount': bucketAccount },
        },
        identityPolicies: [{ name: 'identity', policy: launchPolicy }], serviceControlPolicies: [], resourceControlPolicies: [],
        // A bucket policy of the other account's bucket that lets anyone read (a taken-over name).
        resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: asset }] },
      }, {});
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    };
    expect(await read(ACCOUNT)).toBe('Allowed');
    expect(await read('222222222222')).not.toBe('Allowed');
  });

  const projectRole = roleArn('SP-demo-p-abc123def456-ProjectRole-ABC');

  test('creates, changes and deletes a project role that carries the shipped boundary', async () => {
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole']) {
      expect([action, await asLaunchRole(action, projectRole, { 'iam:PermissionsBoundary': BOUNDARY_ARN })]).toEqual([action, 'Allowed']);
    }
  });

  test.each([
    ['a role without a boundary', 'iam:CreateRole', projectRole, {}],
    ['a role with another boundary', 'iam:CreateRole', projectRole, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` }],
    ['a role outside the project role path', 'iam:CreateRole', roleArn('SP-demo-Admin', '/'), { 'iam:PermissionsBoundary': BOUNDARY_ARN }],
    ['a role under another path', 'iam:CreateRole', roleArn('SP-demo-Admin', '/other/'), { 'iam:PermissionsBoundary': BOUNDARY_ARN }],
    ['an inline policy on a role without the boundary', 'iam:PutRolePolicy', projectRole, {}],
    ['a new trust on a role without the boundary', 'iam:UpdateAssumeRolePolicy', projectRole, {}],
    ['a managed policy, even on a bounded role', 'iam:AttachRolePolicy', projectRole, { 'iam:PermissionsBoundary': BOUNDARY_ARN, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }],
    ['the removal of a role\'s boundary', 'iam:DeleteRolePermissionsBoundary', projectRole, { 'iam:PermissionsBoundary': BOUNDARY_ARN }],
    ['another boundary on a role', 'iam:PutRolePermissionsBoundary', projectRole, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/Other` }],
    ['an import change set (adopting an existing resource into a project stack)', 'cloudformation:CreateChangeSet',
      `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/SP-demo/1`, { 'cloudformation:ImportResourceTypes': ['AWS::IAM::Role'] }],
  ])('cannot create or change %s', async (_what, action, resource, context: Record<string, string | string[]>) => {
    expect(await asLaunchRole(action, resource, context)).toBe('ImplicitlyDenied');
  });

  test('still creates change sets that are not imports, functions and passes project roles to Lambda', async () => {
    expect(await asLaunchRole('cloudformation:CreateChangeSet', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/SP-demo/1`)).toBe('Allowed');
    expect(await asLaunchRole('lambda:CreateFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:SP-demo-Fn`)).toBe('Allowed');
    expect(await asLaunchRole('iam:PassRole', projectRole, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('Allowed');
  });

  test('creates every role of the template, with its path and boundary, and writes every policy of the template', async () => {
    const roles = Object.entries(template.Resources as Json).filter(([, r]: [string, Json]) => r.Type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(10);
    for (const [logicalId, role] of roles as [string, Json][]) {
      expect([logicalId, role.Properties.Path]).toEqual([logicalId, PROJECT_ROLE_PATH]);
      expect([logicalId, concrete(role.Properties.PermissionsBoundary)]).toEqual([logicalId, BOUNDARY_ARN]);
      // CloudFormation names it <stack name>-<logical id>-<suffix>.
      const arn = roleArn(`SP-demo-${PROJECT_ID}-${logicalId}`.slice(0, 56) + '-ABCDEFG');
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:TagRole']) {
        expect([logicalId, action, await asLaunchRole(action, arn, { 'iam:PermissionsBoundary': BOUNDARY_ARN })]).toEqual([logicalId, action, 'Allowed']);
      }
    }
  });
});

/** The template's tokens as one project of this account has them. */
const values: TokenValues = {
  pseudo: (name) => ({ 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION } as Record<string, string>)[name],
  parameter: (name) => ({ SageMakerProjectName: 'demo', SageMakerProjectId: PROJECT_ID } as Record<string, string>)[name] ?? 'x',
  generatedName: (logicalId, lowerCase) => (lowerCase ? `sp-demo-${logicalId.toLowerCase()}-abc` : `SP-demo-${logicalId}-ABC`),
  generatedId: () => '0123abcd-4567-89ab-cdef-0123456789ab',
};
/** A concrete action for each wildcard action of the template's roles. */
const ACTION_SAMPLES: Record<string, string> = {
  's3:GetObject*': 's3:GetObjectVersion', 's3:GetBucket*': 's3:GetBucketLocation', 's3:List*': 's3:ListBucket', 's3:DeleteObject*': 's3:DeleteObject',
  's3:Abort*': 's3:AbortMultipartUpload', 'kms:ReEncrypt*': 'kms:ReEncryptFrom', 'kms:GenerateDataKey*': 'kms:GenerateDataKey',
  'cloudformation:DescribeStack*': 'cloudformation:DescribeStackEvents', 'cloudformation:GetTemplate*': 'cloudformation:GetTemplateSummary',
};
const sample = (action: string) => {
  if (!action.includes('*')) return action;
  if (!ACTION_SAMPLES[action]) throw new Error(`no sample for ${action}: add one`);
  return ACTION_SAMPLES[action];
};

// A key policy that delegates to IAM, as the project key's does.
const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };

/** The statements (one sample resource and action each) a role under the boundary is refused. */
async function refusedStatements(statements: ReturnType<typeof roleStatements>, bound: Json): Promise<string[]> {
  const refused: string[] = [];
  for (const s of statements) {
    for (const parts of s.resources) {
      // A name pattern of the role's own policy (pipelines-*, .../*) stands for one name it matches.
      const resource = parts.join('') === '*' ? '*' : parts.join('').replace(/\*/g, 'x1');
      for (const action of s.actions.map(sample)) {
        const decision = await decide({
          principal: roleArn('SP-demo-Role-ABC'),
          action,
          resource,
          identity: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] },
          boundary: bound,
          context: { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID },
          resourcePolicy: resource.includes(':kms:') ? keyPolicy : undefined,
        });
        if (decision !== 'Allowed' && decision !== 'NotApplicable') refused.push(`${action} ${resource}: ${decision}`);
      }
    }
  }
  return refused;
}

describe('the project role boundary the launch role stack ships', () => {
  test('fits IAM\'s managed policy quota', () => {
    const boundaryResource: Json = Object.values(launchTemplate.Resources as Json).find((r: Json) => r.Type === 'AWS::IAM::ManagedPolicy');
    const statements = boundaryResource.Properties.PolicyDocument.Statement;
    expect(renderedLength(statements)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_LENGTH);
  });

  test('allows every statement of every role of the template', async () => {
    const statements = roleStatements(template, values);
    expect(statements.length).toBeGreaterThan(50);
    expect(await refusedStatements(statements, boundary)).toEqual([]);
  });

  const admin = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  test.each([
    ['create a role', 'iam:CreateRole', roleArn('SP-demo-Other')],
    ['write a role\'s policy', 'iam:PutRolePolicy', roleArn('SP-demo-Other')],
    ['attach a managed policy', 'iam:AttachRolePolicy', roleArn('SP-demo-Other')],
    ['create an access key', 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/admin`],
    ['assume a role', 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/Admin`],
    ['read another bucket', 's3:GetObject', 'arn:aws:s3:::payroll/2026.csv'],
    ['overwrite the template\'s assets', 's3:PutObject', 'arn:aws:s3:::platform-sagemaker-templates/templates/assets/abc.zip'],
    ['change or delete a project stack', 'cloudformation:UpdateStack', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/SP-demo/1`],
    ['invoke a function outside the projects', 'lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payments`],
    ['start another build', 'codebuild:StartBuild', `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/deploy-payments`],
    ['delete an endpoint outside the projects', 'sagemaker:DeleteEndpoint', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/fraud-detector`],
    ['run a service the projects do not use', 'ec2:RunInstances', `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`],
  ])('keeps a bounded role with AdministratorAccess from doing it: %s', async (_what, action, resource) => {
    expect(await decide({ principal: roleArn('SP-demo-Crafted-ABC'), action, resource, identity: admin, boundary })).not.toBe('Allowed');
  });

  test('keeps a bounded role from using a key that does not carry the project tag', async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0123abcd-4567-89ab-cdef-0123456789ab`;
    const decrypt = (context: Record<string, string>) => decide({
      principal: roleArn('SP-demo-Crafted-ABC'), action: 'kms:Decrypt', resource: key, identity: admin, boundary, resourcePolicy: keyPolicy, context,
    });
    expect(await decrypt({})).toBe('ExplicitlyDenied');
    expect(await decrypt({ 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID })).toBe('Allowed');
  });
});

describe('a multi-account template (target accounts fixed at publishing): its launch role and boundary', () => {
  const STAGING = '222222222222';
  const PROD = '333333333333';
  const maOutdir = fs.mkdtempSync(path.join(os.tmpdir(), 'role-boundary-ma-'));
  const maApp = testApp({ outdir: maOutdir });
  const maConfig = parseProjectConfig({ projectAccount: ACCOUNT, stagingAccount: STAGING, prodAccount: PROD }, { templateOnly: true });
  const maStacks = studioTemplateApp(maApp, maConfig, new StudioTemplateLocation('platform-sagemaker-templates', 'templates/', maConfig.productVersion));
  const maAssembly = maApp.synth();
  const maTemplate: Json = maAssembly.getStackByName(maStacks.template.stackName).template;
  const maLaunch: Json = maAssembly.getStackByName(maStacks.launchRole.stackName).template;
  afterAll(() => fs.rmSync(maOutdir, { recursive: true, force: true }));
  const maPolicy = (type: string) => Object.values(maLaunch.Resources as Json).filter((r: Json) => r.Type === type).map((r: Json) => concrete(r.Properties.PolicyDocument))[0];
  const maLaunchPolicy = maPolicy('AWS::IAM::Policy');
  const maBoundary = maPolicy('AWS::IAM::ManagedPolicy');
  const asMaLaunchRole = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide({ principal: LAUNCH_ROLE_ARN, action, resource, identity: maLaunchPolicy, context });
  const named = (kind: string) => roleArn(`sagemaker-${PROJECT_ID}-${kind}`);

  test('the launch role creates the three roles the target accounts trust by name, with the boundary, and passes each only to its service', async () => {
    for (const kind of ['deploy-pipeline', 'smoke-test-build', 'teardown']) {
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRole']) {
        expect([kind, action, await asMaLaunchRole(action, named(kind), { 'iam:PermissionsBoundary': BOUNDARY_ARN })]).toEqual([kind, action, 'Allowed']);
      }
      expect(await asMaLaunchRole('iam:CreateRole', named(kind))).toBe('ImplicitlyDenied');
      expect(await asMaLaunchRole('iam:CreateRole', roleArn(`sagemaker-${PROJECT_ID}-${kind}`, '/'), { 'iam:PermissionsBoundary': BOUNDARY_ARN })).toBe('ImplicitlyDenied');
    }
    expect(await asMaLaunchRole('iam:PassRole', named('deploy-pipeline'), { 'iam:PassedToService': 'codepipeline.amazonaws.com' })).toBe('Allowed');
    expect(await asMaLaunchRole('iam:PassRole', named('smoke-test-build'), { 'iam:PassedToService': 'codebuild.amazonaws.com' })).toBe('Allowed');
    expect(await asMaLaunchRole('iam:PassRole', named('teardown'), { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('Allowed');
    expect(await asMaLaunchRole('iam:PassRole', named('deploy-pipeline'), { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('ImplicitlyDenied');
    // The single-account launch role has none of it.
    expect(await asLaunchRole('iam:CreateRole', named('deploy-pipeline'), { 'iam:PermissionsBoundary': BOUNDARY_ARN })).toBe('ImplicitlyDenied');
  });

  test('the launch role sets the model package group\'s resource policy (the grants to the target accounts\' roles)', async () => {
    const group = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/demo-${PROJECT_ID}`;
    expect(await asMaLaunchRole('sagemaker:PutModelPackageGroupPolicy', group)).toBe('Allowed');
    expect(await asLaunchRole('sagemaker:PutModelPackageGroupPolicy', group)).toBe('ImplicitlyDenied');
  });

  test('every role of the template is under the project role path with the boundary, the three named ones included', () => {
    const roles = Object.values(maTemplate.Resources as Json).filter((r: Json) => r.Type === 'AWS::IAM::Role') as Json[];
    expect(roles.filter((r) => r.Properties.RoleName !== undefined)).toHaveLength(3);
    expect(roles.filter((r) => r.Properties.Path !== PROJECT_ROLE_PATH || concrete(r.Properties.PermissionsBoundary) !== BOUNDARY_ARN)).toEqual([]);
  });

  test('the boundary fits IAM\'s quota, and lets the deploy pipeline and smoke test roles assume the target accounts\' roles and nothing else', async () => {
    const statements = (Object.values(maLaunch.Resources as Json).find((r: Json) => r.Type === 'AWS::IAM::ManagedPolicy') as Json).Properties.PolicyDocument.Statement;
    expect(renderedLength(statements)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_LENGTH);
    const assume = (resource: string) => decide({
      principal: named('deploy-pipeline'), action: 'sts:AssumeRole', resource, boundary: maBoundary,
      identity: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
    });
    for (const account of [STAGING, PROD]) expect(await assume(`arn:aws:iam::${account}:role/mlops-target-account/sagemaker-mlops-deploy-access`)).toBe('Allowed');
    expect(await assume(`arn:aws:iam::${STAGING}:role/mlops-stage-roles/sagemaker-${PROJECT_ID}-staging-smoke-test`)).toBe('Allowed');
    expect(await assume(`arn:aws:iam::${STAGING}:role/OrganizationAccountAccessRole`)).not.toBe('Allowed');
    expect(await assume('arn:aws:iam::444444444444:role/mlops-target-account/sagemaker-mlops-deploy-access')).not.toBe('Allowed');
    // Not the other web-identity or SAML forms, which a family (sts:Assume*) would allow.
    expect(JSON.stringify(statements)).not.toContain('sts:Assume*');
  });

  test('allows every statement of every role of the multi-account template, the cross-account ones included', async () => {
    const statements = roleStatements(maTemplate, values);
    expect(statements.filter((s) => s.actions.includes('sts:AssumeRole')).length).toBeGreaterThanOrEqual(2);
    expect(await refusedStatements(statements, maBoundary)).toEqual([]);
  });
});
