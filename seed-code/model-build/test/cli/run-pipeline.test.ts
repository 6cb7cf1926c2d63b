/**
 * run-pipeline against aws-sdk-client-mock: progress reporting, failure and timeout handling, and
 * usage errors. The real wire protocol is covered by run-pipeline.moto.test.ts.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  CreatePipelineCommand,
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  PipelineExecutionStep,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StepStatus,
  UpdatePipelineCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parameterOverrides } from '../../src/cli/run-pipeline';
import { ParameterBoolean, ParameterFloat, ParameterInteger, Pipeline } from '../../src/workflow';
import { captureIo } from '../helpers/io';
import { CODEBUILD_ENV } from '../helpers/env';
import { stepsOf } from '../helpers/context';

const EXECUTION = 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/abalone-p-abcdef123456/execution/abc123';
const PIPELINE = 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/abalone-p-abcdef123456';

const sagemakerMock = mockClient(SageMakerClient);
const s3Mock = mockClient(S3Client);

function notFound(): Error {
  return Object.assign(new Error('Pipeline abalone-p-abcdef123456 does not exist'), { name: 'ResourceNotFound' });
}

function steps(...list: Array<[string, string, Partial<PipelineExecutionStep>?]>): { PipelineExecutionSteps: PipelineExecutionStep[] } {
  return { PipelineExecutionSteps: list.map(([StepName, StepStatus, extra]) => ({ StepName, StepStatus: StepStatus as StepStatus, ...extra })) };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = CODEBUILD_ENV, clock = { t: 0 }) {
  const io = captureIo(env);
  const sleeps: number[] = [];
  const code = await main(argv, {
    io,
    sagemaker: new SageMakerClient({ region: 'eu-west-1' }),
    s3: new S3Client({ region: 'eu-west-1' }),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    now: () => clock.t,
  });
  return { code, out: io.out(), err: io.err(), sleeps };
}

beforeEach(() => {
  sagemakerMock.reset();
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  sagemakerMock.on(DescribePipelineCommand).rejects(notFound());
  sagemakerMock.on(CreatePipelineCommand).resolves({ PipelineArn: PIPELINE });
  sagemakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION });
});

describe('run-pipeline', () => {
  test('prints each status change as it happens and exits 0 when the execution succeeds', async () => {
    // GIVEN an execution that progresses over three polls
    sagemakerMock
      .on(DescribePipelineExecutionCommand)
      .resolvesOnce({ PipelineExecutionStatus: 'Executing' })
      .resolvesOnce({ PipelineExecutionStatus: 'Executing' })
      .resolves({ PipelineExecutionStatus: 'Succeeded' });
    sagemakerMock
      .on(ListPipelineExecutionStepsCommand)
      .resolvesOnce(steps(['PreprocessAbaloneData', 'Executing']))
      .resolvesOnce(
        steps(
          ['PreprocessAbaloneData', 'Succeeded', { CacheHitResult: { SourcePipelineExecutionArn: 'arn:earlier' } }],
          ['TrainAbaloneModel', 'Executing'],
        ),
      )
      .resolves(steps(['PreprocessAbaloneData', 'Succeeded', { CacheHitResult: { SourcePipelineExecutionArn: 'arn:earlier' } }], ['TrainAbaloneModel', 'Succeeded']));

    // WHEN
    const { code, out, err, sleeps } = await run(['--poll-seconds', '5']);

    // THEN
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.filter((l) => /^(  step|execution:)/.test(l))).toEqual([
      'execution: Executing',
      '  step PreprocessAbaloneData: Executing',
      '  step PreprocessAbaloneData: Succeeded (cache hit from arn:earlier)',
      '  step TrainAbaloneModel: Executing',
      '  step TrainAbaloneModel: Succeeded',
      'execution: Succeeded',
    ]);
    expect(out).toContain(`execution succeeded: ${EXECUTION}`);
    expect(sleeps).toEqual([5000, 5000]);
  });

  test('creates the pipeline with the project tags and starts it with the parameter overrides', async () => {
    sagemakerMock.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: 'Succeeded' });
    sagemakerMock.on(ListPipelineExecutionStepsCommand).resolves(steps());

    const { code } = await run(['-p', 'TrainingInstanceType=ml.m5.2xlarge', '--parameter', 'ProcessingInstanceCount=2'], {
      ...CODEBUILD_ENV,
      CODEBUILD_RESOLVED_SOURCE_VERSION: 'abc1234',
    });

    expect(code).toBe(0);
    const create = sagemakerMock.commandCalls(CreatePipelineCommand)[0].args[0].input;
    expect(create).toMatchObject({
      PipelineName: 'abalone-p-abcdef123456',
      RoleArn: CODEBUILD_ENV.SAGEMAKER_PIPELINE_ROLE_ARN,
      Tags: [
        { Key: 'team', Value: 'ml' },
        { Key: 'sagemaker:project-name', Value: 'abalone' },
        { Key: 'sagemaker:project-id', Value: 'p-abcdef123456' },
      ],
    });
    expect(stepsOf(JSON.parse(create.PipelineDefinition!)).map((s) => s.Type)).toEqual(expect.arrayContaining(['Processing', 'Training', 'RegisterModel']));
    expect(sagemakerMock.commandCalls(StartPipelineExecutionCommand)[0].args[0].input).toEqual({
      PipelineName: 'abalone-p-abcdef123456',
      PipelineParameters: [
        { Name: 'TrainingInstanceType', Value: 'ml.m5.2xlarge' },
        { Name: 'ProcessingInstanceCount', Value: '2' },
      ],
      PipelineExecutionDescription: 'Started by run-pipeline for commit abc1234',
    });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Key?.replace(/[0-9a-f]{64}/, '<sha>'), p.ServerSideEncryption, p.SSEKMSKeyId])).toEqual([
      ['abalone-p-abcdef123456/code/<sha>/evaluate.py', 'aws:kms', CODEBUILD_ENV.KMS_KEY_ARN],
      ['abalone-p-abcdef123456/code/<sha>/preprocess.py', 'aws:kms', CODEBUILD_ENV.KMS_KEY_ARN],
    ]);
  });

  test('updates an existing pipeline and re-applies its tags', async () => {
    sagemakerMock.on(DescribePipelineCommand).resolves({ PipelineArn: PIPELINE });
    sagemakerMock.on(UpdatePipelineCommand).resolves({ PipelineArn: PIPELINE });
    sagemakerMock.on(AddTagsCommand).resolves({});

    const { code, out } = await run(['--no-wait']);

    expect(code).toBe(0);
    expect(out).toContain(`updated pipeline ${PIPELINE}`);
    expect(sagemakerMock.commandCalls(CreatePipelineCommand)).toHaveLength(0);
    expect(sagemakerMock.commandCalls(AddTagsCommand)[0].args[0].input.ResourceArn).toBe(PIPELINE);
  });

  test('--no-wait starts the execution and exits 0 without polling', async () => {
    const { code, out } = await run(['--no-wait']);
    expect(code).toBe(0);
    expect(out).toContain(`started execution ${EXECUTION}`);
    expect(sagemakerMock.commandCalls(DescribePipelineExecutionCommand)).toHaveLength(0);
  });

  test('exits 1 and prints the failing step and its reason when the execution fails', async () => {
    sagemakerMock
      .on(DescribePipelineExecutionCommand)
      .resolves({ PipelineExecutionStatus: 'Failed', FailureReason: 'Step failure: One or multiple steps failed.' });
    sagemakerMock.on(ListPipelineExecutionStepsCommand).resolves(
      steps(
        ['PreprocessAbaloneData', 'Succeeded'],
        ['TrainAbaloneModel', 'Failed', { FailureReason: 'ClientError: Unable to download data' }],
      ),
    );

    const { code, err } = await run([]);

    expect(code).toBe(1);
    expect(err).toBe(
      'run-pipeline: step TrainAbaloneModel failed: ClientError: Unable to download data\n' +
        `run-pipeline: execution failed: Step failure: One or multiple steps failed.: ${EXECUTION}\n`,
    );
  });

  test('a Fail step reports its error message', async () => {
    sagemakerMock.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: 'Failed' });
    sagemakerMock.on(ListPipelineExecutionStepsCommand).resolves(
      steps([
        'FailAbaloneModelQuality',
        'Failed',
        { Metadata: { Fail: { ErrorMessage: 'Model not registered: test MSE 7.1 is above the threshold of 6' } } },
      ]),
    );

    const { code, err } = await run([]);

    expect(code).toBe(1);
    expect(err).toContain('step FailAbaloneModelQuality failed: Model not registered: test MSE 7.1 is above the threshold of 6');
  });

  test('exits 1 when the execution does not finish within --timeout-minutes', async () => {
    sagemakerMock.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: 'Executing' });
    sagemakerMock.on(ListPipelineExecutionStepsCommand).resolves(steps(['TrainAbaloneModel', 'Executing']));

    const { code, err, sleeps } = await run(['--timeout-minutes', '1', '--poll-seconds', '25']);

    expect(code).toBe(1);
    expect(sleeps).toEqual([25000, 25000, 10000]);
    expect(err).toBe(
      `run-pipeline: execution still running after 1 minutes; stopped waiting (it keeps running): ${EXECUTION}\n`,
    );
  });

  test('reads every page of the step list', async () => {
    sagemakerMock.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionStatus: 'Succeeded' });
    sagemakerMock
      .on(ListPipelineExecutionStepsCommand)
      .resolvesOnce({ ...steps(['A', 'Succeeded']), NextToken: 'page2' })
      .resolves(steps(['B', 'Succeeded']));

    const { out } = await run([]);

    expect(out).toContain('  step A: Succeeded');
    expect(out).toContain('  step B: Succeeded');
    expect(sagemakerMock.commandCalls(ListPipelineExecutionStepsCommand)[1].args[0].input.NextToken).toBe('page2');
  });

  test('exits 1 with one line naming the AWS error when a call fails', async () => {
    s3Mock.on(PutObjectCommand).rejects(
      Object.assign(new Error('Access Denied\n  more detail'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );

    const { code, err } = await run([]);

    expect(code).toBe(1);
    expect(err).toBe('run-pipeline: AccessDenied (HTTP 403): Access Denied\n');
    expect(sagemakerMock.commandCalls(CreatePipelineCommand)).toHaveLength(0);
  });

  test.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['the bucket is missing', [], { ...CODEBUILD_ENV, ARTIFACT_BUCKET: '' }, '--bucket or ARTIFACT_BUCKET is required: an S3 bucket name'],
    [
      'the role is missing',
      [],
      { ...CODEBUILD_ENV, SAGEMAKER_PIPELINE_ROLE_ARN: undefined },
      '--role-arn or SAGEMAKER_PIPELINE_ROLE_ARN is required: an IAM role ARN',
    ],
    [
      'the project id is missing',
      [],
      { ...CODEBUILD_ENV, SAGEMAKER_PROJECT_ID: undefined },
      '--project-id or SAGEMAKER_PROJECT_ID is required',
    ],
    [
      'PROJECT_TAGS is not JSON',
      [],
      { ...CODEBUILD_ENV, PROJECT_TAGS: 'team=ml' },
      `--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got 'team=ml'`,
    ],
    ['PROJECT_TAGS is a list', ['--tags', '[1]'], CODEBUILD_ENV, `--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got '[1]'`],
    ['a tag value is not a string', ['--tags', '{"cost":1}'], CODEBUILD_ENV, "--tags (PROJECT_TAGS) tag 'cost' must have a string value; got 1"],
    ['a tag key is reserved', ['--tags', '{"aws:x":"y"}'], CODEBUILD_ENV, "--tags (PROJECT_TAGS) tag key must be 1-128 characters not starting with 'aws:'; got 'aws:x'"],
    [
      'a tag value has a character SageMaker refuses',
      ['--tags', '{"cost-center":"a&b"}'],
      CODEBUILD_ENV,
      `--tags (PROJECT_TAGS) tag 'cost-center' value may only hold letters, digits, spaces and _ . : / = + - @; got "a&b"`,
    ],
    [
      'a parameter is unknown',
      ['-p', 'Epochs=3'],
      CODEBUILD_ENV,
      "--parameter 'Epochs' is not a parameter of pipeline abalone-p-abcdef123456; allowed: ProcessingInstanceCount, ProcessingInstanceType",
    ],
    ['a parameter has no value', ['-p', 'ProcessingInstanceCount'], CODEBUILD_ENV, "--parameter must be Name=Value with Name one of ProcessingInstanceCount"],
    [
      'an Integer parameter is not an integer',
      ['-p', 'ProcessingInstanceCount=two'],
      CODEBUILD_ENV,
      "--parameter ProcessingInstanceCount (Integer) must be an integer; got 'two'",
    ],
    [
      'a parameter value is longer than 1024 characters',
      ['-p', `InputDataUrl=s3://b/${'k'.repeat(1018)}`],
      CODEBUILD_ENV,
      '--parameter InputDataUrl (String) must be at most 1024 characters; got 1025',
    ],
    [
      'a training instance type override has local NVMe storage while a volume key is set',
      ['-p', 'TrainingInstanceType=ml.g4dn.xlarge'],
      CODEBUILD_ENV,
      "--parameter TrainingInstanceType 'ml.g4dn.xlarge' has local NVMe instance storage, for which SageMaker refuses a volume KMS key, " +
        "but step 'TrainAbaloneModel' sets Arguments.ResourceConfig.VolumeKmsKeyId; choose an instance type without local storage " +
        "(e.g. 'ml.m5.xlarge' instead of 'ml.m5d.xlarge') or build the pipeline without a KMS key (the volume key comes from --kms-key-arn / KMS_KEY_ARN)",
    ],
    [
      'a processing instance type override has local NVMe storage while a volume key is set',
      ['-p', 'ProcessingInstanceType=ml.m5d.2xlarge'],
      CODEBUILD_ENV,
      "--parameter ProcessingInstanceType 'ml.m5d.2xlarge' has local NVMe instance storage",
    ],
    [
      'the spot wait is shorter than the training runtime',
      ['-p', 'TrainingMaxWaitSeconds=600'],
      CODEBUILD_ENV,
      "--parameter TrainingMaxWaitSeconds 600 is shorter than step 'TrainAbaloneModel' Arguments.StoppingCondition.MaxRuntimeInSeconds 3600; the spot wait must be at least the maximum runtime",
    ],
    [
      'the processing instance count is 0',
      ['-p', 'ProcessingInstanceCount=0'],
      CODEBUILD_ENV,
      "--parameter ProcessingInstanceCount 0 is out of range: SageMaker takes 1-100 (used by step '",
    ],
    ['the processing instance count is negative', ['-p', 'ProcessingInstanceCount=-1'], CODEBUILD_ENV, '--parameter ProcessingInstanceCount -1 is out of range: SageMaker takes 1-100'],
    ['the processing instance count is above 100', ['-p', 'ProcessingInstanceCount=101'], CODEBUILD_ENV, '--parameter ProcessingInstanceCount 101 is out of range'],
    ['the processing instance count is huge', ['-p', 'ProcessingInstanceCount=1000000'], CODEBUILD_ENV, '--parameter ProcessingInstanceCount 1000000 is out of range'],
    [
      'the training instance family does not exist',
      ['-p', 'TrainingInstanceType=ml.bogus.xlarge'],
      CODEBUILD_ENV,
      '--parameter TrainingInstanceType "ml.bogus.xlarge" is not a training instance type SageMaker offers: there is no family bogus for training; families: c4, c5,',
    ],
    [
      'the training instance size does not exist',
      ['-p', 'TrainingInstanceType=ml.m5.huge'],
      CODEBUILD_ENV,
      '--parameter TrainingInstanceType "ml.m5.huge" is not a training instance type SageMaker offers; sizes of ml.m5 for training: ',
    ],
    [
      'the instance type lacks the ml. prefix',
      ['-p', 'ProcessingInstanceType=m5.xlarge'],
      CODEBUILD_ENV,
      '--parameter ProcessingInstanceType "m5.xlarge" is not an instance type: SageMaker takes ml.<family>.<size>, e.g. ml.m5.xlarge',
    ],
    [
      'the approval status is not one of the enum',
      ['-p', 'ModelApprovalStatus=Maybe'],
      CODEBUILD_ENV,
      "--parameter ModelApprovalStatus \"Maybe\" is not a model approval status: SageMaker takes Approved, PendingManualApproval, Rejected (used by step '",
    ],
    [
      '--input-data is given without --local',
      ['--input-data', 'data.csv'],
      CODEBUILD_ENV,
      '--input-data only applies to --local: a run in SageMaker would ignore the file; add --local, or upload the data and pass -p InputDataUrl=s3://<bucket>/<key>',
    ],
    ['--run-dir is given without --local', ['--run-dir', 'x'], CODEBUILD_ENV, '--run-dir only applies to --local; add --local or drop --run-dir'],
    ['the timeout is not positive', ['--timeout-minutes', '0'], CODEBUILD_ENV, "--timeout-minutes must be a positive number; got '0'"],
    ['the poll interval is not a number', ['--poll-seconds', 'soon'], CODEBUILD_ENV, "--poll-seconds must be a positive number; got 'soon'"],
    ['a flag is unknown', ['--wait'], CODEBUILD_ENV, "Unknown option '--wait'; run with --help to see the allowed options"],
  ])('fails when %s', async (_title, argv, env, message) => {
    const { code, err } = await run(argv, env);
    expect(code).toBe(2);
    expect(err).toContain(`run-pipeline: ${message}`);
    expect(err.trim().split('\n')).toHaveLength(1);
    // Usage errors stop before anything is uploaded or changed.
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sagemakerMock.calls()).toHaveLength(0);
  });

  describe('parameter overrides of every type', () => {
    const pipeline = new Pipeline({
      name: 'p',
      parameters: [new ParameterFloat('Threshold', 6), new ParameterBoolean('Strict', false), new ParameterInteger('N', 1)],
      steps: [],
    });

    test('pass valid values through as strings, the last one winning', () => {
      expect(parameterOverrides(['Threshold=5.5', 'Strict=true', 'N=3', 'N=4'], pipeline)).toEqual([
        { Name: 'Threshold', Value: '5.5' },
        { Name: 'Strict', Value: 'true' },
        { Name: 'N', Value: '4' },
      ]);
    });

    test.each([
      ['Threshold=high', "--parameter Threshold (Float) must be a finite number; got 'high'"],
      ['Threshold=', "--parameter Threshold (Float) must be a finite number; got ''"],
      ['Strict=yes', "--parameter Strict (Boolean) must be true or false; got 'yes'"],
      ['N=1.5', "--parameter N (Integer) must be an integer; got '1.5'"],
    ])('fails when the override is %s', (override, message) => {
      expect(() => parameterOverrides([override], pipeline)).toThrow(message);
    });
  });

  test('an instance type with local storage is accepted when no volume key is set', async () => {
    const { code, err } = await run(['--no-wait', '-p', 'TrainingInstanceType=ml.g4dn.xlarge'], { ...CODEBUILD_ENV, KMS_KEY_ARN: '' });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(sagemakerMock.commandCalls(StartPipelineExecutionCommand)[0].args[0].input.PipelineParameters).toEqual([
      { Name: 'TrainingInstanceType', Value: 'ml.g4dn.xlarge' },
    ]);
  });

  test('--help prints usage and exits 0', async () => {
    const { code, out } = await run(['--help'], {});
    expect(code).toBe(0);
    expect(out).toContain('Exit codes: 0 succeeded (or planned), 1 failed/stopped/timed out, above --max-cost or an AWS error,\n2 bad usage.');
  });
});
