/**
 * Runs of a batch stage started from here rather than by its schedule: the on-demand command
 * (`npm run batch-run -- <stage>`) and the staging test of the deploy pipeline. Both start the
 * very request the schedule starts: the batch stack's `TransformJobDefinition` output.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTransformJobCommand, CreateTransformJobCommandInput, DescribeTransformJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { BATCH_INPUT_ROOT, BATCH_OUTPUT_ROOT, SMOKE_TEST_PREFIX } from './batch-config';
import { newRunId, parseS3Uri, runRequest, TRANSFORM_DEFINITION_OUTPUT, TransformJobRequest } from './batch-transform';
import { Clock, SYSTEM_CLOCK } from './smoke-test';

/** The clients a run needs (in the stage's account). */
export interface BatchRunClients {
  readonly cloudFormation: CloudFormationClient;
  readonly sagemaker: SageMakerClient;
  /** Only the staging test uses S3 (its sample in, its output back). */
  readonly s3?: S3Client;
}

/**
 * The run definition of a deployed batch stage: its stack's `TransformJobDefinition` output.
 * @throws Error when the stack does not exist or is not a batch stage's
 */
export async function readRunDefinition(cloudFormation: CloudFormationClient, stackName: string): Promise<TransformJobRequest> {
  let outputs;
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (e) {
    const error = e as Error;
    if (error.name === 'ValidationError' && /does not exist/i.test(error.message)) {
      throw new Error(`Stack ${stackName} does not exist: the deploy pipeline creates it when it deploys the stage`);
    }
    throw new Error(`Cannot read stack ${stackName}: ${error.name}: ${error.message}`);
  }
  const value = outputs.find((o) => o.OutputKey === TRANSFORM_DEFINITION_OUTPUT)?.OutputValue;
  if (value === undefined) {
    throw new Error(`Stack ${stackName} has no ${TRANSFORM_DEFINITION_OUTPUT} output: the stage is not deployed as "inference": "batch" (yet)`);
  }
  return JSON.parse(value) as TransformJobRequest;
}

/** A started run. */
export interface StartedRun {
  readonly jobName: string;
  /** Where the run writes its output (`s3://.../`). */
  readonly outputUri: string;
}

