import { CustomResource, Duration, Stack, Tags, Validations } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { lambdaEntry } from '../paths';
import { setupRoleArn, TARGET_SETUP } from '../contract/accounts';
import { DEPLOYMENT_STAGES, DeploymentStage, ProjectNames } from '../contract/names';
import { bundledFunction } from '../private/bundled-function';
import { LogSettings, projectLogGroup } from '../private/log-settings';
import { CLOUDFORMATION_SERVICE, grantPassRole, sageMakerArn } from '../private/iam';
import { batchTransformJobArn } from './batch-inference';

/** Properties of {@link ProjectTeardown}. */
export interface ProjectTeardownProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /**
   * Whether the model registry is kept. When false, the teardown deletes the group's model
   * packages so CloudFormation can delete the (then empty) group.
   */
  readonly retainData: boolean;
  /** Encryption and retention of the teardown's logs. */
  readonly logs: LogSettings;
  /** Resources that must outlive the teardown (deleted only after it). */
  readonly deleteAfter: IDependable[];
  /** Resources that must go before the teardown runs (they could redeploy during it). */
  readonly deleteBefore: Construct[];
  /**
   * The stages whose endpoint stacks (in this stack's account) are deleted.
   * @default - both stages
   */
  readonly stages?: readonly DeploymentStage[];
  /**
   * The role CloudFormation deletes each stage's stack of this account with (the stage's deploy
   * role), passed with DeleteStack: a stack last deployed with another role (one that an update of
   * the project since narrowed to another stage) is still deleted with its own stage's.
   * @default - none: CloudFormation uses the role the stack was last deployed with
   */
  readonly stackRoles?: Readonly<Partial<Record<DeploymentStage, iam.IRole>>>;
  /**
   * Whether the SageMaker pipeline is deleted too (not in a target account, which has none).
   * @default true
   */
  readonly deleteSageMakerPipeline?: boolean;
  /**
   * Multi-account: the target accounts, each with the stages it hosts, whose project stacks the
   * teardown deletes there (the stages' endpoint or batch stacks first, then the account's
   * `sagemaker-<name>-<id>-target-<account>`), as each account's set-up access role, which it
   * assumes with a session tag of the project id, passing the set-up's execution role. The role of
   * the teardown is then named `sagemaker-<id>-teardown`, which that access role trusts.
   * @default - none
   */
  readonly targetAccounts?: ReadonlyArray<{ readonly account: string; readonly stages: readonly DeploymentStage[] }>;
}

/**
 * Deletes on project deletion what the project's pipelines created outside this stack: the
 * staging and prod endpoint stacks (waiting until they are gone), in a multi-account project also
 * those in the target accounts and the project's stack there, and the SageMaker pipeline.
 * Only resources tagged with this project's id are touched; a stack that fails to delete fails
 * the project's deletion with the stack's reason, instead of leaving an orphan that keeps billing.
 */
