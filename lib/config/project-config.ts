import type { DeploymentAccounts } from '../contract/accounts';
import { ConfigError } from '../contract/errors';
import {
  CONNECTION_TEMPLATE_CONSTRAINT_KEYS, ConnectionSettingKey, ConnectionTemplateConstraints, DEFAULT_PROJECT_NAME, DEFAULT_PROJECT_SETTINGS, ProjectSettings, SOURCE_PROVIDERS, SourceProviderName,
} from '../contract/options';
import { projectPropsFromSettings } from '../project/sagemaker-project';
import type { MlopsProjectStackProps } from '../stacks/mlops-project-stack';
import { checkBranch, checkConnectionTemplateConstraints, checkNameLengths, checkProjectId, checkProjectName, checkSettings, checkSourceSettings } from '../contract/rules';

/**
 * The validated configuration of one ML project, as `bin/app.ts` reads it from CDK context
 * (`cdk.json` or `-c key=value`).
 *
 * Every value has a working default, so `npx cdk synth` with no flags yields a complete demo project.
 */
export interface ProjectConfig {
  /** SageMaker project name: 1-32 letters, digits or hyphens, starting with a letter. */
  readonly projectName: string;
  /**
   * SageMaker project id (Studio's look: `p-` and 12 lowercase letters or digits), when set.
   * Unset (the default), CloudFormation derives it from the stack's id at deploy time, unique in
   * every account and region (see `stackDerivedProjectId`).
   */
  readonly projectId?: string;
  /** The project's settings, forwarded whole to the `SageMakerProject` construct. */
  readonly project: ProjectSettings;
  /** Name or ARN of a managed policy applied as permissions boundary to every role, if any. */
  readonly permissionsBoundary?: string;
  /** Whether the app also synthesizes the Service Catalog (Studio organisation template) stack. */
  readonly serviceCatalog: boolean;
  /** IAM principal ARNs (Studio execution roles) the Service Catalog portfolio is shared with. */
  readonly portfolioPrincipals: readonly string[];
  /** Version name of the Service Catalog product (a new name publishes a new template version). */
  readonly productVersion: string;
  /**
   * What a Studio user of a connection template may choose (`allowedConnectionArns`,
   * `repositoryOwner`); empty unless given. The S3 template and the Service Catalog product apply it.
   */
  readonly connectionConstraints: ConnectionTemplateConstraints;
  /**
   * Multi-account deployment (`stagingAccount` / `prodAccount`), when configured.
   * @default - single-account: both stages deploy in the project's account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
  /** Settings that were given but have no effect in this configuration, as messages. */
  readonly warnings: readonly string[];
}

const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,128}$/;
const POLICY_NAME_PATTERN = /^[\w+=,.@-]{1,128}$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user|group)\/[\w+=,.@/-]{1,512}$/;
const VERSION_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** The context keys this app reads; any other plain key is a typo and stops synth. */
export const CONFIG_KEYS = [
  'projectName',
  'projectId',
  'branch',
  'manualApproval',
  'retainData',
  'teardown',
  'tags',
  'permissionsBoundary',
  'serviceCatalog',
  'portfolioPrincipals',
  'productVersion',
  'autoApproveModels',
  'dataLocations',
  'logRetentionDays',
  'sourceProvider',
  'connectionArn',
  'buildRepository',
  'deployRepository',
  'alarmEmail',
  ...CONNECTION_TEMPLATE_CONSTRAINT_KEYS,
  'stagingAccount',
  'prodAccount',
  'projectAccount',
  // Only the one-time preparation of a target account (see parseTargetAccountSetup).
  'prepareTargetAccount',
  // Read only to refuse them with a reason (see readDeploymentAccounts).
  'stagingRegion',
  'prodRegion',
] as const;

