import { Arn, ArnFormat } from 'aws-cdk-lib/core';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { ConnectionSeed, SeedFailureReporter, useConnectionStatements } from './connection-seed';
import { LogSettings, projectLogGroup } from '../private/log-settings';
import { ProjectNames } from '../contract/names';
import type { ConnectionSettingKey, ProjectSettings, SourceProviderName } from '../contract/options';
import { SeedRepository } from './seed-repository';
import { ConfigError } from '../contract/errors';
import { checkSourceSettings } from '../contract/rules';

/** Options of {@link IProjectRepository.triggerOnCommit}. */
export interface CommitTriggerOptions {
  /** The pipeline to start. */
  readonly pipeline: codepipeline.Pipeline;
  /** The pipeline's name, as configured (for descriptions). */
  readonly pipelineName: string;
  /** The pipeline's source action (from {@link IProjectRepository.sourceAction}). */
  readonly sourceAction: codepipeline.IAction;
  /** Branch whose commits start the pipeline. */
  readonly branch: string;
  /** Name of the EventBridge rule, where the provider uses one. */
  readonly ruleName: string;
  /** Role EventBridge starts pipelines with, where the provider uses EventBridge. */
  readonly eventsRole: iam.IRole;
  /**
   * File paths whose changes alone do not start the pipeline (glob patterns), where the provider
   * can filter on paths.
   * @default - every commit starts the pipeline
   */
  readonly ignoredPaths?: string[];
}

/**
 * One of a project's two repositories as its pipeline sees it: where the source action reads and
 * what starts the pipeline on a commit. The pipelines know nothing else about the provider.
 */
export interface IProjectRepository {
  /** Repository name (CodeCommit) or full name `owner/name` (other providers). */
  readonly repositoryName: string;
  /** URL Studio clones (`AWS::SageMaker::CodeRepository`). */
  readonly cloneUrl: string;
  /** What must exist before the pipeline first runs (the seeded first commit). */
  readonly seeded: IDependable;
  /**
   * The stack outputs that tell people where the repository is, by id suffix (the project
   * prefixes `ModelBuild` / `ModelDeploy`). `what` names the repository, `purpose` says what to
   * change there.
   */
  outputs(what: string, purpose: string): Record<string, RepositoryOutput>;
  /** The source action of a pipeline reading `branch` into `output`. */
  sourceAction(actionName: string, branch: string, output: codepipeline.Artifact): codepipeline.IAction;
  /** Makes a commit to `branch` start the pipeline. `scope` owns anything this creates. */
  triggerOnCommit(scope: Construct, options: CommitTriggerOptions): void;
}

/** One stack output of a repository. */
export interface RepositoryOutput {
  readonly value: string;
  readonly description: string;
}

/** What a project asks of its source: one repository per side, seeded with that side's code. */
export interface SourceBindOptions {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** Branch the first commits are made on and the pipelines follow. */
  readonly branch: string;
  /** Folders of the build and deploy seed code. */
  readonly seedDirectories: { readonly build: string; readonly deploy: string };
  /** Whether stack-created repositories survive deletion of the project. */
  readonly retain: boolean;
  /** The project's KMS key. */
  readonly key: kms.IKey;
  /** How the project keeps the logs of the jobs and functions a provider adds (seeding). */
  readonly logs: LogSettings;
}

/** The two repositories of a project. */
export interface ProjectRepositories {
  /** The model build repository. */
  readonly build: IProjectRepository;
  /** The model deploy repository. */
  readonly deploy: IProjectRepository;
}

/** Options of {@link SourceProvider.connection}. */
export interface ConnectionSourceOptions {
  /**
   * ARN of an available CodeConnections connection (either form:
   * `arn:aws:codeconnections:...:connection/<id>` or `arn:aws:codestar-connections:...`).
   */
  readonly connectionArn: string;
  /** Full name (`owner/name`, GitLab `group/subgroup/name`) of the existing model build repository. */
  readonly buildRepository: string;
  /** Full name of the existing model deploy repository. */
  readonly deployRepository: string;
}

/**
 * Where a project's code lives: CodeCommit repositories the stack creates and seeds (the
 * default), or a user's GitHub, GitHub Enterprise Server, GitLab or Bitbucket repositories
 * reached through a CodeConnections connection and seeded once through it.
 *
 * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/welcome-connections.html
 */
export abstract class SourceProvider {
  /** CodeCommit repositories `sagemaker-<name>-<id>-model{build,deploy}`, created and seeded by the stack. */
  public static codeCommit(): SourceProvider {
    return new CodeCommitSource();
  }

  /** Existing repositories of another Git provider, through a CodeConnections connection. */
  public static connection(options: ConnectionSourceOptions): SourceProvider {
    checkSourceSettings({ sourceProvider: 'codeconnections', ...options });
    return new ConnectionSource(options);
  }

