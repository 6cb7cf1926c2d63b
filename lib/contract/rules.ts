import { Token } from 'aws-cdk-lib/core';
import { ConfigError } from './errors';
import { GENERATED_PROJECT_ID_LENGTH, NAME_LIMITS, NameLimit, ProjectNames, stackDerivedProjectId } from './names';
import { ConnectionSettingKey, ConnectionTemplateConstraints, LOG_RETENTION_DAYS, ProjectSettings } from './options';

// The validation rules of a project's settings, shared by the configuration parser (config/),
// the construct (which checks what it is given directly) and the Studio templates' parameters.

/** Pattern SageMaker applies to project names (and Studio's CreateProject form). */
export const PROJECT_NAME_PATTERN = '^[a-zA-Z](-*[a-zA-Z0-9])*$';
/** Maximum project name length SageMaker accepts. */
export const PROJECT_NAME_MAX_LENGTH = 32;
/** Pattern of project ids: SageMaker generates `p-` and 12 lowercase letters or digits. */
export const PROJECT_ID_PATTERN = '^p-[a-z0-9]{1,14}$';
/** Maximum project id length; longer ids would push composed names over AWS limits. */
export const PROJECT_ID_MAX_LENGTH = 16;

/**
 * The longest project name (at most `PROJECT_NAME_MAX_LENGTH`) whose every composed name stays
 * within its AWS limit with project ids of `idLength` characters; 0 when no name fits.
 */
export function longestProjectName(idLength: number, limits: readonly NameLimit[] = NAME_LIMITS): number {
  const id = 'p-' + 'x'.repeat(idLength - 2);
  for (let length = PROJECT_NAME_MAX_LENGTH; length > 0; length--) {
    if (new ProjectNames('a'.repeat(length), id).lengthViolations(limits).length === 0) return length;
  }
  return 0;
}

/**
 * Bounds of the Studio templates' parameters. There the composed-name check cannot run at synth
 * (name and id are CloudFormation parameters), so the parameters' own constraints carry it: ids
 * as SageMaker generates them (`p-` and 12 characters), and names no longer than the naming
 * contract allows with such ids. Computed from the contract at synth: a composed name made longer
 * tightens the published name bound.
 */
export const STUDIO_PROJECT_ID_MAX_LENGTH = GENERATED_PROJECT_ID_LENGTH;
/** Pattern of the Studio templates' `SageMakerProjectId`: `p-` and up to the generated length. */
export const STUDIO_PROJECT_ID_PATTERN = `^p-[a-z0-9]{1,${STUDIO_PROJECT_ID_MAX_LENGTH - 2}}$`;
/** Longest `SageMakerProjectName` of the Studio templates: see {@link STUDIO_PROJECT_ID_MAX_LENGTH}. */
export const STUDIO_PROJECT_NAME_MAX_LENGTH = longestProjectName(STUDIO_PROJECT_ID_MAX_LENGTH);

/**
 * Checks the combinations of settings that would lose data or break a live project. Exported for
 * the construct, which runs the same checks when used directly.
 */
export function checkSettings(settings: Partial<ProjectSettings>, options: { readonly allowMissingConnection?: boolean } = {}): void {
  if (settings.retainData === false && settings.teardown === false) {
    throw new ConfigError(
      '`retainData=false` needs `teardown=true`: without the teardown, deleting the project would delete the KMS key '
        + 'and bucket that its endpoint stacks (left running) still use for data capture and model artifacts',
    );
  }
  if (settings.branch !== undefined && !Token.isUnresolved(settings.branch)) checkBranch(settings.branch);
  checkSourceSettings(settings, { allowMissing: options.allowMissingConnection });
  for (const location of settings.dataLocations ?? []) checkDataLocation(location);
  if (settings.logRetentionDays !== undefined && !LOG_RETENTION_DAYS.includes(settings.logRetentionDays)) {
    throw new ConfigError(
      `\`logRetentionDays\` must be one of the periods CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')}); got ${settings.logRetentionDays}`,
    );
  }
  if (settings.alarmEmail !== undefined) checkAlarmEmail(settings.alarmEmail);
}

/**
 * One e-mail address as SNS takes it for an `email` subscription: local part, `@`, a domain with a
 * dot; no spaces, commas, angle brackets or `..` (a display name or a list is not an address).
 * Also the `AlarmEmail` parameter's pattern in the Studio templates.
 */
export const ALARM_EMAIL_PATTERN = "^(?!.*\\.\\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$";
const EMAIL_PATTERN = new RegExp(ALARM_EMAIL_PATTERN);
/** Longest address SMTP delivers (RFC 5321 path limit). */
export const ALARM_EMAIL_MAX_LENGTH = 254;

/** Checks `alarmEmail`: one address; an unresolved token (a template parameter) is skipped. */
export function checkAlarmEmail(email: string): void {
  if (Token.isUnresolved(email)) return;
  if (email.length > ALARM_EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(email)) {
    const list = /[,;\s]/.test(email.trim()) ? ' (for several people, use a distribution list)' : '';
    throw new ConfigError(`\`alarmEmail\` must be one e-mail address, like name@example.com${list}; got '${email}'`);
  }
}

