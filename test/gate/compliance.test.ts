import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parseProjectConfig, parseTargetAccountSetup } from '../../lib/config/project-config';
import { addTargetAccountSetupStack } from '../../lib/project-app';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../../lib/private/control-tower-acknowledgements';
import { createDeployApp } from '../../seed-code/model-deploy/lib/deploy-app';
import { STUDIO_TEMPLATE_STACK_ID, StudioTemplateLocation, StudioTemplateStack, studioTemplateApp } from '../../lib/studio/studio-template-stack';
import { PROJECT_ROLE_PATH } from '../../lib/contract/names';
import { projectApp, testApp } from '../support/app';
import { catalogApp } from '../support/catalog';
import { cfnLintAsync, ControlTowerFinding, controlTowerFindings, Finding, isAcknowledgedControl, nagFindings, templatesIn } from '../support/compliance';
import { CONNECTION_CONFIG } from '../support/connection';
import { addTargetAccountStacks, MULTI_ACCOUNT_CONFIG, multiAccountApp } from '../support/multi-account';

/**
 * The gate of every app this repository synthesizes: each configuration is synthesized ONCE, with
 * cdk-nag's AwsSolutions pack and aws-cdk-lib's template validation on (nagFindings), the
 * templates of the configurations marked `lint` go to one cfn-lint process (its Python start-up,
 * about 3 s of CPU, is much of its cost), and those marked `controlTower` to AWS Control Tower's
 * proactive controls (cfn-guard, started as soon as the app is synthesized, beside the next
 * synthesis). The controls' own tests are in control-tower.test.ts.
 */
interface Variant {
  /** Builds the app, written to `outdir`. */
  readonly app: (outdir: string) => App;
  /** Also run cfn-lint on its templates. */
  readonly lint?: boolean;
  /** Number of templates the app writes (checked when linted: the lint must see all of them). */
  readonly templates?: number;
  /** Also run cdk-nag's HIPAA Security and NIST 800-53 R5 packs (in the same synthesis). */
  readonly packs?: boolean;
  /** Also run AWS Control Tower's proactive controls on its templates. */
  readonly controlTower?: boolean;
}

const PROJECT_VARIANTS: Record<string, Variant> = {
  // As `cdk synth` builds it, Lambda bundles included.
  'default configuration': { app: (outdir) => projectApp({ outdir, bundle: true }).app, lint: true, templates: 1, packs: true, controlTower: true },
  'no data retention, no approval, extra data locations': {
    app: (outdir) => projectApp({ outdir, config: { retainData: 'false', manualApproval: 'false', dataLocations: 'my-lake/churn,shared-features' } }).app,
    controlTower: true,
  },
  'no teardown, with a configured id': { app: (outdir) => projectApp({ outdir, config: { teardown: 'false', projectId: 'p-abc123def456' } }).app },
  'CodeConnections source': { app: (outdir) => projectApp({ outdir, config: CONNECTION_CONFIG }).app, lint: true, templates: 1, controlTower: true },
  'multi-account: project and both target stacks': {
    app: (outdir) => multiAccountApp(outdir, MULTI_ACCOUNT_CONFIG), lint: true, templates: 3, packs: true, controlTower: true,
  },
  'multi-account: staging only, no teardown': {
    app: (outdir) => multiAccountApp(outdir, { ...MULTI_ACCOUNT_CONFIG, prodAccount: undefined, teardown: 'false' }),
  },
  // The target templates then take the project's name and derived id as their parameters.
  'multi-account: derived project id, no data retention': {
    app: (outdir) => multiAccountApp(outdir, { ...MULTI_ACCOUNT_CONFIG, projectId: undefined, retainData: 'false' }), lint: true, templates: 3,
  },
};

const CATALOG_VARIANTS: Record<string, Variant> = {
  // As `cdk synth -c serviceCatalog=true` builds it, Lambda bundles included: the catalog stack and the product.
  'with an account and region': { app: (outdir) => catalogApp({ outdir, bundle: true }).app, lint: true, templates: 2, packs: true, controlTower: true },
  'environment-agnostic, asset bucket named': {
    app: (outdir) => catalogApp({ outdir, env: false, assetBucketName: 'my-sagemaker-catalog-assets' }).app,
  },
};

