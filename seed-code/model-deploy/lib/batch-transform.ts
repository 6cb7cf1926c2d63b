/**
 * The batch transform run of a batch stage: its CreateTransformJob request (built once, by the
 * stack, with two placeholders) and the names around it. Pure: no AWS calls, no CDK.
 */
import { BatchSettings } from './batch-config';

/** Name of the batch stack's output holding the run's request ({@link transformJobDefinition}). */
export const TRANSFORM_DEFINITION_OUTPUT = 'TransformJobDefinition';

/**
 * Placeholder of a run's id in the request: EventBridge Scheduler's context attribute, which it
 * replaces with its execution id (16 lowercase letters and digits) when the schedule fires; the
 * on-demand command and the staging test replace it with an id of their own.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
export const RUN_ID_PLACEHOLDER = '<aws.scheduler.execution-id>';
/** Placeholder of a run's start time (`2024-05-01T02:00:00Z`), which names its output folder. */
export const RUN_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

/** Longest run id: a job name `<project (32)>-<stage (7)>-<id>` stays within SageMaker's 63 characters. */
export const MAX_RUN_ID_LENGTH = 16;

/** Name of the schedule inside its group. */
export const BATCH_SCHEDULE_NAME = 'transform';

/** The stage's schedule group, `<project>-<stage>-batch` (tagged; the scheduler alarm watches it). */
export function batchScheduleGroupName(projectName: string, stage: string): string {
  return `${projectName}-${stage}-batch`;
}

/** The EventBridge rule that reports failed runs, `<project>-<stage>-batch-failed`. */
export function batchFailureRuleName(projectName: string, stage: string): string {
  return `${projectName}-${stage}-batch-failed`;
}

/** Every transform job of a stage is named `<project>-<stage>-<run id>`. */
export function transformJobNamePrefix(projectName: string, stage: string): string {
  return `${projectName}-${stage}-`;
}

/** Inputs of {@link transformJobDefinition}; strings may be CloudFormation tokens. */
export interface TransformJobDefinitionOptions {
  readonly projectName: string;
  readonly stage: string;
  readonly batch: BatchSettings;
  readonly instanceType: string;
  readonly instanceCount: number;
  /** Whether the ML storage volume gets the key (not on families with encrypted instance storage). */
  readonly encryptVolume: boolean;
  readonly modelName: string;
  /** The stage's bucket: input and output are key prefixes in it. */
  readonly bucketName: string;
  /** Key (or alias) ARN that encrypts the output and the volume. */
  readonly kmsKeyArn: string;
  /** Tags of every job (project, stage, the project's own). */
  readonly tags: Record<string, string>;
}

