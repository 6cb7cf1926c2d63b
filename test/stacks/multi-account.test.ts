import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseProjectConfig } from '../../lib/config/project-config';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { buildTemplateObjects, UsageError } from '../../lib/studio/template-publisher';
import { projectApp } from '../support/app';
import {
  evaluate, MULTI_ACCOUNT_CONFIG, multiAccountTemplates, PROD_ACCOUNT, PROJECT_ACCOUNT, PROJECT_ID, REGION, roleNamed, STAGING_ACCOUNT, templateRoles,
} from '../support/multi-account';
import { ConfigError } from '../../lib/contract/errors';

const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const target = (account: string, stage: string, kind: string) => role(account, `sagemaker-${PROJECT_ID}-${stage}-${kind}`);
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
    [{ ...MULTI_ACCOUNT_CONFIG, projectId: undefined }, "`projectId` is required with `stagingAccount` and `prodAccount`: the target accounts' stacks name their roles after it"],
    [{ ...MULTI_ACCOUNT_CONFIG, prodRegion: 'us-east-1' }, "`prodRegion` is not supported (got 'us-east-1'): endpoints deploy in the project's region"],
    [{ ...MULTI_ACCOUNT_CONFIG, stagingRegion: 'us-east-1' }, "`stagingRegion` is not supported (got 'us-east-1')"],
    [{ ...MULTI_ACCOUNT_CONFIG, serviceCatalog: 'true' }, '`stagingAccount` and `prodAccount` (multi-account deployment) is not available for the Service Catalog product yet'],
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

test('fails when the construct gets deployment accounts without a plain project id', () => {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
  const accounts = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { prod: PROD_ACCOUNT } };
  expect(() => new SageMakerProject(stack, 'Project', { projectName: 'churn', deploymentAccounts: accounts }))
    .toThrow("`projectId` (and `projectName`) must be given as plain values with `deploymentAccounts`: the target accounts' stacks name their roles after them");
});

test('fails when publishing the S3-hosted Studio template with target accounts: not available yet, one line', () => {
  const build = () => buildTemplateObjects({ bucket: 'my-templates', prefix: 'mlops', context: MULTI_ACCOUNT_CONFIG });
  expect(build).toThrow(UsageError);
  expect(build).toThrow('`stagingAccount` / `prodAccount` (multi-account deployment) is not available for the S3-hosted Studio template yet');
});

