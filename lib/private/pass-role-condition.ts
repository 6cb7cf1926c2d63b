import { IAspect, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Adds `iam:PassedToService` to the `iam:PassRole` statements that aws-cdk-lib generates without
 * one (for instance for a CloudFormation action's deployment role), so every PassRole in the
 * project names the one service the role may be handed to. A statement qualifies when every role
 * it names is one of `roles` (aws-cdk-lib merges the statements of several such roles into one).
 */
export class PassRoleOnlyTo implements IAspect {
  constructor(private readonly roles: readonly iam.IRole[], private readonly service: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    const roleArns = new Set(this.roles.map((role) => JSON.stringify(stack.resolve(role.roleArn))));
    const document = stack.resolve(node.policyDocument) as { Statement?: Array<Record<string, unknown>> };
    (document.Statement ?? []).forEach((statement, index) => {
      const actions = ([] as unknown[]).concat(statement.Action);
      const resources = ([] as unknown[]).concat(statement.Resource);
      if (actions.includes('iam:PassRole') && !statement.Condition
        && resources.length > 0 && resources.every((resource) => roleArns.has(JSON.stringify(resource)))) {
        node.addPropertyOverride(`PolicyDocument.Statement.${index}.Condition`, {
          StringEquals: { 'iam:PassedToService': this.service },
        });
      }
    });
  }
}
