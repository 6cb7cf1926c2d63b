import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseProjectConfig, serviceCatalogStackProps } from '../../lib/config/project-config';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { buildTemplateObjects, UsageError } from '../../lib/studio/template-publisher';
import {
  evaluate, MULTI_ACCOUNT_CONFIG, multiAccountTemplates, PROD_ACCOUNT, PROJECT_ACCOUNT, PROJECT_ID, REGION, releaseFiles, roleNamed, STAGING_ACCOUNT, templateRoles,
} from '../support/multi-account';
import { ConfigError } from '../../lib/contract/errors';
import { TARGET_SETUP } from '../../lib/contract/accounts';

const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const target = (account: string, stage: string, kind: string) => role(account, `mlops-stage-roles/sagemaker-${PROJECT_ID}-${stage}-${kind}`);
/** A role of a target account's one-time set-up. */
const setup = (account: string, name: 'access' | 'execution') =>
  role(account, `mlops-target-account/${name === 'access' ? TARGET_SETUP.deployAccessRoleName : TARGET_SETUP.executionRoleName}`);
const root = (account: string) => `arn:aws:iam::${account}:root`;
const GROUP = `mlops-demo-${PROJECT_ID}`;

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };

/** The statements of a resource-policy property of every resource of a type, evaluated in the project account. */
function resourcePolicyStatements(template: Template, type: string, property: string): Statement[] {
  return Object.values(template.findResources(type)).flatMap((r) => {
    const doc = evaluate(r.Properties[property], PROJECT_ACCOUNT) as { Statement?: Statement[] } | undefined;
    return doc?.Statement ?? [];
  });
}

/** Allow statements whose principal is another account (the project account's are not cross-account grants). */
const crossAccount = (statements: Statement[]) => statements.filter((s) => {
  const aws = (s.Principal as { AWS?: unknown } | undefined)?.AWS;
  return s.Effect === 'Allow' && typeof aws === 'string' && /^arn:aws:iam::\d{12}:/.test(aws) && !aws.includes(PROJECT_ACCOUNT);
});

/** What a cross-account grant says: who (account, roles by aws:PrincipalArn) may do what. */
const grant = (s: Statement) => ({
  principal: (s.Principal as { AWS: string }).AWS,
  roles: [...([] as string[]).concat(s.Condition?.ArnEquals?.['aws:PrincipalArn'] as string[])].sort(),
  actions: ([] as string[]).concat(s.Action).sort(),
  resource: s.Resource,
  otherConditions: Object.fromEntries(Object.entries(s.Condition ?? {}).filter(([op]) => op !== 'ArnEquals')),
});

