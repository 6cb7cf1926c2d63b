/**
 * run-pipeline over the real wire protocol against moto_server (S3 uploads, CreatePipeline,
 * UpdatePipeline, AddTags, StartPipelineExecution, DescribePipelineExecution). moto has no
 * ListPipelineExecutionSteps, so that one call is routed to aws-sdk-client-mock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DescribePipelineCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { main as getDefinition } from '../../src/cli/get-pipeline-definition';
import { main } from '../../src/cli/run-pipeline';
import { sha256Hex } from '../../src/cli/scripts';
import { runLocal } from '../../src/local/run-local';
import { abalone } from '../../src/pipelines/abalone/pipeline';
import { stepsOf } from '../helpers/context';
import { captureIo } from '../helpers/io';
import { useMoto } from '../helpers/moto';

// Each test makes several round trips to moto; a loaded 2-core machine needs time, not a timer.
jest.setTimeout(120_000);

const motoEndpoint = useMoto();
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let s3: S3Client;
let moto: SageMakerClient;
beforeAll(() => {
  s3 = new S3Client({ endpoint: motoEndpoint(), region: 'us-east-1', credentials, forcePathStyle: true });
  moto = new SageMakerClient({ endpoint: motoEndpoint(), region: 'us-east-1', credentials });
});
afterAll(() => {
  // Keep-alive sockets to moto would otherwise hold the worker open after the run.
  s3.destroy();
  moto.destroy();
});
const stepsOnly = new SageMakerClient({ region: 'us-east-1', credentials });
const stepsMock = mockClient(stepsOnly);
const sagemaker = {
  send: ((command: unknown) =>
    command instanceof ListPipelineExecutionStepsCommand
      ? stepsOnly.send(command)
      : moto.send(command as never)) as SageMakerClient['send'],
};

/** A fresh project (unique names) with its bucket created in moto. */
async function project() {
  const suffix = randomBytes(4).toString('hex');
  const env = {
    AWS_REGION: 'us-east-1',
    SAGEMAKER_PROJECT_NAME: 'abalone',
    SAGEMAKER_PROJECT_ID: `p-${suffix}`,
    SAGEMAKER_PIPELINE_NAME: `abalone-p-${suffix}`,
    MODEL_PACKAGE_GROUP_NAME: `abalone-p-${suffix}`,
    ARTIFACT_BUCKET: `sagemaker-project-p-${suffix}`,
    SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/pipeline',
    KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    PROJECT_TAGS: '{"cost-center":"42"}',
  };
  await s3.send(new CreateBucketCommand({ Bucket: env.ARTIFACT_BUCKET }));
  return env;
}

async function run(argv: string[], env: NodeJS.ProcessEnv, inlineLimitBytes?: number) {
  const io = captureIo(env);
  const code = await main(argv, { io, s3, sagemaker, sleep: async () => undefined, inlineLimitBytes });
  return { code, out: io.out(), err: io.err() };
}

beforeEach(() => {
  stepsMock.reset();
  stepsMock.on(ListPipelineExecutionStepsCommand).resolves({
    PipelineExecutionSteps: [{ StepName: 'PreprocessAbaloneData', StepStatus: 'Succeeded' }],
  });
});

