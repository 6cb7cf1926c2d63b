import * as zlib from 'node:zlib';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { DeploymentAccounts, TARGET_SETUP, targetAccounts } from '../../lib/contract/accounts';
import { parseProjectConfig } from '../../lib/config/project-config';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { TargetAccountSettings, targetAccountResourcesStack } from '../../lib/project/target-account-resources';
import { TargetAccountSetupStack } from '../../lib/stacks/target-account-setup-stack';
import { projectApp } from './app';

/** The accounts and ids the multi-account tests use. */
export const PROJECT_ACCOUNT = '111111111111';
export const STAGING_ACCOUNT = '222222222222';
export const PROD_ACCOUNT = '333333333333';
export const PROJECT_ID = 'p-abc123def456';
export const REGION = 'eu-west-1';

/** A multi-account configuration, as `-c key=value` would give it. */
export const MULTI_ACCOUNT_CONFIG: Record<string, string> = {
  projectId: PROJECT_ID,
  projectAccount: PROJECT_ACCOUNT,
  stagingAccount: STAGING_ACCOUNT,
  prodAccount: PROD_ACCOUNT,
};

/**
 * The files the deploy pipeline's release check writes into the release (the templates of the
 * project's resources in the target accounts), decoded from its buildspec in the project template.
 */
export function releaseFiles(project: Template): Record<string, string> {
  const projects = Object.values(project.findResources('AWS::CodeBuild::Project'));
  const check = projects.find((p) => JSON.stringify(p.Properties.Source?.BuildSpec ?? '').includes('Release check failed'));
  if (!check) throw new Error('no release check project in the template');
  const buildSpec = JSON.parse(check.Properties.Source.BuildSpec as string) as { phases: { build: { commands: string[] } } };
  return Object.fromEntries(buildSpec.phases.build.commands.flatMap((c) => {
    const m = /^echo '([A-Za-z0-9+/=]+)' \| base64 -d \| gunzip > ([\w.-]+)$/.exec(c);
    return m ? [[m[2], zlib.gunzipSync(Buffer.from(m[1], 'base64')).toString('utf8')]] : [];
  }));
}

/** The templates of a multi-account app: the project stack's and, from its release check, each target account's. */
export function multiAccountTemplates(config: Record<string, string> = MULTI_ACCOUNT_CONFIG): {
  project: Template;
  targets: Record<string, Template>;
} {
  const { stack } = projectApp({ config, templateOnly: true });
  const project = Template.fromStack(stack);
  const files = releaseFiles(project);
  return {
    project,
    targets: Object.fromEntries(Object.entries(files).flatMap(([name, body]) => {
      const account = /^target-(\d{12})\.template\.json$/.exec(name)?.[1];
      return account === undefined ? [] : [[account, Template.fromJSON(JSON.parse(body))]];
    })),
  };
}

/**
 * Evaluates a template value the way CloudFormation would in `account` and {@link REGION}:
 * pseudo parameters, `Fn::Join`, and `Ref` / `Fn::GetAtt` of the template's resources as
 * recognisable placeholders (`<LogicalId>`, `<LogicalId.Attr>`), enough to feed policies to an
 * IAM evaluator.
 */
export function evaluate(value: unknown, account: string, attributes: Record<string, string> = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, account, attributes));
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com' };
    return pseudo[v.Ref] ?? attributes[v.Ref] ?? `<${v.Ref}>`;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    const key = (v['Fn::GetAtt'] as string[]).join('.');
    return attributes[key] ?? `<${key}>`;
  }
  if (typeof v['Fn::Sub'] === 'string') {
    return (v['Fn::Sub'] as string).replace(/\$\{([\w:.]+)\}/g, (_m, name: string) =>
      String(name.includes('.') ? evaluate({ 'Fn::GetAtt': name.split('.') }, account, attributes) : evaluate({ Ref: name }, account, attributes)));
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => evaluate(p, account, attributes)).join(sep);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, evaluate(x, account, attributes)]));
}

/** A role of a template: its name, trust policy and every identity policy statement attached to it. */
export interface TemplateRole {
  readonly logicalId: string;
  readonly roleName?: string;
  readonly trust: { Statement: Array<Record<string, unknown>> };
  readonly statements: Array<Record<string, unknown>>;
}

/** The roles of a template with their trust and identity policies, evaluated in `account`. */
export function templateRoles(template: Template, account: string, attributes: Record<string, string> = {}): TemplateRole[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  // Inline policies, and managed policies of the template attached to the role.
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy');
  return Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([logicalId, r]) => {
    const attached = policies.filter((p) => ((p.Properties.Roles ?? []) as Array<{ Ref?: string }>).some((ref) => ref.Ref === logicalId));
    const inline = (r.Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }> | undefined) ?? [];
    const statements = [...attached.map((p) => p.Properties.PolicyDocument as { Statement: unknown[] }), ...inline.map((p) => p.PolicyDocument)]
      .flatMap((d) => d.Statement);
    return {
      logicalId,
      roleName: r.Properties.RoleName as string | undefined,
      trust: evaluate(r.Properties.AssumeRolePolicyDocument, account, attributes) as TemplateRole['trust'],
      statements: evaluate(statements, account, attributes) as Array<Record<string, unknown>>,
    };
  });
}

