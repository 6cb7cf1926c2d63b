import {
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  ModelApprovalStatus,
  SageMakerClient,
  UserContext,
} from '@aws-sdk/client-sagemaker';
import { automationRoleOf } from './approver-rule';

/**
 * Who may approve a package that gets deployed.
 *
 * The SageMaker pipeline role can register a package as `Approved` (the pipeline takes the
 * approval status as a parameter), so without this check a commit to the build repository could
 * deploy a model no reviewer has seen.
 */
export interface ApprovalPolicy {
  /**
   * The project approves automatically: a package approved by the pipeline role is deployed.
   * From `AUTO_APPROVE_MODELS`.
   */
  readonly autoApprove: boolean;
  /**
   * ARN of the SageMaker pipeline execution role, `arn:<partition>:iam::<account>:role/<path/>name`.
   * From `SAGEMAKER_PIPELINE_ROLE_ARN`. Unused when {@link autoApprove} is true.
   */
  readonly pipelineRoleArn: string;
  /**
   * Names of the project stack's other roles, whose approvals are refused too (the shared rule,
   * {@link automationRoleOf}). From `PROJECT_AUTOMATION_ROLES`.
   * @default - none: only the pipeline role's approvals are refused
   */
  readonly automationRoleNames?: readonly string[];
}

/** Inputs of {@link resolveModelPackage}. */
export interface ResolveModelPackageOptions {
  readonly client: SageMakerClient;
  /** The project's model package group, `<projectName>-<projectId>`. */
  readonly modelPackageGroupName: string;
  /**
   * The package the pipeline run was started for (CodePipeline variable `ModelPackageArn`).
   * @default - none: a commit to the deploy repository; the newest approved package is used
   */
  readonly requestedArn?: string;
  /** Whose approvals count; see {@link ApprovalPolicy}. */
  readonly approval: ApprovalPolicy;
  /**
   * Receives one line per decision.
   * @default - no logging
   */
  readonly log?: (line: string) => void;
}

/** What the build deploys. */
export type ModelPackageResolution =
  | {
    readonly deploy: true;
    readonly modelPackageArn: string;
    readonly reason: string;
    /** Who approved it, as {@link describeApprover} words it. */
    readonly approvedBy: string;
    /**
     * The package's `CustomerMetadataProperties.pipeline` (the model-build seed writes `abalone`
     * or `churn`), or undefined when the package has no such key.
     */
    readonly pipeline?: string;
  }
  | { readonly deploy: false; readonly reason: string };

/** The package's approval was made by the pipeline role (or by nobody known) and is refused. */
export class ApprovalRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalRefusedError';
  }
}

/** Page size of `ListModelPackages` (the API's maximum). */
const PAGE_SIZE = 100;

/**
 * Chooses the model package version to deploy.
 *
 * - A requested package must belong to the project's group (anything else is refused: it could
 *   deploy another project's model). When it is `Approved` it is deployed.
 * - When it is no longer approved (rejected after the run started), or nothing was requested,
 *   the newest `Approved` package of the group by creation time is deployed. This is also how a
 *   rejection rolls back: the newest still-approved package goes out again. The list is paged to
 *   the end: with a status filter SageMaker may return empty pages that still carry a `NextToken`.
 * - When no package is approved, nothing is deployed, which is a normal state for a new project.
 * - Unless {@link ApprovalPolicy.autoApprove}, the chosen package must have been approved by
 *   someone other than the pipeline role (see {@link approvalProblem}).
 *
 * @throws Error when the requested package does not exist or belongs to another group
 * @throws ApprovalRefusedError when the chosen package was approved by the pipeline role, or
 *   its approver cannot be told
 */
