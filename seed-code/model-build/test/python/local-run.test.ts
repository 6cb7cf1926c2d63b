/**
 * `run-pipeline --local` end to end on generated samples: the shipped abalone and churn pipelines
 * with a local Python (MODEL_BUILD_PYTHON, default /usr/bin/python3, with pandas, scikit-learn and
 * xgboost), including a re-run that hits the step cache and a gate that fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/run-pipeline';
import { codeLocations, scriptLocations } from '../../src/cli/scripts';
import { runLocal } from '../../src/local/run-local';
import { machineProbe } from '../../src/local/runtime';
import { PipelineBuilder } from '../../src/pipelines';
import { SPOT_WAIT_CHECK } from '../../src/pipelines/builders';
import { contextFor } from '../helpers/context';
import { captureIo } from '../helpers/io';
import { abaloneCsv, churnCsv } from '../helpers/samples';

const PYTHON = process.env.MODEL_BUILD_PYTHON || '/usr/bin/python3';

// Each step starts a Python that imports pandas and xgboost: seconds each on a loaded machine.
jest.setTimeout(600_000);

async function local(argv: string[]) {
  const io = captureIo({ MODEL_BUILD_PYTHON: PYTHON, AWS_REGION: 'eu-west-1' });
  const code = await main(['--local', ...argv], { io });
  return { code, out: io.out(), err: io.err() };
}

function sample(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'local-run-'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', name), content);
  return dir;
}

/** The rows of the printed step table: name, status and note. */
function table(out: string): string[][] {
  const lines = out.split('\n');
  return lines
    .slice(lines.indexOf('steps:') + 1)
    .filter((l) => l.startsWith('  '))
    .map((l) => {
      const [name, type, status, ...rest] = l.trim().split(/\s+/);
      return [name, type, status, rest.slice(2).join(' ')];
    });
}

