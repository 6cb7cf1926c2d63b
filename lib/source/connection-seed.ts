import { Arn, ArnFormat, CfnWaitCondition, CfnWaitConditionHandle, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { lambdaEntry, SEED_SCRIPT_DIR } from '../paths';
import { bundledFunction } from '../private/bundled-function';
import { LogSettings, projectLogGroup } from '../private/log-settings';
import { flatten } from '../private/wildcard-acknowledgements';
import { ConfigError } from '../contract/errors';
import { ProjectNames } from '../contract/names';
import { SEED_EXCLUDES } from './seed-repository';


/** Construct id aws-cdk-lib gives the function shared by a stack's AwsCustomResources. */
const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';

/** How long stack creation waits for one repository's seeding before it fails. */
const SEED_TIMEOUT = Duration.minutes(30);

/**
 * How long the seeding script retries reading the repository: the job's connection grant is bound
 * to the job's build ARN, so CloudFormation creates it just after the build has started.
 */
const GRANT_WAIT = Duration.minutes(3);

/** The build statuses of a job that ended without success (CodeBuild's Build State Change event). */
const FAILED_BUILD_STATUSES = ['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'];

/** Properties of {@link SeedFailureReporter}. */
export interface SeedFailureReporterProps {
  /** The project's naming contract (the rule's name). */
  readonly names: ProjectNames;
  /** How the project keeps logs: the function's log group is created with them. */
  readonly logs: LogSettings;
}

/**
 * Fails a seeding's wait condition as soon as its job ends without success: an EventBridge rule on
 * the seeding jobs' Build State Change events (failed, fault, stopped, timed out) invokes a
 * function that signals the build's wait condition handle (from the build's environment) with the
 * build's own reason. A job that dies before its script runs (image pull, role, quota, timeout)
 * then fails the stack in seconds instead of after {@link SEED_TIMEOUT}. The function may only
 * write its logs.
 */
export class SeedFailureReporter extends Construct {
  /** The EventBridge rule. */
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SeedFailureReporterProps) {
    super(scope, id);
    const fn = bundledFunction(this, 'Function', {
      entry: lambdaEntry('seed-failure'),
      description: `Fails the repository seeding of SageMaker project ${props.names.projectName} with the reason of a failed seeding job`,
      timeout: Duration.seconds(30),
      retryAttempts: 2,
      logs: props.logs,
    });
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.names.seedRuleName,
      description: `Fails the stack of SageMaker project ${props.names.projectName} when a repository seeding job fails`,
      eventPattern: {
        source: ['aws.codebuild'],
        account: [Stack.of(this).account],
        detailType: ['CodeBuild Build State Change'],
        detail: { 'build-status': FAILED_BUILD_STATUSES },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 8, maxEventAge: Duration.hours(1) })],
    });
  }

  /** Reports the failures of `project`'s builds. */
  public watch(project: codebuild.IProject): void {
    this.rule.addEventPattern({ detail: { 'project-name': [project.projectName] } });
  }
}

/** Properties of {@link ConnectionSeed}. */
export interface ConnectionSeedProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** The project's KMS key (build logs and artifacts of the seeding job). */
  readonly key: kms.IKey;
  /** How the project keeps logs: the job's own log group is created with them. */
  readonly logs: LogSettings;
  /** Log group of the function that starts the job (aws-cdk-lib's one per stack for every AwsCustomResource). */
  readonly functionLogGroup: logs.ILogGroup;
  /** What fails the stack at once when the job ends without success (shared by a project's seeds). */
  readonly failureReporter: SeedFailureReporter;
  /** ARN of the CodeConnections connection. */
  readonly connectionArn: string;
  /** Full name of the repository (`owner/name`). */
  readonly repositoryFullName: string;
  /** The connection's git-http URL of the repository. */
  readonly gitHttpUrl: string;
  /** Branch to seed. */
  readonly branch: string;
  /** Folder whose files become the branch's first commit. */
  readonly seedDirectory: string;
  /** Short word for the repository in descriptions (`build`, `deploy`). */
  readonly side: string;
  /**
   * Name of the seeding job (CodeBuild project). A name of the project's naming contract keeps it
   * within the launch role's `sagemaker-*` projects when the project is a Studio template.
   * @default - a name CloudFormation generates
   */
  readonly jobName?: string;
  /**
   * Whether a repository that has other branches, but not `branch`, is seeded too.
   * @default false
   */
  readonly seedNonEmptyRepository?: boolean;
}

