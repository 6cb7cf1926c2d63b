import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The root runs both seeds' test suites with its own node_modules, and each seed installs its own
 * once pushed: the versions must be the same on both sides, or a green root run would prove
 * nothing about the repository a project starts with.
 */
type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; overrides?: Record<string, string> };

const read = (file: string): Manifest => JSON.parse(fs.readFileSync(file, 'utf8'));
const root = read(path.join(__dirname, '..', '..', 'package.json'));
const rootVersions = { ...root.dependencies, ...root.devDependencies };

describe.each(['model-build', 'model-deploy'])('seed-code/%s', (seed) => {
  const manifest = read(path.join(__dirname, '..', '..', 'seed-code', seed, 'package.json'));
  const seedVersions = { ...manifest.dependencies, ...manifest.devDependencies };

  test('depends only on packages the root also has, at the same exact version', () => {
    const mismatches = Object.entries(seedVersions)
      .filter(([name, version]) => rootVersions[name] !== version)
      .map(([name, version]) => `${name}: seed ${version}, root ${rootVersions[name] ?? '(missing)'}`);
    expect(mismatches).toEqual([]);
  });

  test('pins every version exactly', () => {
    expect(Object.entries(seedVersions).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
  });

  test('overrides transitive versions as the root does', () => {
    expect(manifest.overrides ?? {}).toEqual(root.overrides ?? {});
  });

  test('has a lock file', () => {
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'seed-code', seed, 'package-lock.json'))).toBe(true);
  });
});

test('the root pins every version exactly', () => {
  expect(Object.entries(rootVersions).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
});
