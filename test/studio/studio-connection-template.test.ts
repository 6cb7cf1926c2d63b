import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CLOUDFORMATION_ONLY_RESOURCE_TYPES, launchPermissions, Provisioner } from '../../lib/studio/launch-role';
import { parseProjectConfig, serviceCatalogStackProps } from '../../lib/config/project-config';
import { ServiceCatalogStack } from '../../lib/studio/service-catalog-stack';
import { MANAGED_POLICY_MAX_LENGTH, renderedLength } from '../../lib/studio/project-role-boundary';
import { StudioTemplateLocation, studioTemplateApp } from '../../lib/studio/studio-template-stack';
import { testApp } from '../support/app';
import { CONNECTION_ARN, CONNECTION_CONFIG } from '../support/connection';
import { ConfigError } from '../../lib/contract/errors';
import { REPOSITORY_FULL_NAME_PATTERN } from '../../lib/contract/rules';
import { defineStudioProjectTemplate } from '../../lib/studio/project-template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of synthesized templates
type Json = any;

const BUCKET = 'platform-sagemaker-templates';
const CONNECTION_PARAMETERS = ['CodeConnectionArn', 'ModelBuildCodeRepositoryFullname', 'ModelDeployCodeRepositoryFullname', 'CodeRepositoryBranch'];

/** An app with cdk.json's feature flags; without bundling, it synthesizes for reading templates only. */
const leanApp = (outdir: string, bundle: boolean): App => testApp({ outdir, bundle, templateOnly: !bundle });

/** The S3 template app of a connection template, as `npm run publish-template -- -c sourceProvider=codeconnections` builds it. */
function s3TemplateApp(config: Record<string, unknown> = {}, bundle = false) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-template-'));
  const parsed = parseProjectConfig({ sourceProvider: 'codeconnections', ...config }, { templateOnly: true });
  const app = leanApp(outdir, bundle);
  const stacks = studioTemplateApp(app, parsed, new StudioTemplateLocation(BUCKET, 'templates/', parsed.productVersion));
  return { app, outdir, stacks };
}

function synthS3(config: Record<string, unknown> = {}): { template: Json; launchRole: Json } {
  const { app, stacks } = s3TemplateApp(config);
  const assembly = app.synth();
  return { template: assembly.getStackByName(stacks.template.stackName).template, launchRole: assembly.getStackByName(stacks.launchRole.stackName).template };
}

/** The S3 templates with nothing configured, synthesized once for this file (tests only read them). */
let defaultS3: { template: Json; launchRole: Json } | undefined;
const synthDefaultS3 = () => (defaultS3 ??= synthS3());

/** The Service Catalog app of a connection product, as `cdk synth -c serviceCatalog=true -c sourceProvider=codeconnections ...` builds it. */
function catalogApp(config: Record<string, unknown> = {}, bundle = false) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-catalog-'));
  const parsed = parseProjectConfig({ serviceCatalog: 'true', ...CONNECTION_CONFIG, ...config });
  const app = leanApp(outdir, bundle);
  const stack = new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', {
    ...serviceCatalogStackProps(parsed), env: { account: '123456789012', region: 'eu-west-1' }, snapshotDirectory: fs.mkdtempSync(path.join(os.tmpdir(), 'snapshots-')),
  });
  return { app, outdir, stack };
}

/** The connection catalog with nothing else configured, synthesized once for this file. */
let defaultCatalog: { assembly: ReturnType<App['synth']>; stack: ServiceCatalogStack } | undefined;
const synthDefaultCatalog = () => {
  if (!defaultCatalog) {
    const { app, stack } = catalogApp();
    defaultCatalog = { assembly: app.synth(), stack };
  }
  return defaultCatalog;
};

const statements = (template: Json): Json[] => Object.values(template.Resources as Json)
  .filter((r: Json) => r.Type === 'AWS::IAM::Policy')
  .flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
const actionsOf = (s: Json): string[] => ([] as string[]).concat(s.Action);

