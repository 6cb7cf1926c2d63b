import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../../lib/private/control-tower-acknowledgements';
import { testApp } from '../support/app';
import { cfnLintAsync, ControlTowerFinding, controlTowerFindings, controlTowerRules, isAcknowledgedControl, lintFindings, templatesIn } from '../support/compliance';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
// Apps here are testApp()s: without Lambda bundling, since the controls do not look at assets.

// The controls on every app this repository synthesizes run in the compliance gate
// (compliance.test.ts), on the templates it synthesizes there once: this file tests the
// acknowledgements and the shortcuts of controlTowerFindings.

describe('Control Tower acknowledgements', () => {
  const controls = new Set(controlTowerRules().map((r) => r.control));

  test.each(CONTROL_TOWER_ACKNOWLEDGEMENTS.map((a, i) => [a.control, i, a] as const))('%s (entry %i) names a bundled control and gives a reason', (_c, _i, a) => {
    expect(controls.has(a.control)).toBe(true);
    expect(a.reason.length).toBeGreaterThan(40);
  });
});

describe('controlTowerFindings', () => {
  test('knows the control of every bundled rule', () => {
    const rules = controlTowerRules();
    expect(rules.length).toBeGreaterThan(200);
    expect(rules.filter((r) => !/^CT\.[A-Z0-9-]+\.PR\.\d+$/.test(r.control) || r.ruleNames.length === 0).map((r) => r.file)).toEqual([]);
    expect(new Set(rules.map((r) => r.control)).size).toBe(rules.length);
  });

  test('reports a failed control, the same with only the rules for the template\'s resource types as with all rules', async () => {
    // GIVEN a key without rotation (CT.KMS.PR.1) and without the CreateGrant deny (CT.KMS.PR.3)
    const outdir = tmp('ct-fail-');
    const app = testApp({ outdir });
    new kms.Key(new Stack(app, 'KeyStack'), 'Key', { enableKeyRotation: false });
    const [template] = templatesIn(app.synth().directory);
    // WHEN
    const selected = (await controlTowerFindings([template])).sort((a, b) => a.control.localeCompare(b.control));
    const all = (await controlTowerFindings([template], { allRules: true })).sort((a, b) => a.control.localeCompare(b.control));
    // THEN
    expect(selected).toEqual([
      { control: 'CT.KMS.PR.1', template: 'KeyStack.template.json', resource: expect.stringMatching(/^Key[0-9A-F]{8}$/) },
      { control: 'CT.KMS.PR.3', template: 'KeyStack.template.json', resource: expect.stringMatching(/^Key[0-9A-F]{8}$/) },
    ]);
    expect(all).toEqual(selected);
    expect(selected.filter((f) => !isAcknowledgedControl(f))).toHaveLength(2);
  }, 5 * 60_000);

  test('selects a rule by the types it names in either quote style (CT.AUTOSCALING.PR.5 names its type in single quotes)', async () => {
    // GIVEN a launch configuration that gives its instances public addresses
    const outdir = tmp('ct-quotes-');
    const app = testApp({ outdir });
    new autoscaling.CfnLaunchConfiguration(new Stack(app, 'LaunchStack'), 'Launch', { imageId: 'ami-12345678', instanceType: 't3.micro', associatePublicIpAddress: true });
    const [template] = templatesIn(app.synth().directory);
    // WHEN
    const rule = controlTowerRules().find((r) => r.control === 'CT.AUTOSCALING.PR.5');
    const selected = (await controlTowerFindings([template])).map((f) => f.control);
    const all = (await controlTowerFindings([template], { allRules: true })).map((f) => f.control);
    // THEN the rule reads launch configurations only, and finds the one here as with all rules
    expect(rule?.resourceTypes).toEqual(['AWS::AutoScaling::LaunchConfiguration']);
    expect(selected).toContain('CT.AUTOSCALING.PR.5');
    expect(selected.sort()).toEqual(all.sort());
  }, 5 * 60_000);

  test('judges a resource that several templates share once, and reports it in each of them; a changed resource is judged again', async () => {
    // GIVEN three templates with a key of the same logical id: the same key (no rotation) in two
    // of them, and with rotation in the third (the runs on the first and third keys, of the same
    // rules, share one cfn-guard process: each must get its own results)
    const outdir = tmp('ct-shared-');
    const app = testApp({ outdir });
    for (const [name, rotation] of [['First', false], ['Second', false], ['Rotated', true]] as const) {
      new kms.Key(new Stack(app, name), 'Key', { enableKeyRotation: rotation });
    }
    const templates = templatesIn(app.synth().directory).sort();
    // WHEN
    const key_ = (f: ControlTowerFinding) => `${f.template} ${f.control}`;
    const shared = (await controlTowerFindings(templates)).map(key_).sort();
    const again = (await controlTowerFindings([templates[1]])).map(key_).sort();
    const all = (await controlTowerFindings(templates, { allRules: true })).map(key_).sort();
    // THEN rotation (CT.KMS.PR.1) fails in the first two templates only, the CreateGrant deny (CT.KMS.PR.3) in all three
    expect(shared).toEqual([
      'First.template.json CT.KMS.PR.1', 'First.template.json CT.KMS.PR.3',
      'Rotated.template.json CT.KMS.PR.3',
      'Second.template.json CT.KMS.PR.1', 'Second.template.json CT.KMS.PR.3',
    ]);
    expect(shared).toEqual(all);
    expect(again).toEqual(shared.filter((f) => f.startsWith(path.basename(templates[1]))));
  }, 5 * 60_000);

  test('finds on a template of several services, with references between them, what every rule finds on the whole template', async () => {
    // GIVEN resources that the rules of other services' groups refer to: a log group and a bucket
    // encrypted with a key, a function, and the permission that lets a rule (of a service no rule
    // of the Lambda group names) invoke it
    const outdir = tmp('ct-groups-');
    const app = testApp({ outdir });
    const stack = new Stack(app, 'ServicesStack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new logs.LogGroup(stack, 'Logs', { encryptionKey: key });
    new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
    const fn = new lambda.Function(stack, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    new events.Rule(stack, 'Schedule', { schedule: events.Schedule.rate(Duration.hours(1)), targets: [new targets.LambdaFunction(fn)] });
    const [template] = templatesIn(app.synth().directory);
    // WHEN
    const key_ = (f: ControlTowerFinding) => `${f.control} ${f.resource}`;
    const grouped = (await controlTowerFindings([template])).map(key_).sort();
    const all = (await controlTowerFindings([template], { allRules: true })).map(key_).sort();
    // THEN the same findings, and some of them (the comparison is not of two empty lists)
    expect(grouped).toEqual(all);
    expect(grouped.length).toBeGreaterThan(3);
  }, 5 * 60_000);
});

describe('cfnLintAsync', () => {
  test('reports nothing on a clean template and the parse error of a broken one (one process)', async () => {
    const dir = tmp('lint-');
    const clean = path.join(dir, 'clean.template.json');
    const broken = path.join(dir, 'broken.template.json');
    fs.writeFileSync(clean, JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }));
    fs.writeFileSync(broken, '{"Resources": {');
    const lint = await cfnLintAsync([clean, broken]);
    expect(lint.split('\n').filter((l) => l.startsWith(`${clean}:`))).toEqual([]);
    expect(lint.split('\n').filter((l) => l.startsWith(`${broken}:`))).toEqual([expect.stringContaining('E0000')]);
  }, 5 * 60_000);

  test('a missing cfn-lint fails with how to install it', () => {
    const missing = Object.assign(new Error('spawn cfn-lint ENOENT'), { code: 'ENOENT' });
    expect(() => lintFindings({ status: null, stdout: '', stderr: '', error: missing })).toThrow('cfn-lint is not on PATH: install it (pip install cfn-lint)');
  });

  test('a cfn-lint that crashes (an error status and no finding) fails, not passes as clean', () => {
    expect(() => lintFindings({ status: 1, stdout: '', stderr: 'Traceback (most recent call last)' })).toThrow('cfn-lint failed (status 1) without a finding: Traceback');
    // Findings come with a non-zero status (2: errors, 4: warnings): they are the result.
    expect(lintFindings({ status: 2, stdout: 'a.json:1:1:1:2:E0000:broken\n', stderr: '' })).toBe('a.json:1:1:1:2:E0000:broken');
    expect(lintFindings({ status: 0, stdout: '', stderr: '' })).toBe('');
  });
});
