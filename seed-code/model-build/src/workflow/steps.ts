/**
 * Pipeline steps. Each step's `arguments` are typed from the matching @aws-sdk/client-sagemaker
 * request (minus the job name, which the service generates), with every scalar also accepting a
 * runtime value of the same type, so a misspelt or misplaced field fails to compile.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html
 */
import type {
  CreateModelInput,
  CreateModelPackageInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  DescribeModelOutput,
  DescribeModelPackageOutput,
  DescribeProcessingJobResponse,
  DescribeTrainingJobResponse,
  DescribeTransformJobResponse,
} from '@aws-sdk/client-sagemaker';
import { Condition } from './conditions';
import { Expression, JsonGet, JsonValue, Reference, Scalar, StepLike } from './expressions';
import { PropertiesOf, StepProperty, propertiesOf } from './properties';

/**
 * `T` with every scalar also accepting a runtime value resolving to the same type (a string field
 * takes a String parameter or a Join, a number field an Integer parameter, ...).
 */
export type Piped<T> = T extends string
  ? T | Expression<string>
  : T extends number
    ? T | Expression<number>
    : T extends boolean
      ? T | Expression<boolean>
      : T extends Date
        ? T
        : T extends ReadonlyArray<infer U>
          ? ReadonlyArray<Piped<U>>
          : T extends object
            ? { [K in keyof T]: Piped<T[K]> }
            : T;

/** Step types of the definition language that this library emits. */
export type StepType = 'Processing' | 'Training' | 'Transform' | 'Model' | 'RegisterModel' | 'Condition' | 'Fail';

/** Options every step has. */
export interface StepProps {
  /** Step name: at most 64 letters, digits, hyphens or underscores, unique in the pipeline. */
  readonly name: string;
  /** Name shown in Studio. @default - the step name */
  readonly displayName?: string;
  /** Description shown in Studio. @default - none */
  readonly description?: string;
  /**
   * Steps that must finish before this one although no argument reads from them (steps an
   * argument reads from are waited for anyway).
   * @default - none
   */
  readonly dependsOn?: readonly Step[];
}

/** Exception types a retry policy can react to. `SageMaker.*` types only apply to job steps. */
export type RetryExceptionType =
  | 'Step.SERVICE_FAULT'
  | 'Step.THROTTLING'
  | 'SageMaker.JOB_INTERNAL_ERROR'
  | 'SageMaker.CAPACITY_ERROR'
  | 'SageMaker.RESOURCE_LIMIT';

/**
 * A retry policy of a step.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html
 */
export interface RetryPolicy {
  /** Exceptions that trigger a retry. */
  readonly exceptionTypes: readonly RetryExceptionType[];
  /** Seconds before the first retry, 1-43200. @default 1 */
  readonly intervalSeconds?: number;
  /** Multiplier of the interval after each retry, at least 1. @default 2 */
  readonly backoffRate?: number;
  /** Attempts before giving up, 1-20; exclusive with `expireAfterMinutes`. @default 5 (service side) */
  readonly maxAttempts?: number;
  /** Minutes after which retries stop, 0-14400; exclusive with `maxAttempts`. @default - none */
  readonly expireAfterMinutes?: number;
}

/**
 * Step caching: a step whose cache-relevant arguments match an earlier successful run within
 * `expireAfter` reuses that run's results.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-caching.html
 */
export interface CacheConfig {
  /** Whether to look for a cached run. */
  readonly enabled: boolean;
  /** ISO 8601 duration such as `P30D` or `PT12H`. @default - no expiry */
  readonly expireAfter?: string;
}

/** Options of steps that support retry policies. */
export interface RetryableStepProps extends StepProps {
  /** Retry policies, tried in order. @default - no retries */
  readonly retryPolicies?: readonly RetryPolicy[];
}

/** Options of job steps, which support caching and job retries. */
export interface JobStepProps extends RetryableStepProps {
  /** Caching. @default - no caching */
  readonly cache?: CacheConfig;
  /**
   * Job name to use instead of the service-generated `pipelines-<id>-<step>-...` name, emitted as
   * the request's `ProcessingJobName` / `TrainingJobName` / `TransformJobName` (what the SageMaker
   * Python SDK emits with `use_custom_job_prefix`). Validated against the API's job name rule:
   * 1-63 letters, digits or hyphens.
   * @default - the service names the job
   */
  readonly jobNamePrefix?: string;
}

