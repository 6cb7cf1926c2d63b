/**
 * The `batch` block of a stage file (`"inference": "batch"`): when and how the stage's batch
 * transform runs. Validated by {@link readBatch}, called from `parseStageConfig`.
 */

/**
 * Key prefix (in the stage's bucket) every batch input lies under, in a folder per stage
 * (`batch-input/<stage>/`): a stage's model role reads only its stage's folder.
 */
export const BATCH_INPUT_ROOT = 'batch-input/';
/** Key prefix (in the stage's bucket) every batch output lies under, per stage: a stage's model role writes only `batch-output/<stage>/`. */
export const BATCH_OUTPUT_ROOT = 'batch-output/';
/** Where the staging test puts its sample rows and finds their output (under the two roots above). */
export const SMOKE_TEST_PREFIX = 'smoke-test/';

/** `batch.schedule` value meaning "no schedule: on-demand runs only". */
export const NO_SCHEDULE = 'none';

/** How the input is split into records (TransformInput.SplitType). */
export const SPLIT_TYPES = ['None', 'Line', 'RecordIO', 'TFRecord'] as const;
/** How many records go in one request (BatchStrategy). */
export const BATCH_STRATEGIES = ['MultiRecord', 'SingleRecord'] as const;
/** Whether each output record is joined to its input record (DataProcessing.JoinSource). */
export const JOIN_SOURCES = ['None', 'Input'] as const;

/**
 * The instance types a transform job may use, by family (the API's TransformInstanceType; fewer
 * than an endpoint may use).
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformResources.html
 */
