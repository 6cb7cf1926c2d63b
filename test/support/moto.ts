/**
 * moto_server (a local AWS emulator) for the app's suites that talk to AWS over the wire: the
 * model-build seed's `useMoto()` (reuses MOTO_ENDPOINT when set, otherwise starts moto_server on a
 * free port for the suite; a missing moto_server fails the suite, never skips it).
 */
export { useMoto } from '../../seed-code/model-build/test/helpers/moto';

/** Region and credentials for SDK clients pointed at moto (add `endpoint`). */
export const MOTO_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;