/** Inputs of {@link startRun}. */
export interface StartRunOptions {
  readonly clients: BatchRunClients;
  /** The stage's stack, `sagemaker-<project>-<id>-deploy-<stage>`. */
  readonly stackName: string;
  /** @default - now */
  readonly now?: Date;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/** Starts one run of the stage now, exactly as its schedule would, under a new run id. */
export async function startRun(options: StartRunOptions): Promise<StartedRun> {
  const now = options.now ?? new Date();
  const definition = await readRunDefinition(options.clients.cloudFormation, options.stackName);
  const request = runRequest(definition, { runId: newRunId(now, options.random), startedAt: now });
  await createTransformJob(options.clients.sagemaker, request);
  options.log?.(`Started ${request.TransformJobName}: ${request.TransformInput.DataSource.S3DataSource.S3Uri} -> ${request.TransformOutput.S3OutputPath}`);
  return { jobName: request.TransformJobName, outputUri: request.TransformOutput.S3OutputPath };
}

async function createTransformJob(sagemaker: SageMakerClient, request: TransformJobRequest): Promise<void> {
  try {
    await sagemaker.send(new CreateTransformJobCommand(request as unknown as CreateTransformJobCommandInput));
  } catch (e) {
    throw new Error(`CreateTransformJob ${request.TransformJobName} failed: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** Inputs of {@link waitForTransformJob}. */
export interface WaitForTransformJobOptions {
  readonly sagemaker: SageMakerClient;
  readonly jobName: string;
  readonly timeoutMs: number;
  /** @default 30000 */
  readonly pollIntervalMs?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/**
 * Waits until the transform job is `Completed`.
 * @throws Error when it fails or is stopped (with SageMaker's reason), or the timeout passes
 */
export async function waitForTransformJob(options: WaitForTransformJobOptions): Promise<void> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const job = await options.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: options.jobName }));
    const status = job.TransformJobStatus ?? 'unknown';
    if (status === 'Completed') {
      options.log?.(`Transform job ${options.jobName} is Completed.`);
      return;
    }
    if (status !== 'InProgress' && status !== 'Stopping') {
      throw new Error(`Transform job ${options.jobName} is ${status}, not Completed${job.FailureReason ? `: ${job.FailureReason}` : ''}`);
    }
    if (clock.now() + pollIntervalMs > deadline) {
      throw new Error(`Transform job ${options.jobName} is still ${status} after ${Math.round(options.timeoutMs / 60_000)} min; giving up (it keeps running: stop it with aws sagemaker stop-transform-job --transform-job-name ${options.jobName})`);
    }
    options.log?.(`Transform job ${options.jobName} is ${status}; checking again in ${pollIntervalMs / 1000} s.`);
    await clock.sleep(pollIntervalMs);
  }
}

/** What the staging test found. */
export interface BatchSmokeTestReport {
  readonly jobName: string;
  readonly rows: number;
  readonly outputRecords: number;
}

/** Inputs of {@link runBatchSmokeTest}. */
export interface BatchSmokeTestOptions {
  readonly clients: BatchRunClients;
  readonly stackName: string;
  /** The sample rows, one record each (the smoke-test payload of the deployed model's pipeline). */
  readonly rows: readonly string[];
  readonly timeoutMs: number;
  /** @default 30000 */
  readonly pollIntervalMs?: number;
  /** @default - now */
  readonly now?: Date;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/** Name of the staging test's sample object (SageMaker names the output `<name>.out`). */
export const SAMPLE_OBJECT = 'sample';

/**
 * The staging test of a batch stage: puts the sample rows (KMS-encrypted) under
 * `batch-input/smoke-test/<run>/`, runs the stage's transform on them into
 * `batch-output/smoke-test/<run>/`, waits for it and checks the output with
 * {@link checkBatchOutput}: every row has an output record, and every record parses.
 * @throws Error naming the job and every problem found
 */
export async function runBatchSmokeTest(options: BatchSmokeTestOptions): Promise<BatchSmokeTestReport> {
  const { clients } = options;
  if (!clients.s3) {
    throw new Error('The batch staging test needs an S3 client');
  }
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const definition = await readRunDefinition(clients.cloudFormation, options.stackName);
  const { bucket } = parseS3Uri(definition.TransformInput.DataSource.S3DataSource.S3Uri);
  const runId = newRunId(now, options.random, 't');
  const inputKey = `${BATCH_INPUT_ROOT}${SMOKE_TEST_PREFIX}${runId}/${SAMPLE_OBJECT}`;
  const outputPrefix = `${BATCH_OUTPUT_ROOT}${SMOKE_TEST_PREFIX}${runId}/`;
  const kmsKey = definition.TransformOutput.KmsKeyId;

  await clients.s3.send(new PutObjectCommand({
    Bucket: bucket,
    Key: inputKey,
    Body: `${options.rows.join('\n')}\n`,
    ContentType: definition.TransformInput.ContentType,
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: kmsKey,
  }));
  const request = runRequest(definition, {
    runId,
    startedAt: now,
    inputUri: `s3://${bucket}/${inputKey}`,
    outputUri: `s3://${bucket}/${outputPrefix}`,
  });
  log(`Running ${request.TransformJobName} on ${options.rows.length} sample rows (s3://${bucket}/${inputKey}).`);
  await createTransformJob(clients.sagemaker, request);
  await waitForTransformJob({
    sagemaker: clients.sagemaker,
    jobName: request.TransformJobName,
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    clock: options.clock,
    log,
  });

  const outputKey = `${outputPrefix}${SAMPLE_OBJECT}.out`;
  let text: string;
  try {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: outputKey }));
    text = await object.Body!.transformToString();
  } catch (e) {
    throw new Error(`Batch test of ${request.TransformJobName} failed: cannot read its output s3://${bucket}/${outputKey}: ${(e as Error).name}: ${(e as Error).message}`);
  }
  const records = checkBatchOutput(options.rows, text, {
    accept: definition.TransformOutput.Accept,
    splitType: definition.TransformInput.SplitType,
    jobName: request.TransformJobName,
  });
  log(`${records} output records for ${options.rows.length} rows, all parsed (s3://${bucket}/${outputKey}).`);
  return { jobName: request.TransformJobName, rows: options.rows.length, outputRecords: records };
}

/**
 * Checks a batch output against its input rows. With line-split input the output has one line
 * per row, in order: the counts must match, and each record must parse: for CSV, its last field
 * (the prediction; joined input fields come before it) is a number; for JSON types, it is JSON.
 * Other split types give no record boundaries: the output must be non-empty (and JSON, for JSON).
 * @returns the number of output records (1 for an output without record boundaries)
 * @throws Error naming the job and every problem (at most 10 listed)
 */
export function checkBatchOutput(rows: readonly string[], text: string, options: { accept: string; splitType: string; jobName: string }): number {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  const problems: string[] = [];
  if (options.splitType === 'Line' && lines.length !== rows.length) {
    problems.push(`${rows.length} input rows but ${lines.length} output records`);
  }
  const mime = options.accept.split(';')[0].trim().toLowerCase();
  const json = mime.includes('json');
  const csv = mime === 'text/csv';
  if (options.splitType !== 'Line') {
    // Records are not lines: the output is checked as a whole.
    if (json && text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch {
        problems.push(`the output is not JSON: '${text.slice(0, 200)}'`);
      }
    }
    lines.length = Math.min(lines.length, text.trim() === '' ? 0 : 1);
  }
  lines.forEach((line, i) => {
    if (options.splitType !== 'Line') {
      return;
    }
    if (line.trim() === '') {
      problems.push(`record ${i + 1} is empty`);
    } else if (csv && !isNumber(line.split(',').pop()!.trim())) {
      problems.push(`record ${i + 1}: last field is not a number: '${line.slice(0, 200)}'`);
    } else if (json) {
      try {
        JSON.parse(line);
      } catch {
        problems.push(`record ${i + 1} is not JSON: '${line.slice(0, 200)}'`);
      }
    }
  });
  if (lines.length === 0) {
    problems.push('the output is empty');
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    throw new Error(`Batch test of ${options.jobName} failed:\n  ${shown.join('\n  ')}${more}`);
  }
  return lines.length;
}

function isNumber(text: string): boolean {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && Number.isFinite(Number(text));
}
