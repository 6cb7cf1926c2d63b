/**
 * Runs preprocess.py, the training step's equivalent (the xgboost package with the pipeline's
 * hyperparameters, saved the way SageMaker's XGBoost container saves models) and evaluate.py
 * locally on a small generated abalone-shaped sample.
 *
 * Needs a python3 with pandas, scikit-learn and xgboost: Debian's /usr/bin/python3 with
 * `apt-get install python3-pandas python3-sklearn python3-xgboost`, or the interpreter named by
 * MODEL_BUILD_PYTHON. Missing modules fail these tests; they are never skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HYPERPARAMETERS, abalone } from '../../src/pipelines/abalone/pipeline';

const PYTHON = process.env.MODEL_BUILD_PYTHON || '/usr/bin/python3';

// Each python start imports pandas and scikit-learn; on a busy 2-core machine that takes seconds.
jest.setTimeout(120_000);

/** Runs the interpreter asynchronously, so independent scripts can run side by side. */
function python(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${PYTHON}: ${error.message}`)));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A deterministic abalone-shaped CSV (no header), with a few missing feature values. */
function abaloneCsv(rows: number): string {
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const length = 0.15 + random() * 0.6;
    const sex = ['M', 'F', 'I'][Math.floor(random() * 3)];
    const rings = Math.max(1, Math.round(2 + length * 18 + (random() - 0.5) * 3));
    const values = [
      sex,
      length.toFixed(3),
      (length * 0.8).toFixed(3),
      (length * 0.25).toFixed(3),
      (length * length * 2.5).toFixed(4),
      (length * length).toFixed(4),
      (length * length * 0.5).toFixed(4),
      (length * length * 0.7).toFixed(4),
      String(rings),
    ];
    if (i % 37 === 5) {
      values[2] = ''; // imputed by preprocess.py
    }
    lines.push(values.join(','));
  }
  return lines.join('\n') + '\n';
}

function readCsv(file: string): number[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number));
}

function workdir(): string {
  return mkdtempSync(path.join(tmpdir(), 'abalone-'));
}

function preprocess(input: string, output: string, extra: string[] = []) {
  return python([abalone.scripts.preprocess, '--input-dir', input, '--output-dir', output, ...extra]);
}

/** Trains like the pipeline's training step and packs `xgboost-model` into model.tar.gz. */
const TRAIN = `
import json, os, sys, tarfile
import pandas as pd
import xgboost as xgb
data_dir, model_dir, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def load(name):
    frame = pd.read_csv(os.path.join(data_dir, name, name + ".csv"), header=None)
    return xgb.DMatrix(frame.iloc[:, 1:].values, label=frame.iloc[:, 0].values)
rounds = int(params.pop("num_round"))
booster = xgb.train(params, load("train"), num_boost_round=rounds, evals=[(load("validation"), "validation")], verbose_eval=False)
os.makedirs(model_dir, exist_ok=True)
booster.save_model(os.path.join(model_dir, "xgboost-model"))
with tarfile.open(os.path.join(model_dir, "model.tar.gz"), "w:gz") as tar:
    tar.add(os.path.join(model_dir, "xgboost-model"), arcname="xgboost-model")
`;

beforeAll(() => {
  const probe = spawnSync(PYTHON, ['-c', 'import pandas, sklearn, xgboost'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import pandas, sklearn and xgboost (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()}): ` +
        'install them with `apt-get install python3-pandas python3-sklearn python3-xgboost`, ' +
        'or set MODEL_BUILD_PYTHON to an interpreter that has them',
    );
  }
});

/** One preprocessed sample shared by the tests below: each python start costs about a second. */
let dir: string;
let first: Awaited<ReturnType<typeof python>>;
beforeAll(async () => {
  dir = workdir();
  mkdirSync(path.join(dir, 'input'));
  writeFileSync(path.join(dir, 'input', 'abalone-dataset.csv'), abaloneCsv(300));
  first = await preprocess(path.join(dir, 'input'), path.join(dir, 'data'));
});

