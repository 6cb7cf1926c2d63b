/**
 * Test action of the deploy pipeline (run by test-buildspec.yml): smoke-tests the staging
 * endpoint `ENDPOINT_NAME` with the sample rows of the deployed model's pipeline. When staging
 * deploys in another account, `SMOKE_TEST_ROLE_ARN` names the role there that the test assumes.
 *
 * Usage: smoke-test [payloadFile]
 * The payload is, first found: the argument (handy to try another file from a laptop);
 * `SMOKE_TEST_PAYLOAD`, which the build action exports for the model it deployed; the
 * `smokeTest.samplePayloadFile` of config/staging.json; abalone's payload.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readSmokeTestEnvironment, runSmokeTest, parseSampleRows, smokeTestClients, SMOKE_TEST_SESSION_NAME } from '../lib/smoke-test';
import { payloadForRun } from '../lib/smoke-test-payload';
import { loadStageConfig } from '../lib/stage-config';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const env = readSmokeTestEnvironment(process.env);
  const settings = loadStageConfig('staging').smokeTest!;
  const payloadFile = payloadForRun({
    argument: process.argv[2],
    exported: process.env.SMOKE_TEST_PAYLOAD,
    configured: settings.samplePayloadFile,
    log: (line) => console.log(line),
  });
  const rows = parseSampleRows(fs.readFileSync(path.resolve(root, payloadFile), 'utf8'), payloadFile);
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
    log: (line) => console.log(line),
  });
  console.log(`Smoke test passed: ${report.invocations} numeric answers, p50 ${report.p50Ms.toFixed(1)} ms, p95 ${report.p95Ms.toFixed(1)} ms.`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
