import { createHash } from 'node:crypto';

/**
 * The validated configuration of one ML project, as `bin/app.ts` reads it from CDK context
 * (`cdk.json` or `-c key=value`).
 *
 * Every value has a working default, so `npx cdk synth` with no flags yields a complete demo project.
 */
export interface ProjectConfig {
  /** SageMaker project name: 1-32 letters, digits or hyphens, starting with a letter. */
  readonly projectName: string;
  /** SageMaker project id (Studio's look: `p-` and 12 lowercase letters or digits). */
  readonly projectId: string;
  /** Branch of both repositories that triggers the pipelines. */
  readonly branch: string;
  /** Whether promotion from staging to production waits for a person. */
  readonly manualApproval: boolean;
  /** Whether data (bucket, model registry, repositories) survives deletion of the project. */
  readonly retainData: boolean;
  /** Whether deleting the project also deletes its endpoint stacks and SageMaker pipeline. */
  readonly teardown: boolean;
  /** Extra tags for every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Name or ARN of a managed policy applied as permissions boundary to every role, if any. */
  readonly permissionsBoundary?: string;
  /** Whether the app also synthesizes the Service Catalog (Studio organisation template) stack. */
  readonly serviceCatalog: boolean;
  /** IAM principal ARNs (Studio execution roles) the Service Catalog portfolio is shared with. */
  readonly portfolioPrincipals: readonly string[];
  /** Version name of the Service Catalog product (a new name publishes a new template version). */
  readonly productVersion: string;
}

/** Thrown for any invalid configuration value; the message names the setting, value and rule. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Default project name of the demo project. */
export const DEFAULT_PROJECT_NAME = 'mlops-demo';

/** Pattern SageMaker applies to project names (and Studio's CreateProject form). */
export const PROJECT_NAME_PATTERN = '^[a-zA-Z](-*[a-zA-Z0-9])*$';
/** Maximum project name length SageMaker accepts. */
export const PROJECT_NAME_MAX_LENGTH = 32;
/** Pattern of project ids: SageMaker generates `p-` and 12 lowercase letters or digits. */
export const PROJECT_ID_PATTERN = '^p-[a-z0-9]{1,14}$';
/** Maximum project id length; longer ids would push composed names over AWS limits. */
export const PROJECT_ID_MAX_LENGTH = 16;
/**
 * Pattern of the ids SageMaker Studio generates (`p-` and 12 characters), for the Service Catalog
 * product's parameter: there the composed-name check cannot run at synth, so the parameter is
 * held to what keeps a 32-character name within every composed limit (rule names: 64).
 */
export const STUDIO_PROJECT_ID_PATTERN = '^p-[a-z0-9]{1,12}$';
/** Maximum length of {@link STUDIO_PROJECT_ID_PATTERN} ids. */
export const STUDIO_PROJECT_ID_MAX_LENGTH = 14;

const BRANCH_PATTERN = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}$/;
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
] as const;

/**
 * Names composed from project name and id, with the AWS limit each must respect.
 * Checked once at synth so that a long name fails here, not halfway through a deployment.
 */
const COMPOSED_NAME_LIMITS: ReadonlyArray<{ what: string; compose: (n: string, i: string) => string; max: number }> = [
  { what: 'EventBridge rule name', compose: (n, i) => `sagemaker-${n}-${i}-model`, max: 64 },
  { what: 'model package group / SageMaker pipeline name', compose: (n, i) => `${n}-${i}`, max: 63 },
  { what: 'CodeCommit repository name', compose: (n, i) => `sagemaker-${n}-${i}-modeldeploy`, max: 100 },
  { what: 'CodePipeline name', compose: (n, i) => `sagemaker-${n}-${i}-modeldeploy`, max: 100 },
  { what: 'S3 bucket name', compose: (_n, i) => `sagemaker-project-${i}-access-logs`, max: 63 },
  { what: 'endpoint name', compose: (n) => `${n}-staging`, max: 63 },
];

/**
 * Derives a Studio-style project id from a project name: stable across runs and machines,
 * so redeploying the same project never renames (and so replaces) its resources.
 */
export function deriveProjectId(projectName: string): string {
  const digest = createHash('sha256').update(projectName).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 12; i++) id += alphabet[digest[i] % alphabet.length];
  return `p-${id}`;
}

/** Reads and validates the configuration from a context lookup. Throws `ConfigError`. */
export function parseProjectConfig(context: Readonly<Record<string, unknown>>): ProjectConfig {
  checkUnknownKeys(context);
  const projectName = readString(context, 'projectName') ?? DEFAULT_PROJECT_NAME;
  checkProjectName(projectName);
  const projectId = readString(context, 'projectId') ?? deriveProjectId(projectName);
  checkProjectId(projectId);
  checkComposedNames(projectName, projectId);

  const branch = readString(context, 'branch') ?? 'main';
  if (!BRANCH_PATTERN.test(branch)) {
    throw new ConfigError(
      `\`branch\` must be a valid git branch name (1-100 letters, digits, '.', '_', '-', '/'; no '..', no leading or trailing '/'); got '${branch}'`,
    );
  }

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

  return {
    projectName,
    projectId,
    branch,
    manualApproval: readBoolean(context, 'manualApproval') ?? true,
    retainData: readBoolean(context, 'retainData') ?? true,
    teardown: readBoolean(context, 'teardown') ?? true,
    tags: readTags(context),
    permissionsBoundary,
    serviceCatalog: readBoolean(context, 'serviceCatalog') ?? false,
    portfolioPrincipals,
    productVersion,
  };
}

/** Checks a project name against SageMaker's rules. Exported for the construct's own validation. */
export function checkProjectName(projectName: string): void {
  if (projectName.length < 1 || projectName.length > PROJECT_NAME_MAX_LENGTH
    || !new RegExp(PROJECT_NAME_PATTERN).test(projectName)) {
    throw new ConfigError(
      `\`projectName\` must be 1-${PROJECT_NAME_MAX_LENGTH} letters, digits or hyphens, starting with a letter and not ending with a hyphen; got '${projectName}'`,
    );
  }
}

/** Checks a project id against the pattern of SageMaker-generated ids. */
export function checkProjectId(projectId: string): void {
  if (projectId.length > PROJECT_ID_MAX_LENGTH || !new RegExp(PROJECT_ID_PATTERN).test(projectId)) {
    throw new ConfigError(
      `\`projectId\` must be 'p-' followed by 1-14 lowercase letters or digits (like SageMaker's p-1a2b3c4d5e6f); got '${projectId}'`,
    );
  }
}

function checkComposedNames(projectName: string, projectId: string): void {
  for (const limit of COMPOSED_NAME_LIMITS) {
    const composed = limit.compose(projectName, projectId);
    if (composed.length > limit.max) {
      throw new ConfigError(
        `\`projectName\` '${projectName}' with \`projectId\` '${projectId}' gives the ${limit.what} '${composed}' `
          + `of ${composed.length} characters; AWS allows at most ${limit.max}: shorten the name or the id`,
      );
    }
  }
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
