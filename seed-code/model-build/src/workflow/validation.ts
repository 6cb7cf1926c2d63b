/**
 * Checks a pipeline against the service's rules before anything is emitted or uploaded. Each rule
 * is one small function returning messages that name the step and field, echo the bad value and
 * say what is allowed.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePipeline.html
 */
import { Parameter, Scalar } from './expressions';
import { ConditionStep, JOB_NAME_FIELDS, JobStep, JobTag, ProcessingStep, RegisterModelStep, Step } from './steps';

/** Everything the rules look at. */
export interface PipelineModel {
  readonly name: string;
  readonly parameters: ReadonlyArray<Parameter<Scalar>>;
  /** Top-level steps. */
  readonly steps: readonly Step[];
}

/** Thrown when a pipeline breaks one or more rules; `errors` lists each problem. */
export class PipelineValidationError extends Error {
  public constructor(
    public readonly pipelineName: string,
    public readonly errors: readonly string[],
  ) {
    super(`pipeline '${pipelineName}' is invalid:\n  - ${errors.join('\n  - ')}`);
    this.name = 'PipelineValidationError';
  }
}

// The API's name patterns count hyphen runs as part of one repetition, so lengths are checked
// by the lookahead, not by the repetition bounds.
const PIPELINE_NAME = /^(?=.{1,256}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;
const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,256}$/;
const PROPERTY_FILE_NAME = /^[A-Za-z0-9\-_]{1,256}$/;
const MODEL_PACKAGE_GROUP_NAME = /^(?=.{1,63}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
/** Longest value a parameter can take at start (and so its default). */
export const MAX_PARAMETER_VALUE_LENGTH = 1024;

/** Every step of the pipeline, condition branches included, depth first in definition order. */
export function allSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((s) => [s, ...allSteps(s.children())]);
}

/** Runs every rule; an empty list means the pipeline is valid. */
export function validatePipeline(model: PipelineModel): string[] {
  const steps = allSteps(model.steps);
  return [
    ...validatePipelineName(model.name),
    ...validateParameters(model.parameters),
    ...validateStepNames(steps),
    ...steps.flatMap(validateStepText),
    ...steps.flatMap(validateCacheConfig),
    ...steps.flatMap(validateRetryPolicies),
    ...steps.flatMap(validateNumbers),
    ...steps.flatMap(validatePropertyFiles),
    ...steps.flatMap(validateConditionStep),
    ...steps.flatMap(validateModelPackageGroupName),
    ...steps.flatMap(validateJobName),
    ...validateReferences(model, steps),
    ...validateBranchReferences(model.steps),
    ...validateDependsOn(steps),
    ...validateNoCycles(steps),
  ];
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function validatePipelineName(name: string): string[] {
  return PIPELINE_NAME.test(name)
    ? []
    : [
        `pipeline name must be 1-256 letters, digits or hyphens, starting with a letter or digit and not ending with a hyphen; got ${quote(name)}`,
      ];
}

function validateParameters(parameters: ReadonlyArray<Parameter<Scalar>>): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const p of parameters) {
    if (!PARAMETER_NAME.test(p.name)) {
      errors.push(`parameter ${quote(p.name)}: name must be letters, digits, hyphens or underscores`);
    }
    if (seen.has(p.name)) {
      errors.push(`parameter ${quote(p.name)}: declared more than once`);
    }
    seen.add(p.name);
    const problem = p.defaultValue === undefined ? undefined : parameterValueProblem(p.type, p.defaultValue);
    if (problem) {
      errors.push(`parameter ${quote(p.name)}: DefaultValue ${problem}`);
    }
  }
  return errors;
}

/**
 * Why `value` is not a valid value of a parameter of `type`, or `undefined` when it is. Used for
 * defaults here and for start-time overrides by run-pipeline.
 */
export function parameterValueProblem(type: Parameter<Scalar>['type'], value: Scalar): string | undefined {
  switch (type) {
    case 'String':
      if (typeof value !== 'string') {
        return `must be a string; got ${quote(value)}`;
      }
      return value.length > MAX_PARAMETER_VALUE_LENGTH
        ? `must be at most ${MAX_PARAMETER_VALUE_LENGTH} characters; got ${value.length}`
        : undefined;
    case 'Integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : `must be an integer; got ${quote(value)}`;
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a finite number; got ${quote(value)}`;
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false; got ${quote(value)}`;
  }
}

