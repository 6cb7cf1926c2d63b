/**
 * What a local run prints: progress lines while it runs, and the step table, the pipeline graph
 * and the verdict that `run-pipeline --local` prints at the end; and the run as Markdown (the
 * execution's `run.md`).
 */
import { GraphMarks, definitionGraph, mermaidGraph } from '../cli/plan';
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

/** What happened to a step of the definition in a local run. */
export type LocalStepMark = 'ran' | 'cached' | 'failed' | 'skipped';

/** How the local run's marks are drawn (the plan's palette: reused and cached alike in green). */
const LOCAL_MARKS: GraphMarks = {
  ran: 'fill:#fff3cd,stroke:#664d03',
  cached: 'fill:#d1e7dd,stroke:#0f5132',
  failed: 'fill:#f8d7da,stroke:#842029',
  skipped: 'fill:#e2e3e5,stroke:#41464b,stroke-dasharray:4',
};

/**
 * Each step of the definition (condition branches included, in definition order) with what happened
 * to it: ran, cached (reused from the step cache), failed (a Fail step that was reached counts), or
 * skipped (a branch not taken, or a step after the failure).
 */
export function stepMarks(definition: unknown, steps: readonly LocalStepResult[]): Array<{ readonly step: string; readonly mark: LocalStepMark }> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  return definitionGraph(definition).steps.map((step) => {
    const result = byName.get(step);
    const mark: LocalStepMark = !result ? 'skipped' : result.status === 'Failed' ? 'failed' : result.cached ? 'cached' : 'ran';
    return { step, mark };
  });
}

/** The pipeline graph of the run, with each step marked: the Mermaid block of `--plan --format markdown`, drawn by the same function. */
export function runGraphLines(definition: unknown, steps: readonly LocalStepResult[]): string[] {
  return mermaidGraph(stepMarks(definition, steps), definitionGraph(definition).edges, LOCAL_MARKS);
}

/** The run as Markdown: the verdict, a table of every step and the marked pipeline graph. */
export function runMarkdown(definition: unknown, result: Omit<LocalRunResult, 'reportFile'>): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const byName = new Map(result.steps.map((s) => [s.name, s]));
  const lines = [
    `### Local pipeline run \`${result.executionId}\``,
    '',
    result.status === 'Succeeded'
      ? `Succeeded${result.registered ? `; would register \`${result.registered}\`` : ''}. Files: \`${result.executionDir}\`.`
      : `Failed: ${cell(result.failureReason ?? 'unknown')}. Files: \`${result.executionDir}\`.`,
    '',
    '| Step | Result | Duration | Note |',
    '|---|---|---|---|',
    ...stepMarks(definition, result.steps).map(({ step, mark }) => {
      const ran = byName.get(step);
      return `| ${cell(step)} | ${mark} | ${ran ? `${(ran.durationMs / 1000).toFixed(1)} s` : ''} | ${cell(ran?.note ?? '')} |`;
    }),
    '',
    ...runGraphLines(definition, result.steps),
  ];
  return `${lines.join('\n')}\n`;
}
