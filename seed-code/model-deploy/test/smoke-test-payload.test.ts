import * as path from 'path';
import { chooseSmokeTestPayload, payloadForRun } from '../lib/smoke-test-payload';

const ROOT = path.join(__dirname, '..');
const PACKAGE = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1';

describe('payloadForRun (the test action)', () => {
  test.each<[string, Parameters<typeof payloadForRun>[0], string, string]>([
    ['the command line wins', { argument: 'x.csv', exported: 'smoke-test/payloads/churn.csv' }, 'x.csv', 'named on the command line'],
    ["the build's choice comes next", { exported: ' smoke-test/payloads/churn.csv ', configured: 'y.csv' }, 'smoke-test/payloads/churn.csv', '(SMOKE_TEST_PAYLOAD)'],
    ['then the staging file', { exported: '', configured: 'y.csv' }, 'y.csv', 'smokeTest.samplePayloadFile'],
    ["then abalone's, saying why", {}, 'smoke-test/payloads/abalone.csv', 'SMOKE_TEST_PAYLOAD is not set'],
  ])('%s', (_, options, file, message) => {
    const log: string[] = [];
    expect(payloadForRun({ ...options, log: (l) => log.push(l) })).toBe(file);
    expect(log.join('\n')).toContain(message);
  });

  test('fails when SMOKE_TEST_PAYLOAD leaves the repository', () => {
    expect(() => payloadForRun({ exported: '/etc/passwd' })).toThrow("SMOKE_TEST_PAYLOAD must be a path inside the repository, relative to its root; got '/etc/passwd'");
  });
});

describe('chooseSmokeTestPayload (the build action)', () => {
  test.each<[string | undefined, string]>([
    ['churn', 'smoke-test/payloads/churn.csv'],
    ['abalone', 'smoke-test/payloads/abalone.csv'],
    ['tensorflow', 'smoke-test/payloads/tensorflow.csv'],
    [undefined, 'smoke-test/payloads/abalone.csv'],
  ])('pipeline %s: %s', (pipeline, file) => {
    expect(chooseSmokeTestPayload({ pipeline, configuredFile: undefined, repositoryRoot: ROOT, modelPackageArn: PACKAGE })).toBe(file);
  });

  test('fails when the configured file does not exist', () => {
    expect(() => chooseSmokeTestPayload({ pipeline: 'churn', configuredFile: 'smoke-test/none.csv', repositoryRoot: ROOT, modelPackageArn: PACKAGE }))
      .toThrow(`No smoke-test payload smoke-test/none.csv for model package ${PACKAGE}`);
  });
});
