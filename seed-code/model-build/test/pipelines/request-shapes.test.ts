/**
 * Every job step of every shipped pipeline is a valid request of the SageMaker API
 * (CreateProcessingJob, CreateTrainingJob, CreateModelPackage), checked against the service model
 * botocore ships by test/helpers/request_shapes.py: required members, types, lengths, counts,
 * ranges, enums and patterns. Needs a `python3` with botocore (moto[server], which the TypeScript
 * tests already need, brings it); without it these tests fail, never skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PIPELINES } from '../../src/pipelines';
import { shippedContext, stepNamed } from '../helpers/context';

const CHECKER = path.join(__dirname, '..', 'helpers', 'request_shapes.py');
const PYTHON = process.env.MODEL_BUILD_SHAPES_PYTHON || 'python3';

jest.setTimeout(60_000);

function check(definitions: Record<string, unknown>): { status: number | null; lines: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'shapes-'));
  const files = Object.entries(definitions).map(([name, def]) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(def));
    return file;
  });
  const run = spawnSync(PYTHON, [CHECKER, ...files], { encoding: 'utf8' });
  if (run.error || /ModuleNotFoundError: No module named 'botocore'/.test(run.stderr)) {
    throw new Error(`${PYTHON} cannot run ${CHECKER} (${run.error?.message ?? 'no botocore'}): pip install "moto[server]==5.2.1" (brings botocore), or set MODEL_BUILD_SHAPES_PYTHON`);
  }
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`${CHECKER} crashed: ${run.stderr}`);
  }
  return { status: run.status, lines: run.stdout.trim().split('\n').filter(Boolean) };
}

const definitions = Object.fromEntries(Object.keys(PIPELINES).map((key) => [key, JSON.parse(PIPELINES[key].build(shippedContext(key)).toJson())]));

test('every job step of every shipped pipeline is a valid SageMaker API request', () => {
  expect(check(definitions)).toEqual({ status: 0, lines: [] });
});

test('the check names the step, field and rule a request breaks', () => {
  const bad = structuredClone(definitions.tensorflow);
  const train = stepNamed(bad, 'TrainTensorFlowModel');
  train.Arguments.AlgorithmSpecification.ContainerArguments.push('x'.repeat(257));
  train.Arguments.HyperParameters = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`h${i}`, '1']));
  delete stepNamed(bad, 'EvaluateTensorFlowModel').Arguments.RoleArn;
  stepNamed(bad, 'RegisterTensorFlowModel').Arguments.InferenceSpecification.Containers[0].Image = `x${'y'.repeat(255)}`;
  const { status, lines } = check({ bad });
  expect(status).toBe(1);
  expect(lines.join('\n')).toMatch(/TrainTensorFlowModel\.AlgorithmSpecification\.ContainerArguments\[\d+\]: length 257 is outside 0-256 \(CreateTrainingJob\)/);
  expect(lines.join('\n')).toMatch(/TrainTensorFlowModel\.HyperParameters: 101 entries, at most 100 allowed/);
  expect(lines.join('\n')).toMatch(/step EvaluateTensorFlowModel \(CreateProcessingJob\): Missing required parameter in input: "RoleArn"/);
  expect(lines.join('\n')).toMatch(/RegisterTensorFlowModel\.InferenceSpecification\.Containers\[0\]\.Image: length 256 is outside 0-255/);
});
