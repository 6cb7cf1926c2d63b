/** The `detail` of a "SageMaker Model Package State Change" event (the fields used here). */
export interface ModelPackageStateChange {
  readonly ModelPackageGroupName?: string;
  readonly ModelPackageArn?: string;
  readonly ModelApprovalStatus?: string;
  readonly ModelPackageVersion?: number;
}

/** What to do about one event. */
export type Decision =
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Deploy this (approved) package. */
  | { readonly kind: 'deploy'; readonly modelPackageArn: string }
  /** A package was rejected: redeploy the newest package that is still approved, if any. */
  | { readonly kind: 'rollback'; readonly rejectedArn: string };

/**
 * Decides what a model package state change means for the deploy pipeline. Pure: no AWS calls.
 *
 * The EventBridge rule already filters on group and status; the checks are repeated here so a
 * mis-routed or hand-sent event never deploys another project's model.
 */
export function decide(detail: ModelPackageStateChange | undefined, groupName: string): Decision {
  if (!detail || typeof detail !== 'object') return { kind: 'ignore', reason: 'event has no detail' };
  if (detail.ModelPackageGroupName !== groupName) {
    return {
      kind: 'ignore',
      reason: `model package group '${detail.ModelPackageGroupName}' is not this project's group '${groupName}'`,
    };
  }
  if (!detail.ModelPackageArn) return { kind: 'ignore', reason: 'event has no ModelPackageArn' };
  switch (detail.ModelApprovalStatus) {
    case 'Approved':
      return { kind: 'deploy', modelPackageArn: detail.ModelPackageArn };
    case 'Rejected':
      return { kind: 'rollback', rejectedArn: detail.ModelPackageArn };
    default:
      return { kind: 'ignore', reason: `approval status '${detail.ModelApprovalStatus}' starts no deployment` };
  }
}

/**
 * A CodePipeline client request token derived from the EventBridge event id: the same event
 * delivered twice maps to the same token, and CodePipeline starts no second execution.
 */
export function requestToken(eventId: string): string {
  const token = eventId.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 128);
  return token.length > 0 ? token : 'no-event-id';
}
