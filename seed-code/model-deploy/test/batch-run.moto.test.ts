/**
 * The on-demand command end to end, as a user runs it (`npm run batch-run -- <stage>` is this
 * script under ts-node), with the real SDK clients talking to moto_server: it reads the deployed
 * stage stack's run definition and starts that job.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateModelCommand, DescribeTransformJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { transformJobDefinition } from '../lib/batch-transform';
import { endpointStackName } from '../lib/endpoint-stack';
import { parseStageConfig } from '../lib/stage-config';
import { MOTO_CLIENT_CONFIG, useMotoServer } from './support/moto-server';

const ROOT = path.join(__dirname, '..');
const moto = useMotoServer();
const LOADER = (() => {
  try {
    return require.resolve('esbuild-register', { paths: [ROOT] });
  } catch {
    return 'ts-node/register';
  }
})();

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['-r', LOADER, path.join(ROOT, 'scripts', 'batch-run.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ENDPOINT_URL: moto(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('npm run batch-run -- prod starts the deployed stage\'s job, under a new run id and a dated output folder', async () => {
  // GIVEN a deployed batch prod stage: its model and its stack's run definition output
  const projectName = `b${Date.now().toString(36)}`;
  const projectId = 'p-abc123def456';
  const sagemaker = new SageMakerClient({ endpoint: moto(), ...MOTO_CLIENT_CONFIG });
  const modelName = `${projectName}-model`;
  await sagemaker.send(new CreateModelCommand({
    ModelName: modelName,
    ExecutionRoleArn: 'arn:aws:iam::123456789012:role/model',
    PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1' },
  }));
  const config = parseStageConfig('prod', { inference: 'batch' }, 'prod.json');
  const definition = transformJobDefinition({
    projectName, stage: 'prod', batch: config.batch!, instanceType: 'ml.m5.large', instanceCount: 1, encryptVolume: true,
    modelName, bucketName: 'sagemaker-project-p-abc123def456', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    tags: { 'sagemaker:project-id': projectId },
  });
  await new CloudFormationClient({ endpoint: moto(), ...MOTO_CLIENT_CONFIG }).send(new CreateStackCommand({
    StackName: endpointStackName(projectName, projectId, 'prod'),
    TemplateBody: JSON.stringify({
      Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: { TransformJobDefinition: { Value: JSON.stringify(definition) } },
    }),
  }));

  // WHEN
  const result = run(['prod'], { SAGEMAKER_PROJECT_NAME: projectName, SAGEMAKER_PROJECT_ID: projectId });

  // THEN
  expect(result).toEqual({ status: 0, output: expect.stringMatching(new RegExp(`^Started (${projectName}-prod-r[a-z0-9]{15}): `)) });
  const jobName = /^Started (\S+):/.exec(result.output)![1];
  const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: jobName }));
  expect(job.ModelName).toBe(modelName);
  expect(job.TransformOutput?.S3OutputPath).toMatch(/^s3:\/\/sagemaker-project-p-abc123def456\/batch-output\/prod\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/$/);
  expect(job.TransformInput?.DataSource?.S3DataSource?.S3Uri).toBe('s3://sagemaker-project-p-abc123def456/batch-input/prod/');
});

test('a stage that is not deployed as batch, or a bad stage, says so in one line', () => {
  const missing = run(['staging'], { SAGEMAKER_PROJECT_NAME: 'nosuchproject', SAGEMAKER_PROJECT_ID: 'p-abc123def456' });
  expect(missing).toEqual({ status: 1, output: 'Stack sagemaker-nosuchproject-p-abc123def456-deploy-staging does not exist: the deploy pipeline creates it when it deploys the stage\n' });
  const usage = run(['dev'], {});
  expect(usage).toEqual({ status: 1, output: "Usage: npm run batch-run -- <staging|prod> [--wait]; got 'dev'\n" });
});
