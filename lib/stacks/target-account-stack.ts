import { Arn, ArnFormat, Aspects, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeploymentAccounts, roleArn, targetAccounts } from '../contract/accounts';
import { AlarmTopic } from '../project/alarm-topic';
import { ECR_PULL_ACTIONS } from '../project/image-repository';
import { EndpointDeployRole } from '../project/endpoint-deploy-role';
import { DeploymentStage, ProjectNames } from '../contract/names';
import { ProjectTeardown } from '../project/project-teardown';
import type { SageMakerProject, SageMakerProjectSettings } from '../project/sagemaker-project';
import { accessLogsBucket } from '../private/access-logs-bucket';
import { dataBucket } from '../private/data-bucket';
import { SourceAccountOnServiceTrusts } from '../private/confused-deputy';
import { EventBridgeNotifications } from '../private/eventbridge-notifications';
import { denyGrantsExceptForAwsResources, grantPassRole, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';
import { AcknowledgeCompliancePacks } from '../private/compliance-pack-acknowledgements';
import { AcknowledgeWildcards, TARGET_WILDCARD_REASONS } from '../private/wildcard-acknowledgements';

/** Properties of a {@link TargetAccountStack}. */
export interface TargetAccountStackProps extends StackProps {
  /** The project's naming contract (name and id resolved: `projectId` is required in multi-account mode). */
  readonly names: ProjectNames;
  /** The project's accounts. */
  readonly accounts: DeploymentAccounts;
  /** The account this stack deploys to; one of the stage accounts. */
  readonly account: string;
  /** The project's settings (data retention, teardown, tags, log retention, alarm e-mail). */
  readonly settings: Pick<SageMakerProjectSettings, 'retainData' | 'teardown' | 'tags' | 'logRetention' | 'alarmEmail'>;
  /**
   * The project's `permissionsBoundary` (a managed policy name or ARN): every role of this stack
   * gets the policy of the same path and name in this stack's account (a boundary an organisation
   * deploys to every account), or the AWS managed policy itself.
   * @default - none
   */
  readonly boundaryPolicy?: string;
}

/** What a target account holds for one stage: the roles the deploy pipeline and the endpoint use there. */
export interface TargetStageRoles {
  /** Role CloudFormation assumes to deploy the stage's endpoint stack. */
  readonly deployRole: iam.IRole;
  /** Role the project's deploy CodePipeline assumes for the stage's CloudFormation action. */
  readonly actionRole: iam.IRole;
  /** Role the stage's endpoint model runs as. */
  readonly modelExecutionRole: iam.IRole;
  /** Role the project's smoke test assumes (staging only). */
  readonly smokeTestRole?: iam.IRole;
}

/**
 * The per-project stack of a staging or production account (multi-account deployment), deployed
 * once by that account's administrator after the project stack: what the deploy pipeline needs
 * there, every role trusting exactly one named role of the project account (or a service of this
 * account). Also the account's data capture bucket and key (production payloads stay in the
 * account that serves them) and the SNS topic of its endpoint alarms.
 *
 * With the project's `teardown` setting, deleting this stack first deletes the endpoint stacks the
 * pipeline created here (tagged with the project's id only), while the deploy role still exists.
 */
export class TargetAccountStack extends Stack {
  /** The roles of each stage this account hosts. */
  public readonly stages: Readonly<Partial<Record<DeploymentStage, TargetStageRoles>>>;
  /** The account's KMS key (data capture, endpoint volumes, alarm topic). */
  public readonly key: kms.IKey;
  /** Where the account's endpoints capture their requests and responses. */
  public readonly dataCaptureBucket: s3.IBucket;
  /** The topic of the account's endpoint alarms. */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: TargetAccountStackProps) {
    super(scope, id, { ...props, env: { account: props.account, region: props.env?.region } });
    const { names, accounts, settings } = props;
    const hosted = (Object.entries(accounts.stageAccounts) as Array<[DeploymentStage, string]>)
      .filter(([, account]) => account === props.account).map(([stage]) => stage);
    const retain = settings.retainData;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const key = new kms.Key(this, 'Key', {
      description: `SageMaker project ${names.pipelineName}: endpoint data capture, volumes and alarms in this account`,
      alias: names.targetKeyAliasName,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    denyGrantsExceptForAwsResources(key);
    this.key = key;

    const accessLogs = accessLogsBucket(this, 'AccessLogs', { removalPolicy, autoDeleteObjects: !retain });
    const dataCapture = dataBucket(this, 'DataCapture', {
      bucketName: names.dataCaptureBucketName(props.account),
      key,
      accessLogs,
      accessLogsPrefix: 'data-capture/',
      retain,
    });
    for (const b of [dataCapture, accessLogs]) b.policy?.applyRemovalPolicy(removalPolicy);
    this.dataCaptureBucket = dataCapture;

    // The endpoint alarms of this account's stages notify people here; CloudWatch may publish, and
    // use the key for the topic, for those alarms only (as with the project's own topic).
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      names,
      key,
      topicName: names.targetAlarmTopicName,
      stages: hosted,
      email: settings.alarmEmail,
    }).topic;

    const roles: Partial<Record<DeploymentStage, TargetStageRoles>> = {};
    for (const stage of hosted) {
      roles[stage] = this.stageRoles(stage, names, accounts.projectAccount, key, dataCapture);
    }
    this.stages = roles;

    if (settings.teardown) {
      // The teardown's log groups use the key: CloudWatch Logs of this account only.
      key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'ProjectLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': this.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }));
      const stageRoles = Object.values(roles);
      new ProjectTeardown(this, 'Teardown', {
        names,
        // This account holds no model registry: nothing of it is touched.
        retainData: true,
        logs: { key, retention: settings.logRetention },
        stages: hosted,
        deleteSageMakerPipeline: false,
        // CloudFormation deletes the endpoint stacks with their deploy role.
        deleteAfter: [key, ...stageRoles.flatMap((r) => [r.deployRole, r.modelExecutionRole])],
        // The project's pipeline and smoke test lose their way in first: nothing redeploys meanwhile.
        deleteBefore: stageRoles.flatMap((r) => [r.actionRole, ...(r.smokeTestRole ? [r.smokeTestRole] : [])]),
      });
    }
    Tags.of(this).add('sagemaker:project-name', names.projectName);
    Tags.of(this).add('sagemaker:project-id', names.projectId);
    for (const [k, v] of Object.entries(settings.tags)) Tags.of(this).add(k, v);
    if (props.boundaryPolicy) {
      iam.PermissionsBoundary.of(this).apply(boundaryInThisAccount(this, props.boundaryPolicy));
    }
    Aspects.of(this).add(new AcknowledgeWildcards(TARGET_WILDCARD_REASONS));
    Aspects.of(this).add(new AcknowledgeCompliancePacks());
    Aspects.of(this).add(new SourceAccountOnServiceTrusts());
    Aspects.of(this).add(new EventBridgeNotifications());

    new CfnOutput(this, 'DataCaptureBucketName', { value: dataCapture.bucketName, description: 'Data capture of the endpoints in this account' });
    new CfnOutput(this, 'KeyArn', { value: key.keyArn, description: 'KMS key of data capture, endpoint volumes and the alarm topic' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic of the endpoint alarms; subscribe to it' });
  }

  private stageRoles(stage: DeploymentStage, names: ProjectNames, projectAccount: string, key: kms.IKey, dataCapture: s3.IBucket): TargetStageRoles {
    const scope = new Construct(this, stage === 'staging' ? 'Staging' : 'Prod');
    const endpoint = names.endpointName(stage);
    // The project account's bucket and key, named (and held to that account) before they are granted here.
    const projectBucketObjects = (bucketName: string, prefix: string) => this.formatArn({
      service: 's3', region: '', account: '', resource: bucketName, resourceName: `${prefix}*`,
    });
    const inProjectAccount = { StringEquals: { 's3:ResourceAccount': projectAccount } };
    const decryptProjectObjects = new iam.PolicyStatement({
      sid: 'DecryptProjectObjects',
      actions: ['kms:Decrypt'],
      // The project key's id is not known here; its project-id tag is, and only S3 may use it for us.
      resources: [this.formatArn({ service: 'kms', account: projectAccount, resource: 'key', resourceName: '*' })],
      conditions: {
        StringEquals: {
          'aws:ResourceTag/sagemaker:project-id': names.projectId,
          'kms:ViaService': `s3.${this.region}.amazonaws.com`,
        },
      },
    });

    const modelExecutionRole = new iam.Role(scope, 'ModelExecutionRole', {
      roleName: names.targetRoleName(stage, 'model'),
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `Model of the ${endpoint} endpoint of SageMaker project ${names.projectName}`,
    });
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelArtifacts',
      actions: ['s3:GetObject'],
      resources: [projectBucketObjects(names.artifactBucketName, `${names.pipelineName}/`)],
      conditions: inProjectAccount,
    }));
    modelExecutionRole.addToPrincipalPolicy(decryptProjectObjects);
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [this.formatArn({ service: 'sagemaker', account: projectAccount, resource: 'model-package', resourceName: `${names.pipelineNameInArn}/*` })],
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PullProjectImages',
      // The project's own images (containers/<name>/), which the project repository's policy lets these model roles pull.
      actions: ECR_PULL_ACTIONS,
      resources: [this.formatArn({ service: 'ecr', account: projectAccount, resource: 'repository', resourceName: names.imageRepositoryName })],
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteDataCapture',
      actions: ['s3:PutObject'],
      resources: [dataCapture.arnForObjects(`datacapture-${stage}/*`)],
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptDataCapture',
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
    }));
    grantSageMakerLogging(modelExecutionRole, this, [{ group: `/aws/sagemaker/Endpoints/${endpoint}`, streamPrefix: '' }]);

    const deployRole = new EndpointDeployRole(scope, 'CfnDeployRole', {
      names,
      key,
      modelExecutionRole,
      stages: [stage],
      alarmTopic: this.alarmTopic,
      modelPackageAccount: projectAccount,
      roleName: names.targetRoleName(stage, 'cfn-deploy'),
    });

    const actionRole = new iam.Role(scope, 'CfnActionRole', {
      roleName: names.targetRoleName(stage, 'cfn-action'),
      assumedBy: new iam.ArnPrincipal(roleArn(projectAccount, names.deployPipelineRoleName)),
      description: `The deploy pipeline of SageMaker project ${names.projectName} deploying the ${stage} endpoint stack here`,
    });
    actionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeployEndpointStack',
      actions: [
        'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResources',
        'cloudformation:GetTemplate', 'cloudformation:CreateStack', 'cloudformation:UpdateStack',
        // A stack whose first creation failed is replaced (the action's REPLACE_ON_FAILURE mode).
        'cloudformation:DeleteStack',
      ],
      resources: [this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${names.deployStackName(stage)}/*` })],
    }));
    grantPassRole(actionRole, deployRole, 'cloudformation.amazonaws.com');
    actionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadPipelineArtifacts',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [projectBucketObjects(names.pipelineArtifactsBucketName, '')],
      conditions: inProjectAccount,
    }));
    actionRole.addToPrincipalPolicy(decryptProjectObjects);

    let smokeTestRole: iam.Role | undefined;
    if (stage === 'staging') {
      smokeTestRole = new iam.Role(scope, 'SmokeTestRole', {
        roleName: names.targetRoleName(stage, 'smoke-test'),
        assumedBy: new iam.ArnPrincipal(roleArn(projectAccount, names.smokeTestBuildRoleName)),
        description: `The smoke test of SageMaker project ${names.projectName} invoking ${endpoint}`,
      });
      smokeTestRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'InvokeStagingEndpoint',
        actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
        resources: [sageMakerArn(this, 'endpoint', names.endpointNameInArn(stage))],
        conditions: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
      }));
    }

    const out = (suffix: string, role: iam.IRole) => new CfnOutput(this, `${stage === 'staging' ? 'Staging' : 'Prod'}${suffix}`, {
      value: role.roleArn, description: `${suffix} of the ${stage} stage`,
    });
    out('ModelExecutionRoleArn', modelExecutionRole);
    out('CfnDeployRoleArn', deployRole);
    out('CfnActionRoleArn', actionRole);
    if (smokeTestRole) out('SmokeTestRoleArn', smokeTestRole);
    return { deployRole, actionRole, modelExecutionRole, smokeTestRole };
  }
}

/**
 * The target account stacks of a project (none in single-account mode): one per distinct target
 * account, named `sagemaker-<name>-<id>-target-<account>`, each deployed in its account after the
 * project stack.
 */
export function addTargetAccountStacks(
  scope: Construct,
  project: SageMakerProject,
  accounts: DeploymentAccounts | undefined,
  permissionsBoundary?: string,
): TargetAccountStack[] {
  return targetAccounts(accounts).map(({ account, stages }) => new TargetAccountStack(scope, project.names.targetStackName(account), {
    names: project.names,
    accounts: accounts!,
    account,
    settings: project.settings,
    boundaryPolicy: permissionsBoundary,
    description: `SageMaker MLOps project ${project.names.projectName}: what its ${stages.join(' and ')} deployment needs in account ${account}`,
  }));
}

/**
 * The permissions boundary `nameOrArn` names, in `stack`'s account: a customer managed policy's
 * ARN is rewritten to the same path and name there; an AWS managed policy (account `aws`) is kept.
 */
function boundaryInThisAccount(stack: Stack, nameOrArn: string): iam.IManagedPolicy {
  if (!nameOrArn.startsWith('arn:')) return iam.ManagedPolicy.fromManagedPolicyName(stack, 'PermissionsBoundary', nameOrArn);
  const arn = Arn.split(nameOrArn, ArnFormat.SLASH_RESOURCE_NAME);
  if (arn.account === 'aws') return iam.ManagedPolicy.fromManagedPolicyArn(stack, 'PermissionsBoundary', nameOrArn);
  return iam.ManagedPolicy.fromManagedPolicyArn(stack, 'PermissionsBoundary', stack.formatArn({
    service: 'iam', region: '', resource: 'policy', resourceName: arn.resourceName,
  }));
}
