import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { projectApp } from './support/app';

/**
 * cfn-lint rules ignored on every template, each with its reason. Nothing else is ignored.
 */
export const CFN_LINT_IGNORED: Record<string, string> = {
  // aws-cdk-lib adds explicit DependsOn from a resource to its role's DefaultPolicy so that the
  // policy exists before the resource uses the role; cfn-lint notes that a GetAtt of the role
  // already orders role before resource, but the policy ordering is what matters.
  W3005: 'aws-cdk-lib orders IAM policies before their users with DependsOn; intended, not redundant',
};

function violations(report: string): Array<{ rule: string; paths: string[] }> {
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8'));
  return (parsed.pluginReports ?? []).flatMap((p: { violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }) =>
    p.violations.map((v) => ({ rule: v.ruleName, paths: v.violatingConstructs.map((c) => c.constructPath) })));
}

describe('compliance of the synthesized project', () => {
  test.each([
    ['default configuration', {}],
    ['no data retention, no approval', { retainData: 'false', manualApproval: 'false' }],
  ])('cdk-nag AwsSolutions finds nothing unacknowledged (%s)', (_what, config) => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
    const { app } = projectApp({ config, outdir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    // THEN: a failed validation writes its findings to the report; show them, not just "failed"
    const report = path.join(outdir, 'validation-report.json');
    const found = fs.existsSync(report) ? violations(report) : [];
    expect(found).toEqual([]);
    expect(error).toBeUndefined();
  });

  test('cfn-lint reports nothing on any synthesized template', () => {
    const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (lint.error) throw new Error('cfn-lint is not on PATH: install it (pip install cfn-lint) to run this test');
    // GIVEN: the app as `cdk synth` builds it, Lambda bundles included
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    const { app } = projectApp({ outdir, bundle: true });
    app.synth();
    const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
    expect(templates.length).toBeGreaterThan(0);
    // WHEN
    let output = '';
    try {
      output = execFileSync('cfn-lint', ['--format', 'parseable', '--ignore-checks', ...Object.keys(CFN_LINT_IGNORED), '--', ...templates], { encoding: 'utf8' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    // THEN
    expect(output.trim()).toBe('');
  });
});