/** A CreateTransformJob request, in the API's own field names (as a universal target takes it). */
export interface TransformJobRequest {
  readonly TransformJobName: string;
  readonly ModelName: string;
  readonly BatchStrategy: string;
  readonly MaxPayloadInMB: number;
  readonly MaxConcurrentTransforms?: number;
  readonly TransformInput: {
    readonly DataSource: { readonly S3DataSource: { readonly S3DataType: 'S3Prefix'; readonly S3Uri: string } };
    readonly ContentType: string;
    readonly SplitType: string;
    readonly CompressionType: 'None';
  };
  readonly TransformOutput: {
    readonly S3OutputPath: string;
    readonly Accept: string;
    readonly AssembleWith: 'Line' | 'None';
    readonly KmsKeyId: string;
  };
  readonly TransformResources: {
    readonly InstanceType: string;
    readonly InstanceCount: number;
    readonly VolumeKmsKeyId?: string;
  };
  readonly DataProcessing?: { readonly JoinSource: 'Input' };
  readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/**
 * The CreateTransformJob request of one run of a batch stage, with {@link RUN_ID_PLACEHOLDER}
 * in the job name and {@link RUN_TIME_PLACEHOLDER} in the output path:
 * `s3://<bucket>/<batch.output><time>/`, encrypted with the stage's key.
 *
 * Output records are assembled one per line when the input is split by line (so the output has
 * one line per input row, in order), else written as the container returns them.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
 */
export function transformJobDefinition(options: TransformJobDefinitionOptions): TransformJobRequest {
  const { batch } = options;
  return {
    TransformJobName: `${transformJobNamePrefix(options.projectName, options.stage)}${RUN_ID_PLACEHOLDER}`,
    ModelName: options.modelName,
    BatchStrategy: batch.batchStrategy,
    MaxPayloadInMB: batch.maxPayloadInMB,
    ...(batch.maxConcurrentTransforms === undefined ? {} : { MaxConcurrentTransforms: batch.maxConcurrentTransforms }),
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${options.bucketName}/${batch.input}` } },
      ContentType: batch.contentType,
      SplitType: batch.splitType,
      CompressionType: 'None',
    },
    TransformOutput: {
      S3OutputPath: `s3://${options.bucketName}/${batch.output}${RUN_TIME_PLACEHOLDER}/`,
      Accept: batch.accept,
      AssembleWith: batch.splitType === 'Line' ? 'Line' : 'None',
      KmsKeyId: options.kmsKeyArn,
    },
    TransformResources: {
      InstanceType: options.instanceType,
      InstanceCount: options.instanceCount,
      ...(options.encryptVolume ? { VolumeKmsKeyId: options.kmsKeyArn } : {}),
    },
    ...(batch.joinSource === 'Input' ? { DataProcessing: { JoinSource: 'Input' as const } } : {}),
    Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** What one run changes in the definition. */
export interface RunOverrides {
  /** The run's id, 1-16 lowercase letters and digits. */
  readonly runId: string;
  /** The run's start, which names its output folder (seconds precision, UTC). */
  readonly startedAt: Date;
  /** Another input (an `s3://` prefix or object), for the staging test's sample. @default the stage's input */
  readonly inputUri?: string;
  /** Another output folder (`s3://.../`), for the staging test. @default `<batch.output><time>/` */
  readonly outputUri?: string;
}

/**
 * The request of one run: the definition (as the stack output holds it) with the run's id and
 * start time in place of the placeholders, and, for the staging test, its own input and output.
 * @throws Error when the run id is not 1-16 lowercase letters and digits, or the definition has
 *   no placeholder for it (not a batch stack's definition)
 */
export function runRequest(definition: TransformJobRequest, overrides: RunOverrides): TransformJobRequest {
  if (!new RegExp(`^[a-z0-9]{1,${MAX_RUN_ID_LENGTH}}$`).test(overrides.runId)) {
    throw new Error(`A run id must be 1-${MAX_RUN_ID_LENGTH} lowercase letters and digits; got '${overrides.runId}'`);
  }
  if (!definition.TransformJobName?.endsWith(RUN_ID_PLACEHOLDER)) {
    throw new Error(`Not a batch stage's run definition: its TransformJobName '${definition.TransformJobName}' does not end in ${RUN_ID_PLACEHOLDER}`);
  }
  const time = overrides.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const filled = JSON.parse(JSON.stringify(definition)
    .split(RUN_ID_PLACEHOLDER).join(overrides.runId)
    .split(RUN_TIME_PLACEHOLDER).join(time)) as TransformJobRequest;
  return {
    ...filled,
    TransformInput: overrides.inputUri === undefined ? filled.TransformInput : {
      ...filled.TransformInput,
      DataSource: { S3DataSource: { ...filled.TransformInput.DataSource.S3DataSource, S3Uri: overrides.inputUri } },
    },
    TransformOutput: overrides.outputUri === undefined ? filled.TransformOutput : { ...filled.TransformOutput, S3OutputPath: overrides.outputUri },
  };
}

/** A new run id: `r` (or the given letter) and the time in base 36, then random letters, 16 in all. */
export function newRunId(now: Date, random: () => number = Math.random, first = 'r'): string {
  let id = `${first}${now.getTime().toString(36)}`;
  while (id.length < MAX_RUN_ID_LENGTH) {
    id += Math.floor(random() * 36).toString(36);
  }
  return id.slice(0, MAX_RUN_ID_LENGTH);
}

/** Bucket and key of an `s3://bucket/key` URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) {
    throw new Error(`Not an s3://bucket/key URI: '${uri}'`);
  }
  return { bucket: match[1], key: match[2] };
}
