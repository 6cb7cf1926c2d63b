import * as path from 'node:path';
import { Aspects, CfnOutput, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import { SEED_CODE_DIR } from '../paths';
import { ArtifactStore } from './artifact-store';
import { DeploymentAccounts, rolesOfAccount, setupRoleArn, targetAccounts, targetRoleArn } from '../contract/accounts';
import { ModelApprovalTrigger } from './model-approval-trigger';
import { ModelBuild } from './model-build';
import { ImageRepository } from './image-repository';
import { ModelDeploy } from './model-deploy';
import { claimNames, DEPLOYMENT_STAGES, ProjectNames, stackDerivedProjectId } from '../contract/names';
import { DEFAULT_PROJECT_SETTINGS, ProjectOptions, SourceSettingKey } from '../contract/options';
import { ProjectTeardown } from './project-teardown';
import { AcknowledgeCompliancePacks } from '../private/compliance-pack-acknowledgements';
import { SourceAccountOnServiceTrusts } from '../private/confused-deputy';
import { EventBridgeNotifications } from '../private/eventbridge-notifications';
import { LogSettings } from '../private/log-settings';
import { AcknowledgeWildcards, projectWildcardReasons } from '../private/wildcard-acknowledgements';
import { IProjectRepository, SourceProvider } from '../source/source-provider';
import { StudioRepositories } from '../source/studio-repositories';
import { checkProjectId, checkProjectName, checkSettings } from '../contract/rules';
import { ConfigError } from '../contract/errors';

/**
 * Properties of {@link SageMakerProject}: the settings of {@link ProjectOptions} (documented there)
 * with CDK's types where CDK has one: the source as a {@link SourceProvider}, the log retention as
 * `RetentionDays`.
 */
export interface SageMakerProjectProps extends Omit<ProjectOptions, SourceSettingKey | 'logRetentionDays'> {
  /**
   * SageMaker project name. May be a token (a CloudFormation parameter in a Service Catalog
   * product), in which case the parameter's own constraints validate it.
   */
  readonly projectName: string;
  /**
   * SageMaker project id. May be a token, like `projectName`.
   * @default - derived by CloudFormation from the stack's id: unique in every account and region,
   * fixed for the life of the stack (see `stackDerivedProjectId`)
   */
  readonly projectId?: string;
  /**
   * Folder holding `model-build/` and `model-deploy/`, the repositories' first commits.
   * @default - this app's `seed-code/`
   */
  readonly seedCodeDirectory?: string;
  /**
   * Multi-account deployment: the stages that deploy to another account, each through that
   * account's one-time set-up (`TargetAccountSetupStack`). With a derived or parameter `projectId`,
   * the target accounts' templates take the project's name and id as parameters.
   * @default - single-account: both stages deploy in this stack's account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
  /**
   * IAM path of the project's roles (a published template puts them under `PROJECT_ROLE_PATH`):
   * with `deploymentAccounts`, the target accounts trust the deploy pipeline and smoke test roles by
   * their ARNs, path included.
   * @default '/'
   */
  readonly rolePath?: string;
  /**
   * How long the project keeps the logs of its functions and builds (log groups it creates, all
   * encrypted with the project key).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the code lives: CodeCommit repositories the project creates and seeds, or existing
   * repositories of another Git provider through a CodeConnections connection, seeded once.
   * @default SourceProvider.codeCommit()
   */
  readonly source?: SourceProvider;
}

/** {@link SageMakerProjectProps} as the project applies them: every default filled in. */
export interface SageMakerProjectSettings {
  readonly branch: string;
  readonly manualApproval: boolean;
  readonly retainData: boolean;
  readonly teardown: boolean;
  readonly tags: Readonly<Record<string, string>>;
  readonly autoApproveModels: boolean;
  readonly dataLocations: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly source: SourceProvider;
  readonly alarmEmail?: string;
}

/**
 * The construct's properties for a project's plain settings (as `cdk.json` or a Studio template
 * gives them): the source provider they name, the retention as CDK's type.
 */
export function projectPropsFromSettings(settings: ProjectOptions): Omit<SageMakerProjectProps, 'projectName'> {
  const { sourceProvider, connectionArn, buildRepository, deployRepository, logRetentionDays, ...rest } = settings;
  return {
    ...rest,
    ...(logRetentionDays === undefined ? {} : { logRetention: logRetentionDays as logs.RetentionDays }),
    ...(sourceProvider === undefined ? {} : { source: SourceProvider.fromSettings({ sourceProvider, connectionArn, buildRepository, deployRepository }) }),
  };
}

/**
 * A complete SageMaker MLOps project: artifact store, model registry group, build and deploy
 * repositories and pipelines, and the model approval trigger that links them.
 *
 * Follows the naming contract of SageMaker's built-in "model building, training, and deployment"
 * template, so Studio and existing scripts find everything where they expect it.
 */
export class SageMakerProject extends Construct {
  /** The naming contract. */
  public readonly names: ProjectNames;
  /** The project's settings with every default applied. */
  public readonly settings: SageMakerProjectSettings;
  /** The project's KMS key. */
  public readonly key: kms.IKey;
  /** The artifact bucket. */
  public readonly bucket: s3.IBucket;
  /** The SNS topic the endpoint alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The model package group. */
  public readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;
  /** The project's container image repository (images of `containers/<name>/` in the build repository). */
  public readonly imageRepository: ImageRepository;
  /** Model building (build repository, CodeBuild, CodePipeline, SageMaker pipeline role). */
  public readonly modelBuild: ModelBuild;
  /** Model deployment (deploy repository, CodeBuild, CodePipeline, endpoint roles). */
  public readonly modelDeploy: ModelDeploy;
  /** The approval trigger (EventBridge rule and start-deploy function). */
  public readonly approvalTrigger: ModelApprovalTrigger;
  /** The teardown of endpoint stacks and SageMaker pipeline, when enabled. */
  public readonly teardown?: ProjectTeardown;
  /** The build repository (of the configured source provider). */
  public readonly buildRepository: IProjectRepository;
  /** The deploy repository (of the configured source provider). */
  public readonly deployRepository: IProjectRepository;

  constructor(scope: Construct, id: string, props: SageMakerProjectProps) {
    super(scope, id);
    // Validate before creating anything; tokens are checked by their CloudFormation parameters.
    if (!Token.isUnresolved(props.projectName)) checkProjectName(props.projectName);
    if (props.projectId !== undefined && !Token.isUnresolved(props.projectId)) checkProjectId(props.projectId);
    const settings: SageMakerProjectSettings = {
      branch: props.branch ?? DEFAULT_PROJECT_SETTINGS.branch,
      manualApproval: props.manualApproval ?? DEFAULT_PROJECT_SETTINGS.manualApproval,
      retainData: props.retainData ?? DEFAULT_PROJECT_SETTINGS.retainData,
      teardown: props.teardown ?? DEFAULT_PROJECT_SETTINGS.teardown,
      tags: props.tags ?? DEFAULT_PROJECT_SETTINGS.tags,
      autoApproveModels: props.autoApproveModels ?? DEFAULT_PROJECT_SETTINGS.autoApproveModels,
      dataLocations: props.dataLocations ?? DEFAULT_PROJECT_SETTINGS.dataLocations,
      logRetention: props.logRetention ?? (DEFAULT_PROJECT_SETTINGS.logRetentionDays as logs.RetentionDays),
      source: props.source ?? SourceProvider.codeCommit(),
      alarmEmail: props.alarmEmail,
    };
    // The source provider checked its own settings when it was made.
    checkSettings({ ...settings, logRetentionDays: settings.logRetention, sourceProvider: undefined });
    const accounts = props.deploymentAccounts;
    // A derived id (a plain name) or a template parameter: the target accounts' templates then take
    // the id as their own parameter, which the deploy pipeline passes. A name that is a parameter
    // comes with its id (a Studio template's).
    if (accounts !== undefined && Token.isUnresolved(props.projectName) && (props.projectId === undefined || !Token.isUnresolved(props.projectId))) {
      throw new ConfigError('With `deploymentAccounts`, a `projectName` that is a template parameter needs a `projectId` that is one too '
        + "(a Studio template's SageMakerProjectName and SageMakerProjectId)");
    }
    const names = new ProjectNames(props.projectName, props.projectId ?? this.deriveProjectId());
    const tooLong = names.lengthViolations();
    if (tooLong.length > 0) throw new ConfigError(`project '${props.projectName}': ${tooLong.join('; ')}`);
    this.settings = settings;
    this.names = names;
    const { branch, retainData, tags } = settings;
    const seedDir = props.seedCodeDirectory ?? SEED_CODE_DIR;
    claimNames(this);

    const store = new ArtifactStore(this, 'ArtifactStore', {
      bucketName: names.artifactBucketName,
      accessLogsBucketName: names.accessLogsBucketName,
      retainData,
      // Named by the contract in every mode: the Studio launch role may create only sagemaker-project-* buckets.
      pipelineArtifactsBucketName: names.pipelineArtifactsBucketName,
      buildPipelineArtifactsBucketName: names.buildPipelineArtifactsBucketName,
    });
    this.key = store.key;
    this.bucket = store.bucket;
    const logSettings: LogSettings = { key: store.key, retention: settings.logRetention };
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { names, key: store.key, email: settings.alarmEmail }).topic;

    this.modelPackageGroup = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: names.modelPackageGroupName,
      modelPackageGroupDescription: `Models of SageMaker project ${names.projectName}`,
    });
    this.modelPackageGroup.applyRemovalPolicy(retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    if (accounts !== undefined) this.grantTargetAccounts(accounts, store);

    const repositories = settings.source.bind(this, {
      names,
      branch,
      retain: retainData,
      key: store.key,
      logs: logSettings,
      seedDirectories: { build: path.join(seedDir, 'model-build'), deploy: path.join(seedDir, 'model-deploy') },
    });
    this.buildRepository = repositories.build;
    this.deployRepository = repositories.deploy;
    new StudioRepositories(this, 'StudioRepositories', { names, repositories, branch });

    const eventsRole = new iam.Role(this, 'EventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `EventBridge starting the pipelines of SageMaker project ${names.projectName}`,
    });

    this.imageRepository = new ImageRepository(this, 'ImageRepository', { names, key: store.key, retainData, deploymentAccounts: accounts });

    this.modelBuild = new ModelBuild(this, 'ModelBuild', {
      eventsRole,
      names,
      repository: this.buildRepository,
      branch,
      bucket: store.bucket,
      pipelineArtifactsBucket: store.buildPipelineArtifactsBucket,
      key: store.key,
      logs: logSettings,
      projectTags: tags,
      dataLocations: settings.dataLocations,
      autoApproveModels: settings.autoApproveModels,
      imageRepository: this.imageRepository,
    });
    this.modelDeploy = new ModelDeploy(this, 'ModelDeploy', {
      eventsRole,
      names,
      repository: this.deployRepository,
      branch,
      bucket: store.bucket,
      pipelineArtifactsBucket: store.pipelineArtifactsBucket,
      key: store.key,
      logs: logSettings,
      projectTags: tags,
      manualApproval: settings.manualApproval,
      pipelineRole: this.modelBuild.pipelineExecutionRole,
      autoApproveModels: settings.autoApproveModels,
      alarmTopic: this.alarmTopic,
      deploymentAccounts: accounts,
      targetAccountSettings: { retainData, tags, alarmEmail: settings.alarmEmail },
      rolePath: props.rolePath,
    });
    // Endpoints of this account run registered packages, whose images may be the project's own.
    if (this.modelDeploy.modelExecutionRole !== undefined) this.imageRepository.grantPull(this.modelDeploy.modelExecutionRole);
    // So do the batch stages' models of this account, each with its own role.
    for (const role of Object.values(this.modelDeploy.batchModelRoles)) this.imageRepository.grantPull(role);
    this.approvalTrigger = new ModelApprovalTrigger(this, 'ModelApprovalTrigger', {
      names,
      deployPipeline: this.modelDeploy.pipeline,
      key: store.key,
      logs: logSettings,
      pipelineRole: this.modelBuild.pipelineExecutionRole,
      autoApproveModels: settings.autoApproveModels,
    });

    if (settings.teardown) {
      this.teardown = new ProjectTeardown(this, 'Teardown', {
        names,
        retainData,
        logs: logSettings,
        // CloudFormation deletes each endpoint stack with its stage's deploy role; packages go before the group.
        deleteAfter: [...Object.values(this.modelDeploy.deployRoles), this.modelPackageGroup],
        stackRoles: this.modelDeploy.deployRoles,
        // Pipelines and triggers go first, so nothing redeploys while the endpoints are deleted.
        deleteBefore: [this.modelBuild.pipeline, this.modelDeploy.pipeline, this.approvalTrigger.rule],
        // Stages in target accounts are deleted there, through each account's set-up (see docs/multi-account.md, Teardown).
        ...(accounts === undefined ? {} : {
          stages: DEPLOYMENT_STAGES.filter((s) => accounts.stageAccounts[s] === undefined),
          targetAccounts: targetAccounts(accounts),
        }),
      });
    }

    Tags.of(this).add('sagemaker:project-name', names.projectName);
    Tags.of(this).add('sagemaker:project-id', names.projectId);
    for (const [key, value] of Object.entries(tags)) Tags.of(this).add(key, value);

    Aspects.of(this).add(new AcknowledgeWildcards(projectWildcardReasons(Stack.of(this).account)));
    Aspects.of(this).add(new AcknowledgeCompliancePacks());
    Aspects.of(this).add(new SourceAccountOnServiceTrusts());
    Aspects.of(this).add(new EventBridgeNotifications());
    this.addOutputs();
  }

  /**
   * Multi-account: what the target accounts' roles read here. Their model roles (and the deploy
   * roles that create models) read this group's packages and the model artifacts under the
   * SageMaker pipeline's prefix; each grant names the account restricted to exactly those roles.
   * (The deploy pipeline's grants of its artifacts to the target action roles come with its actions.)
   */
  private grantTargetAccounts(accounts: DeploymentAccounts, store: ArtifactStore): void {
    const names = this.names;
    for (const { account, stages } of targetAccounts(accounts)) {
      store.grantReadToRolesOf(account, stages.map((stage) => targetRoleArn(names, account, stage, 'model')), `${names.pipelineName}/`);
    }
    this.modelPackageGroup.modelPackageGroupPolicy = new iam.PolicyDocument({ statements: modelPackageGroupGrants(this, names, accounts) });
  }

  /**
   * The stack-derived project id (see `stackDerivedProjectId`), computed once into an SSM
   * parameter whose value every name refers to: the expression written once instead of at each of
   * the ~200 places that use the id, and the id readable by scripts at a known place.
   */
  private deriveProjectId(): string {
    const parameter = new ssm.CfnParameter(this, 'ProjectId', {
      type: 'String',
      value: stackDerivedProjectId(),
      description: `Id of SageMaker project ${this.node.path}, derived from the stack id when the project was created`,
    });
    // The parameter cannot carry the tag of its own value (a circular reference).
    Tags.of(parameter).remove('sagemaker:project-id', { priority: 1000 });
    return parameter.attrValue;
  }

  private addOutputs(): void {
    const stack = Stack.of(this);
    const out = (id: string, value: string, description: string) => new CfnOutput(stack, id, { value, description });
    const repositoryOutputs = [
      ['ModelBuild', this.buildRepository.outputs('model build repository', 'change the SageMaker pipeline here')],
      ['ModelDeploy', this.deployRepository.outputs('model deploy repository', 'change endpoint settings here')],
    ] as const;
    for (const [side, outputs] of repositoryOutputs) {
      for (const [suffix, { value, description }] of Object.entries(outputs)) out(`${side}${suffix}`, value, description);
    }
    out('ModelBuildPipelineName', this.modelBuild.pipeline.pipelineName,
      'CodePipeline that runs the SageMaker pipeline on every commit to the build repository');
    out('ModelDeployPipelineName', this.modelDeploy.pipeline.pipelineName,
      'CodePipeline that deploys approved models to staging, then production');
    out('ProjectId', this.names.projectId, 'Project id: part of every name of the project (derived at creation unless configured)');
    out('SageMakerPipelineName', this.names.pipelineName, 'SageMaker pipeline created by the first build');
    out('ArtifactBucketName', this.bucket.bucketName, 'S3 bucket of artifacts, models and data capture (KMS-encrypted)');
    out('ModelPackageGroupName', this.modelPackageGroup.modelPackageGroupName,
      'Model registry group: approve or reject model versions here to deploy or roll back');
    out('AlarmTopicArn', this.alarmTopic.topicArn,
      'SNS topic the endpoint alarms notify (5XX errors, model latency): subscribe to it to hear of them');
  }
}

