import { scheduleProblem, transformInstanceTypeProblem } from '../lib/batch-config';
import { parseStageConfig, StageConfigError } from '../lib/stage-config';

function problems(raw: unknown, stage: 'staging' | 'prod' = 'prod'): string[] {
  try {
    parseStageConfig(stage, raw, `${stage}.json`);
  } catch (e) {
    return (e as StageConfigError).problems;
  }
  return [];
}

describe('"inference": "batch"', () => {
  test('an empty batch block: on demand only, input and output under the stage\'s prefixes, one ml.m5.large, CSV by line', () => {
    const config = parseStageConfig('prod', { inference: 'batch' }, 'prod.json');
    expect(config.inference).toBe('batch');
    expect(config.hosting).toEqual({ kind: 'instance', instanceType: 'ml.m5.large', instanceCount: 1, encryptVolume: true });
    expect(config.dataCapture.enabled).toBe(false);
    expect(config.deployment).toBeUndefined();
    expect(config.autoscaling).toBeUndefined();
    expect(config.batch).toEqual({
      schedule: undefined,
      scheduleTimezone: 'UTC',
      input: 'batch-input/prod/',
      output: 'batch-output/prod/',
      contentType: 'text/csv',
      accept: 'text/csv',
      splitType: 'Line',
      batchStrategy: 'MultiRecord',
      maxPayloadInMB: 6,
      maxConcurrentTransforms: undefined,
      joinSource: 'None',
    });
  });

  test('realtime stays the default, with no batch settings', () => {
    const config = parseStageConfig('staging', {}, 'staging.json');
    expect(config.inference).toBe('realtime');
    expect(config.batch).toBeUndefined();
  });

  test('one stage may be batch while the other is real-time', () => {
    expect(parseStageConfig('staging', { inference: 'batch' }, 'staging.json').inference).toBe('batch');
    expect(parseStageConfig('prod', { inference: 'realtime', instanceCount: 2 }, 'prod.json').inference).toBe('realtime');
  });

  test('a batch staging file has a test block with the sample file and the transform timeout only', () => {
    const config = parseStageConfig('staging', { inference: 'batch', smokeTest: { samplePayloadFile: 'smoke-test/mine.csv', transformTimeoutMinutes: 90 } }, 'staging.json');
    expect(config.smokeTest).toMatchObject({ samplePayloadFile: 'smoke-test/mine.csv', transformTimeoutMinutes: 90 });
    expect(problems({ inference: 'batch', smokeTest: { rounds: 3 } }, 'staging')).toEqual([
      "staging.json: 'smokeTest.rounds' is not a known setting; allowed in 'smokeTest': samplePayloadFile, transformTimeoutMinutes; got 3",
    ]);
  });
});

