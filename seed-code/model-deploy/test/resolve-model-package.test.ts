import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveModelPackage } from '../lib/resolve-model-package';

const GROUP = 'churn-p-abc123def456';
const ARN = (version: number, group = GROUP) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;

const sagemaker = mockClient(SageMakerClient);
beforeEach(() => sagemaker.reset());

function resolve(requestedArn?: string) {
  const log: string[] = [];
  return resolveModelPackage({
    client: new SageMakerClient({ region: 'us-east-1' }),
    modelPackageGroupName: GROUP,
    requestedArn,
    log: (line) => log.push(line),
  }).then((resolution) => ({ resolution, log }));
}

describe('requested package (an approval started the run)', () => {
  test('deploys it when it is Approved and in the project group, without listing', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(3) })
      .resolves({ ModelPackageArn: ARN(3), ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' });

    // WHEN
    const { resolution } = await resolve(ARN(3));

    // THEN
    expect(resolution).toEqual({ deploy: true, modelPackageArn: ARN(3), reason: `requested package ${ARN(3)} is Approved` });
    expect(sagemaker.commandCalls(ListModelPackagesCommand)).toHaveLength(0);
  });

  test('falls back to the newest approved when it was rejected after the run started', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: ARN(3), ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Rejected' });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: ARN(2), ModelPackageStatus: 'Completed', CreationTime: new Date(), ModelPackageName: GROUP }] });

    // WHEN
    const { resolution, log } = await resolve(ARN(3));

    // THEN
    expect(resolution).toMatchObject({ deploy: true, modelPackageArn: ARN(2) });
    expect(log.join('\n')).toMatch(/is Rejected, not Approved/);
  });

  test('blank values count as no request', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    const { resolution } = await resolve('   ');
    expect(resolution.deploy).toBe(false);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(0);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['the package belongs to another group', { ModelPackageArn: ARN(1, 'other-p-1'), ModelPackageGroupName: 'other-p-1', ModelApprovalStatus: 'Approved' },
      `MODEL_PACKAGE_ARN '${ARN(1, 'other-p-1')}' belongs to model package group 'other-p-1', not to this project's group '${GROUP}'; refusing to deploy it`],
    ['the package is unversioned (no group)', { ModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/loose', ModelApprovalStatus: 'Approved' },
      "belongs to model package group '(none)'"],
  ])('fails when %s', async (_, described, message) => {
    sagemaker.on(DescribeModelPackageCommand).resolves(described);
    await expect(resolve(String(described.ModelPackageArn))).rejects.toThrow(message);
  });

  test('fails when the package does not exist, with the service message', async () => {
    sagemaker.on(DescribeModelPackageCommand).rejects(Object.assign(new Error('Model package not found'), { name: 'ValidationException' }));
    await expect(resolve(ARN(9))).rejects.toThrow('Model package not found');
  });
});

describe('no request (a commit started the run)', () => {
  test('asks for the newest Approved package of the group by creation time', async () => {
    // GIVEN
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: ARN(7), ModelPackageStatus: 'Completed', CreationTime: new Date(), ModelPackageName: GROUP }] });

    // WHEN
    const { resolution } = await resolve(undefined);

    // THEN
    expect(resolution).toEqual({ deploy: true, modelPackageArn: ARN(7), reason: `newest approved package in ${GROUP}` });
    expect(sagemaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toEqual({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    });
  });

  test('deploys nothing, with a clear message, when nothing is approved', async () => {
    // GIVEN
    sagemaker.on(ListModelPackagesCommand).resolves({});

    // WHEN
    const { resolution, log } = await resolve('');

    // THEN
    expect(resolution).toEqual({ deploy: false, reason: `no model package in group ${GROUP} is Approved` });
    expect(log[log.length - 1]).toBe(`Nothing to deploy: no model package in group ${GROUP} is Approved. Approve a model package version to deploy it.`);
  });
});