/** The request field that names the job, per job step type. */
export const JOB_NAME_FIELDS = {
  Processing: 'ProcessingJobName',
  Training: 'TrainingJobName',
  Transform: 'TransformJobName',
} as const;

/** A tag of a job the pipeline starts. */
export interface JobTag {
  readonly Key: string;
  readonly Value: string;
}

/** What the pipeline passes down when rendering its steps. */
export interface RenderOptions {
  /**
   * Tags added to the request of every job step (processing, training, transform), after the
   * step's own `Tags`; a key given here wins over the same key in the step.
   * @default - none
   */
  readonly jobTags?: readonly JobTag[];
}

/** Where a reference was found: the field path inside the step, for error messages. */
export interface LocatedReference {
  readonly field: string;
  readonly reference: Reference;
}

/** Base class of all steps. */
export abstract class Step implements StepLike {
  /** The definition type name. */
  public abstract readonly type: StepType;
  public readonly name: string;
  public readonly displayName?: string;
  public readonly description?: string;
  public readonly dependsOn: readonly Step[];

  protected constructor(props: StepProps) {
    this.name = props.name;
    this.displayName = props.displayName;
    this.description = props.description;
    this.dependsOn = [...(props.dependsOn ?? [])];
  }

  /** Property files this step declares. */
  public get propertyFileNames(): readonly string[] {
    return [];
  }

  /** Retry policies of the step. */
  public get retryPolicies(): readonly RetryPolicy[] {
    return [];
  }

  /** Cache configuration of the step. */
  public get cache(): CacheConfig | undefined {
    return undefined;
  }

  /** Job name prefix of a job step. */
  public get jobNamePrefix(): string | undefined {
    return undefined;
  }

  /** Steps nested in this one (condition branches). */
  public children(): readonly Step[] {
    return [];
  }

  /** Arguments as given, literals and runtime values. */
  public abstract get rawArguments(): unknown;

  /** Runtime values this step's own arguments read, with the field they were found in. */
  public references(): readonly LocatedReference[] {
    return collectReferences(this.rawArguments, 'Arguments');
  }

  /** The JSON form of the step; `undefined` members are dropped by the serializer. */
  public toDefinition(options: RenderOptions = {}): JsonValue {
    const retry = this.retryPolicies;
    const step: Record<string, unknown> = {
      Name: this.name,
      Type: this.type,
      Arguments: this.renderArguments(options),
      DependsOn: this.dependsOn.length > 0 ? this.dependsOn.map((s) => s.name) : undefined,
      DisplayName: this.displayName,
      Description: this.description,
      CacheConfig: this.cache ? { Enabled: this.cache.enabled, ExpireAfter: this.cache.expireAfter } : undefined,
      RetryPolicies: retry.length > 0 ? retry.map(renderRetryPolicy) : undefined,
      ...this.extraDefinition(),
    };
    return renderDeep(step);
  }

  protected renderArguments(_options: RenderOptions): JsonValue {
    return renderDeep(this.rawArguments);
  }

  protected extraDefinition(): Record<string, unknown> {
    return {};
  }
}

function renderRetryPolicy(policy: RetryPolicy): Record<string, unknown> {
  return {
    ExceptionType: [...policy.exceptionTypes],
    IntervalSeconds: policy.intervalSeconds,
    BackoffRate: policy.backoffRate,
    MaxAttempts: policy.maxAttempts,
    ExpireAfterMin: policy.expireAfterMinutes,
  };
}

/** Renders literals and runtime values to definition JSON, dropping `undefined` members. */
export function renderDeep(value: unknown): JsonValue {
  if (value instanceof Expression) {
    return value.toDefinition();
  }
  if (Array.isArray(value)) {
    return value.map(renderDeep);
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) {
        out[key] = renderDeep(member);
      }
    }
    return out;
  }
  return value as JsonValue;
}

/** Walks literals and runtime values, returning every reference with its field path. */
export function collectReferences(value: unknown, field: string): LocatedReference[] {
  if (value instanceof Expression) {
    return value.references().map((reference) => ({ field, reference }));
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => collectReferences(item, `${field}[${i}]`));
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, member]) => collectReferences(member, `${field}.${key}`));
  }
  return [];
}