/** Options of {@link parseProjectConfig}. */
export interface ParseOptions {
  /**
   * The app builds only the Studio project template (the S3 publisher), no project stack: the
   * connection settings of `sourceProvider=codeconnections` may be left out, as the template's
   * parameters take them from the Studio user (given ones become the parameters' defaults).
   * @default false
   */
  readonly templateOnly?: boolean;
}

/** What `-c prepareTargetAccount=true` synthesizes: the one-time set-up of a target account. */
export interface TargetAccountSetupConfig {
  /** The project account whose projects' deploy pipelines the set-up trusts. */
  readonly projectAccount: string;
  /** Settings given that configure a project, not the set-up (each gets a warning). */
  readonly ignoredKeys: string[];
}

/**
 * With `prepareTargetAccount=true`, the set-up of a target account (`projectAccount` required);
 * otherwise undefined (the app builds a project). Throws `ConfigError`.
 */
export function parseTargetAccountSetup(context: Readonly<Record<string, unknown>>): TargetAccountSetupConfig | undefined {
  if (context.prepareTargetAccount === undefined) return undefined;
  checkUnknownKeys(context);
  if (readBoolean(context, 'prepareTargetAccount') !== true) {
    throw new ConfigError(`\`prepareTargetAccount\` only takes true (it synthesizes the one-time set-up of a target account instead of a project); got ${describe(context.prepareTargetAccount)}`);
  }
  const raw = context.projectAccount;
  const projectAccount = typeof raw === 'number' ? String(raw) : readString(context, 'projectAccount');
  if (projectAccount === undefined || !ACCOUNT_ID.test(projectAccount)) {
    throw new ConfigError('`projectAccount` is required with `prepareTargetAccount=true`: the 12-digit id of the account whose projects deploy '
      + `to this account (write it as a string to keep leading zeros); got ${describe(raw)}`);
  }
  const ignoredKeys = Object.keys(context).filter((k) => !isCdkOwnKey(k) && k !== 'projectAccount' && k !== 'prepareTargetAccount');
  return { projectAccount, ignoredKeys };
}

/** Reads and validates the configuration from a context lookup. Throws `ConfigError`. */
export function parseProjectConfig(context: Readonly<Record<string, unknown>>, options: ParseOptions = {}): ProjectConfig {
  checkUnknownKeys(context);
  const projectName = readString(context, 'projectName') ?? DEFAULT_PROJECT_NAME;
  checkProjectName(projectName);
  const projectId = readString(context, 'projectId');
  if (projectId !== undefined) checkProjectId(projectId);
  checkNameLengths(projectName, projectId);

  const branch = readString(context, 'branch') ?? DEFAULT_PROJECT_SETTINGS.branch;
  checkBranch(branch);

  const permissionsBoundary = readString(context, 'permissionsBoundary');
  if (permissionsBoundary !== undefined
    && !POLICY_ARN_PATTERN.test(permissionsBoundary) && !POLICY_NAME_PATTERN.test(permissionsBoundary)) {
    throw new ConfigError(
      `\`permissionsBoundary\` must be a managed policy name or ARN (arn:<partition>:iam::123456789012:policy/Name); got '${permissionsBoundary}'`,
    );
  }

  const portfolioPrincipals = readStringList(context, 'portfolioPrincipals') ?? [];
  for (const p of portfolioPrincipals) {
    if (!ROLE_ARN_PATTERN.test(p)) {
      throw new ConfigError(
        `\`portfolioPrincipals\` must list IAM role, user or group ARNs (arn:<partition>:iam::123456789012:role/Name); got '${p}'`,
      );
    }
  }
  const productVersion = readString(context, 'productVersion') ?? 'v1';
  if (!VERSION_PATTERN.test(productVersion)) {
    throw new ConfigError(
      `\`productVersion\` must be 1-100 letters, digits, '.', '_' or '-'; got '${productVersion}'`,
    );
  }
  const serviceCatalog = readBoolean(context, 'serviceCatalog') ?? false;
  const source = readSourceSettings(context, options.templateOnly ?? false);
  const multiAccount = readDeploymentAccounts(context);
  const warnings: string[] = [...source.warnings, ...multiAccount.warnings, ...(serviceCatalog ? [] : (['portfolioPrincipals', 'productVersion'] as const)
    .filter((key) => context[key] !== undefined)
    .map((key) => `\`${key}\` is ignored: it configures the Service Catalog product, which only \`serviceCatalog=true\` synthesizes`))];

  const project: ProjectSettings = {
    branch,
    manualApproval: readBoolean(context, 'manualApproval') ?? DEFAULT_PROJECT_SETTINGS.manualApproval,
    retainData: readBoolean(context, 'retainData') ?? DEFAULT_PROJECT_SETTINGS.retainData,
    teardown: readBoolean(context, 'teardown') ?? DEFAULT_PROJECT_SETTINGS.teardown,
    tags: readTags(context),
    autoApproveModels: readBoolean(context, 'autoApproveModels') ?? DEFAULT_PROJECT_SETTINGS.autoApproveModels,
    dataLocations: readStringList(context, 'dataLocations') ?? DEFAULT_PROJECT_SETTINGS.dataLocations,
    logRetentionDays: readNumber(context, 'logRetentionDays') ?? DEFAULT_PROJECT_SETTINGS.logRetentionDays,
    ...source.settings,
    alarmEmail: readString(context, 'alarmEmail'),
  };
  checkSettings(project, { allowMissingConnection: options.templateOnly });
  const constraints = readConnectionConstraints(context, project, options.templateOnly === true || serviceCatalog);
  warnings.push(...constraints.warnings);

  return {
    projectName,
    projectId,
    project,
    permissionsBoundary,
    serviceCatalog,
    portfolioPrincipals,
    productVersion,
    connectionConstraints: constraints.constraints,
    ...(multiAccount.accounts ? { deploymentAccounts: multiAccount.accounts } : {}),
    warnings,
  };
}

