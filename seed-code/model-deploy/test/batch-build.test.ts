import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DescribeEndpointCommand, DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { parseBatchModelRoles, parseBatchScheduleRoles } from '../lib/batch-build';
import { readBuildEnvironment, templateConfiguration, writeBuildOutput } from '../lib/build-output';

const GROUP = 'churn-p-abc123def456';
const PACKAGE = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/4`;
const PREVIOUS = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/3`;
const STAGING_ROLE = 'arn:aws:iam::123456789012:role/churn-staging-batch-schedule';
const PROD_ROLE = 'arn:aws:iam::123456789012:role/churn-prod-batch-schedule';
const STAGING_MODEL = 'arn:aws:iam::123456789012:role/churn-staging-batch-model';
const PROD_MODEL = 'arn:aws:iam::123456789012:role/churn-prod-batch-model';
const VARIABLES = {
  SAGEMAKER_PROJECT_NAME: 'churn',
  SAGEMAKER_PROJECT_ID: 'p-abc123def456',
  MODEL_PACKAGE_GROUP_NAME: GROUP,
  MODEL_PACKAGE_ARN: PACKAGE,
  MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/churn-model-execution',
  ARTIFACT_BUCKET: 'sagemaker-project-p-abc123def456',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  AWS_REGION: 'us-east-1',
  SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/service-role/churn-sagemaker-pipeline',
  ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sagemaker-churn-p-abc123def456-alarms',
  BATCH_SCHEDULE_ROLES: JSON.stringify({ staging: STAGING_ROLE, prod: PROD_ROLE }),
  BATCH_MODEL_ROLES: JSON.stringify({ staging: STAGING_MODEL, prod: PROD_MODEL }),
};

const sagemaker = mockClient(SageMakerClient);
let outDir: string;
let configDir: string;
beforeEach(() => {
  sagemaker.reset();
  sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Could not find endpoint "x".'), { name: 'ValidationException' }));
  sagemaker.on(ListModelPackagesCommand).resolves({});
  sagemaker.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => Promise.resolve({
    ModelPackageArn: input.ModelPackageName,
    ModelPackageGroupName: GROUP,
    ModelApprovalStatus: 'Approved',
    LastModifiedBy: { IamIdentity: { Arn: 'arn:aws:sts::123456789012:assumed-role/Reviewer/alice' } },
  }));
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-build-'));
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-config-'));
  fs.writeFileSync(path.join(configDir, 'staging.json'), JSON.stringify({ inference: 'batch' }));
  fs.writeFileSync(path.join(configDir, 'prod.json'), JSON.stringify({ inference: 'batch', batch: { schedule: 'rate(1 day)' } }));
});
afterEach(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(configDir, { recursive: true, force: true });
});

const build = (variables: Record<string, string> = VARIABLES) =>
  writeBuildOutput({ env: readBuildEnvironment(variables), client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir });
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));