/** Base class of the job steps (processing, training, transform): retries, caching, job name. */
export abstract class JobStep<A extends object> extends Step {
  public abstract override readonly type: keyof typeof JOB_NAME_FIELDS;
  /** The job request, without the job name. */
  public readonly arguments: A;
  private readonly jobProps: JobStepProps;

  protected constructor(props: JobStepProps & { readonly arguments: A }) {
    super(props);
    this.jobProps = props;
    this.arguments = props.arguments;
  }

  public override get retryPolicies(): readonly RetryPolicy[] {
    return this.jobProps.retryPolicies ?? [];
  }

  public override get cache(): CacheConfig | undefined {
    return this.jobProps.cache;
  }

  public override get jobNamePrefix(): string | undefined {
    return this.jobProps.jobNamePrefix;
  }

  public get rawArguments(): unknown {
    return withJobName(this.arguments, JOB_NAME_FIELDS[this.type], this.jobProps.jobNamePrefix);
  }

  /** The step's own `Tags` merged with the pipeline's job tags (which win on the same key). */
  public tagsWith(jobTags: readonly JobTag[] = []): unknown[] | undefined {
    const own = ((this.arguments as { Tags?: unknown[] }).Tags ?? []) as Array<{ Key?: unknown; Value?: unknown }>;
    if (own.length === 0 && jobTags.length === 0) {
      return undefined;
    }
    const keys = new Set(jobTags.map((t) => t.Key));
    return [...own.filter((t) => typeof t.Key !== 'string' || !keys.has(t.Key)), ...jobTags];
  }

  protected override renderArguments(options: RenderOptions): JsonValue {
    const tags = this.tagsWith(options.jobTags);
    const args = this.rawArguments as Record<string, unknown>;
    return renderDeep(tags === undefined ? args : { ...args, Tags: tags });
  }
}

/** Arguments of a processing step: `CreateProcessingJob` without `ProcessingJobName`. */
export type ProcessingJobArguments = Piped<Omit<CreateProcessingJobRequest, 'ProcessingJobName'>>;

/**
 * A JSON file a processing step writes to one of its outputs, readable by later steps with
 * {@link ProcessingStep.jsonGet}.
 */
export interface PropertyFile {
  /** Name used in `JsonGet`, `[A-Za-z0-9\-_]`. */
  readonly name: string;
  /** `OutputName` of the processing output that holds the file. */
  readonly outputName: string;
  /** Path of the file relative to that output's local path, e.g. `evaluation.json`. */
  readonly path: string;
}

/** Properties of {@link ProcessingStep}. */
export interface ProcessingStepProps extends JobStepProps {
  /** The processing job request. */
  readonly arguments: ProcessingJobArguments;
  /** JSON files the job writes for later steps to read. @default - none */
  readonly propertyFiles?: readonly PropertyFile[];
}

/** The S3 location of a processing output, resolved at run time. */
export interface ProcessingOutputReference {
  /** `ProcessingOutputConfig.Outputs['<name>'].S3Output.S3Uri`. */
  readonly s3Uri: StepProperty<string>;
}

/**
 * A processing job (`Type: Processing`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html
 */
export class ProcessingStep extends JobStep<ProcessingJobArguments> {
  public readonly type = 'Processing' as const;
  public readonly propertyFiles: readonly PropertyFile[];
  /** Fields of `DescribeProcessingJob`, resolved at run time. */
  public readonly properties: PropertiesOf<DescribeProcessingJobResponse>;

  public constructor(props: ProcessingStepProps) {
    super(props);
    this.propertyFiles = [...(props.propertyFiles ?? [])];
    this.properties = propertiesOf<DescribeProcessingJobResponse>(this);
  }

  public override get propertyFileNames(): readonly string[] {
    return this.propertyFiles.map((f) => f.name);
  }


  /** Names of the processing outputs declared as literals. */
  public get outputNames(): readonly string[] {
    const outputs = this.arguments.ProcessingOutputConfig?.Outputs ?? [];
    return outputs.map((o) => o.OutputName).filter((n): n is string => typeof n === 'string');
  }