/** Each node of the printed Mermaid graph: step name to its mark (ran, cached, failed, skipped). */
function marks(out: string): Record<string, string> {
  const graph = out.slice(out.indexOf('```mermaid\n'), out.indexOf('```\n', out.indexOf('```mermaid\n') + 3));
  return Object.fromEntries([...graph.matchAll(/ {2}s\d+\["([^"<]+)<br\/>(\w+)"\]:::(\w+)/g)].map((m) => [m[1], m[2]]));
}

/** Starts a local run now; a failure surfaces where the test awaits it, not as an unhandled rejection. */
function started(argv: string[]): Promise<Awaited<ReturnType<typeof local>>> {
  const run = local(argv);
  run.catch(() => undefined);
  return run;
}

describe('run-pipeline --local', () => {
  // The two churn runs do not depend on anything: they start together in beforeAll, beside the
  // abalone runs of the first test (every step is a Python process of its own, so they overlap on
  // two cores), and each churn test awaits its own run.
  let churnGood: ReturnType<typeof started>;
  let churnNoise: ReturnType<typeof started>;
  beforeAll(() => {
    const good = sample('churn.txt', churnCsv(400, { seed: 3 }));
    churnGood = started(['--pipeline', 'churn', '--input-data', path.join(good, 'data', 'churn.txt'), '--run-dir', path.join(good, 'run')]);
    const noise = sample('churn.txt', churnCsv(400, { seed: 5, noise: true }));
    churnNoise = started(['--pipeline', 'churn', '--input-data', path.join(noise, 'data'), '--run-dir', path.join(noise, 'run')]);
  });

  test('runs abalone end to end, records the registration, and reuses cached steps on a re-run with another training instance type', async () => {
    // GIVEN
    const dir = sample('abalone.csv', abaloneCsv(300));
    const argv = ['--pipeline', 'abalone', '--input-data', path.join(dir, 'data'), '--run-dir', path.join(dir, 'run')];

    // WHEN
    const first = await local(argv);

    // THEN
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    // with spot training, a first step checks the spot wait (runs started from Studio skip run-pipeline's check)
    for (const row of table(first.out).filter(([name]) => name === SPOT_WAIT_CHECK)) {
      expect(row).toEqual([SPOT_WAIT_CHECK, 'Condition', 'Succeeded', expect.stringMatching(/^\d+ >= \d+ is true -> if branch$/)]);
    }
    expect(table(first.out).filter(([name]) => name !== SPOT_WAIT_CHECK).map(([name, type, status]) => [name, type, status])).toEqual([
      ['PreprocessAbaloneData', 'Processing', 'Succeeded'],
      ['TrainAbaloneModel', 'Training', 'Succeeded'],
      ['EvaluateAbaloneModel', 'Processing', 'Succeeded'],
      ['CheckMSEAbaloneEvaluation', 'Condition', 'Succeeded'],
      ['RegisterAbaloneModel', 'RegisterModel', 'Succeeded'],
    ]);
    expect(first.out).toMatch(/CheckMSEAbaloneEvaluation: Succeeded \(\d+(\.\d+)? <= 6 is true -> if branch\)/);
    const file = /would register (\S+model-package\.json)/.exec(first.out)![1];
    const recorded = JSON.parse(readFileSync(file, 'utf8'));
    // abalone: 7 scaled measurements and 3 one-hot columns for sex
    expect(recorded.request.CustomerMetadataProperties).toEqual({ pipeline: 'abalone', feature_count: '10' });
    expect(recorded.request.InferenceSpecification.Containers[0].ModelDataUrl).toMatch(/\/TrainAbaloneModel\/pipelines-.*\/output\/model\.tar\.gz$/);
    expect(recorded.metrics['ModelMetrics.ModelQuality.Statistics'].regression_metrics.mse.value).toEqual(expect.any(Number));

    // WHEN run again with the same data and code, only the training instance type changed
    // (ResourceConfig is not part of the cache key)
    const second = await local([...argv, '-p', 'TrainingInstanceType=ml.m5.2xlarge']);

    // THEN the cached steps are reused, as the service would, and evaluation (not cached) reruns
    expect(second.code).toBe(0);
    const notes = Object.fromEntries(table(second.out).map(([name, , , note]) => [name, note]));
    expect(notes.PreprocessAbaloneData).toMatch(/^cache hit from local execution [0-9a-f]{12}$/);
    expect(notes.TrainAbaloneModel).toMatch(/^cache hit from local execution [0-9a-f]{12}$/);
    expect(notes.EvaluateAbaloneModel).toBe('');
    // and the run ends with the pipeline graph, each step marked, as --plan --format markdown draws it
    expect(marks(second.out)).toMatchObject({ PreprocessAbaloneData: 'cached', TrainAbaloneModel: 'cached', EvaluateAbaloneModel: 'ran', RegisterAbaloneModel: 'ran' });
    expect(readFileSync(/run report \(Markdown\): (\S+)/.exec(second.out)![1], 'utf8')).toContain('| TrainAbaloneModel | cached |');
  });

  test('runs churn end to end and registers a good model', async () => {
    const { code, out, err } = await churnGood;

    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/CheckAccuracyChurnEvaluation: Succeeded \(0\.\d+ >= 0\.8 is true -> if branch\)/);
    const recorded = JSON.parse(readFileSync(/would register (\S+)/.exec(out)![1], 'utf8'));
    expect(recorded.request.CustomerMetadataProperties).toEqual({ pipeline: 'churn', feature_count: expect.stringMatching(/^\d+$/) });
    expect(Object.keys(recorded.metrics['ModelMetrics.ModelQuality.Statistics'].binary_classification_metrics)).toEqual(
      expect.arrayContaining(['accuracy', 'auc']),
    );
  });

  test('a churn model below the accuracy threshold ends in the Fail step with the measured value, exit 1', async () => {
    const { code, out, err } = await churnNoise;

    expect(code).toBe(1);
    expect(table(out).map(([name, , status]) => [name, status]).slice(-2)).toEqual([
      ['CheckAccuracyChurnEvaluation', 'Succeeded'],
      ['FailChurnModelQuality', 'Failed'],
    ]);
    expect(marks(out)).toMatchObject({ CheckAccuracyChurnEvaluation: 'ran', FailChurnModelQuality: 'failed', RegisterChurnModel: 'skipped' });
    expect(err).toMatch(
      /^run-pipeline: local execution failed: step FailChurnModelQuality failed: Model not registered: test accuracy 0\.\d+ is below the threshold of 0\.8\n$/,
    );
  });
});

describe('run-pipeline --local with a code folder', () => {
  test('runs the entry point with its sibling modules, without installing requirements.txt', async () => {
    // GIVEN a builder pipeline whose step runs a folder: run.py imports lib/shout.py, and
    // requirements.txt names a package that does not exist (installing it would fail)
    const dir = mkdtempSync(path.join(tmpdir(), 'local-folder-'));
    mkdirSync(path.join(dir, 'code', 'lib'), { recursive: true });
    writeFileSync(path.join(dir, 'code', 'lib', '__init__.py'), '');
    writeFileSync(path.join(dir, 'code', 'lib', 'shout.py'), 'def shout(text):\n    return text.upper()\n');
    writeFileSync(
      path.join(dir, 'code', 'run.py'),
      [
        'import argparse, os',
        'from lib.shout import shout',
        'parser = argparse.ArgumentParser()',
        'parser.add_argument("--out-dir")',
        'args = parser.parse_args()',
        'open(os.path.join(args.out_dir, "result.txt"), "w").write(shout("hello"))',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'code', 'requirements.txt'), 'no-such-package-zz9==0.0.1\n');
    const code = scriptLocations({ job: path.join(dir, 'code') }, 'bucket', 'p');
    const b = new PipelineBuilder(contextFor('fixture', [], { bucket: 'bucket', pipelineName: 'p', code: codeLocations(code), kmsKeyArn: undefined }));
    const step = b.processing({ name: 'Shout', framework: 'sklearn', code: 'job', entryPoint: 'run.py', outputs: ['out'], instanceType: 'ml.m5.large' });
    const definition = JSON.parse(b.pipeline({ parameters: [], steps: [step] }).toJson());

    // WHEN
    const result = await runLocal({
      definition,
      pipelineName: 'p',
      bucket: 'bucket',
      parameters: {},
      code,
      runDir: path.join(dir, 'run'),
      python: PYTHON,
      log: () => undefined,
    });

    // THEN
    expect(result.failureReason).toBeUndefined();
    expect(result.status).toBe('Succeeded');
    const out = path.join(dir, 'run', 's3', 'bucket', 'p', result.executionId, 'Shout', 'out', 'result.txt');
    expect(readFileSync(out, 'utf8')).toBe('HELLO');
  });
});

describe("the machine's Python", () => {
  test('has a module on its path and lacks one that is not there', () => {
    const probe = machineProbe();
    expect([probe.hostHas(PYTHON, 'xgboost'), probe.hostHas(PYTHON, 'json'), probe.hostHas(PYTHON, 'no_such_module_zz9')]).toEqual([true, true, false]);
  });
});