/** The role of a template with a given name. */
export function roleNamed(template: Template, account: string, roleName: string, attributes: Record<string, string> = {}): TemplateRole {
  const role = templateRoles(template, account, attributes).find((r) => r.roleName === roleName);
  if (!role) throw new Error(`no role named ${roleName} in the template`);
  return role;
}

/** ARN of a role of a target account's one-time set-up, as IAM sees it. */
export const setupRoleArn = (account: string, name: string) => `arn:aws:iam::${account}:role${TARGET_SETUP.path}${name}`;
/** ARN of the set-up's boundary of the stage roles, as IAM sees it. */
export const setupBoundaryArn = (account: string) => `arn:aws:iam::${account}:policy${TARGET_SETUP.path}${TARGET_SETUP.stageRoleBoundaryName}`;

/** A prepared target account: its set-up's access and execution roles and boundary, their ARNs resolved as IAM would see them. */
export function preparedAccount(account: string, projectAccount = PROJECT_ACCOUNT): { access: TemplateRole; execution: TemplateRole; boundary: unknown } {
  const template = Template.fromStack(new TargetAccountSetupStack(new App(), 'Setup', {
    projectAccount, env: { account, region: REGION },
  }));
  const ids = (type: string) => Object.keys(template.findResources(type));
  const attributes: Record<string, string> = {};
  for (const id of ids('AWS::IAM::Role')) {
    attributes[`${id}.Arn`] = setupRoleArn(account, id.startsWith('CfnExecutionRole') ? TARGET_SETUP.executionRoleName : TARGET_SETUP.deployAccessRoleName);
  }
  for (const id of ids('AWS::IAM::ManagedPolicy')) attributes[id] = setupBoundaryArn(account);
  const boundary = evaluate(Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument, account, attributes);
  return {
    access: roleNamed(template, account, TARGET_SETUP.deployAccessRoleName, attributes),
    execution: roleNamed(template, account, TARGET_SETUP.executionRoleName, attributes),
    boundary,
  };
}

/**
 * Adds to `app` the stacks a multi-account project's deploy pipeline deploys in its target accounts
 * (which the project otherwise synthesizes into its release check), built from the project's own
 * names (a derived id or a Studio template's parameters: the target stacks then take name and id as
 * their own parameters), so that the gate checks those templates too.
 */
export function addTargetAccountStacks(app: App, project: SageMakerProject, accounts: DeploymentAccounts, settings: TargetAccountSettings, projectRolePath?: string): void {
  for (const { account } of targetAccounts(accounts)) {
    targetAccountResourcesStack({ names: project.names, accounts, account, settings, projectRolePath }, app);
  }
}

/** A multi-account project's app with, in the same app, its target accounts' stacks ({@link addTargetAccountStacks}). */
export function multiAccountApp(outdir: string, context: Record<string, string | undefined>, bundle = false): App {
  const config = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const { app, stack } = projectApp({ outdir, config, bundle });
  const parsed = parseProjectConfig(config);
  const settings = { retainData: parsed.project.retainData ?? true, tags: parsed.project.tags ?? {}, alarmEmail: parsed.project.alarmEmail };
  addTargetAccountStacks(app, stack.project, parsed.deploymentAccounts!, settings);
  return app;
}

/** A role's own policies, as the IAM simulator takes identity policies. */
export const identity = (role: TemplateRole) => [{ name: role.logicalId, policy: { Version: '2012-10-17', Statement: role.statements } }];
/** Identity policies that allow everything: what a principal's own account could give it at most. */
export const mayDoAnything = [{ name: 'Anything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];

/** One request to the IAM simulator. */
export interface SimulatedRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly identityPolicies: Simulation['identityPolicies'];
  readonly resourcePolicy?: unknown;
  readonly boundary?: unknown;
  readonly context?: Record<string, string | string[]>;
}

/** The simulator's decision (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`) for a request. */
export async function decide(r: SimulatedRequest): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.resourceAccount },
      // What IAM always knows of a signed request: who made it.
      contextVariables: { 'aws:PrincipalArn': r.principal, 'aws:PrincipalAccount': r.principal.split(':')[4], ...r.context },
    },
    identityPolicies: r.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: r.resourcePolicy,
    permissionBoundaryPolicies: r.boundary === undefined ? undefined : [{ name: 'Boundary', policy: r.boundary }],
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
