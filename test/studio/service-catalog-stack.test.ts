import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PROJECT_NAME_PATTERN, STUDIO_PROJECT_ID_MAX_LENGTH, STUDIO_PROJECT_ID_PATTERN, STUDIO_PROJECT_NAME_MAX_LENGTH } from '../../lib/contract/rules';
import { CLOUDFORMATION_ONLY_RESOURCE_TYPES, launchPermissions, PASS_ROLE_SERVICES, Provisioner } from '../../lib/studio/launch-role';
import { Catalog, CATALOG_ENV, catalogApp, STUDIO_ROLE } from '../support/catalog';
import { deploysToTargetAccounts } from '../../lib/studio/service-catalog-stack';
import { CONNECTION_CONFIG } from '../support/connection';
import type { SourceProviderName } from '../../lib/contract/options';

const ENV = CATALOG_ENV;
const ASSET_BUCKET = `sagemaker-mlops-catalog-${ENV.account}-${ENV.region}`;

/** Synthesizes the app; returns the catalog stack's template and the product's template. */
function synth(catalog: Catalog): { template: Template; product: Template; productJson: ProductJson } {
  const assembly = catalog.app.synth();
  const productJson = JSON.parse(fs.readFileSync(path.join(assembly.directory, catalog.stack.productStack.templateFile), 'utf8'));
  return {
    template: Template.fromJSON(assembly.getStackByName(catalog.stack.stackName).template),
    product: Template.fromJSON(productJson),
    productJson,
  };
}

type ProductJson = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

function launchRoleStatements(template: Template): Statement[] {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'servicecatalog.amazonaws.com' } })] } },
  });
  const [launchRole] = Object.keys(roles);
  expect(Object.keys(roles)).toHaveLength(1);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === launchRole))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const list = (v: unknown): unknown[] => ([] as unknown[]).concat(v);

/** The snapshot folder of the default catalog: v1 released with the default configuration. */
const DEFAULT_SNAPSHOTS = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshots-'));
/** The default catalog, synthesized once for the file (each synthesis of the catalog takes seconds). */
let defaultCatalog: ReturnType<typeof synth> | undefined;
const synthDefault = () => (defaultCatalog ??= synth(catalogApp({ templateOnly: true, snapshotDirectory: DEFAULT_SNAPSHOTS })));

/**
 * A fresh snapshot folder in which v1 of the default configuration was released: a copy of the
 * snapshot the default catalog's synthesis wrote (the same file a synthesis into this folder writes).
 */
function releasedV1(): string {
  synthDefault();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshots-'));
  for (const f of fs.readdirSync(DEFAULT_SNAPSHOTS)) fs.copyFileSync(path.join(DEFAULT_SNAPSHOTS, f), path.join(directory, f));
  return directory;
}

