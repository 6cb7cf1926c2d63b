/**
 * moto_server (a local AWS emulator) for the suites that talk to AWS over the wire, started only
 * by them: `useMoto()` registers beforeAll/afterAll hooks that reuse MOTO_ENDPOINT when it is set
 * (a moto_server the developer or CI already runs) and otherwise start `moto_server` on a free
 * port for the suite, stopping it afterwards. Suites that do not call it never need moto_server.
 * A missing moto_server fails the suites that need it; it is never a reason to skip them.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';

/** Region and credentials for SDK clients pointed at moto (add `endpoint`). */
export const MOTO_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${endpoint}/moto-api/`, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function start(): Promise<{ endpoint: string; child: ChildProcess }> {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error) {
    throw new Error(
      'moto_server is not on PATH: the tests that use the real AWS wire protocol need it. '
        + "Install it (pip install 'moto[server]') or set MOTO_ENDPOINT to a running moto server; see README 'Testing'.",
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  // No wall-clock deadline of its own: the hook's timeout bounds the wait.
  while (!(await answers(endpoint))) {
    if (exited !== null) throw new Error(`moto_server exited with code ${exited} before it answered on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, child };
}

/** Registers the hooks that provide moto_server; the returned function gives its endpoint inside hooks and tests. */
export function useMoto(): () => string {
  let endpoint = process.env.MOTO_ENDPOINT;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    if (!endpoint) ({ endpoint, child } = await start());
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
  return () => {
    if (!endpoint) throw new Error('moto endpoint used outside a hook or test (useMoto() starts it in beforeAll)');
    return endpoint;
  };
}
