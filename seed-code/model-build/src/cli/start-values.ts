/**
 * What run-pipeline checks, for a run in SageMaker and for a local run alike, before anything is
 * uploaded, started or run: the values the jobs would get from the parameters (start overrides,
 * else defaults) against what the service accepts. SageMaker itself only refuses them when the
 * step that uses them starts, after the paid steps before it.
 *
 * - spot wait at least the maximum runtime, no volume key on instance types with local storage
 *   (the rules of `workflow/job-resources.ts`, reused as they are);
 * - instance counts within the API's range: ProcessingClusterConfig 1-100, ResourceConfig (training)
 *   at least 0, TransformResources at least 1;
 * - instance types among the API's enum for that job type (ProcessingInstanceType,
 *   TrainingInstanceType, TransformInstanceType, as the pinned @aws-sdk/client-sagemaker has them);
 * - ModelApprovalStatus one of the API's enum.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingClusterConfig.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformResources.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html (ModelApprovalStatus)
 */
import { ModelApprovalStatus, ProcessingInstanceType, TrainingInstanceType, TransformInstanceType } from '@aws-sdk/client-sagemaker';
import { Parameter, Pipeline, Scalar, Step, localStorageProblems, spotWaitProblems } from '../workflow';
import { UsageError } from './settings';

/** A field of a step's request that takes a checked value. */
interface Rule {
  readonly stepType: string;
  readonly path: readonly string[];
  /** Why `value` is not accepted, or undefined. */
  readonly problem: (value: Scalar) => string | undefined;
}

function countBetween(min: number, max?: number): (value: Scalar) => string | undefined {
  return (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && (max === undefined || value <= max)
      ? undefined
      : `is out of range: SageMaker takes ${max === undefined ? `at least ${min}` : `${min}-${max}`}`;
}

function instanceTypeIn(kind: string, allowed: Readonly<Record<string, string>>): (value: Scalar) => string | undefined {
  const types = new Set(Object.values(allowed));
  return (value) => {
    if (typeof value === 'string' && types.has(value)) {
      return undefined;
    }
    const match = /^ml\.([a-z0-9-]+)\.([a-z0-9-]+)$/.exec(String(value));
    if (!match) {
      return `is not an instance type: SageMaker takes ml.<family>.<size>, e.g. ml.m5.xlarge`;
    }
    const families = [...new Set([...types].map((t) => t.split('.')[1]))].sort();
    const sizes = [...types].filter((t) => t.split('.')[1] === match[1]).map((t) => t.split('.')[2]);
    return sizes.length > 0
      ? `is not a ${kind} instance type SageMaker offers; sizes of ml.${match[1]} for ${kind}: ${sizes.join(', ')}`
      : `is not a ${kind} instance type SageMaker offers: there is no family ${match[1]} for ${kind}; families: ${families.join(', ')}`;
  };
}

const RULES: readonly Rule[] = [
  { stepType: 'Processing', path: ['ProcessingResources', 'ClusterConfig', 'InstanceCount'], problem: countBetween(1, 100) },
  { stepType: 'Processing', path: ['ProcessingResources', 'ClusterConfig', 'InstanceType'], problem: instanceTypeIn('processing', ProcessingInstanceType) },
  { stepType: 'Training', path: ['ResourceConfig', 'InstanceCount'], problem: countBetween(0) },
  { stepType: 'Training', path: ['ResourceConfig', 'InstanceType'], problem: instanceTypeIn('training', TrainingInstanceType) },
  { stepType: 'Transform', path: ['TransformResources', 'InstanceCount'], problem: countBetween(1) },
  { stepType: 'Transform', path: ['TransformResources', 'InstanceType'], problem: instanceTypeIn('transform', TransformInstanceType) },
  {
    stepType: 'RegisterModel',
    path: ['ModelApprovalStatus'],
    problem: (value) =>
      Object.values(ModelApprovalStatus).includes(value as ModelApprovalStatus)
        ? undefined
        : `is not a model approval status: SageMaker takes ${Object.values(ModelApprovalStatus).join(', ')}`,
  },
];

/** The value a parameter has in the run: its override (a string, typed as declared), else its default. */
function valueOf(parameter: Parameter<Scalar>, overrides: ReadonlyMap<string, string>): { value?: Scalar; source: string } {
  const override = overrides.get(parameter.name);
  if (override === undefined) {
    return { value: parameter.defaultValue, source: `parameter ${parameter.name} (default)` };
  }
  const value = parameter.type === 'Integer' || parameter.type === 'Float' ? Number(override) : override;
  return { value, source: `--parameter ${parameter.name}` };
}

/** The problems of the parameter values (and literals) the service checks only when a job starts. */
export function serviceValueProblems(steps: readonly Step[], overrides: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    for (const rule of RULES.filter((r) => r.stepType === step.type)) {
      let raw: unknown = step.rawArguments;
      for (const key of rule.path) {
        raw = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
      }
      const field = `step '${step.name}' Arguments.${rule.path.join('.')}`;
      const { value, source } =
        raw instanceof Parameter ? valueOf(raw as Parameter<Scalar>, overrides) : { value: raw as Scalar | undefined, source: field };
      if (value === undefined || (typeof value === 'object' && value !== null)) {
        continue; // not set, or another expression: resolved only at run time
      }
      const problem = rule.problem(value);
      if (problem) {
        problems.push(`${source} ${JSON.stringify(value)} ${problem}${source === field ? '' : ` (used by ${field})`}`);
      }
    }
  }
  return problems;
}

/**
 * Checks the run's parameter values before anything is uploaded, started or run.
 *
 * @param overrides the `-p Name=Value` overrides, already checked against their types
 * @throws UsageError with the first problem, naming the parameter, its value and what is allowed
 */
export function checkStartValues(pipeline: Pipeline, overrides: ReadonlyMap<string, string>): void {
  const steps = pipeline.allSteps();
  const waitProblems = spotWaitProblems(steps, overrides);
  if (waitProblems.length > 0) {
    throw new UsageError(waitProblems[0].replace(/^parameter /, '--parameter '));
  }
  const storageProblems = localStorageProblems(steps, overrides);
  if (storageProblems.length > 0) {
    throw new UsageError(`${storageProblems[0].replace(/^parameter /, '--parameter ')} (the volume key comes from --kms-key-arn / KMS_KEY_ARN)`);
  }
  const valueProblems = serviceValueProblems(steps, overrides);
  if (valueProblems.length > 0) {
    throw new UsageError(valueProblems[0]);
  }
}
