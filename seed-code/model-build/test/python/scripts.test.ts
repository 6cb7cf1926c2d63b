/**
 * Runs preprocess.py, the training step's equivalent (the xgboost package with the pipeline's
 * hyperparameters, saved the way SageMaker's XGBoost container saves models) and evaluate.py
 * locally on a small generated abalone-shaped sample.
 *
 * Needs a python3 with pandas, scikit-learn and xgboost: Debian's /usr/bin/python3 with
 * `apt-get install python3-pandas python3-sklearn python3-xgboost`, or the interpreter named by
 * MODEL_BUILD_PYTHON. Missing modules fail these tests; they are never skipped.
 *
 * Every script runs once, in beforeAll, through test/helpers/run_scripts.py: one interpreter
 * imports pandas, scikit-learn and xgboost once and runs each script as `python3 script args`
 * would (its own argv, exit status, stdout and stderr); the tests assert on those runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HYPERPARAMETERS, abalone } from '../../src/pipelines/abalone/pipeline';
import { HYPERPARAMETERS as CHURN_HYPERPARAMETERS, churn } from '../../src/pipelines/churn/pipeline';
import { abaloneCsv, churnCsv } from '../helpers/samples';

const PYTHON = process.env.MODEL_BUILD_PYTHON || '/usr/bin/python3';

// One python start imports pandas, scikit-learn and xgboost: seconds on a busy 2-core machine.
jest.setTimeout(120_000);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the driver (test/helpers/run_scripts.py) and rejects when the driver itself failed. */
function driver(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(__dirname, '..', 'helpers', 'run_scripts.py'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 110_000 });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${PYTHON}: ${error.message}`)));
    child.on('close', (status) => {
      if (status === 0) {
        resolve();
      } else {
        reject(new Error(
          `${PYTHON} cannot run the scripts (${stderr.trim().split('\n').pop()}): ` +
            'install pandas, sklearn and xgboost with `apt-get install python3-pandas python3-sklearn python3-xgboost`, ' +
            'or set MODEL_BUILD_PYTHON to an interpreter that has them',
        ));
      }
    });
  });
}

/**
 * Runs each `[script, ...args]` as `python3 script args` would, in order, in ONE interpreter that
 * imports pandas, scikit-learn and xgboost once (test/helpers/run_scripts.py): each job still gets
 * its own exit status, stdout and stderr.
 */
async function runScripts(jobs: string[][]): Promise<Run[]> {
  const io = mkdtempSync(path.join(tmpdir(), 'run-scripts-'));
  const files = jobs.map((argv, i) => ({ argv, stdout: path.join(io, `${i}.out`), stderr: path.join(io, `${i}.err`) }));
  writeFileSync(path.join(io, 'jobs.json'), JSON.stringify(files));
  await driver([path.join(io, 'jobs.json'), path.join(io, 'results.json')]);
  const statuses: number[] = JSON.parse(readFileSync(path.join(io, 'results.json'), 'utf8'));
  return files.map((f, i) => ({ status: statuses[i], stdout: readFileSync(f.stdout, 'utf8'), stderr: readFileSync(f.stderr, 'utf8') }));
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

function preprocess(input: string, output: string, extra: string[] = []): string[] {
  return [abalone.code.preprocess, '--input-dir', input, '--output-dir', output, ...extra];
}

/** The local stand-in of the built-in XGBoost algorithm the local run uses. */
const TRAIN = path.join(__dirname, '..', '..', 'src', 'local', 'xgboost_train.py');

function train(dataDir: string, modelDir: string, hyperparameters: Record<string, string>): string[] {
  return [
    TRAIN,
    '--hyperparameters', JSON.stringify(hyperparameters),
    '--channel', `train=${path.join(dataDir, 'train')}`,
    '--channel', `validation=${path.join(dataDir, 'validation')}`,
    '--model-dir', modelDir,
  ];
}

/** A churn sample through preprocess, training and evaluate (the jobs, in order). */
function churnJobs(csv: string) {
  const root = workdir();
  mkdirSync(path.join(root, 'input'));
  writeFileSync(path.join(root, 'input', 'churn.txt'), csv);
  return {
    root,
    jobs: [
      [churn.code.preprocess, '--data-dir', path.join(root, 'input'), '--output-dir', path.join(root, 'data')],
      train(path.join(root, 'data'), path.join(root, 'model'), CHURN_HYPERPARAMETERS),
      [churn.code.evaluate, '--model-dir', path.join(root, 'model'), '--test-dir', path.join(root, 'data', 'test'), '--evaluation-dir', path.join(root, 'evaluation')],
    ],
  };
}

/**
 * Every script run of this file, prepared and run once, in one interpreter; the tests below
 * assert on the runs' statuses, output and files.
 */
let dir: string;
let bad: string;
type BadInput =
  | 'abaloneMissingColumn'
  | 'abaloneExtraColumn'
  | 'abaloneHeaderMismatch'
  | 'abaloneEmpty'
  | 'churnMissingFeature'
  | 'churnExtraColumn'
  | 'churnWithoutDropped'
  | 'churnEmpty'
  | 'churnHeaderOnly';
const badRuns: Record<BadInput, Run> = {} as never;
const badFiles: Record<BadInput, string> = {} as never;
let tarStatus: number | null;
const churnRuns: Record<'good' | 'noise', { root: string; prep: Run; trained: Run; evaluated: Run }> = {} as never;
const runs: Record<'first' | 'again' | 'seed7' | 'withHeader' | 'none' | 'trained' | 'evaluated' | 'badModel', Run> = {} as never;
beforeAll(async () => {
  // abalone: one sample, preprocessed with the default seed twice and with another seed once
  dir = workdir();
  mkdirSync(path.join(dir, 'input'));
  writeFileSync(path.join(dir, 'input', 'abalone-dataset.csv'), abaloneCsv(300));
  const input = path.join(dir, 'with-header');
  mkdirSync(input);
  mkdirSync(path.join(dir, 'empty'));
  writeFileSync(
    path.join(input, 'data.csv'),
    'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\n' + abaloneCsv(20),
  );
  // a model archive without xgboost-model
  bad = workdir();
  mkdirSync(path.join(bad, 'model'));
  writeFileSync(path.join(bad, 'other'), 'x');
  tarStatus = spawnSync('tar', ['-czf', path.join(bad, 'model', 'model.tar.gz'), '-C', bad, 'other']).status;
  const good = churnJobs(churnCsv(400, { seed: 3 }));
  const noise = churnJobs(churnCsv(400, { seed: 5, noise: true }));
  // inputs that do not fit the pipelines, one folder each
  const abaloneRows = abaloneCsv(30).trim().split('\n');
  const churnLines = churnCsv(30, { seed: 3 }).trim().split('\n');
  const churnWithout = (column: string) => {
    const index = churnLines[0].split(',').indexOf(column);
    return churnLines.map((line) => line.split(',').filter((_, i) => i !== index).join(',')).join('\n') + '\n';
  };
  const badInputs: Record<BadInput, [script: string, file: string, content: string]> = {
    abaloneMissingColumn: [abalone.code.preprocess, 'abalone.csv', abaloneRows.map((r) => r.split(',').slice(0, 8).join(',')).join('\n') + '\n'],
    abaloneExtraColumn: [abalone.code.preprocess, 'abalone.csv', abaloneRows.map((r) => `${r},1`).join('\n') + '\n'],
    abaloneHeaderMismatch: [
      abalone.code.preprocess,
      'abalone.csv',
      'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,weight,rings\n' + abaloneRows.join('\n') + '\n',
    ],
    abaloneEmpty: [abalone.code.preprocess, 'abalone.csv', ''],
    churnMissingFeature: [churn.code.preprocess, 'churn.txt', churnWithout('Eve Calls')],
    churnExtraColumn: [churn.code.preprocess, 'churn.txt', churnLines.map((line, i) => `${line},${i === 0 ? 'Notes' : 'x'}`).join('\n') + '\n'],
    churnWithoutDropped: [churn.code.preprocess, 'churn.txt', churnWithout('Phone')],
    churnEmpty: [churn.code.preprocess, 'churn.txt', ''],
    churnHeaderOnly: [churn.code.preprocess, 'churn.txt', churnLines[0] + '\n'],
  };
  const badJobs = Object.entries(badInputs).map(([name, [script, file, content]]) => {
    mkdirSync(path.join(dir, 'bad', name), { recursive: true });
    badFiles[name as BadInput] = path.join(dir, 'bad', name, file);
    writeFileSync(badFiles[name as BadInput], content);
    const dataFlag = script === abalone.code.preprocess ? '--input-dir' : '--data-dir';
    return [script, dataFlag, path.join(dir, 'bad', name), '--output-dir', path.join(dir, 'bad-out', name)];
  });

  const results = await runScripts([
    preprocess(path.join(dir, 'input'), path.join(dir, 'data')),
    preprocess(path.join(dir, 'input'), path.join(dir, 'again')),
    preprocess(path.join(dir, 'input'), path.join(dir, 'seed7'), ['--seed', '7']),
    preprocess(input, path.join(dir, 'header-out')),
    preprocess(path.join(dir, 'empty'), path.join(dir, 'none')),
    train(path.join(dir, 'data'), path.join(dir, 'model'), HYPERPARAMETERS),
    [abalone.code.evaluate, '--model-dir', path.join(dir, 'model'), '--test-dir', path.join(dir, 'data', 'test'), '--output-dir', path.join(dir, 'evaluation')],
    [abalone.code.evaluate, '--model-dir', path.join(bad, 'model'), '--test-dir', bad, '--output-dir', bad],
    ...good.jobs,
    ...noise.jobs,
    ...badJobs,
  ]);
  [runs.first, runs.again, runs.seed7, runs.withHeader, runs.none, runs.trained, runs.evaluated, runs.badModel] = results;
  const [gp, gt, ge, np, nt, ne] = results.slice(8);
  churnRuns.good = { root: good.root, prep: gp, trained: gt, evaluated: ge };
  churnRuns.noise = { root: noise.root, prep: np, trained: nt, evaluated: ne };
  Object.keys(badInputs).forEach((name, i) => (badRuns[name as BadInput] = results[14 + i]));
});

describe('preprocess.py', () => {
  test('writes headerless 70/15/15 train, validation and test CSVs with the label first', () => {
    expect(runs.first.stderr).toBe('');
    expect(runs.first.status).toBe(0);
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

  test('is deterministic: the same input and seed give byte-identical splits, another seed another order', () => {
    expect([runs.again.status, runs.seed7.status]).toEqual([0, 0]);
    const read = (out: string) => readFileSync(path.join(dir, out, 'train', 'train.csv'), 'utf8');
    expect(read('again')).toBe(read('data'));
    expect(read('seed7')).not.toBe(read('data'));
  });

  test('accepts a header row, and fails when the input directory holds no CSV', () => {
    expect(runs.withHeader.status).toBe(0);
    expect(readdirSync(path.join(dir, 'header-out')).sort()).toEqual(['test', 'train', 'validation']);
    expect(readCsv(path.join(dir, 'header-out', 'train', 'train.csv'))).toHaveLength(14);
    expect(runs.none.status).not.toBe(0);
    expect(runs.none.stderr).toContain(`no .csv file found under ${path.join(dir, 'empty')}`);
  });
});

describe('preprocess.py on data that does not fit the pipeline', () => {
  test.each<[BadInput, string]>([
    ['abaloneMissingColumn', 'has 8 columns; the abalone data has 9 (sex, length, diameter, height, whole_weight, shucked_weight, viscera_weight, shell_weight, rings), read by position when there is no header row'],
    ['abaloneExtraColumn', 'has 10 columns; the abalone data has 9'],
    ['abaloneHeaderMismatch', 'header columns do not match the abalone data (missing shell_weight; extra weight)'],
    ['abaloneEmpty', 'is empty'],
    ['churnMissingFeature', 'columns do not match the churn data (missing Eve Calls)'],
    ['churnExtraColumn', 'columns do not match the churn data (extra Notes)'],
    ['churnEmpty', 'is empty'],
    ['churnHeaderOnly', 'is empty (a header row and no data)'],
  ])('%s: fails naming the file and what is wrong', (name, message) => {
    expect(badRuns[name].status).toBe(1);
    expect(badRuns[name].stderr.trim()).toBe(badRuns[name].stderr.trim().split('\n').pop());
    expect(badRuns[name].stderr).toContain(`input file ${badFiles[name]}`);
    expect(badRuns[name].stderr).toContain(message);
  });

  test('churn data without a column the script drops anyway is fine', () => {
    expect(badRuns.churnWithoutDropped.stderr).toBe('');
    expect(badRuns.churnWithoutDropped.status).toBe(0);
  });
});

describe('training equivalent and evaluate.py', () => {
  test('evaluate.py writes evaluation.json with exactly the regression_metrics.mse shape', () => {
    // GIVEN the shared preprocessed data and a model trained with the pipeline's hyperparameters
    expect(runs.trained.stderr).toBe('');
    expect(runs.trained.status).toBe(0);

    // WHEN evaluated (in beforeAll)
    // THEN
    expect(runs.evaluated.status).toBe(0);
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

  test('fails when model.tar.gz does not contain xgboost-model', () => {
    expect(tarStatus).toBe(0);
    expect(runs.badModel.status).not.toBe(0);
    expect(runs.badModel.stderr).toContain("model.tar.gz does not contain 'xgboost-model'");
  });
});

describe('churn preprocess.py and evaluate.py', () => {
  /** The churn runs of a sample (in beforeAll), each step checked to have succeeded. */
  function churnRun(name: 'good' | 'noise') {
    const { root, prep, trained, evaluated } = churnRuns[name];
    expect(prep.stderr).toBe('');
    expect(prep.status).toBe(0);
    expect(trained.status).toBe(0);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.status).toBe(0);
    return { root, report: JSON.parse(readFileSync(path.join(root, 'evaluation', 'evaluation.json'), 'utf8')) };
  }

  test('preprocess writes label-first numeric splits and evaluate writes binary_classification_metrics', () => {
    // GIVEN a walkthrough-shaped sample whose churn follows service calls and day minutes
    const { root, report } = churnRun('good');

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

  test('labels unrelated to the features give an accuracy the gate refuses', () => {
    const { report } = churnRun('noise');
    expect(report.binary_classification_metrics.accuracy.value).toBeLessThan(0.8);
  });
});
