import { ArnFormat, CfnCondition, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { DEPLOYMENT_STAGES, DeploymentStage, ProjectNames } from '../contract/names';
import { batchFailureRuleArn } from './batch-inference';

/** The CloudWatch service principal, which publishes alarm notifications. */
const CLOUDWATCH_SERVICE = 'cloudwatch.amazonaws.com';
/** The EventBridge service principal, which delivers the batch stages' failed-run events. */
const EVENTS_SERVICE = 'events.amazonaws.com';

/**
 * ARN patterns of the alarms of the project's endpoint stacks: CloudFormation names an unnamed
 * alarm `<stack name>-<logical id>-<suffix>`, and the stacks are `sagemaker-<name>-<id>-deploy-<stage>`.
 */
export function endpointStackAlarmArns(scope: IConstruct, names: ProjectNames, stages: readonly DeploymentStage[] = DEPLOYMENT_STAGES): string[] {
  return stages.map((stage) => Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${names.deployStackName(stage)}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }));
}

/** Properties of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** The project's naming contract; the topic is `sagemaker-<name>-<id>-alarms`. */
  readonly names: ProjectNames;
  /**
   * The project's KMS key, which encrypts the topic. Its policy gets a statement that lets
   * CloudWatch use it for this topic, for the endpoint stacks' alarms only.
   */
  readonly key: kms.IKey;
  /**
   * Name of the topic.
   * @default names.alarmTopicName (`sagemaker-<name>-<id>-alarms`)
   */
  readonly topicName?: string;
  /**
   * The stages whose endpoint stacks' alarms may publish to the topic.
   * @default - both stages
   */
  readonly stages?: readonly DeploymentStage[];
  /**
   * E-mail address subscribed to the topic. A token (a template parameter) may be empty at
   * deploy time: the subscription is then conditional on it.
   * @default - no subscription
   */
  readonly email?: string;
}

/**
 * The SNS topic the alarms of the project's endpoint stacks notify (when they fire and when they
 * recover), encrypted with the project key, TLS-only, and open to CloudWatch for those alarms only
 * (this account, the two endpoint stacks' alarm names) and to EventBridge for the batch stages'
 * failed-run rules only (this account, `<name>-<stage>-batch-failed`). Not data: deleted with the project.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export class AlarmTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { names, key } = props;
    const stack = Stack.of(this);
    const alarmArns = endpointStackAlarmArns(this, names, props.stages);
    const topicName = props.topicName ?? names.alarmTopicName;
    // Built from the name, not taken from the topic: the key policy cannot refer to the topic,
    // which refers to the key.
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName, arnFormat: ArnFormat.NO_RESOURCE_NAME });

    const topic = new sns.Topic(this, 'Resource', {
      topicName,
      displayName: `SageMaker project ${names.projectName}: endpoint alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.applyRemovalPolicy(RemovalPolicy.DESTROY);
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EndpointAlarmsPublish',
      principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': alarmArns },
      },
    }));
    // A batch stage's rule sends its failed transform jobs here (the deploy seed's batch stacks).
    const ruleArns = (props.stages ?? DEPLOYMENT_STAGES).map((stage) => batchFailureRuleArn(this, names, stage));
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'BatchFailedRunsPublish',
      principals: [new iam.ServicePrincipal(EVENTS_SERVICE)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnEquals: { 'aws:SourceArn': ruleArns },
      },
    }));
    this.topic = topic;

    // SNS encrypts what CloudWatch publishes with the project key, on CloudWatch's behalf.
    const { statementAdded } = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EndpointAlarmsTopic',
      principals: [new iam.ServicePrincipal(CLOUDWATCH_SERVICE)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
        ArnLike: { 'aws:SourceArn': alarmArns },
      },
    }));
    const batchKeyStatement = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'BatchFailedRunsTopic',
      principals: [new iam.ServicePrincipal(EVENTS_SERVICE)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
        ArnEquals: { 'aws:SourceArn': ruleArns },
      },
    }));
    if (!statementAdded || !batchKeyStatement.statementAdded) {
      throw new Error(`${this.node.path}: the policy of the project key cannot be changed (an imported key?); CloudWatch could not publish to the alarm topic`);
    }

    if (props.email !== undefined) {
      // A fixed id (aws-cdk-lib's EmailSubscription derives one from the address).
      const subscription = new sns.Subscription(this, 'EmailSubscription', { topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: props.email });
      if (Token.isUnresolved(props.email)) {
        (subscription.node.defaultChild as sns.CfnSubscription).cfnOptions.condition = new CfnCondition(this, 'EmailGiven', {
          expression: Fn.conditionNot(Fn.conditionEquals(props.email, '')),
        });
      }
    }
  }
}
