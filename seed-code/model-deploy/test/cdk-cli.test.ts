/**
 * The repository as a reader uses it: `npx cdk synth` with no flags synthesizes both stages
 * (project name/id from cdk.json context, no AWS account), and cfn-lint accepts the templates.
 *
 * This is the gate with aws-cdk-lib's template validation on (the in-process synths of every
 * suite turn it off, see test/support/synth-env.ts): the CLI runs the app without CDK_* variables.
 * The real CLI runs twice, side by side, in beforeAll: the shipped app and a copy with a bad
 * setting.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { EndpointStack, parseStageConfig } from '../lib/endpoint-stack';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'cdk.out');
const STACKS = ['sagemaker-demo-p-placeholder0000-deploy-staging', 'sagemaker-demo-p-placeholder0000-deploy-prod'];

/** An environment in which any AWS call would fail fast instead of reaching AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|SAGEMAKER_PROJECT_|PROJECT_TAGS|CDK_)/.test(name)) {
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

interface Cli {
  status: number | null;
  output: string;
}

/** `cdk synth` with the CLI of this repository (or of the enclosing one when run from it). */
function cdkSynth(cwd: string, args: string[]): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', ...args], { cwd, env: offlineEnv(), timeout: 120_000 });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** `npx cdk synth` in this folder, exactly as the README says. */
let shipped: Cli;
/** A copy of the app inside this folder (so it resolves the same node_modules) with a bad prod file. */
let badConfig: Cli;
beforeAll(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const copy = fs.mkdtempSync(path.join(ROOT, '.tmp-bad-config-'));
  try {
    for (const item of ['bin', 'lib', 'cdk.json', 'tsconfig.json']) {
      fs.cpSync(path.join(ROOT, item), path.join(copy, item), { recursive: true });
    }
    fs.mkdirSync(path.join(copy, 'config'));
    fs.writeFileSync(path.join(copy, 'config', 'staging.json'), '{}');
    fs.writeFileSync(path.join(copy, 'config', 'prod.json'), JSON.stringify({ dataCapture: { samplingPercentage: 180 } }));
    [shipped, badConfig] = await Promise.all([
      cdkSynth(ROOT, []),
      cdkSynth(copy, ['-q', '-o', path.join(copy, 'cdk.out')]),
    ]);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}, 150_000);

test('synthesizes the staging and prod stacks for the demo project', () => {
  expect({ status: shipped.status, output: shipped.status === 0 ? '' : shipped.output }).toEqual({ status: 0, output: '' });
  for (const stack of STACKS) {
    const template = JSON.parse(fs.readFileSync(path.join(OUT, `${stack}.template.json`), 'utf8'));
    const stage = stack.endsWith('staging') ? 'staging' : 'prod';
    expect(template.Resources.Endpoint.Properties.EndpointName).toBe(`demo-${stage}`);
    expect(template.Parameters.BootstrapVersion).toBeUndefined();
  }
});

test('cfn-lint reports nothing on either template', () => {
  const templates = STACKS.map((stack) => path.join(OUT, `${stack}.template.json`));
  const result = spawnSync('cfn-lint', templates, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`cfn-lint could not be run (${result.error.message}); install it with 'pip install cfn-lint'`);
  }
  expect(`${result.stdout}${result.stderr}`).toBe('');
  expect(result.status).toBe(0);
});

test('cfn-lint reports nothing on the variants the shipped files do not exercise', () => {
  // GIVEN serverless, instance storage, no data capture and no auto-rollback (synthesized in
  // process, where aws-cdk-lib's own validation is off: it costs seconds of CPU per synthesis and
  // gates the shipped app above; cfn-lint checks these templates against the same schemas)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
  try {
    const app = new App({ outdir: dir });
    const variant = (id: string, stage: 'staging' | 'prod', raw: object) =>
      new EndpointStack(app, id, { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig(stage, raw, `${stage}.json`) });
    const variants = [
      variant('Serverless', 'staging', { serverless: { memorySizeInMB: 4096, maxConcurrency: 20 } }),
      variant('InstanceStorage', 'prod', { instanceType: 'ml.g5.xlarge', instanceCount: 4, autoscaling: { minCapacity: 2, maxCapacity: 8 } }),
      variant('NoCapture', 'prod', { dataCapture: { enabled: false } }),
      variant('NoRollback', 'prod', { deployment: { autoRollback: false } }),
    ];
    app.synth();

    // WHEN
    const result = spawnSync('cfn-lint', variants.map((s) => path.join(dir, s.templateFile)), { encoding: 'utf8' });

    // THEN
    if (result.error) {
      throw new Error(`cfn-lint could not be run (${result.error.message}); install it with 'pip install cfn-lint'`);
    }
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad stage setting stops cdk synth with its message once, without a stack trace', () => {
  const message = "config/prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got 180";
  expect(badConfig.output.split(message)).toHaveLength(2);
  expect(badConfig.output).not.toMatch(/^\s+at /m);
  expect(badConfig.status).not.toBe(0);
});

test('cdk synth prints no feature-flag warning (cdk.json sets the recommended flags) and no other noise', () => {
  expect(shipped.status).toBe(0);
  expect(shipped.output).not.toMatch(/feature flags are not configured|Warning/);
});
