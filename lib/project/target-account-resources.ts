import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, BootstraplessSynthesizer, CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeploymentAccounts, TARGET_SETUP, targetAccounts } from '../contract/accounts';
import { DeploymentStage, ProjectNames } from '../contract/names';
import { ALARM_EMAIL_MAX_LENGTH, ALARM_EMAIL_PATTERN, PROJECT_NAME_PATTERN, STUDIO_PROJECT_ID_MAX_LENGTH, STUDIO_PROJECT_ID_PATTERN, STUDIO_PROJECT_NAME_MAX_LENGTH } from '../contract/rules';
import { accessLogsBucket } from '../private/access-logs-bucket';
import { SourceAccountOnServiceTrusts } from '../private/confused-deputy';
import { dataBucket } from '../private/data-bucket';
import { EventBridgeNotifications } from '../private/eventbridge-notifications';
import { denyGrantsExceptForAwsResources, ECR_PULL_ACTIONS, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';
import { AcknowledgeCompliancePacks } from '../private/compliance-pack-acknowledgements';
import { AcknowledgeWildcards, TARGET_WILDCARD_REASONS } from '../private/wildcard-acknowledgements';
import { AlarmTopic } from './alarm-topic';
import { BatchScheduleRole, grantBatchSmokeTest, grantBatchStageData } from './batch-inference';

/** What of the project's settings a target account's resources follow. */
export interface TargetAccountSettings {
  /** Whether no object version of the data capture bucket may be deleted (the bucket, its logs and the key are kept either way). */
  readonly retainData: boolean;
  /** Tags of every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Address subscribed to the account's alarm topic. */
  readonly alarmEmail?: string;
}

/** Properties of {@link TargetAccountResources}. */
export interface TargetAccountResourcesProps {
  /** The project's naming contract (a configured `projectId`). */
  readonly names: ProjectNames;
  /** The project's accounts. */
  readonly accounts: DeploymentAccounts;
  /** The target account these resources are in (their stack's account). */
  readonly account: string;
  readonly settings: TargetAccountSettings;
  /**
   * IAM path of the project account's roles (the staging smoke-test role trusts its build role by ARN).
   * @default '/'
   */
  readonly projectRolePath?: string;
  /**
   * Context of the app the template is synthesized in (the feature flags of the project's app,
   * so that the template is what that app would build).
   * @default - none
   */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** The roles of one stage in its target account. */
export interface TargetStageRoles {
  /** Role the stage's endpoint model runs as. */
  readonly modelExecutionRole: iam.IRole;
  /** Role the project's smoke test assumes (staging only). */
  readonly smokeTestRole?: iam.IRole;
  /** Role EventBridge Scheduler starts the stage's batch runs with (a batch stage of the deploy seed). */
  readonly batchScheduleRole: iam.IRole;
}

/**
 * What a multi-account project needs in one target account, for the stages it hosts: the model
 * role of each stage (which a batch stage's transforms run as too, on its own batch folders of the
 * bucket), the schedule role of a batch stage, the staging smoke test's role, a KMS key, the data capture bucket (and its
 * access logs) and the alarm topic. The deploy pipeline deploys it there (stack
 * `sagemaker-<name>-<id>-target-<account>`) through the account's one-time set-up
 * (`TargetAccountSetupStack`), before the stage's endpoint stack, so it holds nothing the set-up's
 * execution role may not create: its roles are under the set-up's stage role path with the set-up's
 * boundary, and nothing needs an asset (no custom resource, no function), which the target account
 * would have to publish. The buckets and the key are therefore retained when the stack is deleted
 * (CloudFormation cannot empty a bucket by itself).
 */
export class TargetAccountResources extends Construct {
  /** The roles of each stage this account hosts. */
  public readonly stages: Readonly<Partial<Record<DeploymentStage, TargetStageRoles>>>;
  /** The account's KMS key (data capture, endpoint volumes, alarm topic). */
  public readonly key: kms.IKey;
  /** Where the account's endpoints capture their requests and responses. */
  public readonly dataCaptureBucket: s3.IBucket;
  /** The topic of the account's endpoint alarms. */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: TargetAccountResourcesProps) {
    super(scope, id);
    const { names, accounts, settings, account } = props;
    const stack = Stack.of(this);
    const hosted = (Object.entries(accounts.stageAccounts) as Array<[DeploymentStage, string]>)
      .filter(([, a]) => a === account).map(([stage]) => stage);

    const key = new kms.Key(this, 'Key', {
      description: `SageMaker project ${names.pipelineName}: endpoint data capture, volumes and alarms in this account`,
      alias: names.targetKeyAliasName,
      enableKeyRotation: true,
      // The data capture it encrypts is kept.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    denyGrantsExceptForAwsResources(key);
    this.key = key;

    const accessLogs = accessLogsBucket(this, 'AccessLogs', {
      bucketName: names.dataCaptureLogsBucketName(account),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const dataCapture = dataBucket(this, 'DataCapture', {
      bucketName: names.dataCaptureBucketName(account),
      key,
      accessLogs,
      accessLogsPrefix: 'data-capture/',
      retain: settings.retainData,
      // Emptying a bucket takes a function, an asset the target account does not publish.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const b of [dataCapture, accessLogs]) b.policy?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.dataCaptureBucket = dataCapture;

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      names,
      key,
      topicName: names.targetAlarmTopicName,
      stages: hosted,
      email: settings.alarmEmail,
    }).topic;

    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(this, 'StageRoleBoundary', stack.formatArn({
      service: 'iam', region: '', resource: 'policy', resourceName: `${TARGET_SETUP.path.slice(1)}${TARGET_SETUP.stageRoleBoundaryName}`,
    }));
    const roles: Partial<Record<DeploymentStage, TargetStageRoles>> = {};
    for (const stage of hosted) roles[stage] = this.stageRoles(stage, props, key, dataCapture, boundary);
    this.stages = roles;

    new CfnOutput(stack, 'DataCaptureBucketName', { value: dataCapture.bucketName, description: 'Data capture of the endpoints in this account' });
    new CfnOutput(stack, 'KeyArn', { value: key.keyArn, description: 'KMS key of data capture, endpoint volumes and the alarm topic' });
    new CfnOutput(stack, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic of the endpoint alarms; subscribe to it' });
  }

  private stageRoles(stage: DeploymentStage, props: TargetAccountResourcesProps, key: kms.IKey, dataCapture: s3.IBucket,
    boundary: iam.IManagedPolicy): TargetStageRoles {
    const { names } = props;
    const projectAccount = props.accounts.projectAccount;
    const stack = Stack.of(this);
    const scope = new Construct(this, stage === 'staging' ? 'Staging' : 'Prod');
    const endpoint = names.endpointName(stage);
    const roleProps = { path: TARGET_SETUP.stageRolePath, permissionsBoundary: boundary };
    // The project account's bucket and key, named (and held to that account) before they are granted here.
    const inProjectAccount = { StringEquals: { 's3:ResourceAccount': projectAccount } };

    const modelExecutionRole = new iam.Role(scope, 'ModelExecutionRole', {
      ...roleProps,
      roleName: names.targetRoleName(stage, 'model'),
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `Model of the ${endpoint} endpoint of SageMaker project ${names.projectName}`,
    });
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelArtifacts',
      actions: ['s3:GetObject'],
      resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: names.artifactBucketName, resourceName: `${names.pipelineName}/*` })],
      conditions: inProjectAccount,
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DecryptProjectObjects',
      actions: ['kms:Decrypt'],
      // The project key's id is not known here; its project-id tag is, and only S3 may use it for us.
      resources: [stack.formatArn({ service: 'kms', account: projectAccount, resource: 'key', resourceName: '*' })],
      conditions: {
        StringEquals: {
          'aws:ResourceTag/sagemaker:project-id': names.projectId,
          'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
        },
      },
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [stack.formatArn({ service: 'sagemaker', account: projectAccount, resource: 'model-package', resourceName: `${names.pipelineNameInArn}/*` })],
    }));
    modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PullProjectImages',
      // The project's own images (containers/<name>/), which the project repository's policy lets these model roles pull.
      actions: ECR_PULL_ACTIONS,
      resources: [stack.formatArn({ service: 'ecr', account: projectAccount, resource: 'repository', resourceName: names.imageRepositoryName })],
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
      // As the boundary allows: through S3 only.
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }));
    grantSageMakerLogging(modelExecutionRole, this, [{ group: `/aws/sagemaker/Endpoints/${endpoint}`, streamPrefix: '' }]);

    let smokeTestRole: iam.Role | undefined;
    if (stage === 'staging') {
      smokeTestRole = new iam.Role(scope, 'SmokeTestRole', {
        ...roleProps,
        roleName: names.targetRoleName(stage, 'smoke-test'),
        assumedBy: new iam.ArnPrincipal(stack.formatArn({
          service: 'iam', region: '', account: projectAccount, resource: 'role',
          resourceName: `${(props.projectRolePath ?? '/').slice(1)}${names.smokeTestBuildRoleName}`,
        })),
        description: `The smoke test of SageMaker project ${names.projectName} invoking ${endpoint}`,
      });
      smokeTestRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'InvokeStagingEndpoint',
        actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
        resources: [sageMakerArn(this, 'endpoint', names.endpointNameInArn(stage))],
        conditions: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
      }));
    }

    // A batch stage of the deploy seed ("inference": "batch"): its runs read batch-input/<stage>/ and
    // write batch-output/<stage>/ of this account's bucket as the stage's model role (no other
    // stage's folders), with this account's key through S3; EventBridge Scheduler starts them with
    // the stage's schedule role, named so that the project stack passes it to the deploy build
    // (BATCH_SCHEDULE_ROLES); the staging test puts its sample, runs and reads it as the smoke-test
    // role. The set-up's execution role deploys the batch stack (schedule, rule, model) and may pass
    // this schedule role to EventBridge Scheduler only.
    const batchScheduleRole = new BatchScheduleRole(scope, 'BatchScheduleRole', {
      ...roleProps, names, stage, key, roleName: names.targetRoleName(stage, 'batch-schedule'),
    });
    grantBatchStageData(modelExecutionRole, this, dataCapture, key, names, stage, { throughS3Only: true });
    if (smokeTestRole) grantBatchSmokeTest(smokeTestRole, this, dataCapture, key, names, { throughS3Only: true });

    const prefix = stage === 'staging' ? 'Staging' : 'Prod';
    new CfnOutput(stack, `${prefix}ModelExecutionRoleArn`, { value: modelExecutionRole.roleArn, description: `Model role of the ${stage} stage` });
    if (smokeTestRole) new CfnOutput(stack, `${prefix}SmokeTestRoleArn`, { value: smokeTestRole.roleArn, description: `Smoke test role of the ${stage} stage` });
    new CfnOutput(stack, `${prefix}BatchScheduleRoleArn`, { value: batchScheduleRole.roleArn, description: `Batch schedule role of the ${stage} stage` });
    return { modelExecutionRole, smokeTestRole, batchScheduleRole };
  }
}