describe('multi-account app', () => {
  const { project, targets, targetStacks } = multiAccountTemplates();
  const staging = targets[STAGING_ACCOUNT];
  const prod = targets[PROD_ACCOUNT];

  test('has one target stack per target account, in that account', () => {
    expect(targetStacks.map((s) => [s.stackName, s.account])).toEqual([
      [`sagemaker-mlops-demo-${PROJECT_ID}-target-${STAGING_ACCOUNT}`, STAGING_ACCOUNT],
      [`sagemaker-mlops-demo-${PROJECT_ID}-target-${PROD_ACCOUNT}`, PROD_ACCOUNT],
    ]);
  });

  test('one target stack holds both stages when they share an account', () => {
    const { targets: stacks } = projectApp({ config: { ...MULTI_ACCOUNT_CONFIG, prodAccount: STAGING_ACCOUNT } });
    expect(stacks).toHaveLength(1);
    const names = templateRoles(Template.fromStack(stacks[0]), STAGING_ACCOUNT).map((r) => r.roleName).filter((n) => n?.startsWith('sagemaker-'));
    expect(names.sort()).toEqual(['cfn-action', 'cfn-deploy', 'model'].flatMap((k) => [`sagemaker-${PROJECT_ID}-prod-${k}`, `sagemaker-${PROJECT_ID}-staging-${k}`])
      .concat(`sagemaker-${PROJECT_ID}-staging-smoke-test`).sort());
  });

  describe('trusts of the target roles', () => {
    test.each([
      ['staging', STAGING_ACCOUNT],
      ['prod', PROD_ACCOUNT],
    ])('the %s action role trusts only the project\'s deploy pipeline role', (stage, account) => {
      const { trust } = roleNamed(targets[account], account, `sagemaker-${PROJECT_ID}-${stage}-cfn-action`);
      expect(trust.Statement).toEqual([{
        Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: role(PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-deploy-pipeline`) },
      }]);
    });

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

    test('the deploy role is CloudFormation\'s service role', () => {
      const { trust } = roleNamed(prod, PROD_ACCOUNT, `sagemaker-${PROJECT_ID}-prod-cfn-deploy`);
      expect(trust.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' } }]);
    });

    test('no role of any stack trusts an account (or anyone) without naming the role by condition', () => {
      const all = [[project, PROJECT_ACCOUNT], [staging, STAGING_ACCOUNT], [prod, PROD_ACCOUNT]] as const;
      const trusts = all.flatMap(([t, account]) => templateRoles(t, account).flatMap((r) => r.trust.Statement));
      const accountWide = trusts.filter((s) => /:root$|^\*$/.test(String((s.Principal as { AWS?: string }).AWS ?? '')) && s.Condition === undefined);
      expect(trusts.length).toBeGreaterThan(20);
      expect(accountWide).toEqual([]);
    });
  });

  describe('grants of the project account to the target roles', () => {
    test('the model package group lets exactly the target model roles read its packages, and the deploy roles create models from them', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::SageMaker::ModelPackageGroup', 'ModelPackageGroupPolicy')).map(grant);
      const packages = `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${GROUP}/*`;
      const group = `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package-group/${GROUP}`;
      // What each statement allows is decided in test/project/model-package-group-grants.test.ts.
      expect(grants).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT].flatMap((account) => {
        const stage = account === STAGING_ACCOUNT ? 'staging' : 'prod';
        const deploy = [target(account, stage, 'cfn-deploy')];
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

    test('the pipeline artifact bucket lets exactly the target action roles read run artifacts', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::S3::BucketPolicy', 'PolicyDocument'))
        .filter((s) => JSON.stringify(s.Resource).includes('PipelineArtifacts')).map(grant);
      expect(grants.map((g) => [g.principal, g.roles, g.actions])).toEqual([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]].map(([stage, account]) => [
        root(account), [target(account, stage, 'cfn-action')], ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      ]));
      project.hasResourceProperties('AWS::S3::Bucket', { BucketName: `sagemaker-project-${PROJECT_ID}-pipeline-artifacts` });
    });

    test('the project key decrypts for exactly those roles (model roles through S3 only)', () => {
      const grants = crossAccount(resourcePolicyStatements(project, 'AWS::KMS::Key', 'KeyPolicy')).map(grant);
      const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } };
      expect(grants).toEqual(expect.arrayContaining([
        { principal: root(STAGING_ACCOUNT), roles: [target(STAGING_ACCOUNT, 'staging', 'model')], actions: ['kms:Decrypt'], resource: '*', otherConditions: viaS3 },
        { principal: root(PROD_ACCOUNT), roles: [target(PROD_ACCOUNT, 'prod', 'model')], actions: ['kms:Decrypt'], resource: '*', otherConditions: viaS3 },
        { principal: root(STAGING_ACCOUNT), roles: [target(STAGING_ACCOUNT, 'staging', 'cfn-action')], actions: ['kms:Decrypt', 'kms:DescribeKey'], resource: '*', otherConditions: {} },
        { principal: root(PROD_ACCOUNT), roles: [target(PROD_ACCOUNT, 'prod', 'cfn-action')], actions: ['kms:Decrypt', 'kms:DescribeKey'], resource: '*', otherConditions: {} },
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
        expect(grant(s).roles.length).toBeGreaterThan(0);
        expect(grant(s).roles.every((r) => r.startsWith(`arn:aws:iam::${grant(s).principal.split(':')[4]}:role/sagemaker-${PROJECT_ID}-`))).toBe(true);
      }
    });
  });

  describe('the deploy pipeline', () => {
    test('deploys each stage through its target account\'s action and deploy roles', () => {
      const pipeline = Object.values(project.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: Match.stringLikeRegexp('modeldeploy') } }))[0];
      const stages = evaluate(pipeline.Properties.Stages, PROJECT_ACCOUNT) as Array<{ Name: string; Actions: Array<{ Name: string; RoleArn?: string; Configuration: Record<string, string> }> }>;
      const deployActions = stages.flatMap((s) => s.Actions).filter((a) => a.Name.endsWith('Endpoint'));
      expect(deployActions.map((a) => [a.Name, a.RoleArn, a.Configuration.RoleArn])).toEqual([
        ['DeployStagingEndpoint', target(STAGING_ACCOUNT, 'staging', 'cfn-action'), target(STAGING_ACCOUNT, 'staging', 'cfn-deploy')],
        ['DeployProdEndpoint', target(PROD_ACCOUNT, 'prod', 'cfn-action'), target(PROD_ACCOUNT, 'prod', 'cfn-deploy')],
      ]);
    });

    test('with both stages in target accounts, the project account has no endpoint deploy role of its own', () => {
      const cloudFormationRoles = Object.keys(project.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })]) } },
      }));
      expect(cloudFormationRoles).toEqual([]);
    });

    test('its role is named, and may assume exactly the two action roles', () => {
      const pipelineRole = roleNamed(project, PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-deploy-pipeline`);
      const assume = pipelineRole.statements.filter((s) => ([] as string[]).concat(s.Action as string).includes('sts:AssumeRole'));
      expect(assume.flatMap((s) => s.Resource)).toEqual(expect.arrayContaining([target(STAGING_ACCOUNT, 'staging', 'cfn-action'), target(PROD_ACCOUNT, 'prod', 'cfn-action')]));
      expect(assume.flatMap((s) => s.Resource).filter((r) => String(r).includes(':iam::') && !String(r).includes(PROJECT_ACCOUNT))).toHaveLength(2);
    });

    test('the build gets DEPLOYMENT_TARGETS with each target stage\'s role, bucket, key and topic', () => {
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
      // ...and what the target stacks create under those names
      staging.hasResourceProperties('AWS::S3::Bucket', { BucketName: targetsEnv.staging.dataCaptureBucket });
      staging.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/sagemaker-project-${PROJECT_ID}-endpoints` });
      prod.hasResourceProperties('AWS::SNS::Topic', { TopicName: `sagemaker-${PROJECT_ID}-endpoint-alarms` });
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
    const prodAction = (pipeline.Properties.Stages as Array<{ Name: string; Actions: Array<{ ActionTypeId: { Provider: string }; RoleArn?: unknown; Configuration: { RoleArn: unknown } }> }>)
      .find((s) => s.Name === 'DeployProd')!.Actions.find((a) => a.ActionTypeId.Provider === 'CloudFormation')!;
    expect(prodAction.RoleArn).toBeUndefined();
    expect(prodAction.Configuration.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelDeployEndpointDeployRole/), 'Arn'] });
    // The build checks ownership of the prod endpoint only; the project's teardown deletes only the prod stack.
    const buildRole = templateRoles(t, PROJECT_ACCOUNT).find((r) => r.statements.some((s) => s.Sid === 'ResolveModelPackage'))!;
    expect(buildRole.statements.find((s) => s.Sid === 'CheckEndpointOwnership')?.Resource).toEqual(`arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:endpoint/mlops-demo-prod`);
    t.hasResourceProperties('Custom::SageMakerProjectTeardown', { StackNames: [`sagemaker-mlops-demo-${PROJECT_ID}-deploy-prod`] });
  });

  test('each target stack tears down its own endpoint stacks only, and no SageMaker pipeline', () => {
    staging.hasResourceProperties('Custom::SageMakerProjectTeardown', {
      StackNames: [`sagemaker-mlops-demo-${PROJECT_ID}-deploy-staging`],
      PipelineName: Match.absent(),
      RetainData: 'true',
    });
    project.hasResourceProperties('Custom::SageMakerProjectTeardown', { StackNames: [] });
  });

  test('a target account\'s data capture bucket is kept like the project\'s data: retained, and no version can be deleted', () => {
    prod.hasResource('AWS::S3::Bucket', {
      Properties: { BucketName: `sagemaker-project-${PROJECT_ID}-capture-${PROD_ACCOUNT}`, VersioningConfiguration: { Status: 'Enabled' } },
      DeletionPolicy: 'Retain',
    });
    prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'KeepDataVersions', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:DeleteObjectVersion' })]) },
    });
    // With retainData=false it goes with the target stack, versions and all.
    const { targets: t } = multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, retainData: 'false' });
    t[PROD_ACCOUNT].hasResource('AWS::S3::Bucket', {
      Properties: { BucketName: `sagemaker-project-${PROJECT_ID}-capture-${PROD_ACCOUNT}` },
      DeletionPolicy: 'Delete',
    });
    expect(JSON.stringify(t[PROD_ACCOUNT].findResources('AWS::S3::BucketPolicy'))).not.toContain('KeepDataVersions');
  });

  test.each([
    ['a policy name', 'ml-boundary', 'policy/ml-boundary'],
    ['a customer managed policy ARN of the project account', `arn:aws:iam::${PROJECT_ACCOUNT}:policy/org/ml-boundary`, 'policy/org/ml-boundary'],
  ])('permissionsBoundary as %s bounds every role of a target stack with that policy of the target account', (_what, boundary, policy) => {
    const { targets: t } = multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, permissionsBoundary: boundary });
    for (const account of [STAGING_ACCOUNT, PROD_ACCOUNT]) {
      const roles = Object.values(t[account].findResources('AWS::IAM::Role'));
      expect(roles.length).toBeGreaterThan(3);
      for (const r of roles) expect(evaluate(r.Properties.PermissionsBoundary, account)).toBe(`arn:aws:iam::${account}:${policy}`);
    }
  });

  test('an AWS managed permissionsBoundary stays that policy in the target accounts', () => {
    const boundary = 'arn:aws:iam::aws:policy/PowerUserAccess';
    const { targets: t } = multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, permissionsBoundary: boundary });
    for (const r of Object.values(t[PROD_ACCOUNT].findResources('AWS::IAM::Role'))) expect(evaluate(r.Properties.PermissionsBoundary, PROD_ACCOUNT)).toBe(boundary);
  });

  test('without teardown, target stacks have none', () => {
    const { targets: t } = multiAccountTemplates({ ...MULTI_ACCOUNT_CONFIG, teardown: 'false' });
    t[PROD_ACCOUNT].resourceCountIs('Custom::SageMakerProjectTeardown', 0);
  });
});
