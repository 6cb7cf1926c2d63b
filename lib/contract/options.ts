
/** The providers a project's code can live in (the `sourceProvider` setting). */
export type SourceProviderName = 'codecommit' | 'codeconnections';

/** Every {@link SourceProviderName}, in the order messages list them. */
export const SOURCE_PROVIDERS: readonly SourceProviderName[] = ['codecommit', 'codeconnections'];

/** Default project name of the demo project. */
export const DEFAULT_PROJECT_NAME = 'mlops-demo';

/**
 * The settings of one SageMaker project besides its name and id: what `cdk.json` / `-c` configure
 * and what the Service Catalog product bakes into its template.
 *
 * `bin/app.ts` parses them once ({@link ProjectSettings}, every value filled in) and both the
 * `cdk deploy` stack and the Service Catalog product forward the whole object to the
 * `SageMakerProject` construct, so a new setting reaches every path or does not compile.
 */
export interface ProjectOptions {
  /**
   * Branch of both repositories that triggers the pipelines.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Whether promotion from staging to production waits for a person.
   * @default true
   */
  readonly manualApproval?: boolean;
  /**
   * Whether the artifact bucket, KMS key, model package group, repositories and image repository
   * survive deletion of the project. When false they are deleted with it (the bucket and the image
   * repository emptied first).
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * Whether deleting the project also deletes its endpoint stacks and SageMaker pipeline.
   * @default true
   */
  readonly teardown?: boolean;
  /**
   * Extra tags for every taggable resource (besides `sagemaker:project-name` / `-id`).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Whether a model package the SageMaker pipeline registers as `Approved` (its
   * `ModelApprovalStatus` parameter) is deployed. Off, only approvals made by someone other than
   * the pipeline's role deploy: a commit to the build repository cannot skip the review.
   * @default false
   */
  readonly autoApproveModels?: boolean;
  /**
   * Extra S3 locations the SageMaker pipeline may read input data from, each `bucket` or
   * `bucket/prefix` (read-only; the project bucket and the public sample data are always readable).
   * @default - none
   */
  readonly dataLocations?: readonly string[];
  /**
   * Days the project keeps the logs of its functions and builds (log groups it creates, all
   * encrypted with the project key); one of the values CloudWatch Logs accepts.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Where the code lives: CodeCommit repositories the project creates and seeds, or existing
   * repositories of another Git provider (GitHub, GitHub Enterprise Server, GitLab, Bitbucket)
   * through a CodeConnections connection, seeded once (see docs/git-providers.md).
   * @default 'codecommit'
   */
  readonly sourceProvider?: SourceProviderName;
  /**
   * ARN of the CodeConnections connection (`arn:<partition>:codeconnections:...:connection/<id>`
   * or the older `codestar-connections` form). Required with `sourceProvider: 'codeconnections'`.
   * @default - none
   */
  readonly connectionArn?: string;
  /**
   * Full name of the existing model build repository (`owner/name`, GitLab `group/subgroup/name`).
   * Required with `sourceProvider: 'codeconnections'`.
   * @default - none
   */
  readonly buildRepository?: string;
  /**
   * Full name of the existing model deploy repository. Required with `sourceProvider: 'codeconnections'`.
   * @default - none
   */
  readonly deployRepository?: string;
  /**
   * E-mail address subscribed to the project's alarm topic, which the endpoint alarms (5XX errors,
   * model latency) notify when they fire and when they recover. SNS sends the address a
   * confirmation message first; nothing is delivered until it is confirmed. One address: for
   * several people, use a distribution list (or subscribe them to the topic yourself).
   * @default - no subscription (the topic exists and the alarms notify it all the same)
   */
  readonly alarmEmail?: string;
}

/**
 * What the platform team that publishes a CodeConnections Studio template (S3 template or Service
 * Catalog product) lets Studio users choose: the template's parameters refuse anything else
 * (CloudFormation checks them before it creates a resource). Settings of the template, not of a
 * project: `cdk deploy` of a project stack ignores them.
 */
export interface ConnectionTemplateConstraints {
  /**
   * The connection ARNs a project may use (the `allowedConnectionArns` setting): the template's
   * `CodeConnectionArn` parameter takes exactly these values. A connection has two ARN forms
   * (`codeconnections` and `codestar-connections`): list the one your users see.
   * @default - any connection of the project's account and region
   */
  readonly allowedConnectionArns?: readonly string[];
  /**
   * Owner (GitHub, Bitbucket) or group (GitLab, `group` or `group/subgroup`) every repository of a
   * project must be under (the `repositoryOwner` setting): both repository parameters accept only
   * `<repositoryOwner>/<name>` (GitLab: also deeper subgroups), the owner in any letter case.
   * @default - any owner
   */
  readonly repositoryOwner?: string;
}

/** The settings of {@link ConnectionTemplateConstraints}, as the context keys that set them. */
export const CONNECTION_TEMPLATE_CONSTRAINT_KEYS = ['allowedConnectionArns', 'repositoryOwner'] as const;

/** The settings of {@link ProjectOptions} that have no default (only a connection needs them). */
export type ConnectionSettingKey = 'connectionArn' | 'buildRepository' | 'deployRepository';

/** The settings of {@link ProjectOptions} that choose the source provider and configure it. */
export type SourceSettingKey = 'sourceProvider' | ConnectionSettingKey;

/** The settings of {@link ProjectOptions} that stay unset unless given. */
export type UnsetByDefaultKey = ConnectionSettingKey | 'alarmEmail';

/** {@link ProjectOptions} with every default applied, as the configuration parser returns them. */
export type ProjectSettings = Required<Omit<ProjectOptions, UnsetByDefaultKey>> & Pick<ProjectOptions, UnsetByDefaultKey>;

/** The defaults of {@link ProjectOptions}. */
export const DEFAULT_PROJECT_SETTINGS: ProjectSettings = {
  branch: 'main',
  manualApproval: true,
  retainData: true,
  teardown: true,
  tags: {},
  autoApproveModels: false,
  dataLocations: [],
  logRetentionDays: 365,
  sourceProvider: 'codecommit',
};

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
