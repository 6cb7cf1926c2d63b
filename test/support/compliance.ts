import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** cfn-lint rules ignored on every template, each with its reason. Nothing else is ignored. */
export const CFN_LINT_IGNORED: Record<string, string> = {
  // aws-cdk-lib makes a function, pipeline or state machine depend on both its role and the
  // role's DefaultPolicy: the policy half is needed (the role's permissions must exist before
  // first use), the role half repeats what the GetAtt of the role's ARN already orders. cfn-lint
  // flags that repetition; it changes nothing in deployment.
  W3005: "aws-cdk-lib's DependsOn on a role that a GetAtt already orders (next to the needed DependsOn on its policy); harmless",
};

/** One cdk-nag (or template validation) finding: rule and the construct paths it names. */
export interface Finding {
  readonly rule: string;
  readonly paths: string[];
}

/**
 * Synthesizes `app` (written to `outdir`) with cdk-nag's AwsSolutions pack and returns every
 * unacknowledged finding, template validation's included. An empty list means clean.
 */
export function nagFindings(app: App, outdir: string): { findings: Finding[]; error: unknown } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  // A failed validation writes its findings to the report: show them, not just "failed".
  const report = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(report)) return { findings: [], error };
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8'));
  const findings = (parsed.pluginReports ?? []).flatMap((p: { violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }) =>
    p.violations.map((v) => ({ rule: v.ruleName, paths: v.violatingConstructs.map((c) => c.constructPath) })));
  return { findings, error };
}

/** The synthesized templates of a cloud assembly folder. */
export function templatesIn(outdir: string): string[] {
  return fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
}

/** Runs cfn-lint on templates, ignoring only {@link CFN_LINT_IGNORED}; returns its findings (empty: clean). */
export function cfnLint(templates: string[]): string {
  const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (lint.error) throw new Error('cfn-lint is not on PATH: install it (pip install cfn-lint) to run this test');
  try {
    return execFileSync('cfn-lint', ['--format', 'parseable', '--ignore-checks', ...Object.keys(CFN_LINT_IGNORED), '--', ...templates], { encoding: 'utf8' }).trim();
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e).trim();
  }
}
