import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

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
  /**
   * Receives one line per decision.
   * @default - no logging
   */
  readonly log?: (line: string) => void;
}

/** What the build deploys. */
export type ModelPackageResolution =
  | { readonly deploy: true; readonly modelPackageArn: string; readonly reason: string }
  | { readonly deploy: false; readonly reason: string };

/**
 * Chooses the model package version to deploy.
 *
 * - A requested package must belong to the project's group (anything else is refused: it could
 *   deploy another project's model). When it is `Approved` it is deployed.
 * - When it is no longer approved (rejected after the run started), or nothing was requested,
 *   the newest `Approved` package of the group by creation time is deployed. This is also how a
 *   rejection rolls back: the newest still-approved package goes out again.
 * - When no package is approved, nothing is deployed, which is a normal state for a new project.
 *
 * @throws Error when the requested package does not exist or belongs to another group
 */
export async function resolveModelPackage(options: ResolveModelPackageOptions): Promise<ModelPackageResolution> {
  const log = options.log ?? (() => undefined);
  const group = options.modelPackageGroupName;
  const requested = options.requestedArn?.trim();

  if (requested) {
    const described = await options.client.send(new DescribeModelPackageCommand({ ModelPackageName: requested }));
    if (described.ModelPackageGroupName !== group) {
      throw new Error(`MODEL_PACKAGE_ARN '${requested}' belongs to model package group '${described.ModelPackageGroupName ?? '(none)'}', not to this project's group '${group}'; refusing to deploy it`);
    }
    const arn = described.ModelPackageArn ?? requested;
    if (described.ModelApprovalStatus === ModelApprovalStatus.APPROVED) {
      log(`Requested model package ${arn} is Approved: deploying it.`);
      return { deploy: true, modelPackageArn: arn, reason: `requested package ${arn} is Approved` };
    }
    log(`Requested model package ${arn} is ${described.ModelApprovalStatus ?? 'of unknown status'}, not Approved (its approval changed after the run started); looking for the newest approved package instead.`);
  } else {
    log(`No model package requested (a commit to the deploy repository): looking for the newest approved package in ${group}.`);
  }

  const newest = await newestApproved(options.client, group);
  if (!newest) {
    const reason = `no model package in group ${group} is Approved`;
    log(`Nothing to deploy: ${reason}. Approve a model package version to deploy it.`);
    return { deploy: false, reason };
  }
  log(`Newest approved model package in ${group}: ${newest}: deploying it.`);
  return { deploy: true, modelPackageArn: newest, reason: `newest approved package in ${group}` };
}

async function newestApproved(client: SageMakerClient, group: string): Promise<string | undefined> {
  const response = await client.send(new ListModelPackagesCommand({
    ModelPackageGroupName: group,
    ModelApprovalStatus: ModelApprovalStatus.APPROVED,
    SortBy: 'CreationTime',
    SortOrder: 'Descending',
    MaxResults: 1,
  }));
  return response.ModelPackageSummaryList?.[0]?.ModelPackageArn;
}
