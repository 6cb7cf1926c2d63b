/** What a step executor gets from the run, and what it hands back. */
import type { StepCache } from '../cache';
import type { PythonSetup } from '../command';
import type { LocalBucket } from '../local-bucket';
import type { DefinitionResolver } from '../resolve';
import type { StepRuntime } from '../runtime';
import type { DefinitionStep } from '../types';

/** The execution a step runs in. */
export interface StepContext {
  readonly executionId: string;
  /** `<run-dir>/executions/<id>`: each step works in a folder of its name below it. */
  readonly executionDir: string;
  readonly resolver: DefinitionResolver;
  readonly bucket: LocalBucket;
  readonly cache: StepCache;
  readonly python: PythonSetup;
  /** Where each job step runs, by step name (decided before any step runs). */
  readonly runtimes: ReadonlyMap<string, StepRuntime>;
}

/** How a step ended; a step that cannot run throws instead, with the reason. */
export interface StepOutcome {
  /** `Failed` only for a step whose purpose is to fail (Fail); the note is the failure reason. */
  readonly status: 'Succeeded' | 'Failed';
  /** Shown beside the status: cache hit, the condition's outcome, what would be registered, ... */
  readonly note?: string;
  /** Reused from the step cache: nothing ran. */
  readonly cached?: boolean;
  /** Steps to run once this one is reported: the branch a condition took. */
  readonly next?: readonly DefinitionStep[];
  /** The model-package file a RegisterModel step wrote. */
  readonly registered?: string;
}

/** Runs the steps of one type. */
export interface StepExecutor {
  /** Why this step cannot run locally, checked before anything runs. @default - every step can */
  readonly unsupported?: (step: DefinitionStep) => string | undefined;
  readonly run: (step: DefinitionStep, context: StepContext) => Promise<StepOutcome>;
}