describe('multi-account configuration', () => {
  test('is off by default: no deployment accounts', () => {
    expect(parseProjectConfig({}).deploymentAccounts).toBeUndefined();
  });

  test('reads the stage accounts and the project account', () => {
    expect(parseProjectConfig(MULTI_ACCOUNT_CONFIG).deploymentAccounts).toEqual({
      projectAccount: PROJECT_ACCOUNT,
      stageAccounts: { staging: STAGING_ACCOUNT, prod: PROD_ACCOUNT },
    });
  });

  test('takes one stage alone; the other deploys in the project account', () => {
    const stagingOnly = { ...MULTI_ACCOUNT_CONFIG, prodAccount: undefined };
    expect(parseProjectConfig(stagingOnly).deploymentAccounts?.stageAccounts).toEqual({ staging: STAGING_ACCOUNT });
  });

  test('warns that projectAccount alone has no effect', () => {
    expect(parseProjectConfig({ projectAccount: PROJECT_ACCOUNT }).warnings).toEqual([
      '`projectAccount` is ignored: it configures multi-account deployment, which `stagingAccount` or `prodAccount` turns on',
    ]);
  });

  test.each([
    [{ ...MULTI_ACCOUNT_CONFIG, stagingAccount: '12345' }, "`stagingAccount` must be a 12-digit AWS account id (write it as a string to keep leading zeros); got '12345'"],
    [{ ...MULTI_ACCOUNT_CONFIG, prodAccount: 'prod' }, "`prodAccount` must be a 12-digit AWS account id (write it as a string to keep leading zeros); got 'prod'"],
    [{ ...MULTI_ACCOUNT_CONFIG, projectAccount: '1111-1111-1111' }, "`projectAccount` must be a 12-digit AWS account id (write it as a string to keep leading zeros); got '1111-1111-1111'"],
    [{ ...MULTI_ACCOUNT_CONFIG, projectAccount: undefined }, '`projectAccount` is required with `stagingAccount` and `prodAccount`: the 12-digit id of the account the project stack deploys to'],
    [{ ...MULTI_ACCOUNT_CONFIG, prodRegion: 'us-east-1' }, "`prodRegion` is not supported (got 'us-east-1'): endpoints deploy in the project's region"],
    [{ ...MULTI_ACCOUNT_CONFIG, stagingRegion: 'us-east-1' }, "`stagingRegion` is not supported (got 'us-east-1')"],
  ])('fails when %j: one line naming the setting', (context, message) => {
    const given = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
    expect(() => parseProjectConfig(given)).toThrow(ConfigError);
    expect(() => parseProjectConfig(given)).toThrow(message);
    try {
      parseProjectConfig(given);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('multi-account configuration of a Studio template (fixed when it is published)', () => {
  const accountsOnly = { ...MULTI_ACCOUNT_CONFIG, projectId: undefined };
  const expected = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { staging: STAGING_ACCOUNT, prod: PROD_ACCOUNT } };

  test('the S3 template takes the accounts without a project id (Studio passes SageMakerProjectId)', () => {
    expect(parseProjectConfig(accountsOnly, { templateOnly: true }).deploymentAccounts).toEqual(expected);
  });

  test('the Service Catalog product takes them without a project id (its app\'s project stack derives one), and passes them to the product', () => {
    const config = parseProjectConfig({ ...Object.fromEntries(Object.entries(accountsOnly).filter(([, v]) => v !== undefined)), serviceCatalog: 'true' });
    expect(serviceCatalogStackProps(config).deploymentAccounts).toEqual(expected);
  });

  test.each<[Record<string, unknown>, string]>([
    [{ ...accountsOnly, projectAccount: undefined }, '`projectAccount` is required with `stagingAccount` and `prodAccount`'],
    [{ ...accountsOnly, prodAccount: '33333333333' }, "`prodAccount` must be a 12-digit AWS account id (write it as a string to keep leading zeros); got '33333333333'"],
    [{ ...accountsOnly, stagingRegion: 'us-east-1' }, "`stagingRegion` is not supported (got 'us-east-1')"],
  ])('the S3 template still refuses %j in one line naming the setting', (context, message) => {
    const given = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
    const build = () => buildTemplateObjects({ bucket: 'my-templates', prefix: 'mlops', context: given });
    expect(build).toThrow(UsageError);
    expect(build).toThrow(message);
    try {
      build();
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('a multi-account project whose id CloudFormation derives (no projectId)', () => {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
  const accounts = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { staging: STAGING_ACCOUNT, prod: PROD_ACCOUNT } };
  const project = new SageMakerProject(stack, 'Project', { projectName: 'churn', deploymentAccounts: accounts });
  const template = Template.fromStack(stack);
  const derivedId = stack.resolve(project.names.projectId);

  test('names the roles the target accounts trust after the derived id', () => {
    expect(derivedId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProjectProjectId/), 'Value'] });
    for (const kind of ['deploy-pipeline', 'smoke-test-build', 'teardown']) {
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: { 'Fn::Join': ['', ['sagemaker-', derivedId, `-${kind}`]] } });
    }
  });

  test('deploys each target account\'s template with the project\'s name and derived id as its parameters', () => {
    const actions = (Object.values(template.findResources('AWS::CodePipeline::Pipeline')).flatMap((p) => p.Properties.Stages)
      .flatMap((st: { Actions: Array<{ Name: string; Configuration?: Record<string, unknown> }> }) => st.Actions))
      .filter((a) => /AccountResources$/.test(a.Name));
    expect(actions.map((a) => a.Name).sort()).toEqual(['DeployProdAccountResources', 'DeployStagingAccountResources']);
    for (const action of actions) {
      const overrides = action.Configuration!.ParameterOverrides as { 'Fn::Join': [string, unknown[]] };
      const [, parts] = overrides['Fn::Join'];
      expect(parts).toContainEqual(derivedId);
      expect(parts.filter((p) => typeof p === 'string').join('')).toContain('"SageMakerProjectName":"churn"');
    }
  });
});

test('fails when the construct gets deployment accounts with a project name that is a template parameter and an id that is not', () => {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
  const accounts = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { prod: PROD_ACCOUNT } };
  const name = new CfnParameter(stack, 'SageMakerProjectName').valueAsString;
  const message = "With `deploymentAccounts`, a `projectName` that is a template parameter needs a `projectId` that is one too";
  expect(() => new SageMakerProject(stack, 'Derived', { projectName: name, deploymentAccounts: accounts })).toThrow(message);
  expect(() => new SageMakerProject(stack, 'Plain', { projectName: name, projectId: 'p-abc123def456', deploymentAccounts: accounts })).toThrow(message);
});

/** Both stages in the staging account: synthesized once for the three tests that read it. */
let sharedAccount: ReturnType<typeof multiAccountTemplates> | undefined;
const sharedAccountTemplates = () => (sharedAccount ??= multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, prodAccount: STAGING_ACCOUNT }));