/**
 * The parameters of a target account's template whose project name and id are template parameters
 * (a project created from a Studio template): the deploy pipeline passes them
 * ({@link targetTemplateParameterOverrides}), so the one template serves every project of the template.
 */
export const TARGET_TEMPLATE_PARAMETERS = {
  projectName: 'SageMakerProjectName',
  projectId: 'SageMakerProjectId',
  alarmEmail: 'AlarmEmail',
} as const;

/**
 * What the deploy pipeline's CloudFormation action passes to a target account's template: the
 * project's name, id and alarm address when they are template parameters; nothing otherwise (the
 * template holds them).
 */
export function targetTemplateParameterOverrides(names: ProjectNames, settings: TargetAccountSettings): Record<string, string> | undefined {
  if (!Token.isUnresolved(names.projectId)) return undefined;
  return {
    [TARGET_TEMPLATE_PARAMETERS.projectName]: names.projectName,
    [TARGET_TEMPLATE_PARAMETERS.projectId]: names.projectId,
    [TARGET_TEMPLATE_PARAMETERS.alarmEmail]: settings.alarmEmail ?? '',
  };
}

/** The target template's own parameters ({@link TARGET_TEMPLATE_PARAMETERS}), with the Studio template's constraints. */
function targetTemplateParameters(stack: Stack): { names: ProjectNames; alarmEmail: string } {
  const name = new CfnParameter(stack, TARGET_TEMPLATE_PARAMETERS.projectName, {
    type: 'String', description: 'Name of the SageMaker project', allowedPattern: PROJECT_NAME_PATTERN, minLength: 1, maxLength: STUDIO_PROJECT_NAME_MAX_LENGTH,
  });
  const id = new CfnParameter(stack, TARGET_TEMPLATE_PARAMETERS.projectId, {
    type: 'String', description: 'Id of the SageMaker project', allowedPattern: STUDIO_PROJECT_ID_PATTERN, minLength: 1, maxLength: STUDIO_PROJECT_ID_MAX_LENGTH,
  });
  const email = new CfnParameter(stack, TARGET_TEMPLATE_PARAMETERS.alarmEmail, {
    type: 'String', description: 'Address subscribed to the alarm topic; empty for none', allowedPattern: `^$|${ALARM_EMAIL_PATTERN}`,
    maxLength: ALARM_EMAIL_MAX_LENGTH, default: '',
  });
  return { names: new ProjectNames(name.valueAsString, id.valueAsString), alarmEmail: email.valueAsString };
}