/** S3 bucket names (general purpose buckets): 3-63 lowercase letters, digits, dots, hyphens. */
const BUCKET_NAME = /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Checks one entry of `dataLocations`: `bucket` or `bucket/prefix`, no wildcards, no `s3://`. */
export function checkDataLocation(location: string): void {
  const slash = location.indexOf('/');
  const bucket = slash < 0 ? location : location.slice(0, slash);
  const prefix = slash < 0 ? '' : location.slice(slash + 1);
  const problem = location.startsWith('s3://') ? "write it without 's3://'"
    : !BUCKET_NAME.test(bucket) || bucket.includes('..') ? `'${bucket}' is not an S3 bucket name (3-63 lowercase letters, digits, '.' or '-')`
      : /[*?]/.test(prefix) ? 'wildcards are not allowed: the prefix is matched as a prefix already'
        : slash >= 0 && (prefix.length === 0 || prefix.startsWith('/') || prefix.endsWith('/')) ? "the prefix must not be empty or start or end with '/'"
          : undefined;
  if (problem) {
    throw new ConfigError(`\`dataLocations\` entry '${location}' is not a bucket or bucket/prefix: ${problem}`);
  }
}

/**
 * Pattern of connection ARNs, either service prefix. Shared with the `CodeConnectionArn` parameter
 * of the Studio templates (JavaScript and CloudFormation's Java patterns read it alike).
 */
export const CONNECTION_ARN_PATTERN = '^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/**
 * Pattern of repository full names: `owner/name`, GitLab `group/subgroup/.../name`, parts of
 * letters, digits, '.', '_' or '-', not ending with `.git`. Shared with the Studio templates'
 * `Model{Build,Deploy}CodeRepositoryFullname` parameters.
 */
export const REPOSITORY_FULL_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+(?<!\\.[Gg][Ii][Tt])$';
/** Longest repository full name (CodePipeline's `FullRepositoryId`). */
export const REPOSITORY_FULL_NAME_MAX_LENGTH = 1024;
/**
 * The rules of {@link checkBranch} as one pattern, for the Studio templates' branch parameter
 * (a test holds both to the same table of names).
 */
export const BRANCH_PATTERN = '^(?!-)(?!HEAD$)(?!/)(?!.*/$)(?!.*//)(?!.*\\.\\.)(?!.*\\.$)(?!(.*/)?\\.)(?!.*\\.lock(/|$))[A-Za-z0-9._/-]+$';
/** Longest branch name the project accepts. */
export const BRANCH_MAX_LENGTH = 100;

/** Checks the source provider settings; unresolved tokens (CloudFormation parameters) are skipped. */
export function checkSourceSettings(
  settings: Partial<Pick<ProjectSettings, 'sourceProvider' | ConnectionSettingKey>>,
  options: { readonly allowMissing?: boolean } = {},
): void {
  if (settings.sourceProvider !== 'codeconnections') return;
  const { connectionArn, buildRepository, deployRepository } = settings;
  if (connectionArn === undefined && !options.allowMissing) {
    throw new ConfigError('`connectionArn` is required with `sourceProvider=codeconnections`: the ARN of an available connection '
      + '(arn:aws:codeconnections:<region>:<account>:connection/<id>)');
  }
  if (connectionArn !== undefined && !Token.isUnresolved(connectionArn) && !new RegExp(CONNECTION_ARN_PATTERN).test(connectionArn)) {
    throw new ConfigError('`connectionArn` must be a connection ARN, arn:<partition>:codeconnections:<region>:<account>:connection/<uuid> '
      + `(or the older codestar-connections form); got '${connectionArn}'`);
  }
  for (const [key, value] of [['buildRepository', buildRepository], ['deployRepository', deployRepository]] as const) {
    if (value === undefined) {
      if (options.allowMissing) continue;
      throw new ConfigError(`\`${key}\` is required with \`sourceProvider=codeconnections\`: the full name of an existing repository, owner/name`);
    }
    if (!Token.isUnresolved(value) && (value.length > REPOSITORY_FULL_NAME_MAX_LENGTH || !new RegExp(REPOSITORY_FULL_NAME_PATTERN).test(value))) {
      throw new ConfigError(`\`${key}\` must be a repository's full name, owner/name (GitLab: group/subgroup/name), `
        + `in parts of letters, digits, '.', '_' or '-' and without '.git'; got '${value}'`);
    }
  }
  if (buildRepository !== undefined && deployRepository !== undefined && !Token.isUnresolved(buildRepository) && !Token.isUnresolved(deployRepository)
    && buildRepository.toLowerCase() === deployRepository?.toLowerCase()) {
    throw new ConfigError(`\`buildRepository\` and \`deployRepository\` must be two different repositories; both are '${buildRepository}'`);
  }
}

