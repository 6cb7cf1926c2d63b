import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** The SageMaker service principal. */
export const SAGEMAKER_SERVICE = 'sagemaker.amazonaws.com';

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

/** ARN pattern of CloudWatch Logs log groups (and their streams) whose names start with a prefix. */
export function logGroupArn(scope: IConstruct, prefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Lets SageMaker jobs or endpoints running as `role` write their logs and metrics. */
export function grantSageMakerLogging(role: iam.IGrantable, scope: IConstruct, logPrefixes: readonly string[]): void {
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: logPrefixes.map((p) => logGroupArn(scope, p)),
  }));
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    // PutMetricData has no resource type; the namespace condition is what scopes it.
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } },
  }));
}
