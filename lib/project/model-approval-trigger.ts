import { Duration, Stack } from 'aws-cdk-lib/core';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { lambdaEntry } from '../paths';
import { MODEL_PACKAGE_ARN_VARIABLE } from './model-deploy';
import { ProjectNames } from '../contract/names';
import { bundledFunction } from '../private/bundled-function';
import { LogSettings } from '../private/log-settings';
import { sageMakerArn } from '../private/iam';
import { automationRoleNames } from '../private/automation-roles';

/** Properties of {@link ModelApprovalTrigger}. */
export interface ModelApprovalTriggerProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** The deploy pipeline to start. */
  readonly deployPipeline: codepipeline.IPipeline;
  /** The project's KMS key (encrypts the dead-letter queue). */
  readonly key: kms.IKey;
  /** The SageMaker pipeline's execution role: packages it approved itself are not deployed... */
  readonly pipelineRole: iam.IRole;
  /**
   * ...unless the project lets the pipeline approve (`autoApproveModels`).
   * @default false
   */
  readonly autoApproveModels?: boolean;
  /** Encryption and retention of the function's logs. */
  readonly logs: LogSettings;
}

/**
 * Starts the deploy pipeline on model approval decisions: an EventBridge rule on the project's
 * model package group (any status but `PendingManualApproval`) invokes the start-deploy Lambda.
 * Events that still fail after retries land in a dead-letter queue.
 */
export class ModelApprovalTrigger extends Construct {
  /** The EventBridge rule. */
  public readonly rule: events.Rule;
  /** The start-deploy function. */
  public readonly function: lambda.IFunction;
  /** Dead-letter queue of events that could not be handled. */
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: ModelApprovalTriggerProps) {
    super(scope, id);
    const { names } = props;

    const dlq = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = dlq;

    const fn = bundledFunction(this, 'Function', {
      entry: lambdaEntry('start-deploy'),
      description: `Starts ${names.modelDeployName} on model approval decisions in ${names.modelPackageGroupName}`,
      timeout: Duration.seconds(30),
      environment: {
        DEPLOY_PIPELINE_NAME: props.deployPipeline.pipelineName,
        MODEL_PACKAGE_GROUP_NAME: names.modelPackageGroupName,
        MODEL_PACKAGE_ARN_VARIABLE,
        PROJECT_ACCOUNT_ID: Stack.of(this).account,
        SAGEMAKER_PIPELINE_ROLE_ARN: props.pipelineRole.roleArn,
        // Approvals by any role of the stack do not deploy (the deploy seed's lib/approver-rule.ts).
        PROJECT_AUTOMATION_ROLES: automationRoleNames(this),
        AUTO_APPROVE_MODELS: String(props.autoApproveModels ?? false),
      },
      deadLetterQueue: dlq,
      retryAttempts: 2,
      logs: props.logs,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'StartDeployPipeline',
      actions: ['codepipeline:StartPipelineExecution'],
      resources: [props.deployPipeline.pipelineArn],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: [sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`)],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ListModelPackages',
      // ListModelPackages has no resource type in IAM; it can only be granted on '*'.
      actions: ['sagemaker:ListModelPackages'],
      resources: ['*'],
    }));
    // Lambda's asynchronous retries dead-letter with the function's role; the queue is KMS-encrypted.
    dlq.grantSendMessages(fn);
    this.function = fn;

    this.rule = new events.Rule(this, 'Rule', {
      ruleName: names.modelRuleName,
      description: `Deploys approved models of ${names.modelPackageGroupName}; redeploys the last approved one on rejection`,
      eventPattern: {
        source: ['aws.sagemaker'],
        account: [Stack.of(this).account],
        detailType: ['SageMaker Model Package State Change'],
        detail: {
          ModelPackageGroupName: [names.modelPackageGroupName],
          ModelApprovalStatus: [{ 'anything-but': ['PendingManualApproval'] }],
        },
      },
      targets: [new targets.LambdaFunction(fn, {
        deadLetterQueue: dlq,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      })],
    });
    // EventBridge dead-letters undeliverable events itself, so it must be able to encrypt for the
    // queue; only for this rule (named, not referenced: a reference would make a dependency cycle
    // key -> rule -> teardown -> deploy role policy -> key).
    props.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EventBridgeDeadLetters',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { ArnEquals: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: names.modelRuleName }) } },
    }));
  }
}
