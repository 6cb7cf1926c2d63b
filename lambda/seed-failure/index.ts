import { BuildStateChange, failureSignal, waitHandleUrl } from './signal';

/** How the handler sends a signal and logs; tests pass their own. */
export interface Deps {
  /** PUTs `body` to `url`; resolves with the HTTP status. */
  readonly put: (url: string, body: string) => Promise<number>;
  readonly log: (entry: Record<string, unknown>) => void;
}

/** What one invocation did, returned for tests and logged for people. */
export type Outcome =
  | { readonly result: 'ignored'; readonly reason: string }
  | { readonly result: 'signalled'; readonly reason: string };

const defaults: Deps = {
  put: async (url, body) => {
    // No Content-Type: the wait condition handle is a presigned S3 URL signed without one.
    const response = await fetch(url, { method: 'PUT', body: Buffer.from(body, 'utf8') });
    return response.status;
  },
  log: (entry) => console.log(JSON.stringify(entry)),
};

/**
 * Fails a repository seeding's wait condition as soon as its CodeBuild job ends without
 * succeeding, with the build's own reason: a job that dies before its script runs (image pull,
 * role, quota, timeout) never signals the wait condition itself. The handle URL comes from the
 * build's environment (the start override of the seeding job). A failed PUT throws, so Lambda's
 * asynchronous retries take over.
 */
export async function handler(event: BuildStateChange, deps: Deps = defaults): Promise<Outcome> {
  const signal = failureSignal(event);
  if (!signal) {
    const outcome: Outcome = { result: 'ignored', reason: `build status ${event.detail?.['build-status'] ?? 'missing'} is not a failure` };
    deps.log({ ...outcome, buildId: event.detail?.['build-id'] });
    return outcome;
  }
  const url = waitHandleUrl(event);
  if (!url) {
    const outcome: Outcome = { result: 'ignored', reason: 'the build carries no WAIT_HANDLE_URL: not a seeding build started by the stack' };
    deps.log({ ...outcome, buildId: event.detail['build-id'] });
    return outcome;
  }
  const status = await deps.put(url, JSON.stringify(signal));
  if (status < 200 || status >= 300) {
    throw new Error(`Signalling the wait condition failed with HTTP ${status}`);
  }
  deps.log({ result: 'signalled', reason: signal.Reason, buildId: event.detail['build-id'] });
  return { result: 'signalled', reason: signal.Reason };
}
