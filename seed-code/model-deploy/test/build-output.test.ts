import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BuildEnvironment,
  buildArtifactFiles,
  exportedVariables,
  readBuildEnvironment,
  templateConfiguration,
  writeBuildOutput,
} from '../lib/build-output';

const GROUP = 'churn-p-abc123def456';
const PACKAGE = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/4`;
const VARIABLES = {
  SAGEMAKER_PROJECT_NAME: 'churn',
  SAGEMAKER_PROJECT_ID: 'p-abc123def456',
  MODEL_PACKAGE_GROUP_NAME: GROUP,
  MODEL_PACKAGE_ARN: '',
  MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/churn-model-execution',
  ARTIFACT_BUCKET: 'sagemaker-project-p-abc123def456',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  PROJECT_TAGS: '{"cost-center":"ml-42"}',
  AWS_REGION: 'us-east-1',
};

const sagemaker = mockClient(SageMakerClient);
let outDir: string;
beforeEach(() => {
  sagemaker.reset();
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-output-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

async function build(env: BuildEnvironment) {
  const log: string[] = [];
  const result = await writeBuildOutput({ env, client: new SageMakerClient({ region: 'us-east-1' }), outDir, log: (l) => log.push(l) });
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));
  return { result, log, read };
}

describe('readBuildEnvironment', () => {
  test('reads every variable; MODEL_PACKAGE_ARN and PROJECT_TAGS may be empty', () => {
    expect(readBuildEnvironment({ ...VARIABLES, PROJECT_TAGS: '' })).toEqual({
      projectName: 'churn',
      projectId: 'p-abc123def456',
      modelPackageGroupName: GROUP,
      requestedModelPackageArn: '',
      modelExecutionRoleArn: VARIABLES.MODEL_EXECUTION_ROLE_ARN,
      artifactBucket: VARIABLES.ARTIFACT_BUCKET,
      kmsKeyArn: VARIABLES.KMS_KEY_ARN,
      projectTags: {},
      region: 'us-east-1',
    });
  });

  test.each([
    ['latest', ''],
    [' latest ', ''],
    ['', ''],
    [PACKAGE, PACKAGE],
  ])("the pipeline variable '%s' requests '%s' (latest or empty: the newest approved)", (value, requested) => {
    expect(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: value }).requestedModelPackageArn).toBe(requested);
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ['the bucket and key are missing', { ARTIFACT_BUCKET: undefined, KMS_KEY_ARN: ' ' }, 'Missing build environment variable(s): ARTIFACT_BUCKET, KMS_KEY_ARN'],
    ['PROJECT_TAGS is not JSON', { PROJECT_TAGS: 'team=ml' }, "PROJECT_TAGS must be a JSON object of tag keys to string values; got 'team=ml'"],
    ['PROJECT_TAGS is a list', { PROJECT_TAGS: '["a"]' }, "PROJECT_TAGS must be a JSON object of tag keys to string values; got '[\"a\"]'"],
    ['a PROJECT_TAGS value is a number', { PROJECT_TAGS: '{"a":1}' }, 'PROJECT_TAGS must be a JSON object'],
  ])('fails when %s', (_, override, message) => {
    expect(() => readBuildEnvironment({ ...VARIABLES, ...override })).toThrow(message);
  });
});

describe('writeBuildOutput', () => {
  test('an approval run writes exactly the four files, deployable by a CloudFormation action', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: PACKAGE, ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' });

    // WHEN
    const { result, read } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }));

    // THEN
    expect(result).toEqual({ deploy: true, modelPackageArn: PACKAGE, files: buildArtifactFiles() });
    expect(fs.readdirSync(outDir).sort()).toEqual(['prod.config.json', 'prod.template.json', 'staging.config.json', 'staging.template.json']);
    for (const stage of ['staging', 'prod']) {
      const template = read(`${stage}.template.json`);
      expect(template.Rules).toBeUndefined();
      expect(Object.keys(template.Parameters).sort()).toEqual(['ArtifactBucketName', 'KmsKeyArn', 'ModelExecutionRoleArn', 'ModelPackageArn']);
      expect(template.Resources.Endpoint.Properties.EndpointName).toBe(`churn-${stage}`);
      expect(read(`${stage}.config.json`)).toEqual({
        Parameters: {
          ModelPackageArn: PACKAGE,
          ModelExecutionRoleArn: VARIABLES.MODEL_EXECUTION_ROLE_ARN,
          ArtifactBucketName: VARIABLES.ARTIFACT_BUCKET,
          KmsKeyArn: VARIABLES.KMS_KEY_ARN,
        },
        Tags: {
          'cost-center': 'ml-42',
          'sagemaker:project-name': 'churn',
          'sagemaker:project-id': 'p-abc123def456',
          'sagemaker:deployment-stage': stage,
        },
      });
    }
  });

  test('every parameter value of the configuration satisfies the template pattern', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: PACKAGE, ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' });
    const { read } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }));
    const template = read('prod.template.json');
    expect(Object.keys(read('prod.config.json').Parameters).sort()).toEqual(Object.keys(template.Parameters).sort());
    for (const [name, value] of Object.entries(read('prod.config.json').Parameters as Record<string, string>)) {
      expect(value).toMatch(new RegExp(template.Parameters[name].AllowedPattern));
    }
  });

  test('nothing approved: DEPLOY false, valid placeholder files whose package can never deploy', async () => {
    // GIVEN
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });

    // WHEN
    const { result, read, log } = await build(readBuildEnvironment(VARIABLES));

    // THEN
    expect(result.deploy).toBe(false);
    expect(result.modelPackageArn).toBe('');
    expect(fs.readdirSync(outDir)).toHaveLength(4);
    const config = read('staging.config.json');
    expect(config.Parameters.ModelPackageArn).toBe('');
    expect('').not.toMatch(new RegExp(read('staging.template.json').Parameters.ModelPackageArn.AllowedPattern));
    expect(log.join('\n')).toContain('DEPLOY=false: nothing to deploy');
  });

  test('a serverless stage without capture gets only the parameters its template declares', async () => {
    // GIVEN
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serverless-config-'));
    fs.writeFileSync(path.join(configDir, 'staging.json'), JSON.stringify({ serverless: {} }));
    fs.copyFileSync(path.join(__dirname, '..', 'config', 'prod.json'), path.join(configDir, 'prod.json'));
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: PACKAGE, ModelPackageStatus: 'Completed', CreationTime: new Date(), ModelPackageName: GROUP }] });

    // WHEN
    await writeBuildOutput({ env: readBuildEnvironment(VARIABLES), client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir });

    // THEN
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));
    expect(Object.keys(read('staging.config.json').Parameters).sort()).toEqual(['ModelExecutionRoleArn', 'ModelPackageArn']);
    expect(Object.keys(read('staging.template.json').Parameters).sort()).toEqual(['ModelExecutionRoleArn', 'ModelPackageArn']);
    expect(Object.keys(read('prod.config.json').Parameters)).toHaveLength(4);
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('removes stale files from an earlier run', async () => {
    fs.writeFileSync(path.join(outDir, 'old.template.json'), '{}');
    sagemaker.on(ListModelPackagesCommand).resolves({});
    await build(readBuildEnvironment(VARIABLES));
    expect(fs.readdirSync(outDir)).not.toContain('old.template.json');
  });

  test('fails on a package of another group, writing nothing', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: PACKAGE, ModelPackageGroupName: 'other', ModelApprovalStatus: 'Approved' });
    await expect(build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }))).rejects.toThrow('refusing to deploy it');
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('fails on a bad stage configuration, naming the file', async () => {
    // GIVEN
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-config-'));
    fs.writeFileSync(path.join(configDir, 'staging.json'), '{}');
    fs.writeFileSync(path.join(configDir, 'prod.json'), JSON.stringify({ dataCapture: { samplingPercentage: 150 } }));
    sagemaker.on(ListModelPackagesCommand).resolves({});

    // THEN
    await expect(writeBuildOutput({ env: readBuildEnvironment(VARIABLES), client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir }))
      .rejects.toThrow("prod.json: 'dataCapture.samplingPercentage' must be a whole number from 0 to 100; got 150");
    fs.rmSync(configDir, { recursive: true, force: true });
  });
});

describe('templateConfiguration and exportedVariables', () => {
  test('the sagemaker: tags win over project tags of the same key', () => {
    const env = readBuildEnvironment({ ...VARIABLES, PROJECT_TAGS: '{"sagemaker:deployment-stage":"x"}' });
    expect(templateConfiguration('prod', env, PACKAGE).Tags['sagemaker:deployment-stage']).toBe('prod');
  });

  test.each([
    [{ deploy: true, modelPackageArn: PACKAGE, files: [] }, `export DEPLOY=true\nexport MODEL_PACKAGE_ARN_RESOLVED='${PACKAGE}'\n`],
    [{ deploy: false, modelPackageArn: '', files: [] }, "export DEPLOY=false\nexport MODEL_PACKAGE_ARN_RESOLVED=''\n"],
  ])('exports DEPLOY and MODEL_PACKAGE_ARN_RESOLVED (%#)', (result, expected) => {
    expect(exportedVariables(result)).toBe(expected);
  });
});
