/**
 * One structured log line per decision, so that CloudWatch Logs Insights can answer
 * "why was this stack (not) deleted?" without reading prose.
 */

/** A decision the teardown handler made about one resource. */
export interface DecisionLog {
  /** What kind of resource the decision is about. */
  readonly resource: 'custom-resource' | 'stack' | 'pipeline' | 'model-package-group' | 'model-package' | 'transform-job';
  /** Its name or ARN. */
  readonly name: string;
  /** What the handler did or will do, e.g. `delete`, `skip`, `wait`, `fail`. */
  readonly action: string;
  /** Why, in words. */
  readonly reason: string;
  readonly projectId?: string;
  readonly [extra: string]: unknown;
}

/** Writes `entry` as one JSON line to stdout (CloudWatch Logs in Lambda). */
export function logDecision(entry: DecisionLog): void {
  console.log(JSON.stringify({ source: 'sagemaker-project-teardown', ...entry }));
}