describe('multi-account app', () => {
  const { project, targets } = multiAccountTemplates();
  const staging = targets[STAGING_ACCOUNT];
  const prod = targets[PROD_ACCOUNT];
  const boundary = (account: string) => `arn:aws:iam::${account}:policy/mlops-target-account/${TARGET_SETUP.stageRoleBoundaryName}`;

  test('the release check writes one template per target account into the release, and the app has no stack of its own for them', () => {
    expect(Object.keys(targets)).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT]);
    const check = Object.values(project.findResources('AWS::CodeBuild::Project')).find((p) => String(p.Properties.Source.BuildSpec).includes('Release check failed'))!;
    expect(JSON.parse(check.Properties.Source.BuildSpec).artifacts.files).toEqual(expect.arrayContaining([
      `target-${STAGING_ACCOUNT}.template.json`, `target-${PROD_ACCOUNT}.template.json`,
    ]));
    // Within CodeBuild's limit on an inline buildspec.
    expect(String(check.Properties.Source.BuildSpec).length).toBeLessThan(25600);
  });

  test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('the %s account template needs no asset, no bootstrap and no function: only what the set-up\'s execution role creates', (_stage, account) => {
    const t = targets[account].toJSON();
    expect(t.Parameters ?? {}).toEqual({});
    expect(t.Rules ?? {}).toEqual({});
    const types = new Set(Object.values(t.Resources as Record<string, { Type: string }>).map((r) => r.Type));
    expect([...types].sort()).toEqual([
      'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::KMS::Alias', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy',
      'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy',
    ]);
    // Every role under the stage role path, with the set-up's boundary.
    for (const r of Object.values(targets[account].findResources('AWS::IAM::Role'))) {
      expect(r.Properties.Path).toBe(TARGET_SETUP.stageRolePath);
      expect(evaluate(r.Properties.PermissionsBoundary, account)).toBe(boundary(account));
    }
    // Keys, buckets and the topic by the names the set-up's execution role may create, with the project-id tag.
    targets[account].hasResourceProperties('AWS::KMS::Key', { Tags: Match.arrayWith([{ Key: 'sagemaker:project-id', Value: PROJECT_ID }]) });
    for (const b of Object.values(targets[account].findResources('AWS::S3::Bucket'))) {
      expect(b.Properties.BucketName).toMatch(new RegExp(`^sagemaker-project-${PROJECT_ID}-capture-${account}(-logs)?$`));
      expect(b.DeletionPolicy).toBe('Retain');
    }
  });

  test('one template holds both stages when they share an account', () => {
    const { targets: t } = sharedAccountTemplates();
    expect(Object.keys(t)).toEqual([STAGING_ACCOUNT]);
    const names = templateRoles(t[STAGING_ACCOUNT], STAGING_ACCOUNT).map((r) => r.roleName);
    expect(names.sort()).toEqual([`sagemaker-${PROJECT_ID}-prod-batch-schedule`, `sagemaker-${PROJECT_ID}-prod-model`,
      `sagemaker-${PROJECT_ID}-staging-batch-schedule`, `sagemaker-${PROJECT_ID}-staging-model`, `sagemaker-${PROJECT_ID}-staging-smoke-test`]);
  });

  describe('trusts of the target roles', () => {
    test('the staging smoke-test role trusts only the project\'s smoke-test build role; prod has none', () => {
      const { trust } = roleNamed(staging, STAGING_ACCOUNT, `sagemaker-${PROJECT_ID}-staging-smoke-test`);
      expect(trust.Statement).toEqual([{
        Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: role(PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-smoke-test-build`) },
      }]);
      expect(templateRoles(prod, PROD_ACCOUNT).map((r) => r.roleName)).not.toContain(`sagemaker-${PROJECT_ID}-prod-smoke-test`);
    });

    test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('the %s model role trusts SageMaker of its own account only', (stage, account) => {
      const { trust } = roleNamed(targets[account], account, `sagemaker-${PROJECT_ID}-${stage}-model`);
      expect(trust.Statement).toEqual([{
        Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      }]);
    });

    test('no role of any template trusts an account (or anyone) without naming the role by condition', () => {
      const all = [[project, PROJECT_ACCOUNT], [staging, STAGING_ACCOUNT], [prod, PROD_ACCOUNT]] as const;
      const trusts = all.flatMap(([t, account]) => templateRoles(t, account).flatMap((r) => r.trust.Statement));
      const accountWide = trusts.filter((s) => /:root$|^\*$/.test(String((s.Principal as { AWS?: string }).AWS ?? '')) && s.Condition === undefined);
      expect(trusts.length).toBeGreaterThan(15);
      expect(accountWide).toEqual([]);
    });
  });

  describe('grants of the project account to the target accounts', () => {
    test('the model package group lets exactly the target model roles read its packages, and the set-up\'s execution role create models from them', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::SageMaker::ModelPackageGroup', 'ModelPackageGroupPolicy')).map(grant);
      const packages = `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${GROUP}/*`;
      const group = `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package-group/${GROUP}`;
      // What each statement allows is decided in test/project/model-package-group-grants.test.ts.
      expect(grants).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT].flatMap((account) => {
        const stage = account === STAGING_ACCOUNT ? 'staging' : 'prod';
        const deploy = [setup(account, 'execution')];
        return [
          { principal: root(account), roles: [target(account, stage, 'model')], actions: ['sagemaker:DescribeModelPackage'], resource: packages, otherConditions: {} },
          { principal: root(account), roles: deploy, actions: ['sagemaker:DescribeModelPackageGroup'], resource: group, otherConditions: {} },
          {
            principal: root(account), roles: deploy, actions: ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
            resource: packages, otherConditions: {},
          },
        ];
      }));
    });

    test('the data bucket lets exactly the target model roles read the model artifacts', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::S3::BucketPolicy', 'PolicyDocument'))
        .filter((s) => JSON.stringify(s.Resource).includes('ProjectArtifactStoreBucket')).map(grant);
      expect(grants).toEqual([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]].map(([stage, account]) => ({
        principal: root(account),
        roles: [target(account, stage, 'model')],
        actions: ['s3:GetObject'],
        resource: `<ProjectArtifactStoreBucketA8ED1D3C.Arn>/${GROUP}/*`,
        otherConditions: {},
      })));
    });

    test('the pipeline artifact bucket lets exactly the set-up\'s access roles read run artifacts', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::S3::BucketPolicy', 'PolicyDocument'))
        .filter((s) => JSON.stringify(s.Resource).includes('PipelineArtifacts')).map(grant);
      expect(grants.map((g) => [g.principal, g.roles, g.actions])).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT].map((account) => [
        root(account), [setup(account, 'access')], ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      ]));
      project.hasResourceProperties('AWS::S3::Bucket', { BucketName: `sagemaker-project-${PROJECT_ID}-pipeline-artifacts` });
    });

    test('the project key decrypts for exactly those roles (model roles through S3 only)', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::KMS::Key', 'KeyPolicy')).map(grant);
      const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } };
      expect(grants).toEqual(expect.arrayContaining([
        { principal: root(STAGING_ACCOUNT), roles: [target(STAGING_ACCOUNT, 'staging', 'model')], actions: ['kms:Decrypt'], resource: '*', otherConditions: viaS3 },
        { principal: root(PROD_ACCOUNT), roles: [target(PROD_ACCOUNT, 'prod', 'model')], actions: ['kms:Decrypt'], resource: '*', otherConditions: viaS3 },
        { principal: root(STAGING_ACCOUNT), roles: [setup(STAGING_ACCOUNT, 'access')], actions: ['kms:Decrypt', 'kms:DescribeKey'], resource: '*', otherConditions: {} },
        { principal: root(PROD_ACCOUNT), roles: [setup(PROD_ACCOUNT, 'access')], actions: ['kms:Decrypt', 'kms:DescribeKey'], resource: '*', otherConditions: {} },
      ]));
      expect(grants).toHaveLength(4);
    });

    test('every cross-account grant of the project stack names its roles by aws:PrincipalArn', () => {
      const all = [
        ...resourcePolicyStatements(project, 'AWS::SageMaker::ModelPackageGroup', 'ModelPackageGroupPolicy'),
        ...resourcePolicyStatements(project, 'AWS::S3::BucketPolicy', 'PolicyDocument'),
        ...resourcePolicyStatements(project, 'AWS::KMS::Key', 'KeyPolicy'),
      ];
      const cross = crossAccount(all).filter((s) => s.Effect === 'Allow');
      expect(cross).toHaveLength(14);
      for (const s of cross) {
        const account = grant(s).principal.split(':')[4];
        expect(grant(s).roles.length).toBeGreaterThan(0);
        expect(grant(s).roles.every((r) => r.startsWith(`arn:aws:iam::${account}:role/mlops-stage-roles/sagemaker-${PROJECT_ID}-`)
          || r === setup(account, 'access') || r === setup(account, 'execution'))).toBe(true);
      }
    });
  });

  describe('the deploy pipeline', () => {
    const pipelineStages = (t = project) => {
      const pipeline = Object.values(t.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: Match.stringLikeRegexp('modeldeploy') } }))[0];
      return evaluate(pipeline.Properties.Stages, PROJECT_ACCOUNT) as Array<{
        Name: string; Actions: Array<{ Name: string; RunOrder: number; RoleArn?: string; ActionTypeId: { Provider: string }; Configuration: Record<string, string> }>;
      }>;
    };

    test('deploys each target account\'s resources, then the endpoint stack, through the set-up\'s access and execution roles', () => {
      const cfn = pipelineStages().flatMap((s) => s.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation').map((a) => [
        s.Name, a.Name, a.RunOrder, a.Configuration.StackName, a.Configuration.TemplatePath, a.RoleArn, a.Configuration.RoleArn,
      ]));
      const stack = (suffix: string) => `sagemaker-mlops-demo-${PROJECT_ID}-${suffix}`;
      expect(cfn).toEqual([
        ['DeployStaging', 'DeployStagingAccountResources', 2, stack(`target-${STAGING_ACCOUNT}`), `Release::target-${STAGING_ACCOUNT}.template.json`,
          setup(STAGING_ACCOUNT, 'access'), setup(STAGING_ACCOUNT, 'execution')],
        ['DeployStaging', 'DeployStagingEndpoint', 3, stack('deploy-staging'), 'Release::staging.template.json', setup(STAGING_ACCOUNT, 'access'), setup(STAGING_ACCOUNT, 'execution')],
        ['DeployProd', 'DeployProdAccountResources', 2, stack(`target-${PROD_ACCOUNT}`), `Release::target-${PROD_ACCOUNT}.template.json`,
          setup(PROD_ACCOUNT, 'access'), setup(PROD_ACCOUNT, 'execution')],
        ['DeployProd', 'DeployProdEndpoint', 3, stack('deploy-prod'), 'Release::prod.template.json', setup(PROD_ACCOUNT, 'access'), setup(PROD_ACCOUNT, 'execution')],
      ]);
    });

    test('each account\'s resources stack carries the project\'s tags, which the project\'s teardown requires before deleting it', () => {
      const files = releaseFiles(project);
      for (const [stage, account] of [['Staging', STAGING_ACCOUNT], ['Prod', PROD_ACCOUNT]]) {
        const action = pipelineStages().flatMap((s) => s.Actions).find((a) => a.Name === `Deploy${stage}AccountResources`)!;
        expect(action.Configuration.TemplateConfiguration).toBe(`Release::target-${account}.config.json`);
        expect(JSON.parse(files[`target-${account}.config.json`]).Tags).toEqual(expect.objectContaining({
          'sagemaker:project-id': PROJECT_ID, 'sagemaker:project-name': 'mlops-demo',
        }));
      }
    });

    test('a shared account\'s resources are deployed once, by staging', () => {
      const { project: t } = sharedAccountTemplates();
      const names = pipelineStages(t).flatMap((s) => s.Actions.map((a) => a.Name)).filter((n) => n.endsWith('AccountResources'));
      expect(names).toEqual(['DeployStagingAccountResources']);
    });

    test('with both stages in target accounts, the project account has no endpoint deploy role of its own', () => {
      const cloudFormationRoles = Object.keys(project.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })]) } },
      }));
      expect(cloudFormationRoles).toEqual([]);
    });

    test('its role is named as the set-up trusts, and may assume exactly the two access roles', () => {
      const pipelineRole = roleNamed(project, PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-deploy-pipeline`);
      expect(`sagemaker-${PROJECT_ID}-deploy-pipeline`).toMatch(new RegExp(`^${TARGET_SETUP.trustedRoleNamePattern.replace('*', '.*')}$`));
      const assume = pipelineRole.statements.filter((s) => ([] as string[]).concat(s.Action as string).includes('sts:AssumeRole'));
      const crossAccountRoles = assume.flatMap((s) => s.Resource).filter((r) => String(r).includes(':iam::') && !String(r).includes(PROJECT_ACCOUNT));
      expect(crossAccountRoles.sort()).toEqual([setup(STAGING_ACCOUNT, 'access'), setup(PROD_ACCOUNT, 'access')].sort());
    });

    test('the build gets DEPLOYMENT_TARGETS with each target stage\'s role, bucket, key and topic, as the account templates name them', () => {
      const build = Object.values(project.findResources('AWS::CodeBuild::Project', { Properties: { Name: `sagemaker-mlops-demo-${PROJECT_ID}-modeldeploy` } }))[0];
      const env = evaluate(build.Properties.Environment.EnvironmentVariables, PROJECT_ACCOUNT) as Array<{ Name: string; Value: string }>;
      const targetsEnv = JSON.parse(env.find((e) => e.Name === 'DEPLOYMENT_TARGETS')!.Value);
      const expected = (stage: string, account: string) => ({
        account,
        region: REGION,
        modelExecutionRoleArn: target(account, stage, 'model'),
        dataCaptureBucket: `sagemaker-project-${PROJECT_ID}-capture-${account}`,
        kmsKeyArn: `arn:aws:kms:${REGION}:${account}:alias/sagemaker-project-${PROJECT_ID}-endpoints`,
        alarmTopicArn: `arn:aws:sns:${REGION}:${account}:sagemaker-${PROJECT_ID}-endpoint-alarms`,
      });
      expect(targetsEnv).toEqual({ staging: expected('staging', STAGING_ACCOUNT), prod: expected('prod', PROD_ACCOUNT) });
      staging.hasResourceProperties('AWS::S3::Bucket', { BucketName: targetsEnv.staging.dataCaptureBucket });
      staging.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/sagemaker-project-${PROJECT_ID}-endpoints` });
      prod.hasResourceProperties('AWS::SNS::Topic', { TopicName: `sagemaker-${PROJECT_ID}-endpoint-alarms` });
      const prodModel = roleNamed(prod, PROD_ACCOUNT, `sagemaker-${PROJECT_ID}-prod-model`);
      expect(evaluate(Object.values(prod.findResources('AWS::IAM::Role')).find((r) => r.Properties.RoleName === prodModel.roleName)!.Properties.Path, PROD_ACCOUNT))
        .toBe(TARGET_SETUP.stageRolePath);
      // The build cannot read endpoints in other accounts: no ownership check statement at all.
      const buildRole = templateRoles(project, PROJECT_ACCOUNT).find((r) => r.statements.some((s) => s.Sid === 'ResolveModelPackage'))!;
      expect(buildRole.statements.map((s) => s.Sid)).not.toContain('CheckEndpointOwnership');
    });

    test('the smoke test gets SMOKE_TEST_ROLE_ARN and may assume only that role', () => {
      const test = Object.values(project.findResources('AWS::CodeBuild::Project', { Properties: { Name: `sagemaker-mlops-demo-${PROJECT_ID}-testing` } }))[0];
      const env = evaluate(test.Properties.Environment.EnvironmentVariables, PROJECT_ACCOUNT) as Array<{ Name: string; Value: string }>;
      expect(env.find((e) => e.Name === 'SMOKE_TEST_ROLE_ARN')?.Value).toBe(target(STAGING_ACCOUNT, 'staging', 'smoke-test'));
      const testRole = roleNamed(project, PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-smoke-test-build`);
      const sts = testRole.statements.filter((s) => JSON.stringify(s.Action).includes('sts:'));
      expect(sts).toEqual([{ Sid: 'AssumeStagingSmokeTestRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: target(STAGING_ACCOUNT, 'staging', 'smoke-test') }]);
      expect(testRole.statements.map((s) => s.Sid)).not.toContain('InvokeStagingEndpoint');
    });
  });

  test('with a staging account only, prod deploys in the project account as before', () => {
    const stagingOnly = Object.fromEntries(Object.entries(MULTI_ACCOUNT_CONFIG).filter(([k]) => k !== 'prodAccount'));
    const { project: t, targets: only } = multiAccountTemplates(stagingOnly);
    expect(Object.keys(only)).toEqual([STAGING_ACCOUNT]);
    const pipeline = Object.values(t.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: Match.stringLikeRegexp('modeldeploy') } }))[0];
    const prodActions = (pipeline.Properties.Stages as Array<{ Name: string; Actions: Array<{ ActionTypeId: { Provider: string }; RoleArn?: unknown; Configuration: { RoleArn: unknown } }> }>)
      .find((s) => s.Name === 'DeployProd')!.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(prodActions).toHaveLength(1);
    expect(prodActions[0].RoleArn).toBeUndefined();
    expect(prodActions[0].Configuration.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelDeployEndpointDeployRole/), 'Arn'] });
    // The build checks ownership of the prod endpoint only; the project's teardown deletes only the prod stack.
    const buildRole = templateRoles(t, PROJECT_ACCOUNT).find((r) => r.statements.some((s) => s.Sid === 'ResolveModelPackage'))!;
    expect(buildRole.statements.find((s) => s.Sid === 'CheckEndpointOwnership')?.Resource).toEqual(`arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:endpoint/mlops-demo-prod`);
    t.hasResourceProperties('Custom::SageMakerProjectTeardown', { StackNames: [`sagemaker-mlops-demo-${PROJECT_ID}-deploy-prod`] });
  });

  test('the project\'s teardown deletes each target account\'s stacks there: one entry per account, with the stages it hosts', () => {
    const stack = (suffix: string) => `sagemaker-mlops-demo-${PROJECT_ID}-${suffix}`;
    const entry = (account: string, stages: string[]) => Match.objectLike({
      Account: account, StackNames: stages.map((s) => stack(`deploy-${s}`)), ResourcesStackName: stack(`target-${account}`),
    });
    project.hasResourceProperties('Custom::SageMakerProjectTeardown', {
      StackNames: [], TargetAccounts: [entry(STAGING_ACCOUNT, ['staging']), entry(PROD_ACCOUNT, ['prod'])],
    });
    const { project: shared } = sharedAccountTemplates();
    shared.hasResourceProperties('Custom::SageMakerProjectTeardown', { TargetAccounts: [entry(STAGING_ACCOUNT, ['staging', 'prod'])] });
  });

  test('a target account\'s data capture is kept: retained, and with retainData no version can be deleted', () => {
    prod.hasResource('AWS::S3::Bucket', {
      Properties: { BucketName: `sagemaker-project-${PROJECT_ID}-capture-${PROD_ACCOUNT}`, VersioningConfiguration: { Status: 'Enabled' } },
      DeletionPolicy: 'Retain',
    });
    prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'KeepDataVersions', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:DeleteObjectVersion' })]) },
    });
    // With retainData=false versions may be deleted; the bucket stays (CloudFormation cannot empty it without a function).
    const { targets: t } = multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, retainData: 'false' });
    t[PROD_ACCOUNT].hasResource('AWS::S3::Bucket', {
      Properties: { BucketName: `sagemaker-project-${PROJECT_ID}-capture-${PROD_ACCOUNT}` },
      DeletionPolicy: 'Retain',
    });
    expect(JSON.stringify(t[PROD_ACCOUNT].findResources('AWS::S3::BucketPolicy'))).not.toContain('KeepDataVersions');
  });
});
