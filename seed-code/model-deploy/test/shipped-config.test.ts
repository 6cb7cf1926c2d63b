/**
 * The repository's own stage files (config/*.json) belong to the user: whatever values they hold,
 * they must be valid, name payload files that exist, and synthesize both stacks clean of cdk-nag
 * findings. Nothing here pins a value; behaviour is tested with test/fixtures/config.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { createDeployApp } from '../lib/deploy-app';
import { PAYLOADS_FOLDER } from '../lib/smoke-test-payload';
import { loadStageConfig, STAGES } from '../lib/stage-config';
import { parseSampleRows } from '../lib/smoke-test';

const ROOT = path.join(__dirname, '..');

test.each(STAGES)('config/%s.json is valid', (stage) => {
  expect(() => loadStageConfig(stage)).not.toThrow();
});

test('both stages synthesize from config/ with the cdk-nag checks attached', () => {
  // GIVEN
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipped-config-'));
  const { app, stacks } = createDeployApp({ app: new App({ outdir }), projectName: 'demo', projectId: 'p-placeholder0000' });

  // WHEN a cdk-nag finding or a template error would throw
  const assembly = app.synth();

  // THEN
  for (const stage of STAGES) {
    const template = assembly.getStackArtifact(stacks[stage].artifactId).template;
    // An endpoint, or (after "inference": "batch" in the stage file) a schedule of batch runs.
    if (loadStageConfig(stage).inference === 'batch') {
      expect(template.Resources.Schedule.Properties.Target.RoleArn).toEqual({ Ref: 'BatchScheduleRoleArn' });
    } else {
      expect(template.Resources.Endpoint.Properties.EndpointName).toBe(`demo-${stage}`);
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
});

test('the payload files the smoke test may send are CSV rows of one width, all numbers', () => {
  const configured = loadStageConfig('staging').smokeTest?.samplePayloadFile;
  const files = [
    ...fs.readdirSync(path.join(ROOT, PAYLOADS_FOLDER)).filter((f) => f.endsWith('.csv')).map((f) => `${PAYLOADS_FOLDER}/${f}`),
    ...(configured ? [configured] : []),
  ];
  expect(files).toContain(`${PAYLOADS_FOLDER}/abalone.csv`);
  for (const file of files) {
    const rows = parseSampleRows(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
    expect({ file, widths: [...new Set(rows.map((r) => r.split(',').length))].length }).toEqual({ file, widths: 1 });
    expect({ file, numeric: rows.every((r) => r.split(',').every((v) => v.trim() !== '' && Number.isFinite(Number(v)))) }).toEqual({ file, numeric: true });
  }
});

test('cdk.json sets every feature flag aws-cdk-lib recommends, as cdk init does', () => {
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  const recommended = require('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;
  expect(Object.fromEntries(Object.keys(recommended).map((flag) => [flag, context[flag]]))).toEqual(recommended);
});