describe('S3 template of a CodeConnections source, nothing configured at synth', () => {
  // GIVEN
  const { template } = synthDefaultS3();
  const t = Template.fromJSON(template);

  test('takes connection, repositories and branch as parameters with the patterns of the configuration parser', () => {
    expect(Object.keys(template.Parameters)).toEqual(['SageMakerProjectName', 'SageMakerProjectId', ...CONNECTION_PARAMETERS, 'AlarmEmail']);
    t.hasParameter('CodeConnectionArn', { Type: 'String', AllowedPattern: Match.stringLikeRegexp('codeconnections\\|codestar-connections'), Default: Match.absent() });
    for (const id of ['ModelBuildCodeRepositoryFullname', 'ModelDeployCodeRepositoryFullname']) {
      t.hasParameter(id, { Type: 'String', MaxLength: 1024, Default: Match.absent(), ConstraintDescription: Match.stringLikeRegexp('owner/name') });
    }
    t.hasParameter('CodeRepositoryBranch', { Type: 'String', Default: 'main', MinLength: 1, MaxLength: 100 });
  });

  test('Studio shows them in their own group; only the branch (which has a default) is optional', () => {
    const ui = template.Metadata['AWS::CloudFormation::Interface'];
    expect(ui.ParameterGroups[1]).toEqual({ Label: { default: expect.stringContaining('CodeConnections') }, Parameters: CONNECTION_PARAMETERS });
    expect(Object.keys(ui.ParameterLabels)).toEqual(expect.arrayContaining(CONNECTION_PARAMETERS));
    expect(template.Metadata.SagemakerTemplateParameterRules).toEqual({ CodeRepositoryBranch: { Optional: true }, AlarmEmail: { Optional: true } });
    expect(template.Description).toMatch(/CodeConnections/);
  });

  test('a rule refuses the same repository on both sides before anything is created', () => {
    expect(template.Rules.DifferentRepositories.Assertions).toEqual([{
      Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ModelBuildCodeRepositoryFullname' }, { Ref: 'ModelDeployCodeRepositoryFullname' }] }] },
      AssertDescription: expect.stringContaining('two different repositories'),
    }]);
  });

  test('the pipelines read the parameters: connection, full repository id and branch by Ref', () => {
    const pipelines = Object.values(t.findResources('AWS::CodePipeline::Pipeline'));
    expect(pipelines).toHaveLength(2);
    const configs = pipelines.map((p: Json) => p.Properties.Stages[0].Actions[0].Configuration);
    expect(configs).toEqual(expect.arrayContaining([
      { ConnectionArn: { Ref: 'CodeConnectionArn' }, FullRepositoryId: { Ref: 'ModelBuildCodeRepositoryFullname' }, BranchName: { Ref: 'CodeRepositoryBranch' }, DetectChanges: false },
      { ConnectionArn: { Ref: 'CodeConnectionArn' }, FullRepositoryId: { Ref: 'ModelDeployCodeRepositoryFullname' }, BranchName: { Ref: 'CodeRepositoryBranch' }, DetectChanges: false },
    ]));
    for (const p of pipelines as Json[]) expect(p.Properties.Triggers[0].GitConfiguration.Push[0].Branches).toEqual({ Includes: [{ Ref: 'CodeRepositoryBranch' }] });
  });

  test('the seeding jobs and Studio reach the repositories at URLs CloudFormation builds from the ARN parameter', () => {
    // arn:<partition>:<service>:<region>:<account>:connection/<id>, split by CloudFormation
    const url = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['https://', { 'Fn::Select': [2, { 'Fn::Split': [':', { Ref: 'CodeConnectionArn' }] }] }])] });
    t.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: { 'Fn::Join': ['', ['sagemaker-', { Ref: 'SageMakerProjectName' }, '-', { Ref: 'SageMakerProjectId' }, '-modelbuild-seed']] },
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'REPOSITORY_URL', Type: 'PLAINTEXT', Value: url }, { Name: 'BRANCH', Type: 'PLAINTEXT', Value: { Ref: 'CodeRepositoryBranch' } }]) }),
    });
    t.hasResourceProperties('AWS::SageMaker::CodeRepository', { GitConfig: { Branch: { Ref: 'CodeRepositoryBranch' }, RepositoryUrl: url } });
    expect(JSON.stringify(template.Resources)).not.toMatch(/arn:aws[a-z-]*:(codeconnections|codestar-connections):/);
  });

  test('UseConnection is on both ARN forms of the parameter, never on a literal or wildcard connection', () => {
    const uses = statements(template).filter((s) => actionsOf(s).some((a) => a.endsWith(':UseConnection')));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const s of uses) {
      const text = JSON.stringify(s.Resource);
      expect(text).toContain('"Ref":"CodeConnectionArn"');
      expect(text).not.toContain('*');
    }
    const ours = uses.filter((s) => s.Condition);
    for (const s of ours) {
      expect(s.Resource).toHaveLength(2);
      expect(JSON.stringify(s.Resource[0])).toContain(':codeconnections:');
      expect(JSON.stringify(s.Resource[1])).toContain(':codestar-connections:');
    }
  });
});