  /** The provider, as the `sourceProvider` setting names it. */
  public abstract readonly name: SourceProviderName;

  /** The provider the settings choose (checked by `checkSourceSettings`). */
  public static fromSettings(settings: Pick<ProjectSettings, 'sourceProvider' | ConnectionSettingKey>): SourceProvider {
    if (settings.sourceProvider === 'codecommit') return SourceProvider.codeCommit();
    const { connectionArn, buildRepository, deployRepository } = settings;
    if (connectionArn === undefined || buildRepository === undefined || deployRepository === undefined) {
      throw new ConfigError("`sourceProvider=codeconnections` needs `connectionArn`, `buildRepository` and `deployRepository`");
    }
    return SourceProvider.connection({ connectionArn, buildRepository, deployRepository });
  }

  /** Creates (or refers to) and seeds the project's two repositories under `scope`. */
  public abstract bind(scope: Construct, options: SourceBindOptions): ProjectRepositories;
}

class CodeCommitSource extends SourceProvider {
  public readonly name = 'codecommit';

  public bind(scope: Construct, options: SourceBindOptions): ProjectRepositories {
    const { names, branch, retain } = options;
    // Construct ids as before providers existed: renaming them would replace the repositories.
    const repository = (id: string, repositoryName: string, what: string, seedDirectory: string) => {
      const seeded = new SeedRepository(scope, id, {
        repositoryName,
        description: `Model ${what} code of SageMaker project ${names.projectName}`,
        seedDirectory,
        branch,
        retain,
      });
      return new CodeCommitProjectRepository(seeded);
    };
    return {
      build: repository('ModelBuildRepository', names.modelBuildName, 'building', options.seedDirectories.build),
      deploy: repository('ModelDeployRepository', names.modelDeployName, 'deployment', options.seedDirectories.deploy),
    };
  }
}

class CodeCommitProjectRepository implements IProjectRepository {
  public readonly repositoryName: string;
  public readonly cloneUrl: string;
  public readonly seeded: IDependable;

  constructor(private readonly seed: SeedRepository) {
    this.repositoryName = seed.repository.repositoryName;
    this.cloneUrl = seed.repository.repositoryCloneUrlHttp;
    // CloudFormation creates the repository with its first commit; the pipeline refers to it.
    this.seeded = new DependencyGroup();
  }

  public outputs(what: string, purpose: string): Record<string, RepositoryOutput> {
    return {
      RepositoryCloneUrlHttp: { value: this.cloneUrl, description: `git clone URL (HTTPS) of the ${what}: ${purpose}` },
      RepositoryCloneUrlGrc: {
        value: this.seed.repository.repositoryCloneUrlGrc,
        description: `git clone URL (git-remote-codecommit) of the ${what}`,
      },
    };
  }

  public sourceAction(actionName: string, branch: string, output: codepipeline.Artifact): codepipeline.IAction {
    return new actions.CodeCommitSourceAction({
      actionName,
      repository: this.seed.repository,
      branch,
      output,
      // The named EventBridge rule of triggerOnCommit starts the pipeline; no second, generated rule.
      trigger: actions.CodeCommitTrigger.NONE,
    });
  }

  public triggerOnCommit(_scope: Construct, options: CommitTriggerOptions): void {
    // The rule stays a child of the repository, where it always was (its logical id depends on it).
    this.seed.repository.onCommit('CommitRule', {
      ruleName: options.ruleName,
      description: `Runs ${options.pipelineName} on every commit to ${options.branch}`,
      branches: [options.branch],
      target: new targets.CodePipeline(options.pipeline, { eventRole: options.eventsRole }),
    });
  }
}

class ConnectionSource extends SourceProvider {
  public readonly name = 'codeconnections';

  constructor(private readonly options: ConnectionSourceOptions) {
    super();
  }

  public bind(scope: Construct, options: SourceBindOptions): ProjectRepositories {
    const { names, branch, key, logs } = options;
    // The function aws-cdk-lib shares between a stack's AwsCustomResources starts both seeding jobs.
    const functionLogGroup = projectLogGroup(scope, 'RepositorySeedFunctionLogs', logs);
    const failureReporter = new SeedFailureReporter(scope, 'RepositorySeedFailures', { names, logs });
    const repository = (id: string, fullName: string, side: string, seedDirectory: string, jobName: string) => {
      const seed = new ConnectionSeed(scope, id, {
        names,
        key,
        logs,
        functionLogGroup,
        failureReporter,
        side,
        jobName,
        connectionArn: this.options.connectionArn,
        repositoryFullName: fullName,
        gitHttpUrl: gitHttpUrl(this.options.connectionArn, fullName),
        branch,
        seedDirectory,
      });
      return new ConnectionProjectRepository(this.options.connectionArn, fullName, seed);
    };
    return {
      build: repository('ModelBuildSeed', this.options.buildRepository, 'build', options.seedDirectories.build, names.modelBuildSeedName),
      deploy: repository('ModelDeploySeed', this.options.deployRepository, 'deploy', options.seedDirectories.deploy, names.modelDeploySeedName),
    };
  }
}

