/**
 * The repository as a reader uses it: `npx cdk synth` with no flags synthesizes both stages
 * (project name/id from cdk.json context, no AWS account), and cfn-lint accepts the templates.
 *
 * This is the gate with aws-cdk-lib's template validation on (the in-process synths of every
 * suite turn it off, see test/support/synth-env.ts): the CLI runs the app without CDK_* variables.
 * Everything slow runs side by side in beforeAll: the real CLI twice (the shipped app and a
 * copy with a bad setting) and cfn-lint on the shipped templates and variants; the tests
 * assert on those runs.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { BatchTransformStack } from '../lib/batch-stack';
import { EndpointStack, loadStageConfig, parseStageConfig } from '../lib/endpoint-stack';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'cdk.out');
const STACKS = ['sagemaker-demo-p-placeholder0000-deploy-staging', 'sagemaker-demo-p-placeholder0000-deploy-prod'];

/** An environment in which any AWS call would fail fast instead of reaching AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|SAGEMAKER_PROJECT_|PROJECT_TAGS|CDK_|STAGE_CONFIG_DIR)/.test(name)) {
      delete env[name];
    }
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'offline',
    AWS_SECRET_ACCESS_KEY: 'offline',
    AWS_REGION: 'us-east-1',
    CDK_DISABLE_VERSION_CHECK: '1',
    // Node.js 20 (this machine's) is past its end of life: the AWS SDK inside the CDK CLI warns
    // that its 2027 releases need Node.js 22 (the buildspecs use 22). The SDK's documented switch.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

interface Run {
  status: number | null;
  output: string;
  /** Why the program could not be started at all. */
  error?: string;
}

/** Runs a program asynchronously (several run side by side in beforeAll), its two streams together. */
function run(program: string, args: string[], cwd = ROOT, env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd, env, timeout: 120_000 });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (e) => resolve({ status: null, output, error: e.message }));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** `cdk synth` with the CLI of this repository (or of the enclosing one when run from it). */
function cdkSynth(cwd: string, args: string[]): Promise<Run> {
  return run(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', ...args], cwd, offlineEnv());
}

function cfnLint(templates: string[]): Promise<Run> {
  return run('cfn-lint', templates);
}

/** cfn-lint's verdict, or why it could not run. */
function expectLintClean(lint: Run | undefined): void {
  if (!lint) {
    throw new Error('cdk synth failed, so there was nothing to lint (see the first test)');
  }
  if (lint.error) {
    throw new Error(`cfn-lint could not be run (${lint.error}); install it with 'pip install cfn-lint'`);
  }
  expect(lint.output).toBe('');
  expect(lint.status).toBe(0);
}

/** `npx cdk synth` in this folder, exactly as the README says. */
let shipped: Run;
/** cfn-lint on its templates and on variants the shipped files do not exercise (one process: its start-up is most of its cost). */
let lint: Run | undefined;
/** A copy of the app inside this folder (so it resolves the same node_modules) with a bad prod file. */
let badConfig: Run;
/** What that run left in its output folder (the CLI itself creates the folder). */
let badConfigOutput: string[];
beforeAll(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const copy = fs.mkdtempSync(path.join(ROOT, '.tmp-bad-config-'));
  const variantsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
  try {
    for (const item of ['bin', 'lib', 'cdk.json', 'tsconfig.json']) {
      fs.cpSync(path.join(ROOT, item), path.join(copy, item), { recursive: true });
    }
    fs.mkdirSync(path.join(copy, 'config'));
    fs.writeFileSync(path.join(copy, 'config', 'staging.json'), '{}');
    fs.writeFileSync(path.join(copy, 'config', 'prod.json'), JSON.stringify({ dataCapture: { samplingPercentage: 180 } }));

    // Serverless, instance storage, no data capture and no auto-rollback, synthesized in process,
    // where aws-cdk-lib's own validation is off (it costs seconds of CPU per synthesis and gates
    // the shipped app here); cfn-lint checks these templates against the same schemas.
    const app = new App({ outdir: variantsDir });
    const variant = (id: string, stage: 'staging' | 'prod', raw: object) =>
      new EndpointStack(app, id, { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig(stage, raw, `${stage}.json`) });
    const variants = [
      variant('Serverless', 'staging', { serverless: { memorySizeInMB: 4096, maxConcurrency: 20 } }),
      variant('InstanceStorage', 'prod', { instanceType: 'ml.g5.xlarge', instanceCount: 4, autoscaling: { minCapacity: 2, maxCapacity: 8 } }),
      variant('NoCapture', 'prod', { dataCapture: { enabled: false } }),
      variant('NoRollback', 'prod', { deployment: { autoRollback: false } }),
      // Batch stages: scheduled (cron, time zone, joined output) and on-demand only.
      new BatchTransformStack(app, 'BatchScheduled', { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig('prod',
        { inference: 'batch', batch: { schedule: 'cron(0 2 * * ? *)', scheduleTimezone: 'Europe/Paris', joinSource: 'Input', instanceCount: 2 } }, 'prod.json') }),
      new BatchTransformStack(app, 'BatchOnDemand', { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig('staging',
        { inference: 'batch', batch: { instanceType: 'ml.g5.xlarge', splitType: 'None' } }, 'staging.json') }),
    ];
    app.synth();

    await Promise.all([
      cdkSynth(ROOT, []).then(async (result) => {
        shipped = result;
        lint = result.status === 0
          ? await cfnLint([...STACKS.map((stack) => path.join(OUT, `${stack}.template.json`)), ...variants.map((s) => path.join(variantsDir, s.templateFile))])
          : undefined;
      }),
      cdkSynth(copy, ['-q', '-o', path.join(copy, 'cdk.out')]).then((result) => {
        badConfig = result;
        const out = path.join(copy, 'cdk.out');
        badConfigOutput = fs.existsSync(out) ? fs.readdirSync(out, { recursive: true }).map(String) : [];
      }),
    ]);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.rmSync(variantsDir, { recursive: true, force: true });
  }
}, 150_000);

