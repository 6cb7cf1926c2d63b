/**
 * Where each job step of a local run runs: in its container image, when a container engine
 * (docker or podman) answers and the image is there or can be built (a project image,
 * `containers/<name>/` at the content tag the URI names) or pulled; otherwise with the host Python.
 * A step whose script imports a framework the host Python lacks, and that cannot run in its image,
 * is refused before any step runs, in one line saying what to install or which runtime to use.
 *
 * Built-in XGBoost training always runs the host stand-in (`xgboost_train.py`): its image has no
 * script entry point to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ScriptLocation } from '../cli/scripts';
import { CONTAINERS_DIR, containerFolders } from '../containers/images';
import { allSteps } from './schedule';
import { ContainerEngine, DefinitionStep, LocalRunUnsupportedError, RuntimeProbe } from './types';

// Declared in types.ts (which the options name), kept importable from here.
export type { ContainerEngine, RuntimeProbe } from './types';


/** How a step runs. */
export type StepRuntime =
  | { readonly kind: 'container'; readonly engine: ContainerEngine; readonly image: string }
  | { readonly kind: 'host'; readonly note?: string };


/**
 * Frameworks a script may import that the host Python often lacks, with what to install: the
 * versions of the images the pipelines use.
 */
export const FRAMEWORK_PACKAGES: Readonly<Record<string, string>> = {
  tensorflow: 'tensorflow-cpu==2.19.0',
  torch: 'torch',
  xgboost: 'xgboost==1.7.6',
  sklearn: 'scikit-learn==1.2.1',
  pandas: 'pandas==1.5.3',
};

const IMPORT = /^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)/gm;

/** The frameworks of {@link FRAMEWORK_PACKAGES} a Python source imports, at any indentation. */
export function importedFrameworks(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(IMPORT)) {
    if (Object.prototype.hasOwnProperty.call(FRAMEWORK_PACKAGES, match[1])) {
      found.add(match[1]);
    }
  }
  return [...found].sort();
}

/** A job step's image, command and the container folder its code is downloaded to. */
interface JobShape {
  readonly image: string;
  readonly command: readonly string[];
  /** `[container folder, S3 URI]` of each input the code may come from. */
  readonly inputs: ReadonlyArray<readonly [string, unknown]>;
}

function jobShape(step: DefinitionStep): JobShape | undefined {
  const a = step.Arguments ?? {};
  if (step.Type === 'Processing') {
    return {
      image: String(a.AppSpecification?.ImageUri ?? ''),
      command: [...(a.AppSpecification?.ContainerEntrypoint ?? [])],
      inputs: (a.ProcessingInputs ?? []).map((i: any) => [i.S3Input?.LocalPath, i.S3Input?.S3Uri] as const),
    };
  }
  if (step.Type === 'Training' && a.AlgorithmSpecification?.ContainerEntrypoint) {
    return {
      image: String(a.AlgorithmSpecification.TrainingImage ?? ''),
      command: [...a.AlgorithmSpecification.ContainerEntrypoint],
      inputs: (a.InputDataConfig ?? []).map((c: any) => [`/opt/ml/input/data/${c.ChannelName}`, c.DataSource?.S3DataSource?.S3Uri] as const),
    };
  }
  return undefined;
}

/**
 * The source of the script a job step runs: the `.py` path in its command, read from the code the
 * run places in the bucket (the input downloaded to the folder holding it); undefined when the
 * step runs no script of this repository.
 */
function scriptSource(shape: JobShape, code: readonly ScriptLocation[], bucket: string): string | undefined {
  const script = shape.command.find((part) => part.endsWith('.py'));
  if (!script) {
    return undefined;
  }
  for (const [folder, uri] of shape.inputs) {
    if (typeof folder !== 'string' || typeof uri !== 'string' || !script.startsWith(`${folder.replace(/\/$/, '')}/`)) {
      continue;
    }
    const relative = script.slice(folder.replace(/\/$/, '').length + 1);
    for (const location of code) {
      for (const file of location.files) {
        const url = `s3://${bucket}/${file.key}`;
        if (url === uri || url === `${uri.replace(/\/$/, '')}/${relative}`) {
          return file.body.toString('utf8');
        }
      }
    }
  }
  return undefined;
}

/** Inputs of {@link planRuntimes}. */
export interface PlanOptions {
  readonly definition: any;
  readonly code: readonly ScriptLocation[];
  readonly bucket: string;
  readonly python: string;
  readonly probe: RuntimeProbe;
  readonly log: (line: string) => void;
}

/**
 * Decides where each job step runs (by step name), before any runs.
 *
 * @throws LocalRunUnsupportedError for a step that needs a framework the host Python lacks and
 *   cannot run in its image
 */