/**
 * Seeds one existing repository of the user's, once, on project creation: a CodeBuild job pushes
 * the seed folder to the branch through the connection's git-http endpoint (authorised by
 * `UseConnection`; no tokens, no secrets), only when that branch does not exist yet.
 *
 * The job's `UseConnection` grant holds only for requests of the one build that the stack starts
 * (`codebuild:buildArn`), for its repository and branch: once that build has ended, nothing can
 * write to the repository through the job (a later build, with or without overridden commands,
 * has another build ARN), and neither can anyone else during the seeding.
 *
 * Stack creation waits for the job through a wait condition that the job signals with its outcome
 * (the handle URL is a start override, not a project variable), so a failed seeding fails the
 * stack with the job's reason; a job that dies before its script runs fails it through the
 * {@link SeedFailureReporter}. Updates and deletion of the project never run the job again and
 * never touch the repository.
 */
export class ConnectionSeed extends Construct {
  /** Completes when the repository is seeded (or left alone on purpose). */
  public readonly done: IDependable;
  /** The seeding job. */
  public readonly project: codebuild.IProject;
  /** The connection's git-http URL of the repository. */
  public readonly gitHttpUrl: string;

  constructor(scope: Construct, id: string, props: ConnectionSeedProps) {
    super(scope, id);
    const { names } = props;
    this.gitHttpUrl = props.gitHttpUrl;
    const seed = new s3assets.Asset(this, 'Seed', { path: props.seedDirectory, exclude: [...SEED_EXCLUDES] });
    const script = new s3assets.Asset(this, 'Script', { path: SEED_SCRIPT_DIR });
    const handle = new CfnWaitConditionHandle(this, 'Handle');

    const project = new codebuild.Project(this, 'Job', {
      projectName: props.jobName,
      description: `Seeds ${props.repositoryFullName} (model ${props.side} code of SageMaker project ${names.projectName}) once`,
      source: codebuild.Source.s3({ bucket: seed.bucket, path: seed.s3ObjectKey }),
      secondarySources: [codebuild.Source.s3({ bucket: script.bucket, path: script.s3ObjectKey, identifier: 'script' })],
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      encryptionKey: props.key,
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'JobLogs', props.logs) } },
      timeout: Duration.minutes(15),
      environmentVariables: {
        REPOSITORY_URL: { value: props.gitHttpUrl },
        CONNECTION_REGION: { value: connectionRegion(props.connectionArn) },
        BRANCH: { value: props.branch },
        SEED_NON_EMPTY_REPOSITORY: { value: String(props.seedNonEmptyRepository ?? false) },
        SEED_COMMIT_MESSAGE: { value: `Seed code of SageMaker project ${names.projectName}` },
        SEED_READ_RETRY_SECONDS: { value: String(GRANT_WAIT.toSeconds()) },
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: [
              // The AWS CLI signs git's HTTPS requests with the job's role: the connection's
              // git-http endpoint authorises them with codeconnections:UseConnection. The helper
              // signs for a CodeCommit host's region, and for any other host for the CLI's region
              // (the build's): the endpoint is in the connection's region, which may be another.
              'git config --global credential.helper \'!aws --region "$CONNECTION_REGION" codecommit credential-helper $@\'',
              'git config --global credential.UseHttpPath true',
              'bash "$CODEBUILD_SRC_DIR_script/seed-branch.sh" "$REPOSITORY_URL" "$BRANCH" "$CODEBUILD_SRC_DIR"',
            ],
          },
        },
      }),
    });
    this.project = project;
    props.failureReporter.watch(project);
    // aws-cdk-lib's own grants to the job: its log group and report groups, and reading its two
    // asset objects (the seed folder and the script) with the read action groups of grantRead.
    const job = flatten(Stack.of(this).resolve(project.projectName));
    const region = '<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>';
    for (const [finding, reason] of [
      [`Resource::arn:${region}:log-group:/aws/codebuild/${job}:*`, "The seeding job's own log streams"],
      [`Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/${job}-*`, "The seeding job's own report groups"],
      ['Action::s3:GetBucket*', "Read actions of grantRead on the job's two asset objects only"],
      ['Action::s3:GetObject*', "Read actions of grantRead on the job's two asset objects only"],
      ['Action::s3:List*', "Read actions of grantRead on the job's two asset objects only"],
    ]) {
      Validations.of(project.role!).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }

    const start = new cr.AwsCustomResource(this, 'Start', {
      resourceType: 'Custom::SageMakerProjectRepositorySeed',
      // Create only: an update or deletion of the project never runs the job again.
      onCreate: {
        service: 'CodeBuild',
        action: 'startBuild',
        parameters: {
          projectName: project.projectName,
          // The handle URL only on the build, not in the project's configuration.
          environmentVariablesOverride: [{ name: 'WAIT_HANDLE_URL', value: handle.ref, type: 'PLAINTEXT' }],
        },
        // The build id: the job's connection grant names this build alone.
        physicalResourceId: cr.PhysicalResourceId.fromResponse('build.id'),
        outputPaths: ['build.id'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['codebuild:StartBuild'],
        resources: [project.projectArn],
      })]),
      installLatestAwsSdk: false,
      logGroup: props.functionLogGroup,
    });

    // aws-cdk-lib's singleton function behind every AwsCustomResource of the stack: its role gets
    // AWSLambdaBasicExecutionRole by default. A published template's launch role may not attach
    // managed policies (lib/studio/project-role-boundary.ts), and the function writes only to
    // `functionLogGroup`: an inline grant on that log group replaces the managed policy.
    const singleton = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON) as lambda.SingletonFunction | lambda.Function | undefined;
    const singletonRole = singleton?.node.tryFindChild('ServiceRole') as iam.Role | undefined;
    if (singletonRole) {
      (singletonRole.node.defaultChild as iam.CfnRole).managedPolicyArns = undefined;
      props.functionLogGroup.grantWrite(singletonRole);
    }

    // UseConnection for the started build only (its ARN from the build id the start returned):
    // created once the build has started, so the script retries its first read for a while.
    const buildId = (start.node.findChild('Resource') as CustomResource).ref;
    const buildArn = Stack.of(this).formatArn({ service: 'codebuild', resource: 'build', resourceName: buildId });
    const grant = new iam.Policy(this, 'ConnectionGrant', {
      statements: useConnectionStatements(props.connectionArn, props.repositoryFullName, { branch: props.branch, buildArn }),
    });
    grant.attachToRole(project.role!);

    const done = new CfnWaitCondition(this, 'Done', {
      handle: handle.ref,
      count: 1,
      timeout: String(SEED_TIMEOUT.toSeconds()),
    });
    // The job signals the handle; the wait starts once the job has been started and granted.
    done.node.addDependency(start, grant);
    this.done = done;
  }
}

