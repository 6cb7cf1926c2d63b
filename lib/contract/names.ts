import { Aws, Fn, Stack, Token } from 'aws-cdk-lib/core';
import { IConstruct } from 'constructs';
import { ConfigError } from './errors';

/** Stages the deploy pipeline deploys to, in order. */
export const DEPLOYMENT_STAGES = ['staging', 'prod'] as const;
/** A deployment stage. */
export type DeploymentStage = (typeof DEPLOYMENT_STAGES)[number];

/**
 * The roles of a project a target account holds per stage (multi-account deployment, made by
 * `TargetAccountResources`): the stage's model role (which a batch stage's transforms run as too),
 * (staging) the role the smoke test assumes, and the role EventBridge Scheduler starts a batch
 * stage's runs with.
 */
export const TARGET_ROLE_KINDS = ['model', 'smoke-test', 'batch-schedule'] as const;
/** One of {@link TARGET_ROLE_KINDS}. */
export type TargetRoleKind = (typeof TARGET_ROLE_KINDS)[number];

/**
 * IAM path of every role of a published project template (Service Catalog product or S3
 * template). The launch role creates, changes and passes roles under this path only; a target
 * account's set-up trusts the deploy pipeline roles of both `cdk deploy` projects (path `/`) and
 * of projects created from a published template (this path).
 */
export const PROJECT_ROLE_PATH = '/sagemaker-mlops-project/';

/** Length of the project ids SageMaker Studio generates and this app derives: `p-` and 12 characters. */
export const GENERATED_PROJECT_ID_LENGTH = 14;

/**
 * A project id that CloudFormation derives from the stack's own id when the stack is created:
 * `p-` and 12 hex digits of the stack's UUID (its first and fourth groups, which differ between
 * stacks whether the UUID is random or time-based). Unique per stack, in any account and region,
 * and fixed for the life of the stack: updates keep the stack id, so no name ever changes; a stack
 * deleted and created again gets a new id, and so never collides with buckets it retained.
 *
 * Resolves at deploy time, so `cdk synth` needs no credentials and gives the same template in
 * every account.
 */
export function stackDerivedProjectId(): string {
  const uuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('', ['p-', Fn.select(0, Fn.split('-', uuid)), Fn.select(3, Fn.split('-', uuid))]);
}

/** One name of the naming contract with the limit AWS sets for it. */
export interface NameLimit {
  /** What the name is, for messages. */
  readonly what: string;
  /** The name, from the contract. */
  readonly name: (names: ProjectNames) => string;
  /** The longest name AWS accepts. */
  readonly max: number;
  /** Whether AWS makes the name unique across all accounts (S3 buckets). */
  readonly global?: boolean;
}

/**
 * Every composed name with its AWS limit: the single list that the configuration parser, the
 * construct and the Service Catalog parameter constraints check against. A name added to
 * {@link ProjectNames} belongs here too (a test checks that every name is listed).
 */
