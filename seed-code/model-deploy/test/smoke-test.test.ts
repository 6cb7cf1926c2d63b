import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import {
  Clock,
  parseSampleRows,
  percentile,
  readSmokeTestEnvironment,
  runSmokeTest,
  SmokeTestOptions,
  waitForInService,
} from '../lib/smoke-test';

const sagemaker = mockClient(SageMakerClient);
const runtime = mockClient(SageMakerRuntimeClient);
beforeEach(() => {
  sagemaker.reset();
  runtime.reset();
});

/** A clock that only moves when told: sleeping advances it, invocations take `latencies` ms in turn. */
class FakeClock implements Clock {
  public time = 0;
  public readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

function body(text: string) {
  // The SDK's streaming body type is a Uint8Array with helpers; the code only decodes the bytes.
  return new TextEncoder().encode(text) as never;
}

function options(clock: FakeClock, overrides: Partial<SmokeTestOptions> = {}): SmokeTestOptions {
  return {
    sagemaker: new SageMakerClient({ region: 'us-east-1' }),
    runtime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
    endpointName: 'churn-staging',
    rows: ['1,2,3', '4,5,6'],
    rounds: 2,
    maxP95LatencyMs: 500,
    inServiceTimeoutMs: 60_000,
    pollIntervalMs: 10_000,
    clock,
    ...overrides,
  };
}

/** Each invocation advances the fake clock by the next latency and answers `answer`. */
function answerWith(clock: FakeClock, latencies: number[], answer: (row: string) => string) {
  let call = 0;
  runtime.on(InvokeEndpointCommand).callsFake((input: { Body: Uint8Array }) => {
    clock.time += latencies[call++ % latencies.length];
    return { Body: body(answer(new TextDecoder().decode(input.Body))) };
  });
}

describe('waitForInService', () => {
  test('polls through Creating and Updating until InService, sleeping the poll interval', async () => {
    // GIVEN
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand)
      .resolvesOnce({ EndpointStatus: 'Creating' })
      .resolvesOnce({ EndpointStatus: 'Updating' })
      .resolves({ EndpointStatus: 'InService' });

    // WHEN
    await waitForInService({ client: new SageMakerClient({ region: 'us-east-1' }), endpointName: 'churn-staging', timeoutMs: 60_000, pollIntervalMs: 5_000, clock });

    // THEN
    expect(clock.sleeps).toEqual([5_000, 5_000]);
    expect(sagemaker.commandCalls(DescribeEndpointCommand)[0].args[0].input).toEqual({ EndpointName: 'churn-staging' });
  });

  test.each<[string, Record<string, string>, string]>([
    ['the endpoint failed', { EndpointStatus: 'Failed', FailureReason: 'image not found' }, 'Endpoint churn-staging is Failed, not InService: image not found'],
    ['the endpoint is out of service', { EndpointStatus: 'OutOfService' }, 'Endpoint churn-staging is OutOfService, not InService'],
  ])('fails when %s', async (_, described, message) => {
    sagemaker.on(DescribeEndpointCommand).resolves(described);
    await expect(waitForInService({ client: new SageMakerClient({ region: 'us-east-1' }), endpointName: 'churn-staging', timeoutMs: 60_000, clock: new FakeClock() }))
      .rejects.toThrow(message);
  });

  test('fails when the endpoint stays Creating past the timeout', async () => {
    // GIVEN
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Creating' });

    // THEN
    await expect(waitForInService({ client: new SageMakerClient({ region: 'us-east-1' }), endpointName: 'churn-staging', timeoutMs: 120_000, pollIntervalMs: 30_000, clock }))
      .rejects.toThrow('Endpoint churn-staging is still Creating after 2 min; giving up');
    expect(clock.sleeps).toEqual([30_000, 30_000, 30_000, 30_000]);
  });
});

