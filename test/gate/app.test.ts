import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR; in
 * `cwd` when given (where a Service Catalog app keeps its product-stack-snapshots/).
 */
function runApp(context: Record<string, unknown>, cwd?: string): { status: number | null; stderr: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
  const root = path.join(__dirname, '..', '..');
  const result = spawnSync(process.execPath, ['-r', require.resolve('esbuild-register'), path.join(root, 'bin', 'app.ts')], {
    cwd: cwd ?? root,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: outdir,
      // Skip bundling and validation: this test is about configuration handling.
      CDK_VALIDATION: 'false',
    },
  });
  return { status: result.status, stderr: result.stderr, outdir };
}

describe('bin/app.ts', () => {
  test('synthesizes the demo project with no settings', () => {
    const { status, stderr, outdir } = runApp({ 'aws:cdk:bundling-stacks': [] });
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readdirSync(outdir)).toContain('sagemaker-mlops-demo.template.json');
  });

  test('synthesizes only the project stack in multi-account mode: its deploy pipeline deploys what the target accounts get', () => {
    const { status, stderr, outdir } = runApp({
      'aws:cdk:bundling-stacks': [],
      projectId: 'p-abc123def456', projectAccount: '111111111111', stagingAccount: '222222222222', prodAccount: '333333333333',
    });
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toEqual(['sagemaker-mlops-demo-p-abc123def456.template.json']);
    const template = fs.readFileSync(path.join(outdir, 'sagemaker-mlops-demo-p-abc123def456.template.json'), 'utf8');
    expect(template).toContain('DeployStagingAccountResources');
    expect(template).toContain('DeployProdAccountResources');
  });

  // Every configuration error reaches the same handler; the parsers' messages themselves are
  // tested in process (test/config/project-config.test.ts, test/stacks/multi-account.test.ts).
  test.each([
    [{ projectNmae: 'x' }, 'Configuration error: unknown setting `projectNmae` (did you mean `projectName`?)'],
    [{ stagingAccount: '222222222222' }, 'Configuration error: `projectAccount` is required with `stagingAccount`'],
  ])('fails when given %j: one clear line, no stack trace, nothing synthesized', (context, message) => {
    const { status, stderr, outdir } = runApp(context);
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  });

  test("a Service Catalog product whose locked version's template changed: aws-cdk-lib's message once, no stack trace, no source line", () => {
    // GIVEN a checkout whose product v1 was synthesized (its snapshot written)
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'app-catalog-'));
    const catalog = { 'aws:cdk:bundling-stacks': [], serviceCatalog: 'true', portfolioPrincipals: 'arn:aws:iam::123456789012:role/StudioExecutionRole' };
    expect(runApp(catalog, checkout)).toEqual(expect.objectContaining({ status: 0, stderr: '' }));
    // WHEN a setting changes the template, productVersion unchanged
    const { status, stderr } = runApp({ ...catalog, manualApproval: 'false' }, checkout);
    // THEN
    expect(status).toBe(1);
    expect(stderr).toMatch(/^Template has changed for ProductStack Version v1\./);
    expect(stderr.split('Template has changed')).toHaveLength(2);
    expect(stderr).not.toMatch(/\n\s+at |use strict|aws-cdk-lib\.\.\./);
  });
});
