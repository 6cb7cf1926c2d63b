/** Jest global teardown: stops the moto_server the global setup started (not a reused one). */
import { ChildProcess } from 'child_process';
import { MOTO_PROCESS_KEY } from './moto-global-setup';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>)[MOTO_PROCESS_KEY] as ChildProcess | undefined;
  if (!server || server.exitCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  await exited;
  delete process.env.MOTO_ENDPOINT;
}
