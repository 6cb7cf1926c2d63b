import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTransformJobCommand, DescribeTransformJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { checkBatchOutput, runBatchSmokeTest, startRun, waitForTransformJob } from '../lib/batch-run';
import { transformJobDefinition, TransformJobRequest } from '../lib/batch-transform';
import { parseStageConfig } from '../lib/stage-config';
import { Clock } from '../lib/smoke-test';
import { requestProblems } from './support/api-shapes';

const STACK = 'sagemaker-churn-p-abc123def456-deploy-staging';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const BUCKET = 'sagemaker-project-p-abc123def456';

function definition(batch: Record<string, unknown> = {}): TransformJobRequest {
  const config = parseStageConfig('staging', { inference: 'batch', batch }, 'staging.json');
  return transformJobDefinition({
    projectName: 'churn', stage: 'staging', batch: config.batch!, instanceType: 'ml.m5.large', instanceCount: 1,
    encryptVolume: true, modelName: 'Model-AbCdEf123456', bucketName: BUCKET, kmsKeyArn: KEY, tags: { 'sagemaker:project-id': 'p-abc123def456' },
  });
}

const cfn = mockClient(CloudFormationClient);
const sm = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const clients = () => ({ cloudFormation: new CloudFormationClient({ region: 'us-east-1' }), sagemaker: new SageMakerClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }) });
const NOW = new Date('2024-05-01T02:00:00.123Z');
const RANDOM = () => 0.5;

/** A clock that moves only when slept on. */
function fakeClock(): Clock & { slept: number } {
  let t = 0;
  return { slept: 0, now: () => t, sleep(ms) { t += ms; this.slept += ms; return Promise.resolve(); } };
}

/** The part of a GetObject body the test reads. */
function body(text: string) {
  return { transformToString: () => Promise.resolve(text) };
}

beforeEach(() => {
  cfn.reset();
  sm.reset();
  s3.reset();
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: NOW, StackStatus: 'UPDATE_COMPLETE', Outputs: [
    { OutputKey: 'ModelName', OutputValue: 'Model-AbCdEf123456' },
    { OutputKey: 'TransformJobDefinition', OutputValue: JSON.stringify(definition()) },
  ] }] });
});

describe('startRun (the on-demand command)', () => {
  test('starts the stack\'s request under a new run id, writing under a folder named after now', async () => {
    sm.on(CreateTransformJobCommand).resolves({ TransformJobArn: 'arn' });

    const run = await startRun({ clients: clients(), stackName: STACK, now: NOW, random: RANDOM });

    const sent = sm.commandCalls(CreateTransformJobCommand)[0].args[0].input;
    expect(run.jobName).toMatch(/^churn-staging-r[a-z0-9]{15}$/);
    expect(sent.TransformJobName).toBe(run.jobName);
    expect(sent.TransformOutput?.S3OutputPath).toBe(`s3://${BUCKET}/batch-output/staging/2024-05-01T02:00:00Z/`);
    expect(sent.TransformInput?.DataSource?.S3DataSource?.S3Uri).toBe(`s3://${BUCKET}/batch-input/staging/`);
    expect(sent.TransformOutput?.KmsKeyId).toBe(KEY);
    expect(requestProblems('sagemaker', 'CreateTransformJob', sent)).toEqual([]);
    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: STACK });
  });

  test('a stage not deployed as batch says so', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: NOW, StackStatus: 'UPDATE_COMPLETE', Outputs: [] }] });
    await expect(startRun({ clients: clients(), stackName: STACK })).rejects.toThrow(`Stack ${STACK} has no TransformJobDefinition output: the stage is not deployed as "inference": "batch" (yet)`);
    expect(sm.commandCalls(CreateTransformJobCommand)).toHaveLength(0);
  });

  test('a stack that does not exist says so', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' }));
    await expect(startRun({ clients: clients(), stackName: STACK })).rejects.toThrow(`Stack ${STACK} does not exist: the deploy pipeline creates it when it deploys the stage`);
  });

  test('a refused request names the job and SageMaker\'s reason', async () => {
    sm.on(CreateTransformJobCommand).rejects(Object.assign(new Error('Could not find model'), { name: 'ValidationException' }));
    await expect(startRun({ clients: clients(), stackName: STACK, now: NOW, random: RANDOM })).rejects.toThrow(/^CreateTransformJob churn-staging-r\w+ failed: ValidationException: Could not find model$/);
  });
});

