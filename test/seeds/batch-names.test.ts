import { Stack } from 'aws-cdk-lib';
import { ProjectNames } from '../../lib/contract/names';
import {
  BATCH_INPUT_PREFIX,
  BATCH_OUTPUT_PREFIX,
  BATCH_SCHEDULE_NAME,
  BATCH_SMOKE_TEST_PREFIX,
  batchFailureRuleArn,
  batchScheduleGroupName,
} from '../../lib/project/batch-inference';
import { BATCH_INPUT_ROOT, BATCH_OUTPUT_ROOT, SMOKE_TEST_PREFIX } from '../../seed-code/model-deploy/lib/batch-config';
import {
  BATCH_SCHEDULE_NAME as SEED_SCHEDULE_NAME,
  batchFailureRuleName,
  batchScheduleGroupName as seedScheduleGroupName,
  transformJobNamePrefix,
} from '../../seed-code/model-deploy/lib/batch-transform';

/**
 * The project grants the deploy seed's batch stacks their resources by name: the two sides must
 * name them alike (the seed is its own repository, so each side holds its copy of the names).
 */
describe.each(['staging', 'prod'] as const)('the %s batch stage', (stage) => {
  const names = new ProjectNames('churn', 'p-abc123def456');

  test('schedule group, schedule, failure rule and job names are the seed\'s', () => {
    expect(batchScheduleGroupName(names, stage)).toBe(seedScheduleGroupName('churn', stage));
    expect(BATCH_SCHEDULE_NAME).toBe(SEED_SCHEDULE_NAME);
    const stack = new Stack(undefined, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    expect(batchFailureRuleArn(stack, names, stage)).toMatch(new RegExp(`:events:eu-west-1:111111111111:rule/${batchFailureRuleName('churn', stage)}$`));
    expect(`${names.endpointNameInArn(stage)}-`).toBe(transformJobNamePrefix('churn', stage));
  });

  test('input, output and staging-test prefixes are the seed\'s', () => {
    expect([BATCH_INPUT_PREFIX, BATCH_OUTPUT_PREFIX, BATCH_SMOKE_TEST_PREFIX]).toEqual([BATCH_INPUT_ROOT, BATCH_OUTPUT_ROOT, SMOKE_TEST_PREFIX]);
  });
});