/** The S3 template app (template and launch role stack), as `npm run publish-template -- -c ...` builds it. */
function s3TemplateApp(outdir: string, config: Record<string, unknown>, bundle = false, templateOnly = true): App {
  const parsed = parseProjectConfig(config, { templateOnly });
  const app = testApp({ outdir, bundle });
  studioTemplateApp(app, parsed, new StudioTemplateLocation('platform-sagemaker-templates', 'templates/', parsed.productVersion));
  return app;
}

/**
 * The multi-account S3 template app, with the target accounts' templates its deploy pipeline
 * deploys (their names from their own parameters), so that they are checked as well.
 */
function multiAccountS3TemplateApp(outdir: string): App {
  const config = { ...MULTI_ACCOUNT_CONFIG, projectId: undefined };
  const app = s3TemplateApp(outdir, Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)));
  const template = app.node.findChild(STUDIO_TEMPLATE_STACK_ID) as StudioTemplateStack;
  const accounts = parseProjectConfig(config, { templateOnly: true }).deploymentAccounts!;
  addTargetAccountStacks(app, template.project, accounts, { retainData: true, tags: {} }, PROJECT_ROLE_PATH);
  return app;
}

const S3_TEMPLATE_VARIANTS: Record<string, Variant> = {
  // As `npm run publish-template` builds it, Lambda bundles included.
  'default configuration': { app: (outdir) => s3TemplateApp(outdir, {}, true, false), lint: true, templates: 2 },
  'multi-account: template, launch role and both target templates': { app: multiAccountS3TemplateApp, lint: true, templates: 4 },
};

const CONNECTION_TEMPLATE_VARIANTS: Record<string, Variant> = {
  // Lambda bundles included.
  'S3 template and its launch role': { app: (outdir) => s3TemplateApp(outdir, { sourceProvider: 'codeconnections' }, true), lint: true, templates: 2 },
  'S3 template and its launch role, with a permissions boundary': {
    app: (outdir) => s3TemplateApp(outdir, { sourceProvider: 'codeconnections', permissionsBoundary: 'ProjectBoundary' }),
  },
  // Lambda bundles included; no portfolio principal.
  'Service Catalog stack and product': {
    app: (outdir) => catalogApp({ outdir, bundle: true, config: { ...CONNECTION_CONFIG, portfolioPrincipals: undefined } }).app, lint: true, templates: 2,
    controlTower: true,
  },
};

interface Result {
  readonly findings: Finding[];
  readonly error: unknown;
  readonly templates: string[];
}

const SETUP_VARIANTS: Record<string, Variant> = {
  // As `cdk synth -c prepareTargetAccount=true -c projectAccount=...` builds it.
  'prepared for a project account': {
    app: (outdir) => {
      const app = testApp({ outdir, bundle: true });
      addTargetAccountSetupStack(app, parseTargetAccountSetup({ prepareTargetAccount: 'true', projectAccount: '111111111111' })!);
      return app;
    },
    lint: true, templates: 1, controlTower: true,
  },
};

const GROUPS: Array<[string, Record<string, Variant>]> = [
  ['project', PROJECT_VARIANTS],
  ['target-account set-up', SETUP_VARIANTS],
  ['Service Catalog stack and its product', CATALOG_VARIANTS],
  ['Studio S3 template and its launch role', S3_TEMPLATE_VARIANTS],
  ['Studio templates of a CodeConnections source', CONNECTION_TEMPLATE_VARIANTS],
];

/** The deploy seed's endpoint stacks (Control Tower only: the seed's own cdk-cli test validates and lints them). */
const ENDPOINT_STACKS = 'endpoint stacks of the deploy seed';

const results: Record<string, Record<string, Result>> = {};
/** cfn-lint's output on the linted templates of every group (one process). */
let lint = '';
/** Failed Control Tower controls of each variant marked `controlTower` (by `<group>: <variant>`) and of the endpoint stacks. */
const controlTower: Record<string, ControlTowerFinding[]> = {};
const controlTowerNames = [
  ...GROUPS.flatMap(([group, variants]) => Object.keys(variants).filter((name) => variants[name].controlTower).map((name) => `${group}: ${name}`)),
  ENDPOINT_STACKS,
];