export const NAME_LIMITS: readonly NameLimit[] = [
  { what: 'SageMaker pipeline name', name: (n) => n.pipelineName, max: 256 },
  { what: 'model package group name', name: (n) => n.modelPackageGroupName, max: 63 },
  { what: 'S3 bucket name', name: (n) => n.artifactBucketName, max: 63, global: true },
  { what: 'S3 bucket name', name: (n) => n.accessLogsBucketName, max: 63, global: true },
  { what: 'CodeCommit repository name', name: (n) => n.modelBuildName, max: 100 },
  { what: 'CodeCommit repository name', name: (n) => n.modelDeployName, max: 100 },
  { what: 'CodeBuild project and CodePipeline name', name: (n) => n.modelDeployName, max: 100 },
  { what: 'CodeBuild project name', name: (n) => n.testingName, max: 255 },
  { what: 'CodeBuild project name', name: (n) => n.verifyReleaseName, max: 255 },
  { what: 'CodeBuild project name', name: (n) => n.imageBuildName, max: 255 },
  { what: 'CodeBuild project name', name: (n) => n.modelBuildSeedName, max: 255 },
  { what: 'CodeBuild project name', name: (n) => n.modelDeploySeedName, max: 255 },
  { what: 'EventBridge rule name', name: (n) => n.buildRuleName, max: 64 },
  { what: 'EventBridge rule name', name: (n) => n.codeRuleName, max: 64 },
  { what: 'EventBridge rule name', name: (n) => n.modelRuleName, max: 64 },
  { what: 'EventBridge rule name', name: (n) => n.seedRuleName, max: 64 },
  { what: 'CloudFormation stack name', name: (n) => n.deployStackName('staging'), max: 128 },
  { what: 'CloudFormation stack name', name: (n) => n.deployStackName('prod'), max: 128 },
  { what: 'endpoint name', name: (n) => n.endpointName('staging'), max: 63 },
  { what: 'endpoint name', name: (n) => n.endpointName('prod'), max: 63 },
  { what: 'SNS topic name', name: (n) => n.alarmTopicName, max: 256 },
  { what: 'ECR repository name', name: (n) => n.imageRepositoryName, max: 256 },
  // Multi-account names: composed from the id alone, so within their limits for every valid id.
  { what: 'S3 bucket name', name: (n) => n.pipelineArtifactsBucketName, max: 63, global: true },
  { what: 'S3 bucket name', name: (n) => n.buildPipelineArtifactsBucketName, max: 63, global: true },
  { what: 'IAM role name', name: (n) => n.deployPipelineRoleName, max: 64 },
  { what: 'IAM role name', name: (n) => n.smokeTestBuildRoleName, max: 64 },
  { what: 'IAM role name', name: (n) => n.teardownRoleName, max: 64 },
  { what: 'KMS alias name', name: (n) => n.targetKeyAliasName, max: 256 },
  { what: 'SNS topic name', name: (n) => n.targetAlarmTopicName, max: 256 },
  ...DEPLOYMENT_STAGES.flatMap((stage) => TARGET_ROLE_KINDS.map((kind): NameLimit => (
    { what: 'IAM role name', name: (n) => n.targetRoleName(stage, kind), max: 64 }))),
];

/**
 * The naming contract of a SageMaker project: the names SageMaker Studio and users' scripts
 * rely on, composed from project name and id. Works with resolved strings and with tokens
 * (CloudFormation parameters, when the project is a Service Catalog product).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-sm.html
 */
export class ProjectNames {
  /** SageMaker pipeline name = model package group name = job name prefix: `<name>-<id>`. */
  public readonly pipelineName: string;
  /** Model package group `<name>-<id>`. */
  public readonly modelPackageGroupName: string;
  /** Artifact bucket `sagemaker-project-<id>`. */
  public readonly artifactBucketName: string;
  /** Server access log bucket for the artifact bucket. */
  public readonly accessLogsBucketName: string;
  /** CodeCommit repository, CodeBuild project and CodePipeline of model building. */
  public readonly modelBuildName: string;
  /** CodeCommit repository, CodeBuild project and CodePipeline of model deployment. */
  public readonly modelDeployName: string;
  /** CodeBuild project that tests the staging endpoint. */
  public readonly testingName: string;
  /** CodeBuild project that checks the deploy build's templates against their digest before staging and prod. */
  public readonly verifyReleaseName: string;
  /** CodeBuild project that builds and pushes the project's container images. */
  public readonly imageBuildName: string;
  /** CodeBuild project that seeds the build repository through a connection (CodeConnections source). */
  public readonly modelBuildSeedName: string;
  /** CodeBuild project that seeds the deploy repository through a connection (CodeConnections source). */
  public readonly modelDeploySeedName: string;
  /** EventBridge rule: commit to the build repository. */
  public readonly buildRuleName: string;
  /** EventBridge rule: commit to the deploy repository. */
  public readonly codeRuleName: string;
  /** EventBridge rule: model package approval state change. */
  public readonly modelRuleName: string;
  /** EventBridge rule: a seeding job that ended without success (CodeConnections source). */
  public readonly seedRuleName: string;
  /** Multi-account: the deploy CodePipeline's artifact bucket, named so that target accounts' roles can be granted it. */
  public readonly pipelineArtifactsBucketName: string;
  /** The build CodePipeline's artifact bucket (its own, apart from the deploy pipeline's). */
  public readonly buildPipelineArtifactsBucketName: string;
  /** Multi-account: the deploy CodePipeline's role, named so that target accounts' roles can trust it. */
  public readonly deployPipelineRoleName: string;
  /** Multi-account: the smoke-test CodeBuild project's role, named so that the staging account's role can trust it. */
  public readonly smokeTestBuildRoleName: string;
  /**
   * Multi-account: the teardown functions' role, named so that the target accounts' set-up can trust
   * exactly the project teardowns (`sagemaker-<id>-teardown`, whose `sagemaker:project-id` tag it
   * must carry).
   */
  public readonly teardownRoleName: string;
  /** Multi-account: alias of a target account's KMS key (data capture, endpoint volumes, alarm topic). */
  public readonly targetKeyAliasName: string;
  /** Multi-account: a target account's SNS topic for the endpoint alarms. */
  public readonly targetAlarmTopicName: string;
  /** SNS topic the endpoint alarms notify. */
  public readonly alarmTopicName: string;
  /**
   * ECR repository of the project's own images, `sagemaker-project-<id>`: lowercase as ECR requires
   * (project ids are), unique per account and region like the id, and fixed, so that a target
   * account's roles can be granted it by name.
   */
  public readonly imageRepositoryName: string;

