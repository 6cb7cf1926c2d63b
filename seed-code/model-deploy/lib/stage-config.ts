import * as fs from 'fs';
import * as path from 'path';
import { BatchSettings, readBatch, transformInstanceTypeProblem } from './batch-config';
import { INSTANCE_FAMILIES, parseInstanceType } from './private/instance-types';

/** The deployment stages of the deploy pipeline, in deployment order. */
export const STAGES = ['staging', 'prod'] as const;

/** A deployment stage: `staging` (deployed and smoke-tested first) or `prod`. */
export type Stage = (typeof STAGES)[number];

/** How SageMaker moves traffic from the old (blue) fleet to the new (green) one on an update. */
export enum TrafficShifting {
  /** All traffic moves at once, then the blue fleet is kept for the termination wait (bake) time. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** A canary share of the green fleet takes traffic first, the rest follows after the canary wait. */
  CANARY = 'CANARY',
}

/** An endpoint on provisioned instances. */
export interface InstanceHosting {
  readonly kind: 'instance';
  /** Hosting instance type, e.g. `ml.m5.large`. */
  readonly instanceType: string;
  /** Initial number of instances (autoscaling may change it later). */
  readonly instanceCount: number;
  /**
   * Whether the EndpointConfig sets the project KMS key as the ML storage volume key. False for
   * families with hardware-encrypted instance storage, where SageMaker rejects a volume key.
   */
  readonly encryptVolume: boolean;
}

/** A serverless endpoint: no instances, billed per request, nothing while idle. */
export interface ServerlessHosting {
  readonly kind: 'serverless';
  /** Memory per concurrent invocation, 1024-6144 MB in steps of 1024. */
  readonly memorySizeInMB: number;
  /** Concurrent invocations, 1-200. */
  readonly maxConcurrency: number;
}

/** Capture of request and response payloads to S3 (needed by Model Monitor and for debugging). */
export interface DataCaptureSettings {
  readonly enabled: boolean;
  /** Share of requests captured, 0-100. */
  readonly samplingPercentage: number;
}

/** Blue/green update policy with alarm-based automatic rollback. */
export interface DeploymentSettings {
  readonly trafficShifting: TrafficShifting;
  /** Instances of the green fleet that take traffic first (canary only). */
  readonly canaryInstanceCount: number;
  /** Minutes the canary serves traffic before the rest shifts (canary only). */
  readonly canaryWaitMinutes: number;
  /** Minutes the blue fleet is kept after all traffic has shifted, so an alarm can still roll back. */
  readonly terminationWaitMinutes: number;
  /** Upper bound for the whole update, 10-240 minutes. */
  readonly maximumExecutionTimeoutMinutes: number;
  /** Roll back automatically when the 5XX or latency alarm fires during the update. */
  readonly autoRollback: boolean;
}

/** Thresholds of the CloudWatch alarms watched during updates. */
export interface AlarmSettings {
  /** The 5XX alarm fires when this many errors (Sum) happen in one period. */
  readonly invocation5xxErrors: number;
  /** The latency alarm fires when average model latency exceeds this many milliseconds. */
  readonly modelLatencyMs: number;
  /** Length of one alarm period in seconds (10, 30 or a multiple of 60). */
  readonly periodSeconds: number;
  /** Consecutive breaching periods before an alarm fires. */
  readonly evaluationPeriods: number;
}

/**
 * Target-tracking autoscaling on invocations per instance; with `minCapacity` 0, scale to zero
 * (see {@link scalesToZero}).
 */
