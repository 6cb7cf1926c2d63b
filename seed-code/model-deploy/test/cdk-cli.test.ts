/**
 * The repository as a reader uses it: `npx cdk synth` with no flags synthesizes both stages
 * (project name/id from cdk.json context, no AWS account), and cfn-lint accepts the templates.
 */
import { execFileSync, spawnSync } from 'child_process';
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

beforeAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
  // Same as `npx cdk synth`: the CLI of this repository (or of the enclosing one when run from it).
  const cli = require.resolve('aws-cdk/bin/cdk');
  execFileSync(process.execPath, [cli, 'synth'], { cwd: ROOT, env: offlineEnv(), stdio: 'pipe', timeout: 120_000 });
}, 150_000);

test('synthesizes the staging and prod stacks for the demo project', () => {
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

test('cfn-lint reports nothing on the serverless and instance-storage variants', () => {
  // GIVEN the variants the shipped files do not exercise
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'variants-'));
  const app = new App({ outdir: dir });
  const variants = [
    new EndpointStack(app, 'Serverless', { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig('staging', { serverless: { memorySizeInMB: 4096, maxConcurrency: 20 } }, 'staging.json') }),
    new EndpointStack(app, 'InstanceStorage', { projectName: 'demo', projectId: 'p-1', stageConfig: parseStageConfig('prod', { instanceType: 'ml.g5.xlarge', instanceCount: 4, autoscaling: { minCapacity: 2, maxCapacity: 8 } }, 'prod.json') }),
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
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a bad stage setting stops cdk synth with its message once, without a stack trace', () => {
  // GIVEN a copy of the app inside this folder (so it resolves the same node_modules) with a bad prod file
  const copy = fs.mkdtempSync(path.join(ROOT, '.tmp-bad-config-'));
  try {
    for (const item of ['bin', 'lib', 'cdk.json', 'tsconfig.json']) {
      fs.cpSync(path.join(ROOT, item), path.join(copy, item), { recursive: true });
    }
    fs.mkdirSync(path.join(copy, 'config'));
    fs.writeFileSync(path.join(copy, 'config', 'staging.json'), '{}');
    fs.writeFileSync(path.join(copy, 'config', 'prod.json'), JSON.stringify({ dataCapture: { samplingPercentage: 180 } }));

    // WHEN
    const result = spawnSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', '-q', '-o', path.join(copy, 'cdk.out')],
      { cwd: copy, env: offlineEnv(), encoding: 'utf8', timeout: 120_000 });

    // THEN
    const output = `${result.stdout}${result.stderr}`;
    const message = "config/prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got 180";
    expect(output.split(message)).toHaveLength(2);
    expect(output).not.toMatch(/^\s+at /m);
    expect(result.status).not.toBe(0);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}, 150_000);

test('cdk synth prints no feature-flag warning (cdk.json sets the recommended flags) and no other noise', () => {
  const result = spawnSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', '-q', '-o', fs.mkdtempSync(path.join(os.tmpdir(), 'quiet-'))],
    { cwd: ROOT, env: offlineEnv(), encoding: 'utf8', timeout: 120_000 });
  expect(result.status).toBe(0);
  expect(`${result.stdout}${result.stderr}`).not.toMatch(/feature flags are not configured|Warning/);
}, 150_000);