export async function resolveModelPackage(options: ResolveModelPackageOptions): Promise<ModelPackageResolution> {
  const log = options.log ?? (() => undefined);
  const group = options.modelPackageGroupName;
  const requested = options.requestedArn?.trim();

  let chosen: DescribeModelPackageCommandOutput | undefined;
  let reason: string;
  if (requested) {
    const described = await describe(options.client, requested);
    if (described.ModelPackageGroupName !== group) {
      throw new Error(`MODEL_PACKAGE_ARN '${requested}' belongs to model package group '${described.ModelPackageGroupName ?? '(none)'}', not to this project's group '${group}'; refusing to deploy it`);
    }
    const arn = described.ModelPackageArn ?? requested;
    if (described.ModelApprovalStatus === ModelApprovalStatus.APPROVED) {
      log(`Requested model package ${arn} is Approved.`);
      chosen = described;
      reason = `requested package ${arn} is Approved`;
    } else {
      log(`Requested model package ${arn} is ${described.ModelApprovalStatus ?? 'of unknown status'}, not Approved (its approval changed after the run started); looking for the newest approved package instead.`);
    }
  } else {
    log(`No model package requested (a commit to the deploy repository): looking for the newest approved package in ${group}.`);
  }

  if (!chosen) {
    const newest = await newestApproved(options.client, group);
    if (!newest) {
      // ListModelPackages answers a group that does not exist with an empty list, like a group
      // with nothing approved: only the second is a normal state (a new project).
      await checkGroupExists(options.client, group);
      const nothing = `no model package in group ${group} is Approved`;
      log(`Nothing to deploy: ${nothing}. Approve a model package version to deploy it.`);
      return { deploy: false, reason: nothing };
    }
    log(`Newest approved model package in ${group}: ${newest}.`);
    chosen = await describe(options.client, newest);
    reason = `newest approved package in ${group}`;
  }
  const arn = chosen.ModelPackageArn ?? requested!;

  const approver = approverOf(chosen);
  const approvedBy = describeApprover(approver);
  const problem = approvalProblem(approver, options.approval);
  if (problem) {
    throw new ApprovalRefusedError(`Refusing to deploy model package ${arn}: ${problem}`);
  }
  log(`Model package ${arn} was approved by ${approvedBy}${options.approval.autoApprove ? ' (AUTO_APPROVE_MODELS=true: approvals by the pipeline role are accepted)' : ''}: deploying it.`);
  const pipeline = chosen.CustomerMetadataProperties?.pipeline;
  return { deploy: true, modelPackageArn: arn, reason: reason!, approvedBy, ...(pipeline !== undefined ? { pipeline } : {}) };
}

async function describe(client: SageMakerClient, name: string): Promise<DescribeModelPackageCommandOutput> {
  return client.send(new DescribeModelPackageCommand({ ModelPackageName: name }));
}

/** The project's model package group does not exist (a wrong `MODEL_PACKAGE_GROUP_NAME`, or a deleted group). */
export class ModelPackageGroupNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelPackageGroupNotFoundError';
  }
}

async function checkGroupExists(client: SageMakerClient, group: string): Promise<void> {
  try {
    await client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
  } catch (e) {
    const error = e as Error;
    // SageMaker: ValidationException "ModelPackageGroup arn:...:model-package-group/<name> does not exist."
    if (error.name === 'ValidationException' && /does not exist/i.test(error.message)) {
      throw new ModelPackageGroupNotFoundError(`MODEL_PACKAGE_GROUP_NAME: model package group '${group}' does not exist, so there is nothing it could deploy; `
        + "the project stack sets this variable to the project's group (<project-name>-<project-id>): update the project stack, or recreate the group");
    }
    throw new Error(`Cannot check model package group '${group}' (MODEL_PACKAGE_GROUP_NAME): ${error.name}: ${error.message}`);
  }
}