describe('a build with batch stages', () => {
  test('writes batch templates with no endpoint, and each stage\'s schedule role and own model role among its parameters', async () => {
    // WHEN
    const result = await build();

    // THEN
    expect(result.deploy).toBe(true);
    for (const [stage, role, model] of [['staging', STAGING_ROLE, STAGING_MODEL], ['prod', PROD_ROLE, PROD_MODEL]]) {
      const template = read(`${stage}.template.json`);
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      expect(types).not.toContain('AWS::SageMaker::Endpoint');
      expect(types).toEqual(expect.arrayContaining(['AWS::SageMaker::Model', 'AWS::Scheduler::Schedule']));
      const parameters = read(`${stage}.config.json`).Parameters;
      expect(Object.keys(parameters).sort()).toEqual(Object.keys(template.Parameters).sort());
      expect(parameters).toMatchObject({ BatchScheduleRoleArn: role, ModelExecutionRoleArn: model, ModelPackageArn: PACKAGE, ArtifactBucketName: VARIABLES.ARTIFACT_BUCKET });
    }
  });

  test('rollback: a run for the previous package deploys the batch stages with that package, so the schedule uses its model', async () => {
    // A rejection starts the deploy pipeline with the newest package still approved (start-deploy).
    await build({ ...VARIABLES, MODEL_PACKAGE_ARN: PREVIOUS });
    expect(read('staging.config.json').Parameters.ModelPackageArn).toBe(PREVIOUS);
    expect(read('prod.config.json').Parameters.ModelPackageArn).toBe(PREVIOUS);
    // The schedule's request names the stack's (unnamed, hence new) model built from that parameter.
    const template = read('prod.template.json');
    expect(template.Resources.Model.Properties.PrimaryContainer.ModelPackageName).toEqual({ Ref: 'ModelPackageArn' });
    expect(JSON.stringify(template.Resources.Schedule.Properties.Target.Input)).toContain('"Fn::GetAtt":["Model","ModelName"]');
  });

  test('a project stack older than batch inference: the build says what to update, writing nothing', async () => {
    const { BATCH_SCHEDULE_ROLES: _dropped, ...older } = VARIABLES;
    void _dropped;
    await expect(build(older)).rejects.toThrow(/staging\.json: "inference": "batch" needs the staging schedule role, and BATCH_SCHEDULE_ROLES does not name one: update the project stack/);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('a project stack without per-stage batch model roles: the build says what to update', async () => {
    const { BATCH_MODEL_ROLES: _dropped, ...older } = VARIABLES;
    void _dropped;
    await expect(build(older)).rejects.toThrow(/staging\.json: "inference": "batch" needs the staging batch model role, and BATCH_MODEL_ROLES does not name one: update the project stack/);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  const PROD_ACCOUNT = '210987654321';
  const prodTarget = { prod: {
    account: PROD_ACCOUNT, region: 'us-east-1',
    modelExecutionRoleArn: `arn:aws:iam::${PROD_ACCOUNT}:role/mlops-stage-roles/sagemaker-p-abc123def456-prod-model`, dataCaptureBucket: 'bucket-prod',
    kmsKeyArn: `arn:aws:kms:us-east-1:${PROD_ACCOUNT}:alias/k`, alarmTopicArn: `arn:aws:sns:us-east-1:${PROD_ACCOUNT}:t`,
  } };
  const TARGET_SCHEDULE = `arn:aws:iam::${PROD_ACCOUNT}:role/mlops-stage-roles/sagemaker-p-abc123def456-prod-batch-schedule`;

  test('a batch stage in another account deploys there with that account\'s schedule role, model role, bucket, key and topic', async () => {
    // GIVEN prod in its own account, its schedule role named there by the project stack (no model role: the account's is the stage's)
    const variables = {
      ...VARIABLES,
      DEPLOYMENT_TARGETS: JSON.stringify(prodTarget),
      BATCH_SCHEDULE_ROLES: JSON.stringify({ staging: STAGING_ROLE, prod: TARGET_SCHEDULE }),
      BATCH_MODEL_ROLES: JSON.stringify({ staging: STAGING_MODEL }),
    };
    // WHEN
    const result = await build(variables);
    // THEN prod's stack is for that account, with that account's resources
    expect(result.targets.prod).toEqual({ account: PROD_ACCOUNT, region: 'us-east-1' });
    expect(read('prod.config.json').Parameters).toEqual({
      ModelPackageArn: PACKAGE,
      ModelExecutionRoleArn: prodTarget.prod.modelExecutionRoleArn,
      ArtifactBucketName: 'bucket-prod',
      KmsKeyArn: prodTarget.prod.kmsKeyArn,
      AlarmTopicArn: prodTarget.prod.alarmTopicArn,
      BatchScheduleRoleArn: TARGET_SCHEDULE,
    });
    const definition = JSON.stringify(read('prod.template.json').Outputs.TransformJobDefinition.Value);
    expect(definition).toContain('s3://');
    expect(read('staging.config.json').Parameters.ModelExecutionRoleArn).toBe(STAGING_MODEL);
  });

  test('a batch stage in another account whose schedule role is of another account is refused, naming both', async () => {
    await expect(build({ ...VARIABLES, DEPLOYMENT_TARGETS: JSON.stringify(prodTarget) }))
      .rejects.toThrow(`prod.json: "inference": "batch" in account ${PROD_ACCOUNT} (DEPLOYMENT_TARGETS.prod) needs a schedule role of that account, and BATCH_SCHEDULE_ROLES.prod is in 123456789012 ('${PROD_ROLE}'): update the project stack (its deploy pipeline then makes that account's schedule role)`);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('a real-time stage next to a batch one gets no schedule role parameter', () => {
    const env = readBuildEnvironment(VARIABLES);
    expect(templateConfiguration('prod', env, PACKAGE).Parameters.BatchScheduleRoleArn).toBeUndefined();
  });
});

describe('BATCH_SCHEDULE_ROLES', () => {
  test('unset or empty: none', () => {
    expect(parseBatchScheduleRoles(undefined)).toEqual({});
    expect(parseBatchScheduleRoles(' ')).toEqual({});
  });

  test.each([
    ['not JSON', 'x', "BATCH_SCHEDULE_ROLES must be a JSON object of stage (staging, prod) to IAM role ARN; got 'x' (not JSON)"],
    ['an array', '[]', "BATCH_SCHEDULE_ROLES must be a JSON object of stage (staging, prod) to IAM role ARN; got '[]'"],
    ['an unknown stage', '{"dev":"arn:aws:iam::123456789012:role/r"}', 'BATCH_SCHEDULE_ROLES.dev is not a stage; allowed: staging, prod'],
    ['not a role', '{"prod":"arn:aws:iam::123456789012:user/u"}', 'BATCH_SCHEDULE_ROLES.prod must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got "arn:aws:iam::123456789012:user/u"'],
  ])('%s', (_name, text, message) => {
    expect(() => parseBatchScheduleRoles(text)).toThrow(message);
  });

  test('BATCH_MODEL_ROLES is read the same way, named in its messages', () => {
    expect(parseBatchModelRoles(JSON.stringify({ prod: PROD_MODEL }))).toEqual({ prod: PROD_MODEL });
    expect(() => parseBatchModelRoles('{"dev":"arn:aws:iam::123456789012:role/r"}')).toThrow('BATCH_MODEL_ROLES.dev is not a stage; allowed: staging, prod');
  });
});
