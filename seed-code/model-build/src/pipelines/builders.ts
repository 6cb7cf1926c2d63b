/**
 * Builders for what most pipelines are made of: a script processing step on a framework image, a
 * built-in algorithm training step (spot capacity and checkpoints included), an evaluation step
 * with its property file, registration with model metrics, and the quality gate with a Fail step.
 * They return the same typed steps as the raw API (`ProcessingStep`, `TrainingStep`, ...), which
 * stays available for everything else.
 */
import { createHash } from 'node:crypto';
import type {
  ModelApprovalStatus,
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
  TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import {
  CacheConfig,
  Condition,
  ConditionStep,
  Expression,
  ExecutionVariables,
  FailStep,
  Join,
  Parameter,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  RegisterModelStep,
  RetryPolicy,
  Scalar,
  Step,
  StepProperty,
  TrainingStep,
  Conditions,
  allSteps,
  canonicalJson,
} from '../workflow';
import { CodeLocation, PipelineContext } from './blueprint';
import { Framework, frameworkImageUri } from './image-uris';

/** Root of the paths a processing container sees. */
export const PROCESSING_ROOT = '/opt/ml/processing';
/** Where a processing step's code is downloaded. */
export const CODE_DIR = `${PROCESSING_ROOT}/input/code`;
/** Where a training job's channels are downloaded, one folder each. */
export const TRAINING_DATA_DIR = '/opt/ml/input/data';
/** Where a script training step's code channel is downloaded. */
export const TRAINING_CODE_DIR = `${TRAINING_DATA_DIR}/code`;
/** Where a training job writes its model (packed into `model.tar.gz` by the service). */
export const TRAINING_MODEL_DIR = '/opt/ml/model';

type Str = string | Expression<string>;
type Int = number | Expression<number>;

/** Caching of a job step: `true` is 30 days. */
export type CacheOption = boolean | CacheConfig;

function cacheConfig(cache: CacheOption | undefined): CacheConfig | undefined {
  if (cache === undefined || cache === false) {
    return undefined;
  }
  return cache === true ? { enabled: true, expireAfter: 'P30D' } : cache;
}

/** Options of {@link PipelineBuilder.processing}. */
export interface ScriptProcessingOptions {
  readonly name: string;
  readonly description?: string;
  /** Framework image the script runs in; give this or {@link imageUri}. */
  readonly framework?: Framework;
  /** Version of the framework image. @default - the pipelines' version (scikit-learn 1.2-1, XGBoost 1.7-1) */
  readonly frameworkVersion?: string;
  /** Any other image with `python3`, e.g. the project's own (`b.projectImage('tensorflow')`); give this or {@link framework}. */
  readonly imageUri?: string;
  /** Logical code name (a key of the blueprint's `code`). */
  readonly code: string;
  /** File to run inside a code folder. @default - the only `.py` file of the code */
  readonly entryPoint?: string;
  /**
   * Inputs by name: each is downloaded to `/opt/ml/processing/input/<name>` and passed to the
   * script as `--<name>-dir <path>`.
   * @default - none
   */
  readonly inputs?: Readonly<Record<string, Str>>;
  /**
   * Outputs by name: the script writes to the folder given as `--<name>-dir`
   * (`/opt/ml/processing/output/<name>`), uploaded to `s3://<bucket>/<pipeline>/<execution-id>/<step>/<name>`.
   * @default - none
   */
  readonly outputs?: readonly string[];
  /** More arguments for the script, after the folder arguments. @default - none */
  readonly arguments?: readonly Str[];
  /** Environment of the container. @default - none */
  readonly environment?: Readonly<Record<string, Str>>;
  readonly instanceType: ProcessingInstanceType | Expression<string>;
  /** @default 1 */
  readonly instanceCount?: Int;
  /** @default 30 */
  readonly volumeSizeGb?: number;
  /** @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /** @default - no caching */
  readonly cache?: CacheOption;
  /** @default - none */
  readonly propertyFiles?: readonly PropertyFile[];
  /** @default - no retries */
  readonly retryPolicies?: readonly RetryPolicy[];
}

/** Options of {@link PipelineBuilder.evaluation}. */
export interface EvaluationOptions extends Omit<ScriptProcessingOptions, 'outputs' | 'propertyFiles'> {
  /** The training step whose `model.tar.gz` is passed as `--model-dir`. */
  readonly model: TrainingStep;
  /** Name of the property file `evaluation.json` is declared as (read by the gate). */
  readonly report: string;
  /**
   * Name of the property file `model-input.json` (`{"feature_count": n}`, written by the script
   * beside `evaluation.json`) is declared as, for {@link RegisterOptions.featureCount}.
   * @default - not declared
   */
  readonly modelInput?: string;
}

/** Managed spot training. */
export interface SpotOptions {
  /**
   * Longest time the job may take including waits for spot capacity, at least the maximum
   * runtime (`StoppingCondition.MaxWaitTimeInSeconds`); usually a pipeline parameter.
   */
  readonly maxWaitSeconds: Int;
}

/** Options of {@link PipelineBuilder.builtInTraining}. */
export interface BuiltInTrainingOptions {
  readonly name: string;
  readonly description?: string;
  /** The built-in algorithm's image (only XGBoost here). */
  readonly algorithm: Extract<Framework, 'xgboost'>;
  /** @default - the pipelines' version (1.7-1) */
  readonly algorithmVersion?: string;
  /** Hyperparameters, as strings like the API wants them. */
  readonly hyperparameters: Readonly<Record<string, string>>;
  /** Input channels by name (S3 URIs). */
  readonly channels: Readonly<Record<string, Str>>;
  /** @default 'text/csv' */
  readonly contentType?: string;
  readonly instanceType: TrainingInstanceType | Expression<string>;
  /** @default 1 */
  readonly instanceCount?: Int;
  /** @default 30 */
  readonly volumeSizeGb?: number;
  /** @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /**
   * Managed spot training, with checkpoints under `s3://<bucket>/<pipeline>/checkpoints/` so an
   * interrupted job resumes. `false` trains on demand.
   */
  readonly spot: SpotOptions | false;
  /** @default - no caching */
  readonly cache?: CacheOption;
}

/** Options of {@link PipelineBuilder.scriptTraining}. */
export interface ScriptTrainingOptions {
  readonly name: string;
  readonly description?: string;
  /** Image with `python3` and the framework the script imports (e.g. `b.projectImage('tensorflow')`). */
  readonly imageUri: string;
  /**
   * Logical code name (a key of the blueprint's `code`): downloaded as the `code` channel to
   * `/opt/ml/input/data/code/`, so a script change never needs an image rebuild.
   */
  readonly code: string;
  /** File to run inside a code folder. @default - the only `.py` file of the code */
  readonly entryPoint?: string;
  /**
   * Hyperparameters (strings): passed to the script as `--<name> <value>` (after the folder
   * arguments) and recorded as the job's `HyperParameters`.
   */
  readonly hyperparameters: Readonly<Record<string, string>>;
  /** Input channels by name (S3 URIs), at `/opt/ml/input/data/<name>/`; `code` is taken. */
  readonly channels: Readonly<Record<string, Str>>;
  readonly instanceType: TrainingInstanceType | Expression<string>;
  /** @default 1 */
  readonly instanceCount?: Int;
  /** @default 30 */
  readonly volumeSizeGb?: number;
  /** @default 3600 */
  readonly maxRuntimeSeconds?: number;
  /** @default - no caching */
  readonly cache?: CacheOption;
}

/** Options of {@link PipelineBuilder.registerModel}. */
export interface RegisterOptions {
  readonly name: string;
  readonly description: string;
  /** The training step whose model is registered. */
  readonly model: TrainingStep;
  /** Image that serves the model; give this or {@link imageUri}. */
  readonly framework?: Framework;
  /** @default - the pipelines' version */
  readonly frameworkVersion?: string;
  /** Any other serving image (e.g. the TensorFlow serving DLC); give this or {@link framework}. */
  readonly imageUri?: string;
  /** The evaluation step whose `evaluation.json` becomes the model quality statistics. */
  readonly evaluation: ProcessingStep;
  readonly approvalStatus: ModelApprovalStatus | Expression<string>;
  /** @default 'text/csv' */
  readonly contentType?: string;
  /** @default - the request's content type */
  readonly responseContentType?: string;
  /** @default ['ml.t2.medium', 'ml.m5.large'] */
  readonly realtimeInstanceTypes?: readonly ProductionVariantInstanceType[];
  /** @default ['ml.m5.large'] */
  readonly transformInstanceTypes?: readonly TransformInstanceType[];
  /**
   * The number of CSV columns the model takes, recorded as `CustomerMetadataProperties.feature_count`
   * (the deploy repository's smoke test builds its request from it).
   * @default - not recorded
   */
  readonly featureCount?: Expression<unknown>;
}

/** Options of {@link PipelineBuilder.qualityGate}. */
export interface QualityGateOptions {
  readonly name: string;
  readonly description?: string;
  readonly conditions: readonly Condition[];
  /** Steps run when the conditions hold (the registration). */
  readonly ifSteps: readonly Step[];
  /** Name of the Fail step run otherwise. */
  readonly failStepName: string;
  /** Failure message, joined with spaces; put the measured metric in it. */
  readonly failMessage: ReadonlyArray<Scalar | Expression<unknown>>;
}

/** Training steps retry SageMaker's capacity errors: 3 attempts, a minute apart, doubling. */
const CAPACITY_RETRY: readonly RetryPolicy[] = [{ exceptionTypes: ['SageMaker.CAPACITY_ERROR'], intervalSeconds: 60, backoffRate: 2, maxAttempts: 3 }];

/**
 * Builds the steps of one pipeline for a project context: images, role, bucket layout, KMS key,
 * code locations and tags come from the context, so a pipeline file states only what is its own.
 */
export class PipelineBuilder {
  /** `s3://<bucket>/<pipeline>`, the prefix the pipeline role writes to. */
  public readonly base: string;

  public constructor(public readonly ctx: PipelineContext) {
    this.base = `s3://${ctx.bucket}/${ctx.pipelineName}`;
  }

  /**
   * The image of a framework in the context's region (or the context's override), at `version`
   * (one of `FRAMEWORK_VERSIONS`; default the pipelines' version).
   */
  public image(framework: Framework, version?: string): string {
    return this.ctx.imageUris?.[framework] ?? frameworkImageUri(framework, this.ctx.region, version);
  }

  /**
   * The URI of the project's own image built from `containers/<name>/`; fails, naming the image and
   * how to provide it, when the context has none.
   */
  public projectImage(name: string): string {
    const uri = this.ctx.projectImages?.[name];
    if (!uri) {
      const known = Object.keys(this.ctx.projectImages ?? {});
      throw new Error(
        `pipeline '${this.ctx.pipelineKey}' runs the project image '${name}' (containers/${name}/Dockerfile), which has no URI: `
        + 'set IMAGE_REPOSITORY_URI (the project\'s image repository) or PIPELINE_IMAGES_FILE (written by the image build)'
        + (known.length ? `; images known: ${known.join(', ')}` : ''),
      );
    }
    return uri;
  }

  /** The image of a step given a framework or an image URI, exactly one of them. */
  private imageOf(options: { name: string; framework?: Framework; frameworkVersion?: string; imageUri?: string }): string {
    if ((options.framework === undefined) === (options.imageUri === undefined)) {
      throw new Error(`step '${options.name}': give exactly one of framework and imageUri`);
    }
    return options.imageUri ?? this.image(options.framework!, options.frameworkVersion);
  }

  /** A per-execution output location: concurrent runs never share one, caching is unaffected. */
  public outputUri(step: string, output: string): Join {
    return new Join({ on: '/', values: [this.base, ExecutionVariables.PIPELINE_EXECUTION_ID, step, output] });
  }

  /** A processing job that runs one script of the repository on a framework image. */
  public processing(options: ScriptProcessingOptions): ProcessingStep {
    const code = this.code(options.code);
    const entry = `${CODE_DIR}/${entryPointOf(options.code, code, options.entryPoint)}`;
    const inputs = Object.entries(options.inputs ?? {});
    const outputs = options.outputs ?? [];
    const args: Str[] = [
      ...inputs.flatMap(([name]) => [`--${name}-dir`, `${PROCESSING_ROOT}/input/${name}`]),
      ...outputs.flatMap((name) => [`--${name}-dir`, `${PROCESSING_ROOT}/output/${name}`]),
      ...(options.arguments ?? []),
    ];
    // With a requirements.txt the container installs it first ("$0" "$@" keep the arguments
    // intact); a local run sets PIPELINE_LOCAL_RUN and leaves the installing to the user.
    const install = `python3 -m pip install --quiet -r ${CODE_DIR}/requirements.txt`;
    const entrypoint = code.files.includes('requirements.txt')
      ? ['sh', '-c', `if [ -z "$PIPELINE_LOCAL_RUN" ]; then ${install}; fi && exec python3 "$0" "$@"`, entry]
      : ['python3', entry];
    const s3Input = (name: string, uri: Str, localPath: string) => ({
      InputName: name,
      S3Input: {
        S3Uri: uri,
        LocalPath: localPath,
        S3DataType: 'S3Prefix' as const,
        S3InputMode: 'File' as const,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    });
    return new ProcessingStep({
      name: options.name,
      description: options.description,
      cache: cacheConfig(options.cache),
      retryPolicies: options.retryPolicies,
      propertyFiles: options.propertyFiles,
      arguments: {
        RoleArn: this.ctx.roleArn,
        AppSpecification: { ImageUri: this.imageOf(options), ContainerEntrypoint: entrypoint, ContainerArguments: args },
        Environment: options.environment,
        ProcessingResources: {
          ClusterConfig: {
            InstanceCount: options.instanceCount ?? 1,
            InstanceType: options.instanceType,
            VolumeSizeInGB: options.volumeSizeGb ?? 30,
            VolumeKmsKeyId: this.ctx.kmsKeyArn,
          },
        },
        ProcessingInputs: [
          ...inputs.map(([name, uri]) => s3Input(name, uri, `${PROCESSING_ROOT}/input/${name}`)),
          s3Input('code', code.s3Uri, CODE_DIR),
        ],
        ProcessingOutputConfig:
          outputs.length === 0
            ? undefined
            : {
                KmsKeyId: this.ctx.kmsKeyArn,
                Outputs: outputs.map((name) => ({
                  OutputName: name,
                  S3Output: {
                    S3Uri: this.outputUri(options.name, name),
                    LocalPath: `${PROCESSING_ROOT}/output/${name}`,
                    S3UploadMode: 'EndOfJob' as const,
                  },
                })),
              },
        StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeSeconds ?? 3600 },
      },
    });
  }

  /**
   * An evaluation job: the model is passed as `--model-dir`, the script writes `evaluation.json`
   * to `--evaluation-dir`, declared as property file `report`.
   */
  public evaluation(options: EvaluationOptions): ProcessingStep {
    return this.processing({
      ...options,
      inputs: { model: options.model.properties.ModelArtifacts.S3ModelArtifacts, ...options.inputs },
      outputs: ['evaluation'],
      propertyFiles: [
        { name: options.report, outputName: 'evaluation', path: 'evaluation.json' },
        ...(options.modelInput ? [{ name: options.modelInput, outputName: 'evaluation', path: 'model-input.json' }] : []),
      ],
    });
  }

  /**
   * A training job of a built-in algorithm, on spot capacity unless `spot` is false. Retried on
   * capacity errors.
   *
   * Checkpoints go to `s3://<bucket>/<pipeline>/checkpoints/<step>/<config hash>/<upstream job>`:
   * stable for the same configuration and data (`CheckpointConfig` is part of the training
   * step's cache key, so a per-execution path would defeat caching), different when either changes
   * (so a job never resumes from another configuration's or data's checkpoint).
   */
  public builtInTraining(options: BuiltInTrainingOptions): TrainingStep {
    const image = this.image(options.algorithm, options.algorithmVersion);
    const contentType = options.contentType ?? 'text/csv';
    const maxRuntime = options.maxRuntimeSeconds ?? 3600;
    const channels = Object.entries(options.channels).map(([name, uri]) => ({
      ChannelName: name,
      ContentType: contentType,
      DataSource: {
        S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: uri, S3DataDistributionType: 'FullyReplicated' as const },
      },
    }));
    const spot = options.spot;
    const configHash = createHash('sha256')
      .update(canonicalJson({ image, hyperparameters: options.hyperparameters, channels: Object.keys(options.channels), contentType }, 0))
      .digest('hex')
      .slice(0, 16);
    return new TrainingStep({
      name: options.name,
      description: options.description,
      cache: cacheConfig(options.cache),
      retryPolicies: CAPACITY_RETRY,
      arguments: {
        RoleArn: this.ctx.roleArn,
        AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
        HyperParameters: { ...options.hyperparameters },
        InputDataConfig: channels,
        // The service appends the generated job name, so runs never overwrite each other.
        OutputDataConfig: { S3OutputPath: `${this.base}/${options.name}`, KmsKeyId: this.ctx.kmsKeyArn },
        ResourceConfig: {
          InstanceCount: options.instanceCount ?? 1,
          InstanceType: options.instanceType,
          VolumeSizeInGB: options.volumeSizeGb ?? 30,
          VolumeKmsKeyId: this.ctx.kmsKeyArn,
        },
        StoppingCondition: spot
          ? { MaxRuntimeInSeconds: maxRuntime, MaxWaitTimeInSeconds: spot.maxWaitSeconds }
          : { MaxRuntimeInSeconds: maxRuntime },
        EnableManagedSpotTraining: spot ? true : undefined,
        CheckpointConfig: spot
          ? {
              S3Uri: new Join({
                on: '/',
                values: [this.base, 'checkpoints', options.name, configHash, upstreamIdentity(Object.values(options.channels))],
              }),
            }
          : undefined,
      },
    });
  }

  /**
   * A training job that runs a script of this repository on an image with its framework (the
   * project's own image, built FROM a deep learning container): the code arrives as the `code`
   * channel and runs as the container's entry point (`python3 /opt/ml/input/data/code/<entry>`),
   * so the image holds only the framework and packages. The script gets `--<channel>-dir
   * /opt/ml/input/data/<channel>` for each channel, `--model-dir /opt/ml/model` (where it writes
   * the model), then the hyperparameters as `--<name> <value>`. On demand (no spot: a script without checkpoint code would restart from
   * scratch). Retried on capacity errors.
   */
  public scriptTraining(options: ScriptTrainingOptions): TrainingStep {
    if (Object.prototype.hasOwnProperty.call(options.channels, 'code')) {
      throw new Error(`step '${options.name}': the channel name 'code' is taken by the script's code`);
    }
    const code = this.code(options.code);
    const entry = entryPointOf(options.code, code, options.entryPoint);
    const s3Channel = (name: string, uri: Str) => ({
      ChannelName: name,
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: uri, S3DataDistributionType: 'FullyReplicated' as const } },
    });
    return new TrainingStep({
      name: options.name,
      description: options.description,
      cache: cacheConfig(options.cache),
      retryPolicies: CAPACITY_RETRY,
      arguments: {
        RoleArn: this.ctx.roleArn,
        AlgorithmSpecification: {
          TrainingImage: options.imageUri,
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', `${TRAINING_CODE_DIR}/${entry}`],
          // The folders as arguments too (as processing steps get them), so a local run can map them.
          ContainerArguments: [
            ...Object.keys(options.channels).flatMap((name) => [`--${name}-dir`, `${TRAINING_DATA_DIR}/${name}`]),
            '--model-dir',
            TRAINING_MODEL_DIR,
            ...Object.entries(options.hyperparameters).flatMap(([name, value]) => [`--${name}`, value]),
          ],
        },
        HyperParameters: { ...options.hyperparameters },
        InputDataConfig: [...Object.entries(options.channels).map(([name, uri]) => s3Channel(name, uri)), s3Channel('code', code.s3Uri)],
        OutputDataConfig: { S3OutputPath: `${this.base}/${options.name}`, KmsKeyId: this.ctx.kmsKeyArn },
        ResourceConfig: {
          InstanceCount: options.instanceCount ?? 1,
          InstanceType: options.instanceType,
          VolumeSizeInGB: options.volumeSizeGb ?? 30,
          VolumeKmsKeyId: this.ctx.kmsKeyArn,
        },
        StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeSeconds ?? 3600 },
      },
    });
  }

  /**
   * Registers the trained model in the project's model package group, with `evaluation.json` as
   * model quality statistics, `CustomerMetadataProperties.pipeline` = the pipeline's short name
   * and, when given, `feature_count` (the deploy repository's smoke test builds its request
   * from them).
   */
  public registerModel(options: RegisterOptions): RegisterModelStep {
    const contentType = options.contentType ?? 'text/csv';
    return new RegisterModelStep({
      name: options.name,
      description: 'Register the model in the project model package group',
      retryPolicies: [{ exceptionTypes: ['Step.SERVICE_FAULT', 'Step.THROTTLING'], intervalSeconds: 10, backoffRate: 2, maxAttempts: 5 }],
      arguments: {
        ModelPackageGroupName: this.ctx.modelPackageGroupName,
        ModelPackageDescription: options.description,
        ModelApprovalStatus: options.approvalStatus,
        CustomerMetadataProperties: {
          pipeline: this.ctx.pipelineKey,
          // Metadata values are strings; a one-value Join turns the number into one.
          ...(options.featureCount ? { feature_count: new Join({ on: '', values: [options.featureCount] }) } : {}),
        },
        InferenceSpecification: {
          Containers: [{ Image: this.imageOf(options), ModelDataUrl: options.model.properties.ModelArtifacts.S3ModelArtifacts }],
          SupportedContentTypes: [contentType],
          SupportedResponseMIMETypes: [options.responseContentType ?? contentType],
          SupportedRealtimeInferenceInstanceTypes: [...(options.realtimeInstanceTypes ?? ['ml.t2.medium', 'ml.m5.large'])],
          SupportedTransformInstanceTypes: [...(options.transformInstanceTypes ?? ['ml.m5.large'])],
        },
        ModelMetrics: {
          ModelQuality: {
            Statistics: {
              ContentType: 'application/json',
              S3Uri: new Join({ on: '/', values: [options.evaluation.outputs('evaluation').s3Uri, 'evaluation.json'] }),
            },
          },
        },
      },
    });
  }

  /** A condition step: the `ifSteps` when the conditions hold, else a Fail step with the message. */
  public qualityGate(options: QualityGateOptions): ConditionStep {
    return new ConditionStep({
      name: options.name,
      description: options.description,
      conditions: options.conditions,
      ifSteps: options.ifSteps,
      elseSteps: [
        new FailStep({
          name: options.failStepName,
          description: 'Stop the execution when the model is not good enough to register',
          errorMessage: new Join({ on: ' ', values: options.failMessage }),
        }),
      ],
    });
  }

  /**
   * The pipeline, named after the context, with the context's job tags. Parameters no step reads
   * are left out (e.g. the spot wait of a pipeline whose training runs on demand). When a training
   * step's spot wait is a parameter, the pipeline starts with {@link SPOT_WAIT_CHECK}: a condition
   * step that runs every other step only when each such wait is at least the step's maximum
   * runtime, and otherwise the Fail step {@link SPOT_WAIT_FAIL} with the values. CreateTrainingJob
   * refuses a shorter wait only when the training starts; the check makes a run started from
   * Studio (which run-pipeline's check never sees) stop before any paid step, with the reason.
   */
  public pipeline(props: { parameters: ReadonlyArray<Parameter<Scalar>>; steps: readonly Step[] }): Pipeline {
    const read = new Set(
      allSteps(props.steps).flatMap((step) =>
        step.references().flatMap(({ reference }) => (reference.kind === 'parameter' ? [reference.parameter.name] : [])),
      ),
    );
    const waits = spotWaitParameters(allSteps(props.steps));
    const steps =
      waits.length === 0
        ? props.steps
        : [
            new ConditionStep({
              name: SPOT_WAIT_CHECK,
              description: 'Run the pipeline only when the spot wait is at least the maximum training runtime',
              conditions: waits.map((w) => Conditions.greaterThanOrEqualTo(w.parameter, w.maxRuntime)),
              ifSteps: props.steps,
              elseSteps: [
                new FailStep({
                  name: SPOT_WAIT_FAIL,
                  description: 'Stop before any job: CreateTrainingJob refuses a spot wait below the maximum runtime',
                  errorMessage: new Join({
                    on: ' ',
                    values: waits.flatMap((w, i) => [
                      ...(i > 0 ? ['/'] : []),
                      `Not started: parameter ${w.parameter.name} is`,
                      w.parameter,
                      `but step ${w.step} has MaxRuntimeInSeconds ${w.maxRuntime};`,
                      `the spot wait must be at least the maximum runtime (set ${w.parameter.name} to ${w.maxRuntime} or more)`,
                    ]),
                  }),
                }),
              ],
            }),
          ];
    return new Pipeline({
      name: this.ctx.pipelineName,
      parameters: props.parameters.filter((p) => read.has(p.name)),
      steps,
      jobTags: this.ctx.jobTags,
    });
  }

  private code(name: string): CodeLocation {
    const code = Object.prototype.hasOwnProperty.call(this.ctx.code, name) ? this.ctx.code[name] : undefined;
    if (!code) {
      throw new Error(`no uploaded code named '${name}'; known: ${Object.keys(this.ctx.code).join(', ') || '(none)'}`);
    }
    return code;
  }
}

