/**
 * What processing and training steps share: resolving the request, the step cache, the step's
 * folder and job name, and publishing the job's properties and property files.
 */
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { contentHash, localInputUris } from '../cache';
import { runCommand } from '../command';
import { containerCommand } from '../runtime';
import type { DefinitionStep } from '../types';
import type { StepContext, StepOutcome } from './context';

/** Runs the job a resolved request describes; resolves to its Describe*-shaped properties. */
export type StartJob = (args: any, stepDir: string, jobName: string, context: StepContext) => Promise<any>;

/** Runs (or reuses from the cache) a processing or training job. */
export async function runJob(step: DefinitionStep, context: StepContext, start: StartJob): Promise<StepOutcome> {
  const args = context.resolver.resolve(step.Arguments) as any;
  const cacheKey = context.cache.keyOf(step, args);
  // What the local inputs hold now: recorded with a cache entry, compared on a hit.
  const localInputs = cacheKey ? Object.fromEntries(localInputUris(args).map((uri) => [uri, contentHash(context.bucket.localPathOf(uri))])) : {};
  if (cacheKey) {
    const hit = context.cache.lookup(step, cacheKey);
    if (hit) {
      publish(step, hit.properties, context);
      // Faithful to SageMaker, whose cache key holds the input's URI, not its content; but a
      // changed local file reused in silence would mislead, so the note says so.
      const changed = Object.keys(localInputs).filter((uri) => hit.localInputs?.[uri] !== undefined && hit.localInputs[uri] !== localInputs[uri]);
      const warning = changed.map(
        (uri) => `; ${uri} changed since then, but the cache key holds the path, not the content, so SageMaker would reuse this step too (use another path, or disable the step's cache, to rerun it)`,
      );
      return { status: 'Succeeded', cached: true, note: `cache hit from local execution ${hit.executionId}${warning.join('')}` };
    }
  }
  const stepDir = path.join(context.executionDir, step.Name);
  rmSync(stepDir, { recursive: true, force: true });
  mkdirSync(stepDir, { recursive: true });
  const jobName = `pipelines-${context.executionId}-${step.Name}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63);
  const properties = await start(args, stepDir, jobName, context);
  publish(step, properties, context);
  if (cacheKey) {
    context.cache.store(step, cacheKey, { executionId: context.executionId, properties, localInputs });
  }
  return { status: 'Succeeded' };
}

/**
 * Runs a job's command (with its `/opt/ml/...` container paths) where the plan says: in the image
 * with the step's `opt/ml` folder mounted, or with the host Python, the paths mapped into the
 * step's folder.
 */
export async function runStepCommand(stepName: string, command: readonly string[], stepDir: string, environment: Record<string, string>, context: StepContext): Promise<void> {
  const runtime = context.runtimes.get(stepName) ?? { kind: 'host' as const };
  if (runtime.kind === 'container') {
    await runCommand(containerCommand(runtime, stepDir, command, environment), stepDir, {}, context.python);
    return;
  }
  const mapped = command.map((part) => part.split('/opt/ml/').join(`${stepDir}/opt/ml/`));
  await runCommand(mapped, stepDir, environment, context.python);
}

/** Makes the step's properties and property files readable by later steps. */
function publish(step: DefinitionStep, properties: any, context: StepContext): void {
  context.resolver.setProperties(step.Name, properties);
  for (const file of step.PropertyFiles ?? []) {
    const output = (properties.ProcessingOutputConfig?.Outputs ?? []).find((o: any) => o.OutputName === file.OutputName);
    if (!output) {
      throw new Error(`property file ${file.PropertyFileName} names output '${file.OutputName}', which the step does not have`);
    }
    context.resolver.setPropertyFile(step.Name, file.PropertyFileName, path.join(context.bucket.localPathOf(output.S3Output.S3Uri), file.FilePath));
  }
}
