/**
 * moto_server (a local AWS emulator) for the suites that talk to AWS over the wire, started only
 * by them: `useMoto()` in a suite reuses MOTO_ENDPOINT when it is set (the parent repository
 * starts one moto for all its projects) and otherwise starts `moto_server` on a free port for
 * the suite, stopping it afterwards. A missing moto_server fails these suites, never skips them;
 * suites that do not call useMoto() never need it.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';

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
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      'moto_server not found on PATH: this suite needs it (pip install "moto[server]"), or set MOTO_ENDPOINT to a running moto server',
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  // No wall-clock deadline: a loaded machine may need long; jest's hook timeout bounds the wait.
  while (!(await answers(endpoint))) {
    if (exited !== null) {
      throw new Error(`moto_server exited with code ${exited} before answering on ${endpoint}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, child };
}

/** Registers beforeAll/afterAll hooks; the returned function gives the endpoint inside tests. */
export function useMoto(): () => string {
  let endpoint = process.env.MOTO_ENDPOINT;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    if (!endpoint) {
      ({ endpoint, child } = await start());
    }
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
  return () => {
    if (!endpoint) {
      throw new Error('moto endpoint used outside a test (useMoto starts it in beforeAll)');
    }
    return endpoint;
  };
}