export interface AutoscalingSettings {
  /**
   * Fewest instances; 0 makes the stage scale to zero: the model runs as an inference component
   * whose copy count (one copy per instance) scales between 0 and `maxCapacity`.
   */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /**
   * Target of `SageMakerVariantInvocationsPerInstance` (invocations per instance per minute), or,
   * scaling to zero, of `SageMakerInferenceComponentInvocationsPerCopy` (per copy per minute).
   */
  readonly targetInvocationsPerInstance: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

/** Settings of the smoke test that runs against the staging endpoint. */
export interface SmokeTestSettings {
  /**
   * CSV file of sample rows (one request per row), relative to the repository root, used
   * whichever pipeline built the model.
   * @default - the payload of the deployed model's pipeline, `smoke-test/payloads/<pipeline>.csv`
   *   (chosen by the build from the package's `CustomerMetadataProperties.pipeline`)
   */
  readonly samplePayloadFile?: string;
  /** How many times every row is sent (more rounds, steadier percentiles). */
  readonly rounds: number;
  /** The test fails when the p95 latency of all invocations is above this many milliseconds. */
  readonly maxP95LatencyMs: number;
  /** How long to wait for the endpoint to become `InService`. */
  readonly inServiceTimeoutMinutes: number;
  /**
   * Scale-to-zero staging only: how long the first request may keep failing for lack of capacity
   * while the endpoint starts an instance (the wake-up is timed and reported, and left out of the
   * latency percentiles).
   */
  readonly coldStartTimeoutMinutes?: number;
  /**
   * Batch stages only: how long the staging test waits for its sample transform job to finish
   * (the job's instances start in about 5 minutes).
   */
  readonly transformTimeoutMinutes?: number;
}

/** How a stage serves the model: a real-time endpoint, or scheduled and on-demand batch transforms. */
export const INFERENCE_MODES = ['realtime', 'batch'] as const;

/** A stage's inference mode (`"inference"` in the stage file; default `realtime`). */
export type InferenceMode = (typeof INFERENCE_MODES)[number];

/** A validated stage configuration, with every default filled in. */
export interface StageConfig {
  readonly stage: Stage;
  /** Where the configuration came from, used in messages. */
  readonly source: string;
  /**
   * `realtime` (an endpoint, the default) or `batch` (batch transform runs; see {@link batch}).
   * A batch stage uses `hosting` for its transform instances (`batch.instanceType`,
   * `batch.instanceCount`) and has no endpoint settings (`dataCapture` is off).
   */
  readonly inference: InferenceMode;
  /** The batch transform settings; defined exactly when `inference` is `batch`. */
  readonly batch?: BatchSettings;
  readonly hosting: InstanceHosting | ServerlessHosting;
  readonly dataCapture: DataCaptureSettings;
  /** Undefined for serverless endpoints (no instance fleets to shift between). */
  readonly deployment?: DeploymentSettings;
  readonly alarms: AlarmSettings;
  /** Undefined when the stage does not scale. */
  readonly autoscaling?: AutoscalingSettings;
  /** Undefined when the stage is not smoke-tested (prod). */
  readonly smokeTest?: SmokeTestSettings;
  /**
   * Whether the model's container runs without network access (`EnableNetworkIsolation` of the
   * model; `"networkIsolation"` in the stage file, default true). SageMaker still downloads the
   * model artifacts and the image with the model role, outside the container. The shipped
   * pipelines' images (SageMaker's XGBoost and TensorFlow Serving containers, with the inference
   * code inside the model archive) need no network; set false for an image of your own that
   * calls out (to AWS APIs or elsewhere) while it serves.
   */
  readonly networkIsolation: boolean;
}

/**
 * Whether a stage scales to zero instances while idle (`"autoscaling": {"minCapacity": 0}`): its
 * model then runs as an inference component on an endpoint with managed instance scaling down to 0.
 */
export function scalesToZero(config: Pick<StageConfig, 'autoscaling' | 'hosting'>): boolean {
  return config.hosting.kind === 'instance' && config.autoscaling?.minCapacity === 0;
}

/** Raised for an invalid stage configuration; the message lists every problem found. */
export class StageConfigError extends Error {
  /** One line per problem, each naming the file, the setting and the bad value. */
  public readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid stage configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'StageConfigError';
    this.problems = problems;
  }
}

/**
 * The folder of the stage files: `STAGE_CONFIG_DIR` when set (the end-to-end tests point the
 * scripts at their own files with it), else the `config` folder of this repository.
 */
export function defaultConfigDir(): string {
  return process.env.STAGE_CONFIG_DIR?.trim() || path.join(__dirname, '..', 'config');
}

/**
 * Reads `<configDir>/<stage>.json` and validates it with {@link parseStageConfig}.
 *
 * @param stage the stage to load
 * @param configDir folder of the stage files
 * @default configDir - {@link defaultConfigDir}
 * @throws StageConfigError naming file, setting and value when the file is missing, is not JSON
 *   or holds a bad setting
 */
