/**
 * Where a local run's job steps run: in their image when a container engine can get it, else with
 * the host Python, and refused in one line, before any step runs, when the host lacks a framework
 * the step's script imports. The machine is replaced by an injected probe.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scriptLocations } from '../../src/cli/scripts';
import { runLocal } from '../../src/local/run-local';
import { ContainerEngine, RuntimeProbe, containerCommand, importedFrameworks, planRuntimes } from '../../src/local/runtime';
import { LocalRunUnsupportedError } from '../../src/local/types';
import { PIPELINES } from '../../src/pipelines';
import { PROJECT_IMAGES, shippedContext } from '../helpers/context';

const ctx = shippedContext('tensorflow');
const definition = JSON.parse(PIPELINES.tensorflow.build(ctx).toJson());
const code = scriptLocations(PIPELINES.tensorflow.code, ctx.bucket, ctx.pipelineName);
const abalone = JSON.parse(PIPELINES.abalone.build(shippedContext('abalone')).toJson());
const abaloneCode = scriptLocations(PIPELINES.abalone.code, ctx.bucket, 'abalone-p-abc123');

/** A machine: which engine answers, which images it can get, which modules the host Python has. */
function probe(options: { engine?: ContainerEngine; images?: Record<string, string | undefined>; host?: string[] }): RuntimeProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    engine: () => options.engine,
    prepareImage: (_engine, image) => {
      asked.push(image);
      return Object.prototype.hasOwnProperty.call(options.images ?? {}, image) ? options.images![image] : 'manifest unknown';
    },
    hostHas: (_python, module) => (options.host ?? []).includes(module),
  };
}

const plan = (machine: RuntimeProbe, def = definition, scripts = code, bucket = ctx.bucket) =>
  planRuntimes({ definition: def, code: scripts, bucket, python: '/usr/bin/python3', probe: machine, log: () => undefined });

describe('local runtimes', () => {
  test('with an engine that gets the images, every script step runs in its image', () => {
    const machine = probe({ engine: 'podman', images: { [PROJECT_IMAGES.tensorflow]: undefined, [definition.Steps[0].Arguments.AppSpecification.ImageUri]: undefined } });
    const runtimes = plan(machine);
    expect(Object.fromEntries(runtimes)).toEqual({
      PreprocessTensorFlowData: { kind: 'container', engine: 'podman', image: expect.stringContaining('/sagemaker-scikit-learn:') },
      TrainTensorFlowModel: { kind: 'container', engine: 'podman', image: PROJECT_IMAGES.tensorflow },
      EvaluateTensorFlowModel: { kind: 'container', engine: 'podman', image: PROJECT_IMAGES.tensorflow },
    });
    // each image is prepared once per run
    expect(machine.asked).toHaveLength(2);
  });

  test('without an engine, steps whose frameworks the host has run on the host, saying why', () => {
    const runtimes = plan(probe({ host: ['tensorflow', 'sklearn', 'pandas'] }));
    expect(runtimes.get('TrainTensorFlowModel')).toEqual({ kind: 'host', note: 'no container engine (docker or podman) answers' });
    expect(runtimes.size).toBe(3);
  });

  test('a step importing a framework the host lacks, without its image, is refused in one line', () => {
    const attempt = () => plan(probe({ host: ['sklearn', 'pandas'] }));
    expect(attempt).toThrow(LocalRunUnsupportedError);
    expect(attempt).toThrow(
      "step 'TrainTensorFlowModel' imports tensorflow, which /usr/bin/python3 cannot import, and cannot run in its image (no container engine (docker or podman) answers): " +
        'install tensorflow-cpu==2.19.0 into that Python (or set MODEL_BUILD_PYTHON to one that has it), or run where docker or podman can build or pull the image',
    );
  });

  test('the refusal names why the engine could not get the image', () => {
    const machine = probe({ engine: 'docker', images: { [definition.Steps[0].Arguments.AppSpecification.ImageUri]: undefined, [PROJECT_IMAGES.tensorflow]: 'pulling failed: no basic auth credentials' } });
    let message = '';
    try {
      plan({ ...machine, hostHas: (_p, m) => m !== 'tensorflow' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`cannot run in its image (docker cannot get its image ${PROJECT_IMAGES.tensorflow}: pulling failed: no basic auth credentials)`);
    expect(message).not.toContain('\n');
  });

  test('the built-in XGBoost training keeps its host stand-in; the abalone steps run on a host with their frameworks', () => {
    const runtimes = plan(probe({ host: ['sklearn', 'pandas', 'xgboost'] }), abalone, abaloneCode, 'sagemaker-project-p-abc123');
    expect([...runtimes.keys()]).toEqual(['PreprocessAbaloneData', 'EvaluateAbaloneModel']);
  });

  test('runLocal refuses before any step runs, and asks for no engine when no job step runs', async () => {
    const lines: string[] = [];
    const options = { pipelineName: 'p', bucket: ctx.bucket, parameters: {}, code, runDir: mkdtempSync(path.join(tmpdir(), 'rt-')), python: '/usr/bin/python3', log: (l: string) => lines.push(l) };
    await expect(runLocal({ ...options, definition, runtime: probe({ host: [] }) })).rejects.toThrow(/^step 'PreprocessTensorFlowData' imports pandas, sklearn, which \/usr\/bin\/python3 cannot import/);
    expect(lines).toEqual([]);
    let asked = false;
    const gateOnly = { ...definition, Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'x' } }] };
    await runLocal({ ...options, definition: gateOnly, runtime: { ...probe({}), engine: () => { asked = true; return undefined; } } });
    expect(asked).toBe(false);
  });

  test('frameworks are found in imports at any indentation, not in other words', () => {
    expect(importedFrameworks('import os\nfrom sklearn.pipeline import x\ndef f():\n    import tensorflow as tf\n# import torch\nimport pandas_extra\n')).toEqual(['sklearn', 'tensorflow']);
  });

  test('the container command mounts the step folder at /opt/ml and runs the entry point in the image', () => {
    expect(containerCommand({ kind: 'container', engine: 'podman', image: 'img@sha256:1' }, '/run/x/Step', ['python3', '/opt/ml/input/data/code/train.py', '--epochs', '2'], { A: 'b' })).toEqual([
      'podman', 'run', '--rm', '--volume', '/run/x/Step/opt/ml:/opt/ml', '--env', 'A=b', '--entrypoint', 'python3', 'img@sha256:1', '/opt/ml/input/data/code/train.py', '--epochs', '2',
    ]);
  });
});
