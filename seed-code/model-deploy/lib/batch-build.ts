/**
 * What the build action adds for batch stages: the schedule and model roles the project stack
 * made or named (`BATCH_SCHEDULE_ROLES`, `BATCH_MODEL_ROLES`), and the checks that a batch stage
 * can be deployed at all.
 */
import { ROLE_ARN } from './resolve-model-package';
import { Stage, STAGES, StageConfig } from './stage-config';

/** Name of the build variable with the schedule role of each stage: `{"staging": "<arn>", "prod": "<arn>"}`. */
export const BATCH_SCHEDULE_ROLES_VARIABLE = 'BATCH_SCHEDULE_ROLES';

/**
 * Name of the build variable with each project-account batch stage's model role:
 * `{"staging": "<arn>", "prod": "<arn>"}`. A stage in another account runs as that account's model
 * role (`DEPLOYMENT_TARGETS.<stage>.modelExecutionRoleArn`), which is that stage's alone already.
 */
export const BATCH_MODEL_ROLES_VARIABLE = 'BATCH_MODEL_ROLES';

/**
 * Parses `BATCH_SCHEDULE_ROLES`. Unset or empty: none (a project stack older than batch
 * inference; only real-time stages can then be deployed).
 * @throws Error naming the variable, the bad value and what is allowed
 */
export function parseBatchScheduleRoles(text: string | undefined): Partial<Record<Stage, string>> {
  return parseStageRoles(BATCH_SCHEDULE_ROLES_VARIABLE, text);
}

/**
 * Parses `BATCH_MODEL_ROLES`. Unset or empty: none (a project stack older than per-stage batch
 * model roles; a batch stage in the project account then fails the build, see {@link checkBatchStages}).
 * @throws Error naming the variable, the bad value and what is allowed
 */
export function parseBatchModelRoles(text: string | undefined): Partial<Record<Stage, string>> {
  return parseStageRoles(BATCH_MODEL_ROLES_VARIABLE, text);
}

function parseStageRoles(variable: string, text: string | undefined): Partial<Record<Stage, string>> {
  if (text === undefined || text.trim() === '') {
    return {};
  }
  const shape = `a JSON object of stage (${STAGES.join(', ')}) to IAM role ARN`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${variable} must be ${shape}; got '${text}' (not JSON)`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${variable} must be ${shape}; got '${text}'`);
  }
  const roles: Partial<Record<Stage, string>> = {};
  for (const [stage, arn] of Object.entries(raw)) {
    if (!(STAGES as readonly string[]).includes(stage)) {
      throw new Error(`${variable}.${stage} is not a stage; allowed: ${STAGES.join(', ')}`);
    }
    if (typeof arn !== 'string' || !ROLE_ARN.test(arn)) {
      throw new Error(`${variable}.${stage} must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got ${JSON.stringify(arn)}`);
    }
    roles[stage as Stage] = arn;
  }
  return roles;
}

/** The roles a batch stage deploys with, as the project stack passes them to the build. */
export interface BatchRoles {
  /** `BATCH_SCHEDULE_ROLES`: every batch stage's, in the stage's account. */
  readonly schedule: Partial<Record<Stage, string>>;
  /** `BATCH_MODEL_ROLES`: the project-account batch stages'. */
  readonly model: Partial<Record<Stage, string>>;
}

/**
 * Checks that every batch stage can be deployed: the project stack named its schedule role, in
 * the stage's account (a stage in another account: that account's, made by the project's resources
 * there), and, for a stage in the project account, its own model role.
 * @param targets the account of each stage that deploys in another account
 * @throws Error naming the stage file, the setting and what to do
 */
export function checkBatchStages(
  configs: readonly StageConfig[],
  roles: BatchRoles,
  targets: Partial<Record<Stage, { readonly account: string }>>,
): void {
  const update = 'update the project stack (which makes it), or use "realtime"';
  for (const config of configs) {
    if (config.inference !== 'batch') {
      continue;
    }
    const schedule = roles.schedule[config.stage];
    if (schedule === undefined) {
      throw new Error(`${config.source}: "inference": "batch" needs the ${config.stage} schedule role, and ${BATCH_SCHEDULE_ROLES_VARIABLE} does not name one: ${update}`);
    }
    const target = targets[config.stage];
    if (target !== undefined) {
      const account = schedule.split(':')[4];
      if (account !== target.account) {
        throw new Error(`${config.source}: "inference": "batch" in account ${target.account} (DEPLOYMENT_TARGETS.${config.stage}) needs a schedule role of that account, and ${BATCH_SCHEDULE_ROLES_VARIABLE}.${config.stage} is in ${account} ('${schedule}'): update the project stack (its deploy pipeline then makes that account's schedule role)`);
      }
    } else if (roles.model[config.stage] === undefined) {
      throw new Error(`${config.source}: "inference": "batch" needs the ${config.stage} batch model role, and ${BATCH_MODEL_ROLES_VARIABLE} does not name one: ${update}`);
    }
  }
}
