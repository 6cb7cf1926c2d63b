import { CfnResource, Fn, Lazy, Stack } from 'aws-cdk-lib/core';
import { IConstruct } from 'constructs';

/**
 * The value of `PROJECT_AUTOMATION_ROLES` (the deploy seed's `lib/approver-rule.ts`): the names of
 * every IAM role of the stack, comma-separated, resolved when the stack is synthesized (so roles
 * added after the caller are listed too). The start-deploy function and the deploy build refuse
 * model approvals made by any of them. Names, not ARNs: they share the account and partition of
 * `SAGEMAKER_PIPELINE_ROLE_ARN`, and a function's environment is limited to 4 KB.
 */
export function automationRoleNames(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return Lazy.string({
    produce: () => {
      const roles = stack.node.findAll()
        .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::IAM::Role' && Stack.of(c) === stack);
      return roles.length === 0 ? '' : Fn.join(',', roles.map((r) => r.ref));
    },
  });
}
