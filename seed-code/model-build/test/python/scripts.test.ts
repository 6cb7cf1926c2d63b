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
import { HYPERPARAMETERS as CHURN_HYPERPARAMETERS, churn } from '../../src/pipelines/churn/pipeline';
import { abaloneCsv, churnCsv } from '../helpers/samples';

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
  return python([abalone.code.preprocess, '--input-dir', input, '--output-dir', output, ...extra]);
}

/** The local stand-in of the built-in XGBoost algorithm the local run uses. */
const TRAIN = path.join(__dirname, '..', '..', 'src', 'local', 'xgboost_train.py');

function train(dataDir: string, modelDir: string, hyperparameters: Record<string, string>) {
  return python([
    TRAIN,
    '--hyperparameters', JSON.stringify(hyperparameters),
    '--channel', `train=${path.join(dataDir, 'train')}`,
    '--channel', `validation=${path.join(dataDir, 'validation')}`,
    '--model-dir', modelDir,
  ]);
}

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
    const trained = await train(path.join(dir, 'data'), path.join(dir, 'model'), HYPERPARAMETERS);
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);

    // WHEN
    const result = await python([
      abalone.code.evaluate,
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
    // the model's input width, recorded at registration for the deploy repository's smoke test
    expect(JSON.parse(readFileSync(path.join(dir, 'evaluation', 'model-input.json'), 'utf8'))).toEqual({ feature_count: 10 });
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
    const result = await python([abalone.code.evaluate, '--model-dir', path.join(bad, 'model'), '--test-dir', bad, '--output-dir', bad]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("model.tar.gz does not contain 'xgboost-model'");
  });
});

describe('churn preprocess.py and evaluate.py', () => {
  async function runChurn(name: string, csv: string) {
    const root = workdir();
    mkdirSync(path.join(root, 'input'));
    writeFileSync(path.join(root, 'input', 'churn.txt'), csv);
    const prep = await python([churn.code.preprocess, '--data-dir', path.join(root, 'input'), '--output-dir', path.join(root, 'data')]);
    expect(prep.stderr).toBe('');
    expect(prep.status).toBe(0);
    const trained = await train(path.join(root, 'data'), path.join(root, 'model'), CHURN_HYPERPARAMETERS);
    expect(trained.status).toBe(0);
    const evaluated = await python([
      churn.code.evaluate,
      '--model-dir', path.join(root, 'model'),
      '--test-dir', path.join(root, 'data', 'test'),
      '--evaluation-dir', path.join(root, 'evaluation'),
    ]);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.status).toBe(0);
    return { root, name, report: JSON.parse(readFileSync(path.join(root, 'evaluation', 'evaluation.json'), 'utf8')) };
  }

  test('preprocess writes label-first numeric splits and evaluate writes binary_classification_metrics', async () => {
    // GIVEN a walkthrough-shaped sample whose churn follows service calls and day minutes
    const { root, report } = await runChurn('good', churnCsv(400, { seed: 3 }));

    // THEN the splits are headerless numbers with a 0/1 label first
    const rows = readCsv(path.join(root, 'data', 'train', 'train.csv'));
    expect(rows).toHaveLength(280);
    expect(rows.every((r) => (r[0] === 0 || r[0] === 1) && r.every(Number.isFinite))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(root, 'evaluation', 'model-input.json'), 'utf8'))).toEqual({ feature_count: rows[0].length - 1 });
    // AND the report has the registry's binary classification shape, passing the gate
    const metric = { value: expect.any(Number), standard_deviation: expect.any(Number) };
    expect(report).toEqual({
      binary_classification_metrics: { accuracy: metric, auc: metric, precision: metric, recall: metric, f1: metric },
    });
    expect(report.binary_classification_metrics.accuracy.value).toBeGreaterThanOrEqual(0.8);
    expect(report.binary_classification_metrics.auc.value).toBeGreaterThan(0.8);
  });

  test('labels unrelated to the features give an accuracy the gate refuses', async () => {
    const { report } = await runChurn('noise', churnCsv(400, { seed: 5, noise: true }));
    expect(report.binary_classification_metrics.accuracy.value).toBeLessThan(0.8);
  });
});