describe('S3 template of a CodeConnections source, values configured at synth', () => {
  test('become the parameters\' defaults; the connection becomes optional, the repositories stay required', () => {
    const { template } = synthS3({ connectionArn: CONNECTION_ARN, buildRepository: 'acme/model-build', branch: 'develop' });
    expect(template.Parameters.CodeConnectionArn.Default).toBe(CONNECTION_ARN);
    expect(template.Parameters.ModelBuildCodeRepositoryFullname.Default).toBe('acme/model-build');
    expect(template.Parameters.ModelDeployCodeRepositoryFullname.Default).toBeUndefined();
    expect(template.Parameters.CodeRepositoryBranch.Default).toBe('develop');
    expect(template.Metadata.SagemakerTemplateParameterRules).toEqual({ CodeConnectionArn: { Optional: true }, CodeRepositoryBranch: { Optional: true }, AlarmEmail: { Optional: true } });
  });
});

describe('S3 template of a CodeConnections source, constrained by the platform team (allowedConnectionArns, repositoryOwner)', () => {
  // GIVEN two allowed connections and an owner
  const OTHER_ARN = 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/ffffffff-4567-89ab-cdef-0123456789ab';
  const { template } = synthS3({ allowedConnectionArns: `${CONNECTION_ARN},${OTHER_ARN}`, repositoryOwner: 'Acme.io' });
  const accepts = (parameter: string, value: string) => {
    const p = template.Parameters[parameter];
    return (p.AllowedValues === undefined || p.AllowedValues.includes(value))
      && (p.AllowedPattern === undefined || new RegExp(p.AllowedPattern).test(value));
  };

  test('the connection parameter takes only the allowed connections, and says so', () => {
    expect(template.Parameters.CodeConnectionArn.AllowedValues).toEqual([CONNECTION_ARN, OTHER_ARN]);
    expect(template.Parameters.CodeConnectionArn.ConstraintDescription).toContain(CONNECTION_ARN);
    expect(accepts('CodeConnectionArn', OTHER_ARN)).toBe(true);
    expect(accepts('CodeConnectionArn', 'arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-4567-89ab-cdef-0123456789ab')).toBe(false);
    // Two connections: the user chooses, nothing is pre-filled.
    expect(template.Parameters.CodeConnectionArn.Default).toBeUndefined();
  });

  test.each([
    ['Acme.io/model-build', true],
    ['acme.IO/model-build', true],
    ['acme.io/sub/model-build', true],
    ['acme.io/model-build.git', false],
    ['acmexio/model-build', false],
    ['acme.io-evil/model-build', false],
    ['other/acme.io/model-build', false],
    ['acme.io', false],
    ['acme.io/', false],
  ])('both repository parameters accept %j: %s', (value, allowed) => {
    expect(accepts('ModelBuildCodeRepositoryFullname', value)).toBe(allowed);
    expect(accepts('ModelDeployCodeRepositoryFullname', value)).toBe(allowed);
    expect(template.Parameters.ModelBuildCodeRepositoryFullname.ConstraintDescription).toContain('under Acme.io');
  });

  test('one allowed connection pre-fills the field', () => {
    // Construction only (no synthesis): the parameter's default is set when it is defined.
    const { connectionParameters: single } = defineStudioProjectTemplate(new Stack(), {
      project: { sourceProvider: 'codeconnections' }, connectionConstraints: { allowedConnectionArns: [CONNECTION_ARN] },
    });
    expect(single?.connectionArn.allowedValues).toEqual([CONNECTION_ARN]);
    expect(single?.connectionArn.default).toBe(CONNECTION_ARN);
    expect(single?.buildRepository.allowedPattern).toBe(REPOSITORY_FULL_NAME_PATTERN);
  });
});

