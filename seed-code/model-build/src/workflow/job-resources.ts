/**
 * Rules on job resources that the API enforces only when a job starts: volume keys on instance
 * types with local storage, and the spot wait against the maximum runtime.
 *
 * SageMaker refuses `VolumeKmsKeyId` for instance types with local NVMe instance storage (their
 * volumes are encrypted by the instance's hardware). Instance types are usually pipeline
 * parameters, so this is checked for literals and parameter defaults when the definition is
 * built, and for parameter overrides by run-pipeline before it starts anything.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html (VolumeKmsKeyId)
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingClusterConfig.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/InstanceStorage.html
 */
import { Expression, Parameter, Scalar } from './expressions';
import { JobStep, Step } from './steps';

/**
 * Families whose name does not carry the `d` of "disk" but which still come with NVMe instance
 * store: the GPU families from g5 and p5 on, and Trainium.
 */
const NVME_FAMILIES_WITHOUT_D = new Set(['g5', 'g6', 'g6e', 'gr6', 'p5', 'p5e', 'p5en', 'p6', 'trn1', 'trn1n', 'trn2', 'i3', 'i4i']);

/**
 * Whether `instanceType` (`ml.<family>.<size>`) has local instance storage: every family with a
 * `d` after its generation (`m5d`, `c5d`, `r5d`, `m6id`, `g4dn`, `g4ad`, `p3dn`, `p4d`, `p4de`, ...)
 * and the families listed in {@link NVME_FAMILIES_WITHOUT_D}.
 */
export function hasLocalInstanceStorage(instanceType: string): boolean {
  const match = /^ml\.([a-z]+\d+[a-z-]*)\.[a-z0-9-]+$/.exec(instanceType);
  if (!match) {
    return false;
  }
  const family = match[1];
  return /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family) || NVME_FAMILIES_WITHOUT_D.has(family);
}

/** One place where a job sets both an instance type and a volume key. */
export interface VolumeKeyUse {
  readonly step: string;
  /** e.g. `Arguments.ResourceConfig`. */
  readonly field: string;
  /** A literal instance type, or the parameter that gives it. */
  readonly instanceType: unknown;
}

const RESOURCE_FIELDS: Record<string, readonly string[]> = {
  Processing: ['ProcessingResources', 'ClusterConfig'],
  Training: ['ResourceConfig'],
  Transform: ['TransformResources'],
};

/** The job resource blocks that set a volume KMS key, with their instance type. */
export function volumeKeyUses(steps: readonly Step[]): VolumeKeyUse[] {
  const uses: VolumeKeyUse[] = [];
  for (const step of steps) {
    if (!(step instanceof JobStep)) {
      continue;
    }
    const path = RESOURCE_FIELDS[step.type];
    let block: unknown = step.arguments;
    for (const key of path) {
      block = block && typeof block === 'object' ? (block as Record<string, unknown>)[key] : undefined;
    }
    const resources = block as { InstanceType?: unknown; VolumeKmsKeyId?: unknown } | undefined;
    if (resources && resources.VolumeKmsKeyId !== undefined && resources.InstanceType !== undefined) {
      uses.push({ step: step.name, field: `Arguments.${path.join('.')}`, instanceType: resources.InstanceType });
    }
  }
  return uses;
}

/**
 * The problems of the given instance-type values: one message per job whose instance type (a
 * literal, or a parameter's value from `values` or else its default) has local storage while the
 * job sets `VolumeKmsKeyId`.
 *
 * @param values parameter values by name, e.g. run-pipeline's overrides
 */
export function localStorageProblems(steps: readonly Step[], values: ReadonlyMap<string, string> = new Map()): string[] {
  const problems: string[] = [];
  for (const use of volumeKeyUses(steps)) {
    let type: unknown = use.instanceType;
    let source = `${use.field}.InstanceType`;
    if (type instanceof Parameter) {
      const parameter = type as Parameter<Scalar>;
      const override = values.get(parameter.name);
      source = override !== undefined ? `parameter ${parameter.name}` : `parameter ${parameter.name} (default)`;
      type = override ?? parameter.defaultValue;
    } else if (type instanceof Expression) {
      continue;
    }
    if (typeof type === 'string' && hasLocalInstanceStorage(type)) {
      problems.push(
        `${source} '${type}' has local NVMe instance storage, for which SageMaker refuses a volume KMS key, ` +
          `but step '${use.step}' sets ${use.field}.VolumeKmsKeyId; choose an instance type without local storage ` +
          "(e.g. 'ml.m5.xlarge' instead of 'ml.m5d.xlarge') or build the pipeline without a KMS key",
      );
    }
  }
  return problems;
}

