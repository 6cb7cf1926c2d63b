/**
 * Times the asset fingerprint (the hash aws-cdk-lib computes for an s3 Asset) of each seed folder,
 * with the app's SEED_EXCLUDES and without any exclude, in this fresh process.
 * Prints one JSON line: { "<seed>": { "excluded": { ms, files }, "all": { ms, files } } }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { SEED_EXCLUDES } from '../lib/source/seed-repository';

function countFiles(dir: string, skip: (rel: string) => boolean, base = dir): number {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (skip(path.relative(base, full))) continue;
    n += entry.isDirectory() ? countFiles(full, skip, base) : 1;
  }
  return n;
}

const SEED_CODE_DIR = path.join(__dirname, '..', 'seed-code');
const excluded = (rel: string) => rel.split(path.sep).some((p) => ['node_modules', 'cdk.out', 'dist', 'coverage', '__pycache__'].includes(p));
const result: Record<string, unknown> = {};
const mode = process.argv[2] ?? 'excluded';
for (const seed of ['model-build', 'model-deploy']) {
  const dir = path.join(SEED_CODE_DIR, seed);
  const t0 = process.hrtime.bigint();
  if (mode === 'excluded') {
    FileSystem.fingerprint(dir, { exclude: [...SEED_EXCLUDES] });
  } else {
    FileSystem.fingerprint(dir, {});
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const files = countFiles(dir, mode === 'excluded' ? excluded : () => false);
  result[seed] = { ms, files };
}
process.stdout.write(JSON.stringify(result) + '\n');
