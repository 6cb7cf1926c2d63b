import { ArnFormat, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { endpointStackAlarmArns } from './alarm-topic';
import { grantBatchDeploy } from './batch-inference';
import { DeploymentStage, ProjectNames } from '../contract/names';
import { CLOUDFORMATION_SERVICE, grantCreateGrantForAwsResources, grantPassRole, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';

/** Tag of every resource of a project's endpoint stacks: the project id (SageMaker's key). */
export const PROJECT_ID_TAG = 'sagemaker:project-id';
/** Tag of every resource of an endpoint stack: its stage (SageMaker's key). */
export const DEPLOYMENT_STAGE_TAG = 'sagemaker:deployment-stage';

/**
 * The scalable dimensions of the endpoint stacks: a variant's instance count, and an inference
 * component's copy count (a stage that scales to zero).
 */
export const SAGEMAKER_SCALABLE_DIMENSIONS = ['sagemaker:variant:DesiredInstanceCount', 'sagemaker:inference-component:DesiredCopyCount'] as const;

/** Properties of {@link EndpointDeployRole}. */
export interface EndpointDeployRoleProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** The project's KMS key (endpoint volumes and data capture). */
  readonly key: kms.IKey;
  /** Role the endpoints' models run as; the only role this one may pass (to SageMaker). */
  readonly modelExecutionRole: iam.IRole;
  /** The alarm topic of the endpoints (the project's, or a target account's): the only action the endpoint stacks' alarms may have. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The one stage whose endpoint (or batch) stack `<name>-<id>-deploy-<stage>` this role deploys:
   * every resource it may create or change is that stage's (its name, or its
   * `sagemaker:deployment-stage` tag), so the staging stack cannot change prod's.
   */
  readonly stage: DeploymentStage;
  /**
   * Account of the model registry (multi-account: the project account, when this role is a target account's).
   * @default - this stack's account
   */
  readonly modelPackageAccount?: string;
  /**
   * Name of the role.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * The stage's schedule role, when it may deploy as a batch stage (`"inference": "batch"` in the
   * deploy seed): the role may then manage the stage's schedule and failure rule, and pass this
   * schedule role to EventBridge Scheduler.
   * @default - the stage may not be a batch stage
   */
  readonly batchScheduleRole?: iam.IRole;
  /**
   * The stage's batch model role, when it is not {@link modelExecutionRole} (the project
   * account's per-stage batch model roles): the role may pass it to SageMaker too.
   * @default - a batch stage's model runs as `modelExecutionRole`
   */
  readonly batchModelRole?: iam.IRole;
}

/**
 * The role CloudFormation assumes to deploy one stage's endpoint (or batch) stack
 * (`<name>-<id>-deploy-<stage>`): the endpoint `<name>-<stage>`, models, endpoint configurations
 * and inference components carrying the project-id and that stage's `sagemaker:deployment-stage`
 * tags, the stack's alarms and auto scaling, the stage's batch schedule and rule, and nothing of
 * the other stage.
 *
 * A `Role` itself rather than a construct holding one, so it keeps the construct id (and logical
 * id) it had when `ModelDeploy` created it directly.
 */
export class EndpointDeployRole extends iam.Role {
  constructor(scope: Construct, id: string, props: EndpointDeployRoleProps) {
    const { names, stage } = props;
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal(CLOUDFORMATION_SERVICE),
      description: `CloudFormation deploying the ${names.pipelineName} ${stage} endpoint stack`,
      roleName: props.roleName,
    });
    const registry = props.modelPackageAccount === undefined ? {} : { account: props.modelPackageAccount };
    const { key } = props;
    const stack = Stack.of(this);
    const modelRole = props.modelExecutionRole;
    const packageArns = [
      stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: names.pipelineNameInArn, ...registry }),
      stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${names.pipelineNameInArn}/*`, ...registry }),
    ];
    const endpointArns = [sageMakerArn(this, 'endpoint', names.endpointNameInArn(stage))];
    // A stage that scales to zero serves its model as the inference component <endpoint>-model.
    const componentArns = [sageMakerArn(this, 'inference-component', names.inferenceComponentNameInArn(stage))];
    // This project's id and this stage: the endpoint stacks tag every resource with both.
    const stageTags = (kind: 'aws:RequestTag' | 'aws:ResourceTag') => ({
      [`${kind}/${PROJECT_ID_TAG}`]: names.projectId,
      [`${kind}/${DEPLOYMENT_STAGE_TAG}`]: stage,
    });
    const requestTagged = { StringEquals: stageTags('aws:RequestTag') };
    const resourceTagged = { StringEquals: stageTags('aws:ResourceTag') };
    // Models and endpoint configurations get names from CloudFormation (a blue/green update
    // replaces them); the project-id and stage tags, required at creation, are what scope them:
    // the other stage's models and configurations carry its own stage tag.
    const modelsAndConfigs = [sageMakerArn(this, 'model', '*'), sageMakerArn(this, 'endpoint-config', '*')];
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateTaggedModelsAndEndpoints',
      actions: ['sagemaker:CreateModel', 'sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint', 'sagemaker:CreateInferenceComponent'],
      resources: [...modelsAndConfigs, ...endpointArns, ...componentArns],
      conditions: requestTagged,
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagProjectModelsAndEndpoints',
      // Tags at creation (the resource has no tags yet) or on this stage's resources: another
      // project's or the other stage's model or endpoint cannot be re-tagged into this stage.
      actions: ['sagemaker:AddTags'],
      resources: [...modelsAndConfigs, ...endpointArns, ...componentArns],
      conditions: {
        ...requestTagged,
        StringEqualsIfExists: stageTags('aws:ResourceTag'),
      },
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageProjectModelsAndEndpoints',
      actions: [
        'sagemaker:DescribeModel', 'sagemaker:DeleteModel',
        'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig',
        'sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint',
        // Application Auto Scaling sets the stage variant's instance count with the caller's rights.
        'sagemaker:UpdateEndpointWeightsAndCapacities',
        'sagemaker:ListTags', 'sagemaker:DeleteTags',
        // A stage that scales to zero: a new model updates the component; auto scaling sets its copies.
        'sagemaker:DescribeInferenceComponent', 'sagemaker:UpdateInferenceComponent', 'sagemaker:DeleteInferenceComponent',
        'sagemaker:UpdateInferenceComponentRuntimeConfig',
      ],
      resources: [...modelsAndConfigs, ...endpointArns, ...componentArns],
      conditions: resourceTagged,
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: packageArns,
    }));
    if (props.modelPackageAccount !== undefined) {
      // A model from another account's package: what the group's resource policy grants this role
      // (modelPackageGroupGrants), since a cross-account request needs both sides.
      this.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadModelPackageGroup',
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resources: [packageArns[0]],
      }));
      this.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CreateModelsFromPackages',
        actions: ['sagemaker:CreateModel', 'sagemaker:ListModelPackages'],
        resources: [packageArns[1]],
      }));
    }
    grantPassRole(this, modelRole, SAGEMAKER_SERVICE);
    // Endpoint volumes and data capture are encrypted with the project key.
    grantCreateGrantForAwsResources(this, key);

    // CloudFormation names alarms `<stack name>-<logical id>-<suffix>`; target tracking names
    // its alarms `TargetTracking-endpoint/<endpoint>/...` (a variant) or
    // `TargetTracking-inference-component/<component>-...` (a stage that scales to zero).
    const stackAlarms = endpointStackAlarmArns(this, names, [stage]);
    const targetTrackingAlarms = [
      `TargetTracking-endpoint/${names.endpointName(stage)}/*`,
      `TargetTracking-inference-component/${names.inferenceComponentName(stage)}-*`,
    ].map((resourceName) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    // The step scaling policies that wake a stage scaled to zero; the stack's
    // NoCapacityInvocationFailures alarm acts on one (Application Auto Scaling generates the id).
    // Partition, region and account left open: an alarm can only act on its own region's
    // policies, and a plain string keeps the policy small.
    const wakePolicies = [
      `arn:*:autoscaling:*:*:scalingPolicy:*:resource/sagemaker/inference-component/${names.inferenceComponentName(stage)}:policyName/*`,
    ];
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EndpointAlarms',
      actions: ['cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource'],
      resources: [...stackAlarms, ...targetTrackingAlarms],
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EndpointStackAlarmsNotifyProjectTopic',
      // An alarm action acts with CloudWatch's rights (SNS, Lambda, EC2, Systems Manager): the
      // stage stack's alarms may only notify the project topic, or (the scale-to-zero wake-up
      // alarm) run a scaling policy of this stage's inference component.
      actions: ['cloudwatch:PutMetricAlarm'],
      resources: stackAlarms,
      conditions: { 'ForAllValues:StringLike': { 'cloudwatch:AlarmActions': [props.alarmTopic.topicArn, ...wakePolicies] } },
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TargetTrackingAlarms',
      // Application Auto Scaling creates its alarms (acting on the scaling policy) with the caller's rights.
      actions: ['cloudwatch:PutMetricAlarm'],
      resources: targetTrackingAlarms,
    }));
    // Scalable target ARNs carry a generated id, not the endpoint's name, so the resource is
    // scalable-target/* and the tags scope it: the endpoint stacks tag their targets with the
    // project id and the stage, and the role requires both (Application Auto Scaling:
    // aws:RequestTag on RegisterScalableTarget and TagResource, aws:ResourceTag on every action on
    // a target; scaling policies have no tags and are authorized on their target). The two condition keys of registering and scaling
    // policies keep them to SageMaker variants and inference components.
    const scalableTargets = [stack.formatArn({ service: 'application-autoscaling', resource: 'scalable-target', resourceName: '*' })];
    const sageMakerTargets = {
      'application-autoscaling:service-namespace': 'sagemaker',
      'application-autoscaling:scalable-dimension': [...SAGEMAKER_SCALABLE_DIMENSIONS],
    };
    // An inline policy of their own (aws-cdk-lib would move statements past its estimate of the
    // default policy's limit into a managed policy, which the Studio and Service Catalog launch
    // roles may not create). A child of the role: what depends on the role (the teardown)
    // depends on it too.
    new iam.Policy(this, 'AutoScalingPolicy', {
      roles: [this],
      statements: [
        new iam.PolicyStatement({
          sid: 'RegisterTaggedScalableTargets',
          // A new target only with this project's id and this stage as tags.
          // The call also updates a target that exists: then that target's tags must be these too.
          actions: ['application-autoscaling:RegisterScalableTarget'],
          resources: scalableTargets,
          conditions: {
            StringEquals: { ...sageMakerTargets, ...stageTags('aws:RequestTag') },
            StringEqualsIfExists: stageTags('aws:ResourceTag'),
          },
        }),
        new iam.PolicyStatement({
          sid: 'ManageProjectScalableTargets',
          // Only targets tagged with this project's id and this stage.
          actions: [
            'application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
            'application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy',
          ],
          resources: scalableTargets,
          conditions: { StringEquals: { ...sageMakerTargets, ...stageTags('aws:ResourceTag') } },
        }),
        new iam.PolicyStatement({
          sid: 'TagProjectScalableTargets',
          // Tagging knows neither condition key above (only aws:RequestTag and aws:TagKeys): only
          // targets tagged as above, never with another project id or stage, and never removing
          // either tag.
          actions: ['application-autoscaling:TagResource', 'application-autoscaling:ListTagsForResource'],
          resources: scalableTargets,
          conditions: { StringEquals: stageTags('aws:ResourceTag'), StringEqualsIfExists: stageTags('aws:RequestTag') },
        }),
        new iam.PolicyStatement({
          sid: 'UntagProjectScalableTargets',
          actions: ['application-autoscaling:UntagResource'],
          resources: scalableTargets,
          conditions: {
            'StringEquals': stageTags('aws:ResourceTag'),
            'ForAllValues:StringNotEquals': { 'aws:TagKeys': [PROJECT_ID_TAG, DEPLOYMENT_STAGE_TAG] },
          },
        }),
      ],
    });
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DescribeAutoScaling',
      // Application Auto Scaling's Describe* actions have no resource type: '*' only.
      actions: [
        'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies',
        'application-autoscaling:DescribeScalingActivities', 'cloudwatch:DescribeAlarms',
      ],
      resources: ['*'],
    }));
    this.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AutoScalingServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: 'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      })],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
    }));
    if (props.batchScheduleRole !== undefined) {
      grantBatchDeploy(this, { names, stage, scheduleRole: props.batchScheduleRole, modelRole: props.batchModelRole });
    }
  }
}