describe('template parameters and the configuration parser agree', () => {
  // GIVEN the parameters as published
  const { template } = synthDefaultS3();
  const accepts = (parameter: string, value: string) => {
    const p = template.Parameters[parameter];
    return new RegExp(p.AllowedPattern).test(value) && value.length >= (p.MinLength ?? 0) && value.length <= (p.MaxLength ?? Infinity);
  };
  const parses = (key: string, value: string) => {
    try {
      parseProjectConfig({ ...CONNECTION_CONFIG, [key]: value });
      return true;
    } catch (e) {
      if (e instanceof ConfigError) return false;
      throw e;
    }
  };

  test.each([
    ['CodeConnectionArn', 'connectionArn', CONNECTION_ARN],
    ['CodeConnectionArn', 'connectionArn', 'arn:aws:codestar-connections:us-east-1:123456789012:connection/ffffffff-4567-89ab-cdef-0123456789ab'],
    ['CodeConnectionArn', 'connectionArn', 'arn:aws-cn:codeconnections:cn-north-1:123456789012:connection/ffffffff-4567-89ab-cdef-0123456789ab'],
    ['CodeConnectionArn', 'connectionArn', 'arn:aws:codeconnections:eu-west-1:123456789012:host/abc'],
    ['CodeConnectionArn', 'connectionArn', 'arn:aws:codecommit:eu-west-1:123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab'],
    ['CodeConnectionArn', 'connectionArn', '0123abcd-4567-89ab-cdef-0123456789ab'],
    ['CodeConnectionArn', 'connectionArn', `${CONNECTION_ARN} `],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme/model-build'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'group/subgroup/deeper/model_build.v2'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'model-build'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme/model-build.git'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme/model-build.GIT'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme/model.gitlab'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme//x'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', '/acme/x'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'acme/.hidden'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', 'https://github.com/acme/x'],
    ['ModelBuildCodeRepositoryFullname', 'buildRepository', `acme/${'x'.repeat(1020)}`],
    ['CodeRepositoryBranch', 'branch', 'main'],
    ['CodeRepositoryBranch', 'branch', 'release/v2.1'],
    ['CodeRepositoryBranch', 'branch', 'feature/x_y-z'],
    ['CodeRepositoryBranch', 'branch', 'x'.repeat(101)],
    ['CodeRepositoryBranch', 'branch', '-main'],
    ['CodeRepositoryBranch', 'branch', 'HEAD'],
    ['CodeRepositoryBranch', 'branch', 'HEADS'],
    ['CodeRepositoryBranch', 'branch', '/main'],
    ['CodeRepositoryBranch', 'branch', 'main/'],
    ['CodeRepositoryBranch', 'branch', 'a//b'],
    ['CodeRepositoryBranch', 'branch', 'a..b'],
    ['CodeRepositoryBranch', 'branch', 'main.'],
    ['CodeRepositoryBranch', 'branch', '.hidden'],
    ['CodeRepositoryBranch', 'branch', 'a/.b'],
    ['CodeRepositoryBranch', 'branch', 'a.lock'],
    ['CodeRepositoryBranch', 'branch', 'a.lock/b'],
    ['CodeRepositoryBranch', 'branch', 'a.locked'],
    ['CodeRepositoryBranch', 'branch', 'my branch'],
    ['CodeRepositoryBranch', 'branch', ''],
  ])('%s and `%s` agree on %j', (parameter, key, value) => {
    expect(accepts(parameter, value)).toBe(parses(key, value));
  });

  test('the table has accepted and refused values for each parameter', () => {
    expect(accepts('CodeRepositoryBranch', 'release/v2.1')).toBe(true);
    expect(accepts('CodeRepositoryBranch', 'a..b')).toBe(false);
    expect(accepts('ModelBuildCodeRepositoryFullname', 'acme/model-build.git')).toBe(false);
    expect(accepts('CodeConnectionArn', CONNECTION_ARN)).toBe(true);
  });
});

