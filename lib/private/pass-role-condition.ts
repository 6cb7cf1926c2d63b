import { IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Adds `iam:PassedToService` to the `iam:PassRole` statements that aws-cdk-lib generates without
 * one (for instance for a CloudFormation action's deployment role), so every PassRole in the
 * project names the one service the role may be handed to.
 */
export class PassRoleOnlyTo implements IAspect {
  constructor(private readonly role: iam.IRole, private readonly service: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    const roleArn = JSON.stringify(stack.resolve(this.role.roleArn));
    const document = stack.resolve(node.policyDocument) as { Statement?: Array<Record<string, unknown>> };
    (document.Statement ?? []).forEach((statement, index) => {
      const actions = ([] as unknown[]).concat(statement.Action);
      const resources = ([] as unknown[]).concat(statement.Resource);
      if (actions.includes('iam:PassRole') && !statement.Condition
        && resources.length === 1 && JSON.stringify(resources[0]) === roleArn) {
        node.addPropertyOverride(`PolicyDocument.Statement.${index}.Condition`, {
          StringEquals: { 'iam:PassedToService': this.service },
        });
      }
    });
  }
}
