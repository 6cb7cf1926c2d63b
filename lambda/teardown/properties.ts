/**
 * The custom resource's ResourceProperties contract and its validation.
 *
 * Pure: no AWS calls, so it can be unit tested without mocks.
 */

/** Validated, typed view of the teardown custom resource's ResourceProperties. */
export interface TeardownProperties {
  /** SageMaker project name (`SageMakerProjectName`). Only used in log lines. */
  readonly projectName: string;
  /** SageMaker project id; resources are only touched when their `sagemaker:project-id` tag equals it. */
  readonly projectId: string;
  /** Endpoint stacks created by the deploy CodePipeline (`sagemaker-<name>-<id>-deploy-<stage>`). */
  readonly stackNames: readonly string[];
  /**
   * SageMaker pipeline created by the model-build seed (`<name>-<id>`); absent in a target account's
   * teardown (multi-account), where there is none.
   */
  readonly pipelineName?: string;
  /** Model package group the model-build pipeline registers into (`<name>-<id>`). */
  readonly modelPackageGroupName: string;
  /** When true the model registry is never touched; when false its model packages are deleted. */
  readonly retainData: boolean;
}

/** The tag every resource of a SageMaker project carries; the only proof that a resource is ours. */
export const PROJECT_ID_TAG = 'sagemaker:project-id';

/**
 * Parses and validates the raw ResourceProperties sent by CloudFormation.
 *
 * @throws Error naming the property, echoing the bad value and saying what is allowed.
 */
export function parseProperties(raw: Record<string, unknown> | undefined): TeardownProperties {
  const props = raw ?? {};
  return {
    projectName: requireString(props, 'ProjectName'),
    projectId: requireString(props, 'ProjectId'),
    stackNames: requireStringArray(props, 'StackNames'),
    ...(props.PipelineName === undefined ? {} : { pipelineName: requireString(props, 'PipelineName') }),
    modelPackageGroupName: requireString(props, 'ModelPackageGroupName'),
    retainData: requireBoolean(props, 'RetainData'),
  };
}

function requireString(props: Record<string, unknown>, key: string): string {
  const value = props[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`\`${key}\` must be a non-empty string; got ${describe(value)}`);
  }
  return value;
}

function requireStringArray(props: Record<string, unknown>, key: string): string[] {
  const value = props[key];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
    throw new Error(`\`${key}\` must be an array of non-empty stack names; got ${describe(value)}`);
  }
  return [...new Set(value as string[])];
}

function requireBoolean(props: Record<string, unknown>, key: string): boolean {
  // CloudFormation turns every scalar custom resource property into a string, so only the
  // two string spellings are accepted; anything else is a wiring mistake worth failing on.
  const value = props[key];
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`\`${key}\` must be 'true' or 'false'; got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}
