import { Aspects, Duration, Stack } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeploymentAccounts, TARGET_SETUP, targetAccounts, targetRoleArn } from '../contract/accounts';
import { BatchModelRole, BatchScheduleRole, grantBatchSmokeTest } from './batch-inference';
import { EndpointDeployRole } from './endpoint-deploy-role';
import { CrossAccountRoleReference } from '../private/cross-account-role';
import { ProjectPipelineProps } from './pipeline-props';
import { projectLogGroup } from '../private/log-settings';
import { commitTriggeredPipeline, scopedCodeBuildAction } from './commit-triggered-pipeline';
import { ReleaseVerification } from './release-verification';
import { TargetAccountSettings, targetAccountResourcesTemplate, targetTemplateParameterOverrides } from './target-account-resources';
import { DEPLOYMENT_STAGES, DeploymentStage } from '../contract/names';
import { PassRoleOnlyTo } from '../private/pass-role-condition';
import { CLOUDFORMATION_SERVICE, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';
import { automationRoleNames } from '../private/automation-roles';

/** Name of the deploy pipeline's variable that carries the model package to deploy. */
export const MODEL_PACKAGE_ARN_VARIABLE = 'ModelPackageArn';
/**
 * Value of {@link MODEL_PACKAGE_ARN_VARIABLE} when a run was not started for a given package
 * (a commit to the deploy repository): the build then deploys the newest approved package.
 * CodePipeline variables cannot default to an empty string.
 */
export const LATEST_APPROVED = 'latest';
/** Namespace of the deploy build action's exported variables. */
export const BUILD_VARIABLES_NAMESPACE = 'BuildVariables';

/** Properties of {@link ModelDeploy}. */
export interface ModelDeployProps extends ProjectPipelineProps {
  /**
   * Whether promotion to production waits for a person's approval.
   * @default true
   */
  readonly manualApproval?: boolean;
  /** The SageMaker pipeline's role: packages it approved itself are not deployed... */
  readonly pipelineRole: iam.IRole;
  /**
   * ...unless the project lets the pipeline approve.
   * @default false
   */
  readonly autoApproveModels?: boolean;
  /** The topic the endpoint stacks' alarms notify (their `AlarmTopicArn` parameter). */
  readonly alarmTopic: sns.ITopic;
  /**
   * Multi-account: the accounts of the stages that deploy to another account (through the roles of
   * that account's one-time set-up, `TargetAccountSetupStack`).
   * @default - both stages deploy in this stack's account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
  /**
   * Multi-account: what the project's resources in each target account follow (see
   * {@link TargetAccountResources}), which the pipeline deploys there before the endpoint stack.
   * @default - retained data, no tags, no alarm e-mail
   */
  readonly targetAccountSettings?: TargetAccountSettings;
  /**
   * Multi-account: IAM path of the project's roles, by whose ARNs the target accounts trust the
   * deploy pipeline and smoke test roles (a published template's `PROJECT_ROLE_PATH`).
   * @default '/'
   */
  readonly rolePath?: string;
}

/** Name of the release file holding the template of the project's resources in a target account. */
export function targetResourcesFile(account: string): string {
  return `target-${account}.template.json`;
}

/**
 * Name of the release file holding the stack configuration of the project's resources in a target
 * account: the stack's tags, among them the project id, which the project's teardown requires of a
 * stack before it deletes it.
 */
export function targetResourcesConfigFile(account: string): string {
  return `target-${account}.config.json`;
}

/**
 * Model deployment: a CodePipeline that deploys the approved model to a staging endpoint,
 * tests it for real, waits for approval and deploys it to production.
 *
 * Runs for a given model package (the `ModelPackageArn` variable, set by the model approval
 * trigger) or, on a commit to the deploy repository, for the newest approved package. When no
 * package is approved yet the build says so and both deploy stages are skipped: the run is green.
 */
export class ModelDeploy extends Construct {
  /**
   * Role the endpoints' models of this account run as; none when every stage deploys to a target
   * account (each stage's model role is that account's).
   */
  public readonly modelExecutionRole?: iam.IRole;
  /** Role each batch stage of this account runs its model as (its own batch folders only). */
  public readonly batchModelRoles: Readonly<Partial<Record<DeploymentStage, iam.IRole>>>;
  /**
   * The role CloudFormation assumes to deploy each stage's endpoint stack in this account, one per
   * stage (each may change its own stage's stack only); none for a stage that deploys to a target
   * account (that account's execution role does).
   */
  public readonly deployRoles: Readonly<Partial<Record<DeploymentStage, iam.IRole>>>;
  /** CodeBuild project that resolves the model package and synthesizes the endpoint stacks. */
  public readonly buildProject: codebuild.IProject;
  /** CodeBuild project that smoke-tests the staging endpoint. */
  public readonly testProject: codebuild.IProject;
  /** The deploy CodePipeline. */
  public readonly pipeline: codepipeline.Pipeline;

  constructor(scope: Construct, id: string, props: ModelDeployProps) {
    super(scope, id);
    const { names, bucket, key } = props;
    const targetAccount = (stage: DeploymentStage) => props.deploymentAccounts?.stageAccounts[stage];
    const localStages = DEPLOYMENT_STAGES.filter((stage) => targetAccount(stage) === undefined);

    // The models' own role (of this account's stages): read their artifacts, write data capture, log.
    const modelRole = localStages.length === 0 ? undefined : new iam.Role(this, 'ModelExecutionRole', {
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `Models of the ${names.pipelineName} endpoints`,
    });
    if (modelRole !== undefined) {
      bucket.grantRead(modelRole, `${names.pipelineName}/*`);
      bucket.grantPut(modelRole, 'datacapture-*');
      key.grantEncryptDecrypt(modelRole);
      grantSageMakerLogging(modelRole, this, localStages.map((stage) => ({
        group: `/aws/sagemaker/Endpoints/${names.endpointName(stage)}`,
        streamPrefix: '',
      })));
    }
    this.modelExecutionRole = modelRole;

    // Batch stages (the deploy seed's "inference": "batch") of this account: EventBridge Scheduler
    // starts each stage's runs with that stage's role, and the runs read and write as that stage's
    // model role (its own batch folders only). A stage in a target account has both there
    // (TargetAccountResources); its schedule role is named by the naming contract, and the deploy
    // build gets its ARN here.
    const batchScheduleRoles: Partial<Record<DeploymentStage, iam.IRole>> = {};
    const batchModelRoles: Partial<Record<DeploymentStage, iam.IRole>> = {};
    for (const stage of localStages) {
      const Stage = stage === 'staging' ? 'Staging' : 'Prod';
      batchScheduleRoles[stage] = new BatchScheduleRole(this, `${Stage}BatchScheduleRole`, { names, stage, key });
      batchModelRoles[stage] = new BatchModelRole(this, `${Stage}BatchModelRole`, { names, stage, bucket, key });
    }
    this.batchModelRoles = batchModelRoles;
    const batchScheduleRoleArns: Record<string, string> = Object.fromEntries(Object.entries(batchScheduleRoles).map(([stage, role]) => [stage, role.roleArn]));
    for (const stage of DEPLOYMENT_STAGES) {
      const account = targetAccount(stage);
      if (account !== undefined) batchScheduleRoleArns[stage] = targetRoleArn(names, account, stage, 'batch-schedule');
    }

    const packageArns = [
      sageMakerArn(this, 'model-package-group', names.pipelineNameInArn),
      sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`),
    ];
    const projectTagged = { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } };

    // One deploy role per stage of this account, so that the staging stack (deployed before the
    // approval) cannot change prod's. Prod's keeps the construct id of the one role both stages
    // once shared.
    const deployRoles: Partial<Record<DeploymentStage, iam.IRole>> = {};
    for (const stage of localStages) {
      deployRoles[stage] = new EndpointDeployRole(this, stage === 'prod' ? 'EndpointDeployRole' : 'StagingEndpointDeployRole', {
        // The model role exists whenever a stage is local.
        names, key, stage, modelExecutionRole: modelRole!, alarmTopic: props.alarmTopic,
        batchScheduleRole: batchScheduleRoles[stage], batchModelRole: batchModelRoles[stage],
      });
    }
    this.deployRoles = deployRoles;

    const commonEnv: Record<string, codebuild.BuildEnvironmentVariable> = {
      SAGEMAKER_PROJECT_NAME: { value: names.projectName },
      SAGEMAKER_PROJECT_ID: { value: names.projectId },
      MODEL_PACKAGE_GROUP_NAME: { value: names.modelPackageGroupName },
      // Only when a stage deploys in this account (a target account's stage has its own model role).
      ...(modelRole === undefined ? {} : { MODEL_EXECUTION_ROLE_ARN: { value: modelRole.roleArn } }),
      ARTIFACT_BUCKET: { value: bucket.bucketName },
      KMS_KEY_ARN: { value: key.keyArn },
      PROJECT_TAGS: { value: JSON.stringify(props.projectTags) },
      SAGEMAKER_PIPELINE_ROLE_ARN: { value: props.pipelineRole.roleArn },
      // Approvals by any role of the stack are refused (lib/approver-rule.ts of the deploy seed).
      PROJECT_AUTOMATION_ROLES: { value: automationRoleNames(this) },
      AUTO_APPROVE_MODELS: { value: String(props.autoApproveModels ?? false) },
      ALARM_TOPIC_ARN: { value: props.alarmTopic.topicArn },
      BATCH_SCHEDULE_ROLES: { value: Stack.of(this).toJsonString(batchScheduleRoleArns) },
      BATCH_MODEL_ROLES: { value: Stack.of(this).toJsonString(Object.fromEntries(
        Object.entries(batchModelRoles).map(([stage, role]) => [stage, role.roleArn]))) },
    };
    const environment: codebuild.BuildEnvironment = {
      buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
      computeType: codebuild.ComputeType.SMALL,
    };

    const buildProject = new codebuild.PipelineProject(this, 'BuildProject', {
      projectName: names.modelDeployName,
      description: `Resolves the approved model of ${names.modelPackageGroupName} and synthesizes its endpoint stacks`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
      environment,
      encryptionKey: key,
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'BuildProjectLogs', props.logs) } },
      timeout: Duration.minutes(30),
      environmentVariables: { ...commonEnv, ...this.deploymentTargetsEnv(props) },
    });
    buildProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ResolveModelPackage',
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      resources: packageArns,
    }));
    // Before deploying, the build checks that an existing endpoint <name>-<stage> is this
    // project's (its project-id tag): it must read endpoints it does not own, to refuse them. In a
    // target account it cannot, and need not: the deploy role there only touches tagged endpoints.
    if (localStages.length > 0) buildProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'CheckEndpointOwnership',
      actions: ['sagemaker:DescribeEndpoint', 'sagemaker:ListTags'],
      resources: localStages.map((s) => sageMakerArn(this, 'endpoint', names.endpointNameInArn(s))),
    }));
    buildProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ListModelPackages',
      // ListModelPackages has no resource type in IAM; it can only be granted on '*'.
      actions: ['sagemaker:ListModelPackages'],
      resources: ['*'],
    }));
    this.buildProject = buildProject;

    const stagingAccount = targetAccount('staging');
    const smokeTestRoleArn = stagingAccount === undefined ? '' : targetRoleArn(names, stagingAccount, 'staging', 'smoke-test');
    const testProject = new codebuild.PipelineProject(this, 'TestProject', {
      projectName: names.testingName,
      description: `Smoke-tests the endpoint ${names.endpointName('staging')}`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('test-buildspec.yml'),
      environment,
      encryptionKey: key,
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'TestProjectLogs', props.logs) } },
      timeout: Duration.minutes(30),
      environmentVariables: {
        ...commonEnv,
        ENDPOINT_NAME: { value: names.endpointName('staging') },
        ...(stagingAccount === undefined ? {} : { SMOKE_TEST_ROLE_ARN: { value: smokeTestRoleArn } }),
      },
    });
    if (stagingAccount === undefined) {
      // A batch staging stage is tested by one transform of the sample rows instead.
      grantBatchSmokeTest(testProject, this, bucket, key, names);
      testProject.addToRolePolicy(new iam.PolicyStatement({
        sid: 'InvokeStagingEndpoint',
        actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
        resources: [sageMakerArn(this, 'endpoint', names.endpointNameInArn('staging'))],
        conditions: projectTagged,
      }));
    } else {
      // The staging endpoint is in another account: the smoke test works through that account's role.
      testProject.addToRolePolicy(new iam.PolicyStatement({
        sid: 'AssumeStagingSmokeTestRole',
        actions: ['sts:AssumeRole'],
        resources: [smokeTestRoleArn],
      }));
      // Named, so that the staging account's role can trust exactly this one.
      const role = testProject.role!.node.defaultChild as iam.CfnRole;
      role.roleName = names.smokeTestBuildRoleName;
      if (props.rolePath !== undefined) role.path = props.rolePath;
    }
    this.testProject = testProject;

    // The build's templates, and the same files once checked against the digest the build exported
    // (the release both stages deploy: the deploy build may write its own output only).
    const built = new codepipeline.Artifact('Templates');
    const release = new codepipeline.Artifact('Release');
    // Multi-account: the project's resources in each target account, deployed by the first stage there.
    const targets = targetAccounts(props.deploymentAccounts);
    const targetSettings = props.targetAccountSettings ?? { retainData: true, tags: {} };
    // Built with this app's feature flags, as this app would build them.
    const context = Object.fromEntries(Object.entries(this.node.getAllContext()).filter(([k]) => k.startsWith('@aws-cdk')));
    const targetFiles = Object.fromEntries(targets.flatMap(({ account }) => [[targetResourcesFile(account), targetAccountResourcesTemplate({
      names, accounts: props.deploymentAccounts!, account, settings: targetSettings, context, projectRolePath: props.rolePath,
    })], [targetResourcesConfigFile(account), JSON.stringify({
      Tags: { ...targetSettings.tags, 'sagemaker:project-name': names.projectName, 'sagemaker:project-id': names.projectId },
    })]]));
    // A Studio template's project name and id are its parameters: the target template takes them as its own.
    const targetParameters = targetTemplateParameterOverrides(names, targetSettings);
    const verification = new ReleaseVerification(this, 'ReleaseVerification', { names, key, logs: props.logs, files: targetFiles });
    const verify = (actionName: string, input: codepipeline.Artifact, outputs: codepipeline.Artifact[]) => scopedCodeBuildAction(props.pipelineArtifactsBucket, {
      actionName, project: verification.project, input, outputs, runOrder: 1,
      environmentVariables: ReleaseVerification.expectedDigest(BUILD_VARIABLES_NAMESPACE),
    });
    const modelPackageArn = new codepipeline.Variable({
      variableName: MODEL_PACKAGE_ARN_VARIABLE,
      defaultValue: LATEST_APPROVED,
      description: `Model package to deploy; '${LATEST_APPROVED}' deploys the newest approved one`,
    });

    // A stage in a target account: CodePipeline assumes that account's set-up access role, which
    // runs CloudFormation there with the set-up's execution role (and only with it).
    const setupRole = (account: string, which: 'Access' | 'Execution') => {
      const id = `${which}Role${account}`;
      return (this.node.tryFindChild(id) as iam.IRole | undefined) ?? new CrossAccountRoleReference(this, id, {
        account,
        roleName: which === 'Access' ? TARGET_SETUP.deployAccessRoleName : TARGET_SETUP.executionRoleName,
        path: TARGET_SETUP.path,
      });
    };
    const inAccount = (account: string | undefined) => account === undefined ? {} : {
      deploymentRole: setupRole(account, 'Execution'),
      role: setupRole(account, 'Access'),
    };
    const deploy = (stage: DeploymentStage, runOrder: number) => new actions.CloudFormationCreateUpdateStackAction({
      actionName: `Deploy${stage === 'staging' ? 'Staging' : 'Prod'}Endpoint`,
      stackName: names.deployStackName(stage),
      templatePath: release.atPath(`${stage}.template.json`),
      templateConfiguration: release.atPath(`${stage}.config.json`),
      adminPermissions: false,
      // A stage without a target account is a local stage: its own deploy role exists then.
      deploymentRole: deployRoles[stage],
      ...inAccount(targetAccount(stage)),
      // A stack whose first creation failed is replaced instead of blocking every later run.
      replaceOnFailure: true,
      runOrder,
    });
    // The project's resources in a target account (model role, data capture, key, alarm topic),
    // deployed by the first stage that deploys there, before its endpoint stack.
    const deployTargetResources = (stage: DeploymentStage): codepipeline.IAction[] => {
      const account = targetAccount(stage);
      if (account === undefined || targets.find((t) => t.account === account)!.stages[0] !== stage) return [];
      return [new actions.CloudFormationCreateUpdateStackAction({
        actionName: `Deploy${stage === 'staging' ? 'Staging' : 'Prod'}AccountResources`,
        stackName: names.targetStackName(account),
        templatePath: release.atPath(targetResourcesFile(account)),
        templateConfiguration: release.atPath(targetResourcesConfigFile(account)),
        ...(targetParameters === undefined ? {} : { parameterOverrides: targetParameters }),
        adminPermissions: false,
        ...inAccount(account),
        replaceOnFailure: true,
        runOrder: 2,
      })];
    };
    // Deploy stages are entered only when the build resolved a package; otherwise they are
    // skipped and the run stays green (a new project has nothing approved yet).
    const onlyWithModel = (stage: string): codepipeline.Conditions => ({
      conditions: [{
        result: codepipeline.Result.SKIP,
        rules: [new codepipeline.Rule({
          name: `${stage}HasModel`,
          provider: 'VariableCheck',
          version: '1',
          configuration: {
            Variable: `#{${BUILD_VARIABLES_NAMESPACE}.DEPLOY}`,
            Value: 'true',
            Operator: 'EQ',
          },
        })],
      }],
    });

    const stagingResources = deployTargetResources('staging');
    const prodResources = deployTargetResources('prod');
    // After the account's resources, when a stage deploys them.
    const n = stagingResources.length;
    const stagingActions = (source: codepipeline.Artifact): codepipeline.IAction[] => [
      verify('VerifyRelease', built, [release]),
      ...stagingResources,
      deploy('staging', 2 + n),
      scopedCodeBuildAction(props.pipelineArtifactsBucket, {
        actionName: 'TestStaging',
        project: testProject,
        input: source,
        runOrder: 3 + n,
        // The payload that fits the deployed model (the build picks it from the package's metadata).
        environmentVariables: { SMOKE_TEST_PAYLOAD: { value: `#{${BUILD_VARIABLES_NAMESPACE}.SMOKE_TEST_PAYLOAD}` } },
      }),
      ...((props.manualApproval ?? true) ? [new actions.ManualApprovalAction({
        actionName: 'ApproveDeployment',
        additionalInformation: 'Approve this model for Production',
        runOrder: 4 + n,
      })] : []),
    ];

    this.pipeline = commitTriggeredPipeline(this, props, {
      pipelineName: names.modelDeployName,
      sourceActionName: 'ModelDeployCode',
      ruleName: names.codeRuleName,
      variables: [modelPackageArn],
      stages: (source) => [
        {
          stageName: 'Build',
          actions: [scopedCodeBuildAction(props.pipelineArtifactsBucket, {
            actionName: 'BuildEndpointStacks',
            project: buildProject,
            input: source,
            outputs: [built],
            variablesNamespace: BUILD_VARIABLES_NAMESPACE,
            environmentVariables: {
              MODEL_PACKAGE_ARN: { value: modelPackageArn.reference() },
            },
          })],
        },
        { stageName: 'DeployStaging', actions: stagingActions(source), beforeEntry: onlyWithModel('Staging') },
        {
          stageName: 'DeployProd',
          // Checked again right before prod: prod deploys the release staging tested.
          actions: [verify('VerifyProdRelease', release, []), ...prodResources, deploy('prod', 2 + prodResources.length)],
          beforeEntry: onlyWithModel('Prod'),
        },
      ],
    });

    if (props.deploymentAccounts !== undefined) {
      // Named, so that the target accounts' action roles can trust exactly this one.
      const role = this.pipeline.role.node.defaultChild as iam.CfnRole;
      role.roleName = names.deployPipelineRoleName;
      if (props.rolePath !== undefined) role.path = props.rolePath;
    }

    // The CloudFormation actions pass their stage's deploy role to CloudFormation, and only there.
    if (localStages.length > 0) Aspects.of(this).add(new PassRoleOnlyTo(Object.values(deployRoles), CLOUDFORMATION_SERVICE));
  }

  /**
   * `DEPLOYMENT_TARGETS` (multi-account only): for each stage in a target account, what its
   * endpoint stack's parameters take there, all named after the project by the target's stack.
   */
  private deploymentTargetsEnv(props: ModelDeployProps): Record<string, codebuild.BuildEnvironmentVariable> {
    const accounts = props.deploymentAccounts;
    if (accounts === undefined) return {};
    const { names } = props;
    const stack = Stack.of(this);
    const targets: Record<string, Record<string, string>> = {};
    for (const stage of DEPLOYMENT_STAGES) {
      const account = accounts.stageAccounts[stage];
      if (account === undefined) continue;
      targets[stage] = {
        account,
        region: stack.region,
        modelExecutionRoleArn: targetRoleArn(names, account, stage, 'model'),
        dataCaptureBucket: names.dataCaptureBucketName(account),
        kmsKeyArn: stack.formatArn({ service: 'kms', account, resource: names.targetKeyAliasName }),
        alarmTopicArn: stack.formatArn({ service: 'sns', account, resource: names.targetAlarmTopicName }),
      };
    }
    return { DEPLOYMENT_TARGETS: { value: stack.toJsonString(targets) } };
  }
}
