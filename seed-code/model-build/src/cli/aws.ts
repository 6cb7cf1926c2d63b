/**
 * The AWS calls of run-pipeline: upload, upsert, start, and watch an execution.
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
  Tag,
  UpdatePipelineCommand,
} from '@aws-sdk/client-sagemaker';

/** The part of an S3 client run-pipeline uses (a real client, or a test double). */
export type S3Api = Pick<S3Client, 'send'>;
/** The part of a SageMaker client run-pipeline uses. */
export type SageMakerApi = Pick<SageMakerClient, 'send'>;

/** Properties of {@link putObject}. */
export interface PutObjectProps {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer | string;
  readonly contentType: string;
  /** Encrypts with SSE-KMS under this key. @default - the bucket's default encryption */
  readonly kmsKeyArn?: string;
}

/** Uploads one object, SSE-KMS when a key is given (the project bucket may require it). */
export async function putObject(s3: S3Api, props: PutObjectProps): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: props.bucket,
      Key: props.key,
      Body: props.body,
      ContentType: props.contentType,
      ...(props.kmsKeyArn ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: props.kmsKeyArn } : {}),
    }),
  );
}

/** Where the definition goes: inline JSON, or an object for definitions above the inline limit. */
export type DefinitionSource =
  | { readonly inline: string }
  | { readonly s3: { readonly bucket: string; readonly key: string } };

/** Properties of {@link upsertPipeline}. */
export interface UpsertProps {
  readonly pipelineName: string;
  readonly definition: DefinitionSource;
  readonly roleArn: string;
  readonly description?: string;
  readonly tags: readonly Tag[];
}

/** Whether `error` says the pipeline does not exist (the service and moto word it differently). */
function isPipelineNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return (
    e?.name === 'ResourceNotFound' ||
    (e?.name === 'ValidationException' && /could not find|does not exist/i.test(e.message ?? ''))
  );
}

/**
 * Creates the pipeline, or updates it when it exists; tags are set on creation and re-applied on
 * update (UpdatePipeline takes none), so changed project tags reach existing pipelines.
 *
 * @returns whether the pipeline was created or updated, and its ARN
 */
export async function upsertPipeline(
  sagemaker: SageMakerApi,
  props: UpsertProps,
): Promise<{ action: 'created' | 'updated'; pipelineArn: string }> {
  const definition =
    'inline' in props.definition
      ? { PipelineDefinition: props.definition.inline }
      : {
          PipelineDefinitionS3Location: { Bucket: props.definition.s3.bucket, ObjectKey: props.definition.s3.key },
        };
  let existingArn: string | undefined;
  try {
    const existing = await sagemaker.send(new DescribePipelineCommand({ PipelineName: props.pipelineName }));
    existingArn = existing.PipelineArn;
  } catch (error) {
    if (!isPipelineNotFound(error)) {
      throw error;
    }
  }
  if (existingArn === undefined) {
    const created = await sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: props.pipelineName,
        PipelineDisplayName: props.pipelineName,
        PipelineDescription: props.description,
        RoleArn: props.roleArn,
        Tags: [...props.tags],
        ...definition,
      }),
    );
    return { action: 'created', pipelineArn: created.PipelineArn ?? '' };
  }
  await sagemaker.send(
    new UpdatePipelineCommand({
      PipelineName: props.pipelineName,
      PipelineDisplayName: props.pipelineName,
      PipelineDescription: props.description,
      RoleArn: props.roleArn,
      ...definition,
    }),
  );
  if (props.tags.length > 0) {
    await sagemaker.send(new AddTagsCommand({ ResourceArn: existingArn, Tags: [...props.tags] }));
  }
  return { action: 'updated', pipelineArn: existingArn };
}

/** Final state of a watched execution. */
export interface ExecutionOutcome {
  /** `Succeeded`, `Failed`, `Stopped`, or `TimedOut` when we stopped watching. */
  readonly status: string;
  /** The execution's failure reason, if any. */
  readonly failureReason?: string;
  /** Steps as last listed, in start order. */
  readonly steps: readonly PipelineExecutionStep[];
}

/** Properties of {@link watchExecution}. */
export interface WatchProps {
  readonly executionArn: string;
  /** Time between polls. */
  readonly pollIntervalMs: number;
  /** Give up watching after this long (the execution keeps running). */
  readonly timeoutMs: number;
  /** Receives one line per status change. */
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);

/** All steps of an execution (every page), oldest first. */
export async function listSteps(sagemaker: SageMakerApi, executionArn: string): Promise<PipelineExecutionStep[]> {
  const steps: PipelineExecutionStep[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListPipelineExecutionStepsCommand({
        PipelineExecutionArn: executionArn,
        SortOrder: 'Ascending',
        NextToken: nextToken,
      }),
    );
    steps.push(...(page.PipelineExecutionSteps ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return steps;
}

function describeStep(step: PipelineExecutionStep): string {
  const status = step.StepStatus ?? 'Unknown';
  const details: string[] = [];
  if (step.CacheHitResult?.SourcePipelineExecutionArn) {
    details.push(`cache hit from ${step.CacheHitResult.SourcePipelineExecutionArn}`);
  }
  if (step.FailureReason) {
    details.push(step.FailureReason);
  }
  return details.length > 0 ? `${status} (${details.join('; ')})` : status;
}

/**
 * Polls an execution until it ends or `timeoutMs` passes, logging each execution and step status
 * change as it is seen.
 */
export async function watchExecution(sagemaker: SageMakerApi, props: WatchProps): Promise<ExecutionOutcome> {
  const start = props.now();
  const seen = new Map<string, string>();
  let executionStatus: string | undefined;
  for (;;) {
    const execution = await sagemaker.send(
      new DescribePipelineExecutionCommand({ PipelineExecutionArn: props.executionArn }),
    );
    const steps = await listSteps(sagemaker, props.executionArn);
    const status = execution.PipelineExecutionStatus ?? 'Unknown';
    // A running status reads best above its steps, a final one below them.
    const statusChanged = status !== executionStatus;
    executionStatus = status;
    if (statusChanged && !TERMINAL.has(status)) {
      props.log(`execution: ${status}`);
    }
    for (const step of steps) {
      const name = step.StepName ?? '?';
      const line = describeStep(step);
      if (seen.get(name) !== line) {
        seen.set(name, line);
        props.log(`  step ${name}: ${line}`);
      }
    }
    if (statusChanged && TERMINAL.has(status)) {
      props.log(`execution: ${status}`);
    }
    if (TERMINAL.has(status)) {
      return { status, failureReason: execution.FailureReason || undefined, steps };
    }
    if (props.now() - start >= props.timeoutMs) {
      return { status: 'TimedOut', steps };
    }
    await props.sleep(Math.min(props.pollIntervalMs, Math.max(0, start + props.timeoutMs - props.now())));
  }
}
