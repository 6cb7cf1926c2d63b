/**
 * Gate: `npm pack` gives a package that another CDK app installs and uses. The README's "Use as a
 * library" example, pasted into a fresh app that installed the packed tarball, type-checks against
 * the package's declarations and synthesizes a complete project (Lambda code bundled by the
 * package's own esbuild, seed code inside).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string; main: string; types: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>;
};

/** The one TypeScript block of the README's "Use as a library" section. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use as a library\n'));
  if (!section) throw new Error("README.md has no '## Use as a library' section");
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length !== 1) throw new Error(`'## Use as a library' must hold exactly one ts block; found ${blocks.length}`);
  return blocks[0];
}

/** What the packed tarball holds (paths without the `package/` prefix) and where it is. */
let packed: { tarball: string; files: string[] };
/** The consumer app: its folder and its synthesized project template. */
let consumer: { dir: string; template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> } };

beforeAll(() => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'library-'));
  // npm pack runs `prepack`, which compiles lib/ to dist/ with tsconfig.build.json.
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [result] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = { tarball: path.join(work, result.filename), files: result.files.map((f) => f.path) };

  // A fresh CDK app that installed the tarball; its other packages are the repository's own.
  const dir = path.join(work, 'app');
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', packed.tarball, '-C', modules]);
  fs.renameSync(path.join(modules, 'package'), path.join(modules, PACKAGE.name));
  for (const dependency of ['aws-cdk-lib', 'constructs', 'esbuild', '@esbuild']) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', dependency), path.join(modules, dependency));
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, skipLibCheck: true, types: [], esModuleInterop: true },
    include: ['app.ts'],
  }));
  fs.writeFileSync(path.join(dir, 'app.ts'), readmeExample());
  consumer = { dir, template: { Resources: {} } };
});

describe('the packed package', () => {
  test('holds the compiled code, its declarations, the Lambda code, the seeding script and both seeds', () => {
    expect(packed.files).toEqual(expect.arrayContaining([
      PACKAGE.main, PACKAGE.types, 'dist/lib/paths.js',
      'lambda/start-deploy/index.ts', 'lambda/teardown/index.ts',
      'lib/source/git-seed/seed-branch.sh',
      'seed-code/model-build/package.json', 'seed-code/model-build/package-lock.json', 'seed-code/model-build/buildspec.yml',
      'seed-code/model-deploy/package.json', 'seed-code/model-deploy/cdk.json', 'seed-code/model-deploy/buildspec.yml',
    ]));
  });

  test('its compiled code requires only Node.js, its own files, its dependencies and its peer dependencies', () => {
    const allowed = new Set([...Object.keys(PACKAGE.dependencies ?? {}), ...Object.keys(PACKAGE.peerDependencies ?? {})]);
    const installed = path.join(consumer.dir, 'node_modules', PACKAGE.name);
    const missing = packed.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).flatMap((file) => {
      const code = fs.readFileSync(path.join(installed, file), 'utf8');
      return [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1])
        .filter((id) => !id.startsWith('.') && !isBuiltin(id))
        .filter((id) => !allowed.has(id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]))
        .map((id) => `${file}: ${id}`);
    });
    expect(missing).toEqual([]);
  });

  test('holds no development files: no tests of its own, sources of lib/, benchmarks, CI or local installs', () => {
    const dev = packed.files.filter((f) => /^(test|bench|scripts|\.ci|docs|bin)\//.test(f)
      || /^lib\/.*\.ts$/.test(f)
      || /(^|\/)(node_modules|cdk\.out|coverage)\//.test(f)
      || /^(tsconfig.*|jest\.config\.js|eslint\.config\.mjs|cdk\.json|BENCHMARKS\.md)$/.test(f));
    expect(dev).toEqual([]);
  });
});

describe("the README's library example, in a fresh CDK app that installed the tarball", () => {
  test('type-checks against the package declarations', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', consumer.dir], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('synthesizes a complete project', () => {
    const outdir = path.join(consumer.dir, 'cdk.out');
    execFileSync(process.execPath, ['-r', require.resolve('esbuild-register'), 'app.ts'], {
      cwd: consumer.dir,
      // Validation stays off as in every test but the compliance gate: the same project, built from
      // the sources, is validated there; this test is about what the package holds and exports.
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
      stdio: 'pipe',
    });
    consumer.template = JSON.parse(fs.readFileSync(path.join(outdir, 'sagemaker-churn.template.json'), 'utf8'));
    const ofType = (type: string) => Object.values(consumer.template.Resources).filter((r) => r.Type === type);
    // THEN the whole project is there, named for 'churn'
    expect(ofType('AWS::CodePipeline::Pipeline')).toHaveLength(2);
    expect(ofType('AWS::SageMaker::ModelPackageGroup')).toHaveLength(1);
    const repositories = ofType('AWS::CodeCommit::Repository').map((r) => JSON.stringify(r.Properties?.RepositoryName));
    expect(repositories).toEqual([expect.stringMatching(/sagemaker-churn-.*-modelbuild/), expect.stringMatching(/sagemaker-churn-.*-modeldeploy/)]);
    // ... with the example's log retention (CDK's type reached the log groups) ...
    const retention = ofType('AWS::Logs::LogGroup').map((r) => r.Properties?.RetentionInDays);
    expect(retention.length).toBeGreaterThan(0);
    expect(new Set(retention)).toEqual(new Set([90]));
    // ... and every Lambda function bundled from the package's own code.
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'sagemaker-churn.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const assetDirs = Object.values(manifest.files).map((f) => path.join(outdir, f.source.path)).filter((p) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory());
    const bundles = assetDirs.filter((d) => fs.readdirSync(d).join() === 'index.js');
    expect(bundles.length).toBeGreaterThanOrEqual(2);
    const seeds = assetDirs.filter((d) => fs.existsSync(path.join(d, 'buildspec.yml')));
    expect(seeds.map((d) => JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).name).sort())
      .toEqual(['sagemaker-model-build', 'sagemaker-model-deploy']);
  });
});