/** The two service prefixes a connection is authorised under (CodeConnections, formerly CodeStar Connections). */
export const CONNECTION_SERVICE_PREFIXES = ['codeconnections', 'codestar-connections'] as const;

/**
 * A connection's ARN in both forms, `arn:<partition>:codeconnections:...:connection/<id>` and
 * `arn:<partition>:codestar-connections:...`, from either form. The ARN may be a token (a template
 * parameter): CloudFormation then splits it (`Fn::Split` / `Fn::Select`). Both forms name the same
 * connection, and a request may carry either, so a statement scoped to one connection lists both.
 */
export function connectionArnForms(connectionArn: string): string[] {
  const arn = Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME);
  return CONNECTION_SERVICE_PREFIXES.map((service) => `arn:${arn.partition}:${service}:${arn.region}:${arn.account}:connection/${arn.resourceName}`);
}

/** Further limits of {@link useConnectionStatements}. */
export interface UseConnectionLimits {
  /** The one branch the caller works on (`BranchName`, where the request names a branch). */
  readonly branch?: string;
  /** Whether the caller only reads (`ProviderPermissionsRequired` `read_only`, where the request says). */
  readonly readOnly?: boolean;
  /** The one CodeBuild build whose requests may use the connection (`codebuild:buildArn`). */
  readonly buildArn?: string;
}

/**
 * `UseConnection` on one connection (both ARN forms) for one repository, under both service
 * prefixes: a connection is authorised under either depending on its ARN form and the caller. One
 * statement per prefix, as a request carries only its own prefix's condition keys; `IfExists`
 * because not every caller of the connection sets the repository, branch and permission keys.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/permissions-conditionkeys-variables.html
 */
export function useConnectionStatements(connectionArn: string, repositoryFullName: string, limits: UseConnectionLimits = {}): iam.PolicyStatement[] {
  return CONNECTION_SERVICE_PREFIXES.map((prefix) => new iam.PolicyStatement({
    actions: [`${prefix}:UseConnection`],
    resources: connectionArnForms(connectionArn),
    conditions: {
      StringEqualsIfExists: {
        [`${prefix}:FullRepositoryId`]: repositoryFullName,
        ...(limits.branch !== undefined ? { [`${prefix}:BranchName`]: limits.branch } : {}),
        ...(limits.readOnly ? { [`${prefix}:ProviderPermissionsRequired`]: 'read_only' } : {}),
      },
      ...(limits.buildArn !== undefined ? { ArnEquals: { 'codebuild:buildArn': limits.buildArn } } : {}),
    },
  }));
}

/** The region of a connection's ARN (a token when the ARN is one): where its git-http endpoint is. */
export function connectionRegion(connectionArn: string): string {
  const region = Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME).region;
  if (!region) throw new ConfigError(`\`connectionArn\` must name the connection's region; got '${connectionArn}'`);
  return region;
}
