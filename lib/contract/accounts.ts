import { Aws, Fn, Token } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DEPLOYMENT_STAGES, DeploymentStage, PROJECT_ROLE_PATH, ProjectNames, TargetRoleKind } from './names';

/**
 * Where a multi-account project deploys: the project (tooling) account builds, trains and
 * registers; a stage listed in `stageAccounts` deploys its endpoint in that account, through the
 * roles of the account's one-time set-up ({@link TARGET_SETUP}). A stage not listed deploys in
 * the project account, as in single-account mode.
 */
export interface DeploymentAccounts {
  /** The account of the project stack (12 digits): target stacks trust its roles. */
  readonly projectAccount: string;
  /** The target account of each stage that has one (12 digits). */
  readonly stageAccounts: Readonly<Partial<Record<DeploymentStage, string>>>;
}

/** The stages that deploy to a target account, in pipeline order. */
export function targetStages(accounts: DeploymentAccounts | undefined): DeploymentStage[] {
  return DEPLOYMENT_STAGES.filter((stage) => accounts?.stageAccounts[stage] !== undefined);
}

/** The distinct target accounts, each with the stages it hosts, in pipeline order. */
export function targetAccounts(accounts: DeploymentAccounts | undefined): Array<{ account: string; stages: DeploymentStage[] }> {
  const byAccount = new Map<string, DeploymentStage[]>();
  for (const stage of targetStages(accounts)) {
    const account = accounts!.stageAccounts[stage]!;
    byAccount.set(account, [...(byAccount.get(account) ?? []), stage]);
  }
  return [...byAccount].map(([account, stages]) => ({ account, stages }));
}

/**
 * ARN of a project's role in a target account (see `ProjectNames.targetRoleName`): under the
 * set-up's stage role path, where its execution role creates them.
 */
export function targetRoleArn(names: ProjectNames, account: string, stage: DeploymentStage, kind: TargetRoleKind): string {
  return roleArn(account, names.targetRoleName(stage, kind), TARGET_SETUP.stageRolePath);
}

/** ARN of a role of a target account's one-time set-up ({@link TARGET_SETUP}). */
export function setupRoleArn(account: string, role: 'deployAccess' | 'execution'): string {
  return roleArn(account, role === 'deployAccess' ? TARGET_SETUP.deployAccessRoleName : TARGET_SETUP.executionRoleName, TARGET_SETUP.path);
}

/**
 * ARN of a named role in an account, in the partition of the stack it is used in. An `Fn::Sub` rather than
 * `formatArn`'s `Fn::Join`: cfn-lint's check of a CodePipeline action's `RoleArn` refuses the join.
 */
export function roleArn(account: string, roleName: string, path = '/'): string {
  // A name from a template parameter (a Studio template's project id): a join, as `Fn::Sub` takes a plain string only.
  if (Token.isUnresolved(roleName)) return `arn:${Aws.PARTITION}:iam::${account}:role${path}${roleName}`;
  return Fn.sub(`arn:\${AWS::Partition}:iam::${account}:role${path}${roleName}`);
}

/**
 * A principal for resource policies (key, bucket, model package group) that names roles of another
 * account which may not exist yet: the account, restricted to exactly these roles by `aws:PrincipalArn`.
 * KMS, S3 and SageMaker reject a policy whose principal is a role that does not exist; the account
 * always exists, and the condition admits nothing but the named roles, once they do.
 */
export function rolesOfAccount(account: string, roleArns: readonly string[]): iam.IPrincipal {
  return new iam.AccountPrincipal(account).withConditions({ ArnEquals: { 'aws:PrincipalArn': [...roleArns] } });
}

/**
 * The one-time preparation of a target account ({@link TargetAccountSetupStack}), shared by every
 * project of the project account it trusts: its stack's name, the path and names of its roles and
 * of the boundary every per-project role it lets CloudFormation create must carry. The path is not
 * `sagemaker-*`, so the roles and policy it holds are outside the `sagemaker-p-*` names its
 * execution role manages.
 */
export const TARGET_SETUP = {
  stackName: 'mlops-target-account-setup',
  path: '/mlops-target-account/',
  deployAccessRoleName: 'sagemaker-mlops-deploy-access',
  executionRoleName: 'sagemaker-mlops-cfn-execution',
  stageRoleBoundaryName: 'sagemaker-mlops-stage-role-boundary',
  /** Path of the per-project roles the execution role may create (model, smoke test): those only, each with the boundary. */
  stageRolePath: '/mlops-stage-roles/',
  /** The project account's roles that may use the access role: each project's deploy pipeline role (`ProjectNames.deployPipelineRoleName`). */
  trustedRoleNamePattern: 'sagemaker-p-*-deploy-pipeline',
  /**
   * The project account's roles that may use the access role to tear a project down: each project's
   * teardown role (`ProjectNames.teardownRoleName`), only with a session tag of its own project id.
   */
  trustedTeardownRoleNamePattern: 'sagemaker-p-*-teardown',
  /** The tag naming a project: on the teardown role and as its session tag in the target accounts. */
  projectIdTag: 'sagemaker:project-id',
  /** The paths of those roles: `/` (`cdk deploy` projects) and that of the roles of published Studio templates. */
  trustedRolePaths: ['/', PROJECT_ROLE_PATH],
} as const;