/**
 * Managed spot training: `MaxWaitTimeInSeconds` (a literal, or a parameter's value from `values`
 * or else its default) must be at least `MaxRuntimeInSeconds`, which CreateTrainingJob enforces
 * only when the job starts.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html
 */
export function spotWaitProblems(steps: readonly Step[], values: ReadonlyMap<string, string> = new Map()): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    if (!(step instanceof JobStep) || step.type !== 'Training') {
      continue;
    }
    const stopping = (step.arguments as { StoppingCondition?: { MaxRuntimeInSeconds?: unknown; MaxWaitTimeInSeconds?: unknown } }).StoppingCondition;
    const runtime = stopping?.MaxRuntimeInSeconds;
    let wait = stopping?.MaxWaitTimeInSeconds;
    let source = 'Arguments.StoppingCondition.MaxWaitTimeInSeconds';
    if (wait instanceof Parameter) {
      const parameter = wait as Parameter<Scalar>;
      const override = values.get(parameter.name);
      source = override !== undefined ? `parameter ${parameter.name}` : `parameter ${parameter.name} (default)`;
      wait = override !== undefined ? Number(override) : parameter.defaultValue;
    }
    if (typeof runtime === 'number' && typeof wait === 'number' && wait < runtime) {
      problems.push(
        `${source} ${wait} is shorter than step '${step.name}' Arguments.StoppingCondition.MaxRuntimeInSeconds ${runtime}; ` +
          'the spot wait must be at least the maximum runtime',
      );
    }
  }
  return problems;
}

/** What one job step asks SageMaker for: instances, how many, how long, on which capacity. */
export interface JobResources {
  readonly step: string;
  readonly type: 'Processing' | 'Training' | 'Transform';
  /** The instance type (a literal, a parameter's value from `values`, or its default); undefined when computed at run time. */
  readonly instanceType?: string;
  /** The instance count, resolved like the type. */
  readonly instanceCount?: number;
  /** `MaxRuntimeInSeconds` of the job, when it is a number (transform jobs have none). */
  readonly maxRuntimeSeconds?: number;
  /** `MaxWaitTimeInSeconds` of a spot training job (runtime plus waits for capacity). */
  readonly maxWaitSeconds?: number;
  /** Managed spot training (counts against the spot training quota). */
  readonly spot: boolean;
}

/**
 * The instances each job step requests, with parameters resolved from `values` or else their
 * defaults: what quotas and worst-case costs are computed from.
 *
 * @param values parameter values by name, e.g. run-pipeline's overrides
 */
export function jobResources(steps: readonly Step[], values: ReadonlyMap<string, string> = new Map()): JobResources[] {
  const resolve = (value: unknown): unknown => {
    if (value instanceof Parameter) {
      const parameter = value as Parameter<Scalar>;
      const override = values.get(parameter.name);
      if (override === undefined) return parameter.defaultValue;
      return typeof parameter.defaultValue === 'number' ? Number(override) : override;
    }
    return value instanceof Expression ? undefined : value;
  };
  const resources: JobResources[] = [];
  for (const step of steps) {
    if (!(step instanceof JobStep)) {
      continue;
    }
    let block: unknown = step.arguments;
    for (const key of RESOURCE_FIELDS[step.type]) {
      block = block && typeof block === 'object' ? (block as Record<string, unknown>)[key] : undefined;
    }
    const { InstanceType, InstanceCount } = (block ?? {}) as { InstanceType?: unknown; InstanceCount?: unknown };
    const args = step.arguments as { StoppingCondition?: { MaxRuntimeInSeconds?: unknown; MaxWaitTimeInSeconds?: unknown }; EnableManagedSpotTraining?: unknown };
    const type = resolve(InstanceType);
    const count = resolve(InstanceCount);
    const runtime = resolve(args.StoppingCondition?.MaxRuntimeInSeconds);
    const wait = resolve(args.StoppingCondition?.MaxWaitTimeInSeconds);
    const spot = resolve(args.EnableManagedSpotTraining) === true;
    resources.push({
      step: step.name,
      type: step.type,
      instanceType: typeof type === 'string' ? type : undefined,
      instanceCount: typeof count === 'number' ? count : undefined,
      maxRuntimeSeconds: typeof runtime === 'number' ? runtime : undefined,
      maxWaitSeconds: spot && typeof wait === 'number' ? wait : undefined,
      spot,
    });
  }
  return resources;
}