export function loadStageConfig(stage: Stage, configDir: string = defaultConfigDir()): StageConfig {
  const file = path.join(configDir, `${stage}.json`);
  const source = displayPath(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StageConfigError([`${source}: cannot read the stage configuration (${(e as Error).message})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StageConfigError([`${source}: not valid JSON (${(e as Error).message})`]);
  }
  return parseStageConfig(stage, raw, source);
}

/**
 * Validates a parsed stage configuration and fills in the stage's defaults. Pure: no I/O.
 *
 * Defaults follow the built-in SageMaker template where it has one (`ml.m5.large`, data capture of
 * input and output, sampling 100% in staging and 80% in prod) and add guardrails it lacks:
 * staging shifts traffic all at once, prod by canary (so prod defaults to 2 instances: a canary
 * may hold at most half of the fleet).
 *
 * @param stage the stage the configuration is for
 * @param raw the parsed JSON
 * @param source where it came from, e.g. `config/prod.json`, used in every message
 * @throws StageConfigError listing every problem, each naming source, setting and value
 */
export function parseStageConfig(stage: Stage, raw: unknown, source: string): StageConfig {
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new StageConfigError([`${source}: unknown stage '${stage}'; allowed: ${STAGES.join(', ')}`]);
  }
  const r = new Reader(source);
  const top = r.object('', raw, ['instanceType', 'instanceCount', 'encryptVolume', 'serverless', 'dataCapture', 'deployment', 'alarms', 'autoscaling', 'smokeTest', 'inference', 'batch', 'networkIsolation']);
  if (!top) {
    throw new StageConfigError(r.problems);
  }
  const inference = r.oneOf('inference', top.inference, 'realtime', [...INFERENCE_MODES]);
  const networkIsolation = r.boolean('networkIsolation', top.networkIsolation, true);
  if (inference === 'batch') {
    return batchStageConfig(r, stage, source, top, networkIsolation);
  }
  if (top.batch !== undefined) {
    r.problem('batch', top.batch, `only applies when 'inference' is 'batch' (it is ${inference}); set "inference": "batch" or remove it`);
  }

  const serverlessRaw = r.object('serverless', top.serverless, ['memorySizeInMB', 'maxConcurrency']);
  const hosting = serverlessRaw
    ? readServerless(r, top, serverlessRaw)
    : readInstance(r, top, stage);

  const autoscaling = readAutoscaling(r, top, hosting);
  const toZero = autoscaling?.minCapacity === 0;
  const dataCapture = readDataCapture(r, top, stage, hosting, toZero);
  const deployment = readDeployment(r, top, stage, hosting, toZero);
  const alarms = readAlarms(r, top);
  const smokeTest = readSmokeTest(r, top, stage, toZero);

  if (r.problems.length > 0) {
    throw new StageConfigError(r.problems);
  }
  return { stage, source, inference, hosting, dataCapture, deployment, alarms, autoscaling, smokeTest, networkIsolation };
}

/** Settings of a real-time endpoint, which a batch stage does not have. */
const ENDPOINT_ONLY_SETTINGS = ['instanceType', 'instanceCount', 'encryptVolume', 'serverless', 'dataCapture', 'deployment', 'alarms', 'autoscaling'] as const;

function batchStageConfig(r: Reader, stage: Stage, source: string, top: RawObject, networkIsolation: boolean): StageConfig {
  for (const key of ENDPOINT_ONLY_SETTINGS) {
    if (top[key] !== undefined) {
      const instead = key === 'instanceType' || key === 'instanceCount' || key === 'encryptVolume' ? `; set 'batch.${key}' instead` : '';
      r.problem(key, top[key], `applies to a real-time endpoint, and this stage has "inference": "batch"${instead}`);
    }
  }
  const batchRaw = top.batch === undefined ? {} : r.object('batch', top.batch, BATCH_KEYS);
  const before = r.problems.length;
  const hosting = readInstance(r, batchRaw ?? {}, stage, 'batch.');
  const typeProblem = transformInstanceTypeProblem(hosting.instanceType);
  if (typeProblem && r.problems.length === before) {
    r.problem('batch.instanceType', hosting.instanceType, typeProblem);
  }
  const batch = readBatch(r, batchRaw ?? {}, stage);
  const smokeTest = readBatchSmokeTest(r, top, stage);
  if (r.problems.length > 0) {
    throw new StageConfigError(r.problems);
  }
  return {
    stage,
    source,
    inference: 'batch',
    batch,
    hosting,
    // No endpoint: nothing is captured, no alarm on invocations (the settings below are inert).
    dataCapture: { enabled: false, samplingPercentage: 0 },
    alarms: readAlarms(r, {}),
    smokeTest,
    networkIsolation,
  };
}

/** The settings of a stage file's `batch` block. */
export const BATCH_KEYS = ['schedule', 'scheduleTimezone', 'input', 'output', 'instanceType', 'instanceCount', 'encryptVolume',
  'contentType', 'accept', 'splitType', 'batchStrategy', 'maxPayloadInMB', 'maxConcurrentTransforms', 'joinSource'];

/** A JSON object of a stage file, not yet validated. */
export type RawObject = Record<string, unknown>;

function readServerless(r: Reader, top: RawObject, raw: RawObject): ServerlessHosting {
  // Serverless endpoints have no instances to choose, encrypt, scale or shift traffic between.
  for (const key of ['instanceType', 'instanceCount', 'autoscaling', 'deployment'] as const) {
    if (top[key] !== undefined) {
      r.problem(key, top[key], 'does not apply to a serverless endpoint; remove it or remove \'serverless\'');
    }
  }
  if (top.encryptVolume === true) {
    r.problem('encryptVolume', true, 'does not apply to a serverless endpoint (it has no ML storage volume); remove it');
  }
  const memorySizeInMB = r.integer('serverless.memorySizeInMB', raw.memorySizeInMB, 2048, 1024, 6144);
  if (memorySizeInMB % 1024 !== 0) {
    r.problem('serverless.memorySizeInMB', memorySizeInMB, 'must be a multiple of 1024 (1024, 2048, ... 6144)');
  }
  const maxConcurrency = r.integer('serverless.maxConcurrency', raw.maxConcurrency, 5, 1, 200);
  return { kind: 'serverless', memorySizeInMB, maxConcurrency };
}

function readInstance(r: Reader, top: RawObject, stage: Stage, prefix = ''): InstanceHosting {
  // A batch stage's instances run one job at a time and shift no traffic: one is the default.
  const defaultCount = prefix === '' && stage === 'prod' ? 2 : 1;
  const instanceType = r.string(`${prefix}instanceType`, top.instanceType, 'ml.m5.large');
  const instanceCount = r.integer(`${prefix}instanceCount`, top.instanceCount, defaultCount, 1, 100);
  const parsed = parseInstanceType(instanceType);
  const family = parsed ? INSTANCE_FAMILIES[parsed.family] : undefined;
  if (!parsed) {
    r.problem(`${prefix}instanceType`, instanceType, 'must look like ml.<family>.<size>, e.g. ml.m5.large');
  } else if (!family) {
    r.problem(`${prefix}instanceType`, instanceType, `has an unknown instance family '${parsed.family}'; known: ${Object.keys(INSTANCE_FAMILIES).join(', ')}`);
  }
  const instanceStorage = family?.instanceStorage ?? false;
  const encryptVolume = r.boolean(`${prefix}encryptVolume`, top.encryptVolume, !instanceStorage);
  if (encryptVolume && instanceStorage) {
    r.problem(`${prefix}encryptVolume`, true, `cannot be used with ${instanceType}: its instance storage is encrypted by hardware and SageMaker rejects a volume KMS key; remove '${prefix}encryptVolume'`);
  }
  return { kind: 'instance', instanceType, instanceCount, encryptVolume };
}

function readDataCapture(r: Reader, top: RawObject, stage: Stage, hosting: InstanceHosting | ServerlessHosting, toZero = false): DataCaptureSettings {
  const raw = r.object('dataCapture', top.dataCapture, ['enabled', 'samplingPercentage']) ?? {};
  const serverless = hosting.kind === 'serverless';
  // Serverless endpoints do not support data capture, so it is off unless asked for (then an error).
  // Scale-to-zero: this seed has not verified data capture on endpoints that host inference
  // components, so it does not offer it there (off by default, an error when asked for).
  const enabled = r.boolean('dataCapture.enabled', raw.enabled, !serverless && !toZero);
  if (serverless && enabled) {
    r.problem('dataCapture.enabled', true, 'is not supported by serverless endpoints; set it to false or use instanceType');
  } else if (toZero && enabled) {
    r.problem('dataCapture.enabled', true, "is not offered with 'autoscaling.minCapacity' 0 (an endpoint with inference components, where this seed has not verified data capture); set it to false, or set 'autoscaling.minCapacity' to 1 or more");
  }
  const samplingPercentage = r.integer('dataCapture.samplingPercentage', raw.samplingPercentage, stage === 'prod' ? 80 : 100, 0, 100);
  return { enabled, samplingPercentage };
}

function readDeployment(r: Reader, top: RawObject, stage: Stage, hosting: InstanceHosting | ServerlessHosting, toZero = false): DeploymentSettings | undefined {
  if (hosting.kind === 'serverless') {
    return undefined;
  }
  const raw = r.object('deployment', top.deployment, ['trafficShifting', 'canaryInstanceCount', 'canaryWaitMinutes', 'terminationWaitMinutes', 'maximumExecutionTimeoutMinutes', 'autoRollback']) ?? {};
  // Scaling to zero, a new model replaces the inference component's copies one at a time (a
  // rolling update); there is no canary fleet, so the default is ALL_AT_ONCE and CANARY an error.
  const trafficShifting = r.oneOf('deployment.trafficShifting', raw.trafficShifting,
    stage === 'prod' && !toZero ? TrafficShifting.CANARY : TrafficShifting.ALL_AT_ONCE, Object.values(TrafficShifting));
  if (toZero && trafficShifting === TrafficShifting.CANARY) {
    r.problem('deployment.trafficShifting', trafficShifting, "is not supported with 'autoscaling.minCapacity' 0 (the inference component is updated by a rolling update, one copy at a time); use ALL_AT_ONCE");
    return undefined;
  }
  const canary = trafficShifting === TrafficShifting.CANARY;
  if (!canary) {
    for (const key of ['canaryInstanceCount', 'canaryWaitMinutes'] as const) {
      if (raw[key] !== undefined) {
        r.problem(`deployment.${key}`, raw[key], `only applies when 'deployment.trafficShifting' is CANARY (it is ${trafficShifting})`);
      }
    }
  }
  const canaryInstanceCount = r.integer('deployment.canaryInstanceCount', raw.canaryInstanceCount, 1, 1, 100);
  const canaryWaitMinutes = r.integer('deployment.canaryWaitMinutes', raw.canaryWaitMinutes, 10, 0, 60);
  const terminationWaitMinutes = r.integer('deployment.terminationWaitMinutes', raw.terminationWaitMinutes, stage === 'prod' ? 10 : 5, 0, 60);
  const maximumExecutionTimeoutMinutes = r.integer('deployment.maximumExecutionTimeoutMinutes', raw.maximumExecutionTimeoutMinutes, 60, 10, 240);
  const autoRollback = r.boolean('deployment.autoRollback', raw.autoRollback, true);
  if (canary) {
    // SageMaker requires the canary to be at most half of the green fleet.
    const maxCanary = Math.floor(hosting.instanceCount / 2);
    if (maxCanary < 1) {
      r.problem('deployment.trafficShifting', trafficShifting, `needs 'instanceCount' of at least 2 (the canary may hold at most half of the fleet); got instanceCount ${hosting.instanceCount}; raise instanceCount or use ALL_AT_ONCE`);
    } else if (canaryInstanceCount > maxCanary) {
      r.problem('deployment.canaryInstanceCount', canaryInstanceCount, `must be at most half of 'instanceCount' (${hosting.instanceCount}), i.e. <= ${maxCanary}`);
    }
    const family = parseInstanceType(hosting.instanceType)?.family;
    if (family && INSTANCE_FAMILIES[family]?.noGuardrails) {
      r.problem('deployment.trafficShifting', trafficShifting, `is not supported on ${hosting.instanceType} (SageMaker falls back to all at once without baking); use ALL_AT_ONCE`);
    }
    if (canaryWaitMinutes + terminationWaitMinutes > maximumExecutionTimeoutMinutes) {
      r.problem('deployment.maximumExecutionTimeoutMinutes', maximumExecutionTimeoutMinutes, `must leave room for canaryWaitMinutes + terminationWaitMinutes (${canaryWaitMinutes + terminationWaitMinutes})`);
    }
  }
  return { trafficShifting, canaryInstanceCount, canaryWaitMinutes, terminationWaitMinutes, maximumExecutionTimeoutMinutes, autoRollback };
}

function readAlarms(r: Reader, top: RawObject): AlarmSettings {
  const raw = r.object('alarms', top.alarms, ['invocation5xxErrors', 'modelLatencyMs', 'periodSeconds', 'evaluationPeriods']) ?? {};
  const invocation5xxErrors = r.integer('alarms.invocation5xxErrors', raw.invocation5xxErrors, 1, 1, 1_000_000);
  const modelLatencyMs = r.number('alarms.modelLatencyMs', raw.modelLatencyMs, 1000, 1, 3_600_000);
  const periodSeconds = r.integer('alarms.periodSeconds', raw.periodSeconds, 60, 10, 86_400);
  if (![10, 30].includes(periodSeconds) && periodSeconds % 60 !== 0) {
    r.problem('alarms.periodSeconds', periodSeconds, 'must be 10, 30 or a multiple of 60');
  }
  const evaluationPeriods = r.integer('alarms.evaluationPeriods', raw.evaluationPeriods, 1, 1, 100);
  return { invocation5xxErrors, modelLatencyMs, periodSeconds, evaluationPeriods };
}

function readAutoscaling(r: Reader, top: RawObject, hosting: InstanceHosting | ServerlessHosting): AutoscalingSettings | undefined {
  if (hosting.kind === 'serverless') {
    return undefined; // already reported by readServerless when present
  }
  const raw = r.object('autoscaling', top.autoscaling, ['minCapacity', 'maxCapacity', 'targetInvocationsPerInstance', 'scaleInCooldownSeconds', 'scaleOutCooldownSeconds']);
  if (!raw) {
    return undefined;
  }
  // 0 scales the stage to zero (an inference component with managed instance scaling down to 0).
  const minCapacity = r.integer('autoscaling.minCapacity', raw.minCapacity, hosting.instanceCount, 0, 100);
  const maxCapacity = r.integer('autoscaling.maxCapacity', raw.maxCapacity, Math.max(minCapacity, hosting.instanceCount) * 2, 1, 100);
  const targetInvocationsPerInstance = r.number('autoscaling.targetInvocationsPerInstance', raw.targetInvocationsPerInstance, 100, 1, 1_000_000);
  const scaleInCooldownSeconds = r.integer('autoscaling.scaleInCooldownSeconds', raw.scaleInCooldownSeconds, 300, 0, 86_400);
  const scaleOutCooldownSeconds = r.integer('autoscaling.scaleOutCooldownSeconds', raw.scaleOutCooldownSeconds, 60, 0, 86_400);
  if (minCapacity > maxCapacity) {
    r.problem('autoscaling.minCapacity', minCapacity, `must not exceed 'autoscaling.maxCapacity' (${maxCapacity})`);
  } else if (hosting.instanceCount < minCapacity || hosting.instanceCount > maxCapacity) {
    r.problem('instanceCount', hosting.instanceCount, `must lie between 'autoscaling.minCapacity' (${minCapacity}) and 'autoscaling.maxCapacity' (${maxCapacity})`);
  }
  return { minCapacity, maxCapacity, targetInvocationsPerInstance, scaleInCooldownSeconds, scaleOutCooldownSeconds };
}

function readSmokeTest(r: Reader, top: RawObject, stage: Stage, toZero = false): SmokeTestSettings | undefined {
  if (stage !== 'staging') {
    // Only staging is smoke-tested; a block in prod would silently do nothing.
    if (top.smokeTest !== undefined) {
      r.problem('smokeTest', top.smokeTest, 'only applies to staging (the pipeline tests the staging endpoint); remove it');
    }
    return undefined;
  }
  const raw = r.object('smokeTest', top.smokeTest, ['samplePayloadFile', 'rounds', 'maxP95LatencyMs', 'inServiceTimeoutMinutes', 'coldStartTimeoutMinutes']) ?? {};
  const samplePayloadFile = raw.samplePayloadFile === undefined ? undefined : r.string('smokeTest.samplePayloadFile', raw.samplePayloadFile, '');
  if (samplePayloadFile && !isInsideRepository(samplePayloadFile)) {
    r.problem('smokeTest.samplePayloadFile', samplePayloadFile, 'must be a path inside the repository, relative to its root');
  }
  const rounds = r.integer('smokeTest.rounds', raw.rounds, 3, 1, 100);
  const maxP95LatencyMs = r.number('smokeTest.maxP95LatencyMs', raw.maxP95LatencyMs, 1000, 1, 600_000);
  const inServiceTimeoutMinutes = r.integer('smokeTest.inServiceTimeoutMinutes', raw.inServiceTimeoutMinutes, 30, 1, 180);
  if (!toZero) {
    if (raw.coldStartTimeoutMinutes !== undefined) {
      r.problem('smokeTest.coldStartTimeoutMinutes', raw.coldStartTimeoutMinutes, "only applies when 'autoscaling.minCapacity' is 0 (a stage that scales to zero); remove it");
    }
    return { samplePayloadFile, rounds, maxP95LatencyMs, inServiceTimeoutMinutes };
  }
  // AWS documents the start from zero as "several minutes"; its launch post measured about 5 (see README).
  const coldStartTimeoutMinutes = r.integer('smokeTest.coldStartTimeoutMinutes', raw.coldStartTimeoutMinutes, 15, 5, 60);
  return { samplePayloadFile, rounds, maxP95LatencyMs, inServiceTimeoutMinutes, coldStartTimeoutMinutes };
}

function readBatchSmokeTest(r: Reader, top: RawObject, stage: Stage): SmokeTestSettings | undefined {
  if (stage !== 'staging') {
    if (top.smokeTest !== undefined) {
      r.problem('smokeTest', top.smokeTest, 'only applies to staging (the pipeline tests the staging stage); remove it');
    }
    return undefined;
  }
  // The batch test sends each row once to one transform job: no rounds, no latency bound.
  const raw = r.object('smokeTest', top.smokeTest, ['samplePayloadFile', 'transformTimeoutMinutes']) ?? {};
  const samplePayloadFile = raw.samplePayloadFile === undefined ? undefined : r.string('smokeTest.samplePayloadFile', raw.samplePayloadFile, '');
  if (samplePayloadFile && !isInsideRepository(samplePayloadFile)) {
    r.problem('smokeTest.samplePayloadFile', samplePayloadFile, 'must be a path inside the repository, relative to its root');
  }
  const transformTimeoutMinutes = r.integer('smokeTest.transformTimeoutMinutes', raw.transformTimeoutMinutes, 60, 10, 480);
  return { samplePayloadFile, rounds: 1, maxP95LatencyMs: 0, inServiceTimeoutMinutes: 0, transformTimeoutMinutes };
}

/** Collects problems while reading values, so one run reports all of them. */
export class Reader {
  public readonly problems: string[] = [];

  constructor(private readonly source: string) {}

  problem(setting: string, value: unknown, rule: string): void {
    const name = setting === '' ? 'the top level' : `'${setting}'`;
    this.problems.push(`${this.source}: ${name} ${rule}; got ${show(value)}`);
  }

  object(setting: string, value: unknown, allowed: string[]): RawObject | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(setting, value, 'must be a JSON object');
      return undefined;
    }
    const obj = value as RawObject;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        const full = setting === '' ? key : `${setting}.${key}`;
        this.problem(full, obj[key], `is not a known setting; allowed${setting === '' ? '' : ` in '${setting}'`}: ${allowed.join(', ')}`);
      }
    }
    return obj;
  }

  string(setting: string, value: unknown, fallback: string): string {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.problem(setting, value, 'must be a non-empty string');
      return fallback;
    }
    return value;
  }

  boolean(setting: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== 'boolean') {
      this.problem(setting, value, 'must be true or false');
      return fallback;
    }
    return value;
  }

  number(setting: string, value: unknown, fallback: number, min: number, max: number): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.problem(setting, value, `must be a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  integer(setting: string, value: unknown, fallback: number, min: number, max: number): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(setting, value, `must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(setting: string, value: unknown, fallback: T, allowed: T[]): T {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== 'string' || !(allowed as string[]).includes(value)) {
      this.problem(setting, value, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** Whether a path is relative and stays inside the folder it is relative to. */
export function isInsideRepository(file: string): boolean {
  return !path.isAbsolute(file) && !file.split(/[\\/]/).includes('..');
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}
