import { IAspect, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Services that set `aws:SourceAccount` when they assume a role on a resource's behalf, per
 * their confused-deputy documentation. Lambda (execution roles) and CloudFormation (service
 * roles) are not listed: a condition on a key the service does not send would deny it.
 */
export const SOURCE_ACCOUNT_SERVICES: readonly string[] = [
  'sagemaker.amazonaws.com',
  'codebuild.amazonaws.com',
  'codepipeline.amazonaws.com',
  'events.amazonaws.com',
  'states.amazonaws.com',
];

type TrustStatement = { Effect?: string; Action?: unknown; Principal?: { Service?: unknown }; Condition?: Record<string, Record<string, unknown>> };

/**
 * Adds `aws:SourceAccount` = this account to every trust statement of a role that one of
 * {@link SOURCE_ACCOUNT_SERVICES} may assume, so that only this account's resources can make the
 * service act with the role. An aspect, because aws-cdk-lib creates most roles (CodeBuild,
 * CodePipeline, Step Functions) itself.
 */
export class SourceAccountOnServiceTrusts implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnRole)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.assumeRolePolicyDocument) as { Statement?: TrustStatement[] } | undefined;
    if (!document?.Statement) return;
    let changed = false;
    for (const statement of document.Statement) {
      const services = ([] as unknown[]).concat(statement.Principal?.Service ?? []);
      if (statement.Effect !== 'Allow' || services.length !== 1 || !SOURCE_ACCOUNT_SERVICES.includes(String(services[0]))) continue;
      const equals = { ...(statement.Condition?.StringEquals ?? {}) };
      if (equals['aws:SourceAccount'] !== undefined) continue;
      equals['aws:SourceAccount'] = stack.resolve(stack.account);
      statement.Condition = { ...(statement.Condition ?? {}), StringEquals: equals };
      changed = true;
    }
    if (changed) node.assumeRolePolicyDocument = document;
  }
}
