import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadStageConfig, parseStageConfig, Stage, StageConfigError, TrafficShifting } from '../lib/stage-config';

/** The tests' own stage files (test/fixtures/config); the repository's config/ is the user's. */
const FIXTURES = path.join(__dirname, 'fixtures', 'config');

describe('stage files as first shipped (fixtures)', () => {
  test('staging: one ml.m5.large, capture 100%, all-at-once with rollback, smoke test bound', () => {
    // WHEN
    const config = loadStageConfig('staging', FIXTURES);

    // THEN
    expect(config).toEqual({
      stage: 'staging',
      source: expect.stringMatching(/config[\\/]staging\.json$/),
      inference: 'realtime',
      hosting: { kind: 'instance', instanceType: 'ml.m5.large', instanceCount: 1, encryptVolume: true },
      dataCapture: { enabled: true, samplingPercentage: 100 },
      deployment: {
        trafficShifting: TrafficShifting.ALL_AT_ONCE,
        canaryInstanceCount: 1,
        canaryWaitMinutes: 10,
        terminationWaitMinutes: 5,
        maximumExecutionTimeoutMinutes: 60,
        autoRollback: true,
      },
      alarms: { invocation5xxErrors: 1, modelLatencyMs: 1000, periodSeconds: 60, evaluationPeriods: 1 },
      autoscaling: undefined,
      smokeTest: { samplePayloadFile: undefined, rounds: 3, maxP95LatencyMs: 1000, inServiceTimeoutMinutes: 30 },
      networkIsolation: true,
    });
  });

  test('prod: two instances, capture 80%, canary of one, autoscaling 2-4, no smoke test', () => {
    // WHEN
    const config = loadStageConfig('prod', FIXTURES);

    // THEN
    expect(config.hosting).toEqual({ kind: 'instance', instanceType: 'ml.m5.large', instanceCount: 2, encryptVolume: true });
    expect(config.dataCapture).toEqual({ enabled: true, samplingPercentage: 80 });
    expect(config.deployment).toMatchObject({ trafficShifting: TrafficShifting.CANARY, canaryInstanceCount: 1, canaryWaitMinutes: 10, terminationWaitMinutes: 10 });
    expect(config.autoscaling).toEqual({ minCapacity: 2, maxCapacity: 4, targetInvocationsPerInstance: 100, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 });
    expect(config.smokeTest).toBeUndefined();
  });

  test('a staging file may name one payload for every pipeline', () => {
    const config = parseStageConfig('staging', { smokeTest: { samplePayloadFile: 'smoke-test/mine.csv' } }, 'staging.json');
    expect(config.smokeTest?.samplePayloadFile).toBe('smoke-test/mine.csv');
  });
});

describe('defaults of an empty file', () => {
  test.each<[Stage, number, number, TrafficShifting]>([
    ['staging', 1, 100, TrafficShifting.ALL_AT_ONCE],
    ['prod', 2, 80, TrafficShifting.CANARY],
  ])('%s: %d instance(s), sampling %d%%, %s', (stage, count, sampling, shifting) => {
    // WHEN
    const config = parseStageConfig(stage, {}, `${stage}.json`);

    // THEN
    expect(config.hosting).toEqual({ kind: 'instance', instanceType: 'ml.m5.large', instanceCount: count, encryptVolume: true });
    expect(config.dataCapture.samplingPercentage).toBe(sampling);
    expect(config.deployment?.trafficShifting).toBe(shifting);
    expect(config.autoscaling).toBeUndefined();
  });
});

describe('network isolation', () => {
  test.each<[string, Record<string, unknown>]>([
    ['real-time', {}],
    ['serverless', { serverless: {} }],
    ['batch', { inference: 'batch' }],
  ])('is on by default (%s)', (_kind, raw) => {
    expect(parseStageConfig('prod', raw, 'prod.json').networkIsolation).toBe(true);
  });

  test.each<[string, Record<string, unknown>]>([
    ['real-time', { networkIsolation: false }],
    ['batch', { inference: 'batch', networkIsolation: false }],
  ])('can be switched off for an image that needs the network (%s)', (_kind, raw) => {
    expect(parseStageConfig('staging', raw, 'staging.json').networkIsolation).toBe(false);
  });
});

