import {
  DescribeModelPackageCommand,
  DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  ListModelPackagesCommandOutput,
  SageMakerClient,
  UserContext,
} from '@aws-sdk/client-sagemaker';
// The rule the deploy build applies (bundled from the deploy seed: one rule for both).
import { AutomationRoles, automationRoleOf } from '../../seed-code/model-deploy/lib/approver-rule';

/** A model package as SageMaker describes it now. */
export type ModelPackage = DescribeModelPackageCommandOutput;

/** A model package as SageMaker reports it now. */
export async function describePackage(client: SageMakerClient, modelPackageArn: string): Promise<ModelPackage> {
  return client.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
}

/** When the package's current state was set: its last modification, or its creation. */
export function changedAt(pkg: ModelPackage): Date | undefined {
  return pkg.LastModifiedTime ?? pkg.CreationTime;
}

/**
 * Who gave the package its current approval status: the last modifier, or its creator when it was
 * never modified (a package registered as Approved).
 */
export function approver(pkg: ModelPackage): UserContext | undefined {
  const hasIdentity = (u: UserContext | undefined) => !!u && !!(u.IamIdentity?.Arn || u.UserProfileArn);
  return hasIdentity(pkg.LastModifiedBy) ? pkg.LastModifiedBy : hasIdentity(pkg.CreatedBy) ? pkg.CreatedBy : undefined;
}

/**
 * Why a package's approval does not count, or `undefined` when it does: unless approvals by the
 * SageMaker pipeline are allowed, a package approved by a project automation role (the pipeline's
 * own role, an `Approved` status passed to the pipeline or set by a step, or any other role of the
 * project stack: the rule the deploy build applies too, {@link automationRoleOf}) is not
 * deployed; nor is one whose approver SageMaker does not tell.
 */
export function approvalProblem(pkg: ModelPackage, roles: AutomationRoles, allowPipelineApprovals: boolean): string | undefined {
  if (allowPipelineApprovals) return undefined;
  const who = approver(pkg);
  if (!who) return 'SageMaker does not say who approved it (no CreatedBy/LastModifiedBy identity)';
  const arn = who.IamIdentity?.Arn;
  const automation = arn ? automationRoleOf(arn, roles) : undefined;
  if (automation === roles.pipelineRoleArn) {
    return `it was approved by the SageMaker pipeline's own role (${arn}), not by a reviewer; `
      + 'approve it in the model registry as a person, or enable automatic approval (autoApproveModels=true)';
  }
  if (automation !== undefined) {
    return `it was approved by a role of the project's automation (${arn}, role ${automation}), not by a reviewer; `
      + 'approve it in the model registry as a person';
  }
  return undefined;
}

/**
 * The approved packages of a group, newest first, page by page until exhausted. List calls with
 * filters may return empty pages that still carry a NextToken, so every page is read.
 */
export async function* approvedPackages(client: SageMakerClient, groupName: string): AsyncGenerator<string> {
  let nextToken: string | undefined;
  do {
    const page: ListModelPackagesCommandOutput = await client.send(new ListModelPackagesCommand({
      ModelPackageGroupName: groupName,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
      NextToken: nextToken,
    }));
    for (const p of page.ModelPackageSummaryList ?? []) {
      if (p.ModelPackageArn && p.ModelApprovalStatus === 'Approved') yield p.ModelPackageArn;
    }
    nextToken = page.NextToken;
  } while (nextToken);
}
