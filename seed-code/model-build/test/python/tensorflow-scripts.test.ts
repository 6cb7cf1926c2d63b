/**
 * Runs the tensorflow pipeline's script tests (test_tensorflow_scripts.py, plain Python with numpy):
 * data handling, metrics, argument parsing (with the arguments the pipeline passes), the serving
 * handlers, and the refusal without TensorFlow. Training a real model runs only where TensorFlow is
 * importable, and is reported as skipped with the reason elsewhere.
 *
 * Needs a python3 with numpy (the same interpreter as scripts.test.ts: MODEL_BUILD_PYTHON or
 * /usr/bin/python3); missing numpy fails this test, it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { PIPELINES } from '../../src/pipelines';
import { shippedContext, stepNamed } from '../helpers/context';

const PYTHON = process.env.MODEL_BUILD_PYTHON || '/usr/bin/python3';

jest.setTimeout(300_000);

test('the TensorFlow scripts pass their Python tests; training is skipped with the reason where TensorFlow is missing', () => {
  const definition = JSON.parse(PIPELINES.tensorflow.build(shippedContext('tensorflow')).toJson());
  const trainArgs = stepNamed(definition, 'TrainTensorFlowModel').Arguments.AlgorithmSpecification.ContainerArguments;
  const run = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'test_tensorflow_scripts'], {
    cwd: __dirname,
    encoding: 'utf8',
    env: { ...process.env, TF_TRAIN_ARGS: JSON.stringify(trainArgs), TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: 290_000,
  });
  if (run.error) {
    throw new Error(`cannot run ${PYTHON}: ${run.error.message}; set MODEL_BUILD_PYTHON to a python3 with numpy`);
  }
  const output = run.stderr;
  expect({ status: run.status, tail: output.trim().split('\n').slice(-3) }).toEqual({ status: 0, tail: expect.arrayContaining([expect.stringMatching(/^OK/)]) });
  expect(output).toMatch(/^Ran 14 tests/m);
  // TensorFlow may log between the test's name and its outcome.
  const training = /^test_trains_exports_for_serving_and_evaluates .*? \.\.\. (?:[^\n]*\n)*?(ok|skipped '[^']*')$/m.exec(output)?.[1];
  // Either trained for real, or skipped saying why: never passed without TensorFlow.
  expect(training).toMatch(/^(ok|skipped 'TensorFlow is not importable by this Python; it runs where tensorflow-cpu is installed \(e\.g\. on the project image\)')$/);
  if (training === 'ok') {
    expect(output).toMatch(/test_without_tensorflow_training_stops_in_one_line .* skipped/);
  }
});