describe('runSmokeTest', () => {
  test('sends every row each round as text/csv and reports p50/p95', async () => {
    // GIVEN
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    answerWith(clock, [10, 20, 30, 400], (row) => `${row.length}.5\n`);
    const log: string[] = [];

    // WHEN
    const report = await runSmokeTest({ ...options(clock), log: (l) => log.push(l) });

    // THEN
    expect(report).toEqual({ invocations: 4, p50Ms: 20, p95Ms: 400, predictions: [5.5, 5.5, 5.5, 5.5] });
    const calls = runtime.commandCalls(InvokeEndpointCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => new TextDecoder().decode(c.Body as Uint8Array))).toEqual(['1,2,3', '4,5,6', '1,2,3', '4,5,6']);
    expect(calls.every((c) => c.EndpointName === 'churn-staging' && c.ContentType === 'text/csv')).toBe(true);
    expect(log).toContain('4 invocations of churn-staging: latency p50 20.0 ms, p95 400.0 ms (bound 500 ms).');
  });

  test.each<[string, string, string]>([
    ['an answer is text', 'error: bad input', "round 1, row 1: answer is not a number: 'error: bad input'"],
    ['an answer is empty', '', "answer is not a number: ''"],
    ['an answer holds two numbers', '1.0,2.0', "answer is not a number: '1.0,2.0'"],
    ['an answer is NaN', 'NaN', "answer is not a number: 'NaN'"],
  ])('fails when %s', async (_, answer, message) => {
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    answerWith(clock, [10], () => answer);
    await expect(runSmokeTest(options(clock))).rejects.toThrow(message);
  });

  test('fails when an invocation errors, listing each failure', async () => {
    // GIVEN
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    runtime.on(InvokeEndpointCommand)
      .resolvesOnce({ Body: body('3.0') })
      .rejects(Object.assign(new Error('Received server error (500) from primary'), { name: 'ModelError' }));

    // THEN
    await expect(runSmokeTest(options(clock))).rejects.toThrow(
      'Smoke test of churn-staging failed: 3 of 4 invocations bad:\n  round 1, row 2: invocation failed: ModelError: Received server error (500) from primary');
  });

  test('fails when p95 latency is above the bound', async () => {
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    answerWith(clock, [100, 100, 100, 900], () => '7');
    await expect(runSmokeTest(options(clock))).rejects.toThrow('p95 latency 900.0 ms is above smokeTest.maxP95LatencyMs 500 ms (config/staging.json)');
  });

  test('fails without invoking when the endpoint never becomes InService', async () => {
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Failed' });
    await expect(runSmokeTest(options(clock))).rejects.toThrow('is Failed');
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });
});