describe('launch roles of a connection template', () => {
  test.each([
    ['S3 template', () => synthDefaultS3().launchRole],
    ['Service Catalog', () => {
      const { assembly, stack } = synthDefaultCatalog();
      return assembly.getStackByName(stack.stackName).template;
    }],
  ])('%s: pass connections of the account and region (both ARN forms) only to CodePipeline, each prefix with its own key; no CodeCommit', (_what, synth) => {
    const all = statements(synth());
    for (const [sid, prefix] of [['PassConnections', 'codeconnections'], ['PassCodeStarConnections', 'codestar-connections']]) {
      const s = all.find((st) => st.Sid === sid);
      expect(s).toBeDefined();
      expect(s.Action).toBe(`${prefix}:PassConnection`);
      expect(s.Condition).toEqual({ StringEquals: { [`${prefix}:PassedToService`]: 'codepipeline.amazonaws.com' } });
      const resources = JSON.stringify(s.Resource);
      expect(resources).toMatch(/:codeconnections:.*:connection\/\*.*:codestar-connections:.*:connection\/\*/);
      // the stack's own account and region (a Ref, or the catalog stack's literal environment), never '*'
      expect(resources).not.toMatch(/:\*:/);
      expect(resources).toMatch(/AWS::AccountId|123456789012/);
    }
    expect(all.flatMap(actionsOf).filter((a) => a.startsWith('codecommit:'))).toEqual([]);
    expect(all.flatMap(actionsOf).filter((a) => a.endsWith(':UseConnection'))).toEqual([]);
  });

  test('cover every resource type of the connection template (wait conditions need no permission)', () => {
    const { template } = synthDefaultS3();
    const types = [...new Set(Object.values(template.Resources as Json).map((r: Json) => r.Type as string))];
    expect(types).toEqual(expect.arrayContaining(['AWS::CloudFormation::WaitCondition', 'Custom::SageMakerProjectRepositorySeed']));
    const covered = new Set([...launchPermissions(Provisioner.S3_TEMPLATE, 'codeconnections').flatMap((p) => p.resourceTypes), ...CLOUDFORMATION_ONLY_RESOURCE_TYPES]);
    expect(types.filter((t) => !covered.has(t))).toEqual([]);
  });

  test('the S3 template\'s project role boundary holds the connection and the seeding jobs, within IAM\'s quota', () => {
    const boundary = Object.values(synthDefaultS3().launchRole.Resources as Json).find((r: Json) => r.Type === 'AWS::IAM::ManagedPolicy') as Json;
    const statements = boundary.Properties.PolicyDocument.Statement;
    expect(renderedLength(statements)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_LENGTH);
    // Actions as their verb's family (IAM's by name: no family of iam:Create* or iam:Put*).
    expect(statements[0].Action).toEqual(expect.arrayContaining(['codeconnections:Use*', 'codestar-connections:Use*']));
    expect((statements[0].Action as string[]).filter((a) => a.startsWith('iam:'))).toEqual(['iam:CreateServiceLinkedRole', 'iam:PassRole']);
    expect(JSON.stringify(statements[1].NotResource)).toContain('codebuild:');
  });

  test('the CodeCommit launch roles do not pass connections', () => {
    expect(launchPermissions(Provisioner.S3_TEMPLATE).map((p) => p.sid)).not.toContain('PassConnections');
    expect(launchPermissions(Provisioner.SERVICE_CATALOG).map((p) => p.sid)).toContain('Repositories');
  });
});

