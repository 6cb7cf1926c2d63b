import { ROLE_ARN } from './resolve-model-package';
import { Stage, STAGES } from './stage-config';

/** Name of the build variable that holds the stages deployed in other accounts. */
export const DEPLOYMENT_TARGETS_VARIABLE = 'DEPLOYMENT_TARGETS';

/**
 * Where one stage's endpoint stack deploys when that is not the project account, and the
 * resources of that account the endpoint uses (the project's role, bucket and key live in the
 * project account; a target account has its own, made by the project's per-account stack).
 */
export interface DeploymentTarget {
  /** The stage's account, 12 digits. */
  readonly account: string;
  /** The stage's region: always the project's (a model is created from a package of its own region only). */
  readonly region: string;
  /** The role SageMaker assumes to run the model, in `account`. */
  readonly modelExecutionRoleArn: string;
  /** Bucket in `account` that receives the endpoint's data capture (`ArtifactBucketName`). */
  readonly dataCaptureBucket: string;
  /** Key (or alias) ARN in `account` for data capture and the ML storage volume. */
  readonly kmsKeyArn: string;
  /** SNS topic in `account` the endpoint's alarms notify. */
  readonly alarmTopicArn: string;
}

/** The stages that deploy in another account; a stage without an entry deploys in the project account. */
export type DeploymentTargets = Partial<Record<Stage, DeploymentTarget>>;

/** What a target is checked against. */
export interface DeploymentTargetsContext {
  /** The project's region (`AWS_REGION` of the build): every target must use it. */
  readonly region: string;
  /** The project's partition (`aws`, `aws-cn`, ...): every ARN must use it. */
  readonly partition: string;
}

const FIELDS = ['account', 'region', 'modelExecutionRoleArn', 'dataCaptureBucket', 'kmsKeyArn', 'alarmTopicArn'] as const;
type Field = (typeof FIELDS)[number];

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// The same shape the endpoint template's ArtifactBucketName parameter allows, without '..'.
const BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_ARN = /^arn:([a-z0-9-]+):kms:([a-z0-9-]+):(\d{12}):(?:key\/[a-zA-Z0-9-]+|alias\/[a-zA-Z0-9/_-]{1,250})$/;
const SNS_ARN = /^arn:([a-z0-9-]+):sns:([a-z0-9-]+):(\d{12}):[a-zA-Z0-9_-]{1,256}$/;

/** An ARN rule: its shape, and which of its groups are partition, region and account. */
interface ArnRule {
  readonly pattern: RegExp;
  readonly form: string;
  readonly hasRegion: boolean;
}

const ARN_RULES: Record<'modelExecutionRoleArn' | 'kmsKeyArn' | 'alarmTopicArn', ArnRule> = {
  modelExecutionRoleArn: { pattern: ROLE_ARN, form: 'an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name)', hasRegion: false },
  kmsKeyArn: { pattern: KMS_ARN, form: 'a KMS key or alias ARN (arn:<partition>:kms:<region>:<account>:key/<key-id> or :alias/<name>)', hasRegion: true },
  alarmTopicArn: { pattern: SNS_ARN, form: 'an SNS standard topic ARN (arn:<partition>:sns:<region>:<account>:<topic>)', hasRegion: true },
};

/** Raised for a malformed `DEPLOYMENT_TARGETS`; the message holds one line per problem. */
export class DeploymentTargetsError extends Error {
  /** One line per problem, each naming `DEPLOYMENT_TARGETS.<stage>.<field>` and the bad value. */
  public readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DeploymentTargetsError';
    this.problems = problems;
  }
}

/**
 * Parses and checks `DEPLOYMENT_TARGETS`, the JSON object the project's deploy CodeBuild project
 * sets in multi-account mode: a key per stage that deploys in another account, each with
 * `account`, `region`, `modelExecutionRoleArn`, `dataCaptureBucket`, `kmsKeyArn` and
 * `alarmTopicArn`. Unset, empty or `{}` means single-account: no targets.
 *
 * Checked strictly, since a typo would otherwise surface as a failed cross-account deploy: stage
 * keys and fields are known ones, all fields present; the account is 12 digits; the region is the
 * project's; the role, key and topic ARNs are of their service, in the project's partition and in
 * the stage's account (key and topic also in its region); the bucket is an S3 bucket name.
 *
 * @throws DeploymentTargetsError listing every problem, one line each, naming
 *   `DEPLOYMENT_TARGETS.<stage>.<field>`, the bad value and what is allowed
 */
