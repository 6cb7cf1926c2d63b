import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sourceHash } from '../../lib/private/source-hash';

const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda');
const functions = fs.readdirSync(LAMBDA_DIR).filter((f) => fs.statSync(path.join(LAMBDA_DIR, f)).isDirectory());

/**
 * A bundle's asset hash covers its function's folder only; that is right only while each
 * function imports nothing but its own files and the AWS SDK the runtime provides.
 */
/**
 * Files of a seed a function bundles, so that the function and the seed apply one rule. Each
 * imports nothing: the bundle's asset hash covers them one level deep (`sourceHash`).
 */
const SHARED_WITH_SEEDS = ['../../seed-code/model-deploy/lib/approver-rule'];

test.each(SHARED_WITH_SEEDS)('%s, shared with a function, imports nothing', (shared) => {
  const text = fs.readFileSync(`${path.join(LAMBDA_DIR, 'fn', shared)}.ts`, 'utf8');
  expect(text).not.toMatch(/^\s*(?:import|export)\s[^'"]*?from\s+'/m);
  expect(text).not.toMatch(/\brequire\(/);
});

describe.each(functions)('lambda/%s', (fn) => {
  const dir = path.join(LAMBDA_DIR, fn);
  const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));

  test('imports only its own files, rules shared with a seed, the AWS SDK and Node.js built-ins', () => {
    const imports = sources.flatMap((file) => [...fs.readFileSync(path.join(dir, file), 'utf8')
      .matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => `${file}: ${m[1]}`));
    expect(imports.length).toBeGreaterThan(0);
    const foreign = imports.filter((i) => {
      const target = i.split(': ')[1];
      return !(target.startsWith('./') || target.startsWith('@aws-sdk/') || target.startsWith('node:') || target === 'aws-lambda'
        || SHARED_WITH_SEEDS.includes(target));
    });
    expect(foreign).toEqual([]);
  });

  test('exports its handlers from index.ts', () => {
    expect(sources).toContain('index.ts');
  });
});

describe('sourceHash', () => {
  test('changes with a file, with the settings, and not otherwise', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hash-'));
    fs.writeFileSync(path.join(tmp, 'index.ts'), 'export const a = 1;');
    const first = sourceHash(tmp, { minify: true });
    expect(sourceHash(tmp, { minify: true })).toBe(first);
    expect(sourceHash(tmp, { minify: false })).not.toBe(first);
    fs.writeFileSync(path.join(tmp, 'index.ts'), 'export const a = 2;');
    expect(sourceHash(tmp, { minify: true })).not.toBe(first);
  });
});
