/**
 * Flags and environment variables shared by the CLIs. A flag wins over its environment variable;
 * the environment variables are the ones the project's CodeBuild project sets.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';
import { resolveProjectImages } from '../containers/images';
import { PIPELINES, PipelineBlueprint } from '../pipelines';
import { JobTag, tagProblems } from '../workflow';

/** A problem with how the CLI was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Project settings every pipeline build needs. */
export interface ProjectSettings {
  readonly pipelineKey: string;
  readonly blueprint: PipelineBlueprint;
  readonly region: string;
  readonly projectName: string;
  readonly projectId: string;
  readonly pipelineName: string;
  readonly modelPackageGroupName: string;
  readonly bucket: string;
  readonly roleArn: string;
  readonly kmsKeyArn?: string;
  readonly imageUris: { sklearn?: string; xgboost?: string };
  /** The project's own images (`containers/<name>/`) by name: from the images file, else by content tag. */
  readonly projectImages: Readonly<Record<string, string>>;
  /** `PROJECT_TAGS` plus `sagemaker:project-name` and `sagemaker:project-id`: on the pipeline and every job. */
  readonly tags: readonly JobTag[];
  /** Settings that fell back to demo values (get-pipeline-definition only). */
  readonly demoDefaults: readonly string[];
}

/** One setting: its flag, its environment variable and what it must look like. */
interface SettingSpec {
  readonly flag: string;
  readonly env?: string;
  readonly pattern?: RegExp;
  readonly allowed?: string;
}

