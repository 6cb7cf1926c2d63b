import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { evaluate, REGION, TemplateRole, templateRoles } from '../support/multi-account';

/**
 * What the project account grants the deploy seed's batch stages ("inference": "batch"): the
 * schedule role of each stage, the model role's reach into the bucket, the staging test's rights,
 * the deploy role's schedule and rule rights, and the alarm topic's door for failed runs.
 */
const ACCOUNT = '111111111111';
const PROJECT_ID = 'p-aaaaaaaaaaaa';
const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Stack', { env: { account: ACCOUNT, region: REGION } });
const project = new SageMakerProject(stack, 'Project', { projectName: 'churn', projectId: PROJECT_ID });
const template = Template.fromStack(stack);
const [bucketId] = Object.entries(template.findResources('AWS::S3::Bucket')).find(([, r]) => r.Properties.BucketName === `sagemaker-project-${PROJECT_ID}`) ?? [];
const BUCKET = 'sagemaker-project-bucket';
// Every bucket gets a real ARN (the simulator does not match placeholders as a reader would).
const attributes = Object.fromEntries(Object.keys(template.findResources('AWS::S3::Bucket'))
  .map((id) => [`${id}.Arn`, id === bucketId ? `arn:aws:s3:::${BUCKET}` : `arn:aws:s3:::${id.toLowerCase()}`]));
const roles = templateRoles(template, ACCOUNT, attributes);
const roleOf = (construct: iam.IRole | undefined): TemplateRole => {
  const id = stack.getLogicalId(construct!.node.defaultChild as CfnElement);
  return roles.find((r) => r.logicalId === id)!;
};
const deploy = project.modelDeploy;
const scheduleRole = (stage: 'Staging' | 'Prod') => roleOf(deploy.node.findChild(`${stage}BatchScheduleRole`) as iam.IRole);

async function decide(role: TemplateRole, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:role/r`,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: context,
    },
    identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const job = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:transform-job/${name}`;
const TAGGED = { 'aws:RequestTag/sagemaker:project-id': PROJECT_ID };
// Keys without colons: the simulator splits ARNs on them (real run folders are start times, 2024-05-01T02:00:00Z).
const object = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;

describe('the schedule role of a stage', () => {
  test('trusts EventBridge Scheduler for that stage\'s schedule group in this account only', () => {
    expect(scheduleRole('Staging').trust).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/churn-staging-batch` } },
      }],
    });
  });

  test.each([
    ['sagemaker:CreateTransformJob', job('churn-staging-d32c5kddcf5bb8c3'), TAGGED, 'Allowed'],
    ['sagemaker:AddTags', job('churn-staging-d32c5kddcf5bb8c3'), TAGGED, 'Allowed'],
    // Only this stage's runs, only tagged with this project.
    ['sagemaker:CreateTransformJob', job('churn-prod-d32c5kddcf5bb8c3'), TAGGED, 'ImplicitlyDenied'],
    ['sagemaker:CreateTransformJob', job('churn-staging-d32c5kddcf5bb8c3'), {}, 'ImplicitlyDenied'],
    ['sagemaker:CreateTransformJob', job('other-staging-d32c5kddcf5bb8c3'), TAGGED, 'ImplicitlyDenied'],
    ['sagemaker:CreateTrainingJob', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/churn-staging-x`, TAGGED, 'ImplicitlyDenied'],
    // It reads and writes nothing itself: the job does, with the model's role.
    ['s3:GetObject', object('batch-input/staging/a.csv'), {}, 'ImplicitlyDenied'],
  ])('staging: %s on %s: %s', async (action, resource, context, expected) => {
    expect(await decide(scheduleRole('Staging'), action, resource, context)).toBe(expected);
  });

  test('each stage has its own', async () => {
    expect(await decide(scheduleRole('Prod'), 'sagemaker:CreateTransformJob', job('churn-prod-d32c5kddcf5bb8c3'), TAGGED)).toBe('Allowed');
    expect(await decide(scheduleRole('Prod'), 'sagemaker:CreateTransformJob', job('churn-staging-d32c5kddcf5bb8c3'), TAGGED)).toBe('ImplicitlyDenied');
  });

  test('the build passes both to the seed as BATCH_SCHEDULE_ROLES', () => {
    const build = Object.values(template.findResources('AWS::CodeBuild::Project')).find((p) => JSON.stringify(p).includes('BATCH_SCHEDULE_ROLES'))!;
    const variable = (build.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).find((v) => v.Name === 'BATCH_SCHEDULE_ROLES')!;
    const value = JSON.parse(String(evaluate(variable.Value, ACCOUNT, {
      [`${scheduleRole('Staging').logicalId}.Arn`]: 'arn:aws:iam::111111111111:role/staging-schedule',
      [`${scheduleRole('Prod').logicalId}.Arn`]: 'arn:aws:iam::111111111111:role/prod-schedule',
    })));
    expect(value).toEqual({ staging: 'arn:aws:iam::111111111111:role/staging-schedule', prod: 'arn:aws:iam::111111111111:role/prod-schedule' });
  });
});