describe('ServiceCatalogStack, default configuration', () => {
  // GIVEN the catalog stack with one Studio execution role, synthesized once for the file
  const { template, product, productJson } = synthDefault();

  test('publishes the product with its current version, owner and description', () => {
    template.resourceCountIs('AWS::ServiceCatalog::CloudFormationProduct', 1);
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Name: Match.stringLikeRegexp('SageMaker MLOps project'),
      Owner: Match.anyValue(),
      Description: Match.stringLikeRegexp('model registry'),
      ProvisioningArtifactParameters: [{
        Name: 'v1',
        Info: { LoadTemplateFromURL: Match.anyValue() },
        DisableTemplateValidation: false,
      }],
    });
  });

  test('tags the product sagemaker:studio-visibility=true so Studio lists it', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Tags: Match.arrayWith([{ Key: 'sagemaker:studio-visibility', Value: 'true' }]),
    });
  });

  test('puts the product in a portfolio shared with the Studio execution role', () => {
    template.resourceCountIs('AWS::ServiceCatalog::Portfolio', 1);
    template.hasResourceProperties('AWS::ServiceCatalog::PortfolioProductAssociation', {
      PortfolioId: { Ref: Match.stringLikeRegexp('^Portfolio') },
      ProductId: { Ref: Match.stringLikeRegexp('^Product') },
    });
    template.resourcePropertiesCountIs('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PrincipalARN: STUDIO_ROLE, PrincipalType: 'IAM',
    }, 1);
  });

  test('sets a launch role constraint with a role assumed by Service Catalog', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', {
      PortfolioId: { Ref: Match.stringLikeRegexp('^Portfolio') },
      ProductId: { Ref: Match.stringLikeRegexp('^Product') },
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LaunchRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'servicecatalog.amazonaws.com' } }],
      },
    });
  });

  test('the launch role has no wildcard actions, no managed policies, and * only where IAM has no resource types', () => {
    const statements = launchRoleStatements(template);
    expect(statements.flatMap((s) => list(s.Action)).filter((a) => String(a).endsWith(':*') || a === '*')).toEqual([]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'servicecatalog.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    const onStar = statements.filter((s) => list(s.Resource).includes('*')).map((s) => s.Sid).sort();
    expect(onStar).toEqual(['CreateKeys', 'ReadProvisioningTemplates', 'StateMachineLogDelivery', 'ValidateTemplates']);
    expect(statements.find((s) => s.Sid === 'CreateKeys')?.Condition).toEqual({ Null: { 'aws:RequestTag/sagemaker:project-id': 'false' } });
    expect(statements.find((s) => s.Sid === 'ReadProvisioningTemplates')?.Condition)
      .toEqual({ StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } });
  });

  test('the launch role manages CloudFormation stacks named SC-* only', () => {
    const stacks = launchRoleStatements(template).find((s) => s.Sid === 'ProductStacks')!;
    expect(list(stacks.Action)).toEqual(expect.arrayContaining([
      'cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStacks',
    ]));
    expect(JSON.stringify(stacks.Resource)).toContain(':stack/SC-*/*');
  });

  test('the launch role passes roles named SC-* under the project role path only, and only to the services the product hands them to', () => {
    const passRole = launchRoleStatements(template).filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(JSON.stringify(passRole[0].Resource)).toContain(':role/sagemaker-mlops-project/SC-*');
    expect(passRole[0].Condition).toEqual({
      StringEquals: {
        'iam:PassedToService': [
          'codebuild.amazonaws.com', 'codepipeline.amazonaws.com', 'events.amazonaws.com', 'lambda.amazonaws.com', 'states.amazonaws.com',
        ],
      },
    });
  });

  test('the launch role reads the asset bucket', () => {
    const reads = launchRoleStatements(template).filter((s) => list(s.Action).includes('s3:GetObject*'));
    expect(JSON.stringify(reads.map((s) => s.Resource))).toMatch(/AssetBucket\w+","Arn"/);
  });

  test('resources the launch role scopes by tag carry the sagemaker:project-id tag', () => {
    for (const type of ['AWS::KMS::Key', 'AWS::StepFunctions::StateMachine']) {
      const resources = Object.values(product.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        expect(JSON.stringify(r.Properties.Tags)).toContain('{"Key":"sagemaker:project-id","Value":{"Ref":"SageMakerProjectId"}}');
      }
    }
  });

  test('the product template takes SageMakerProjectName and SageMakerProjectId with their constraints', () => {
    // SageMaker's own rules for names; Studio's ids are p- and 12 characters.
    product.hasParameter('SageMakerProjectName', {
      Type: 'String', AllowedPattern: PROJECT_NAME_PATTERN, MinLength: 1, MaxLength: STUDIO_PROJECT_NAME_MAX_LENGTH,
    });
    product.hasParameter('SageMakerProjectId', {
      Type: 'String', AllowedPattern: STUDIO_PROJECT_ID_PATTERN, MinLength: 1, MaxLength: STUDIO_PROJECT_ID_MAX_LENGTH,
    });
    // The longest name and id the parameters allow keep the longest composed name within its limit.
    expect(`sagemaker-${'a'.repeat(32)}-p-${'b'.repeat(12)}-model`.length).toBeLessThanOrEqual(64);
    expect(Object.keys(productJson as unknown as { Parameters: object }).includes('Parameters')).toBe(true);
    expect(Object.keys((productJson as unknown as { Parameters: object }).Parameters).sort())
      .toEqual(['AlarmEmail', 'SageMakerProjectId', 'SageMakerProjectName']);
  });

  test('the product template creates the project: model package group, two repositories, two pipelines', () => {
    product.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 1);
    product.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: { 'Fn::Join': ['', [{ Ref: 'SageMakerProjectName' }, '-', { Ref: 'SageMakerProjectId' }]] },
    });
    product.resourceCountIs('AWS::CodeCommit::Repository', 2);
    product.resourceCountIs('AWS::CodePipeline::Pipeline', 2);
    for (const suffix of ['-modelbuild', '-modeldeploy']) {
      const name = { 'Fn::Join': ['', ['sagemaker-', { Ref: 'SageMakerProjectName' }, '-', { Ref: 'SageMakerProjectId' }, suffix]] };
      product.hasResourceProperties('AWS::CodeCommit::Repository', { RepositoryName: name });
      product.hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: name });
    }
  });

  test('the product reads its seed code and Lambda code from the asset bucket', () => {
    product.hasResourceProperties('AWS::CodeCommit::Repository', {
      Code: { BranchName: 'main', S3: { Bucket: ASSET_BUCKET, Key: Match.stringLikeRegexp('\\.zip$') } },
    });
    const functions = Object.values(product.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    expect(functions.map((f) => f.Properties.Code.S3Bucket)).toEqual(functions.map(() => ASSET_BUCKET));
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^AssetBucket') },
      Prune: false,
      Extract: false,
    });
    // every asset the product template refers to is copied to the asset bucket
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    const referenced = JSON.stringify(productJson).match(/[0-9a-f]{64}\.zip/g) ?? [];
    expect(referenced.length).toBeGreaterThan(0);
    expect(deployment.Properties.SourceObjectKeys).toEqual(expect.arrayContaining([...new Set(referenced)]));
  });

  test('the asset bucket is encrypted, versioned, private, TLS-only and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketName: ASSET_BUCKET,
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'assets/' }),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^AssetBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('the retained asset and access-log buckets keep their policies', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const retained = Object.keys(template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' }));
    expect(retained.length).toBe(2);
    for (const bucket of retained) {
      const [policy] = Object.values(policies).filter((p) => p.Properties.Bucket.Ref === bucket);
      expect(policy).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });
});

