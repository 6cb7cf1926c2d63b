/** What a CLI writes to and how it ends: injectable so tests run the CLIs in-process. */
import { PipelineValidationError } from '../workflow';
import { UsageError } from './settings';

/** Output sinks of a CLI. */
export interface CliIo {
  /** Writes to standard output (the payload: JSON, ARNs, progress). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error (notes and errors). */
  readonly stderr: (text: string) => void;
  /** Environment variables. */
  readonly env: NodeJS.ProcessEnv;
}

/** Exit codes of the CLIs. */
export const ExitCode = {
  /** Done; for run-pipeline: the execution succeeded (or was started with --no-wait). */
  SUCCESS: 0,
  /** The execution failed, stopped or timed out, or an AWS call failed. */
  FAILURE: 1,
  /** Bad flags, settings or pipeline definition: nothing was changed in AWS. */
  USAGE: 2,
} as const;

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}

/**
 * Turns an error into one line on stderr and an exit code: never a stack trace, because CodeBuild
 * logs and terminals should show the cause, not our internals.
 */
export function reportError(error: unknown, io: CliIo, command: string): number {
  if (error instanceof UsageError) {
    io.stderr(`${command}: ${error.message}\n`);
    return ExitCode.USAGE;
  }
  if (error instanceof PipelineValidationError) {
    io.stderr(`${command}: ${error.message}\n`);
    return ExitCode.USAGE;
  }
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const message = (e?.message ?? String(error)).split('\n')[0];
  const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  io.stderr(`${command}: ${name}${status}: ${message}\n`);
  return ExitCode.FAILURE;
}