test('synthesizes the staging and prod stacks for the demo project', () => {
  expect({ status: shipped.status, output: shipped.status === 0 ? '' : shipped.output }).toEqual({ status: 0, output: '' });
  for (const stack of STACKS) {
    const template = JSON.parse(fs.readFileSync(path.join(OUT, `${stack}.template.json`), 'utf8'));
    const stage = stack.endsWith('staging') ? 'staging' : 'prod';
    // An endpoint, or (after "inference": "batch" in the stage file) a schedule of batch runs.
    if (loadStageConfig(stage).inference === 'batch') {
      expect(template.Resources.Schedule.Properties.Target.RoleArn).toEqual({ Ref: 'BatchScheduleRoleArn' });
    } else {
      expect(template.Resources.Endpoint.Properties.EndpointName).toBe(`demo-${stage}`);
    }
    expect(template.Parameters.BootstrapVersion).toBeUndefined();
  }
});

test('cfn-lint reports nothing on either template, nor on the variants the shipped files do not exercise', () => {
  expectLintClean(lint);
});

test('a bad stage setting stops cdk synth with its message once, without a stack trace', () => {
  const message = "config/prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got 180";
  expect(badConfig.output.split(message)).toHaveLength(2);
  expect(badConfig.output).not.toMatch(/^\s+at /m);
  expect(badConfig.status).not.toBe(0);
});

test('a bad stage setting leaves nothing in cdk.out (no template of the stage that was fine)', () => {
  expect(badConfigOutput).toEqual([]);
});

test('cdk synth prints no feature-flag warning (cdk.json sets the recommended flags) and no other noise', () => {
  expect(shipped.status).toBe(0);
  expect(shipped.output).not.toMatch(/feature flags are not configured|Warning/);
});