function validateStepNames(steps: readonly Step[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, Step>();
  for (const step of steps) {
    if (!STEP_NAME.test(step.name)) {
      errors.push(
        `step ${quote(step.name)}: name must be 1-64 letters, digits, hyphens or underscores; got ${quote(step.name)}`,
      );
    }
    const earlier = seen.get(step.name);
    if (earlier === step) {
      errors.push(`step ${quote(step.name)}: appears more than once in the pipeline (top level or condition branches)`);
    } else if (earlier) {
      errors.push(`step ${quote(step.name)}: name is used by more than one step (names are unique across condition branches)`);
    }
    seen.set(step.name, step);
  }
  return errors;
}

function validateStepText(step: Step): string[] {
  const errors: string[] = [];
  if (step.displayName !== undefined && (step.displayName.length === 0 || step.displayName.length > 256)) {
    errors.push(`step ${quote(step.name)}: DisplayName must be 1-256 characters; got ${step.displayName.length}`);
  }
  if (step.description !== undefined && step.description.length > 3072) {
    errors.push(`step ${quote(step.name)}: Description must be at most 3072 characters; got ${step.description.length}`);
  }
  return errors;
}

function validateCacheConfig(step: Step): string[] {
  const expireAfter = step.cache?.expireAfter;
  if (expireAfter === undefined || ISO_DURATION.test(expireAfter)) {
    return [];
  }
  return [
    `step ${quote(step.name)}: CacheConfig.ExpireAfter must be an ISO 8601 duration such as 'P30D' or 'PT12H'; got ${quote(expireAfter)}`,
  ];
}

function validateRetryPolicies(step: Step): string[] {
  const errors: string[] = [];
  const isJob = step.type === 'Processing' || step.type === 'Training' || step.type === 'Transform';
  step.retryPolicies.forEach((policy, i) => {
    const field = `step ${quote(step.name)}: RetryPolicies[${i}]`;
    if (policy.exceptionTypes.length === 0) {
      errors.push(`${field}.ExceptionType must list at least one exception type`);
    }
    for (const type of policy.exceptionTypes) {
      if (!isJob && type.startsWith('SageMaker.')) {
        errors.push(`${field}.ExceptionType ${quote(type)} only applies to job steps (Processing, Training, Transform); use Step.SERVICE_FAULT or Step.THROTTLING`);
      }
    }
    if (policy.maxAttempts !== undefined && policy.expireAfterMinutes !== undefined) {
      errors.push(`${field}: set MaxAttempts or ExpireAfterMin, not both`);
    }
    errors.push(...rangeProblem(`${field}.IntervalSeconds`, policy.intervalSeconds, 1, 43200, true));
    errors.push(...rangeProblem(`${field}.MaxAttempts`, policy.maxAttempts, 1, 20, true));
    errors.push(...rangeProblem(`${field}.ExpireAfterMin`, policy.expireAfterMinutes, 0, 14400, true));
    errors.push(...rangeProblem(`${field}.BackoffRate`, policy.backoffRate, 1, Number.MAX_VALUE, false));
  });
  return errors;
}

function rangeProblem(field: string, value: number | undefined, min: number, max: number, integer: boolean): string[] {
  if (value === undefined) {
    return [];
  }
  const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (ok) {
    return [];
  }
  const range = max === Number.MAX_VALUE ? `at least ${min}` : `${min}-${max}`;
  return [`${field} must be ${integer ? 'an integer ' : 'a number '}${range}; got ${value}`];
}

/** JSON has no NaN or Infinity; the service would reject the definition as unparsable. */
function validateNumbers(step: Step): string[] {
  const errors: string[] = [];
  const walk = (value: unknown, field: string): void => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      errors.push(`step ${quote(step.name)}: ${field} must be a finite number; got ${value}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${field}[${i}]`));
    } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, member] of Object.entries(value)) {
        walk(member, `${field}.${key}`);
      }
    }
  };
  walk(step.rawArguments, 'Arguments');
  return errors;
}

function validatePropertyFiles(step: Step): string[] {
  if (!(step instanceof ProcessingStep)) {
    return [];
  }
  const errors: string[] = [];
  const seen = new Set<string>();
  step.propertyFiles.forEach((file, i) => {
    const field = `step ${quote(step.name)}: PropertyFiles[${i}]`;
    if (!PROPERTY_FILE_NAME.test(file.name)) {
      errors.push(`${field}.PropertyFileName must be letters, digits, hyphens or underscores; got ${quote(file.name)}`);
    }
    if (seen.has(file.name)) {
      errors.push(`${field}.PropertyFileName ${quote(file.name)} is declared more than once`);
    }
    seen.add(file.name);
    if (!step.outputNames.includes(file.outputName)) {
      errors.push(
        `${field}.OutputName ${quote(file.outputName)} is not an output of the step; outputs: ${step.outputNames.map(quote).join(', ') || '(none)'}`,
      );
    }
    if (file.path.length === 0 || file.path.startsWith('/')) {
      errors.push(`${field}.FilePath must be a path relative to the output's local path; got ${quote(file.path)}`);
    }
  });
  return errors;
}

