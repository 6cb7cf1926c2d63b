/**
 * The `bin` shims as npm installs them: a fresh node process, ts-node in transpile-only mode.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { stepsOf } from '../helpers/context';

const ROOT = path.join(__dirname, '..', '..');

function bin(name: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  // A clean environment, so CodeBuild-style variables of the caller cannot leak in.
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', `${name}.js`), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 60_000,
  });
  return result;
}

describe('bin shims', () => {
  test('get-pipeline-definition --region us-east-1 prints a complete definition', () => {
    const result = bin('get-pipeline-definition', ['--region', 'us-east-1']);
    expect(result.status).toBe(0);
    const def = JSON.parse(result.stdout);
    // by type, not name: the README lets users rename steps
    expect(new Set(stepsOf(def).map((s) => s.Type))).toEqual(new Set(['Processing', 'Training', 'Condition', 'RegisterModel', 'Fail']));
  });

  test.each([
    ['get-pipeline-definition', ['--region', 'xx-nowhere-1'], "get-pipeline-definition: --region (AWS_REGION) 'xx-nowhere-1' has no"],
    ['run-pipeline', [], 'run-pipeline: --region or AWS_REGION is required'],
  ])('fails when %s is called with %j: exit 2, one line, no stack trace', (name, args, message) => {
    const result = bin(name, args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
