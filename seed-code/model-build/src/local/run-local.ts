/**
 * Runs a pipeline definition on this machine, before any AWS cost: processing steps and script
 * training steps run their script in their image (docker or podman) or with a local Python
 * (`runtime.ts` decides), the built-in XGBoost training step runs the local stand-in
 * (`xgboost_train.py`), expressions, property files, conditions and Fail steps are evaluated as
 * the service does, and RegisterModel records what it would register in the run folder.
 *
 * This module runs an execution; the work is split by job:
 * - `resolve.ts`: parameters, execution variables, step properties and expressions;
 * - `schedule.ts`: the order steps run in;
 * - `cache.ts`: step caching with the service's cache keys;
 * - `steps/`: one executor per step type (`steps/index.ts` lists them), `local-bucket.ts` (S3 as a
 *   folder) and `command.ts` (running a job's command with the configured Python);
 * - `report.ts`: what is printed, and the run as Markdown (the execution's `run.md`: a step table
 *   and the pipeline's Mermaid graph with each step marked ran, cached, failed or skipped).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-default-keys.html
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StepCache } from './cache';
import { LocalBucket } from './local-bucket';
import { executionStartedLine, runMarkdown, stepFinishedLine, stepStartedLine } from './report';
import { DefinitionResolver } from './resolve';
import { machineProbe, planRuntimes } from './runtime';
import { inDependencyOrder } from './schedule';
import { checkLocalSupport, executorOf } from './steps';
import type { StepContext } from './steps/context';
import type { StepRuntime } from './runtime';
import type { DefinitionStep, LocalRunOptions, LocalRunResult, LocalStepResult } from './types';

export { isoDurationMs } from './cache';
export { runGraphLines, stepTableLines, verdictLine } from './report';
export { LOCAL_STEP_TYPES, checkLocalSupport } from './steps';
export { LocalRunUnsupportedError } from './types';
export type { LocalRunOptions, LocalRunResult, LocalStepResult } from './types';

/** Runs the definition locally. */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  checkLocalSupport(options.definition);
  const runtimes = planRuntimes({
    definition: options.definition,
    code: options.code,
    bucket: options.bucket,
    python: options.python,
    probe: options.runtime ?? machineProbe(),
    log: options.log,
  });
  return new LocalRun(options, runtimes).run();
}

/** Ends the execution as failed: a step failed, or a Fail step ran. */
class StepFailed extends Error {}

/** One execution: runs its steps in order and records what happened to each. */
class LocalRun {
  private readonly now: () => number;
  private readonly executionId: string;
  private readonly executionDir: string;
  private readonly bucket: LocalBucket;
  private readonly context: StepContext;
  private readonly results: LocalStepResult[] = [];
  private registered?: string;

  public constructor(
    private readonly options: LocalRunOptions,
    runtimes: ReadonlyMap<string, StepRuntime>,
  ) {
    this.now = options.now ?? Date.now;
    this.executionId = randomBytes(6).toString('hex');
    this.executionDir = path.join(options.runDir, 'executions', this.executionId);
    this.bucket = new LocalBucket(options.runDir, options.bucket, options.s3);
    const resolver = new DefinitionResolver(options.definition.Parameters ?? [], options.parameters, {
      executionId: this.executionId,
      pipelineName: options.pipelineName,
      startTime: new Date(this.now()).toISOString(),
      now: this.now,
    });
    this.context = {
      executionId: this.executionId,
      executionDir: this.executionDir,
      resolver,
      bucket: this.bucket,
      cache: new StepCache(path.join(options.runDir, 'cache'), this.now),
      python: { python: options.python, binDir: path.join(this.executionDir, 'bin') },
      runtimes,
    };
  }

  public async run(): Promise<LocalRunResult> {
    mkdirSync(this.executionDir, { recursive: true });
    this.bucket.placeCode(this.options.code);
    this.options.log(executionStartedLine(this.executionId, this.executionDir));
    try {
      await this.runSteps(this.options.definition.Steps ?? []);
    } catch (error) {
      if (error instanceof StepFailed) {
        return this.result('Failed', error.message);
      }
      throw error;
    }
    return this.result('Succeeded');
  }

  /** The outcome, with the run written as Markdown to the execution's folder. */
  private result(status: 'Succeeded' | 'Failed', failureReason?: string): LocalRunResult {
    const result = {
      executionId: this.executionId,
      executionDir: this.executionDir,
      status,
      failureReason,
      steps: this.results,
      registered: this.registered,
    };
    const reportFile = path.join(this.executionDir, 'run.md');
    writeFileSync(reportFile, runMarkdown(this.options.definition, result));
    return { ...result, reportFile };
  }

  private async runSteps(steps: readonly DefinitionStep[]): Promise<void> {
    for (const step of inDependencyOrder(steps)) {
      await this.runStep(step);
    }
  }

  private async runStep(step: DefinitionStep): Promise<void> {
    const started = this.now();
    const finish = (status: 'Succeeded' | 'Failed', note?: string, cached?: boolean) => {
      const result = { name: step.Name, type: step.Type, status, durationMs: this.now() - started, ...(cached ? { cached } : {}), note };
      this.results.push(result);
      this.options.log(stepFinishedLine(result));
    };
    this.options.log(stepStartedLine(step.Name));
    try {
      const outcome = await executorOf(step).run(step, this.context);
      finish(outcome.status, outcome.note, outcome.cached);
      if (outcome.status === 'Failed') {
        throw new StepFailed(`step ${step.Name} failed: ${outcome.note}`);
      }
      this.registered = outcome.registered ?? this.registered;
      await this.runSteps(outcome.next ?? []);
    } catch (error) {
      if (error instanceof StepFailed) {
        throw error;
      }
      const reason = (error as Error).message;
      finish('Failed', reason);
      throw new StepFailed(`step ${step.Name} failed: ${reason}`);
    }
  }
}