/** Name of the condition step that checks parameterized spot waits (see {@link PipelineBuilder.pipeline}). */
export const SPOT_WAIT_CHECK = 'CheckTrainingMaxWait';
/** Name of its Fail step. */
export const SPOT_WAIT_FAIL = 'FailTrainingMaxWait';

/** Training steps whose spot wait is a parameter, with their literal maximum runtime. */
function spotWaitParameters(steps: readonly Step[]): { step: string; parameter: Parameter<number>; maxRuntime: number }[] {
  return steps.flatMap((step) => {
    if (!(step instanceof TrainingStep)) {
      return [];
    }
    const stopping = step.arguments.StoppingCondition as { MaxRuntimeInSeconds?: unknown; MaxWaitTimeInSeconds?: unknown } | undefined;
    const wait = stopping?.MaxWaitTimeInSeconds;
    const runtime = stopping?.MaxRuntimeInSeconds;
    return wait instanceof Parameter && typeof runtime === 'number' ? [{ step: step.name, parameter: wait as Parameter<number>, maxRuntime: runtime }] : [];
  });
}

function entryPointOf(name: string, code: CodeLocation, entryPoint: string | undefined): string {
  if (entryPoint !== undefined) {
    if (!code.files.includes(entryPoint)) {
      throw new Error(`code '${name}' has no file '${entryPoint}'; files: ${code.files.join(', ')}`);
    }
    return entryPoint;
  }
  const scripts = code.files.filter((f) => f.endsWith('.py') && !f.includes('/'));
  if (scripts.length !== 1) {
    throw new Error(`code '${name}' has ${scripts.length} top-level .py files (${scripts.join(', ') || 'none'}); name the one to run with entryPoint`);
  }
  return scripts[0];
}

/**
 * What identifies the data a training job reads: the job names of the processing steps its
 * channels come from (a cache hit keeps the earlier job's name), else the execution id.
 */
function upstreamIdentity(uris: readonly Str[]): Str {
  const steps = new Map<string, ProcessingStep>();
  for (const uri of uris) {
    if (uri instanceof StepProperty && uri.step instanceof ProcessingStep) {
      steps.set(uri.step.name, uri.step);
    }
  }
  if (steps.size !== 1) {
    return ExecutionVariables.PIPELINE_EXECUTION_ID;
  }
  const [step] = steps.values();
  return step.properties.ProcessingJobName;
}
