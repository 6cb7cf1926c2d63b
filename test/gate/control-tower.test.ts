import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../../lib/private/control-tower-acknowledgements';
import { parseProjectConfig, serviceCatalogStackProps } from '../../lib/config/project-config';
import { ServiceCatalogStack } from '../../lib/studio/service-catalog-stack';
import { createDeployApp } from '../../seed-code/model-deploy/lib/deploy-app';
import { cdkJsonContext, projectApp } from '../support/app';
import { CONNECTION_CONFIG } from '../support/connection';
import { MULTI_ACCOUNT_CONFIG, multiAccountApp } from '../support/multi-account';
import { ControlTowerFinding, controlTowerFindings, controlTowerRules, templatesIn } from '../support/compliance';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
/** Assets are not looked at by the controls: skip bundling. */
const context = () => ({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] });

/** The templates of the Service Catalog app: its stack's and the product's (`*.product.template.json`, written next to it). */
function catalogTemplates(config: Record<string, unknown> = {}): string[] {
  const outdir = tmp('ct-catalog-');
  const parsed = parseProjectConfig({ ...config, serviceCatalog: 'true', portfolioPrincipals: 'arn:aws:iam::123456789012:role/StudioExecutionRole' });
  const app = new App({ outdir, context: context() });
  new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', {
    ...serviceCatalogStackProps(parsed), env: { account: '123456789012', region: 'eu-west-1' }, snapshotDirectory: tmp('ct-snapshots-'),
  });
  app.synth();
  return templatesIn(outdir);
}

/** Every app this repository synthesizes, each as the templates it writes. */
const APPS: Record<string, () => string[]> = {
  'default project': () => {
    const outdir = tmp('ct-default-');
    projectApp({ outdir }).app.synth();
    return templatesIn(outdir);
  },
  'project with retainData=false': () => {
    const outdir = tmp('ct-noretain-');
    projectApp({ outdir, config: { retainData: 'false' } }).app.synth();
    return templatesIn(outdir);
  },
  'project with a CodeConnections source': () => {
    const outdir = tmp('ct-connection-');
    projectApp({ outdir, config: CONNECTION_CONFIG }).app.synth();
    return templatesIn(outdir);
  },
  'Service Catalog stack and product with a CodeConnections source': () => catalogTemplates(CONNECTION_CONFIG),
  'multi-account project and target stacks': () => {
    const outdir = tmp('ct-multi-');
    multiAccountApp(outdir, MULTI_ACCOUNT_CONFIG).synth();
    return templatesIn(outdir);
  },
  'Service Catalog stack and product': () => catalogTemplates(),
  'endpoint stacks of the deploy seed': () => {
    const outdir = tmp('ct-endpoints-');
    const { app } = createDeployApp({ projectName: 'mlops-demo', projectId: 'p-abc123def456', app: new App({ outdir, context: cdkJsonContext() }) });
    app.synth();
    return templatesIn(outdir);
  },
};

const isAcknowledged = (f: ControlTowerFinding) =>
  CONTROL_TOWER_ACKNOWLEDGEMENTS.some((a) => a.control === f.control && a.resources.test(f.resource));

describe('AWS Control Tower proactive controls', () => {
  const findings: Record<string, ControlTowerFinding[]> = {};

  beforeAll(async () => {
    // Each app's cfn-guard runs start as soon as it is synthesized, beside the next synthesis.
    const running = Object.entries(APPS).map(([name, synth]) => controlTowerFindings(synth()).then((f) => { findings[name] = f; }));
    await Promise.all(running);
  }, 15 * 60_000);

  test.each(Object.keys(APPS))('every failed control on the %s is acknowledged', (name) => {
    expect(findings[name].filter((f) => !isAcknowledged(f))).toEqual([]);
  });

  test('every acknowledgement still matches a failed control (remove it once fixed)', () => {
    const all = Object.values(findings).flat();
    const stale = CONTROL_TOWER_ACKNOWLEDGEMENTS.filter((a) => !all.some((f) => f.control === a.control && a.resources.test(f.resource)));
    expect(stale.map((a) => `${a.control} ${a.resources}`)).toEqual([]);
  });
});

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
    const app = new App({ outdir, context: context() });
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
    expect(selected.filter((f) => !isAcknowledged(f))).toHaveLength(2);
  }, 5 * 60_000);

  test('finds on a template of several services, with references between them, what every rule finds on the whole template', async () => {
    // GIVEN resources that the rules of other services' groups refer to: a log group and a bucket
    // encrypted with a key, a function, and the permission that lets a rule (of a service no rule
    // of the Lambda group names) invoke it
    const outdir = tmp('ct-groups-');
    const app = new App({ outdir, context: context() });
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