export const TRANSFORM_INSTANCE_SIZES: Readonly<Record<string, readonly string[]>> = {
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  c4: ['xlarge', '2xlarge', '4xlarge', '8xlarge'],
  p2: ['xlarge', '8xlarge', '16xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  c5: ['xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  c6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  c7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  inf2: ['xlarge', '8xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
};

/** Why a transform job cannot use this instance type, or undefined when it can. */
export function transformInstanceTypeProblem(instanceType: string): string | undefined {
  const [, family, size] = /^ml\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceType) ?? [];
  const sizes = family === undefined ? undefined : TRANSFORM_INSTANCE_SIZES[family];
  if (sizes === undefined) {
    return `is not offered for batch transform; families that are: ${Object.keys(TRANSFORM_INSTANCE_SIZES).join(', ')}`;
  }
  return sizes.includes(size) ? undefined : `is not offered for batch transform; ml.${family} sizes that are: ${sizes.join(', ')}`;
}

/** The validated `batch` block, defaults filled in. */
export interface BatchSettings {
  /**
   * EventBridge Scheduler expression (`rate(...)`, `cron(...)` or `at(...)`) of the scheduled
   * runs, or undefined for on-demand runs only (`"none"`, the default).
   */
  readonly schedule?: string;
  /** Time zone of a `cron` or `at` schedule (IANA name). @default UTC */
  readonly scheduleTimezone: string;
  /** Key prefix in the stage's bucket the runs read, under `batch-input/<stage>/`. @default batch-input/<stage>/ */
  readonly input: string;
  /** Key prefix in the stage's bucket each run writes a dated folder under, under `batch-output/<stage>/`. @default batch-output/<stage>/ */
  readonly output: string;
  /** MIME type of the input records. @default text/csv */
  readonly contentType: string;
  /** MIME type asked of the model for the output. @default the contentType */
  readonly accept: string;
  /** @default Line */
  readonly splitType: (typeof SPLIT_TYPES)[number];
  /** @default MultiRecord */
  readonly batchStrategy: (typeof BATCH_STRATEGIES)[number];
  /** Largest request in MB, 0-100 (0: chunked, for containers that support it). @default 6 */
  readonly maxPayloadInMB: number;
  /** Parallel requests per instance; undefined lets SageMaker decide. */
  readonly maxConcurrentTransforms?: number;
  /** `Input` writes each input record with its prediction. @default None */
  readonly joinSource: (typeof JOIN_SOURCES)[number];
}

/** What {@link readBatch} needs of the stage file reader (`Reader` in stage-config.ts). */
export interface SettingReader {
  problem(setting: string, value: unknown, rule: string): void;
  string(setting: string, value: unknown, fallback: string): string;
  integer(setting: string, value: unknown, fallback: number, min: number, max: number): number;
  oneOf<T extends string>(setting: string, value: unknown, fallback: T, allowed: T[]): T;
}

const RATE = /^rate\((\d+) (minutes?|hours?|days?)\)$/;
const CRON = /^cron\(([^()]+)\)$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const TIMEZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
/** A key prefix: S3's safe characters, ends with '/', no empty or dot-only segment. */
const KEY_PREFIX = /^([A-Za-z0-9!_'()*=.-]+\/)+$/;
/** A MIME type as SageMaker takes it (ContentType, Accept: at most 256 characters). */
const MIME_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-zA-Z0-9!#$&^_.+-]+(;.*)?$/;

/**
 * Validates the `batch` block of a batch stage and fills in its defaults; reports each problem
 * (naming `batch.<setting>`, the value and what is allowed) to the reader.
 *
 * The block's instance settings (`batch.instanceType`, `batch.instanceCount`,
 * `batch.encryptVolume`) are read by the stage file's reader, with the endpoint's rules.
 *
 * @param raw the block (`{}` when the file has none: every setting has a default)
 */
export function readBatch(r: SettingReader, raw: Record<string, unknown>, stage: string): BatchSettings {
  const scheduleText = r.string('batch.schedule', raw.schedule, NO_SCHEDULE);
  const schedule = scheduleText === NO_SCHEDULE ? undefined : scheduleText;
  if (schedule !== undefined) {
    const rule = scheduleProblem(schedule);
    if (rule) {
      r.problem('batch.schedule', schedule, rule);
    }
  }
  const scheduleTimezone = r.string('batch.scheduleTimezone', raw.scheduleTimezone, 'UTC');
  if (!TIMEZONE.test(scheduleTimezone)) {
    r.problem('batch.scheduleTimezone', scheduleTimezone, 'must be an IANA time zone name such as UTC or Europe/Paris');
  } else if (raw.scheduleTimezone !== undefined && !schedule?.match(/^(cron|at)\(/)) {
    r.problem('batch.scheduleTimezone', scheduleTimezone, "only applies to a cron(...) or at(...) 'batch.schedule'");
  }

  const input = readPrefix(r, 'batch.input', raw.input, `${BATCH_INPUT_ROOT}${stage}/`, 'read');
  const output = readPrefix(r, 'batch.output', raw.output, `${BATCH_OUTPUT_ROOT}${stage}/`, 'write');

  const contentType = r.string('batch.contentType', raw.contentType, 'text/csv');
  const accept = r.string('batch.accept', raw.accept, contentType);
  for (const [setting, value, given] of [['batch.contentType', contentType, true], ['batch.accept', accept, raw.accept !== undefined]] as const) {
    if (given && (value.length > 256 || !MIME_TYPE.test(value))) {
      r.problem(setting, value, 'must be a MIME type such as text/csv or application/jsonlines (at most 256 characters)');
    }
  }
  const splitType = r.oneOf('batch.splitType', raw.splitType, 'Line', [...SPLIT_TYPES]);
  const batchStrategy = r.oneOf('batch.batchStrategy', raw.batchStrategy, 'MultiRecord', [...BATCH_STRATEGIES]);
  const maxPayloadInMB = r.integer('batch.maxPayloadInMB', raw.maxPayloadInMB, 6, 0, 100);
  const maxConcurrentTransforms = raw.maxConcurrentTransforms === undefined
    ? undefined
    : r.integer('batch.maxConcurrentTransforms', raw.maxConcurrentTransforms, 1, 0, 100);
  // SageMaker: "the value of (MaxConcurrentTransforms * MaxPayloadInMB) also cannot exceed 100 MB".
  if (maxConcurrentTransforms !== undefined && maxConcurrentTransforms * maxPayloadInMB > 100) {
    r.problem('batch.maxConcurrentTransforms', maxConcurrentTransforms, `times 'batch.maxPayloadInMB' (${maxPayloadInMB}) must be at most 100 (MB in flight per instance)`);
  }
  const joinSource = r.oneOf('batch.joinSource', raw.joinSource, 'None', [...JOIN_SOURCES]);
  if (joinSource === 'Input' && splitType !== 'Line') {
    // Joined records are written one per line, which needs line-split input to pair them.
    r.problem('batch.joinSource', joinSource, `needs 'batch.splitType' Line (it is ${splitType})`);
  }
  return { schedule, scheduleTimezone, input, output, contentType, accept, splitType, batchStrategy, maxPayloadInMB, maxConcurrentTransforms, joinSource };
}

/**
 * A key prefix setting, which must be the stage's folder (`fallback`, the default) or lie under it:
 * the stage's model role may read (or write) there only, and not in the other stage's folder or
 * the staging test's (`smoke-test/`).
 */
function readPrefix(r: SettingReader, setting: string, value: unknown, fallback: string, access: 'read' | 'write'): string {
  const prefix = r.string(setting, value, fallback);
  const segments = prefix.split('/').slice(0, -1);
  if (!KEY_PREFIX.test(prefix) || segments.some((s) => /^\.+$/.test(s)) || prefix.length > 512) {
    r.problem(setting, prefix, `must be an S3 key prefix ending in '/' (letters, digits and !_'()*=.- between slashes), e.g. ${fallback}`);
  } else if (!prefix.startsWith(fallback)) {
    r.problem(setting, prefix, `must be '${fallback}' or lie under it in the stage's bucket (this stage's transform may ${access} only there), e.g. ${fallback}daily/`);
  }
  return prefix;
}

/**
 * Why an EventBridge Scheduler expression is not valid, or undefined when it is.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function scheduleProblem(expression: string): string | undefined {
  const allowed = "must be rate(<n> minutes|hours|days), cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), at(yyyy-mm-ddThh:mm:ss) or 'none'";
  const rate = RATE.exec(expression);
  if (rate) {
    return Number(rate[1]) >= 1 ? undefined : 'must have a rate of at least 1';
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      return `must have 6 cron fields (minutes hours day-of-month month day-of-week year), it has ${fields.length}`;
    }
    if ((fields[2] === '?') === (fields[4] === '?')) {
      return "must have '?' in exactly one of day-of-month and day-of-week (the third and fifth cron fields)";
    }
    return undefined;
  }
  const at = AT.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
      && hour < 24 && minute < 60 && second < 60;
    return valid ? undefined : 'must name a real date and time in at(yyyy-mm-ddThh:mm:ss)';
  }
  return allowed;
}