  /**
   * A declared output, for wiring into later steps.
   *
   * @throws when the step declares no output named `name`
   */
  public outputs(name: string): ProcessingOutputReference {
    if (!this.outputNames.includes(name)) {
      throw new Error(
        `step '${this.name}' has no processing output '${name}'; declared outputs: ${listOrNone(this.outputNames)}`,
      );
    }
    return { s3Uri: this.properties.ProcessingOutputConfig.Outputs.get(name).S3Output.S3Uri };
  }

  /**
   * Reads `path` from a property file this step declares (`Std:JsonGet`).
   *
   * @throws when the step declares no property file named `propertyFile`
   */
  public jsonGet<T extends Scalar = number>(propertyFile: string, path: string): JsonGet<T> {
    if (!this.propertyFileNames.includes(propertyFile)) {
      throw new Error(
        `step '${this.name}' declares no property file '${propertyFile}'; declared: ${listOrNone(this.propertyFileNames)}`,
      );
    }
    return new JsonGet<T>({ step: this, propertyFile, path });
  }

  protected override extraDefinition(): Record<string, unknown> {
    if (this.propertyFiles.length === 0) {
      return {};
    }
    return {
      PropertyFiles: this.propertyFiles.map((f) => ({
        PropertyFileName: f.name,
        OutputName: f.outputName,
        FilePath: f.path,
      })),
    };
  }
}

/** Arguments of a training step: `CreateTrainingJob` without `TrainingJobName`. */
export type TrainingJobArguments = Piped<Omit<CreateTrainingJobRequest, 'TrainingJobName'>>;

/** Properties of {@link TrainingStep}. */
export interface TrainingStepProps extends JobStepProps {
  /** The training job request. */
  readonly arguments: TrainingJobArguments;
}

/**
 * A training job (`Type: Training`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html
 */
export class TrainingStep extends JobStep<TrainingJobArguments> {
  public readonly type = 'Training' as const;
  /** Fields of `DescribeTrainingJob`, resolved at run time. */
  public readonly properties: PropertiesOf<DescribeTrainingJobResponse>;

  public constructor(props: TrainingStepProps) {
    super(props);
    this.properties = propertiesOf<DescribeTrainingJobResponse>(this);
  }
}

/** Arguments of a transform step: `CreateTransformJob` without `TransformJobName`. */
export type TransformJobArguments = Piped<Omit<CreateTransformJobRequest, 'TransformJobName'>>;

/** Properties of {@link TransformStep}. */
export interface TransformStepProps extends JobStepProps {
  /** The batch transform job request. */
  readonly arguments: TransformJobArguments;
}

/**
 * A batch transform job (`Type: Transform`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
 */
export class TransformStep extends JobStep<TransformJobArguments> {
  public readonly type = 'Transform' as const;
  /** Fields of `DescribeTransformJob`, resolved at run time. */
  public readonly properties: PropertiesOf<DescribeTransformJobResponse>;

  public constructor(props: TransformStepProps) {
    super(props);
    this.properties = propertiesOf<DescribeTransformJobResponse>(this);
  }
}

/** Arguments of a create-model step: `CreateModel` without `ModelName`. */
export type CreateModelArguments = Piped<Omit<CreateModelInput, 'ModelName'>>;

/** Properties of {@link CreateModelStep}. */
export interface CreateModelStepProps extends RetryableStepProps {
  /** The create-model request. */
  readonly arguments: CreateModelArguments;
}

/**
 * Creates a SageMaker model, e.g. for a later transform step (`Type: Model`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
 */
export class CreateModelStep extends Step {
  public readonly type = 'Model' as const;
  public readonly arguments: CreateModelArguments;
  /** Fields of `DescribeModel`, resolved at run time. */
  public readonly properties: PropertiesOf<DescribeModelOutput>;
  private readonly props: CreateModelStepProps;

  public constructor(props: CreateModelStepProps) {
    super(props);
    this.props = props;
    this.arguments = props.arguments;
    this.properties = propertiesOf<DescribeModelOutput>(this);
  }

  public override get retryPolicies(): readonly RetryPolicy[] {
    return this.props.retryPolicies ?? [];
  }

  public get rawArguments(): unknown {
    return this.arguments;
  }
}

