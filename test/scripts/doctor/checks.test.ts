/**
 * The doctor's checks on an account described in memory (every outcome, including those moto_server
 * cannot stage), and its plan read from the seeds. The SDK adapter is tested in aws.test.ts
 * (aws-sdk-client-mock) and doctor.moto.test.ts (moto_server).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseProjectConfig } from '../../../lib/config/project-config';
import { main } from '../../../scripts/doctor';
import { CheckResult, DoctorPlan, runChecks } from '../../../scripts/doctor/checks';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { consumptionOf, doctorPlan, minBootstrapVersion } from '../../../scripts/doctor/plan';
import { account, CONSUMPTION } from './account';

const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/12345678-1234-1234-1234-123456789012';

const plan = (context: Record<string, unknown> = {}): DoctorPlan => doctorPlan(parseProjectConfig(context), { consumption: CONSUMPTION });
const byCheck = (results: CheckResult[], check: string) => results.find((r) => r.check === check);
const problems = (results: CheckResult[]) => results.filter((r) => r.status === 'problem');

describe('plan', () => {
  test('reads the instance types and counts from the seeds: pipelines at their defaults, endpoints from config/<stage>.json', () => {
    const needs = Object.fromEntries(plan().instances.map((n) => [`${n.instanceType} for ${n.usage}`, n.count]));
    expect(needs).toEqual({
      'ml.m5.xlarge for processing job usage': 1,
      'ml.m5.xlarge for spot training job usage': 1,
      // The tensorflow pipeline's training job (on demand).
      'ml.m5.xlarge for training job usage': 1,
      'ml.m5.large for endpoint usage': 3,
    });
  });

  test('a changed stage file changes the endpoint quota checked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stages-'));
    const seedConfig = path.join(__dirname, '../../../seed-code/model-deploy/config');
    for (const stage of ['staging', 'prod']) {
      const json = JSON.parse(fs.readFileSync(path.join(seedConfig, `${stage}.json`), 'utf8'));
      fs.writeFileSync(path.join(dir, `${stage}.json`), JSON.stringify(stage === 'prod' ? { ...json, instanceType: 'ml.c5.xlarge', instanceCount: 2 } : json));
    }
    const needs = doctorPlan(parseProjectConfig({}), { stageConfigDir: dir, consumption: CONSUMPTION }).instances.filter((n) => n.usage === 'endpoint usage');
    expect(needs.map((n) => [n.instanceType, n.count, n.requestedBy])).toEqual([
      ['ml.m5.large', 1, ['staging endpoint']],
      ['ml.c5.xlarge', 2, ['prod endpoint']],
    ]);
  });

  test('the minimum bootstrap version comes from the rule aws-cdk-lib synthesizes', () => {
    expect(minBootstrapVersion()).toBe(6);
  });

  test('names are checked only when projectId fixes them', () => {
    expect(plan().names).toBeUndefined();
    expect(plan({ projectId: 'p-abc123def456' }).names?.buckets).toEqual(['sagemaker-project-p-abc123def456', 'sagemaker-project-p-abc123def456-access-logs']);
  });
});

describe('checks', () => {
  test('a prepared account has no problem', async () => {
    const results = await runChecks(plan({ projectId: 'p-abc123def456' }), account());
    expect(problems(results)).toEqual([]);
    expect(results.every((r) => r.status === 'ok')).toBe(true);
  });

  test('without credentials: one line, blocking', async () => {
    const results = await runChecks(plan(), account({ hasCredentials: async () => false }));
    expect(results).toEqual([expect.objectContaining({ check: 'credentials', status: 'problem', detail: 'no AWS credentials found' })]);
  });

  test('an old bootstrap asks for `cdk bootstrap` again with the account and region', async () => {
    const results = await runChecks(plan(), account({ bootstrapStack: async () => ({ status: 'CREATE_COMPLETE', version: 5 }) }));
    expect(byCheck(results, 'CDK bootstrap')).toMatchObject({ status: 'problem', fix: 'run `npx cdk bootstrap aws://111111111111/eu-west-1` again (it upgrades)' });
  });

  test.each([
    ['ROLLBACK_COMPLETE', 'problem'], ['UPDATE_ROLLBACK_FAILED', 'problem'], ['UPDATE_ROLLBACK_COMPLETE', 'ok'], ['UPDATE_COMPLETE', 'ok'],
  ])('a CDKToolkit stack in %s: %s', async (status, expected) => {
    const results = await runChecks(plan(), account({ bootstrapStack: async () => ({ status, version: 28 }) }));
    expect(byCheck(results, 'CDK bootstrap')?.status).toBe(expected);
  });

  test('a project stack in ROLLBACK_COMPLETE blocks, with the command to delete it', async () => {
    const results = await runChecks(plan(), account({ stackStatus: async () => 'ROLLBACK_COMPLETE' }));
    expect(byCheck(results, 'stack sagemaker-mlops-demo')).toMatchObject({ status: 'problem', fix: expect.stringContaining('aws cloudformation delete-stack --stack-name sagemaker-mlops-demo') });
  });

  test('spot training counts against the spot quota: a spot quota of 0 blocks, naming the quota and the step', async () => {
    const results = await runChecks(plan(), account({
      quotas: async () => [
        { name: 'ml.m5.xlarge for processing job usage', value: 4 },
        { name: 'ml.m5.xlarge for training job usage', value: 4 },
        { name: 'ml.m5.xlarge for spot training job usage', value: 0 },
        { name: 'ml.m5.large for endpoint usage', value: 2 },
      ],
    }));
    expect(byCheck(results, 'quota ml.m5.xlarge for spot training job usage')).toMatchObject({
      status: 'problem', detail: '0, but abalone: TrainAbaloneModel, churn: TrainChurnModel need 1',
    });
    // Staging (1) and prod (2) endpoints run at the same time.
    expect(byCheck(results, 'quota ml.m5.large for endpoint usage')).toMatchObject({ status: 'problem', detail: expect.stringContaining('need 3') });
  });

  test('a pending connection and a missing sagemaker tag block, with what to do', async () => {
    const context = { sourceProvider: 'codeconnections', connectionArn: CONNECTION, buildRepository: 'o/build', deployRepository: 'o/deploy' };
    const results = await runChecks(plan(context), account({ connection: async () => ({ status: 'PENDING', tags: {} }) }));
    expect(byCheck(results, 'connection')).toMatchObject({ status: 'problem', detail: expect.stringContaining('is PENDING') });
    expect(byCheck(results, 'connection tag')).toMatchObject({
      status: 'problem', fix: `run \`aws codeconnections tag-resource --resource-arn ${CONNECTION} --tags Key=sagemaker,Value=true\``,
    });
  });

  test('no headroom left: the limit blocks', async () => {
    const results = await runChecks(plan(), account({ sageMakerPipelineCount: async () => 500 }));
    expect(byCheck(results, 'limit SageMaker pipelines')).toMatchObject({ status: 'problem', detail: expect.stringMatching(/^500 of 500 used; the project adds 1 \(quota 'Maximum number of pipelines allowed per account', matched by name/) });
  });

  test('IAM roles: no role left blocks a new project (it creates roles); a project whose stack exists needs none', async () => {
    const full = account({ roleUsage: async () => ({ used: 1000, quota: 1000 }) });
    expect(byCheck(await runChecks(plan(), full), 'limit IAM roles')).toMatchObject({ status: 'problem', detail: '1000 of 1000 used; the project adds 17 (IAM GetAccountSummary)' });
    // room for exactly the project's 17 roles, and one fewer
    expect(byCheck(await runChecks(plan(), account({ roleUsage: async () => ({ used: 983, quota: 1000 }) })), 'limit IAM roles'))
      .toMatchObject({ status: 'ok', detail: '983 of 1000 used; the project adds 17 (IAM GetAccountSummary)' });
    expect(byCheck(await runChecks(plan(), account({ roleUsage: async () => ({ used: 984, quota: 1000 }) })), 'limit IAM roles')).toMatchObject({ status: 'problem' });
    const deployed = account({ roleUsage: async () => ({ used: 1000, quota: 1000 }), stackStatus: async () => 'UPDATE_COMPLETE' });
    expect(byCheck(await runChecks(plan(), deployed), 'limit IAM roles')).toMatchObject({ status: 'ok' });
  });

  test('an access denial is a problem line naming the error, not a crash', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: s3:ListBucket'), { name: 'AccessDenied' });
    const results = await runChecks(plan({ projectId: 'p-abc123def456' }), account({ bucketState: async () => { throw denied; } }));
    expect(byCheck(results, 'names')).toMatchObject({ status: 'problem', detail: 'cannot check: AccessDenied: User is not authorized to perform: s3:ListBucket' });
  });

  test('an error message of several lines stays on the check\'s one line', async () => {
    const garbled = Object.assign(new Error('Unexpected token \'<\'\n  Deserialization error: to see the raw response, inspect $response'), { name: 'SyntaxError' });
    const results = await runChecks(plan(), account({ quotas: async () => { throw garbled; } }));
    expect(byCheck(results, 'instance quotas')).toMatchObject({
      status: 'problem', detail: 'cannot check: SyntaxError: Unexpected token \'<\' Deserialization error: to see the raw response, inspect $response',
    });
  });

  describe('multi-account', () => {
    const context = { projectId: 'p-abc123def456', projectAccount: '111111111111', stagingAccount: '222222222222', prodAccount: '333333333333' };

    test('in the project account: the target accounts are to be checked with their credentials; no endpoint quota here', async () => {
      const results = await runChecks(plan(context), account());
      expect(byCheck(results, 'account 222222222222')).toMatchObject({ status: 'skipped', fix: expect.stringContaining("with account 222222222222's credentials") });
      expect(results.some((r) => r.check.includes('endpoint usage'))).toBe(false);
      expect(problems(results)).toEqual([]);
    });

    const inProd = { identity: async () => ({ account: '333333333333', arn: 'arn:aws:iam::333333333333:role/admin' }) };

    test('in a prepared target account: its set-up, its stack, its endpoint\'s quota; no CDK bootstrap needed', async () => {
      const results = await runChecks(plan(context), account({
        ...inProd,
        bootstrapStack: async () => undefined,
        stackStatus: async (name: string) => (name === 'mlops-target-account-setup' ? 'CREATE_COMPLETE' : undefined),
        quotas: async () => [{ name: 'ml.m5.large for endpoint usage', value: 4 }],
      }));
      expect(byCheck(results, 'CDK bootstrap')).toBeUndefined();
      expect(byCheck(results, 'target account set-up')).toMatchObject({ status: 'ok', detail: expect.stringContaining('mlops-target-account-setup (CREATE_COMPLETE)') });
      expect(byCheck(results, 'stack sagemaker-mlops-demo-p-abc123def456-target-333333333333')).toMatchObject({ status: 'ok' });
      expect(byCheck(results, 'quota ml.m5.large for endpoint usage')).toMatchObject({ status: 'ok', detail: '4 (needed: 2)' });
      expect(results.some((r) => r.check.includes('job usage'))).toBe(false);
      expect(problems(results)).toEqual([]);
    });

    test('in a target account not prepared: a problem, with the one command that prepares it', async () => {
      const results = await runChecks(plan(context), account({ ...inProd, stackStatus: async () => undefined }));
      expect(byCheck(results, 'target account set-up')).toMatchObject({
        status: 'problem',
        detail: 'account 333333333333 in eu-west-1 is not prepared (no stack mlops-target-account-setup): the deploy pipeline cannot assume its access role',
        fix: "run `npx cdk deploy -c prepareTargetAccount=true -c projectAccount=111111111111 mlops-target-account-setup` with this account's credentials",
      });
    });

    test('in a target account whose set-up failed: a problem', async () => {
      const results = await runChecks(plan(context), account({ ...inProd, stackStatus: async (name: string) => (name === 'mlops-target-account-setup' ? 'ROLLBACK_COMPLETE' : undefined) }));
      expect(byCheck(results, 'target account set-up')).toMatchObject({ status: 'problem', detail: 'stack mlops-target-account-setup is ROLLBACK_COMPLETE' });
    });

    test('in an unrelated account: blocks, naming the accounts', async () => {
      const results = await runChecks(plan(context), account({ identity: async () => ({ account: '999999999999', arn: 'arn:aws:iam::999999999999:user/x' }) }));
      expect(byCheck(results, 'account')).toMatchObject({ status: 'problem', detail: expect.stringContaining('neither the project account (111111111111)') });
    });
  });
});

describe('command line', () => {
  test('a bad setting is one line naming it, exit 2, nothing asked of AWS', async () => {
    const err: string[] = [];
    const code = await main(['-c', 'projectName=1bad'], { write: () => true }, { write: (t: string) => err.push(t) }, () => {
      throw new Error('must not build the AWS adapter');
    }, () => CONSUMPTION);
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/^Configuration error: .*projectName.*\n$/);
  });

  test('prints one line per check and exits 1 when something blocks', async () => {
    const out: string[] = [];
    const code = await main([], { write: (t: string) => out.push(t) }, { write: () => true }, () => account({ bootstrapStack: async () => undefined }), () => CONSUMPTION);
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/^PROBLEM {2}CDK bootstrap: account 111111111111 in eu-west-1 is not bootstrapped/m);
  });
});

describe('what the project consumes, counted in its templates', () => {
  test('roles, rules on the default bus, pipelines, and the SageMaker pipelines the build names', () => {
    const consumption = consumptionOf([
      {
        Resources: {
          R1: { Type: 'AWS::IAM::Role' }, R2: { Type: 'AWS::IAM::Role' },
          Default: { Type: 'AWS::Events::Rule', Properties: {} },
          NamedDefault: { Type: 'AWS::Events::Rule', Properties: { EventBusName: 'default' } },
          OtherBus: { Type: 'AWS::Events::Rule', Properties: { EventBusName: 'custom' } },
          P: { Type: 'AWS::CodePipeline::Pipeline', Properties: { Stages: [] } },
          Build: { Type: 'AWS::CodeBuild::Project', Properties: { Environment: { EnvironmentVariables: [{ Name: 'SAGEMAKER_PIPELINE_NAME', Value: { 'Fn::Join': ['', ['a-', { Ref: 'Id' }]] } }] } } },
          Deploy: { Type: 'AWS::CodeBuild::Project', Properties: { Environment: { EnvironmentVariables: [{ Name: 'SAGEMAKER_PIPELINE_NAME', Value: { 'Fn::Join': ['', ['a-', { Ref: 'Id' }]] } }] } } },
        },
      },
      { Resources: { R3: { Type: 'AWS::IAM::Role' }, Sm: { Type: 'AWS::SageMaker::Pipeline' } } },
    ]);
    expect(consumption).toMatchObject({ iamRoles: 3, eventRules: 2, codePipelines: 1, sageMakerPipelines: 2 });
  });

  test('CodeBuild concurrency from a synthesized pipeline: actions of one run order together, per environment, pipelines added up', () => {
    const stack = new Stack(new App(), 'Builds');
    const project = (id: string, computeType = codebuild.ComputeType.SMALL) =>
      new codebuild.PipelineProject(stack, id, { environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType } });
    const bucket = new s3.Bucket(stack, 'Sources');
    const pipeline = (id: string, stages: (input: codepipeline.Artifact) => codepipeline.StageProps[]) => {
      const input = new codepipeline.Artifact();
      new codepipeline.Pipeline(stack, id, {
        stages: [{ stageName: 'Source', actions: [new actions.S3SourceAction({ actionName: 'S', bucket, bucketKey: id, output: input })] }, ...stages(input)],
      });
    };
    const build = (input: codepipeline.Artifact, name: string, p: codebuild.PipelineProject, runOrder?: number) => new actions.CodeBuildAction({ actionName: name, project: p, input, runOrder });
    const [a, b, c, m] = [project('A'), project('B'), project('C'), project('M', codebuild.ComputeType.MEDIUM)];
    pipeline('One', (i) => [
      { stageName: 'Test', actions: [build(i, 'a', a), build(i, 'b', b), build(i, 'c', c, 2), build(i, 'm', m, 2)] },
      { stageName: 'Again', actions: [build(i, 'c', c)] },
    ]);
    pipeline('Two', (i) => [{ stageName: 'Build', actions: [build(i, 'c', c)] }]);
    new events.Rule(stack, 'Rule', { schedule: events.Schedule.rate(Duration.hours(1)) });
    new iam.Role(stack, 'Extra', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const template = Template.fromStack(stack).toJSON();

    const consumption = consumptionOf([template]);

    const id = (construct: codebuild.PipelineProject) => stack.getLogicalId(construct.node.defaultChild as codebuild.CfnProject);
    expect(consumption.builds).toEqual([
      { environment: 'LINUX_CONTAINER BUILD_GENERAL1_MEDIUM', quotaEnvironment: 'Linux/Medium', builds: 1, projects: [id(m)] },
      // pipeline One runs a and b together (run order 1), pipeline Two runs c at the same time
      { environment: 'LINUX_CONTAINER BUILD_GENERAL1_SMALL', quotaEnvironment: 'Linux/Small', builds: 3, projects: [id(a), id(b), id(c)].sort() },
    ]);
    expect(consumption.codePipelines).toBe(2);
    expect(consumption.eventRules).toBe(1);
    expect(consumption.iamRoles).toBe(Object.values(template.Resources).filter((r) => (r as { Type: string }).Type === 'AWS::IAM::Role').length);
    expect(consumption.iamRoles).toBeGreaterThan(5);
  });

  test('the plan carries the counts: no literal', () => {
    const counts = { iamRoles: 40, eventRules: 9, codePipelines: 5, sageMakerPipelines: 4, builds: [] };
    expect(doctorPlan(parseProjectConfig({}), { consumption: counts }).headroom).toEqual([
      { what: 'IAM roles', adds: 40 }, { what: 'EventBridge rules', adds: 9 }, { what: 'CodePipeline pipelines', adds: 5 }, { what: 'SageMaker pipelines', adds: 4 },
    ]);
  });
});

describe('account limits', () => {
  const smallBuilds = (value: number) => account({
    quotas: async (service) => (service === 'codebuild' ? [{ name: 'Concurrently running builds for Linux/Small environment', value }] : account().quotas!(service)),
  });

  test.each([
    [60, 'ok', /^60; the project runs 2 at once: ProjectModelBuildProject0E004155, .*\('Concurrently running builds for Linux\/Small environment', matched by name: no quota code confirmed from the AWS documentation\)$/],
    [1, 'warning', /^1; the project runs 2 at once: .*: the others wait in the queue/],
    [0, 'problem', /^0: the project's builds never start/],
  ])('CodeBuild concurrency quota %s for 2 builds at once: %s', async (value, status, detail) => {
    const results = await runChecks(plan(), smallBuilds(value));
    expect(byCheck(results, 'limit CodeBuild concurrency Linux/Small')).toMatchObject({ status, detail: expect.stringMatching(detail) });
  });

  test('a build environment without a known quota name, or a quota Service Quotas does not list, warns (never a false ok)', async () => {
    const odd = { ...CONSUMPTION, builds: [{ environment: 'LINUX_GPU_CONTAINER BUILD_GENERAL1_LARGE', builds: 1, projects: ['Gpu'] }] };
    const results = await runChecks(doctorPlan(parseProjectConfig({}), { consumption: odd }), account());
    expect(byCheck(results, 'limit CodeBuild concurrency LINUX_GPU_CONTAINER BUILD_GENERAL1_LARGE')).toMatchObject({ status: 'warning' });
    expect(byCheck(await runChecks(plan(), account({ quotas: async () => [] })), 'limit CodeBuild concurrency Linux/Small')).toMatchObject({ status: 'warning' });
  });

  test('EventBridge rules: the quota found by its code (L-244521F2) whatever its name, against the rules the project adds', async () => {
    const rules = (value: number) => account({
      quotas: async (service) => (service === 'events' ? [{ name: 'Some other wording', code: 'L-244521F2', value }] : account().quotas!(service)),
    });
    expect(byCheck(await runChecks(plan(), rules(3)), 'limit EventBridge rules')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^quota 3; the project adds 3 \(quota L-244521F2; rules already on the default event bus not counted: no EventBridge client given\)$/) });
    expect(byCheck(await runChecks(plan(), rules(2)), 'limit EventBridge rules')).toMatchObject({ status: 'problem' });
  });

  test('EventBridge rules: the rules already on the default bus count against the quota', async () => {
    const onBus = (used: number) => account({
      eventBridgeRuleCount: async () => used,
      quotas: async (service) => (service === 'events' ? [{ name: 'Number of rules', code: 'L-244521F2', value: 300 }] : account().quotas!(service)),
    });
    expect(byCheck(await runChecks(plan(), onBus(297)), 'limit EventBridge rules')).toMatchObject({ status: 'ok', detail: '297 of 300 used; the project adds 3 (quota L-244521F2)' });
    expect(byCheck(await runChecks(plan(), onBus(298)), 'limit EventBridge rules'))
      .toMatchObject({ status: 'problem', detail: '298 of 300 used; the project adds 3 (quota L-244521F2)' });
  });

  test('a project whose stack exists adds nothing', async () => {
    const results = await runChecks(plan(), account({ stackStatus: async () => 'UPDATE_COMPLETE', sageMakerPipelineCount: async () => 500 }));
    expect(byCheck(results, 'limit SageMaker pipelines')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^500 of 500 used; the project adds 0 \(its stack exists\)/) });
  });
});
