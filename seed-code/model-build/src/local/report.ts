/**
 * What a local run prints: progress lines while it runs, and the step table and verdict that
 * `run-pipeline --local` prints at the end.
 */
import type { LocalRunResult, LocalStepResult } from './types';

/** The first line: where the execution's files are. */
export function executionStartedLine(executionId: string, executionDir: string): string {
  return `local execution ${executionId}: ${executionDir}`;
}

/** A step starts. */
export function stepStartedLine(stepName: string): string {
  return `  step ${stepName}: Executing`;
}

/** A step ended, with its note in parentheses. */
export function stepFinishedLine(step: LocalStepResult): string {
  return `  step ${step.name}: ${step.status}${step.note ? ` (${step.note})` : ''}`;
}

/** `steps:` and a row per step: name, type, status, duration and note. */
export function stepTableLines(steps: readonly LocalStepResult[]): string[] {
  return [
    'steps:',
    ...steps.map((step) => {
      const seconds = `${(step.durationMs / 1000).toFixed(1)} s`;
      return `  ${step.name.padEnd(32)} ${step.type.padEnd(14)} ${step.status.padEnd(10)} ${seconds.padStart(8)}${step.note ? `  ${step.note}` : ''}`;
    }),
  ];
}

/** The verdict: where the execution is and what it would register, or why it failed. */
export function verdictLine(result: LocalRunResult): string {
  return result.status === 'Succeeded'
    ? `local execution succeeded: ${result.executionDir}${result.registered ? `; would register ${result.registered}` : ''}`
    : `local execution failed: ${result.failureReason}`;
}
