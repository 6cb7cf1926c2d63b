import { ArnFormat, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct, IConstruct } from 'constructs';

/** The SageMaker service principal. */
export const SAGEMAKER_SERVICE = 'sagemaker.amazonaws.com';

/** The CloudFormation service principal (the roles a deployment passes to CloudFormation). */
export const CLOUDFORMATION_SERVICE = 'cloudformation.amazonaws.com';

/** The ECR actions that pull an image (and only that): what a model, a transform or a build that uses an image needs. */
export const ECR_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

/** `iam:PassRole` on one role, only towards one service. */
export function grantPassRole(grantee: iam.IGrantable, role: iam.IRole, service: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [role.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': service } },
  }));
}

/** ARN of a SageMaker resource in this stack's account and region. */
export function sageMakerArn(scope: IConstruct, resource: string, resourceName: string): string {
  return Stack.of(scope).formatArn({ service: 'sagemaker', resource, resourceName });
}

/** ARN of a CloudWatch Logs log group, or of its streams whose names start with `streamPrefix`. */
export function logGroupArn(scope: IConstruct, group: string, streamPrefix?: string): string {
  return Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: streamPrefix === undefined ? group : `${group}:log-stream:${streamPrefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Where SageMaker writes the logs of a role's jobs or endpoints: a log group and a stream prefix. */
export interface SageMakerLogs {
  /** The log group, e.g. `/aws/sagemaker/ProcessingJobs` or `/aws/sagemaker/Endpoints/<endpoint>`. */
  readonly group: string;
  /** Prefix of the streams SageMaker writes there for this project (`''`: every stream of the group). */
  readonly streamPrefix: string;
}

/** Lets SageMaker jobs or endpoints running as `role` write their logs (to these groups only) and metrics. */
export function grantSageMakerLogging(role: iam.IGrantable, scope: IConstruct, logs: readonly SageMakerLogs[]): void {
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
    resources: logs.map((l) => logGroupArn(scope, l.group)),
  }));
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: logs.map((l) => logGroupArn(scope, l.group, l.streamPrefix)),
  }));
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    // PutMetricData has no resource type; the namespace condition is what scopes it.
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } },
  }));
}

/**
 * `kms:CreateGrant` on a key only for grants an AWS service creates on the caller's behalf (a
 * SageMaker job or endpoint attaching an encrypted volume), never a grant to another principal.
 */
export function grantCreateGrantForAwsResources(grantee: iam.IGrantable, key: kms.IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: [key.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:DescribeKey'],
    resources: [key.keyArn],
  }));
}

/**
 * Key policy: grants on the key only ever for AWS resources (a SageMaker volume, a CloudWatch Logs
 * group), never to a principal. A deny, so it holds for every principal whatever its IAM policies say.
 */
export function denyGrantsExceptForAwsResources(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
}

/**
 * A managed policy given by name (in the stack's account) or by ARN, as the `permissionsBoundary`
 * setting allows both.
 */
export function managedPolicyFromNameOrArn(scope: Construct, id: string, nameOrArn: string): iam.IManagedPolicy {
  return nameOrArn.startsWith('arn:')
    ? iam.ManagedPolicy.fromManagedPolicyArn(scope, id, nameOrArn)
    : iam.ManagedPolicy.fromManagedPolicyName(scope, id, nameOrArn);
}
