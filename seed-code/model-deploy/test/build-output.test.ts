import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BuildEnvironment,
  buildArtifactFiles,
  exportedVariables,
  readBuildEnvironment,
  releaseDigest,
  stageDeployment,
  templateConfiguration,
  writeBuildOutput,
} from '../lib/build-output';

const GROUP = 'churn-p-abc123def456';
/** Stage files of the tests' own (test/fixtures/config), never the repository's config/. */
const CONFIG_DIR = path.join(__dirname, 'fixtures', 'config');
const PIPELINE_ROLE = 'arn:aws:iam::123456789012:role/service-role/churn-sagemaker-pipeline';
const REVIEWER = { IamIdentity: { Arn: 'arn:aws:sts::123456789012:assumed-role/Reviewer/alice' } };

const PACKAGE = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/4`;
const APPROVED = { ModelPackageArn: PACKAGE, ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' as const, LastModifiedBy: REVIEWER };
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
  SAGEMAKER_PIPELINE_ROLE_ARN: PIPELINE_ROLE,
  ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sagemaker-churn-p-abc123def456-alarms',
};
const NOT_FOUND = (name: string) => Object.assign(new Error(`Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/${name}".`), { name: 'ValidationException' });

const sagemaker = mockClient(SageMakerClient);
let outDir: string;
beforeEach(() => {
  sagemaker.reset();
  // By default neither endpoint exists yet.
  sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => Promise.reject(NOT_FOUND(input.EndpointName)));
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-output-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

async function build(env: BuildEnvironment) {
  const log: string[] = [];
  const result = await writeBuildOutput({ env, client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir: CONFIG_DIR, log: (l) => log.push(l) });
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
      pipelineRoleArn: PIPELINE_ROLE,
      automationRoleNames: [],
      autoApproveModels: false,
      alarmTopicArn: VARIABLES.ALARM_TOPIC_ARN,
      batchScheduleRoleArns: {},
      batchModelRoleArns: {},
      deploymentTargets: {},
    });
  });

  test.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    [' TRUE ', true],
  ])("AUTO_APPROVE_MODELS '%s' is %s", (value, expected) => {
    expect(readBuildEnvironment({ ...VARIABLES, AUTO_APPROVE_MODELS: value }).autoApproveModels).toBe(expected);
  });

  test.each([
    ['latest', ''],
    [' latest ', ''],
    ['', ''],
    [PACKAGE, PACKAGE],
  ])("the pipeline variable '%s' requests '%s' (latest or empty: the newest approved)", (value, requested) => {
    expect(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: value }).requestedModelPackageArn).toBe(requested);
  });

  test('PROJECT_AUTOMATION_ROLES: the project stack\'s role names (unset: none, as in a project stack older than it)', () => {
    expect(readBuildEnvironment({ ...VARIABLES, PROJECT_AUTOMATION_ROLES: ' a-Role_1, b.role@x ,' }).automationRoleNames).toEqual(['a-Role_1', 'b.role@x']);
    expect(readBuildEnvironment({ ...VARIABLES, PROJECT_AUTOMATION_ROLES: undefined }).automationRoleNames).toEqual([]);
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ['the bucket and key are missing', { ARTIFACT_BUCKET: undefined, KMS_KEY_ARN: ' ' }, 'Missing build environment variable(s): ARTIFACT_BUCKET, KMS_KEY_ARN'],
    ['PROJECT_TAGS is not JSON', { PROJECT_TAGS: 'team=ml' }, "PROJECT_TAGS must be a JSON object of tag keys to string values; got 'team=ml'"],
    ['PROJECT_TAGS is a list', { PROJECT_TAGS: '["a"]' }, "PROJECT_TAGS must be a JSON object of tag keys to string values; got '[\"a\"]'"],
    ['a PROJECT_TAGS value is a number', { PROJECT_TAGS: '{"a":1}' }, 'PROJECT_TAGS must be a JSON object'],
    ['the pipeline role ARN is missing', { SAGEMAKER_PIPELINE_ROLE_ARN: undefined }, 'Missing build environment variable(s): SAGEMAKER_PIPELINE_ROLE_ARN'],
    ['the pipeline role ARN is a user', { SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:user/x' },
      "SAGEMAKER_PIPELINE_ROLE_ARN must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got 'arn:aws:iam::123456789012:user/x'"],
    ['the pipeline role ARN is a session', { SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:sts::123456789012:assumed-role/r/s' }, 'SAGEMAKER_PIPELINE_ROLE_ARN must be an IAM role ARN'],
    ['MODEL_PACKAGE_ARN is not a package ARN', { MODEL_PACKAGE_ARN: 'garbage' },
      "MODEL_PACKAGE_ARN must be the ARN of a model package version (arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>), 'latest' or empty; got 'garbage'"],
    ['MODEL_PACKAGE_ARN is a group ARN', { MODEL_PACKAGE_ARN: `arn:aws:sagemaker:us-east-1:123456789012:model-package-group/${GROUP}` }, 'MODEL_PACKAGE_ARN must be the ARN of a model package version'],
    ['PROJECT_AUTOMATION_ROLES lists an ARN, not a name', { PROJECT_AUTOMATION_ROLES: 'a-role,arn:aws:iam::123456789012:role/b' },
      "PROJECT_AUTOMATION_ROLES must list IAM role names, comma-separated; got 'arn:aws:iam::123456789012:role/b'"],
    ['AUTO_APPROVE_MODELS is not a boolean', { AUTO_APPROVE_MODELS: 'yes' }, "AUTO_APPROVE_MODELS must be 'true' or 'false' (unset means false); got 'yes'"],
    ['the alarm topic is missing (a project stack older than the topic)', { ALARM_TOPIC_ARN: undefined },
      'Missing build environment variable(s): ALARM_TOPIC_ARN; the deploy CodeBuild project must set them (ALARM_TOPIC_ARN: update the project stack, which creates the alarm topic)'],
    ['the alarm topic is a queue', { ALARM_TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:alarms' },
      "ALARM_TOPIC_ARN must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>); got 'arn:aws:sqs:us-east-1:123456789012:alarms'"],
    ['the alarm topic is a FIFO topic', { ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alarms.fifo' }, 'ALARM_TOPIC_ARN must be an SNS topic ARN'],
  ])('fails when %s', (_, override, message) => {
    expect(() => readBuildEnvironment({ ...VARIABLES, ...override })).toThrow(message);
  });
});

describe('writeBuildOutput', () => {
  test('an approval run writes exactly the four files, deployable by a CloudFormation action', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);

    // WHEN
    const { result, read } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }));

    // THEN
    expect(result).toEqual({
      deploy: true, modelPackageArn: PACKAGE, smokeTestPayload: 'smoke-test/payloads/abalone.csv', files: buildArtifactFiles(), targets: {},
      releaseDigest: releaseDigest(outDir),
    });
    expect(fs.readdirSync(outDir).sort()).toEqual(['prod.config.json', 'prod.template.json', 'staging.config.json', 'staging.template.json']);
    for (const stage of ['staging', 'prod']) {
      const template = read(`${stage}.template.json`);
      expect(template.Rules).toBeUndefined();
      expect(Object.keys(template.Parameters).sort()).toEqual(['AlarmTopicArn', 'ArtifactBucketName', 'KmsKeyArn', 'ModelExecutionRoleArn', 'ModelPackageArn']);
      for (const alarm of Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) {
        expect([alarm.Properties.AlarmActions, alarm.Properties.OKActions]).toEqual([[{ Ref: 'AlarmTopicArn' }], [{ Ref: 'AlarmTopicArn' }]]);
      }
      expect(template.Resources.Endpoint.Properties.EndpointName).toBe(`churn-${stage}`);
      expect(read(`${stage}.config.json`)).toEqual({
        Parameters: {
          ModelPackageArn: PACKAGE,
          ModelExecutionRoleArn: VARIABLES.MODEL_EXECUTION_ROLE_ARN,
          ArtifactBucketName: VARIABLES.ARTIFACT_BUCKET,
          KmsKeyArn: VARIABLES.KMS_KEY_ARN,
          AlarmTopicArn: VARIABLES.ALARM_TOPIC_ARN,
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
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
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
    fs.copyFileSync(path.join(CONFIG_DIR, 'prod.json'), path.join(configDir, 'prod.json'));
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: PACKAGE, ModelPackageStatus: 'Completed', CreationTime: new Date(), ModelPackageName: GROUP }] });
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);

    // WHEN
    await writeBuildOutput({ env: readBuildEnvironment(VARIABLES), client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir });

    // THEN
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));
    expect(Object.keys(read('staging.config.json').Parameters).sort()).toEqual(['AlarmTopicArn', 'ModelExecutionRoleArn', 'ModelPackageArn']);
    expect(Object.keys(read('staging.template.json').Parameters).sort()).toEqual(['AlarmTopicArn', 'ModelExecutionRoleArn', 'ModelPackageArn']);
    expect(Object.keys(read('prod.config.json').Parameters)).toHaveLength(5);
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('removes stale files from an earlier run', async () => {
    fs.writeFileSync(path.join(outDir, 'old.template.json'), '{}');
    sagemaker.on(ListModelPackagesCommand).resolves({});
    await build(readBuildEnvironment(VARIABLES));
    expect(fs.readdirSync(outDir)).not.toContain('old.template.json');
  });

  test('fails on a package of another group, writing nothing', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves({ ...APPROVED, ModelPackageGroupName: 'other' });
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
    [{ deploy: true, modelPackageArn: PACKAGE, smokeTestPayload: 'smoke-test/payloads/churn.csv', files: [], targets: {}, releaseDigest: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      `export DEPLOY=true\nexport MODEL_PACKAGE_ARN_RESOLVED='${PACKAGE}'\nexport SMOKE_TEST_PAYLOAD='smoke-test/payloads/churn.csv'\nexport STAGING_TARGET=''\nexport PROD_TARGET=''\nexport RELEASE_DIGEST=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n`],
    [{ deploy: false, modelPackageArn: '', smokeTestPayload: '', files: [], targets: {}, releaseDigest: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      "export DEPLOY=false\nexport MODEL_PACKAGE_ARN_RESOLVED=''\nexport SMOKE_TEST_PAYLOAD=''\nexport STAGING_TARGET=''\nexport PROD_TARGET=''\nexport RELEASE_DIGEST=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"],
    [{ deploy: true, modelPackageArn: PACKAGE, smokeTestPayload: 'smoke-test/payloads/churn.csv', files: [], targets: { prod: { account: '222222222222', region: 'us-east-1' } }, releaseDigest: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      `export DEPLOY=true\nexport MODEL_PACKAGE_ARN_RESOLVED='${PACKAGE}'\nexport SMOKE_TEST_PAYLOAD='smoke-test/payloads/churn.csv'\nexport STAGING_TARGET=''\nexport PROD_TARGET='aws://222222222222/us-east-1'\nexport RELEASE_DIGEST=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n`],
  ])('exports DEPLOY, MODEL_PACKAGE_ARN_RESOLVED, SMOKE_TEST_PAYLOAD, where each stage deploys and the release digest (%#)', (result, expected) => {
    expect(exportedVariables(result)).toBe(expected);
  });

  test('releaseDigest is what `sha256sum <files, sorted> | sha256sum` prints, and changes with any file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-digest-'));
    try {
      for (const file of buildArtifactFiles()) fs.writeFileSync(path.join(dir, file), `{"file":"${file}"}\n`);
      const files = [...buildArtifactFiles()].sort().join(' ');
      const shell = execFileSync('bash', ['-c', `sha256sum ${files} | sha256sum | cut -d' ' -f1`], { cwd: dir, encoding: 'utf8' }).trim();
      const digest = releaseDigest(dir);
      expect(digest).toBe(shell);
      fs.appendFileSync(path.join(dir, 'prod.config.json'), ' ');
      expect(releaseDigest(dir)).not.toBe(digest);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('approval by the pipeline role', () => {
  const SELF_APPROVED = { ...APPROVED, LastModifiedBy: { IamIdentity: { Arn: 'arn:aws:sts::123456789012:assumed-role/churn-sagemaker-pipeline/SageMaker' } } };

  test('fails the build, writing nothing, when AUTO_APPROVE_MODELS is unset', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(SELF_APPROVED);
    await expect(build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE })))
      .rejects.toThrow(`Refusing to deploy model package ${PACKAGE}: it was approved by the SageMaker pipeline's own role`);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('deploys it when AUTO_APPROVE_MODELS=true', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(SELF_APPROVED);
    const { result } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE, AUTO_APPROVE_MODELS: 'true' }));
    expect(result).toMatchObject({ deploy: true, modelPackageArn: PACKAGE });
  });
});

