/**
 * The two pipeline commands end to end (`npm run build-output`, `npm run smoke-test` are these
 * scripts under ts-node), with the real SDK clients talking to moto_server through
 * AWS_ENDPOINT_URL, and the same environment CodeBuild gives them.
 *
 * Most runs call the script's `run` in this process (its exit code and what it prints; a fresh
 * node process costs seconds of CPU each). The tests of what a failing run prints (one line, no
 * stack trace) start the script as CodeBuild does, in a fresh node process: the TypeScript loader
 * is esbuild-register when it resolves (the parent repository has it; it starts faster) and
 * otherwise ts-node with swc, which this repository ships and its npm scripts use. Either only
 * strips types: what runs is the same code.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { loadStageConfig } from '../lib/stage-config';
import { run as buildOutput } from '../scripts/build-output';
import { run as smokeTest } from '../scripts/smoke-test';
import { MOTO_CLIENT_CONFIG, useMotoServer } from './support/moto-server';

const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'config');
const moto = useMotoServer();
let MOTO: string;
let client: SageMakerClient;
/** A client of moto's default account (the project account). */
const defaultClient = () => client;
beforeAll(() => {
  MOTO = moto();
  client = new SageMakerClient({ endpoint: MOTO, ...MOTO_CLIENT_CONFIG });
});
const unique = () => `e2e-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
/** A project name no other test uses: endpoint names derive from it and moto is shared. */
const uniqueProject = () => `p${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'model-deploy-e2e-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** The `-r` module that lets node run the scripts' TypeScript (see the file comment). */
const LOADER = (() => {
  try {
    return require.resolve('esbuild-register', { paths: [ROOT] });
  } catch {
    return 'ts-node/register';
  }
})();

/** The environment of a run: CodeBuild's, pointed at moto. */
function runEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_ENDPOINT_URL: MOTO,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // build-output synthesizes both stacks; aws-cdk-lib's validation of those templates is
    // gated in test/cdk-cli.test.ts (the same stacks from config/), not repeated per run here.
    CDK_VALIDATION: 'false',
    // The tests' own stage files (real-time stages), whatever config/ holds.
    STAGE_CONFIG_DIR: FIXTURES,
    ...env,
  };
}

const SCRIPTS = { 'build-output.ts': buildOutput, 'smoke-test.ts': smokeTest } as const;