describe('runBatchSmokeTest (the staging test action)', () => {
  const rows = ['1,2,3', '4,5,6', '7,8,9'];

  test('puts the rows encrypted, runs the transform on them alone, and checks one parsed record per row', async () => {
    sm.on(CreateTransformJobCommand).resolves({ TransformJobArn: 'arn' });
    sm.on(DescribeTransformJobCommand).resolvesOnce({ TransformJobStatus: 'InProgress' } as never).resolves({ TransformJobStatus: 'Completed' } as never);
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body('0.1\n0.7\n12.5\n') } as never);
    const clock = fakeClock();

    const report = await runBatchSmokeTest({ clients: clients(), stackName: STACK, rows, timeoutMs: 3_600_000, now: NOW, random: RANDOM, clock });

    expect(report).toEqual({ jobName: expect.stringMatching(/^churn-staging-t[a-z0-9]{15}$/), rows: 3, outputRecords: 3 });
    const runId = report.jobName.replace('churn-staging-', '');
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: BUCKET, Key: `batch-input/smoke-test/${runId}/sample`, Body: '1,2,3\n4,5,6\n7,8,9\n',
      ContentType: 'text/csv', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY,
    });
    const sent = sm.commandCalls(CreateTransformJobCommand)[0].args[0].input;
    expect(sent.TransformInput?.DataSource?.S3DataSource?.S3Uri).toBe(`s3://${BUCKET}/batch-input/smoke-test/${runId}/sample`);
    expect(sent.TransformOutput?.S3OutputPath).toBe(`s3://${BUCKET}/batch-output/smoke-test/${runId}/`);
    expect(requestProblems('sagemaker', 'CreateTransformJob', sent)).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toEqual({ Bucket: BUCKET, Key: `batch-output/smoke-test/${runId}/sample.out` });
    expect(clock.slept).toBe(30_000);
  });

  test('fails when a row has no output record', async () => {
    sm.on(CreateTransformJobCommand).resolves({});
    sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: 'Completed' } as never);
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body('0.1\n0.7\n') } as never);
    await expect(runBatchSmokeTest({ clients: clients(), stackName: STACK, rows, timeoutMs: 60_000, clock: fakeClock() }))
      .rejects.toThrow(/Batch test of churn-staging-t\w+ failed:\n {2}3 input rows but 2 output records/);
  });

  test('fails with SageMaker\'s reason when the job fails', async () => {
    sm.on(CreateTransformJobCommand).resolves({});
    sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: 'Failed', FailureReason: 'ClientError: See job logs' } as never);
    s3.on(PutObjectCommand).resolves({});
    await expect(runBatchSmokeTest({ clients: clients(), stackName: STACK, rows, timeoutMs: 60_000, clock: fakeClock() }))
      .rejects.toThrow(/Transform job churn-staging-t\w+ is Failed, not Completed: ClientError: See job logs/);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});

test('waitForTransformJob gives up after the timeout, saying how to stop the job', async () => {
  sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: 'InProgress' } as never);
  await expect(waitForTransformJob({ sagemaker: new SageMakerClient({ region: 'us-east-1' }), jobName: 'churn-staging-x', timeoutMs: 120_000, clock: fakeClock() }))
    .rejects.toThrow('Transform job churn-staging-x is still InProgress after 2 min; giving up (it keeps running: stop it with aws sagemaker stop-transform-job --transform-job-name churn-staging-x)');
});

describe('checkBatchOutput', () => {
  const options = { accept: 'text/csv', splitType: 'Line', jobName: 'j' };

  test('CSV: the last field is the prediction, also after joined input fields', () => {
    expect(checkBatchOutput(['1,2', '3,4'], '1,2,0.5\n3,4,1e-3\n', options)).toBe(2);
  });

  test('CSV: a record whose prediction is not a number fails, naming it', () => {
    expect(() => checkBatchOutput(['1', '2'], '0.5\nerror\n', options)).toThrow("Batch test of j failed:\n  record 2: last field is not a number: 'error'");
  });

  test('JSON lines: each record must be JSON', () => {
    expect(checkBatchOutput(['a', 'b'], '{"p":1}\n[2]\n', { ...options, accept: 'application/jsonlines' })).toBe(2);
    expect(() => checkBatchOutput(['a'], '{p:1}\n', { ...options, accept: 'application/json' })).toThrow("record 1 is not JSON: '{p:1}'");
  });

  test('no line splitting: the output is checked as a whole', () => {
    expect(checkBatchOutput(['a', 'b'], '{"predictions":\n[1, 2]}', { accept: 'application/json', splitType: 'None', jobName: 'j' })).toBe(1);
    expect(() => checkBatchOutput(['a'], '', { accept: 'application/json', splitType: 'None', jobName: 'j' })).toThrow('the output is empty');
  });
});
