import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SEED_SCRIPT_DIR } from '../../lib/paths';
import { GitHttpServer } from '../support/git-http-server';

const SCRIPT = path.join(SEED_SCRIPT_DIR, 'seed-branch.sh');
const execFileAsync = promisify(execFile);
// Spawns git servers and clients: generous, and nothing depends on timing.
jest.setTimeout(120_000);

interface Run { readonly status: number; readonly output: string; readonly lastLine: string }

/** Runs the seeding script asynchronously (the git server lives in this process). */
function seed(url: string, branch: string, folder: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, url, branch, folder], { env: { ...process.env, ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const lines = stdout.trim().split('\n');
      resolve({ status, output: `${stdout}${stderr}`, lastLine: lines[lines.length - 1] });
    });
  });
}

/** A seed folder with a few files, a nested one and a dotfile among them. */
function seedFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
  fs.writeFileSync(path.join(dir, 'README.md'), '# seed\n');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export {};\n');
  return dir;
}

/** Pushes a commit of a user's own to `branch` of `url` over HTTP. */
async function pushUserCommit(url: string, branch: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-'));
  const git = (...args: string[]) => execFileAsync('git', ['-C', dir, '-c', 'user.name=u', '-c', 'user.email=u@example.com', ...args]);
  await git('init', '--quiet');
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'mine\n');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'mine');
  await git('push', '--quiet', url, `HEAD:refs/heads/${branch}`);
}

describe('seed-branch.sh against git http-backend on loopback', () => {
  let server: GitHttpServer;
  beforeAll(async () => {
    server = await GitHttpServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  test('an empty repository: the branch is seeded with the folder in one commit', async () => {
    // GIVEN
    const url = server.createRepository('acme/model-build');
    // WHEN
    const run = await seed(url, 'main', seedFolder());
    // THEN
    expect(run.status).toBe(0);
    expect(run.lastLine).toMatch(/^Seeded branch 'main' of http:\/\/127\.0\.0\.1:\d+\/acme\/model-build\.git with 3 files \(commit [0-9a-f]{12}\)\.$/);
    expect(Object.keys(server.heads('acme/model-build'))).toEqual(['main']);
    const bare = path.join(server.root, 'acme/model-build.git');
    const files = execFileSync('git', ['-C', bare, 'ls-tree', '-r', '--name-only', 'main'], { encoding: 'utf8' });
    expect(files.trim().split('\n').sort()).toEqual(['.gitignore', 'README.md', 'src/index.ts']);
    expect(execFileSync('git', ['-C', bare, 'rev-list', '--count', 'main'], { encoding: 'utf8' }).trim()).toBe('1');
  });

  test('a GitLab-style subgroup path and a branch with a slash are seeded too', async () => {
    const url = server.createRepository('group/sub/model-deploy');
    const run = await seed(url, 'release/v1', seedFolder());
    expect(run.status).toBe(0);
    expect(Object.keys(server.heads('group/sub/model-deploy'))).toEqual(['release/v1']);
  });

  test('a branch that already has commits is left untouched, and the log says so', async () => {
    // GIVEN a repository whose main branch holds a user's commit
    const url = server.createRepository('acme/has-main');
    await pushUserCommit(url, 'main');
    const before = server.heads('acme/has-main');
    // WHEN
    const run = await seed(url, 'main', seedFolder());
    // THEN
    expect(run.status).toBe(0);
    expect(run.lastLine).toBe(`Branch 'main' of ${url} already has commits (head ${before.main.slice(0, 12)}): left untouched, nothing pushed.`);
    expect(server.heads('acme/has-main')).toEqual(before);
  });

  test('a repository with other branches only is left untouched unless allowed', async () => {
    // GIVEN
    const url = server.createRepository('acme/has-dev');
    await pushUserCommit(url, 'dev');
    const before = server.heads('acme/has-dev');
    // WHEN / THEN: by default, untouched
    const run = await seed(url, 'main', seedFolder());
    expect(run.status).toBe(0);
    expect(run.lastLine).toBe(`Repository ${url} already has branches (dev) but not 'main': left untouched, nothing pushed. `
      + "Push the seed code to 'main' yourself, or allow seeding a non-empty repository.");
    expect(server.heads('acme/has-dev')).toEqual(before);
    // WHEN / THEN: allowed, the new branch is added and the existing one kept
    const allowed = await seed(url, 'main', seedFolder(), { SEED_NON_EMPTY_REPOSITORY: 'true' });
    expect(allowed.status).toBe(0);
    expect(server.heads('acme/has-dev')).toEqual({ ...before, main: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  test('an unreachable repository fails with the reason', async () => {
    // GIVEN a port nothing listens on (the server's own, after a repository that does not exist)
    const url = `${server.url}/acme/missing.git`;
    // WHEN
    const run = await seed(url, 'main', seedFolder());
    // THEN
    expect(run.status).toBe(2);
    expect(run.lastLine).toMatch(new RegExp(`^Cannot read ${url.replace(/[.]/g, '\\.')}: .*not found.*Check that the connection is available and has access to the repository\\.$`));
  });

  test('a refused connection fails with the reason', async () => {
    const run = await seed('http://127.0.0.1:9/acme/x.git', 'main', seedFolder());
    expect(run.status).toBe(2);
    expect(run.lastLine).toMatch(/^Cannot read http:\/\/127\.0\.0\.1:9\/acme\/x\.git: .*(Failed to connect|Connection refused|Could not connect).*/);
  });

  test('the outcome and its reason are signalled to the wait condition handle', async () => {
    // GIVEN the server stands in for CloudFormation's wait condition handle
    const ok = server.createRepository('acme/signalled');
    // WHEN
    await seed(ok, 'main', seedFolder(), { WAIT_HANDLE_URL: `${server.url}/wait/ok` });
    await seed(`${server.url}/acme/nowhere.git`, 'main', seedFolder(), { WAIT_HANDLE_URL: `${server.url}/wait/failed` });
    // THEN
    const bodies = Object.fromEntries(server.signals.map((s) => [s.path, JSON.parse(s.body)]));
    expect(bodies['/wait/ok']).toEqual({ Status: 'SUCCESS', UniqueId: 'seed', Reason: expect.stringMatching(/^Seeded branch 'main'/), Data: expect.any(String) });
    expect(bodies['/wait/failed']).toEqual({ Status: 'FAILURE', UniqueId: 'seed', Reason: expect.stringMatching(/^Cannot read .*nowhere\.git: /), Data: expect.any(String) });
  });

  test('with a retry window, a failed first read is retried before it counts', async () => {
    // The job's connection grant may appear only just after the job has started.
    const run = await seed('http://127.0.0.1:9/acme/x.git', 'main', seedFolder(), { SEED_READ_RETRY_SECONDS: '1', SEED_READ_RETRY_INTERVAL: '0.2' });
    expect(run.output).toContain('Cannot read http://127.0.0.1:9/acme/x.git yet; retrying in 0.2 s');
    expect(run.status).toBe(2);
    expect(run.lastLine).toMatch(/^Cannot read http:\/\/127\.0\.0\.1:9\/acme\/x\.git: /);
  });

  test('credentials in the URL never reach the log', async () => {
    const run = await seed('http://user:secret@127.0.0.1:9/acme/x.git', 'main', seedFolder());
    expect(run.output).not.toContain('secret');
  });
});
