/*
 * Whose approvals of a model package count: the one rule that the project's start-deploy Lambda
 * (bundled from this file) and the deploy build (lib/resolve-model-package.ts) both apply.
 * No imports, so that both can bundle it.
 */

/** The build and Lambda variable naming the project's automation roles, comma-separated role names. */
export const PROJECT_AUTOMATION_ROLES_VARIABLE = 'PROJECT_AUTOMATION_ROLES';

/** An IAM role ARN; groups: partition, account, role name (at most 64 characters). */
export const ROLE_ARN = /^arn:([a-z0-9-]+):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const ASSUMED_ROLE_ARN = /^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Whether `roleArn` is an IAM role ARN (`arn:<partition>:iam::<account>:role/<path/>name`). */
export function isRoleArn(roleArn: string): boolean {
  return ROLE_ARN.test(roleArn);
}

/**
 * Whether an identity ARN is the role itself or a session of it. A session ARN
 * (`arn:<partition>:sts::<account>:assumed-role/<name>/<session>`) carries no role path, so the
 * match is on partition, account and role name; IAM role names are unique per account without
 * regard to case, so the name comparison ignores case.
 */
export function isSessionOfRole(identityArn: string, roleArn: string): boolean {
  const role = ROLE_ARN.exec(roleArn);
  if (!role) {
    return false;
  }
  const identity = ASSUMED_ROLE_ARN.exec(identityArn) ?? ROLE_ARN.exec(identityArn);
  return identity !== null
    && identity[1] === role[1]
    && identity[2] === role[2]
    && identity[3].toLowerCase() === role[3].toLowerCase();
}

/**
 * Reads {@link PROJECT_AUTOMATION_ROLES_VARIABLE}: role names, comma-separated; unset or empty is
 * none (a project stack older than the variable: only the pipeline role is then known).
 * @throws Error naming the variable and the entry that is no role name
 */
export function parseAutomationRoles(text: string | undefined): string[] {
  const names = (text ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  const bad = names.find((n) => !ROLE_NAME.test(n));
  if (bad !== undefined) {
    throw new Error(`${PROJECT_AUTOMATION_ROLES_VARIABLE} must list IAM role names, comma-separated; got '${bad}'`);
  }
  return names;
}

/** The project's automation roles: the SageMaker pipeline's, and every other role of the project stack. */
export interface AutomationRoles {
  /** ARN of the SageMaker pipeline execution role (the account and partition of the others). */
  readonly pipelineRoleArn: string;
  /** Names of the project stack's other roles (builds, pipelines, functions, deploy role). */
  readonly roleNames: readonly string[];
}

/**
 * The project automation role an approver's identity belongs to (its ARN, as the rule reads it), or
 * undefined when it is none of them. An approval counts only when made by someone else: a role of
 * the project runs code from the repositories, so its approval would let a commit skip the review.
 */
export function automationRoleOf(identityArn: string, roles: AutomationRoles): string | undefined {
  if (isSessionOfRole(identityArn, roles.pipelineRoleArn)) {
    return roles.pipelineRoleArn;
  }
  const pipeline = ROLE_ARN.exec(roles.pipelineRoleArn);
  if (!pipeline) {
    return undefined;
  }
  const [, partition, account] = pipeline;
  // Role ARNs without a path: a session ARN carries none, and the match is on the name.
  return roles.roleNames.map((name) => `arn:${partition}:iam::${account}:role/${name}`)
    .find((roleArn) => isSessionOfRole(identityArn, roleArn));
}