describe('run-pipeline against moto', () => {
  test('uploads content-addressed scripts, creates the tagged pipeline with the printed definition and starts it', async () => {
    // GIVEN
    const env = await project();

    // WHEN
    const { code, out, err } = await run(['-p', 'ProcessingInstanceCount=2'], env);

    // THEN it succeeded
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`created pipeline arn:aws:sagemaker:us-east-1:123456789012:pipeline/${env.SAGEMAKER_PIPELINE_NAME}`);

    // the scripts are under <pipeline>/code/<sha256>/<file>, SSE-KMS with the project key
    for (const script of ['preprocess', 'evaluate']) {
      const body = readFileSync(abalone.code[script]);
      const key = `${env.SAGEMAKER_PIPELINE_NAME}/code/${sha256Hex(body)}/${script}.py`;
      const object = await s3.send(new GetObjectCommand({ Bucket: env.ARTIFACT_BUCKET, Key: key }));
      expect(await object.Body!.transformToString()).toBe(body.toString());
      const head = await s3.send(new HeadObjectCommand({ Bucket: env.ARTIFACT_BUCKET, Key: key }));
      expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', env.KMS_KEY_ARN]);
    }

    // the stored definition is exactly what get-pipeline-definition prints
    const described = await moto.send(new DescribePipelineCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
    const printed = captureIo(env);
    expect(getDefinition(['--compact'], printed)).toBe(0);
    expect(described.PipelineDefinition).toBe(printed.out().trim());
    expect(described.RoleArn).toBe(env.SAGEMAKER_PIPELINE_ROLE_ARN);

    // tagged with the project tags and PROJECT_TAGS
    const tags = await moto.send(new ListTagsCommand({ ResourceArn: described.PipelineArn }));
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'sagemaker:project-name', Value: 'abalone' },
        { Key: 'sagemaker:project-id', Value: env.SAGEMAKER_PROJECT_ID },
        { Key: 'cost-center', Value: '42' },
      ]),
    );

    // started with the override
    const executions = await moto.send(new ListPipelineExecutionsCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
    expect(executions.PipelineExecutionSummaries).toHaveLength(1);
    const parameters = await moto.send(
      new ListPipelineParametersForExecutionCommand({
        PipelineExecutionArn: executions.PipelineExecutionSummaries![0].PipelineExecutionArn,
      }),
    );
    expect(parameters.PipelineParameters).toEqual([{ Name: 'ProcessingInstanceCount', Value: '2' }]);
  });

  test('a second run with unchanged code updates the pipeline and reuses the same script keys', async () => {
    const env = await project();
    expect((await run(['--no-wait'], env)).code).toBe(0);

    const second = await run(['--no-wait'], env);

    expect(second.code).toBe(0);
    expect(second.out).toContain(`updated pipeline arn:aws:sagemaker:us-east-1:123456789012:pipeline/${env.SAGEMAKER_PIPELINE_NAME}`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: env.ARTIFACT_BUCKET, Prefix: `${env.SAGEMAKER_PIPELINE_NAME}/code/` }));
    expect(listed.KeyCount).toBe(2);
    const executions = await moto.send(new ListPipelineExecutionsCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
    expect(executions.PipelineExecutionSummaries).toHaveLength(2);
  });

  test('a definition above the inline limit is passed through S3', async () => {
    const env = await project();

    const { code, out } = await run(['--no-wait'], env, 100);

    expect(code).toBe(0);
    const match = /uploaded to s3:\/\/[^/]+\/(\S+\/definitions\/[0-9a-f]{64}\.json)/.exec(out);
    expect(match).not.toBeNull();
    const stored = await s3.send(new GetObjectCommand({ Bucket: env.ARTIFACT_BUCKET, Key: match![1] }));
    const described = await moto.send(new DescribePipelineCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
    // moto hands back the definition it read from S3 as parsed JSON rather than the string the
    // API specifies, so compare values rather than bytes.
    const returned: unknown = described.PipelineDefinition;
    const value = typeof returned === 'string' ? JSON.parse(returned) : returned;
    expect(value).toEqual(JSON.parse(await stored.Body!.transformToString()));
  });

  test('fails when the artifact bucket does not exist, naming the setting and the value in one line', async () => {
    const bucket = `missing-${randomBytes(4).toString('hex')}`;
    const env = { ...(await project()), ARTIFACT_BUCKET: bucket };

    const { code, err } = await run(['--no-wait'], env);

    expect(code).toBe(2);
    expect(err).toBe(
      `run-pipeline: --bucket (ARTIFACT_BUCKET) '${bucket}' does not exist (S3 NoSuchBucket in us-east-1); ` +
        "use the project's artifact bucket, sagemaker-project-<project-id>\n",
    );
    // nothing was created
    await expect(moto.send(new DescribePipelineCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }))).rejects.toThrow();
  });

  test('PIPELINE=churn runs the churn pipeline with the project tags on every job', async () => {
    const env = { ...(await project()), PIPELINE: 'churn' };

    const { code, err } = await run(['--no-wait'], env);

    expect(err).toBe('');
    expect(code).toBe(0);
    const described = await moto.send(new DescribePipelineCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
    const definition = JSON.parse(described.PipelineDefinition!);
    // the churn pipeline (found by what it registers, not by step names users may change)
    expect(stepsOf(definition).find((s) => s.Type === 'RegisterModel').Arguments.CustomerMetadataProperties.pipeline).toBe('churn');
    const jobs = stepsOf(definition).filter((s) => ['Processing', 'Training', 'Transform'].includes(s.Type));
    expect(jobs.length).toBeGreaterThan(0);
    for (const step of jobs) {
      expect(step.Arguments.Tags).toEqual(expect.arrayContaining([{ Key: 'sagemaker:project-id', Value: env.SAGEMAKER_PROJECT_ID }]));
    }
  });

  test('with AWS_ENDPOINT_URL set, as docs/cli.md shows for a local moto_server, the CLI builds its own clients', async () => {
    // GIVEN the environment a user exports in a shell (the SDK reads the endpoint and credentials from it)
    const env = await project();
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    try {
      // WHEN no clients are injected
      const io = captureIo({ ...env, AWS_ENDPOINT_URL: motoEndpoint() });
      const code = await main(['--no-wait'], { io });

      // THEN it reached moto, buckets addressed by path
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const described = await moto.send(new DescribePipelineCommand({ PipelineName: env.SAGEMAKER_PIPELINE_NAME }));
      expect(described.PipelineArn).toContain(env.SAGEMAKER_PIPELINE_NAME);
    } finally {
      process.env = saved;
    }
  });
});