function validateConditionStep(step: Step): string[] {
  if (!(step instanceof ConditionStep)) {
    return [];
  }
  const errors: string[] = [];
  if (step.conditions.length === 0) {
    errors.push(`step ${quote(step.name)}: Arguments.Conditions must hold at least one condition`);
  }
  step.conditions.forEach((c, i) => {
    for (const problem of c.problems()) {
      errors.push(`step ${quote(step.name)}: Arguments.Conditions[${i}]: ${problem}`);
    }
  });
  return errors;
}

function validateModelPackageGroupName(step: Step): string[] {
  if (!(step instanceof RegisterModelStep)) {
    return [];
  }
  const group = step.arguments.ModelPackageGroupName;
  if (group === undefined) {
    return [`step ${quote(step.name)}: Arguments.ModelPackageGroupName is required to register a versioned model package`];
  }
  if (typeof group === 'string' && !MODEL_PACKAGE_GROUP_NAME.test(group)) {
    return [
      `step ${quote(step.name)}: Arguments.ModelPackageGroupName must be 1-63 letters, digits or hyphens, starting with a letter or digit; got ${quote(group)}`,
    ];
  }
  return [];
}

/** Job names share one rule across the Create*Job APIs: at most 63 characters. */
const JOB_NAME = /^(?=.{1,63}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

function validateJobName(step: Step): string[] {
  const name = step.jobNamePrefix;
  if (name === undefined || !(step.type in JOB_NAME_FIELDS)) {
    return [];
  }
  if (JOB_NAME.test(name)) {
    return [];
  }
  const field = JOB_NAME_FIELDS[step.type as keyof typeof JOB_NAME_FIELDS];
  return [
    `step ${quote(step.name)}: Arguments.${field} must be 1-63 letters, digits or hyphens, starting with a letter or digit; got ${quote(name)} (${name.length} characters)`,
  ];
}

function validateReferences(model: PipelineModel, steps: readonly Step[]): string[] {
  const errors: string[] = [];
  const parameters = new Map(model.parameters.map((p) => [p.name, p]));
  const members = new Set(steps);
  for (const step of steps) {
    for (const { field, reference } of step.references()) {
      const where = `step ${quote(step.name)}: ${field}`;
      switch (reference.kind) {
        case 'parameter': {
          const declared = parameters.get(reference.parameter.name);
          if (!declared) {
            errors.push(
              `${where} references parameter ${quote(reference.parameter.name)}, which the pipeline does not declare; declared: ${[...parameters.keys()].map(quote).join(', ') || '(none)'}`,
            );
          } else if (declared.type !== reference.parameter.type) {
            errors.push(
              `${where} references parameter ${quote(reference.parameter.name)} as ${reference.parameter.type}, but it is declared as ${declared.type}`,
            );
          }
          break;
        }
        case 'step':
        case 'propertyFile': {
          const target = reference.step;
          if (target === step) {
            errors.push(`${where} references the step itself; a step can only read from upstream steps`);
          } else if (!members.has(target as Step)) {
            errors.push(`${where} references step ${quote(target.name)}, which is not part of the pipeline`);
          } else if (reference.kind === 'propertyFile' && !target.propertyFileNames.includes(reference.propertyFile)) {
            errors.push(
              `${where} reads property file ${quote(reference.propertyFile)} of step ${quote(target.name)}, which declares ${target.propertyFileNames.map(quote).join(', ') || 'no property files'}`,
            );
          }
          break;
        }
      }
    }
  }
  return errors;
}

/** Where a step sits: the condition branches around it, outermost first. */
function branchPaths(steps: readonly Step[], path: string[] = [], out = new Map<Step, string[]>()): Map<Step, string[]> {
  for (const step of steps) {
    out.set(step, path);
    if (step instanceof ConditionStep) {
      branchPaths(step.ifSteps, [...path, `IfSteps of '${step.name}'`], out);
      branchPaths(step.elseSteps, [...path, `ElseSteps of '${step.name}'`], out);
    }
  }
  return out;
}

/**
 * A step inside a condition branch only runs when that branch is taken, so only steps in the same
 * branch (or nested deeper in it) can read from it or wait for it.
 */
function validateBranchReferences(topLevel: readonly Step[]): string[] {
  const paths = branchPaths(topLevel);
  const errors: string[] = [];
  const reachable = (from: Step, to: Step): boolean => {
    const fromPath = paths.get(from) ?? [];
    const toPath = paths.get(to) ?? [];
    return toPath.every((branch, i) => fromPath[i] === branch);
  };
  for (const [step] of paths) {
    const targets = [
      ...step.references().flatMap(({ field, reference }) =>
        reference.kind === 'parameter' ? [] : [{ field, target: reference.step as Step }],
      ),
      ...step.dependsOn.map((target, i) => ({ field: `DependsOn[${i}]`, target })),
    ];
    for (const { field, target } of targets) {
      if (paths.has(target) && target !== step && !reachable(step, target)) {
        const where = paths.get(target)!;
        errors.push(
          `step ${quote(step.name)}: ${field} uses step ${quote(target.name)}, which only runs in the ${where[where.length - 1]}; move the step into that branch`,
        );
      }
    }
  }
  return errors;
}

function validateDependsOn(steps: readonly Step[]): string[] {
  const members = new Set(steps);
  const errors: string[] = [];
  for (const step of steps) {
    step.dependsOn.forEach((dep, i) => {
      if (dep === step) {
        errors.push(`step ${quote(step.name)}: DependsOn[${i}] names the step itself`);
      } else if (!members.has(dep)) {
        errors.push(`step ${quote(step.name)}: DependsOn[${i}] names step ${quote(dep.name)}, which is not part of the pipeline`);
      }
    });
  }
  return errors;
}

/** Upstream steps of each step: those it reads from, depends on, or whose branch it sits in. */
function upstreamOf(steps: readonly Step[]): Map<Step, Set<Step>> {
  const members = new Set(steps);
  const upstream = new Map<Step, Set<Step>>(steps.map((s) => [s, new Set<Step>()]));
  for (const step of steps) {
    const up = upstream.get(step)!;
    for (const { reference } of step.references()) {
      if (reference.kind !== 'parameter' && members.has(reference.step as Step) && reference.step !== step) {
        up.add(reference.step as Step);
      }
    }
    for (const dep of step.dependsOn) {
      if (members.has(dep) && dep !== step) {
        up.add(dep);
      }
    }
    for (const child of step.children()) {
      upstream.get(child)?.add(step);
    }
  }
  return upstream;
}

function validateNoCycles(steps: readonly Step[]): string[] {
  const upstream = upstreamOf(steps);
  const state = new Map<Step, 'visiting' | 'done'>();
  const errors: string[] = [];
  const visit = (step: Step, trail: Step[]): void => {
    if (state.get(step) === 'done') {
      return;
    }
    if (state.get(step) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(step)), step].map((s) => s.name);
      errors.push(`step ${quote(step.name)}: dependency cycle ${cycle.join(' -> ')} (each step reads from or depends on the next)`);
      return;
    }
    state.set(step, 'visiting');
    for (const up of upstream.get(step) ?? []) {
      visit(up, [...trail, step]);
    }
    state.set(step, 'done');
  };
  for (const step of steps) {
    visit(step, []);
  }
  return errors;
}