describe('overrides', () => {
  test('serverless staging: no deployment policy, no capture, no volume key', () => {
    // WHEN
    const config = parseStageConfig('staging', { serverless: { memorySizeInMB: 4096, maxConcurrency: 10 }, dataCapture: { enabled: false } }, 'staging.json');

    // THEN
    expect(config.hosting).toEqual({ kind: 'serverless', memorySizeInMB: 4096, maxConcurrency: 10 });
    expect(config.deployment).toBeUndefined();
    expect(config.dataCapture.enabled).toBe(false);
  });

  test('serverless defaults to no data capture', () => {
    const config = parseStageConfig('staging', { serverless: {} }, 'staging.json');
    expect(config.hosting).toEqual({ kind: 'serverless', memorySizeInMB: 2048, maxConcurrency: 5 });
    expect(config.dataCapture.enabled).toBe(false);
  });

  test('an instance family with instance storage gets no volume key by default', () => {
    const config = parseStageConfig('staging', { instanceType: 'ml.g5.xlarge' }, 'staging.json');
    expect(config.hosting).toMatchObject({ instanceType: 'ml.g5.xlarge', encryptVolume: false });
  });

  test('autoscaling defaults derive from the instance count', () => {
    const config = parseStageConfig('prod', { instanceCount: 3, autoscaling: {} }, 'prod.json');
    expect(config.autoscaling).toEqual({ minCapacity: 3, maxCapacity: 6, targetInvocationsPerInstance: 100, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 });
  });
});

