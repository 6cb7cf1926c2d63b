/**
 * Test action of the deploy pipeline (run by test-buildspec.yml): smoke-tests the staging
 * endpoint `ENDPOINT_NAME` with the sample rows of the deployed model's pipeline; or, when
 * config/staging.json has `"inference": "batch"`, runs one batch transform of staging on those
 * rows and checks its output (stack of SAGEMAKER_PROJECT_NAME and SAGEMAKER_PROJECT_ID). When staging
 * deploys in another account, `SMOKE_TEST_ROLE_ARN` names the role there that the test assumes
 * (for either test: the batch test's stack, bucket and job are in that account too).
 *
 * Usage: smoke-test [payloadFile]
 * The payload is, first found: the argument (handy to try another file from a laptop);
 * `SMOKE_TEST_PAYLOAD`, which the build action exports for the model it deployed; the
 * `smokeTest.samplePayloadFile` of config/staging.json; abalone's payload.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runBatchSmokeTest } from '../lib/batch-run';
import { endpointStackName, inferenceComponentName } from '../lib/endpoint-stack';
import { readSmokeTestEnvironment, runSmokeTest, parseSampleRows, smokeTestClients, SMOKE_TEST_SESSION_NAME } from '../lib/smoke-test';
import { payloadForRun } from '../lib/smoke-test-payload';
import { loadStageConfig, scalesToZero } from '../lib/stage-config';

async function main(argv: readonly string[]): Promise<void> {
  const root = path.join(__dirname, '..');
  const env = readSmokeTestEnvironment(process.env);
  const staging = loadStageConfig('staging');
  const settings = staging.smokeTest!;
  const payloadFile = payloadForRun({
    argument: argv[0],
    exported: process.env.SMOKE_TEST_PAYLOAD,
    configured: settings.samplePayloadFile,
    log: (line) => console.log(line),
  });
  const rows = parseSampleRows(fs.readFileSync(path.resolve(root, payloadFile), 'utf8'), payloadFile);
  if (staging.inference === 'batch') {
    const projectName = process.env.SAGEMAKER_PROJECT_NAME?.trim();
    const projectId = process.env.SAGEMAKER_PROJECT_ID?.trim();
    if (!projectName || !projectId) {
      throw new Error('SAGEMAKER_PROJECT_NAME and SAGEMAKER_PROJECT_ID must be set for a batch staging stage (the test CodeBuild project sets them)');
    }
    if (env.roleArn) {
      console.log(`Running the batch test as ${env.roleArn} (session ${SMOKE_TEST_SESSION_NAME}): staging is in another account.`);
    }
    // In staging's account when it has one: its stack, its bucket, its transform jobs.
    const { cloudFormation, sagemaker, s3 } = await smokeTestClients(env);
    const report = await runBatchSmokeTest({
      clients: { cloudFormation, sagemaker, s3 },
      stackName: endpointStackName(projectName, projectId, 'staging'),
      rows,
      timeoutMs: (settings.transformTimeoutMinutes ?? 60) * 60_000,
      log: (line) => console.log(line),
    });
    console.log(`Batch test passed: ${report.jobName} wrote ${report.outputRecords} parsed records for ${report.rows} rows.`);
    return;
  }
  if (env.roleArn) {
    console.log(`Calling ${env.endpointName} as ${env.roleArn} (session ${SMOKE_TEST_SESSION_NAME}): staging is in another account.`);
  }
  const report = await runSmokeTest({
    ...await smokeTestClients(env),
    endpointName: env.endpointName,
    rows,
    rounds: settings.rounds,
    maxP95LatencyMs: settings.maxP95LatencyMs,
    inServiceTimeoutMs: settings.inServiceTimeoutMinutes * 60_000,
    // A stage that scales to zero serves its model as an inference component, invoked by name.
    ...scalesToZero(staging) ? {
      inferenceComponentName: inferenceComponentName(env.endpointName),
      coldStartTimeoutMs: (settings.coldStartTimeoutMinutes ?? 15) * 60_000,
    } : {},
    log: (line) => console.log(line),
  });
  console.log(`Smoke test passed: ${report.invocations} numeric answers, p50 ${report.p50Ms.toFixed(1)} ms, p95 ${report.p95Ms.toFixed(1)} ms.`);
}

/** Runs the test action with `argv` (the arguments after the script) and the process environment; resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await main(argv);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