  constructor(public readonly projectName: string, public readonly projectId: string) {
    const prefix = `sagemaker-${projectName}-${projectId}`;
    this.pipelineName = `${projectName}-${projectId}`;
    this.modelPackageGroupName = this.pipelineName;
    this.artifactBucketName = `sagemaker-project-${projectId}`;
    this.accessLogsBucketName = `sagemaker-project-${projectId}-access-logs`;
    this.modelBuildName = `${prefix}-modelbuild`;
    this.modelDeployName = `${prefix}-modeldeploy`;
    this.testingName = `${prefix}-testing`;
    this.verifyReleaseName = `${prefix}-verify-release`;
    this.imageBuildName = `${prefix}-images`;
    this.modelBuildSeedName = `${prefix}-modelbuild-seed`;
    this.modelDeploySeedName = `${prefix}-modeldeploy-seed`;
    this.buildRuleName = `${prefix}-build`;
    this.codeRuleName = `${prefix}-code`;
    this.modelRuleName = `${prefix}-model`;
    this.seedRuleName = `${prefix}-seeds`;
    this.alarmTopicName = `${prefix}-alarms`;
    this.imageRepositoryName = `sagemaker-project-${projectId}`;
    this.pipelineArtifactsBucketName = `sagemaker-project-${projectId}-pipeline-artifacts`;
    this.buildPipelineArtifactsBucketName = `sagemaker-project-${projectId}-build-artifacts`;
    this.deployPipelineRoleName = `sagemaker-${projectId}-deploy-pipeline`;
    this.smokeTestBuildRoleName = `sagemaker-${projectId}-smoke-test-build`;
    this.teardownRoleName = `sagemaker-${projectId}-teardown`;
    this.targetKeyAliasName = `alias/sagemaker-project-${projectId}-endpoints`;
    this.targetAlarmTopicName = `sagemaker-${projectId}-endpoint-alarms`;
  }

  /**
   * Multi-account: a role of a stage's target account, `sagemaker-<id>-<stage>-<kind>`. Fixed, so
   * that the project stack can name it before the target account's stack exists.
   */
  public targetRoleName(stage: DeploymentStage, kind: TargetRoleKind): string {
    return `sagemaker-${this.projectId}-${stage}-${kind}`;
  }

  /** Multi-account: the stack of a target account, `sagemaker-<name>-<id>-target-<account>` (at most 79 characters). */
  public targetStackName(account: string): string {
    return `sagemaker-${this.projectName}-${this.projectId}-target-${account}`;
  }

  /** Multi-account: a target account's data capture bucket, `sagemaker-project-<id>-capture-<account>` (at most 55 characters). */
  public dataCaptureBucketName(account: string): string {
    return `sagemaker-project-${this.projectId}-capture-${account}`;
  }

  /** Multi-account: the bucket of the data capture bucket's access logs, `sagemaker-project-<id>-capture-<account>-logs` (at most 60 characters). */
  public dataCaptureLogsBucketName(account: string): string {
    return `${this.dataCaptureBucketName(account)}-logs`;
  }

  /** CloudFormation stack of an endpoint stage: `sagemaker-<name>-<id>-deploy-<stage>`. */
  public deployStackName(stage: DeploymentStage): string {
    return `sagemaker-${this.projectName}-${this.projectId}-deploy-${stage}`;
  }