beforeAll(async () => {
  // Every variant synthesized once, its controls checked beside the next synthesis, then one
  // cfn-lint process on every linted template.
  const controls: Array<Promise<void>> = [];
  const checkControls = (name: string, templates: string[]) => controls.push(controlTowerFindings(templates).then((f) => { controlTower[name] = f; }));
  for (const [group, variants] of GROUPS) {
    results[group] = {};
    for (const [name, variant] of Object.entries(variants)) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-'));
      const { findings, error } = nagFindings(variant.app(outdir), outdir, { packs: variant.packs });
      results[group][name] = { findings, error, templates: templatesIn(outdir) };
      if (variant.controlTower) checkControls(`${group}: ${name}`, results[group][name].templates);
    }
  }
  const endpoints = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-endpoints-'));
  createDeployApp({ projectName: 'mlops-demo', projectId: 'p-abc123def456', app: testApp({ outdir: endpoints, bundle: true }) }).app.synth();
  checkControls(ENDPOINT_STACKS, templatesIn(endpoints));
  const linted = GROUPS.flatMap(([group, variants]) => Object.entries(variants).filter(([, v]) => v.lint).flatMap(([name]) => results[group][name].templates));
  [lint] = await Promise.all([cfnLintAsync(linted), ...controls]);
}, 15 * 60_000);

/** cfn-lint's parseable lines (`file:line:col:...`) about these templates. */
const lintOf = (templates: string[]) => lint.split('\n').filter((l) => templates.some((t) => l.startsWith(`${t}:`)));

describe.each(GROUPS)('compliance of the synthesized %s', (group, variants) => {
  // With `packs`, HIPAA Security and NIST 800-53 R5 too.
  test.each(Object.keys(variants))('cdk-nag AwsSolutions (and where marked HIPAA Security, NIST 800-53 R5) finds nothing unacknowledged (%s)', (name) => {
    const { findings, error } = results[group][name];
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  test.each(Object.keys(variants).filter((name) => variants[name].lint))('cfn-lint reports nothing on the templates of: %s', (name) => {
    const { templates } = results[group][name];
    expect(templates).toHaveLength(variants[name].templates!);
    expect(lintOf(templates)).toEqual([]);
  });
});

test('cfn-lint reported nothing at all (no finding about a file it was not asked about)', () => {
  expect(lint).toBe('');
});

describe('AWS Control Tower proactive controls', () => {
  test.each(controlTowerNames)('every failed control on the %s is acknowledged', (name) => {
    expect(controlTower[name].filter((f) => !isAcknowledgedControl(f))).toEqual([]);
  });

  test('every acknowledgement still matches a failed control (remove it once fixed)', () => {
    const all = Object.values(controlTower).flat();
    const stale = CONTROL_TOWER_ACKNOWLEDGEMENTS.filter((a) => !all.some((f) => f.control === a.control && a.resources.test(f.resource)));
    expect(stale.map((a) => `${a.control} ${a.resources}`)).toEqual([]);
  });
});

describe('the gate can fail', () => {
  test('cdk-nag does report an unacknowledged wildcard', () => {
    // GIVEN: a role with a wildcard resource nobody gave a reason for
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
    const { app, stack } = projectApp({ outdir });
    stack.project.modelBuild.pipelineExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'], resources: ['arn:aws:s3:::someone-elses-bucket/*'],
    }));
    // WHEN
    const { findings } = nagFindings(app, outdir);
    // THEN
    expect(findings.map((f) => f.rule)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::someone-elses-bucket/*]']);
  });

  test('template validation is on in nagFindings (CDK_VALIDATION=false elsewhere): a template it rejects fails synthesis', () => {
    // GIVEN: a bucket with a property CloudFormation does not know
    expect(process.env.CDK_VALIDATION).toBe('false');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
    const app = testApp({ outdir, bundle: true });
    new CfnResource(new Stack(app, 'Invalid'), 'Bucket', { type: 'AWS::S3::Bucket', properties: { NotAProperty: 1 } });
    // WHEN
    const { findings, error } = nagFindings(app, outdir);
    // THEN
    expect(error).toBeDefined();
    expect(findings.map((f) => f.rule)).toEqual([expect.stringContaining('F3002')]);
    expect(process.env.CDK_VALIDATION).toBe('false');
  });
});
