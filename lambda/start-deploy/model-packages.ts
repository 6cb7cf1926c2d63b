import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListModelPackagesCommandOutput,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** Current approval status of a model package, as SageMaker reports it now. */
export async function approvalStatus(client: SageMakerClient, modelPackageArn: string): Promise<string | undefined> {
  const out = await client.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
  return out.ModelApprovalStatus;
}

/**
 * The newest approved model package of a group (by creation time), skipping `exclude`, or
 * `undefined` when none is approved.
 *
 * `exclude` guards against the list still showing a package as approved right after its
 * rejection (the registry is eventually consistent).
 */
export async function newestApproved(
  client: SageMakerClient,
  groupName: string,
  exclude?: string,
): Promise<string | undefined> {
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
    const found = (page.ModelPackageSummaryList ?? []).find(
      (p) => p.ModelPackageArn && p.ModelPackageArn !== exclude && p.ModelApprovalStatus === 'Approved',
    );
    if (found) return found.ModelPackageArn;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}
