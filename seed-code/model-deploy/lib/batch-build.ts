/**
 * What the build action adds for batch stages: the schedule roles the project stack made
 * (`BATCH_SCHEDULE_ROLES`), and the checks that a batch stage can be deployed at all.
 */
import { ROLE_ARN } from './resolve-model-package';
import { Stage, STAGES, StageConfig } from './stage-config';

/** Name of the build variable with the schedule role of each stage: `{"staging": "<arn>", "prod": "<arn>"}`. */
export const BATCH_SCHEDULE_ROLES_VARIABLE = 'BATCH_SCHEDULE_ROLES';

/**
 * Parses `BATCH_SCHEDULE_ROLES`. Unset or empty: none (a project stack older than batch
 * inference; only real-time stages can then be deployed).
 * @throws Error naming the variable, the bad value and what is allowed
 */
export function parseBatchScheduleRoles(text: string | undefined): Partial<Record<Stage, string>> {
  if (text === undefined || text.trim() === '') {
    return {};
  }
  const shape = `a JSON object of stage (${STAGES.join(', ')}) to IAM role ARN`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${BATCH_SCHEDULE_ROLES_VARIABLE} must be ${shape}; got '${text}' (not JSON)`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${BATCH_SCHEDULE_ROLES_VARIABLE} must be ${shape}; got '${text}'`);
  }
  const roles: Partial<Record<Stage, string>> = {};
  for (const [stage, arn] of Object.entries(raw)) {
    if (!(STAGES as readonly string[]).includes(stage)) {
      throw new Error(`${BATCH_SCHEDULE_ROLES_VARIABLE}.${stage} is not a stage; allowed: ${STAGES.join(', ')}`);
    }
    if (typeof arn !== 'string' || !ROLE_ARN.test(arn)) {
      throw new Error(`${BATCH_SCHEDULE_ROLES_VARIABLE}.${stage} must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got ${JSON.stringify(arn)}`);
    }
    roles[stage as Stage] = arn;
  }
  return roles;
}

/**
 * Checks that every batch stage can be deployed: the project stack made its schedule role, and
 * the stage deploys in the project account (batch stages in target accounts are not supported
 * yet: the target account's stack makes no schedule role).
 * @param targets the stages that deploy in another account
 * @throws Error naming the stage file, the setting and what to do
 */
export function checkBatchStages(
  configs: readonly StageConfig[],
  roles: Partial<Record<Stage, string>>,
  targets: Partial<Record<Stage, unknown>>,
): void {
  for (const config of configs) {
    if (config.inference !== 'batch') {
      continue;
    }
    if (targets[config.stage] !== undefined) {
      throw new Error(`${config.source}: "inference": "batch" is not supported yet for a stage in another account (DEPLOYMENT_TARGETS.${config.stage}); use "realtime" there, or deploy ${config.stage} in the project account`);
    }
    if (roles[config.stage] === undefined) {
      throw new Error(`${config.source}: "inference": "batch" needs the ${config.stage} schedule role, and ${BATCH_SCHEDULE_ROLES_VARIABLE} does not name one: update the project stack (which makes it), or use "realtime"`);
    }
  }
}