const SPECS = {
  pipeline: { flag: 'pipeline', env: 'PIPELINE' },
  region: {
    flag: 'region',
    env: 'AWS_REGION',
    pattern: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
    allowed: "an AWS region code such as 'us-east-1'",
  },
  projectName: {
    flag: 'project-name',
    env: 'SAGEMAKER_PROJECT_NAME',
    pattern: /^(?=.{1,32}$)[a-zA-Z](-*[a-zA-Z0-9])*$/,
    allowed: '1-32 letters, digits or hyphens, starting with a letter',
  },
  projectId: {
    flag: 'project-id',
    env: 'SAGEMAKER_PROJECT_ID',
    pattern: /^(?=.{1,20}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    allowed: '1-20 letters, digits or hyphens, such as p-abcdefghijkl',
  },
  pipelineName: {
    flag: 'pipeline-name',
    env: 'SAGEMAKER_PIPELINE_NAME',
    pattern: /^(?=.{1,256}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    allowed: '1-256 letters, digits or hyphens, starting with a letter or digit',
  },
  modelPackageGroupName: {
    flag: 'model-package-group-name',
    env: 'MODEL_PACKAGE_GROUP_NAME',
    pattern: /^(?=.{1,63}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    allowed: '1-63 letters, digits or hyphens, starting with a letter or digit',
  },
  bucket: {
    flag: 'bucket',
    env: 'ARTIFACT_BUCKET',
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    allowed: 'an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens)',
  },
  roleArn: {
    flag: 'role-arn',
    env: 'SAGEMAKER_PIPELINE_ROLE_ARN',
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    allowed: 'an IAM role ARN such as arn:aws:iam::123456789012:role/MyRole',
  },
  kmsKeyArn: {
    flag: 'kms-key-arn',
    env: 'KMS_KEY_ARN',
    pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/,
    allowed: 'a KMS key or alias ARN such as arn:aws:kms:us-east-1:123456789012:key/<key-id>',
  },
  sklearnImageUri: {
    flag: 'sklearn-image-uri',
    pattern: /^\S+\/\S+$/,
    allowed: 'a container image URI such as <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>',
  },
  xgboostImageUri: {
    flag: 'xgboost-image-uri',
    pattern: /^\S+\/\S+$/,
    allowed: 'a container image URI such as <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>',
  },
} as const satisfies Record<string, SettingSpec>;

/** Options of `node:util` parseArgs for the project settings. */
export const PROJECT_OPTIONS = {
  pipeline: { type: 'string' },
  region: { type: 'string' },
  'project-name': { type: 'string' },
  'project-id': { type: 'string' },
  'pipeline-name': { type: 'string' },
  'model-package-group-name': { type: 'string' },
  bucket: { type: 'string' },
  'role-arn': { type: 'string' },
  'kms-key-arn': { type: 'string' },
  'sklearn-image-uri': { type: 'string' },
  'xgboost-image-uri': { type: 'string' },
  'images-file': { type: 'string' },
  'image-repository-uri': { type: 'string' },
  tags: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Help text of the project settings. */
export const PROJECT_OPTIONS_HELP = `Project settings (flag, then environment variable):
  --region                    AWS_REGION (or AWS_DEFAULT_REGION)
  --project-name              SAGEMAKER_PROJECT_NAME
  --project-id                SAGEMAKER_PROJECT_ID
  --pipeline-name             SAGEMAKER_PIPELINE_NAME, default <project-name>-<project-id>
  --model-package-group-name  MODEL_PACKAGE_GROUP_NAME, default the pipeline name
  --bucket                    ARTIFACT_BUCKET
  --role-arn                  SAGEMAKER_PIPELINE_ROLE_ARN (the pipeline execution role)
  --kms-key-arn               KMS_KEY_ARN (optional; encrypts job outputs, volumes and uploads)
  --sklearn-image-uri, --xgboost-image-uri
                              image URIs for regions outside the built-in table
  --images-file               PIPELINE_IMAGES_FILE: the project's images by digest (written by
                              build-images); wins over --image-repository-uri
  --image-repository-uri      IMAGE_REPOSITORY_URI: the project's image repository; images of
                              containers/<name>/ not in the images file run by content tag
  --tags <json>               PROJECT_TAGS: extra tags as a JSON object, may be {}; with the
                              project tags, on the pipeline and on every job it starts
  --pipeline                  PIPELINE: which pipeline (${Object.keys(PIPELINES).join(', ')}), default abalone`;

/** Parses `argv` with `options`, turning parse errors into one-line usage errors. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0].replace(/\.$/, '');
    throw new UsageError(`${message}; run with --help to see the allowed options`);
  }
}

type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** Demo values: enough for a complete definition without a project. */
const DEMO = {
  projectId: 'p-000000000000',
  roleArn: 'arn:aws:iam::123456789012:role/sagemaker-pipeline-execution',
};

/**
 * Resolves the project settings from flags and environment.
 *
 * @param demo fill missing settings with demo values instead of failing
 * @throws UsageError naming the flag and variable, the bad value and what is allowed
 */
export function resolveProjectSettings(flags: Flags, env: NodeJS.ProcessEnv, demo: boolean): ProjectSettings {
  const demoDefaults: string[] = [];
  const read = (spec: SettingSpec, fallback?: string, demoValue?: string): string | undefined => {
    const fromFlag = flags[spec.flag];
    const raw = typeof fromFlag === 'string' ? fromFlag : spec.env ? env[spec.env] : undefined;
    if (raw !== undefined && raw !== '') {
      return check(spec, raw);
    }
    if (fallback !== undefined) {
      return check(spec, fallback);
    }
    if (demo && demoValue !== undefined) {
      demoDefaults.push(`--${spec.flag}`);
      return demoValue;
    }
    return undefined;
  };
  const required = (spec: SettingSpec, value: string | undefined): string => {
    if (value === undefined) {
      const source = spec.env ? `--${spec.flag} or ${spec.env}` : `--${spec.flag}`;
      throw new UsageError(`${source} is required: ${spec.allowed}`);
    }
    return value;
  };

  const pipelineKey = (typeof flags.pipeline === 'string' ? flags.pipeline : env.PIPELINE) || 'abalone';
  const blueprint = Object.prototype.hasOwnProperty.call(PIPELINES, pipelineKey) ? PIPELINES[pipelineKey] : undefined;
  if (!blueprint) {
    throw new UsageError(
      `--pipeline (PIPELINE) must be one of ${Object.keys(PIPELINES).map((k) => `'${k}'`).join(', ')}; got '${pipelineKey}'`,
    );
  }
  const region = required(SPECS.region, read(SPECS.region, env.AWS_DEFAULT_REGION || undefined));
  const projectName = required(SPECS.projectName, read(SPECS.projectName, undefined, `${pipelineKey}-demo`));
  const projectId = required(SPECS.projectId, read(SPECS.projectId, undefined, DEMO.projectId));
  const pipelineName = required(SPECS.pipelineName, read(SPECS.pipelineName, `${projectName}-${projectId}`));
  const modelPackageGroupName = required(SPECS.modelPackageGroupName, read(SPECS.modelPackageGroupName, pipelineName));
  const bucket = required(SPECS.bucket, read(SPECS.bucket, undefined, `sagemaker-project-${projectId}`.toLowerCase()));
  const roleArn = required(SPECS.roleArn, read(SPECS.roleArn, undefined, DEMO.roleArn));
  const kmsKeyArn = read(SPECS.kmsKeyArn);
  const imageUris = { sklearn: read(SPECS.sklearnImageUri), xgboost: read(SPECS.xgboostImageUri) };
  const tags = projectTags(typeof flags.tags === 'string' ? flags.tags : env.PROJECT_TAGS, projectName, projectId);
  // Demo (other settings are demo values already): the repository the project stack names
  // `sagemaker-project-<id>`, in the role's account.
  const demoRepository = `${roleArn.split(':')[4]}.dkr.ecr.${region}.amazonaws.com/sagemaker-project-${projectId}`.toLowerCase();
  const projectImages = readProjectImages(flags, env, demo && demoDefaults.length > 0 ? demoRepository : undefined, demoDefaults);
  return {
    pipelineKey,
    blueprint,
    region,
    projectName,
    projectId,
    pipelineName,
    modelPackageGroupName,
    bucket,
    roleArn,
    kmsKeyArn,
    imageUris,
    projectImages,
    tags,
    demoDefaults,
  };
}

/** The project's images from `--images-file` / `--image-repository-uri`; a bad file or folder name is a usage error. */
function readProjectImages(flags: Flags, env: NodeJS.ProcessEnv, demoRepository: string | undefined, demoDefaults: string[]): Record<string, string> {
  const pick = (flag: string, name: string) => (typeof flags[flag] === 'string' ? flags[flag] as string : env[name]) || undefined;
  const imagesFile = pick('images-file', 'PIPELINE_IMAGES_FILE');
  let repositoryUri = pick('image-repository-uri', 'IMAGE_REPOSITORY_URI');
  if (repositoryUri === undefined && imagesFile === undefined && demoRepository !== undefined) {
    repositoryUri = demoRepository;
    demoDefaults.push('--image-repository-uri');
  }
  try {
    return resolveProjectImages({ imagesFile, repositoryUri });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function check(spec: SettingSpec, value: string): string {
  if (spec.pattern && !spec.pattern.test(value)) {
    const source = spec.env ? `--${spec.flag} (${spec.env})` : `--${spec.flag}`;
    throw new UsageError(`${source} must be ${spec.allowed}; got '${value}'`);
  }
  return value;
}

/** Maximum number of tags on a SageMaker resource. */
const MAX_TAGS = 50;

/** Parses `--tags` / PROJECT_TAGS and adds the project tags, which always win. */
export function projectTags(raw: string | undefined, projectName: string, projectId: string): JobTag[] {
  const source = raw === undefined ? undefined : raw.trim();
  let extra: Record<string, unknown> = {};
  if (source) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new UsageError(`--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got '${source}'`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError(`--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got '${source}'`);
    }
    extra = parsed as Record<string, unknown>;
  }
  const tags = new Map<string, string>();
  for (const key of Object.keys(extra).sort()) {
    const value = extra[key];
    if (typeof value !== 'string') {
      throw new UsageError(`--tags (PROJECT_TAGS) tag '${key}' must have a string value; got ${JSON.stringify(value)}`);
    }
    const [problem] = tagProblems('--tags (PROJECT_TAGS) tag', key, value);
    if (problem) {
      throw new UsageError(problem);
    }
    tags.set(key, value);
  }
  tags.set('sagemaker:project-name', projectName);
  tags.set('sagemaker:project-id', projectId);
  if (tags.size > MAX_TAGS) {
    throw new UsageError(`--tags (PROJECT_TAGS) may hold at most ${MAX_TAGS - 2} tags besides the project tags; got ${tags.size - 2}`);
  }
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