describe('bad configuration', () => {
  test.each<[string, Stage, unknown, string]>([
    ['the instance family is unknown', 'prod', { instanceType: 'ml.m55.large' },
      "prod.json: 'instanceType' has an unknown instance family 'm55'; known: t2, t3, m4, m5"],
    ['the instance type has no size', 'prod', { instanceType: 'm5.large' },
      "prod.json: 'instanceType' must look like ml.<family>.<size>, e.g. ml.m5.large; got 'm5.large'"],
    ['min capacity exceeds max capacity', 'prod', { autoscaling: { minCapacity: 5, maxCapacity: 3 } },
      "prod.json: 'autoscaling.minCapacity' must not exceed 'autoscaling.maxCapacity' (3); got 5"],
    ['the instance count is outside the autoscaling range', 'prod', { instanceCount: 6, autoscaling: { minCapacity: 2, maxCapacity: 4 } },
      "prod.json: 'instanceCount' must lie between 'autoscaling.minCapacity' (2) and 'autoscaling.maxCapacity' (4); got 6"],
    ['sampling is above 100', 'staging', { dataCapture: { samplingPercentage: 101 } },
      "staging.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got 101"],
    ['sampling is negative', 'prod', { dataCapture: { samplingPercentage: -1 } },
      "prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got -1"],
    ['sampling is a string', 'prod', { dataCapture: { samplingPercentage: '80' } },
      "prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got '80'"],
    ['serverless has autoscaling', 'staging', { serverless: {}, autoscaling: { minCapacity: 1 } },
      "staging.json: 'autoscaling' does not apply to a serverless endpoint; remove it or remove 'serverless'; got {\"minCapacity\":1}"],
    ['serverless has a blue/green deployment', 'staging', { serverless: {}, deployment: { trafficShifting: 'CANARY' } },
      "staging.json: 'deployment' does not apply to a serverless endpoint; remove it or remove 'serverless'"],
    ['serverless has a volume key', 'staging', { serverless: {}, encryptVolume: true },
      "staging.json: 'encryptVolume' does not apply to a serverless endpoint (it has no ML storage volume); remove it; got true"],
    ['serverless has an instance type', 'staging', { serverless: {}, instanceType: 'ml.m5.large' },
      "staging.json: 'instanceType' does not apply to a serverless endpoint; remove it or remove 'serverless'; got 'ml.m5.large'"],
    ['serverless has data capture', 'staging', { serverless: {}, dataCapture: { enabled: true } },
      "staging.json: 'dataCapture.enabled' is not supported by serverless endpoints; set it to false or use instanceType; got true"],
    ['serverless memory is not a multiple of 1024', 'staging', { serverless: { memorySizeInMB: 3000 } },
      "staging.json: 'serverless.memorySizeInMB' must be a multiple of 1024 (1024, 2048, ... 6144); got 3000"],
    ['serverless concurrency is too high', 'staging', { serverless: { maxConcurrency: 500 } },
      "staging.json: 'serverless.maxConcurrency' must be a whole number from 1 to 200; got 500"],
    ['a volume key is asked for on instance storage', 'prod', { instanceType: 'ml.m5d.large', encryptVolume: true },
      "prod.json: 'encryptVolume' cannot be used with ml.m5d.large: its instance storage is encrypted by hardware"],
    ['canary runs on a single instance', 'prod', { instanceCount: 1 },
      "prod.json: 'deployment.trafficShifting' needs 'instanceCount' of at least 2 (the canary may hold at most half of the fleet); got instanceCount 1"],
    ['the canary is more than half of the fleet', 'prod', { instanceCount: 4, deployment: { canaryInstanceCount: 3 } },
      "prod.json: 'deployment.canaryInstanceCount' must be at most half of 'instanceCount' (4), i.e. <= 2; got 3"],
    ['canary on Inferentia 1', 'prod', { instanceType: 'ml.inf1.xlarge' },
      "prod.json: 'deployment.trafficShifting' is not supported on ml.inf1.xlarge"],
    ['canary settings are given for all-at-once', 'staging', { deployment: { canaryWaitMinutes: 5 } },
      "staging.json: 'deployment.canaryWaitMinutes' only applies when 'deployment.trafficShifting' is CANARY (it is ALL_AT_ONCE); got 5"],
    ['traffic shifting is unknown', 'prod', { deployment: { trafficShifting: 'LINEAR' } },
      "prod.json: 'deployment.trafficShifting' must be one of ALL_AT_ONCE, CANARY; got 'LINEAR'"],
    ['the update timeout cannot hold the waits', 'prod', { deployment: { canaryWaitMinutes: 40, terminationWaitMinutes: 30, maximumExecutionTimeoutMinutes: 60 } },
      "prod.json: 'deployment.maximumExecutionTimeoutMinutes' must leave room for canaryWaitMinutes + terminationWaitMinutes (70); got 60"],
    ['the alarm period is not allowed', 'prod', { alarms: { periodSeconds: 45 } },
      "prod.json: 'alarms.periodSeconds' must be 10, 30 or a multiple of 60; got 45"],
    ['network isolation is not a boolean', 'prod', { networkIsolation: 'false' },
      "prod.json: 'networkIsolation' must be true or false; got 'false'"],
    ['network isolation of a batch stage is not a boolean', 'staging', { inference: 'batch', networkIsolation: 0 },
      "staging.json: 'networkIsolation' must be true or false; got 0"],
    ['a setting is misspelled', 'prod', { instanceTyp: 'ml.m5.large' },
      "prod.json: 'instanceTyp' is not a known setting; allowed: instanceType, instanceCount"],
    ['a nested setting is misspelled', 'prod', { autoscaling: { maxCapacty: 4 } },
      "prod.json: 'autoscaling.maxCapacty' is not a known setting; allowed in 'autoscaling': minCapacity, maxCapacity"],
    ['prod has a smoke test block', 'prod', { smokeTest: { rounds: 1 } },
      "prod.json: 'smokeTest' only applies to staging (the pipeline tests the staging endpoint); remove it"],
    ['the sample payload path leaves the repository', 'staging', { smokeTest: { samplePayloadFile: '../secrets.csv' } },
      "staging.json: 'smokeTest.samplePayloadFile' must be a path inside the repository, relative to its root; got '../secrets.csv'"],
    ['the file is not an object', 'staging', [1, 2],
      'staging.json: the top level must be a JSON object; got [1,2]'],
    ['a section is not an object', 'staging', { alarms: 5 },
      "staging.json: 'alarms' must be a JSON object; got 5"],
  ])('fails when %s', (_, stage, raw, message) => {
    expect(() => parseStageConfig(stage, raw, `${stage}.json`)).toThrow(message);
  });

  test('fails with every problem of the file at once', () => {
    // WHEN
    let error: StageConfigError | undefined;
    try {
      parseStageConfig('prod', { instanceType: 'ml.x9.large', dataCapture: { samplingPercentage: 200 } }, 'prod.json');
    } catch (e) {
      error = e as StageConfigError;
    }

    // THEN
    expect(error).toBeInstanceOf(StageConfigError);
    expect(error!.problems).toHaveLength(2);
    expect(error!.message).toMatch(/^Invalid stage configuration:\n {2}prod\.json: 'instanceType'.*\n {2}prod\.json: 'dataCapture\.samplingPercentage'/);
  });

  test.each<[string, string, string]>([
    ['the file is missing', '', 'cannot read the stage configuration'],
    ['the file is not JSON', '{ "instanceType": ', 'not valid JSON'],
  ])('fails when %s, naming the file', (_, content, message) => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stage-config-'));
    if (content) {
      fs.writeFileSync(path.join(dir, 'prod.json'), content);
    }

    // THEN
    expect(() => loadStageConfig('prod', dir)).toThrow(new RegExp(`prod\\.json: ${message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails when the file sets a bad value, naming file, setting and value', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stage-config-'));
    fs.writeFileSync(path.join(dir, 'staging.json'), JSON.stringify({ instanceCount: 0 }));

    // THEN
    expect(() => loadStageConfig('staging', dir)).toThrow(`${path.join(dir, 'staging.json')}: 'instanceCount' must be a whole number from 1 to 100; got 0`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