// --- Multi-account settings (stagingAccount, prodAccount, projectAccount) ---

const ACCOUNT_ID = /^\d{12}$/;

function readDeploymentAccounts(context: Readonly<Record<string, unknown>>): {
  accounts?: DeploymentAccounts;
  warnings: string[];
} {
  for (const key of ['stagingRegion', 'prodRegion'] as const) {
    if (context[key] !== undefined) {
      throw new ConfigError(`\`${key}\` is not supported (got ${describe(context[key])}): endpoints deploy in the project's region, `
        + 'because SageMaker creates a model from a model package of its own region only; deploy the target stacks in that region');
    }
  }
  const readAccount = (key: 'stagingAccount' | 'prodAccount' | 'projectAccount') => {
    const raw = context[key];
    // `-c prodAccount=012345678901` arrives as a string, cdk.json may hold a number (leading zeros lost).
    const value = typeof raw === 'number' ? String(raw) : readString(context, key);
    if (value !== undefined && !ACCOUNT_ID.test(value)) {
      throw new ConfigError(`\`${key}\` must be a 12-digit AWS account id (write it as a string to keep leading zeros); got ${describe(raw)}`);
    }
    return value;
  };
  const staging = readAccount('stagingAccount');
  const prod = readAccount('prodAccount');
  const projectAccount = readAccount('projectAccount');
  if (staging === undefined && prod === undefined) {
    return {
      warnings: projectAccount === undefined ? [] : ['`projectAccount` is ignored: it configures multi-account deployment, which `stagingAccount` or `prodAccount` turns on'],
    };
  }
  const given = [staging === undefined ? [] : ['`stagingAccount`'], prod === undefined ? [] : ['`prodAccount`']].flat().join(' and ');
  if (projectAccount === undefined) {
    throw new ConfigError(`\`projectAccount\` is required with ${given}: the 12-digit id of the account the project stack deploys to, `
      + 'whose pipeline roles the target accounts\' stacks trust');
  }
  return {
    accounts: {
      projectAccount,
      stageAccounts: { ...(staging === undefined ? {} : { staging }), ...(prod === undefined ? {} : { prod }) },
    },
    warnings: [],
  };
}
// --- end of multi-account settings ---