export function planRuntimes(options: PlanOptions): Map<string, StepRuntime> {
  const plan = new Map<string, StepRuntime>();
  let engine: ContainerEngine | undefined | null = null; // null: not asked yet
  const images = new Map<string, string | undefined>();
  const hostModules = new Map<string, boolean>();
  const hostHas = (module: string): boolean => {
    if (!hostModules.has(module)) {
      hostModules.set(module, options.probe.hostHas(options.python, module));
    }
    return hostModules.get(module)!;
  };
  for (const step of allSteps(options.definition.Steps ?? [])) {
    const shape = jobShape(step);
    if (!shape) {
      continue;
    }
    if (engine === null) {
      engine = options.probe.engine();
    }
    let whyNot = 'no container engine (docker or podman) answers';
    if (engine) {
      if (!images.has(shape.image)) {
        images.set(shape.image, options.probe.prepareImage(engine, shape.image));
      }
      const problem = images.get(shape.image);
      if (problem === undefined) {
        plan.set(step.Name, { kind: 'container', engine, image: shape.image });
        options.log(`Step ${step.Name} runs in its image ${shape.image} (${engine}).`);
        continue;
      }
      whyNot = `${engine} cannot get its image ${shape.image}: ${problem}`;
    }
    const source = scriptSource(shape, options.code, options.bucket);
    const missing = source ? importedFrameworks(source).filter((module) => !hostHas(module)) : [];
    if (missing.length > 0) {
      throw new LocalRunUnsupportedError(
        `step '${step.Name}' imports ${missing.join(', ')}, which ${options.python} cannot import, and cannot run in its image (${whyNot}): ` +
          `install ${missing.map((m) => FRAMEWORK_PACKAGES[m]).join(' ')} into that Python (or set MODEL_BUILD_PYTHON to one that has it), ` +
          'or run where docker or podman can build or pull the image',
      );
    }
    plan.set(step.Name, { kind: 'host', note: whyNot });
  }
  return plan;
}

/** `<engine> <args>`, its exit status and the last line of its output. */
function engineRun(engine: string, args: readonly string[], timeoutMs: number): { ok: boolean; last: string } {
  const run = spawnSync(engine, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  return { ok: !run.error && run.status === 0, last: run.error ? run.error.message : output.split('\n').pop() ?? '' };
}

/** Python that exits 0 when the module named by its argument can be imported, without importing it. */
const FIND_MODULE = 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)';

/**
 * The machine's own engines and Python. A project image (`<repository>:<name>-<sha256>` or a
 * digest the image build wrote) is built from `containers/<name>/` when the folder's content tag is
 * the one the URI names; any other image is pulled (log in to its registry first, e.g.
 * `aws ecr get-login-password | docker login ...`).
 */
export function machineProbe(containersDir = CONTAINERS_DIR): RuntimeProbe {
  return {
    engine: () => (['docker', 'podman'] as const).find((engine) => engineRun(engine, ['info'], 20_000).ok),
    prepareImage: (engine, image) => {
      if (engineRun(engine, ['image', 'inspect', image], 20_000).ok) {
        return undefined;
      }
      const folder = containerFolders(containersDir).find((f) => image.endsWith(`:${f.tag}`));
      if (folder && existsSync(path.join(folder.dir, 'Dockerfile'))) {
        const build = engineRun(engine, ['build', '--tag', image, folder.dir], 3_600_000);
        return build.ok ? undefined : `building ${folder.dir} failed: ${build.last}`;
      }
      const pull = engineRun(engine, ['pull', image], 1_800_000);
      return pull.ok ? undefined : `pulling failed: ${pull.last}`;
    },
    // Found on the Python's path, not imported: importing xgboost or tensorflow alone takes seconds
    // of CPU, and a broken install still fails the step with Python's own import error.
    hostHas: (python, module) => spawnSync(python, ['-c', FIND_MODULE, module], { stdio: 'ignore', timeout: 120_000 }).status === 0,
  };
}

/**
 * The engine command that runs a job's command in its image with the step's `opt/ml` folder
 * mounted at `/opt/ml`, as SageMaker lays it out.
 */
export function containerCommand(runtime: Extract<StepRuntime, { kind: 'container' }>, stepDir: string, command: readonly string[], environment: Record<string, string>): string[] {
  const [entry, ...rest] = command;
  return [
    runtime.engine,
    'run',
    '--rm',
    '--volume',
    `${path.join(stepDir, 'opt', 'ml')}:/opt/ml`,
    ...Object.entries(environment).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    '--entrypoint',
    entry,
    runtime.image,
    ...rest,
  ];
}