export function parseDeploymentTargets(text: string | undefined, context: DeploymentTargetsContext): DeploymentTargets {
  if (text === undefined || text.trim() === '') {
    return {};
  }
  const shape = `a JSON object with a key per stage that deploys in another account (${STAGES.join(', ')})`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DeploymentTargetsError([`${DEPLOYMENT_TARGETS_VARIABLE} must be ${shape}; got ${show(text)} (not JSON)`]);
  }
  if (!isObject(raw)) {
    throw new DeploymentTargetsError([`${DEPLOYMENT_TARGETS_VARIABLE} must be ${shape}; got ${show(text)}`]);
  }
  const problems: string[] = [];
  const targets: DeploymentTargets = {};
  for (const [key, value] of Object.entries(raw)) {
    const setting = `${DEPLOYMENT_TARGETS_VARIABLE}.${key}`;
    if (!(STAGES as readonly string[]).includes(key)) {
      problems.push(`${setting} is not a stage; allowed: ${STAGES.join(', ')}`);
      continue;
    }
    if (!isObject(value)) {
      problems.push(`${setting} must be an object with ${FIELDS.join(', ')}; got ${show(value)}`);
      continue;
    }
    const target = readTarget(setting, value, context, problems);
    if (target) {
      targets[key as Stage] = target;
    }
  }
  if (problems.length > 0) {
    throw new DeploymentTargetsError(problems);
  }
  return targets;
}

function readTarget(setting: string, raw: Record<string, unknown>, context: DeploymentTargetsContext, problems: string[]): DeploymentTarget | undefined {
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      problems.push(`${setting}.${key} is not a known field; allowed: ${FIELDS.join(', ')}`);
    }
  }
  const values = {} as Record<Field, string>;
  for (const field of FIELDS) {
    const value = raw[field];
    if (value === undefined) {
      problems.push(`${setting}.${field} is missing; every target needs ${FIELDS.join(', ')}`);
    } else if (typeof value !== 'string') {
      problems.push(`${setting}.${field} must be a string; got ${show(value)}`);
    } else {
      values[field] = value;
    }
  }

  const problem = (field: Field, rule: string) => problems.push(`${setting}.${field} must be ${rule}; got ${show(values[field])}`);
  const accountOk = values.account !== undefined && ACCOUNT.test(values.account);
  if (values.account !== undefined && !accountOk) {
    problem('account', 'an AWS account id of 12 digits');
  }
  const regionOk = values.region !== undefined && REGION.test(values.region) && values.region === context.region;
  if (values.region !== undefined && !REGION.test(values.region)) {
    problem('region', `an AWS region name such as ${context.region}`);
  } else if (values.region !== undefined && values.region !== context.region) {
    problem('region', `the project's region ${context.region} (AWS_REGION): SageMaker creates a model only from a model package of its own region`);
  }
  if (values.dataCaptureBucket !== undefined && !BUCKET.test(values.dataCaptureBucket)) {
    problem('dataCaptureBucket', 'an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)');
  }
  for (const field of Object.keys(ARN_RULES) as Array<keyof typeof ARN_RULES>) {
    const value = values[field];
    if (value === undefined) {
      continue;
    }
    const rule = ARN_RULES[field];
    const match = rule.pattern.exec(value);
    if (!match) {
      problem(field, rule.form);
      continue;
    }
    const [partition, region, account] = rule.hasRegion ? [match[1], match[2], match[3]] : [match[1], undefined, match[2]];
    if (partition !== context.partition) {
      problem(field, `in the project's partition '${context.partition}' (that of SAGEMAKER_PIPELINE_ROLE_ARN)`);
    } else if (accountOk && account !== values.account) {
      problem(field, `in the stage's account ${values.account} (${setting}.account)`);
    } else if (regionOk && region !== undefined && region !== values.region) {
      problem(field, `in the stage's region ${values.region} (${setting}.region)`);
    }
  }
  return problems.length === before ? values : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as it appears in a message: JSON, cut short when long. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