describe('bad batch settings: one line each, naming file, setting, value and what is allowed', () => {
  test.each<[string, unknown, string]>([
    ['an unknown mode', { inference: 'stream' }, "prod.json: 'inference' must be one of realtime, batch; got 'stream'"],
    ['a batch block on a real-time stage', { batch: {} }, "prod.json: 'batch' only applies when 'inference' is 'batch' (it is realtime); set \"inference\": \"batch\" or remove it; got {}"],
    ['an endpoint setting on a batch stage', { inference: 'batch', autoscaling: {} }, "prod.json: 'autoscaling' applies to a real-time endpoint, and this stage has \"inference\": \"batch\"; got {}"],
    ['the instance type outside the block', { inference: 'batch', instanceType: 'ml.m5.xlarge' }, "prod.json: 'instanceType' applies to a real-time endpoint, and this stage has \"inference\": \"batch\"; set 'batch.instanceType' instead; got 'ml.m5.xlarge'"],
    ['a bad schedule', { inference: 'batch', batch: { schedule: 'daily' } }, "prod.json: 'batch.schedule' must be rate(<n> minutes|hours|days), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), at(yyyy-mm-ddThh:mm:ss) or 'none'; got 'daily'"],
    ['a 5-field cron', { inference: 'batch', batch: { schedule: 'cron(0 2 * * ?)' } }, "prod.json: 'batch.schedule' must have 6 cron fields (minutes hours day-of-month month day-of-week year), it has 5; got 'cron(0 2 * * ?)'"],
    ['a time zone on a rate', { inference: 'batch', batch: { schedule: 'rate(1 day)', scheduleTimezone: 'Europe/Paris' } }, "prod.json: 'batch.scheduleTimezone' only applies to a cron(...) or at(...) 'batch.schedule'; got 'Europe/Paris'"],
    ['an input outside batch-input/', { inference: 'batch', batch: { input: 'data/scoring/' } }, "prod.json: 'batch.input' must be 'batch-input/prod/' or lie under it in the stage's bucket (this stage's transform may read only there), e.g. batch-input/prod/daily/; got 'data/scoring/'"],
    ['an input in the other stage\'s folder', { inference: 'batch', batch: { input: 'batch-input/staging/' } }, "prod.json: 'batch.input' must be 'batch-input/prod/' or lie under it in the stage's bucket (this stage's transform may read only there), e.g. batch-input/prod/daily/; got 'batch-input/staging/'"],
    ['an input beside the stage folders', { inference: 'batch', batch: { input: 'batch-input/scoring/' } }, "prod.json: 'batch.input' must be 'batch-input/prod/' or lie under it in the stage's bucket (this stage's transform may read only there), e.g. batch-input/prod/daily/; got 'batch-input/scoring/'"],
    ['an output in the other stage\'s folder', { inference: 'batch', batch: { output: 'batch-output/staging/x/' } }, "prod.json: 'batch.output' must be 'batch-output/prod/' or lie under it in the stage's bucket (this stage's transform may write only there), e.g. batch-output/prod/daily/; got 'batch-output/staging/x/'"],
    ['an input URI', { inference: 'batch', batch: { input: 's3://other/batch-input/x/' } }, "prod.json: 'batch.input' must be an S3 key prefix ending in '/' (letters, digits and !_'()*=.- between slashes), e.g. batch-input/prod/; got 's3://other/batch-input/x/'"],
    ['an output in the test folder', { inference: 'batch', batch: { output: 'batch-output/smoke-test/x/' } }, "prod.json: 'batch.output' must be 'batch-output/prod/' or lie under it in the stage's bucket (this stage's transform may write only there), e.g. batch-output/prod/daily/; got 'batch-output/smoke-test/x/'"],
    ['an instance type batch transform does not offer', { inference: 'batch', batch: { instanceType: 'ml.t2.medium' } }, "prod.json: 'batch.instanceType' is not offered for batch transform; families that are: m4, c4, p2, p3, c5, m5, m6i, c6i, r6i, m7i, c7i, r7i, g4dn, g5, trn1, inf2, g6; got 'ml.t2.medium'"],
    ['a size batch transform does not offer', { inference: 'batch', batch: { instanceType: 'ml.m5.8xlarge' } }, "prod.json: 'batch.instanceType' is not offered for batch transform; ml.m5 sizes that are: large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge; got 'ml.m5.8xlarge'"],
    ['too much in flight', { inference: 'batch', batch: { maxPayloadInMB: 50, maxConcurrentTransforms: 4 } }, "prod.json: 'batch.maxConcurrentTransforms' times 'batch.maxPayloadInMB' (50) must be at most 100 (MB in flight per instance); got 4"],
    ['a payload over 100 MB', { inference: 'batch', batch: { maxPayloadInMB: 101 } }, "prod.json: 'batch.maxPayloadInMB' must be a whole number from 0 to 100; got 101"],
    ['a join without line splitting', { inference: 'batch', batch: { joinSource: 'Input', splitType: 'None' } }, "prod.json: 'batch.joinSource' needs 'batch.splitType' Line (it is None); got 'Input'"],
    ['an unknown split type', { inference: 'batch', batch: { splitType: 'line' } }, "prod.json: 'batch.splitType' must be one of None, Line, RecordIO, TFRecord; got 'line'"],
    ['a bad content type', { inference: 'batch', batch: { contentType: 'csv' } }, "prod.json: 'batch.contentType' must be a MIME type such as text/csv or application/jsonlines (at most 256 characters); got 'csv'"],
    ['an unknown batch setting', { inference: 'batch', batch: { schedulle: 'rate(1 day)' } }, expect.stringMatching(/^prod\.json: 'batch\.schedulle' is not a known setting; allowed in 'batch': schedule, /) as unknown as string],
    ['a test block in prod', { inference: 'batch', smokeTest: {} }, "prod.json: 'smokeTest' only applies to staging (the pipeline tests the staging stage); remove it; got {}"],
  ])('%s', (_name, raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });
});

describe('scheduleProblem', () => {
  test.each(['rate(1 day)', 'rate(12 hours)', 'rate(30 minutes)', 'cron(0 2 * * ? *)', 'cron(15 10 ? * MON-FRI *)', 'at(2030-01-31T23:59:00)'])('accepts %s', (expression) => {
    expect(scheduleProblem(expression)).toBeUndefined();
  });

  test.each(['rate(0 days)', 'rate(1 week)', 'cron(0 2 * * * *)', 'cron(0 2 ? * ? *)', 'at(2030-02-30T00:00:00)', 'at(2030-01-01 00:00:00)', 'none'])('refuses %s', (expression) => {
    expect(scheduleProblem(expression)).toBeDefined();
  });
});

test('transformInstanceTypeProblem knows the API\'s transform instance types', () => {
  expect(transformInstanceTypeProblem('ml.m5.large')).toBeUndefined();
  expect(transformInstanceTypeProblem('ml.g6.48xlarge')).toBeUndefined();
  expect(transformInstanceTypeProblem('ml.m4.large')).toMatch(/ml\.m4 sizes that are: xlarge/);
});