describe('runSmokeTest on a stage that scales to zero', () => {
  test('wakes the endpoint: retries the first row until answered, reports the cold start, leaves it out of the percentiles', async () => {
    // GIVEN scaled to zero: the first three requests find no capacity, then copies answer in 40 ms
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    let call = 0;
    const sent: { InferenceComponentName?: string }[] = [];
    runtime.on(InvokeEndpointCommand).callsFake((input: { InferenceComponentName?: string }) => {
      sent.push(input);
      if (++call <= 3) {
        throw Object.assign(new Error('Inference Component has no capacity to process this request.'), { name: 'ValidationError' });
      }
      clock.time += 40;
      return { Body: body('0.5') };
    });
    const lines: string[] = [];

    // WHEN
    const report = await runSmokeTest(options(clock, {
      inferenceComponentName: 'churn-staging-model',
      coldStartTimeoutMs: 15 * 60_000,
      pollIntervalMs: 30_000,
      log: (line) => lines.push(line),
    }));

    // THEN every request names the component; the wake-up took 3 waits of 30 s plus one answer
    expect(sent.every((input) => input.InferenceComponentName === 'churn-staging-model')).toBe(true);
    expect(report.coldStartMs).toBe(3 * 30_000 + 40);
    expect(report.invocations).toBe(4);
    expect(report.p95Ms).toBe(40);
    expect(lines.some((l) => l.includes('answered after 4 request(s), 90.0 s after the first (cold start'))).toBe(true);
  });

  test('fails in one message naming the setting when no answer comes within the cold-start bound', async () => {
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    runtime.on(InvokeEndpointCommand).rejects(Object.assign(new Error('no capacity'), { name: 'ValidationError' }));

    await expect(runSmokeTest(options(clock, { inferenceComponentName: 'churn-staging-model', coldStartTimeoutMs: 5 * 60_000, pollIntervalMs: 30_000 })))
      .rejects.toThrow('Smoke test of churn-staging (inference component churn-staging-model) failed: no answer within smokeTest.coldStartTimeoutMinutes (5 min, config/staging.json) of the first request; last error: ValidationError: no capacity');
    // Waited the bound, not longer: 10 waits of 30 s fill 5 min, an 11th would pass it.
    expect(clock.sleeps.filter((ms) => ms === 30_000)).toHaveLength(10);
  });

  test('a stage with instances sends no component name and has no wake-up', async () => {
    const clock = new FakeClock();
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
    answerWith(clock, [10], () => '1');
    const report = await runSmokeTest(options(clock));
    expect(report.coldStartMs).toBeUndefined();
    expect(runtime.commandCalls(InvokeEndpointCommand).every((c) => c.args[0].input.InferenceComponentName === undefined)).toBe(true);
  });
});

describe('helpers', () => {
  test.each([
    [[5], 50, 5],
    [[5], 95, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95, 19],
  ])('percentile(%j, %d) = %d (nearest rank)', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('parseSampleRows drops blank lines and CRLF endings', () => {
    expect(parseSampleRows('1,2\r\n\n3,4\n', 'x.csv')).toEqual(['1,2', '3,4']);
  });

  test('fails when the sample file has no rows', () => {
    expect(() => parseSampleRows('\n \n', 'smoke-test/sample-payload.csv')).toThrow('smoke-test/sample-payload.csv holds no sample rows');
  });
});

describe('readSmokeTestEnvironment', () => {
  const ROLE = 'arn:aws:iam::111111111111:role/churn-p-abc123def456-staging-smoke-test';

  test.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    [ROLE, ROLE],
    [` ${ROLE} `, ROLE],
  ])("SMOKE_TEST_ROLE_ARN '%s' assumes %s", (value, roleArn) => {
    expect(readSmokeTestEnvironment({ ENDPOINT_NAME: 'churn-staging', AWS_REGION: 'us-east-1', SMOKE_TEST_ROLE_ARN: value }))
      .toEqual({ endpointName: 'churn-staging', region: 'us-east-1', roleArn });
  });

  test.each<[string, Record<string, string>, string]>([
    ['ENDPOINT_NAME is empty', { ENDPOINT_NAME: ' ' }, 'ENDPOINT_NAME and AWS_REGION must be set (the test CodeBuild project sets them)'],
    ['SMOKE_TEST_ROLE_ARN is a role name', { SMOKE_TEST_ROLE_ARN: 'staging-smoke-test' },
      "SMOKE_TEST_ROLE_ARN must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name) in the staging account, or unset when staging is in the project account; got 'staging-smoke-test'"],
    ['SMOKE_TEST_ROLE_ARN is a role session', { SMOKE_TEST_ROLE_ARN: 'arn:aws:sts::111111111111:assumed-role/smoke/s' },
      "SMOKE_TEST_ROLE_ARN must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name) in the staging account, or unset when staging is in the project account; got 'arn:aws:sts::111111111111:assumed-role/smoke/s'"],
  ])('fails when %s', (_, env, message) => {
    expect(() => readSmokeTestEnvironment({ ENDPOINT_NAME: 'churn-staging', AWS_REGION: 'us-east-1', ...env })).toThrow(message);
  });
});
