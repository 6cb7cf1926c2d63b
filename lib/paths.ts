import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The package's root folder: the nearest folder above this file that holds a `package.json`.
 * The same answer from the TypeScript sources (`lib/`), the compiled package (`dist/lib/`) and an
 * installed copy (`node_modules/<package>/dist/lib/`), so every path below works in all three.
 */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** The package's root folder (where `lambda/` and `seed-code/` are). */
export const PACKAGE_ROOT = packageRoot();

/** Folder of the seed code: `model-build/` and `model-deploy/`, the first commits of the two repositories. */
export const SEED_CODE_DIR = path.join(PACKAGE_ROOT, 'seed-code');

/** Entry of a Lambda function of this package: `lambda/<name>/index.ts`. */
export function lambdaEntry(name: 'start-deploy' | 'teardown' | 'seed-failure'): string {
  return path.join(PACKAGE_ROOT, 'lambda', name, 'index.ts');
}

/** Folder of the connection seeding job's script (run by CodeBuild; tested against local git servers). */
export const SEED_SCRIPT_DIR = path.join(PACKAGE_ROOT, 'lib', 'source', 'git-seed');

/**
 * Folder of the Service Catalog product's version snapshots: `product-stack-snapshots/` of the CDK
 * app (the folder `cdk` runs the app in), which commits them; never inside an installed package.
 */
export const PRODUCT_SNAPSHOT_DIR = path.resolve('product-stack-snapshots');