/** Most tags a SageMaker job takes. */
export const MAX_JOB_TAGS = 50;

/**
 * The tags each job step would be created with (its own `Tags` plus the pipeline's job tags):
 * at most 50, keys 1-128 characters not starting with `aws:`, values at most 256 characters.
 */
export function validateJobTags(steps: readonly Step[], jobTags: readonly JobTag[]): string[] {
  const errors: string[] = [];
  for (const tag of jobTags) {
    errors.push(...tagProblems('pipeline job tag', tag.Key, tag.Value));
  }
  for (const step of steps) {
    if (!(step instanceof JobStep)) {
      continue;
    }
    const tags = (step.tagsWith(jobTags) ?? []) as Array<{ Key?: unknown; Value?: unknown }>;
    if (tags.length > MAX_JOB_TAGS) {
      errors.push(`step '${step.name}': Arguments.Tags would hold ${tags.length} tags with the pipeline's job tags; a job takes at most ${MAX_JOB_TAGS}`);
    }
  }
  return errors;
}

/**
 * The characters SageMaker takes in tag keys and values: letters, separators (spaces), numbers and
 * `_ . : / = + - @`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html
 */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** What {@link TAG_CHARACTERS} allows, in words. */
export const TAG_CHARACTERS_ALLOWED = 'letters, digits, spaces and _ . : / = + - @';

/**
 * Why a tag is refused by SageMaker, or an empty list: keys 1-128 characters not starting with
 * `aws:`, values at most 256 characters, both of {@link TAG_CHARACTERS}.
 */
export function tagProblems(what: string, key: string, value: string): string[] {
  if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
    return [`${what} key must be 1-128 characters not starting with 'aws:'; got ${quote(key)}`];
  }
  if (!TAG_CHARACTERS.test(key)) {
    return [`${what} key may only hold ${TAG_CHARACTERS_ALLOWED}; got ${JSON.stringify(key)}`];
  }
  if (value.length > 256) {
    return [`${what} '${key}' value must be at most 256 characters; got ${value.length}`];
  }
  if (!TAG_CHARACTERS.test(value)) {
    return [`${what} '${key}' value may only hold ${TAG_CHARACTERS_ALLOWED}; got ${JSON.stringify(value)}`];
  }
  return [];
}