describe('Service Catalog product of a connection source', () => {
  test('has the connection parameters, with the configured values as defaults', () => {
    const { assembly, stack } = synthDefaultCatalog();
    const product = JSON.parse(fs.readFileSync(path.join(assembly.directory, stack.productStack.templateFile), 'utf8'));
    expect(Object.keys(product.Parameters)).toEqual(['SageMakerProjectName', 'SageMakerProjectId', ...CONNECTION_PARAMETERS, 'AlarmEmail']);
    expect(product.Parameters.CodeConnectionArn.Default).toBe(CONNECTION_ARN);
    expect(product.Parameters.ModelDeployCodeRepositoryFullname.Default).toBe('acme/ml-platform/model-deploy');
    Template.fromJSON(assembly.getStackByName(stack.stackName).template).hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Name: Match.stringLikeRegexp('your Git repositories'),
    });
  });
});

describe('Service Catalog product of a connection source, constrained by the platform team', () => {
  test('has the same constraints as the S3 template (one template body)', () => {
    const { app, stack } = catalogApp({ allowedConnectionArns: [CONNECTION_ARN], repositoryOwner: 'acme' });
    const product = JSON.parse(fs.readFileSync(path.join(app.synth().directory, stack.productStack.templateFile), 'utf8'));
    expect(product.Parameters.CodeConnectionArn).toMatchObject({ AllowedValues: [CONNECTION_ARN], Default: CONNECTION_ARN });
    expect(new RegExp(product.Parameters.ModelDeployCodeRepositoryFullname.AllowedPattern).test('acme/ml-platform/model-deploy')).toBe(true);
    expect(new RegExp(product.Parameters.ModelDeployCodeRepositoryFullname.AllowedPattern).test('evil/model-deploy')).toBe(false);
  });
});

describe('permissions boundary of the S3 template\'s launch role stack', () => {
  test.each([
    ['codecommit', {}, 'SageMakerMlopsProjectLaunchRole'],
    ['codeconnections', { sourceProvider: 'codeconnections' }, 'SageMakerMlopsProjectConnectionLaunchRole'],
  ])('(%s) the launch role carries the boundary and creates roles only with it', (_what, config: Record<string, unknown>, roleName) => {
    const { launchRole } = synthS3({ sourceProvider: 'codecommit', ...config, permissionsBoundary: 'ProjectBoundary' });
    const role = Template.fromJSON(launchRole);
    role.hasResourceProperties('AWS::IAM::Role', {
      RoleName: roleName,
      PermissionsBoundary: { 'Fn::Join': ['', Match.arrayWith([':policy/ProjectBoundary'])] },
    });
    const all = statements(launchRole);
    const bounded = all.find((s) => s.Sid === 'RolesWithBoundary');
    expect(actionsOf(bounded).sort()).toEqual(['iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription']);
    expect(JSON.stringify(bounded.Condition.StringEquals['iam:PermissionsBoundary'])).toContain(':policy/ProjectBoundary');
    expect(all.filter((s) => s.Sid !== 'RolesWithBoundary').flatMap(actionsOf)).not.toContain('iam:CreateRole');
  });

  test('without a boundary, the launch role has none', () => {
    const role = Template.fromJSON(synthS3({ sourceProvider: 'codecommit' }).launchRole);
    role.hasResourceProperties('AWS::IAM::Role', { PermissionsBoundary: Match.absent() });
  });
});
