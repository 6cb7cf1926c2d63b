/**
 * The local run's public shapes (options, results, the unsupported-definition error) and the shape
 * of a definition step as the modules of the local runner read it.
 */
import type { S3Api } from '../cli/aws';
import type { ScriptLocation } from '../cli/scripts';

/** A container engine the local run can use. */
export type ContainerEngine = 'docker' | 'podman';

/** What the local run asks the machine (runtime.ts's machineProbe); tests inject their own. */
export interface RuntimeProbe {
  /** The first engine that answers (`docker info`, then `podman info`), or undefined. */
  engine(): ContainerEngine | undefined;
  /** Makes the image available to the engine; resolves to why it cannot, or undefined when it is. */
  prepareImage(engine: ContainerEngine, image: string): string | undefined;
  /** Whether the host Python can import `module` (it is on the Python's path). */
  hostHas(python: string, module: string): boolean;
}

/** Thrown before anything runs when the definition cannot run locally (exit code 2). */
export class LocalRunUnsupportedError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'LocalRunUnsupportedError';
  }
}

/** Options of `runLocal`. */
export interface LocalRunOptions {
  /** The parsed pipeline definition. */
  readonly definition: any;
  readonly pipelineName: string;
  /** The project bucket the definition writes to: its objects live in the run folder. */
  readonly bucket: string;
  /** Parameter values by name (strings, as run-pipeline takes them); others use their defaults. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The code, placed in the run folder's bucket at its content-addressed keys. */
  readonly code: readonly ScriptLocation[];
  /** Folder for executions, the local bucket and the step cache. */
  readonly runDir: string;
  /** Absolute path of a Python with the packages the scripts need (and xgboost for training). */
  readonly python: string;
  /** Receives progress lines. */
  readonly log: (line: string) => void;
  /** Reads S3 objects outside the run folder. @default - such inputs fail the step */
  readonly s3?: S3Api;
  /**
   * Finds container engines, prepares images and checks the host Python's modules.
   * @default - this machine's docker or podman and `python`
   */
  readonly runtime?: RuntimeProbe;
  /** Clock for durations and cache expiry. @default Date.now */
  readonly now?: () => number;
}

/** What happened to one step. */
export interface LocalStepResult {
  readonly name: string;
  readonly type: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly durationMs: number;
  /** Reused from the step cache: nothing ran. */
  readonly cached?: boolean;
  /** Cache hit source execution, the condition's outcome, the failure reason, ... */
  readonly note?: string;
}

/** Outcome of `runLocal`. */
export interface LocalRunResult {
  readonly executionId: string;
  readonly executionDir: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly failureReason?: string;
  readonly steps: readonly LocalStepResult[];
  /** The model-package file a RegisterModel step wrote, if one ran. */
  readonly registered?: string;
  /**
   * `<executionDir>/run.md`: the run as Markdown, a table of the steps and a Mermaid graph of the
   * pipeline with each step marked ran, cached, failed or skipped.
   */
  readonly reportFile: string;
}

/** A step of the parsed definition: the fields the local runner reads, the rest as the API has it. */
export interface DefinitionStep {
  readonly Name: string;
  readonly Type: string;
  readonly Arguments?: any;
  readonly DependsOn?: readonly string[];
  readonly CacheConfig?: { readonly Enabled?: boolean; readonly ExpireAfter?: string };
  readonly PropertyFiles?: readonly { readonly PropertyFileName: string; readonly OutputName: string; readonly FilePath: string }[];
}

/** The account in the ARNs a local run makes up (pipeline, execution, model package). */
export const LOCAL_ACCOUNT = '000000000000';