describe('endpoints of another project', () => {
  const endpoint = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${name}`;

  test('updates endpoints tagged with this project id', async () => {
    // GIVEN both endpoints exist from an earlier deploy of this project
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => ({ EndpointArn: endpoint(input.EndpointName), EndpointStatus: 'InService' }));
    sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'sagemaker:project-id', Value: 'p-abc123def456' }] });

    // WHEN
    const { result, log } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }));

    // THEN
    expect(result.deploy).toBe(true);
    expect(sagemaker.commandCalls(DescribeEndpointCommand).map((c) => c.args[0].input.EndpointName)).toEqual(['churn-staging', 'churn-prod']);
    expect(log).toContain('Endpoint churn-prod exists and belongs to this project (sagemaker:project-id=p-abc123def456).');
  });

  test.each<[string, Array<{ Key: string; Value: string }>, string]>([
    ['another project id', [{ Key: 'sagemaker:project-id', Value: 'p-zzz999' }], 'is tagged sagemaker:project-id=p-zzz999'],
    ['no project id tag', [{ Key: 'team', Value: 'x' }], 'has no sagemaker:project-id tag'],
  ])('fails the build, writing nothing, when prod exists with %s', async (_, tags, found) => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'churn-prod' }).resolves({ EndpointArn: endpoint('churn-prod') });
    sagemaker.on(ListTagsCommand, { ResourceArn: endpoint('churn-prod') }).resolves({ Tags: tags });

    // THEN
    await expect(build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE })))
      .rejects.toThrow(`Endpoint churn-prod already exists and ${found}, not sagemaker:project-id=p-abc123def456 (this project); refusing to take it over.`);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  test('is checked on a run with nothing to deploy too', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({});
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'churn-staging' }).resolves({ EndpointArn: endpoint('churn-staging') });
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    await expect(build(readBuildEnvironment(VARIABLES))).rejects.toThrow('Endpoint churn-staging already exists and has no sagemaker:project-id tag');
  });
});

describe('smoke-test payload', () => {
  test.each<[string, Record<string, string> | undefined, string, string]>([
    ['a churn model gets churn rows', { pipeline: 'churn' }, 'smoke-test/payloads/churn.csv', "the model was built by the 'churn' pipeline"],
    ['an abalone model gets abalone rows', { pipeline: 'abalone' }, 'smoke-test/payloads/abalone.csv', "the model was built by the 'abalone' pipeline"],
    ['a package without the key gets abalone rows, and says so', undefined, 'smoke-test/payloads/abalone.csv',
      `Model package ${PACKAGE} has no CustomerMetadataProperties.pipeline, so it is taken for an abalone model.`],
  ])('%s', async (_, metadata, payload, message) => {
    sagemaker.on(DescribeModelPackageCommand).resolves({ ...APPROVED, CustomerMetadataProperties: metadata });
    const { result, log } = await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }));
    expect(result.smokeTestPayload).toBe(payload);
    expect(log.join('\n')).toContain(message);
  });

  test('smokeTest.samplePayloadFile of the staging file wins over the pipeline', async () => {
    // GIVEN
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-config-'));
    fs.writeFileSync(path.join(configDir, 'staging.json'), JSON.stringify({ smokeTest: { samplePayloadFile: 'smoke-test/payloads/abalone.csv' } }));
    fs.copyFileSync(path.join(CONFIG_DIR, 'prod.json'), path.join(configDir, 'prod.json'));
    sagemaker.on(DescribeModelPackageCommand).resolves({ ...APPROVED, CustomerMetadataProperties: { pipeline: 'churn' } });

    // WHEN
    const result = await writeBuildOutput({ env: readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }), client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir });

    // THEN
    expect(result.smokeTestPayload).toBe('smoke-test/payloads/abalone.csv');
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  test.each<[string, string, string]>([
    ['the pipeline has no payload file', 'zz-unheard-of-pipeline',
      `No smoke-test payload smoke-test/payloads/zz-unheard-of-pipeline.csv for model package ${PACKAGE}: add that file`],
    ['the pipeline name is a path', '../../etc/passwd',
      `CustomerMetadataProperties.pipeline of model package ${PACKAGE} must be a pipeline name (letters, digits and single hyphens); got '../../etc/passwd'`],
  ])('fails when %s, writing nothing', async (_, pipeline, message) => {
    sagemaker.on(DescribeModelPackageCommand).resolves({ ...APPROVED, CustomerMetadataProperties: { pipeline } });
    await expect(build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }))).rejects.toThrow(message);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});

describe('multi-account (DEPLOYMENT_TARGETS)', () => {
  const PROD_TARGET = {
    account: '222222222222',
    region: 'us-east-1',
    modelExecutionRoleArn: 'arn:aws:iam::222222222222:role/churn-p-abc123def456-prod-model',
    dataCaptureBucket: 'churn-p-abc123def456-prod-capture',
    kmsKeyArn: 'arn:aws:kms:us-east-1:222222222222:alias/churn-p-abc123def456-prod',
    alarmTopicArn: 'arn:aws:sns:us-east-1:222222222222:churn-p-abc123def456-prod-alarms',
  };
  const STAGING_TARGET = {
    ...PROD_TARGET,
    account: '111111111111',
    modelExecutionRoleArn: 'arn:aws:iam::111111111111:role/churn-p-abc123def456-staging-model',
    dataCaptureBucket: 'churn-p-abc123def456-staging-capture',
    kmsKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/99999999-8888-7777-6666-555555555555',
    alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:churn-p-abc123def456-staging-alarms',
  };
  const withTargets = (targets: object) => readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE, DEPLOYMENT_TARGETS: JSON.stringify(targets) });

  test('readBuildEnvironment reads the targets; unset or {} is single-account', () => {
    expect(withTargets({ prod: PROD_TARGET }).deploymentTargets).toEqual({ prod: PROD_TARGET });
    expect(readBuildEnvironment({ ...VARIABLES, DEPLOYMENT_TARGETS: '{}' }).deploymentTargets).toEqual({});
    expect(readBuildEnvironment({ ...VARIABLES, DEPLOYMENT_TARGETS: '' }).deploymentTargets).toEqual({});
  });

  test.each<[string, Record<string, string>, string]>([
    ['a target is in another region than AWS_REGION', { DEPLOYMENT_TARGETS: JSON.stringify({ prod: { ...PROD_TARGET, region: 'eu-west-1' } }) },
      "DEPLOYMENT_TARGETS.prod.region must be the project's region us-east-1 (AWS_REGION)"],
    ['a target ARN is of another partition than the project roles', { DEPLOYMENT_TARGETS: JSON.stringify({ prod: PROD_TARGET }), SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws-us-gov:iam::123456789012:role/p' },
      "DEPLOYMENT_TARGETS.prod.modelExecutionRoleArn must be in the project's partition 'aws-us-gov' (that of SAGEMAKER_PIPELINE_ROLE_ARN)"],
  ])('readBuildEnvironment fails when %s', (_, override, message) => {
    expect(() => readBuildEnvironment({ ...VARIABLES, ...override })).toThrow(message);
  });

  test("a stage with a target gets that account's role, bucket and key; the other stage the common ones", async () => {
    // GIVEN prod in another account, staging in the project account
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);

    // WHEN
    const { result, read, log } = await build(withTargets({ prod: PROD_TARGET }));

    // THEN
    expect(read('prod.config.json').Parameters).toEqual({
      ModelPackageArn: PACKAGE,
      ModelExecutionRoleArn: PROD_TARGET.modelExecutionRoleArn,
      ArtifactBucketName: PROD_TARGET.dataCaptureBucket,
      KmsKeyArn: PROD_TARGET.kmsKeyArn,
      AlarmTopicArn: PROD_TARGET.alarmTopicArn,
    });
    expect(read('staging.config.json').Parameters).toEqual({
      ModelPackageArn: PACKAGE,
      ModelExecutionRoleArn: VARIABLES.MODEL_EXECUTION_ROLE_ARN,
      ArtifactBucketName: VARIABLES.ARTIFACT_BUCKET,
      KmsKeyArn: VARIABLES.KMS_KEY_ARN,
      AlarmTopicArn: VARIABLES.ALARM_TOPIC_ARN,
    });
    expect(read('prod.config.json').Tags['sagemaker:project-id']).toBe('p-abc123def456');
    expect(result.targets).toEqual({ prod: { account: '222222222222', region: 'us-east-1' } });
    expect(log).toContain("The prod stack deploys in account 222222222222, us-east-1 (DEPLOYMENT_TARGETS.prod), with that account's model role, data capture bucket and key.");
  });

  test('with every stage in another account, MODEL_EXECUTION_ROLE_ARN is not needed (the project creates no model role then)', async () => {
    // GIVEN both stages in target accounts, and no project-account model role
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    const env = readBuildEnvironment({
      ...VARIABLES, MODEL_EXECUTION_ROLE_ARN: undefined, MODEL_PACKAGE_ARN: PACKAGE,
      DEPLOYMENT_TARGETS: JSON.stringify({ staging: STAGING_TARGET, prod: PROD_TARGET }),
    });
    expect(env.modelExecutionRoleArn).toBeUndefined();

    // WHEN
    const { read } = await build(env);

    // THEN each stage runs as its own account's model role
    expect(read('staging.config.json').Parameters.ModelExecutionRoleArn).toBe(STAGING_TARGET.modelExecutionRoleArn);
    expect(read('prod.config.json').Parameters.ModelExecutionRoleArn).toBe(PROD_TARGET.modelExecutionRoleArn);
  });

  test.each<[string, Record<string, string | undefined>]>([
    ['single-account', {}],
    ['a stage in the project account', { DEPLOYMENT_TARGETS: JSON.stringify({ prod: PROD_TARGET }) }],
    ['DEPLOYMENT_TARGETS not JSON', { DEPLOYMENT_TARGETS: 'staging,prod' }],
  ])('MODEL_EXECUTION_ROLE_ARN is still required with %s', (_, override) => {
    expect(() => readBuildEnvironment({ ...VARIABLES, MODEL_EXECUTION_ROLE_ARN: ' ', ...override }))
      .toThrow('Missing build environment variable(s): MODEL_EXECUTION_ROLE_ARN; the deploy CodeBuild project must set them');
  });

  test('stageDeployment refuses a project-account stage without the model role', () => {
    const env = { ...readBuildEnvironment({ ...VARIABLES, DEPLOYMENT_TARGETS: JSON.stringify({ prod: PROD_TARGET }) }), modelExecutionRoleArn: undefined };
    expect(() => stageDeployment('staging', env)).toThrow('MODEL_EXECUTION_ROLE_ARN is missing; the staging stage deploys in the project account, whose model role it names');
    expect(stageDeployment('prod', env).modelExecutionRoleArn).toBe(PROD_TARGET.modelExecutionRoleArn);
  });

  test('every target value satisfies its template parameter pattern (alias and key ARNs)', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    const { read } = await build(withTargets({ staging: STAGING_TARGET, prod: PROD_TARGET }));
    for (const stage of ['staging', 'prod']) {
      const template = read(`${stage}.template.json`);
      for (const [name, value] of Object.entries(read(`${stage}.config.json`).Parameters as Record<string, string>)) {
        expect({ stage, name, value }).toEqual({ stage, name, value: expect.stringMatching(new RegExp(template.Parameters[name].AllowedPattern)) });
      }
    }
  });

  test('the templates are the single-account ones: still no assets and no bootstrap version rule', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    const single = (await build(readBuildEnvironment({ ...VARIABLES, MODEL_PACKAGE_ARN: PACKAGE }))).read;
    const singleTemplates = ['staging', 'prod'].map((stage) => single(`${stage}.template.json`));

    // WHEN
    const { read } = await build(withTargets({ staging: STAGING_TARGET, prod: PROD_TARGET }));

    // THEN
    expect(['staging', 'prod'].map((stage) => read(`${stage}.template.json`))).toEqual(singleTemplates);
    expect(read('prod.template.json').Rules).toBeUndefined();
    expect(read('prod.template.json').Parameters.BootstrapVersion).toBeUndefined();
    expect(fs.readdirSync(outDir).sort()).toEqual(['prod.config.json', 'prod.template.json', 'staging.config.json', 'staging.template.json']);
  });

  test("skips the ownership check of an endpoint in another account with one line, and checks the project account's", async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);

    // WHEN
    const { log } = await build(withTargets({ prod: PROD_TARGET }));

    // THEN
    expect(sagemaker.commandCalls(DescribeEndpointCommand).map((c) => c.args[0].input.EndpointName)).toEqual(['churn-staging']);
    expect(log.filter((line) => line.includes('churn-prod'))).toEqual([
      'Endpoint churn-prod is in account 222222222222: not checked from the project account; there the deploy role updates only endpoints tagged sagemaker:project-id=p-abc123def456.',
    ]);
  });

  test('with both stages in other accounts, reads no endpoint of the project account', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(APPROVED);
    const { result } = await build(withTargets({ staging: STAGING_TARGET, prod: PROD_TARGET }));
    expect(sagemaker.commandCalls(DescribeEndpointCommand)).toHaveLength(0);
    expect(exportedVariables(result)).toContain("export STAGING_TARGET='aws://111111111111/us-east-1'\nexport PROD_TARGET='aws://222222222222/us-east-1'\n");
  });
});