describe('preprocess.py', () => {
  test('writes headerless 70/15/15 train, validation and test CSVs with the label first', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const rows = Object.fromEntries(
      ['train', 'validation', 'test'].map((split) => [split, readCsv(path.join(dir, 'data', split, `${split}.csv`))]),
    );
    expect([rows.train.length, rows.validation.length, rows.test.length]).toEqual([210, 45, 45]);
    for (const split of Object.values(rows)) {
      for (const row of split) {
        // label, 7 scaled numeric features, 3 one-hot columns for sex (F, I, M)
        expect(row).toHaveLength(11);
        expect(row.every(Number.isFinite)).toBe(true);
        expect(Number.isInteger(row[0]) && row[0] >= 1).toBe(true);
        expect(row.slice(8).sort()).toEqual([0, 0, 1]);
      }
    }
  });

  test('is deterministic: the same input and seed give byte-identical splits, another seed another order', async () => {
    await Promise.all([
      preprocess(path.join(dir, 'input'), path.join(dir, 'again')),
      preprocess(path.join(dir, 'input'), path.join(dir, 'seed7'), ['--seed', '7']),
    ]);
    const read = (out: string) => readFileSync(path.join(dir, out, 'train', 'train.csv'), 'utf8');
    expect(read('again')).toBe(read('data'));
    expect(read('seed7')).not.toBe(read('data'));
  });

  test('accepts a header row, and fails when the input directory holds no CSV', async () => {
    const input = path.join(dir, 'with-header');
    const empty = path.join(dir, 'empty');
    mkdirSync(input);
    mkdirSync(empty);
    writeFileSync(
      path.join(input, 'data.csv'),
      'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\n' + abaloneCsv(20),
    );
    const [withHeader, none] = await Promise.all([
      preprocess(input, path.join(dir, 'header-out')),
      preprocess(empty, path.join(dir, 'none')),
    ]);
    expect(withHeader.status).toBe(0);
    expect(readdirSync(path.join(dir, 'header-out')).sort()).toEqual(['test', 'train', 'validation']);
    expect(readCsv(path.join(dir, 'header-out', 'train', 'train.csv'))).toHaveLength(14);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain(`no .csv file found under ${empty}`);
  });
});

describe('training equivalent and evaluate.py', () => {
  test('evaluate.py writes evaluation.json with exactly the regression_metrics.mse shape', async () => {
    // GIVEN the shared preprocessed data and a model trained with the pipeline's hyperparameters
    const train = await python(['-c', TRAIN, path.join(dir, 'data'), path.join(dir, 'model'), JSON.stringify(HYPERPARAMETERS)]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);

    // WHEN
    const result = await python([
      abalone.scripts.evaluate,
      '--model-dir',
      path.join(dir, 'model'),
      '--test-dir',
      path.join(dir, 'data', 'test'),
      '--output-dir',
      path.join(dir, 'evaluation'),
    ]);

    // THEN
    expect(result.status).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'evaluation', 'evaluation.json'), 'utf8'));
    expect(report).toEqual({
      regression_metrics: { mse: { value: expect.any(Number), standard_deviation: expect.any(Number) } },
    });
    const { value, standard_deviation: std } = report.regression_metrics.mse;
    expect(value).toBeGreaterThanOrEqual(0);
    // rings follow length closely in the sample, so a working model passes the pipeline's gate
    expect(value).toBeLessThan(6);
    // MSE = variance of the errors + squared mean error, so it is at least the variance
    expect(value).toBeGreaterThanOrEqual(std * std - 1e-9);
  });

  test('fails when model.tar.gz does not contain xgboost-model', async () => {
    const bad = workdir();
    mkdirSync(path.join(bad, 'model'));
    writeFileSync(path.join(bad, 'other'), 'x');
    const tar = spawnSync('tar', ['-czf', path.join(bad, 'model', 'model.tar.gz'), '-C', bad, 'other']);
    expect(tar.status).toBe(0);
    const result = await python([abalone.scripts.evaluate, '--model-dir', path.join(bad, 'model'), '--test-dir', bad, '--output-dir', bad]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("model.tar.gz does not contain 'xgboost-model'");
  });
});
