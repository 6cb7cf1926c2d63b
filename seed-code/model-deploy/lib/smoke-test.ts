import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { isRoleArn } from './resolve-model-package';

/** The CodeBuild environment of the deploy pipeline's test action, validated. */
export interface SmokeTestEnvironment {
  /** The staging endpoint, `<projectName>-staging` (`ENDPOINT_NAME`). */
  readonly endpointName: string;
  /** The project's region (`AWS_REGION`); a staging account's endpoint is in it too. */
  readonly region: string;
  /**
   * Role in the staging account to assume (`SMOKE_TEST_ROLE_ARN`), when staging deploys in
   * another account.
   * @default - the test action's own credentials (staging is in the project account)
   */
  readonly roleArn?: string;
}

/**
 * Reads the test action's variables: `ENDPOINT_NAME` and `AWS_REGION` (required) and
 * `SMOKE_TEST_ROLE_ARN` (optional; unset or empty: no role is assumed).
 * @throws Error naming the missing variables, or the malformed `SMOKE_TEST_ROLE_ARN`
 */
export function readSmokeTestEnvironment(env: NodeJS.ProcessEnv): SmokeTestEnvironment {
  const endpointName = env.ENDPOINT_NAME?.trim();
  const region = env.AWS_REGION?.trim();
  if (!endpointName || !region) {
    throw new Error('ENDPOINT_NAME and AWS_REGION must be set (the test CodeBuild project sets them)');
  }
  const roleArn = env.SMOKE_TEST_ROLE_ARN?.trim() || undefined;
  if (roleArn !== undefined && !isRoleArn(roleArn)) {
    throw new Error(`SMOKE_TEST_ROLE_ARN must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name) in the staging account, or unset when staging is in the project account; got '${env.SMOKE_TEST_ROLE_ARN}'`);
  }
  return { endpointName, region, roleArn };
}

/** The session name of the smoke test's role sessions, as the staging account's CloudTrail shows it. */
export const SMOKE_TEST_SESSION_NAME = 'model-deploy-smoke-test';

/** The clients the smoke test calls the staging account with. */
export interface SmokeTestClients {
  readonly sagemaker: SageMakerClient;
  readonly runtime: SageMakerRuntimeClient;
  /** A batch staging stage's test: reads the staging stack's run definition. */
  readonly cloudFormation: CloudFormationClient;
  /** A batch staging stage's test: puts its sample, reads its output (the staging account's bucket). */
  readonly s3: S3Client;
}

/**
 * The smoke test's clients. With a role (`SMOKE_TEST_ROLE_ARN`: staging deploys in another
 * account), all sign with credentials of that role (the endpoint test's SageMaker calls, and the
 * batch test's CloudFormation, SageMaker and S3 calls alike), got from STS AssumeRole (session
 * {@link SMOKE_TEST_SESSION_NAME}) with the test action's own credentials and refreshed before
 * they expire; the role is assumed once here, so a role that cannot be assumed fails the test
 * with that reason rather than as a failed endpoint call. Without a role, all use the test
 * action's own credentials.
 * @throws Error naming the role when it cannot be assumed
 */
export async function smokeTestClients(env: Pick<SmokeTestEnvironment, 'region' | 'roleArn'>): Promise<SmokeTestClients> {
  const credentials = env.roleArn === undefined ? undefined : fromTemporaryCredentials({
    params: { RoleArn: env.roleArn, RoleSessionName: SMOKE_TEST_SESSION_NAME },
    clientConfig: { region: env.region },
  });
  const clients = {
    sagemaker: new SageMakerClient({ region: env.region, credentials }),
    runtime: new SageMakerRuntimeClient({ region: env.region, credentials }),
    cloudFormation: new CloudFormationClient({ region: env.region, credentials }),
    s3: new S3Client({ region: env.region, credentials }),
  };
  if (env.roleArn !== undefined) {
    try {
      await clients.sagemaker.config.credentials();
    } catch (e) {
      throw new Error(`Cannot assume SMOKE_TEST_ROLE_ARN ${env.roleArn} (session ${SMOKE_TEST_SESSION_NAME}): ${(e as Error).name}: ${(e as Error).message}. `
        + "The staging account's smoke-test role must trust this test project's role, and this role must be allowed sts:AssumeRole on it");
    }
  }
  return clients;
}