class ConnectionProjectRepository implements IProjectRepository {
  public readonly seeded: IDependable;
  public readonly cloneUrl: string;

  constructor(
    private readonly connectionArn: string,
    public readonly repositoryName: string,
    seed: ConnectionSeed,
  ) {
    this.cloneUrl = seed.gitHttpUrl;
    this.seeded = seed.done;
  }

  public outputs(what: string, purpose: string): Record<string, RepositoryOutput> {
    return {
      RepositoryFullName: { value: this.repositoryName, description: `Full name of the ${what} at its Git provider: ${purpose}` },
      RepositoryUrl: {
        value: this.cloneUrl,
        description: `URL of the ${what} through the CodeConnections connection (Studio and the seeding job use it)`,
      },
    };
  }

  public sourceAction(actionName: string, branch: string, output: codepipeline.Artifact): codepipeline.IAction {
    return new FullRepositoryIdSourceAction(this.repositoryName, {
      actionName,
      connectionArn: this.connectionArn,
      branch,
      output,
      // The pipeline's own trigger (triggerOnCommit) filters pushes; no unfiltered change detection.
      triggerOnPush: false,
    });
  }

  public triggerOnCommit(_scope: Construct, options: CommitTriggerOptions): void {
    const { pipeline, branch } = options;
    pipeline.addTrigger({
      providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
      gitConfiguration: {
        sourceAction: options.sourceAction,
        pushFilter: [{
          branchesIncludes: [branch],
          filePathsExcludes: options.ignoredPaths,
        }],
      },
    });
  }
}

/** Whether a statement is aws-cdk-lib's grant of the source action: `UseConnection` without a condition. */
function isUnconditionedUseConnection(statement: iam.PolicyStatement): boolean {
  const json = statement.toStatementJson();
  return statement.actions.length > 0 && statement.actions.every((a) => a.endsWith(':UseConnection')) && !json.Condition;
}

/**
 * aws-cdk-lib's connection source action, given the repository's full name whole: the action joins
 * `owner` and `repo`, which a full name in a CloudFormation parameter cannot be split into
 * (GitLab's `group/subgroup/name` has no fixed number of parts).
 */
class FullRepositoryIdSourceAction extends actions.CodeStarConnectionsSourceAction {
  private readonly connectionArn: string;
  private readonly branch: string;

  constructor(private readonly fullRepositoryId: string, props: Omit<actions.CodeStarConnectionsSourceActionProps, 'owner' | 'repo'> & { readonly branch: string }) {
    // Only FullRepositoryId reads owner and repo, and bound() sets it from the full name.
    super({ ...props, owner: '', repo: '' });
    this.connectionArn = props.connectionArn;
    this.branch = props.branch;
  }

  protected override bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    // aws-cdk-lib grants the pipeline role codestar-connections:UseConnection on the connection
    // without a condition (any repository of the connection, writing too); that grant is dropped,
    // and the role gets UseConnection under both prefixes and ARN forms for this repository and
    // branch, reading, instead.
    const role = options.role;
    const filtered = new Proxy(role, {
      get(target, property) {
        // Role.addToPolicy, which the action calls: addToPrincipalPolicy's boolean.
        if (property === 'addToPolicy') return (s: iam.PolicyStatement) => isUnconditionedUseConnection(s) || target.addToPrincipalPolicy(s).statementAdded;
        if (property === 'addToPrincipalPolicy') {
          return (s: iam.PolicyStatement) => (isUnconditionedUseConnection(s) ? { statementAdded: true } : target.addToPrincipalPolicy(s));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const config = super.bound(scope, stage, { ...options, role: filtered });
    for (const statement of useConnectionStatements(this.connectionArn, this.fullRepositoryId, { branch: this.branch, readOnly: true })) {
      role.addToPrincipalPolicy(statement);
    }
    return { ...config, configuration: { ...config.configuration, FullRepositoryId: this.fullRepositoryId } };
  }
}

/**
 * The connection's git-http endpoint of a repository:
 * `https://<prefix>.<region>.amazonaws.com/git-http/<account>/<region>/<connection id>/<owner>/<name>.git`,
 * where `<prefix>` is the ARN's service (`codeconnections` or `codestar-connections`). The ARN may
 * be a token.
 */
export function gitHttpUrl(connectionArn: string, repositoryFullName: string): string {
  // A token ARN (a template parameter) is split by CloudFormation (Fn::Split / Fn::Select).
  const arn = Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME);
  return `https://${arn.service}.${arn.region}.amazonaws.com/git-http/${arn.account}/${arn.region}/${arn.resourceName}/${repositoryFullName}.git`;
}

