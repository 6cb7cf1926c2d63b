/**
 * Jest global setup: makes a moto_server (local AWS emulator) available as MOTO_ENDPOINT.
 *
 * Reuses MOTO_ENDPOINT when the caller (the repository root's test run) already started one;
 * otherwise starts moto_server on a free port and waits until it answers. A missing moto_server
 * is an error, never a reason to skip the tests that need it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/** Where the spawned server is kept for the teardown (same process as the setup). */
export const MOTO_PROCESS_KEY = '__modelDeployMotoServer';

export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_ENDPOINT) {
    return;
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT'
      ? 'moto_server is not on PATH: install it (pip install "moto[server]") or set MOTO_ENDPOINT to a running server'
      : `moto_server failed to start: ${e.message}`)));
    server.once('exit', (code) => reject(new Error(`moto_server exited with code ${code} before answering on ${endpoint}`)));
  });
  await Promise.race([waitUntilAnswering(endpoint, 30_000), spawnError]);
  (globalThis as Record<string, unknown>)[MOTO_PROCESS_KEY] = server;
  process.env.MOTO_ENDPOINT = endpoint;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
  });
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export type MotoProcess = ChildProcess;
