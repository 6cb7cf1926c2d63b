/**
 * moto_server (a local AWS emulator) for the suites that talk to AWS over the wire. Only those
 * suites call {@link useMotoServer}, so the others run without moto_server installed.
 *
 * Reuses MOTO_ENDPOINT when the caller (the repository root's test run) already started one;
 * otherwise starts moto_server on a free port for the suite and stops it afterwards. A missing
 * moto_server is an error, never a reason to skip the tests that need it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/** Credentials and region for SDK clients pointed at moto. */
export const MOTO_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

/**
 * Registers beforeAll/afterAll hooks that provide a moto_server; returns a getter for its
 * endpoint (valid inside tests and hooks).
 */
export function useMotoServer(): () => string {
  let endpoint: string | undefined = process.env.MOTO_ENDPOINT;
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    if (endpoint) {
      return;
    }
    const started = await startMotoServer();
    server = started.server;
    endpoint = started.endpoint;
  }, 60_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
      server.kill('SIGTERM');
      await exited;
    }
  });
  return () => {
    if (!endpoint) {
      throw new Error('moto_server is not running (useMotoServer() hooks did not run)');
    }
    return endpoint;
  };
}

async function startMotoServer(): Promise<{ server: ChildProcess; endpoint: string }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT'
      ? 'moto_server is not on PATH: install it (pip install "moto[server]") or set MOTO_ENDPOINT to a running server'
      : `moto_server failed to start: ${e.message}`)));
    server.once('exit', (code) => reject(new Error(`moto_server exited with code ${code} before answering on ${endpoint}`)));
  });
  await Promise.race([waitUntilAnswering(endpoint, 45_000), spawnError]);
  // Warm the SageMaker backend once, so the first test does not pay for it.
  await fetch(`${endpoint}/moto-api/`).catch(() => undefined);
  return { server, endpoint };
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