describe.each([
  ['default configuration', {}],
  ['no teardown, no approval', { teardown: 'false', manualApproval: 'false' }],
  ['no retention, teardown on', { retainData: 'false' }],
  ['CodeConnections source', CONNECTION_CONFIG],
])('launch role coverage of the product template (%s)', (_what, config: Record<string, unknown>) => {
  // GIVEN (the default configuration is the catalog the tests above read)
  const { template, productJson } = Object.keys(config).length === 0 ? synthDefault() : synth(catalogApp({ templateOnly: true, config }));

  test('every resource type of the product template has launch role permissions', () => {
    // THEN: a new resource type in the project needs a reviewed entry in LAUNCH_PERMISSIONS
    const permissions = launchPermissions(Provisioner.SERVICE_CATALOG, (config.sourceProvider ?? 'codecommit') as SourceProviderName);
    const types = [...new Set(Object.values(productJson.Resources).map((r) => r.Type))].sort();
    const covered = new Set([...permissions.flatMap((p) => p.resourceTypes), ...CLOUDFORMATION_ONLY_RESOURCE_TYPES]);
    expect(types.filter((t) => !covered.has(t))).toEqual([]);
    // and every permission group of the template's provider is in the launch role's policy
    const sids = launchRoleStatements(template).map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(permissions.map((p) => p.sid)));
  });

  test('every resource the product gives a role to has its service in the PassRole condition', () => {
    const roles = new Set(Object.entries(productJson.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => id));
    // Role ARNs in policies, key policies, environment variables and state machine definitions are
    // not handed over, nor the teardown's StackRoles (its function passes them to CloudFormation at
    // deletion, with its own role's iam:PassRole).
    const givesRole = (value: unknown, key = ''): boolean => {
      if (['PolicyDocument', 'KeyPolicy', 'Environment', 'EnvironmentVariables', 'DefinitionString', 'StackRoles'].includes(key)) return false;
      if (Array.isArray(value)) return value.some((v) => givesRole(v));
      if (!value || typeof value !== 'object') return false;
      const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
      if (Array.isArray(getAtt) && roles.has(getAtt[0]) && getAtt[1] === 'Arn') return true;
      return Object.entries(value).some(([k, v]) => givesRole(v, k));
    };
    const types = [...new Set(Object.values(productJson.Resources)
      .filter((r) => !r.Type.startsWith('AWS::IAM::') && givesRole(r.Properties)).map((r) => r.Type))].sort();
    expect(types.length).toBeGreaterThan(0);
    expect(types.filter((t) => !(t in PASS_ROLE_SERVICES))).toEqual([]);
  });
});