/**
 * The stack of a target account's {@link TargetAccountResources}, in an app of its own: synthesized
 * without a bootstrap (no assets, no bootstrap version check: the target account is prepared by
 * its set-up stack only), region-agnostic (it deploys in the pipeline's region).
 *
 * When the project's name and id are template parameters (a Studio template), so are the target
 * template's ({@link TARGET_TEMPLATE_PARAMETERS}): every name in it comes from them, and the deploy
 * pipeline passes the project's values.
 * @param scope the app to add it to; by default a new one
 */
export function targetAccountResourcesStack(props: TargetAccountResourcesProps, scope?: App): Stack {
  const { account } = props;
  const parameterized = Token.isUnresolved(props.names.projectId);
  // By default an app of its own, in its own assembly folder: not the project app's (the CLI's
  // CDK_OUTDIR), whose manifest it would replace. (A given app: to check the stack with the app's others.)
  const app = scope ?? new App({ context: { ...props.context }, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-target-')) });
  const stages = targetAccounts(props.accounts).find((t) => t.account === account)?.stages ?? [];
  // The deploy pipeline names the deployed stack (names.targetStackName); this is the assembly's name.
  const stack = new Stack(app, parameterized ? `sagemaker-project-target-${account}` : props.names.targetStackName(account), {
    env: { account },
    synthesizer: new BootstraplessSynthesizer({}),
    description: parameterized
      ? `SageMaker MLOps project (created from a Studio template): what its ${stages.join(' and ')} deployment needs in account ${account}`
      : `SageMaker MLOps project ${props.names.projectName}: what its ${stages.join(' and ')} deployment needs in account ${account}`,
  });
  const own = parameterized ? targetTemplateParameters(stack) : undefined;
  const names = own?.names ?? props.names;
  const settings = own ? { ...props.settings, alarmEmail: own.alarmEmail } : props.settings;
  new TargetAccountResources(stack, 'Resources', { ...props, names, settings });
  Tags.of(stack).add('sagemaker:project-name', names.projectName);
  Tags.of(stack).add('sagemaker:project-id', names.projectId);
  for (const [k, v] of Object.entries(settings.tags)) Tags.of(stack).add(k, v);
  for (const aspect of [new AcknowledgeWildcards(TARGET_WILDCARD_REASONS), new AcknowledgeCompliancePacks(), new SourceAccountOnServiceTrusts(), new EventBridgeNotifications()]) {
    Aspects.of(stack).add(aspect);
  }
  return stack;
}

/** The template of {@link targetAccountResourcesStack}, as CloudFormation takes it. */
export function targetAccountResourcesTemplate(props: TargetAccountResourcesProps): string {
  const stack = targetAccountResourcesStack(props);
  const assembly = (stack.node.root as App).synth();
  try {
    return JSON.stringify(assembly.getStackByName(stack.stackName).template);
  } finally {
    fs.rmSync(assembly.directory, { recursive: true, force: true });
  }
}