/** Time and waiting, injectable so tests run without real sleeps. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Endpoint states that can still turn into `InService` by waiting. */
const TRANSIENT_STATES = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** Inputs of {@link waitForInService}. */
export interface WaitForInServiceOptions {
  readonly client: SageMakerClient;
  readonly endpointName: string;
  readonly timeoutMs: number;
  /** @default 30000 */
  readonly pollIntervalMs?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/**
 * Waits until the endpoint is `InService`.
 * @throws Error when it reaches a final state other than `InService` (with SageMaker's failure
 *   reason) or when the timeout passes
 */
export async function waitForInService(options: WaitForInServiceOptions): Promise<void> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const described = await options.client.send(new DescribeEndpointCommand({ EndpointName: options.endpointName }));
    const status = described.EndpointStatus ?? 'unknown';
    if (status === 'InService') {
      log(`Endpoint ${options.endpointName} is InService.`);
      return;
    }
    if (!TRANSIENT_STATES.has(status)) {
      throw new Error(`Endpoint ${options.endpointName} is ${status}, not InService${described.FailureReason ? `: ${described.FailureReason}` : ''}`);
    }
    if (clock.now() + pollIntervalMs > deadline) {
      throw new Error(`Endpoint ${options.endpointName} is still ${status} after ${Math.round(options.timeoutMs / 60_000)} min; giving up`);
    }
    log(`Endpoint ${options.endpointName} is ${status}; checking again in ${pollIntervalMs / 1000} s.`);
    await clock.sleep(pollIntervalMs);
  }
}

/**
 * Reads sample rows from CSV text: one request per non-empty line; a header line is not allowed
 * (the model's CSV input has none).
 * @throws Error when there are no rows
 */
export function parseSampleRows(csv: string, source: string): string[] {
  const rows = csv.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (rows.length === 0) {
    throw new Error(`${source} holds no sample rows; add CSV lines in the model's input format (no header)`);
  }
  return rows;
}

/** The value at percentile `p` (0-100) by the nearest-rank method. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    throw new Error('percentile of no values');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Inputs of {@link runSmokeTest}. */
export interface SmokeTestOptions {
  readonly sagemaker: SageMakerClient;
  readonly runtime: SageMakerRuntimeClient;
  readonly endpointName: string;
  /** CSV rows, each sent as one request. */
  readonly rows: string[];
  /** Every row is sent this many times. */
  readonly rounds: number;
  readonly maxP95LatencyMs: number;
  readonly inServiceTimeoutMs: number;
  /**
   * The inference component to invoke, when the stage scales to zero (`autoscaling.minCapacity`
   * 0). The test then first wakes the endpoint (see {@link SmokeTestOptions.coldStartTimeoutMs}).
   * @default - the endpoint's only variant
   */
  readonly inferenceComponentName?: string;
  /**
   * With an inference component: how long the first row may keep failing while the endpoint
   * starts an instance from zero (`smokeTest.coldStartTimeoutMinutes`). The wake-up is timed and
   * reported, and not counted in the latency percentiles.
   * @default 0 - no wake-up phase
   */
  readonly coldStartTimeoutMs?: number;
  /** @default 30000 */
  readonly pollIntervalMs?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/** Outcome of a smoke test that passed. */
export interface SmokeTestReport {
  readonly invocations: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly predictions: number[];
  /**
   * With an inference component: milliseconds from the first request until one was answered
   * (about 0 when a copy was already running; minutes when the endpoint started from zero).
   */
  readonly coldStartMs?: number;
}

/**
 * Waits for the endpoint, sends every sample row `rounds` times, checks each answer is a single
 * number and that p95 latency stays within the bound.
 * @throws Error listing every failed invocation or non-numeric answer, or the latency breach
 */
export async function runSmokeTest(options: SmokeTestOptions): Promise<SmokeTestReport> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const log = options.log ?? (() => undefined);
  await waitForInService({
    client: options.sagemaker,
    endpointName: options.endpointName,
    timeoutMs: options.inServiceTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    clock,
    log,
  });

