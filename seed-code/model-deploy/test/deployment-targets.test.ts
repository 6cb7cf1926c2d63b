import { DeploymentTargetsError, parseDeploymentTargets } from '../lib/deployment-targets';

const CONTEXT = { region: 'eu-west-1', partition: 'aws' };
const STAGING = {
  account: '111111111111',
  region: 'eu-west-1',
  modelExecutionRoleArn: 'arn:aws:iam::111111111111:role/churn-p-abc123def456-staging-model',
  dataCaptureBucket: 'churn-p-abc123def456-staging-capture',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:alias/churn-p-abc123def456-staging',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:111111111111:churn-p-abc123def456-staging-alarms',
};
const PROD = {
  account: '222222222222',
  region: 'eu-west-1',
  modelExecutionRoleArn: 'arn:aws:iam::222222222222:role/service-role/churn-prod-model',
  dataCaptureBucket: 'churn.prod.capture',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:222222222222:churn_prod-alarms',
};

const parse = (value: unknown) => parseDeploymentTargets(typeof value === 'string' ? value : JSON.stringify(value), CONTEXT);

describe('parseDeploymentTargets', () => {
  test.each([undefined, '', '  ', '{}'])("'%s' is single-account: no targets", (text) => {
    expect(parseDeploymentTargets(text, CONTEXT)).toEqual({});
  });

  test('reads both stages, with key and alias ARNs', () => {
    expect(parse({ staging: STAGING, prod: PROD })).toEqual({ staging: STAGING, prod: PROD });
  });

  test('a stage without an entry has no target', () => {
    expect(parse({ prod: PROD })).toEqual({ prod: PROD });
  });

  test('accepts another partition when the project is in it', () => {
    const cn = {
      account: '111111111111',
      region: 'cn-north-1',
      modelExecutionRoleArn: 'arn:aws-cn:iam::111111111111:role/model',
      dataCaptureBucket: 'capture-bucket',
      kmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111111111111:alias/capture',
      alarmTopicArn: 'arn:aws-cn:sns:cn-north-1:111111111111:alarms',
    };
    expect(parseDeploymentTargets(JSON.stringify({ staging: cn }), { region: 'cn-north-1', partition: 'aws-cn' })).toEqual({ staging: cn });
  });

  test.each<[string, unknown, string]>([
    ['it is not JSON', 'staging=111111111111',
      "DEPLOYMENT_TARGETS must be a JSON object with a key per stage that deploys in another account (staging, prod); got 'staging=111111111111' (not JSON)"],
    ['it is a list', '[]', "DEPLOYMENT_TARGETS must be a JSON object with a key per stage that deploys in another account (staging, prod); got '[]'"],
    ['a key is not a stage', { dev: STAGING }, 'DEPLOYMENT_TARGETS.dev is not a stage; allowed: staging, prod'],
    ['a stage is not an object', { prod: '222222222222' },
      'DEPLOYMENT_TARGETS.prod must be an object with account, region, modelExecutionRoleArn, dataCaptureBucket, kmsKeyArn, alarmTopicArn; got \'222222222222\''],
    ['a field is unknown', { prod: { ...PROD, kmsKeyId: 'x' } },
      'DEPLOYMENT_TARGETS.prod.kmsKeyId is not a known field; allowed: account, region, modelExecutionRoleArn, dataCaptureBucket, kmsKeyArn, alarmTopicArn'],
    ['a field is missing', { prod: { ...PROD, alarmTopicArn: undefined } },
      'DEPLOYMENT_TARGETS.prod.alarmTopicArn is missing; every target needs account, region, modelExecutionRoleArn, dataCaptureBucket, kmsKeyArn, alarmTopicArn'],
    ['the account is a number', { prod: { ...PROD, account: 222222222222 } }, 'DEPLOYMENT_TARGETS.prod.account must be a string; got 222222222222'],
    ['the account has 11 digits', { prod: { ...PROD, account: '22222222222' } },
      "DEPLOYMENT_TARGETS.prod.account must be an AWS account id of 12 digits; got '22222222222'"],
    ['the region is not a region name', { prod: { ...PROD, region: 'Ireland' } },
      "DEPLOYMENT_TARGETS.prod.region must be an AWS region name such as eu-west-1; got 'Ireland'"],
    ['the region is not the project\'s', { prod: { ...PROD, region: 'us-east-1' } },
      "DEPLOYMENT_TARGETS.prod.region must be the project's region eu-west-1 (AWS_REGION): SageMaker creates a model only from a model package of its own region; got 'us-east-1'"],
    ['the bucket is not a bucket name', { prod: { ...PROD, dataCaptureBucket: 's3://Capture' } },
      "DEPLOYMENT_TARGETS.prod.dataCaptureBucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit); got 's3://Capture'"],
    ['the role ARN is a user', { prod: { ...PROD, modelExecutionRoleArn: 'arn:aws:iam::222222222222:user/model' } },
      "DEPLOYMENT_TARGETS.prod.modelExecutionRoleArn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got 'arn:aws:iam::222222222222:user/model'"],
    ['the role is in the project account', { prod: { ...PROD, modelExecutionRoleArn: 'arn:aws:iam::123456789012:role/model' } },
      "DEPLOYMENT_TARGETS.prod.modelExecutionRoleArn must be in the stage's account 222222222222 (DEPLOYMENT_TARGETS.prod.account); got 'arn:aws:iam::123456789012:role/model'"],
    ['the key ARN is an S3 ARN', { prod: { ...PROD, kmsKeyArn: 'arn:aws:s3:::bucket' } },
      "DEPLOYMENT_TARGETS.prod.kmsKeyArn must be a KMS key or alias ARN (arn:<partition>:kms:<region>:<account>:key/<key-id> or :alias/<name>); got 'arn:aws:s3:::bucket'"],
    ['the key is a bare key id', { prod: { ...PROD, kmsKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' } }, 'DEPLOYMENT_TARGETS.prod.kmsKeyArn must be a KMS key or alias ARN'],
    ['the key is in another account', { prod: { ...PROD, kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:alias/k' } },
      "DEPLOYMENT_TARGETS.prod.kmsKeyArn must be in the stage's account 222222222222 (DEPLOYMENT_TARGETS.prod.account); got 'arn:aws:kms:eu-west-1:111111111111:alias/k'"],
    ['the key is in another region', { prod: { ...PROD, kmsKeyArn: 'arn:aws:kms:us-east-1:222222222222:alias/k' } },
      "DEPLOYMENT_TARGETS.prod.kmsKeyArn must be in the stage's region eu-west-1 (DEPLOYMENT_TARGETS.prod.region); got 'arn:aws:kms:us-east-1:222222222222:alias/k'"],
    ['the key is in another partition', { prod: { ...PROD, kmsKeyArn: 'arn:aws-cn:kms:eu-west-1:222222222222:alias/k' } },
      "DEPLOYMENT_TARGETS.prod.kmsKeyArn must be in the project's partition 'aws' (that of SAGEMAKER_PIPELINE_ROLE_ARN); got 'arn:aws-cn:kms:eu-west-1:222222222222:alias/k'"],
    ['the topic ARN is a queue', { prod: { ...PROD, alarmTopicArn: 'arn:aws:sqs:eu-west-1:222222222222:alarms' } },
      "DEPLOYMENT_TARGETS.prod.alarmTopicArn must be an SNS standard topic ARN (arn:<partition>:sns:<region>:<account>:<topic>); got 'arn:aws:sqs:eu-west-1:222222222222:alarms'"],
    ['the topic is in another account', { prod: { ...PROD, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' } },
      "DEPLOYMENT_TARGETS.prod.alarmTopicArn must be in the stage's account 222222222222 (DEPLOYMENT_TARGETS.prod.account); got 'arn:aws:sns:eu-west-1:123456789012:alarms'"],
  ])('fails when %s', (_, value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  test('fails with one line per problem, across stages, and no follow-up errors of a bad account', () => {
    // GIVEN a bad account (so the ARNs cannot be matched to it) and a bad bucket in another stage
    let error: DeploymentTargetsError | undefined;
    try {
      parse({ staging: { ...STAGING, account: 'staging' }, prod: { ...PROD, dataCaptureBucket: 'x' } });
    } catch (e) {
      error = e as DeploymentTargetsError;
    }

    // THEN
    expect(error).toBeInstanceOf(DeploymentTargetsError);
    expect(error!.problems).toEqual([
      "DEPLOYMENT_TARGETS.staging.account must be an AWS account id of 12 digits; got 'staging'",
      expect.stringMatching(/^DEPLOYMENT_TARGETS\.prod\.dataCaptureBucket must be an S3 bucket name .*; got 'x'$/),
    ]);
    expect(error!.message).toBe(error!.problems.join('\n'));
  });
});