describe('the model roles of batch runs: one per stage, each with its own folders only', () => {
  const model = (stage: 'Staging' | 'Prod') => roleOf(deploy.node.findChild(`${stage}BatchModelRole`) as iam.IRole);
  test.each([
    ['Prod', 's3:GetObject', object('batch-input/prod/day.csv'), 'Allowed'],
    ['Prod', 's3:PutObject', object('batch-output/prod/run-2024-05-01/day.csv.out'), 'Allowed'],
    ['Prod', 's3:GetObject', object('churn-p-aaaaaaaaaaaa/model/model.tar.gz'), 'Allowed'],
    ['Prod', 's3:PutObject', object('batch-input/prod/day.csv'), 'ImplicitlyDenied'],
    ['Prod', 's3:GetObject', object('other/secret.csv'), 'ImplicitlyDenied'],
    // The other stage's input and output, and the staging test's folders.
    ['Prod', 's3:GetObject', object('batch-input/staging/day.csv'), 'ImplicitlyDenied'],
    ['Prod', 's3:PutObject', object('batch-output/staging/run/day.csv.out'), 'ImplicitlyDenied'],
    ['Prod', 's3:GetObject', object('batch-input/smoke-test/t1/sample'), 'ImplicitlyDenied'],
    ['Staging', 's3:GetObject', object('batch-input/staging/day.csv'), 'Allowed'],
    ['Staging', 's3:PutObject', object('batch-output/staging/run/day.csv.out'), 'Allowed'],
    ['Staging', 's3:GetObject', object('batch-input/smoke-test/t1/sample'), 'Allowed'],
    ['Staging', 's3:PutObject', object('batch-output/smoke-test/t1/sample.out'), 'Allowed'],
    ['Staging', 's3:GetObject', object('batch-input/prod/day.csv'), 'ImplicitlyDenied'],
    ['Staging', 's3:PutObject', object('batch-output/prod/run/day.csv.out'), 'ImplicitlyDenied'],
    ['Prod', 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker/TransformJobs:log-stream:churn-prod-abc/i-1`, 'Allowed'],
    ['Prod', 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker/TransformJobs:log-stream:churn-staging-abc/i-1`, 'ImplicitlyDenied'],
  ] as const)('%s: %s on %s: %s', async (stage, action, resource, expected) => {
    expect(await decide(model(stage), action, resource)).toBe(expected);
  });

  test('the endpoints\' model role reads no batch folder (it is no batch stage\'s)', async () => {
    expect(await decide(roleOf(deploy.modelExecutionRole), 's3:GetObject', object('batch-input/prod/day.csv'))).toBe('ImplicitlyDenied');
    expect(await decide(roleOf(deploy.modelExecutionRole), 's3:PutObject', object('batch-output/prod/run/day.csv.out'))).toBe('ImplicitlyDenied');
  });

  test('the build passes them to the seed as BATCH_MODEL_ROLES, and the deploy role may pass each to SageMaker only', async () => {
    const build = Object.values(template.findResources('AWS::CodeBuild::Project')).find((p) => JSON.stringify(p).includes('BATCH_MODEL_ROLES'))!;
    const variable = (build.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).find((v) => v.Name === 'BATCH_MODEL_ROLES')!;
    const arns = { staging: 'arn:aws:iam::111111111111:role/staging-model', prod: 'arn:aws:iam::111111111111:role/prod-model' };
    // Every role ARN resolved (the simulator does not match placeholders as a reader would).
    const resolved = Object.fromEntries(roles.map((r) => [`${r.logicalId}.Arn`, `arn:aws:iam::111111111111:role/${r.logicalId}`]));
    Object.assign(resolved, attributes, { [`${model('Staging').logicalId}.Arn`]: arns.staging, [`${model('Prod').logicalId}.Arn`]: arns.prod });
    expect(JSON.parse(String(evaluate(variable.Value, ACCOUNT, resolved)))).toEqual(arns);
    const deployRole = (stage: 'staging' | 'prod') => templateRoles(template, ACCOUNT, resolved).find((r) => r.logicalId === roleOf(deploy.deployRoles[stage]).logicalId)!;
    expect(await decide(deployRole('prod'), 'iam:PassRole', arns.prod, { 'iam:PassedToService': 'sagemaker.amazonaws.com' })).toBe('Allowed');
    expect(await decide(deployRole('prod'), 'iam:PassRole', arns.prod, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await decide(deployRole('staging'), 'iam:PassRole', arns.staging, { 'iam:PassedToService': 'sagemaker.amazonaws.com' })).toBe('Allowed');
    // Each stage's deploy role passes its own stage's batch model role only.
    expect(await decide(deployRole('staging'), 'iam:PassRole', arns.prod, { 'iam:PassedToService': 'sagemaker.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await decide(deployRole('prod'), 'iam:PassRole', arns.staging, { 'iam:PassedToService': 'sagemaker.amazonaws.com' })).toBe('ImplicitlyDenied');
  });
});

describe('the staging test role, for a batch staging stage', () => {
  const testRole = () => roleOf(deploy.testProject.role);
  test.each([
    ['cloudformation:DescribeStacks', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/sagemaker-churn-${PROJECT_ID}-deploy-staging/abc`, {}, 'Allowed'],
    ['cloudformation:DescribeStacks', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/sagemaker-churn-${PROJECT_ID}-deploy-prod/abc`, {}, 'ImplicitlyDenied'],
    ['sagemaker:CreateTransformJob', job('churn-staging-t0123456789abcde'), TAGGED, 'Allowed'],
    ['sagemaker:DescribeTransformJob', job('churn-staging-t0123456789abcde'), { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID }, 'Allowed'],
    ['sagemaker:DescribeTransformJob', job('churn-staging-t0123456789abcde'), { 'aws:ResourceTag/sagemaker:project-id': 'p-bbbbbbbbbbbb' }, 'ImplicitlyDenied'],
    ['sagemaker:CreateTransformJob', job('churn-prod-t0123456789abcde'), TAGGED, 'ImplicitlyDenied'],
    ['s3:PutObject', object('batch-input/smoke-test/t0123456789abcde/sample'), {}, 'Allowed'],
    ['s3:PutObject', object('batch-input/staging/sample'), {}, 'ImplicitlyDenied'],
    ['s3:GetObject', object('batch-output/smoke-test/t0123456789abcde/sample.out'), {}, 'Allowed'],
    ['s3:GetObject', object('batch-output/prod/run-2024-05-01/day.csv.out'), {}, 'ImplicitlyDenied'],
  ])('%s on %s: %s', async (action, resource, context, expected) => {
    expect(await decide(testRole(), action, resource, context)).toBe(expected);
  });
});

describe('the endpoint deploy roles, for batch stacks: each its own stage\'s', () => {
  const role = (stage: 'staging' | 'prod') => roleOf(deploy.deployRoles[stage]);
  const scheduler = (rest: string) => `arn:aws:scheduler:${REGION}:${ACCOUNT}:${rest}`;
  test.each([
    ['prod', 'scheduler:CreateScheduleGroup', scheduler('schedule-group/churn-prod-batch'), 'Allowed'],
    ['prod', 'scheduler:CreateSchedule', scheduler('schedule/churn-prod-batch/transform'), 'Allowed'],
    ['staging', 'scheduler:DeleteSchedule', scheduler('schedule/churn-staging-batch/transform'), 'Allowed'],
    ['prod', 'scheduler:CreateSchedule', scheduler('schedule/default/transform'), 'ImplicitlyDenied'],
    ['prod', 'scheduler:CreateSchedule', scheduler('schedule/churn-prod-batch/another'), 'ImplicitlyDenied'],
    ['prod', 'scheduler:CreateScheduleGroup', scheduler('schedule-group/other-prod-batch'), 'ImplicitlyDenied'],
    ['prod', 'events:PutRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-prod-batch-failed`, 'Allowed'],
    ['prod', 'events:PutTargets', `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-prod-batch-failed`, 'Allowed'],
    ['prod', 'events:PutRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/anything-else`, 'ImplicitlyDenied'],
    // The other stage's schedule group, schedule and rule.
    ['staging', 'scheduler:DeleteScheduleGroup', scheduler('schedule-group/churn-prod-batch'), 'ImplicitlyDenied'],
    ['staging', 'scheduler:UpdateSchedule', scheduler('schedule/churn-prod-batch/transform'), 'ImplicitlyDenied'],
    ['staging', 'events:PutTargets', `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-prod-batch-failed`, 'ImplicitlyDenied'],
    ['prod', 'scheduler:DeleteSchedule', scheduler('schedule/churn-staging-batch/transform'), 'ImplicitlyDenied'],
    ['prod', 'events:DeleteRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-staging-batch-failed`, 'ImplicitlyDenied'],
  ] as const)('%s: %s on %s: %s', async (stage, action, resource, expected) => {
    expect(await decide(role(stage), action, resource)).toBe(expected);
  });

  test('passes its stage\'s schedule role, to EventBridge Scheduler only, and not the other stage\'s', async () => {
    // Every role ARN resolved (the simulator does not match placeholders as a reader would).
    const arns = { staging: 'arn:aws:iam::111111111111:role/staging-schedule', prod: 'arn:aws:iam::111111111111:role/prod-schedule' };
    const resolved = Object.fromEntries(roles.map((r) => [`${r.logicalId}.Arn`, `arn:aws:iam::111111111111:role/${r.logicalId}`]));
    Object.assign(resolved, attributes, { [`${scheduleRole('Staging').logicalId}.Arn`]: arns.staging, [`${scheduleRole('Prod').logicalId}.Arn`]: arns.prod });
    const withArns = (stage: 'staging' | 'prod') => templateRoles(template, ACCOUNT, resolved).find((r) => r.logicalId === role(stage).logicalId)!;
    expect(await decide(withArns('staging'), 'iam:PassRole', arns.staging, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe('Allowed');
    expect(await decide(withArns('staging'), 'iam:PassRole', arns.staging, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await decide(withArns('prod'), 'iam:PassRole', arns.prod, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe('Allowed');
    expect(await decide(withArns('prod'), 'iam:PassRole', arns.staging, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe('ImplicitlyDenied');
    expect(await decide(withArns('staging'), 'iam:PassRole', arns.prod, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe('ImplicitlyDenied');
  });
});

test('the alarm topic takes failed-run events from the two stages\' rules only, and lets EventBridge use the key for it', () => {
  const ruleArns = ['staging', 'prod'].map((s) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/churn-${s}-batch-failed`);
  const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0];
  const statements = evaluate(policy.Properties.PolicyDocument.Statement, ACCOUNT) as Array<Record<string, unknown>>;
  expect(statements).toContainEqual(expect.objectContaining({
    Sid: 'BatchFailedRunsPublish',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sns:Publish',
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnEquals: { 'aws:SourceArn': ruleArns } },
  }));
  const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
  const keyStatements = evaluate(key.Properties.KeyPolicy.Statement, ACCOUNT) as Array<Record<string, unknown>>;
  expect(keyStatements).toContainEqual(expect.objectContaining({
    Sid: 'BatchFailedRunsTopic',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Condition: expect.objectContaining({ ArnEquals: { 'aws:SourceArn': ruleArns } }),
  }));
});