describe('ServiceCatalogStack, overrides', () => {
  test('the product version name comes from productVersion', () => {
    // WHEN
    const { template } = synth(catalogApp({ templateOnly: true, config: { productVersion: '2.0.0' } }));
    // THEN
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      ProvisioningArtifactParameters: [Match.objectLike({ Name: '2.0.0' })],
    });
  });

  test('a new version keeps the released ones as product versions', () => {
    // GIVEN v1 was released (its snapshot is in the folder)
    const snapshotDirectory = releasedV1();
    expect(fs.readdirSync(snapshotDirectory)).toHaveLength(1);
    // WHEN v2 is released
    const { template } = synth(catalogApp({ templateOnly: true, snapshotDirectory, config: { productVersion: 'v2' } }));
    // THEN
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      ProvisioningArtifactParameters: [Match.objectLike({ Name: 'v1' }), Match.objectLike({ Name: 'v2' })],
    });
    expect(fs.readdirSync(snapshotDirectory).map((f) => f.replace(/^.*\.(v\d)\.product\.template\.json$/, '$1')).sort()).toEqual(['v1', 'v2']);
  });

  test('fails when the template of a released version changes', () => {
    // GIVEN v1 was released with another template
    const snapshotDirectory = releasedV1();
    for (const f of fs.readdirSync(snapshotDirectory)) fs.writeFileSync(path.join(snapshotDirectory, f), '{}');
    // WHEN / THEN
    expect(() => synth(catalogApp({ templateOnly: true, snapshotDirectory }))).toThrow(/Template has changed for ProductStack Version v1/);
  });

  test('refuses a CodeConnections version in a product of CodeCommit versions, and the reverse, writing no snapshot', () => {
    // GIVEN v1, a CodeCommit version, was released
    const snapshotDirectory = releasedV1();
    const [v1] = fs.readdirSync(snapshotDirectory);
    // WHEN / THEN the CodeConnections variant is added as git-v1
    expect(() => catalogApp({ snapshotDirectory, config: { ...CONNECTION_CONFIG, productVersion: 'git-v1' } })).toThrow(
      /^`sourceProvider` 'codeconnections' cannot be a version of this product: its released version\(s\) v1 \(snapshots in .*\) are codecommit versions, .*replace its repositories; /);
    expect(fs.readdirSync(snapshotDirectory)).toEqual([v1]);

    // GIVEN instead a released CodeConnections version git-v1 (its snapshot takes the connection)
    const released = JSON.parse(fs.readFileSync(path.join(snapshotDirectory, v1), 'utf8'));
    fs.writeFileSync(path.join(snapshotDirectory, v1.replace('.v1.', '.git-v1.')), JSON.stringify({ ...released, Parameters: { ...released.Parameters, CodeConnectionArn: { Type: 'String' } } }));
    fs.rmSync(path.join(snapshotDirectory, v1));
    // WHEN / THEN a CodeCommit version is added
    expect(() => catalogApp({ snapshotDirectory, config: { productVersion: 'v2' } })).toThrow(
      /^`sourceProvider` 'codecommit' cannot be a version of this product: its released version\(s\) git-v1 .* are codeconnections versions/);
  });

  test('shares the portfolio with roles, users and groups', () => {
    // GIVEN
    const principals = [STUDIO_ROLE, `arn:aws:iam::${ENV.account}:user/alice`, `arn:aws:iam::${ENV.account}:group/DataScientists`];
    // WHEN
    const { template } = synth(catalogApp({ templateOnly: true, config: { portfolioPrincipals: principals.join(',') } }));
    // THEN
    for (const arn of principals) {
      template.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', { PrincipalARN: arn, PrincipalType: 'IAM' });
    }
    template.resourceCountIs('AWS::ServiceCatalog::PortfolioPrincipalAssociation', 3);
  });

  /** The catalog with a permissions boundary, synthesized once for the two tests below. */
  let bounded: ReturnType<typeof synth> | undefined;
  const withBoundary = () => (bounded ??= synth(catalogApp({ templateOnly: true, config: { permissionsBoundary: 'ProjectBoundary' } })));

  test('applies the permissions boundary to every role: the product\'s, the launch role, the asset deployment\'s', () => {
    // WHEN
    const { product, template } = withBoundary();
    // THEN
    const roles = [...Object.values(product.findResources('AWS::IAM::Role')), ...Object.values(template.findResources('AWS::IAM::Role'))];
    expect(roles.length).toBeGreaterThan(15);
    for (const role of roles) {
      expect(JSON.stringify(role.Properties.PermissionsBoundary)).toContain(':policy/ProjectBoundary');
    }
  });

  test('with a boundary, the launch role creates roles and writes their policies only with that boundary', () => {
    const { template } = withBoundary();
    const statements = launchRoleStatements(template);
    const bounded = statements.find((s) => s.Sid === 'RolesWithBoundary');
    expect(([] as string[]).concat(bounded?.Action as string[]).sort()).toEqual(['iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription']);
    expect(JSON.stringify((bounded?.Condition as Record<string, Record<string, unknown>>).StringEquals['iam:PermissionsBoundary']))
      .toContain(':policy/ProjectBoundary');
    const unbounded = statements.filter((s) => s.Sid !== 'RolesWithBoundary').flatMap((s) => ([] as string[]).concat(s.Action as string[]));
    expect(unbounded).not.toEqual(expect.arrayContaining(['iam:CreateRole']));
    expect(unbounded).not.toEqual(expect.arrayContaining(['iam:PutRolePolicy']));
  });

  test('without an environment, the asset bucket gets a name from the stack path and a warning', () => {
    // GIVEN: synth prints its validation warnings on stderr (console.error); that print is what a
    // user sees, so capture and check it instead of letting it into the test output
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // WHEN
      const catalog = catalogApp({ templateOnly: true, env: false });
      const { template } = synth(catalog);
      // THEN
      template.hasResourceProperties('AWS::S3::Bucket', { BucketName: Match.stringLikeRegexp('^sagemaker-mlops-catalog-[a-z0-9-]+$') });
      const warnings = catalog.app.synth().getStackByName(catalog.stack.stackName).messages.filter((m) => m.level === 'warning');
      expect(warnings.map((m) => String(m.entry.data))).toEqual([expect.stringContaining('asset bucket name')]);
      expect(printed.mock.calls.map((c) => String(c[0])).join('\n')).toContain('asset bucket name cannot contain them');
    } finally {
      printed.mockRestore();
    }
  });
});

test('a released version deploys to target accounts when it has the named deploy pipeline role: its launch role keeps the multi-account permissions', () => {
  const role = (roleName: unknown) => ({ Resources: { R: { Type: 'AWS::IAM::Role', Properties: { RoleName: roleName } } } });
  expect(deploysToTargetAccounts(role({ 'Fn::Join': ['', ['sagemaker-', { Ref: 'SageMakerProjectId' }, '-deploy-pipeline']] }))).toBe(true);
  expect(deploysToTargetAccounts(role('sagemaker-p-abc123def456-deploy-pipeline'))).toBe(true);
  expect(deploysToTargetAccounts(role(undefined))).toBe(false);
  expect(deploysToTargetAccounts(role({ 'Fn::Join': ['', ['sagemaker-', { Ref: 'SageMakerProjectId' }, '-deploy-pipeline-x']] }))).toBe(false);
  expect(deploysToTargetAccounts({ Resources: { P: { Type: 'AWS::CodePipeline::Pipeline', Properties: { Name: 'x-deploy-pipeline' } } } })).toBe(false);
});