describe('run-pipeline --local reading S3 inputs outside the run folder (credentials present)', () => {
  /** A processing step that copies its input to its output with sh, so no Python is needed. */
  function copyDefinition(inputUri: string) {
    return {
      Version: '2020-12-01',
      Parameters: [],
      Steps: [
        {
          Name: 'Copy',
          Type: 'Processing',
          Arguments: {
            AppSpecification: { ImageUri: 'image:1', ContainerEntrypoint: ['sh', '-c', 'cp -r /opt/ml/processing/input/data/. /opt/ml/processing/output/out/'] },
            ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: inputUri, LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
            ProcessingOutputConfig: { Outputs: [{ OutputName: 'out', S3Output: { S3Uri: 's3://project-bucket/p/out', LocalPath: '/opt/ml/processing/output/out', S3UploadMode: 'EndOfJob' } }] },
          },
        },
      ],
    };
  }

  async function runCopy(inputUri: string) {
    const runDir = mkdtempSync(path.join(tmpdir(), 'local-s3-'));
    const result = await runLocal({
      definition: copyDefinition(inputUri),
      pipelineName: 'p',
      bucket: 'project-bucket',
      parameters: {},
      code: [],
      runDir,
      python: '/usr/bin/python3',
      log: () => undefined,
      s3,
    });
    return { result, runDir };
  }

  test('downloads every object under the prefix', async () => {
    // GIVEN data in a bucket of its own
    const bucket = `data-${randomBytes(4).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sets/a.csv', Body: '1,2\n' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sets/nested/b.csv', Body: '3,4\n' }));

    // WHEN
    const { result, runDir } = await runCopy(`s3://${bucket}/sets/`);

    // THEN
    expect(result.status).toBe('Succeeded');
    const out = path.join(runDir, 's3', 'project-bucket', 'p', 'out');
    expect(readFileSync(path.join(out, 'a.csv'), 'utf8')).toBe('1,2\n');
    expect(readFileSync(path.join(out, 'nested', 'b.csv'), 'utf8')).toBe('3,4\n');
  });

  test('a missing input fails the step naming the URI and the way out', async () => {
    const { result } = await runCopy(`s3://missing-${randomBytes(4).toString('hex')}/x.csv`);
    expect(result.status).toBe('Failed');
    expect(result.failureReason).toMatch(/^step Copy failed: cannot read s3:\/\/missing-[0-9a-f]+\/x\.csv \(NoSuchBucket: .*\); pass --input-data PATH for a local copy$/);
  });
});

