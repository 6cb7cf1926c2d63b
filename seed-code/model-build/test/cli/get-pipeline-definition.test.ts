import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/get-pipeline-definition';
import { sha256Hex } from '../../src/cli/scripts';
import { abalone } from '../../src/pipelines/abalone/pipeline';
import { captureIo } from '../helpers/io';
import { CODEBUILD_ENV } from '../helpers/env';
import { stepsOf } from '../helpers/context';

const register = (def: any) => stepsOf(def).find((s) => s.Type === 'RegisterModel');


function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(env);
  const code = main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('get-pipeline-definition', () => {
  test('with only --region prints a complete demo definition and notes the demo values', () => {
    // WHEN
    const { code, out, err } = run(['--region', 'us-east-1']);

    // THEN
    expect(code).toBe(0);
    const def = JSON.parse(out);
    const training = stepsOf(def).find((s) => s.Type === 'Training');
    expect(training.Arguments.AlgorithmSpecification.TrainingImage).toMatch(/^683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-xgboost:/);
    expect(register(def).Arguments.ModelPackageGroupName).toBe('abalone-demo-p-000000000000');
    expect(training.Arguments.Tags).toEqual([
      { Key: 'sagemaker:project-name', Value: 'abalone-demo' },
      { Key: 'sagemaker:project-id', Value: 'p-000000000000' },
    ]);
    expect(err).toBe('get-pipeline-definition: using demo values for --project-name, --project-id, --bucket, --role-arn, --image-repository-uri\n');
    expect(out).toMatch(/^\{\n {2}"Parameters"/);
  });

  test('PIPELINE=tensorflow with only --region: the project image by content tag in the demo repository', () => {
    const { code, out, err } = run(['--region', 'eu-west-1'], { PIPELINE: 'tensorflow' });
    expect(code).toBe(0);
    expect(err).toContain('--image-repository-uri');
    const training = stepsOf(JSON.parse(out)).find((s) => s.Type === 'Training');
    expect(training.Arguments.AlgorithmSpecification.TrainingImage)
      .toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sagemaker-project-p-000000000000:tensorflow-[0-9a-f]{64}$/);
  });

  test('uses the CodeBuild environment and content-addressed script URIs', () => {
    const { code, out, err } = run(['--compact'], CODEBUILD_ENV);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out.trim().split('\n')).toHaveLength(1);
    const def = JSON.parse(out);
    const prep = stepsOf(def).find((s) => s.Type === 'Processing').Arguments;
    const sha = sha256Hex(readFileSync(abalone.code.preprocess));
    const codeInput = prep.ProcessingInputs.find((i: any) => i.InputName === 'code');
    expect(codeInput.S3Input.S3Uri).toBe(`s3://sagemaker-project-p-abcdef123456/abalone-p-abcdef123456/code/${sha}/preprocess.py`);
    expect(prep.ProcessingOutputConfig.KmsKeyId).toBe(CODEBUILD_ENV.KMS_KEY_ARN);
    expect(prep.RoleArn).toBe(CODEBUILD_ENV.SAGEMAKER_PIPELINE_ROLE_ARN);
    // the project tags and PROJECT_TAGS on every job; the model registered under the short name
    for (const job of stepsOf(def).filter((s) => ['Processing', 'Training'].includes(s.Type))) {
      expect(job.Arguments.Tags).toEqual([
        { Key: 'team', Value: 'ml' },
        { Key: 'sagemaker:project-name', Value: 'abalone' },
        { Key: 'sagemaker:project-id', Value: 'p-abcdef123456' },
      ]);
    }
    expect(register(def).Arguments.CustomerMetadataProperties.pipeline).toBe('abalone');
  });

  test('flags win over the environment, and the pipeline name defaults to <project-name>-<project-id>', () => {
    const env = { ...CODEBUILD_ENV, SAGEMAKER_PIPELINE_NAME: '', MODEL_PACKAGE_GROUP_NAME: '' };
    const { code, out } = run(['--project-name', 'other', '--region', 'us-west-2'], env);
    expect(code).toBe(0);
    const def = JSON.parse(out);
    expect(register(def).Arguments.ModelPackageGroupName).toBe('other-p-abcdef123456');
    expect(stepsOf(def).find((s) => s.Type === 'Processing').Arguments.AppSpecification.ImageUri).toContain('.us-west-2.');
  });

  test.each([
    ['PIPELINE', [], { PIPELINE: 'churn' }],
    ['--pipeline, which wins over PIPELINE', ['--pipeline', 'churn'], { PIPELINE: 'abalone' }],
  ])('selects the churn pipeline with %s', (_, argv, env) => {
    const { code, out } = run(argv as string[], { ...CODEBUILD_ENV, ...env });
    expect(code).toBe(0);
    expect(register(JSON.parse(out)).Arguments.CustomerMetadataProperties.pipeline).toBe('churn');
  });

  test('the demo project of the churn pipeline is named after it', () => {
    const { code, out } = run(['--region', 'us-east-1', '--pipeline', 'churn']);
    expect(code).toBe(0);
    expect(register(JSON.parse(out)).Arguments.ModelPackageGroupName).toBe('churn-demo-p-000000000000');
  });

  test('writes to --output and is byte-identical across runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gpd-'));
    const file = path.join(dir, 'definition.json');
    const { code, err } = run(['--output', file], CODEBUILD_ENV);
    expect(code).toBe(0);
    expect(err).toMatch(/^get-pipeline-definition: wrote abalone-p-abcdef123456 \(\d+ bytes\) to .*definition\.json\n$/);
    expect(readFileSync(file, 'utf8')).toBe(run([], CODEBUILD_ENV).out);
  });

  test('--help prints usage and exits 0', () => {
    const { code, out } = run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: get-pipeline-definition --region <region>');
  });

  test.each<[string, string[], NodeJS.ProcessEnv, string]>([
    [
      'the region is not in the image table',
      ['--region', 'xx-nowhere-1'],
      {},
      "--region (AWS_REGION) 'xx-nowhere-1' has no scikit-learn/XGBoost image in this seed's table; supported: af-south-1,",
    ],
    ['the region is malformed', ['--region', 'US East'], {}, "--region (AWS_REGION) must be an AWS region code such as 'us-east-1'; got 'US East'"],
    ['no region is given', [], {}, "--region or AWS_REGION is required: an AWS region code such as 'us-east-1'"],
    [
      'the bucket is not a bucket name',
      ['--region', 'us-east-1', '--bucket', 'My_Bucket'],
      {},
      "--bucket (ARTIFACT_BUCKET) must be an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens); got 'My_Bucket'",
    ],
    [
      'the role is not a role ARN',
      ['--region', 'us-east-1'],
      { SAGEMAKER_PIPELINE_ROLE_ARN: 'my-role' },
      "--role-arn (SAGEMAKER_PIPELINE_ROLE_ARN) must be an IAM role ARN such as arn:aws:iam::123456789012:role/MyRole; got 'my-role'",
    ],
    [
      'the KMS key is not a key ARN',
      ['--region', 'us-east-1', '--kms-key-arn', '1234'],
      {},
      "--kms-key-arn (KMS_KEY_ARN) must be a KMS key or alias ARN such as arn:aws:kms:us-east-1:123456789012:key/<key-id>; got '1234'",
    ],
    [
      'the project name is too long',
      ['--region', 'us-east-1', '--project-name', 'a'.repeat(33)],
      {},
      `--project-name (SAGEMAKER_PROJECT_NAME) must be 1-32 letters, digits or hyphens, starting with a letter; got '${'a'.repeat(33)}'`,
    ],
    [
      'the project name with hyphens is longer than 32 characters',
      ['--region', 'us-east-1', '--project-name', 'ab-'.repeat(11)+'c'],
      {},
      `--project-name (SAGEMAKER_PROJECT_NAME) must be 1-32 letters, digits or hyphens, starting with a letter; got '${'ab-'.repeat(11)}c'`,
    ],
    [
      'the model package group name is too long',
      ['--region', 'us-east-1', '--model-package-group-name', 'g'.repeat(64)],
      {},
      '--model-package-group-name (MODEL_PACKAGE_GROUP_NAME) must be 1-63 letters, digits or hyphens',
    ],
    ['a flag is unknown', ['--region', 'us-east-1', '--regoin', 'x'], {}, "Unknown option '--regoin'; run with --help to see the allowed options"],
    [
      'the pipeline is unknown',
      ['--region', 'us-east-1', '--pipeline', 'no-such-pipeline-x9'],
      {},
      "--pipeline (PIPELINE) must be one of 'abalone', 'churn', 'tensorflow'; got 'no-such-pipeline-x9'",
    ],
    ['PIPELINE names an unknown pipeline', ['--region', 'us-east-1'], { PIPELINE: 'zz-unknown' }, "--pipeline (PIPELINE) must be one of 'abalone', 'churn', 'tensorflow'; got 'zz-unknown'"],
    ['PROJECT_TAGS is not a JSON object', ['--region', 'us-east-1'], { PROJECT_TAGS: '[1]' }, '--tags (PROJECT_TAGS) must be a JSON object of string values'],
    ['the output file cannot be written', ['--region', 'us-east-1', '--output', '/nonexistent/dir/x.json'], {}, '--output cannot be written: ENOENT'],
  ])('fails when %s', (_title, argv, env, message) => {
    const { code, out, err } = run(argv, env);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`get-pipeline-definition: ${message}`);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