/**
 * Multi-account: the model package group's resource policy. Each target account's CloudFormation
 * deploy roles may create models from this group's packages (the endpoint stacks' `AWS::SageMaker::Model`
 * with `ModelPackageName`): `DescribeModelPackageGroup` on the group, `DescribeModelPackage`,
 * `ListModelPackages` and `CreateModel` on its packages, as AWS's guide to deploying a model version
 * from another account grants the consuming account. Its `UpdateModelPackage` is left out: the target
 * accounts never record anything on a package. The model roles only read the packages. Every grant
 * names the account restricted to exactly those roles.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy-xaccount.html
 */
export function modelPackageGroupGrants(scope: Construct, names: ProjectNames, accounts: DeploymentAccounts): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const group = stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: names.pipelineNameInArn });
  const packages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${names.pipelineNameInArn}/*` });
  return targetAccounts(accounts).flatMap(({ account, stages }) => {
    const modelRoles = stages.map((stage) => targetRoleArn(names, account, stage, 'model'));
    // CloudFormation's role there (the account's set-up), which creates the endpoint stacks' models.
    const deployRoles = [setupRoleArn(account, 'execution')];
    return [
      new iam.PolicyStatement({
        sid: `ReadPackagesFrom${account}`,
        principals: [rolesOfAccount(account, modelRoles)],
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [packages],
      }),
      new iam.PolicyStatement({
        sid: `ReadGroupFrom${account}`,
        principals: [rolesOfAccount(account, deployRoles)],
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resources: [group],
      }),
      new iam.PolicyStatement({
        sid: `CreateModelsFrom${account}`,
        principals: [rolesOfAccount(account, deployRoles)],
        actions: ['sagemaker:CreateModel', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
        resources: [packages],
      }),
    ];
  });
}
