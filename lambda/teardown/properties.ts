/**
 * The custom resource's ResourceProperties contract and its validation.
 *
 * Pure: no AWS calls, so it can be unit tested without mocks.
 */

/** Validated, typed view of the teardown custom resource's ResourceProperties. */
export interface TeardownProperties {
  /** SageMaker project name (`SageMakerProjectName`). Only used in log lines. */
  readonly projectName: string;
  /** SageMaker project id; resources are only touched when their `sagemaker:project-id` tag equals it. */
  readonly projectId: string;
  /** Endpoint stacks created by the deploy CodePipeline (`sagemaker-<name>-<id>-deploy-<stage>`). */
  readonly stackNames: readonly string[];
  /**
   * The role each of {@link stackNames} is deleted with (its stage's deploy role, passed as
   * DeleteStack's RoleARN), by stack name; a stack not named here is deleted with the role it was
   * last deployed with.
   */
  readonly stackRoleArns: Readonly<Record<string, string>>;
  /**
   * SageMaker pipeline created by the model-build seed (`<name>-<id>`); absent in a target account's
   * teardown (multi-account), where there is none.
   */
  readonly pipelineName?: string;
  /** Model package group the model-build pipeline registers into (`<name>-<id>`). */
  readonly modelPackageGroupName: string;
  /** When true the model registry is never touched; when false its model packages are deleted. */
  readonly retainData: boolean;
  /** Multi-account: the target accounts whose project stacks are deleted there (none in single-account mode). */
  readonly targetAccounts: readonly TargetAccount[];
}

/** A target account of a multi-account project, and what the teardown deletes there. */
export interface TargetAccount {
  /** The account id (12 digits). */
  readonly account: string;
  /** The account's set-up access role, assumed with a session tag of the project id. */
  readonly accessRoleArn: string;
  /** The set-up's CloudFormation execution role, passed with each DeleteStack. */
  readonly executionRoleArn: string;
  /** The endpoint (or batch) stacks of the stages the account hosts: deleted first. */
  readonly stackNames: readonly string[];
  /** The project's resources stack there (`sagemaker-<name>-<id>-target-<account>`): deleted once those are gone. */
  readonly resourcesStackName: string;
}

/** The tag every resource of a SageMaker project carries; the only proof that a resource is ours. */
export const PROJECT_ID_TAG = 'sagemaker:project-id';

/**
 * Parses and validates the raw ResourceProperties sent by CloudFormation.
 *
 * @throws Error naming the property, echoing the bad value and saying what is allowed.
 */
export function parseProperties(raw: Record<string, unknown> | undefined): TeardownProperties {
  const props = raw ?? {};
  return {
    projectName: requireString(props, 'ProjectName'),
    projectId: requireString(props, 'ProjectId'),
    stackNames: requireStringArray(props, 'StackNames'),
    stackRoleArns: parseStackRoles(props.StackRoles),
    ...(props.PipelineName === undefined ? {} : { pipelineName: requireString(props, 'PipelineName') }),
    modelPackageGroupName: requireString(props, 'ModelPackageGroupName'),
    retainData: requireBoolean(props, 'RetainData'),
    targetAccounts: parseTargetAccounts(props.TargetAccounts),
  };
}

function parseStackRoles(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) {
    throw new Error(`\`StackRoles\` must be an array of stack names with their roles; got ${describe(value)}`);
  }
  return Object.fromEntries(value.map((item: unknown, i) => {
    const entry = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    return [requireString(entry, 'StackName', `StackRoles[${i}].StackName`), requireString(entry, 'RoleArn', `StackRoles[${i}].RoleArn`)];
  }));
}

function parseTargetAccounts(value: unknown): TargetAccount[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new Error(`\`TargetAccounts\` must be an array of target accounts; got ${describe(value)}`);
  }
  return value.map((item: unknown, i) => {
    const target = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const key = (name: string) => `TargetAccounts[${i}].${name}`;
    const account = requireString(target, 'Account', key('Account'));
    if (!/^\d{12}$/.test(account)) throw new Error(`\`${key('Account')}\` must be a 12-digit account id; got '${account}'`);
    return {
      account,
      accessRoleArn: requireString(target, 'AccessRoleArn', key('AccessRoleArn')),
      executionRoleArn: requireString(target, 'ExecutionRoleArn', key('ExecutionRoleArn')),
      stackNames: requireStringArray(target, 'StackNames', key('StackNames')),
      resourcesStackName: requireString(target, 'ResourcesStackName', key('ResourcesStackName')),
    };
  });
}

function requireString(props: Record<string, unknown>, key: string, label = key): string {
  const value = props[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`\`${label}\` must be a non-empty string; got ${describe(value)}`);
  }
  return value;
}

function requireStringArray(props: Record<string, unknown>, key: string, label = key): string[] {
  const value = props[key];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
    throw new Error(`\`${label}\` must be an array of non-empty stack names; got ${describe(value)}`);
  }
  return [...new Set(value as string[])];
}

function requireBoolean(props: Record<string, unknown>, key: string): boolean {
  // CloudFormation turns every scalar custom resource property into a string, so only the
  // two string spellings are accepted; anything else is a wiring mistake worth failing on.
  const value = props[key];
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`\`${key}\` must be 'true' or 'false'; got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}
