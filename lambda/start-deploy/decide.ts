import { createHash } from 'node:crypto';

/** The `detail` of a "SageMaker Model Package State Change" event (the fields used here). */
export interface ModelPackageStateChange {
  readonly ModelPackageGroupName?: unknown;
  readonly ModelPackageArn?: unknown;
  readonly ModelApprovalStatus?: unknown;
  readonly ModelPackageVersion?: unknown;
}

/** The parts of an EventBridge event the handler trusts only after checking them. */
export interface IncomingEvent {
  readonly id?: unknown;
  readonly account?: unknown;
  readonly region?: unknown;
  readonly detail?: ModelPackageStateChange;
}

/** Where the handler runs: events from elsewhere are not this project's. */
export interface Home {
  readonly account: string;
  readonly region: string;
  readonly groupName: string;
}

/** What to do about one event. */
export type Decision =
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Deploy this (approved) package. */
  | { readonly kind: 'deploy'; readonly modelPackageArn: string }
  /** A package was rejected: redeploy the newest package that is still approved, if any. */
  | { readonly kind: 'rollback'; readonly rejectedArn: string };

/** Versioned model package ARN: `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
const MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):(\d{12}):model-package\/([^/\s]{1,63})\/(\d+)$/;

/**
 * Decides what a model package state change means for the deploy pipeline. Pure: no AWS calls.
 *
 * The EventBridge rule already filters on account, group and status; the checks are repeated here
 * (with the shapes of the fields) so that a mis-routed, hand-sent or malformed event never deploys
 * another project's model and never throws: a throw would mean retries and a dead letter.
 */
export function decide(event: IncomingEvent | undefined, home: Home): Decision {
  if (!event || typeof event !== 'object') return ignore('the event is not an object');
  if (typeof event.id !== 'string' || event.id.length === 0) return ignore(`the event id is missing or not a string (${show(event.id)})`);
  if (event.account !== home.account || event.region !== home.region) {
    return ignore(`the event comes from account ${show(event.account)} in ${show(event.region)}, not this project's account ${home.account} in ${home.region}`);
  }
  const detail = event.detail;
  if (!detail || typeof detail !== 'object') return ignore('the event has no detail');
  if (detail.ModelPackageGroupName !== home.groupName) {
    return ignore(`model package group ${show(detail.ModelPackageGroupName)} is not this project's group '${home.groupName}'`);
  }
  const arn = detail.ModelPackageArn;
  const match = typeof arn === 'string' ? MODEL_PACKAGE_ARN.exec(arn) : null;
  if (typeof arn !== 'string' || !match) {
    return ignore(`ModelPackageArn ${show(arn)} is not a model package ARN (arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>)`);
  }
  if (match[1] !== home.region || match[2] !== home.account || match[3].toLowerCase() !== home.groupName.toLowerCase()) {
    return ignore(`ModelPackageArn '${arn}' is not a package of this project's group in ${home.account} ${home.region}`);
  }
  switch (detail.ModelApprovalStatus) {
    case 'Approved':
      return { kind: 'deploy', modelPackageArn: arn };
    case 'Rejected':
      return { kind: 'rollback', rejectedArn: arn };
    default:
      return ignore(`approval status ${show(detail.ModelApprovalStatus)} starts no deployment`);
  }
}

function ignore(reason: string): Decision {
  return { kind: 'ignore', reason };
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  return typeof value === 'string' ? `'${value.slice(0, 200)}'` : (JSON.stringify(value) ?? String(value)).slice(0, 200);
}

/**
 * A CodePipeline client request token that identifies one state change of one package: its ARN,
 * its new status and the time SageMaker recorded the change. SageMaker may send several events
 * for one change, and EventBridge may deliver one event twice; each maps to the same token, so
 * CodePipeline starts at most one run. A later change of the same package gets a new token.
 */
export function requestToken(modelPackageArn: string, status: string, changedAt: Date | undefined): string {
  const at = changedAt ? changedAt.toISOString() : 'unknown-time';
  return createHash('sha256').update(`${modelPackageArn}\n${status}\n${at}`).digest('hex');
}
