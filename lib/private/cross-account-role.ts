import { Resource } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { roleArn, rolesOfAccount } from '../contract/accounts';

/** Properties of {@link CrossAccountRoleReference}. */
export interface CrossAccountRoleReferenceProps {
  /** Account of the role. */
  readonly account: string;
  /** Name of the role (a fixed name: the role's own stack is deployed later, by someone else). */
  readonly roleName: string;
  /** Path of the role. @default '/' */
  readonly path?: string;
}

/**
 * A role of another account that this app's stack for that account creates, referenced by its fixed
 * name before it exists.
 *
 * Like `Role.fromRoleArn(..., { mutable: false })` it adds nothing to the role's own policies (its
 * stack holds them), but as a principal in resource policies it renders as the account restricted
 * to this role by `aws:PrincipalArn`: aws-cdk-lib's grants to it (a pipeline artifact bucket's and
 * key's for a CodePipeline action role) then deploy before the role exists, where naming the role
 * itself would make KMS and S3 reject the policy.
 */
export class CrossAccountRoleReference extends Resource implements iam.IRole {
  public readonly assumeRoleAction = 'sts:AssumeRole';
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly principalAccount: string;
  public readonly roleArn: string;
  public readonly roleName: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;

  constructor(scope: Construct, id: string, props: CrossAccountRoleReferenceProps) {
    super(scope, id, { account: props.account });
    this.principalAccount = props.account;
    this.roleName = props.roleName;
    this.roleArn = roleArn(props.account, props.roleName, props.path);
    this.policyFragment = rolesOfAccount(props.account, [this.roleArn]).policyFragment;
  }

  public get roleRef(): iam.RoleReference {
    return { roleArn: this.roleArn, roleName: this.roleName };
  }

  public attachInlinePolicy(): void {
    // The role's policies belong to its own stack.
  }

  public addManagedPolicy(): void {
    // The role's policies belong to its own stack.
  }

  public addToPolicy(): boolean {
    return false;
  }

  public addToPrincipalPolicy(): iam.AddToPrincipalPolicyResult {
    return { statementAdded: false };
  }

  public grant(grantee: iam.IPrincipal, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.roleArn] });
  }

  public grantPassRole(grantee: iam.IPrincipal): iam.Grant {
    return this.grant(grantee, 'iam:PassRole');
  }

  public grantAssumeRole(identity: iam.IPrincipal): iam.Grant {
    return this.grant(identity, 'sts:AssumeRole');
  }
}