/**
 * Arguments of a register-model step: `CreateModelPackage` for a versioned package (so without
 * `ModelPackageName`; the idempotency token is the service's business).
 */
export type RegisterModelArguments = Piped<Omit<CreateModelPackageInput, 'ModelPackageName' | 'ClientToken'>>;

/** Properties of {@link RegisterModelStep}. */
export interface RegisterModelStepProps extends RetryableStepProps {
  /** The create-model-package request. */
  readonly arguments: RegisterModelArguments;
}

/**
 * Registers a model package version in a model package group (`Type: RegisterModel`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html
 */
export class RegisterModelStep extends Step {
  public readonly type = 'RegisterModel' as const;
  public readonly arguments: RegisterModelArguments;
  /** Fields of `DescribeModelPackage`, resolved at run time. */
  public readonly properties: PropertiesOf<DescribeModelPackageOutput>;
  private readonly props: RegisterModelStepProps;

  public constructor(props: RegisterModelStepProps) {
    super(props);
    this.props = props;
    this.arguments = props.arguments;
    this.properties = propertiesOf<DescribeModelPackageOutput>(this);
  }

  public override get retryPolicies(): readonly RetryPolicy[] {
    return this.props.retryPolicies ?? [];
  }

  public get rawArguments(): unknown {
    return this.arguments;
  }
}

/** Properties of {@link ConditionStep}. */
export interface ConditionStepProps extends StepProps {
  /** Conditions, all of which must hold (AND). */
  readonly conditions: readonly Condition[];
  /** Steps run when the conditions hold. @default - none */
  readonly ifSteps?: readonly Step[];
  /** Steps run otherwise. @default - none */
  readonly elseSteps?: readonly Step[];
}

/** What a condition step exposes at run time. */
export interface ConditionStepProperties {
  /** Whether the conditions held. */
  readonly Outcome: StepProperty<boolean>;
}

/**
 * Branches on conditions (`Type: Condition`); the branch steps are nested in its definition.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-condition
 */
export class ConditionStep extends Step {
  public readonly type = 'Condition' as const;
  public readonly conditions: readonly Condition[];
  public readonly ifSteps: readonly Step[];
  public readonly elseSteps: readonly Step[];
  /** Run-time properties. */
  public readonly properties: ConditionStepProperties;

  public constructor(props: ConditionStepProps) {
    super(props);
    this.conditions = [...props.conditions];
    this.ifSteps = [...(props.ifSteps ?? [])];
    this.elseSteps = [...(props.elseSteps ?? [])];
    this.properties = { Outcome: new StepProperty<boolean>(this, 'Outcome') };
  }

  public override children(): readonly Step[] {
    return [...this.ifSteps, ...this.elseSteps];
  }

  public get rawArguments(): unknown {
    return { Conditions: this.conditions };
  }

  public override references(): readonly LocatedReference[] {
    return this.conditions.flatMap((c, i) =>
      c.references().map((reference) => ({ field: `Arguments.Conditions[${i}]`, reference })),
    );
  }

  protected override renderArguments(options: RenderOptions): JsonValue {
    return {
      Conditions: this.conditions.map((c) => c.toDefinition()),
      IfSteps: this.ifSteps.map((s) => s.toDefinition(options)),
      ElseSteps: this.elseSteps.map((s) => s.toDefinition(options)),
    };
  }
}

/** Properties of {@link FailStep}. */
export interface FailStepProps extends StepProps {
  /** Message recorded as the execution's failure reason; may be built with `Join`. @default '' */
  readonly errorMessage?: Scalar | Expression<unknown>;
}

/**
 * Stops the execution with status `Failed` and a message (`Type: Fail`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-fail
 */
export class FailStep extends Step {
  public readonly type = 'Fail' as const;
  public readonly errorMessage: Scalar | Expression<unknown>;

  public constructor(props: FailStepProps) {
    super(props);
    this.errorMessage = props.errorMessage ?? '';
  }

  public get rawArguments(): unknown {
    return { ErrorMessage: this.errorMessage };
  }
}

function withJobName(args: object, field: string, name: string | undefined): unknown {
  return name === undefined ? args : { ...args, [field]: name };
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `'${n}'`).join(', ');
}