/** Runs a script's `run` in this process with exactly the run's environment; its exit code and what it printed. */
async function run(script: keyof typeof SCRIPTS, args: string[], env: Record<string, string>): Promise<{ status: number; output: string }> {
  const saved = process.env;
  const lines: string[] = [];
  const print = (...parts: unknown[]) => { lines.push(`${parts.join(' ')}\n`); };
  const log = jest.spyOn(console, 'log').mockImplementation(print);
  const error = jest.spyOn(console, 'error').mockImplementation(print);
  process.env = runEnv(env);
  try {
    const status = await SCRIPTS[script](args);
    return { status, output: lines.join('') };
  } finally {
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

/** Runs a script as CodeBuild does, in a fresh node process. */
function runProcess(script: keyof typeof SCRIPTS, args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['-r', LOADER, path.join(ROOT, 'scripts', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: runEnv(env),
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function buildEnv(group: string, modelPackageArn: string, projectName = uniqueProject()): Record<string, string> {
  return {
    SAGEMAKER_PROJECT_NAME: projectName,
    SAGEMAKER_PROJECT_ID: 'p-abc123def456',
    MODEL_PACKAGE_GROUP_NAME: group,
    MODEL_PACKAGE_ARN: modelPackageArn,
    MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/model-execution',
    ARTIFACT_BUCKET: 'sagemaker-project-p-abc123def456',
    KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    PROJECT_TAGS: '{}',
    SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/service-role/sagemaker-pipeline',
    ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alarms',
  };
}

async function approvedPackage(group: string, metadata?: Record<string, string>): Promise<string> {
  await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  const { ModelPackageArn: arn } = await client.send(new CreateModelPackageCommand({
    ModelPackageGroupName: group,
    CustomerMetadataProperties: metadata,
    InferenceSpecification: { Containers: [{ Image: 'xgboost:1.7-1' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
    // Registered as Approved (moto's UpdateModelPackage drops CustomerMetadataProperties); moto
    // records a Studio user profile as the creator, not the pipeline role.
    ModelApprovalStatus: ModelApprovalStatus.APPROVED,
  }));
  return arn!;
}

async function createEndpoint(name: string, tags: Record<string, string>): Promise<void> {
  await client.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: 'arn:aws:iam::123456789012:role/model-execution', PrimaryContainer: { Image: 'xgboost:1.7-1' } }));
  await client.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] }));
  await client.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

describe('build-output', () => {
  test('a new project with nothing approved: exit 0, DEPLOY=false, four files, "Nothing to deploy"', async () => {
    // GIVEN
    const group = unique();
    await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));

    // WHEN
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')], buildEnv(group, ''));

    // THEN
    expect(output).toContain(`Nothing to deploy: no model package in group ${group} is Approved.`);
    expect(status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'vars.env'), 'utf8')).toMatch(
      /^export DEPLOY=false\nexport MODEL_PACKAGE_ARN_RESOLVED=''\nexport SMOKE_TEST_PAYLOAD=''\nexport STAGING_TARGET=''\nexport PROD_TARGET=''\nexport RELEASE_DIGEST=[0-9a-f]{64}\n$/);
    expect(fs.readdirSync(path.join(work, 'dist')).sort()).toEqual(['prod.config.json', 'prod.template.json', 'staging.config.json', 'staging.template.json']);
  });

  test('an approval run: DEPLOY=true and the package in both stage configurations', async () => {
    // GIVEN
    const group = unique();
    const arn = await approvedPackage(group);

    // WHEN
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')], buildEnv(group, arn!));

    // THEN
    expect(status).toBe(0);
    expect(output).toContain(`DEPLOY=true: staging and prod will be deployed with ${arn}.`);
    expect(output).toContain('has no CustomerMetadataProperties.pipeline, so it is taken for an abalone model');
    const vars = fs.readFileSync(path.join(work, 'vars.env'), 'utf8');
    expect(vars.startsWith(`export DEPLOY=true\nexport MODEL_PACKAGE_ARN_RESOLVED='${arn}'\nexport SMOKE_TEST_PAYLOAD='smoke-test/payloads/abalone.csv'\nexport STAGING_TARGET=''\nexport PROD_TARGET=''\n`)).toBe(true);
    expect(vars).toMatch(/\nexport RELEASE_DIGEST=[0-9a-f]{64}\n$/);
    for (const stage of ['staging', 'prod']) {
      expect(JSON.parse(fs.readFileSync(path.join(work, 'dist', `${stage}.config.json`), 'utf8')).Parameters.ModelPackageArn).toBe(arn);
    }
  });

  test("a churn model: the test action gets churn's payload", async () => {
    // GIVEN a package registered by the model-build seed's churn pipeline
    const group = unique();
    await approvedPackage(group, { pipeline: 'churn' });

    // WHEN
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')], buildEnv(group, 'latest'));

    // THEN
    expect(output).toContain("Smoke-test payload: smoke-test/payloads/churn.csv (the model was built by the 'churn' pipeline).");
    expect(status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'vars.env'), 'utf8')).toContain("export SMOKE_TEST_PAYLOAD='smoke-test/payloads/churn.csv'\n");
  });

  test('an endpoint of this project is updated; one of another project fails the build (exit 1), writing no variables', async () => {
    // GIVEN staging exists and is ours, prod exists and belongs to another project of the same name
    const group = unique();
    const project = uniqueProject();
    const arn = await approvedPackage(group);
    await createEndpoint(`${project}-staging`, { 'sagemaker:project-id': 'p-abc123def456' });
    await createEndpoint(`${project}-prod`, { 'sagemaker:project-id': 'p-other0000000' });

    // WHEN
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')], buildEnv(group, arn, project));

    // THEN
    expect(output).toContain(`Endpoint ${project}-staging exists and belongs to this project (sagemaker:project-id=p-abc123def456).`);
    expect(output).toContain(`Build failed: Endpoint ${project}-prod already exists and is tagged sagemaker:project-id=p-other0000000, not sagemaker:project-id=p-abc123def456 (this project); refusing to take it over.`);
    expect(status).toBe(1);
    expect(fs.existsSync(path.join(work, 'vars.env'))).toBe(false);
  });

  test('a multi-account run: prod gets its account\'s values and is not read from here; PROD_TARGET records where it goes', async () => {
    // GIVEN prod in account 222222222222, where an endpoint of the same name cannot be seen from here
    const group = unique();
    const project = uniqueProject();
    const arn = await approvedPackage(group);
    await createEndpoint(`${project}-prod`, { 'sagemaker:project-id': 'p-other0000000' });
    const prod = {
      account: '222222222222',
      region: 'us-east-1',
      modelExecutionRoleArn: 'arn:aws:iam::222222222222:role/prod-model',
      dataCaptureBucket: 'prod-capture-222222222222',
      kmsKeyArn: 'arn:aws:kms:us-east-1:222222222222:alias/prod-capture',
      alarmTopicArn: 'arn:aws:sns:us-east-1:222222222222:prod-alarms',
    };

    // WHEN
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')],
      { ...buildEnv(group, arn, project), DEPLOYMENT_TARGETS: JSON.stringify({ prod }) });

    // THEN
    expect(output).toContain(`Endpoint ${project}-prod is in account 222222222222: not checked from the project account`);
    expect(status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'vars.env'), 'utf8')).toContain("export STAGING_TARGET=''\nexport PROD_TARGET='aws://222222222222/us-east-1'\n");
    expect(JSON.parse(fs.readFileSync(path.join(work, 'dist', 'prod.config.json'), 'utf8')).Parameters).toMatchObject({
      ModelExecutionRoleArn: prod.modelExecutionRoleArn, ArtifactBucketName: prod.dataCaptureBucket, KmsKeyArn: prod.kmsKeyArn,
    });
  });

  test('fails (exit 1) with one line per problem of DEPLOYMENT_TARGETS, no stack trace, before any AWS call', () => {
    const { status, output } = runProcess('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')],
      { ...buildEnv('no-such-group', ''), DEPLOYMENT_TARGETS: '{"qa":{}}' });
    expect(status).toBe(1);
    expect(output.trim()).toBe('Build failed: DEPLOYMENT_TARGETS.qa is not a stage; allowed: staging, prod');
  });

  test('fails (exit 1) naming the missing variables', async () => {
    const { status, output } = await run('build-output.ts', [path.join(work, 'dist'), path.join(work, 'vars.env')], { SAGEMAKER_PROJECT_NAME: 'churn' });
    expect(status).toBe(1);
    expect(output).toContain('Build failed: Missing build environment variable(s): SAGEMAKER_PROJECT_ID, MODEL_PACKAGE_GROUP_NAME');
  });
});

