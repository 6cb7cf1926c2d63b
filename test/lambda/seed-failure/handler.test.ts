import { Deps, handler } from '../../../lambda/seed-failure/index';
import { BuildStateChange, EventPhase, failureSignal } from '../../../lambda/seed-failure/signal';

const HANDLE = 'https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/arn%3Aaws%3Acloudformation/handle?X-Amz-Signature=abc';
const BUILD = 'arn:aws:codebuild:eu-west-1:123456789012:build/sagemaker-demo-p-1-modelbuild-seed:1111';

/** A Build State Change event of a seeding build (override any detail field). */
function event(detail: Partial<BuildStateChange['detail']> = {}, phases: EventPhase[] = [], variables = [{ name: 'WAIT_HANDLE_URL', type: 'PLAINTEXT', value: HANDLE }]): BuildStateChange {
  return {
    'detail-type': 'CodeBuild Build State Change',
    'detail': {
      'build-status': 'FAILED',
      'project-name': 'sagemaker-demo-p-1-modelbuild-seed',
      'build-id': BUILD,
      'current-phase': 'COMPLETED',
      'current-phase-context': '[: ]',
      'additional-information': { environment: { 'environment-variables': variables }, phases },
      ...detail,
    },
  };
}

const PROVISIONING_FAILED: EventPhase[] = [
  { 'phase-type': 'SUBMITTED', 'phase-status': 'SUCCEEDED', 'phase-context': [] },
  { 'phase-type': 'QUEUED', 'phase-status': 'SUCCEEDED', 'phase-context': [] },
  { 'phase-type': 'PROVISIONING', 'phase-status': 'CLIENT_ERROR', 'phase-context': ['CLIENT_ERROR: Failed to pull the image: access denied'] },
  { 'phase-type': 'COMPLETED' },
];

function recorder(status = 200): { deps: Deps; puts: Array<{ url: string; body: unknown }> } {
  const puts: Array<{ url: string; body: unknown }> = [];
  return {
    puts,
    deps: { put: async (url, body) => { puts.push({ url, body: JSON.parse(body) }); return status; }, log: () => undefined },
  };
}

describe('a seeding build that died before its script ran', () => {
  test('fails the wait condition at once, with the failed phase and its reason', async () => {
    // GIVEN
    const { deps, puts } = recorder();
    // WHEN
    const outcome = await handler(event({}, PROVISIONING_FAILED), deps);
    // THEN
    const reason = `Seeding job sagemaker-demo-p-1-modelbuild-seed ended FAILED in phase PROVISIONING: CLIENT_ERROR: Failed to pull the image: access denied (build ${BUILD})`;
    expect(puts).toEqual([{ url: HANDLE, body: { Status: 'FAILURE', Reason: reason, UniqueId: 'seed', Data: reason } }]);
    expect(outcome).toEqual({ result: 'signalled', reason });
  });

  test.each(['FAULT', 'STOPPED', 'TIMED_OUT'])('a build that ended %s fails it too', async (status) => {
    const { deps, puts } = recorder();
    await handler(event({ 'build-status': status, 'current-phase': 'BUILD', 'current-phase-context': '[]' }), deps);
    expect(puts).toHaveLength(1);
    expect((puts[0].body as { Reason: string }).Reason).toBe(`Seeding job sagemaker-demo-p-1-modelbuild-seed ended ${status} in phase BUILD (build ${BUILD})`);
  });

  test('a signal the handle refuses throws, so Lambda retries', async () => {
    const { deps } = recorder(403);
    await expect(handler(event({}, PROVISIONING_FAILED), deps)).rejects.toThrow('Signalling the wait condition failed with HTTP 403');
  });
});

describe('events that signal nothing', () => {
  test.each([
    ['a successful build', event({ 'build-status': 'SUCCEEDED' }), 'build status SUCCEEDED is not a failure'],
    ['a build still running', event({ 'build-status': 'IN_PROGRESS' }), 'build status IN_PROGRESS is not a failure'],
    ['a build without a handle (started by hand, not by the stack)', event({}, [], []), 'the build carries no WAIT_HANDLE_URL: not a seeding build started by the stack'],
    ['a handle that is not an HTTPS URL', event({}, [], [{ name: 'WAIT_HANDLE_URL', type: 'PLAINTEXT', value: 'file:///etc/passwd' }]), 'the build carries no WAIT_HANDLE_URL: not a seeding build started by the stack'],
  ])('%s', async (_what, e, reason) => {
    const { deps, puts } = recorder();
    expect(await handler(e, deps)).toEqual({ result: 'ignored', reason });
    expect(puts).toEqual([]);
  });
});

test('a long reason is cut to what CloudFormation keeps', () => {
  const signal = failureSignal(event({}, [{ 'phase-type': 'BUILD', 'phase-status': 'FAILED', 'phase-context': ['x'.repeat(5000)] }]));
  expect(signal!.Reason).toHaveLength(4000);
  expect(signal!.Reason.endsWith('...')).toBe(true);
});