export class ProjectTeardown extends Construct {
  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ProjectTeardownProps) {
    super(scope, id);
    const { names } = props;
    const stack = Stack.of(this);
    const stages = props.stages ?? DEPLOYMENT_STAGES;
    const deletePipeline = props.deleteSageMakerPipeline ?? true;
    const entry = lambdaEntry('teardown');
    const targets = props.targetAccounts ?? [];
    const stackRoles = stages.flatMap((s) => (props.stackRoles?.[s] ? [[s, props.stackRoles[s]] as const] : []));
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Teardown handlers of ${names.pipelineName}`,
      // Multi-account: the name and tag the target accounts' access roles trust.
      ...(targets.length > 0 ? { roleName: names.teardownRoleName } : {}),
    });
    if (targets.length > 0) Tags.of(role).add(TARGET_SETUP.projectIdTag, names.projectId);
    // What to delete is the functions' own configuration, not the invoking event's (a direct
    // invocation with a forged event must not delete anything); the custom resource repeats it so
    // that a change reaches CloudFormation as an update.
    const properties = {
      ProjectName: names.projectName,
      ProjectId: names.projectId,
      StackNames: stages.map((s) => names.deployStackName(s)),
      // A list, not a map: the stack names hold the project id, a deploy-time value when derived.
      ...(stackRoles.length > 0 ? { StackRoles: stackRoles.map(([s, r]) => ({ StackName: names.deployStackName(s), RoleArn: r.roleArn })) } : {}),
      ...(deletePipeline ? { PipelineName: names.pipelineName } : {}),
      ModelPackageGroupName: names.modelPackageGroupName,
      RetainData: String(props.retainData),
      ...(targets.length > 0 ? {
        TargetAccounts: targets.map(({ account, stages: hosted }) => ({
          Account: account,
          AccessRoleArn: setupRoleArn(account, 'deployAccess'),
          ExecutionRoleArn: setupRoleArn(account, 'execution'),
          StackNames: hosted.map((s) => names.deployStackName(s)),
          ResourcesStackName: names.targetStackName(account),
        })),
      } : {}),
    };
    const common = {
      entry,
      role,
      description: `Deletes the endpoint stacks and SageMaker pipeline of ${names.pipelineName} with the project`,
      logs: props.logs,
      environment: {
        TEARDOWN_PROPERTIES: stack.toJsonString(properties),
        // Deletes only while this stack is being deleted.
        PROJECT_STACK_ID: stack.stackId,
      },
    };
    const onEvent = bundledFunction(this, 'OnEvent', { ...common, handler: 'onEvent', timeout: Duration.minutes(5) });
    const isComplete = bundledFunction(this, 'IsComplete', { ...common, handler: 'isComplete', timeout: Duration.minutes(5) });

    const stackArns = stages.map((s) => stack.formatArn({
      service: 'cloudformation', resource: 'stack', resourceName: `${names.deployStackName(s)}/*`,
    }));
    // Multi-account: a stage in another account is that account's stack's to tear down.
    if (stackArns.length > 0) role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeleteEndpointStacks',
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DeleteStack'],
      resources: stackArns,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadOwnStackStatus',
      actions: ['cloudformation:DescribeStacks'],
      resources: [stack.stackId],
    }));
    if (targets.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'UseTargetAccountAccessRoles',
        // Tagged with this project's id, the only session tag the access roles accept from this role.
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: targets.map(({ account }) => setupRoleArn(account, 'deployAccess')),
        conditions: {
          StringEquals: { [`aws:RequestTag/${TARGET_SETUP.projectIdTag}`]: names.projectId },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TARGET_SETUP.projectIdTag] },
        },
      }));
    }
    if (deletePipeline) this.grantDeletePipeline(role, names);
    // Running batch transforms of the stages (the deploy seed's batch stages) are stopped.
    if (stages.length > 0) {
      const jobs = stages.map((s) => batchTransformJobArn(this, names, s));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'FindBatchTransformJobs',
        // ListTransformJobs has no resource type in IAM; it can only be granted on '*'.
        actions: ['sagemaker:ListTransformJobs'],
        resources: ['*'],
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadBatchTransformJobTags',
        actions: ['sagemaker:ListTags'],
        resources: jobs,
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'StopBatchTransformJobs',
        actions: ['sagemaker:StopTransformJob'],
        resources: jobs,
        conditions: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
      }));
    }
    if (!props.retainData) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'EmptyModelRegistry',
        actions: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:ListTags', 'sagemaker:DeleteModelPackage'],
        resources: [
          sageMakerArn(this, 'model-package-group', names.pipelineNameInArn),
          sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`),
        ],
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ListModelPackages',
        actions: ['sagemaker:ListModelPackages'],
        resources: ['*'],
      }));
    }
    // DeleteStack with each stage's deploy role (which therefore is deleted after the teardown),
    // passed to CloudFormation only.
    for (const [, stackRole] of stackRoles) grantPassRole(role, stackRole, CLOUDFORMATION_SERVICE);

    // Two framework roles, not one: a single shared role makes a dependency cycle between the
    // waiter state machine, its role and the framework functions.
    const frameworkRole = (roleId: string, what: string) => new iam.Role(this, roleId, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Provider framework (${what}) of the ${names.pipelineName} teardown`,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: Duration.seconds(30),
      totalTimeout: Duration.hours(1),
      frameworkOnEventRole: frameworkRole('ProviderOnEventRole', 'onEvent'),
      frameworkCompleteAndTimeoutRole: frameworkRole('ProviderWaiterRole', 'isComplete and timeout'),
      disableWaiterStateMachineLogging: false,
      logGroup: projectLogGroup(this, 'ProviderLogs', props.logs),
      waiterStateMachineLogOptions: {
        destination: projectLogGroup(this, 'WaiterLogs', props.logs),
        level: sfn.LogLevel.ALL,
      },
    });

    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-SF2',
      reason: "The provider framework's internal waiter only polls isComplete every 30 s; X-Ray traces would add cost and show nothing the Lambda logs do not",
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SageMakerProjectTeardown',
      properties,
    });
    // Deleted first: the deploy role and the model package group must still exist meanwhile.
    for (const d of props.deleteAfter) this.resource.node.addDependency(d);
    for (const c of props.deleteBefore) c.node.addDependency(this.resource);
  }

  private grantDeletePipeline(role: iam.Role, names: ProjectNames): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeleteSageMakerPipeline',
      actions: ['sagemaker:DescribePipeline', 'sagemaker:ListPipelineExecutions', 'sagemaker:DeletePipeline', 'sagemaker:ListTags'],
      resources: [sageMakerArn(this, 'pipeline', names.pipelineNameInArn)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'StopRunningExecutions',
      // DeletePipeline refuses while an execution runs.
      actions: ['sagemaker:StopPipelineExecution'],
      resources: [sageMakerArn(this, 'pipeline', `${names.pipelineNameInArn}/execution/*`)],
    }));
  }
}