// --- Source provider settings (sourceProvider, connectionArn, buildRepository, deployRepository) ---

const CONNECTION_KEYS = ['connectionArn', 'buildRepository', 'deployRepository'] as const;

function readSourceSettings(context: Readonly<Record<string, unknown>>, templateOnly: boolean): {
  settings: Pick<ProjectSettings, 'sourceProvider' | ConnectionSettingKey>;
  warnings: string[];
} {
  const provider = readString(context, 'sourceProvider') ?? DEFAULT_PROJECT_SETTINGS.sourceProvider;
  if (!(SOURCE_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ConfigError(`\`sourceProvider\` must be ${SOURCE_PROVIDERS.map((p) => `'${p}'`).join(' or ')}; got '${provider}'`);
  }
  const sourceProvider = provider as SourceProviderName;
  const [connectionArn, buildRepository, deployRepository] = CONNECTION_KEYS.map((key) => readString(context, key));
  if (sourceProvider === 'codecommit') {
    const warnings = CONNECTION_KEYS.filter((key) => context[key] !== undefined)
      .map((key) => `\`${key}\` is ignored: it configures \`sourceProvider=codeconnections\`, and the source provider is 'codecommit'`);
    return { settings: { sourceProvider }, warnings };
  }
  const settings = { sourceProvider, connectionArn, buildRepository, deployRepository };
  // A template's parameters take what is missing (Studio users fill them in); given values are
  // checked all the same, and become the parameters' defaults.
  checkSourceSettings(settings, { allowMissing: templateOnly });
  return { settings, warnings: [] };
}

/**
 * The connection template's constraints. They constrain what a template's Studio users choose, so
 * they are ignored (with a warning) where no template is built, or where the source is CodeCommit.
 */
function readConnectionConstraints(context: Readonly<Record<string, unknown>>, project: ProjectSettings, template: boolean): {
  constraints: ConnectionTemplateConstraints;
  warnings: string[];
} {
  const given = CONNECTION_TEMPLATE_CONSTRAINT_KEYS.filter((key) => context[key] !== undefined);
  const constraints: ConnectionTemplateConstraints = {
    ...(context.allowedConnectionArns === undefined ? {} : { allowedConnectionArns: readStringList(context, 'allowedConnectionArns') }),
    ...(context.repositoryOwner === undefined ? {} : { repositoryOwner: readString(context, 'repositoryOwner') }),
  };
  checkConnectionTemplateConstraints(constraints, project);
  const reason = project.sourceProvider !== 'codeconnections' ? "the source provider is 'codecommit'"
    : !template ? 'it constrains what Studio users of a template choose (`serviceCatalog=true` or `npm run publish-template`), not this project stack'
      : undefined;
  if (reason === undefined) return { constraints, warnings: [] };
  return { constraints: {}, warnings: given.map((key) => `\`${key}\` is ignored: ${reason}`) };
}

function checkUnknownKeys(context: Readonly<Record<string, unknown>>): void {
  const known = new Set<string>(CONFIG_KEYS);
  for (const key of Object.keys(context)) {
    // CDK's own keys (feature flags, CLI settings, lookups) are namespaced or prefixed.
    if (isCdkOwnKey(key) || known.has(key)) continue;
    const hint = closest(key, CONFIG_KEYS);
    throw new ConfigError(
      `unknown setting \`${key}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}; allowed settings: ${CONFIG_KEYS.join(', ')}`,
    );
  }
}

function isCdkOwnKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || key.startsWith('cdk') || key.startsWith('aws-cdk')
    || key === 'acknowledged-issue-numbers' || key === 'cli-telemetry' || key === 'assetOutdir';
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= 3 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function readString(context: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = context[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ConfigError(`\`${key}\` must be a string; got ${describe(value)} (${typeof value})`);
  }
  return value;
}

function readBoolean(context: Readonly<Record<string, unknown>>, key: string): boolean | undefined {
  const value = context[key];
  if (value === undefined || typeof value === 'boolean') return value;
  // `-c key=value` always arrives as a string.
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`\`${key}\` must be true or false; got ${describe(value)}`);
}

