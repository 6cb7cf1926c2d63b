/** One environment variable of a build, as CodeBuild's events carry it. */
export interface EventEnvironmentVariable {
  readonly name: string;
  readonly type?: string;
  readonly value?: string;
}

/** One phase of a build, as CodeBuild's events carry it. */
export interface EventPhase {
  readonly 'phase-type'?: string;
  readonly 'phase-status'?: string;
  readonly 'phase-context'?: string[];
}

/**
 * The fields of CodeBuild's `CodeBuild Build State Change` event that the reporter reads.
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/sample-build-notifications.html#sample-build-notifications-ref
 */
export interface BuildStateChange {
  readonly 'detail-type'?: string;
  readonly 'detail': {
    readonly 'build-status'?: string;
    readonly 'project-name'?: string;
    readonly 'build-id'?: string;
    readonly 'current-phase'?: string;
    readonly 'current-phase-context'?: string;
    readonly 'additional-information'?: {
      readonly 'environment'?: { readonly 'environment-variables'?: EventEnvironmentVariable[] };
      readonly 'phases'?: EventPhase[];
    };
  };
}

/** A CloudFormation wait condition signal. */
export interface WaitConditionSignal {
  readonly Status: 'FAILURE';
  readonly Reason: string;
  readonly UniqueId: string;
  readonly Data: string;
}

/** The build statuses that end a build without success. */
export const FAILED_BUILD_STATUSES = ['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const;

/** The environment variable of a seeding build that holds its wait condition handle URL. */
export const WAIT_HANDLE_VARIABLE = 'WAIT_HANDLE_URL';

/** The UniqueId of the seeding script's own signal: the first signal decides a count-1 wait condition. */
const UNIQUE_ID = 'seed';

/** CloudFormation keeps at most this much of a signal's reason. */
const MAX_REASON = 4000;

/** The wait condition handle URL of the build, from its environment (the start override). */
export function waitHandleUrl(event: BuildStateChange): string | undefined {
  const variables = event.detail?.['additional-information']?.environment?.['environment-variables'] ?? [];
  const url = variables.find((v) => v.name === WAIT_HANDLE_VARIABLE && (v.type ?? 'PLAINTEXT') === 'PLAINTEXT')?.value;
  return url && /^https:\/\//.test(url) ? url : undefined;
}

/**
 * The failure signal of a build that ended without success: the status, the phase it ended in and
 * that phase's own context (`CLIENT_ERROR: ...`), and the build id. Nothing for any other status.
 */
export function failureSignal(event: BuildStateChange): WaitConditionSignal | undefined {
  const detail = event.detail ?? {};
  const status = detail['build-status'];
  if (!status || !(FAILED_BUILD_STATUSES as readonly string[]).includes(status)) return undefined;
  const phases = detail['additional-information']?.phases ?? [];
  const failed = phases.find((p) => p['phase-status'] !== undefined && p['phase-status'] !== 'SUCCEEDED');
  const phase = failed?.['phase-type'] ?? detail['current-phase'];
  const context = (failed?.['phase-context'] ?? []).filter((c) => c.trim() !== '').join('; ')
    || cleanContext(detail['current-phase-context']);
  const where = phase && phase !== 'COMPLETED' ? ` in phase ${phase}` : '';
  const why = context ? `: ${context}` : '';
  const reason = `Seeding job ${detail['project-name'] ?? '(unknown)'} ended ${status}${where}${why} (build ${detail['build-id'] ?? 'unknown'})`;
  const trimmed = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
  return { Status: 'FAILURE', Reason: trimmed, UniqueId: UNIQUE_ID, Data: trimmed };
}

/** `current-phase-context` is a list printed as a string (`[]`, `[: ]`, `[CLIENT_ERROR: ...]`). */
function cleanContext(context: string | undefined): string {
  const inner = (context ?? '').trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  return inner === ':' ? '' : inner;
}
