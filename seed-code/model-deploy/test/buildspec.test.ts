/**
 * The contract with the deploy pipeline, checked on the files CodeBuild reads.
 * (Plain text checks: no YAML parser is a dependency of this repository.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildArtifactFiles, exportedVariables, REQUIRED_VARIABLES } from '../lib/build-output';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json'));

describe('buildspec.yml (build action)', () => {
  const buildspec = read('buildspec.yml');

  test('exports exactly the variables build-output.env sets', () => {
    const exported = [...buildspec.split('exported-variables:')[1].split('phases:')[0].matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]);
    const written = [...exportedVariables({ deploy: true, modelPackageArn: 'a', smokeTestPayload: 'b', files: [], targets: {}, releaseDigest: 'c' }).matchAll(/^export (\w+)=/gm)].map((m) => m[1]);
    expect(exported).toEqual(['DEPLOY', 'MODEL_PACKAGE_ARN_RESOLVED', 'SMOKE_TEST_PAYLOAD', 'STAGING_TARGET', 'PROD_TARGET', 'RELEASE_DIGEST']);
    expect(written).toEqual(exported);
  });

  test('uploads exactly the four files from dist', () => {
    expect(buildspec).toMatch(/artifacts:\n\s+base-directory: dist\n\s+files:\n/);
    const files = [...buildspec.split('artifacts:')[1].matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]);
    expect(files.sort()).toEqual(buildArtifactFiles().sort());
  });

  test('runs on Node.js 22 (the AWS SDK needs it from 2027), installs from the lock file, and sources the exported variables', () => {
    expect(buildspec).toMatch(/runtime-versions:\n\s+nodejs: 22\n/);
    expect(buildspec).toContain('- npm ci');
    expect(buildspec).toContain('- npm run build-output');
    expect(buildspec).toContain('- . ./build-output.env');
    expect(pkg.scripts['build-output']).toBe('ts-node --swc scripts/build-output.ts');
  });

  test('documents every variable it reads', () => {
    for (const name of [...REQUIRED_VARIABLES, 'MODEL_PACKAGE_ARN', 'PROJECT_TAGS', 'AUTO_APPROVE_MODELS', 'DEPLOYMENT_TARGETS']) {
      expect(buildspec).toContain(name);
    }
  });
});

describe('test-buildspec.yml (test action)', () => {
  const buildspec = read('test-buildspec.yml');

  test('installs from the lock file and runs the smoke test with the payload the build chose', () => {
    expect(buildspec).toMatch(/runtime-versions:\n\s+nodejs: 22\n/);
    expect(buildspec).toContain('SMOKE_TEST_PAYLOAD');
    expect(buildspec).toContain('SMOKE_TEST_ROLE_ARN');
    expect(buildspec).toContain('- npm ci');
    expect(buildspec).toContain('- npm run smoke-test');
    expect(pkg.scripts['smoke-test']).toBe('ts-node --swc scripts/smoke-test.ts');
  });
});

describe('package.json', () => {
  test('pins every dependency to an exact version', () => {
    const all = { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>;
    expect(Object.entries(all).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version))).toEqual([]);
  });

  test('keeps aws-cdk-lib and the CDK CLI at the versions the project uses', () => {
    expect(pkg.dependencies['aws-cdk-lib']).toBe('2.276.0');
    expect(pkg.devDependencies['aws-cdk']).toBe('2.1148.1');
    expect(pkg.devDependencies['cdk-nag']).toBe('3.0.2');
  });
});