describe('smoke-test', () => {
  async function endpointAnswering(bodies: string[], account?: { id: string; client: SageMakerClient }): Promise<string> {
    const name = unique();
    const client = account?.client ?? defaultClient();
    await client.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: 'arn:aws:iam::123456789012:role/model-execution', PrimaryContainer: { Image: 'xgboost:1.7-1' } }));
    await client.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] }));
    await client.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
    // moto answers invocations from a queue, one entry per distinct request body
    const response = await fetch(`${MOTO}/moto-api/static/sagemaker/endpoint-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        results: bodies.map((Body) => ({ Body, ContentType: 'text/csv', InvokedProductionVariant: 'AllTraffic', CustomAttributes: '' })),
        ...(account ? { account_id: account.id } : {}),
      }),
    });
    expect(response.status).toBe(201);
    return name;
  }

  /**
   * moto caches answers by request body across endpoints, so every test sends rows no other
   * test sends: the shipped rows with a unique first value.
   */
  function uniqueRows(): string {
    const shipped = fs.readFileSync(path.join(ROOT, 'smoke-test', 'payloads', 'abalone.csv'), 'utf8').trim().split('\n');
    const salt = Date.now() % 1e9;
    const file = path.join(work, 'rows.csv');
    fs.writeFileSync(file, shipped.map((row, i) => `${salt}.${i},${row.split(',').slice(1).join(',')}`).join('\n'));
    return file;
  }

  test('passes on numeric answers and reports p50/p95', async () => {
    const name = await endpointAnswering(Array.from({ length: 10 }, (_, i) => `${7 + i}.25`));
    const { status, output } = await run('smoke-test.ts', [uniqueRows()], { ENDPOINT_NAME: name });
    // rounds come from the stage file (the tests' own)
    const invocations = 10 * loadStageConfig('staging', FIXTURES).smokeTest!.rounds;
    expect(output).toMatch(new RegExp(`Smoke test passed: ${invocations} numeric answers, p50 [\\d.]+ ms, p95 [\\d.]+ ms\\.`));
    expect(status).toBe(0);
  });

  test('fails (exit 1) when the model answers something that is not a number', async () => {
    const name = await endpointAnswering(Array.from({ length: 10 }, (_, i) => (i === 3 ? 'oops' : '1.0')));
    const { status, output } = await run('smoke-test.ts', [uniqueRows()], { ENDPOINT_NAME: name });
    expect(status).toBe(1);
    expect(output).toContain("row 4: answer is not a number: 'oops'");
  });

  describe('staging in another account (SMOKE_TEST_ROLE_ARN)', () => {
    // moto gives the session of an assumed role that role's account: the staging endpoint is
    // only visible with the staging role's credentials.
    const STAGING_ACCOUNT = '111111111111';
    const ROLE = `arn:aws:iam::${STAGING_ACCOUNT}:role/churn-p-abc123def456-staging-smoke-test`;
    const stagingClient = () => new SageMakerClient({
      endpoint: MOTO,
      region: MOTO_CLIENT_CONFIG.region,
      credentials: fromTemporaryCredentials({
        params: { RoleArn: ROLE, RoleSessionName: 'test-setup' },
        masterCredentials: MOTO_CLIENT_CONFIG.credentials,
        clientConfig: { endpoint: MOTO, region: MOTO_CLIENT_CONFIG.region },
      }),
    });

    test('assumes the role and tests the endpoint of the staging account', async () => {
      const name = await endpointAnswering(Array.from({ length: 10 }, (_, i) => `${3 + i}.5`), { id: STAGING_ACCOUNT, client: stagingClient() });
      const { status, output } = await run('smoke-test.ts', [uniqueRows()], { ENDPOINT_NAME: name, SMOKE_TEST_ROLE_ARN: ROLE });
      expect(output).toContain(`Calling ${name} as ${ROLE} (session model-deploy-smoke-test): staging is in another account.`);
      expect(output).toMatch(/Smoke test passed: \d+ numeric answers/);
      expect(status).toBe(0);
    });

    test("without the role, the project account's credentials do not see that endpoint (exit 1)", async () => {
      const name = await endpointAnswering(['1.0'], { id: STAGING_ACCOUNT, client: stagingClient() });
      const { status, output } = await run('smoke-test.ts', [uniqueRows()], { ENDPOINT_NAME: name });
      expect(status).toBe(1);
      expect(output).toMatch(/Could not find endpoint/i);
    });

    test('fails (exit 1) with one line when SMOKE_TEST_ROLE_ARN is not a role ARN', () => {
      const { status, output } = runProcess('smoke-test.ts', [], { ENDPOINT_NAME: 'churn-staging', SMOKE_TEST_ROLE_ARN: 'smoke-test' });
      expect(status).toBe(1);
      expect(output.trim()).toBe("SMOKE_TEST_ROLE_ARN must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name) in the staging account, or unset when staging is in the project account; got 'smoke-test'");
    });
  });

  test('fails (exit 1) when ENDPOINT_NAME is not set', async () => {
    const { status, output } = await run('smoke-test.ts', [], {});
    expect(status).toBe(1);
    expect(output).toContain('ENDPOINT_NAME and AWS_REGION must be set');
  });
});