  /** Endpoint of a stage: `<name>-<stage>`. */
  public endpointName(stage: DeploymentStage): string {
    return `${this.projectName}-${stage}`;
  }

  /**
   * Inference component of a stage that scales to zero (the deploy seed's
   * `"autoscaling": {"minCapacity": 0}`): `<name>-<stage>-model`.
   */
  public inferenceComponentName(stage: DeploymentStage): string {
    return `${this.endpointName(stage)}-model`;
  }

  /**
   * The `<name>-<id>` part of SageMaker resource ARNs, for IAM resource patterns.
   *
   * SageMaker lower-cases resource names in ARNs, while project names may hold capitals; IAM
   * matches ARNs case-sensitively. With a resolved name we lower-case it; with a token (a
   * CloudFormation parameter, which has no lower-case function) we match `*-<id>`: project ids
   * are lower-case and unique per account, so the scope stays this project.
   */
  public get pipelineNameInArn(): string {
    if (Token.isUnresolved(this.projectName)) return `*-${this.projectId}`;
    return `${this.projectName.toLowerCase()}-${this.projectId}`;
  }

  /**
   * The names that break an AWS length limit, as messages. A token project id counts with the
   * length of generated ids; a token project name is checked by its CloudFormation parameter.
   */
  public lengthViolations(limits: readonly NameLimit[] = NAME_LIMITS): string[] {
    if (Token.isUnresolved(this.projectName)) return [];
    const id = Token.isUnresolved(this.projectId) ? 'p-' + 'x'.repeat(GENERATED_PROJECT_ID_LENGTH - 2) : this.projectId;
    const probe = new ProjectNames(this.projectName, id);
    return limits.flatMap((limit) => {
      const name = limit.name(probe);
      return name.length > limit.max
        ? [`the ${limit.what} '${name}' has ${name.length} characters; AWS allows at most ${limit.max}`]
        : [];
    });
  }

  /** Endpoint name of a stage as it appears in ARNs (see `pipelineNameInArn`). */
  public endpointNameInArn(stage: DeploymentStage): string {
    if (Token.isUnresolved(this.projectName)) return `*-${stage}`;
    return `${this.projectName.toLowerCase()}-${stage}`;
  }

  /** Inference component name of a stage as it appears in SageMaker ARNs (see `pipelineNameInArn`). */
  public inferenceComponentNameInArn(stage: DeploymentStage): string {
    return `${this.endpointNameInArn(stage)}-model`;
  }
}

/** Names claimed by the projects of each app: name key -> path of the project that holds it. */
const CLAIMS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records the names of a project in its app, and refuses a second project of the same app that
 * would compose the same name: the same S3 bucket name anywhere (AWS makes bucket names global),
 * or the same account-scoped name (pipeline, model package group, endpoints, rules) in the same
 * account and region. Token names are unique per stack at deploy time and are not compared.
 */
export function claimNames(project: IConstruct & { readonly names: ProjectNames }): void {
  const stack = Stack.of(project);
  const env = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
    ? 'an unspecified account and region'
    : `account ${stack.account} in ${stack.region}`;
  const root = project.node.root;
  const claims = CLAIMS.get(root) ?? new Map<string, string>();
  CLAIMS.set(root, claims);
  const mine = new Map<string, string>();
  for (const limit of NAME_LIMITS) {
    const name = limit.name(project.names);
    if (Token.isUnresolved(name)) continue;
    const key = limit.global ? `the ${limit.what} '${name}'` : `the ${limit.what} '${name}' in ${env}`;
    const holder = claims.get(key);
    if (holder !== undefined && holder !== project.node.path) {
      throw new ConfigError(
        `projects '${holder}' and '${project.node.path}' would both use ${key}: `
          + 'give them different `projectName`s, different `projectId`s, or different accounts',
      );
    }
    mine.set(key, project.node.path);
  }
  for (const [key, path] of mine) claims.set(key, path);
}

/**
 * The CloudFormation stack of a project: `sagemaker-<name>`, or `sagemaker-<name>-<id>` when the
 * id is configured. The stack's id then derives the project id, so the stack name must not
 * depend on it; SageMaker project names are unique per account and region, and so is this.
 */
export function projectStackName(config: { readonly projectName: string; readonly projectId?: string }): string {
  return config.projectId === undefined ? `sagemaker-${config.projectName}` : `sagemaker-${config.projectName}-${config.projectId}`;
}