/** Pattern of a `repositoryOwner`: `owner`, or a GitLab `group/subgroup`, in parts like a repository full name's. */
const REPOSITORY_OWNER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/**
 * Pattern of the repository full names under `owner` (any letter case, as the Git providers
 * compare owners): `<owner>/<name>`, GitLab also `<group>/<subgroup>/<name>`, with the rest of
 * {@link REPOSITORY_FULL_NAME_PATTERN}. For the Studio templates' repository parameters.
 */
export function repositoryOwnerPattern(owner: string): string {
  const caseless = [...owner].map((c) => /[A-Za-z]/.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c === '.' ? '\\.' : c).join('');
  return `^${caseless}(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+(?<!\\.[Gg][Ii][Tt])$`;
}

/**
 * Checks the constraints of a connection template (`allowedConnectionArns`, `repositoryOwner`)
 * and that the values configured as the parameters' defaults keep them.
 */
export function checkConnectionTemplateConstraints(
  constraints: ConnectionTemplateConstraints,
  settings: Partial<Pick<ProjectSettings, ConnectionSettingKey>>,
): void {
  const { allowedConnectionArns, repositoryOwner } = constraints;
  if (allowedConnectionArns !== undefined) {
    if (allowedConnectionArns.length === 0) {
      throw new ConfigError('`allowedConnectionArns` must list at least one connection ARN; leave it out to allow any connection');
    }
    for (const arn of allowedConnectionArns) {
      if (!new RegExp(CONNECTION_ARN_PATTERN).test(arn)) {
        throw new ConfigError('`allowedConnectionArns` must list connection ARNs, arn:<partition>:codeconnections:<region>:<account>:connection/<uuid> '
          + `(or the older codestar-connections form); got '${arn}'`);
      }
    }
    if (settings.connectionArn !== undefined && !allowedConnectionArns.includes(settings.connectionArn)) {
      throw new ConfigError(`\`connectionArn\` must be one of \`allowedConnectionArns\` (${allowedConnectionArns.join(', ')}); got '${settings.connectionArn}'`);
    }
  }
  if (repositoryOwner !== undefined) {
    if (repositoryOwner.length > REPOSITORY_FULL_NAME_MAX_LENGTH - 2 || !REPOSITORY_OWNER_PATTERN.test(repositoryOwner)) {
      throw new ConfigError('`repositoryOwner` must be an owner or group name (GitLab: group/subgroup), in parts of letters, digits, '
        + `'.', '_' or '-', without a leading or trailing '/'; got '${repositoryOwner}'`);
    }
    for (const key of ['buildRepository', 'deployRepository'] as const) {
      const value = settings[key];
      if (value !== undefined && !new RegExp(repositoryOwnerPattern(repositoryOwner)).test(value)) {
        throw new ConfigError(`\`${key}\` must be a repository under \`repositoryOwner\` '${repositoryOwner}' (${repositoryOwner}/<name>); got '${value}'`);
      }
    }
  }
}

/**
 * Checks a branch name against git's rules for branch names (`git check-ref-format --branch`) and
 * the characters CodeCommit and CodePipeline filters handle.
 */
export function checkBranch(branch: string): void {
  const problem = branchProblem(branch);
  if (problem) throw new ConfigError(`\`branch\` '${branch}' is not a valid git branch name: ${problem}`);
}

function branchProblem(branch: string): string | undefined {
  if (branch.length < 1 || branch.length > BRANCH_MAX_LENGTH) return `it must be 1-${BRANCH_MAX_LENGTH} characters`;
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) return "use letters, digits, '.', '_', '-' and '/' only";
  if (branch.startsWith('-')) return "it must not start with '-' (git would read it as an option)";
  if (branch === '@') return "'@' alone is not a branch name";
  if (branch === 'HEAD') return "'HEAD' names the current commit, not a branch";
  if (branch.startsWith('/') || branch.endsWith('/') || branch.includes('//')) {
    return "'/' separates non-empty parts: not at the start or end, not twice in a row";
  }
  if (branch.includes('..')) return "it must not contain '..' (git reads it as a range)";
  if (branch.endsWith('.')) return "it must not end with '.'";
  for (const part of branch.split('/')) {
    if (part.startsWith('.')) return `the part '${part}' must not start with '.'`;
    if (part.endsWith('.lock')) {
      return `the part '${part}' must not end with '.lock' (git keeps its lock files under that suffix)`;
    }
  }
  return undefined;
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

export function checkNameLengths(projectName: string, projectId: string | undefined): void {
  const problems = new ProjectNames(projectName, projectId ?? stackDerivedProjectId()).lengthViolations();
  if (problems.length > 0) {
    const id = projectId === undefined ? '' : ` with \`projectId\` '${projectId}'`;
    throw new ConfigError(`\`projectName\` '${projectName}'${id} is too long: ${problems[0]}; shorten the name`
      + (projectId === undefined ? '' : ' or the id'));
  }
}