function readNumber(context: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = context[key];
  if (value === undefined || typeof value === 'number') return value;
  // `-c key=value` always arrives as a string.
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw new ConfigError(`\`${key}\` must be a whole number; got ${describe(value)}`);
}

function readJson(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(`\`${key}\` must be JSON when given as a string; got '${value}'`);
  }
}

function readStringList(context: Readonly<Record<string, unknown>>, key: string): string[] | undefined {
  let value = context[key];
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    value = value.trim().startsWith('[') ? readJson(key, value) : value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigError(`\`${key}\` must be a list of strings; got ${describe(value)}`);
  }
  return value as string[];
}

function readTags(context: Readonly<Record<string, unknown>>): Record<string, string> {
  let value = context.tags;
  if (value === undefined) return {};
  if (typeof value === 'string') value = readJson('tags', value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`\`tags\` must be an object of tag keys to string values; got ${describe(value)}`);
  }
  const tags: Record<string, string> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 40) {
    throw new ConfigError(`\`tags\` may hold at most 40 tags (AWS allows 50, the project sets its own); got ${entries.length}`);
  }
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      throw new ConfigError(`\`tags.${k}\` must be a string; got ${describe(v)}`);
    }
    if (!TAG_KEY_PATTERN.test(k) || k.toLowerCase().startsWith('aws:')) {
      throw new ConfigError(
        `\`tags\` key '${k}' is not allowed: 1-128 letters, digits, spaces or _.:/=+-@, not starting with 'aws:'`,
      );
    }
    if (k.startsWith('sagemaker:')) {
      throw new ConfigError(`\`tags\` key '${k}' is reserved: the project sets the sagemaker:* tags itself`);
    }
    if (!TAG_VALUE_PATTERN.test(v)) {
      throw new ConfigError(`\`tags.${k}\` value '${v}' is not allowed: 0-256 letters, digits, spaces or _.:/=+-@`);
    }
    tags[k] = v;
  }
  return tags;
}

/**
 * The project stack's properties for a configuration: what `bin/app.ts` gives `MlopsProjectStack`
 * (the settings as the construct's CDK types, the source provider they name).
 */
export function projectStackProps(config: ProjectConfig): MlopsProjectStackProps {
  return {
    // Multi-account: pinned to the project account like the target stacks to theirs, so that CDK
    // refuses to deploy it with another account's credentials.
    ...(config.deploymentAccounts === undefined ? {} : { env: { account: config.deploymentAccounts.projectAccount } }),
    project: {
      ...projectPropsFromSettings(config.project),
      projectName: config.projectName,
      projectId: config.projectId,
      deploymentAccounts: config.deploymentAccounts,
    },
    boundaryPolicy: config.permissionsBoundary,
  };
}

/**
 * The Service Catalog stack's properties for a configuration (`serviceCatalog=true`): the settings
 * the product template bakes in, its boundary, who may use it and the version it publishes.
 */
export function serviceCatalogStackProps(config: ProjectConfig): {
  readonly project: ProjectSettings;
  readonly boundaryPolicy?: string;
  readonly portfolioPrincipals: readonly string[];
  readonly productVersion: string;
  readonly connectionConstraints: ConnectionTemplateConstraints;
  readonly deploymentAccounts?: DeploymentAccounts;
} {
  return {
    ...(config.deploymentAccounts === undefined ? {} : { deploymentAccounts: config.deploymentAccounts }),
    project: config.project,
    boundaryPolicy: config.permissionsBoundary,
    portfolioPrincipals: config.portfolioPrincipals,
    productVersion: config.productVersion,
    connectionConstraints: config.connectionConstraints,
  };
}