  const invoke = (row: string) => options.runtime.send(new InvokeEndpointCommand({
    EndpointName: options.endpointName,
    InferenceComponentName: options.inferenceComponentName,
    ContentType: 'text/csv',
    Accept: 'text/csv',
    Body: new TextEncoder().encode(row),
  }));
  const coldStartMs = options.inferenceComponentName === undefined ? undefined : await wakeUp({
    invoke: () => invoke(options.rows[0]),
    timeoutMs: options.coldStartTimeoutMs ?? 0,
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    label: `${options.endpointName} (inference component ${options.inferenceComponentName})`,
    clock,
    log,
  });

  const latencies: number[] = [];
  const predictions: number[] = [];
  const failures: string[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const [index, row] of options.rows.entries()) {
      const label = `round ${round}, row ${index + 1}`;
      const started = clock.now();
      try {
        const response = await invoke(row);
        latencies.push(clock.now() - started);
        const answer = new TextDecoder().decode(response.Body ?? new Uint8Array()).trim();
        const value = parsePrediction(answer);
        if (value === undefined) {
          failures.push(`${label}: answer is not a number: '${answer.slice(0, 200)}'`);
        } else {
          predictions.push(value);
        }
      } catch (e) {
        failures.push(`${label}: invocation failed: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  }

  const invocations = options.rounds * options.rows.length;
  if (failures.length > 0) {
    throw new Error(`Smoke test of ${options.endpointName} failed: ${failures.length} of ${invocations} invocations bad:\n  ${failures.join('\n  ')}`);
  }
  const p50Ms = percentile(latencies, 50);
  const p95Ms = percentile(latencies, 95);
  log(`${invocations} invocations of ${options.endpointName}: latency p50 ${p50Ms.toFixed(1)} ms, p95 ${p95Ms.toFixed(1)} ms (bound ${options.maxP95LatencyMs} ms).`);
  if (p95Ms > options.maxP95LatencyMs) {
    throw new Error(`Smoke test of ${options.endpointName} failed: p95 latency ${p95Ms.toFixed(1)} ms is above smokeTest.maxP95LatencyMs ${options.maxP95LatencyMs} ms (config/staging.json)`);
  }
  return { invocations, p50Ms, p95Ms, predictions, coldStartMs };
}

/**
 * Sends one request until one is answered: a stage scaled to zero answers the first requests with
 * an error (and counts them in NoCapacityInvocationFailures, whose alarm adds a copy) until an
 * instance has started, which AWS documents as taking several minutes.
 * @returns milliseconds from the first request to the first answer
 * @throws Error with the last failure when nothing is answered within `timeoutMs`
 */
async function wakeUp(options: {
  invoke: () => Promise<unknown>;
  timeoutMs: number;
  pollIntervalMs: number;
  label: string;
  clock: Clock;
  log: (line: string) => void;
}): Promise<number> {
  const started = options.clock.now();
  const deadline = started + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await options.invoke();
      const elapsed = options.clock.now() - started;
      options.log(`${options.label} answered after ${attempt} request(s), ${(elapsed / 1000).toFixed(1)} s after the first (cold start; not counted in the latency percentiles).`);
      return elapsed;
    } catch (e) {
      const reason = `${(e as Error).name}: ${(e as Error).message}`;
      if (options.clock.now() + options.pollIntervalMs > deadline) {
        throw new Error(`Smoke test of ${options.label} failed: no answer within smokeTest.coldStartTimeoutMinutes (${Math.round(options.timeoutMs / 60_000)} min, config/staging.json) of the first request; last error: ${reason}`);
      }
      options.log(`${options.label} has no capacity yet (${reason}); trying again in ${options.pollIntervalMs / 1000} s.`);
      await options.clock.sleep(options.pollIntervalMs);
    }
  }
}

/** A single finite number, as the built-in XGBoost container answers one CSV row. */
function parsePrediction(answer: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(answer)) {
    return undefined;
  }
  const value = Number(answer);
  return Number.isFinite(value) ? value : undefined;
}