async function newestApproved(client: SageMakerClient, group: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  const seen = new Set<string>();
  do {
    const response = await client.send(new ListModelPackagesCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: ModelApprovalStatus.APPROVED,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: PAGE_SIZE,
      NextToken: nextToken,
    }));
    // Sorted newest first across pages: the first package of the first non-empty page is it.
    const first = response.ModelPackageSummaryList?.[0]?.ModelPackageArn;
    if (first) {
      return first;
    }
    nextToken = response.NextToken || undefined;
    if (nextToken !== undefined) {
      if (seen.has(nextToken)) {
        throw new Error(`ListModelPackages of ${group} returned the NextToken '${nextToken}' twice; stopping instead of paging forever`);
      }
      seen.add(nextToken);
    }
  } while (nextToken !== undefined);
  return undefined;
}

/** Who made a package's approval, as far as DescribeModelPackage tells. */
export interface Approver {
  /** The field it was read from: the last modification, else the creation (created as Approved). */
  readonly field: 'LastModifiedBy' | 'CreatedBy';
  /** `UserContext.IamIdentity.Arn`, e.g. `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly iamArn?: string;
  /** `UserContext.UserProfileName` of a Studio user. */
  readonly userProfileName?: string;
}

/**
 * The approver of a package: `LastModifiedBy` when it names anyone (an approval is an update of
 * the package), else `CreatedBy` (a package registered as `Approved`); undefined when neither
 * names an IAM identity or a Studio user profile.
 */
export function approverOf(described: Pick<DescribeModelPackageCommandOutput, 'LastModifiedBy' | 'CreatedBy'>): Approver | undefined {
  for (const field of ['LastModifiedBy', 'CreatedBy'] as const) {
    const context: UserContext | undefined = described[field];
    const iamArn = context?.IamIdentity?.Arn?.trim() || undefined;
    const userProfileName = context?.UserProfileName?.trim() || undefined;
    if (iamArn || userProfileName) {
      return { field, iamArn, userProfileName };
    }
  }
  return undefined;
}

/** The approver in words, for log lines and messages. */
export function describeApprover(approver: Approver | undefined): string {
  if (!approver) {
    return 'an unknown principal';
  }
  const who = [approver.iamArn, approver.userProfileName ? `Studio user profile '${approver.userProfileName}'` : undefined]
    .filter((part) => part !== undefined).join(', ');
  return `${who} (${approver.field})`;
}

/**
 * Why an approval may not be deployed under the policy, or undefined when it may.
 * Unless approvals are automatic, the pipeline role's own approval is refused, and so is an
 * approval whose approver cannot be told (fail closed).
 */
export function approvalProblem(approver: Approver | undefined, policy: ApprovalPolicy): string | undefined {
  if (policy.autoApprove) {
    return undefined;
  }
  if (!approver) {
    return 'DescribeModelPackage names no approver (neither LastModifiedBy nor CreatedBy holds an IAM identity or a Studio user profile), '
      + `so an approval by the pipeline role ${policy.pipelineRoleArn} cannot be ruled out. Approve it again as a person, or set AUTO_APPROVE_MODELS=true if the project approves automatically`;
  }
  const automation = approver.iamArn === undefined ? undefined
    : automationRoleOf(approver.iamArn, { pipelineRoleArn: policy.pipelineRoleArn, roleNames: policy.automationRoleNames ?? [] });
  if (automation !== undefined && automation !== policy.pipelineRoleArn) {
    return `it was approved by a role of the project's automation (${describeApprover(approver)}, role ${automation}; see PROJECT_AUTOMATION_ROLES), not by a reviewer. `
      + "Have a person approve it (Studio, or 'aws sagemaker update-model-package --model-approval-status Approved'), or reject it to roll back";
  }
  if (automation !== undefined) {
    return `it was approved by the SageMaker pipeline's own role (${describeApprover(approver)}; SAGEMAKER_PIPELINE_ROLE_ARN is ${policy.pipelineRoleArn}), not by a reviewer. `
      + "Have a person approve it (Studio, or 'aws sagemaker update-model-package --model-approval-status Approved'), reject it to roll back, or set AUTO_APPROVE_MODELS=true if the project approves automatically";
  }
  return undefined;
}

export { isRoleArn, isSessionOfRole, ROLE_ARN } from './approver-rule';
