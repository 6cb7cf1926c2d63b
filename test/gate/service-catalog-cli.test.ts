import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Each CDK command synthesizes the whole app (about 30 s on a loaded 2-core machine).
jest.setTimeout(600_000);

const ROOT = path.join(__dirname, '..', '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const STUDIO_ROLE = 'arn:aws:iam::123456789012:role/StudioExecutionRole';

/**
 * A copy of the app (what a clone holds, with the installed node_modules linked), so the commands
 * write their product snapshots into the copy's `product-stack-snapshots/`, as in a user's checkout.
 */
function appCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-cli-'));
  for (const entry of ['bin', 'lib', 'lambda', 'seed-code', 'cdk.json', 'tsconfig.json', 'package.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|cdk\.out)$/.test(source),
    });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs the real CDK CLI without credentials (nothing may reach AWS), output in a temp folder. */
function cdk(dir: string, command: 'ls' | 'synth'): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // This test is about the order of the commands and the product snapshots. Template validation
    // of the catalog app (stack and product) is the compliance gate's (one synthesis, validated).
    CDK_VALIDATION: 'false',
  };
  const args = [command, ...(command === 'synth' ? ['-q'] : []), '-c', 'serviceCatalog=true', '-c', `portfolioPrincipals=${STUDIO_ROLE}`,
    '--output', fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-cli-out-')), '--no-notices'];
  const result = spawnSync(CDK, args, { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('CDK commands with -c serviceCatalog=true work in any order', () => {
  test('ls, then synth, then ls again: each after the other, on the product snapshot the one before wrote', () => {
    // GIVEN a checkout without product snapshots
    const dir = appCopy();
    // WHEN ls writes the snapshot, synth reads it (and writes its own), and ls reads synth's: both
    // orders of the two commands, in three runs of the CLI
    const runs = (['ls', 'synth', 'ls'] as const).map((command) => ({ command, ...cdk(dir, command) }));
    // THEN each succeeds, none finds a changed template of the locked version, and the snapshot has no machine paths
    for (const run of runs) {
      expect({ command: run.command, status: run.status }).toEqual({ command: run.command, status: 0 });
      expect(run.output).not.toMatch(/TemplateChangedForLockedVersion|Template has changed/);
    }
    const snapshots = fs.readdirSync(path.join(dir, 'product-stack-snapshots'));
    expect(snapshots).toEqual([expect.stringMatching(/\.v1\.product\.template\.json$/)]);
    const snapshot = fs.readFileSync(path.join(dir, 'product-stack-snapshots', snapshots[0]), 'utf8');
    expect(snapshot).not.toContain(dir);
    expect(snapshot).not.toContain(os.tmpdir());
    expect(snapshot).not.toMatch(/aws:asset:path|aws:cdk:path/);
  });
});
