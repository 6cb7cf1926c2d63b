import {
  DescribeModelPackageCommand,
  DescribeModelPackageCommandOutput,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApprovalPolicy,
  ApprovalRefusedError,
  approvalProblem,
  ModelPackageGroupNotFoundError,
  approverOf,
  isSessionOfRole,
  resolveModelPackage,
} from '../lib/resolve-model-package';

const GROUP = 'churn-p-abc123def456';
const ARN = (version: number, group = GROUP) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;
const PIPELINE_ROLE = 'arn:aws:iam::123456789012:role/service-role/churn-sagemaker-pipeline';
const PIPELINE_SESSION = 'arn:aws:sts::123456789012:assumed-role/churn-sagemaker-pipeline/SageMaker';
const REVIEWER = 'arn:aws:sts::123456789012:assumed-role/DataScientist/alice@example.com';
/** Another role of the project stack (PROJECT_AUTOMATION_ROLES): the deploy build's. */
const BUILD_ROLE_NAME = 'churn-ModelDeployBuildProjectRole-1376EBF4';
const REVIEWED: ApprovalPolicy = { autoApprove: false, pipelineRoleArn: PIPELINE_ROLE, automationRoleNames: [BUILD_ROLE_NAME] };
const by = (arn: string) => ({ IamIdentity: { Arn: arn } });

const sagemaker = mockClient(SageMakerClient);
beforeEach(() => sagemaker.reset());

/** A package of the project group, approved by a reviewer unless overridden. */
function pkg(version: number, overrides: Partial<DescribeModelPackageCommandOutput> = {}) {
  return {
    ModelPackageArn: ARN(version),
    ModelPackageGroupName: GROUP,
    ModelApprovalStatus: 'Approved',
    CreatedBy: by(PIPELINE_SESSION),
    LastModifiedBy: by(REVIEWER),
    ...overrides,
  } as DescribeModelPackageCommandOutput;
}

function resolve(requestedArn?: string, approval: ApprovalPolicy = REVIEWED) {
  const log: string[] = [];
  return resolveModelPackage({
    client: new SageMakerClient({ region: 'us-east-1' }),
    modelPackageGroupName: GROUP,
    requestedArn,
    approval,
    log: (line) => log.push(line),
  }).then((resolution) => ({ resolution, log }));
}

const summary = (version: number) => ({ ModelPackageArn: ARN(version), ModelPackageStatus: 'Completed' as const, CreationTime: new Date(), ModelPackageName: GROUP });

describe('requested package (an approval started the run)', () => {
  test('deploys it when it is Approved and in the project group, without listing', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(3) }).resolves(pkg(3, { CustomerMetadataProperties: { pipeline: 'churn' } }));

    // WHEN
    const { resolution } = await resolve(ARN(3));

    // THEN
    expect(resolution).toEqual({
      deploy: true,
      modelPackageArn: ARN(3),
      reason: `requested package ${ARN(3)} is Approved`,
      approvedBy: `${REVIEWER} (LastModifiedBy)`,
      pipeline: 'churn',
    });
    expect(sagemaker.commandCalls(ListModelPackagesCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(1);
  });

  test('a package without pipeline metadata resolves with no pipeline', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(pkg(3, { CustomerMetadataProperties: { other: 'x' } }));
    const { resolution } = await resolve(ARN(3));
    expect(resolution.deploy && resolution.pipeline).toBeUndefined();
  });

  test('falls back to the newest approved when it was rejected after the run started', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(3) }).resolves(pkg(3, { ModelApprovalStatus: 'Rejected' }));
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(2) }).resolves(pkg(2));
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [summary(2)] });

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
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [summary(7)] });
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(7) }).resolves(pkg(7));

    // WHEN
    const { resolution } = await resolve(undefined);

    // THEN
    expect(resolution).toMatchObject({ deploy: true, modelPackageArn: ARN(7), reason: `newest approved package in ${GROUP}` });
    expect(sagemaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toEqual({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
      NextToken: undefined,
    });
  });

  test('pages through empty pages that carry a NextToken until it finds one', async () => {
    // GIVEN the filtered list starts with empty pages, as SageMaker's filtered lists may
    sagemaker.on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: 't1' })
      .resolvesOnce({ NextToken: 't2' })
      .resolvesOnce({ ModelPackageSummaryList: [summary(5), summary(4)], NextToken: 't3' });
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(5) }).resolves(pkg(5));

    // WHEN
    const { resolution } = await resolve(undefined);

    // THEN
    expect(resolution).toMatchObject({ deploy: true, modelPackageArn: ARN(5) });
    expect(sagemaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1', 't2']);
  });

  test('deploys nothing after paging to the end of only empty pages', async () => {
    sagemaker.on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: 't1' })
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: '' });
    const { resolution } = await resolve(undefined);
    expect(resolution.deploy).toBe(false);
    expect(sagemaker.commandCalls(ListModelPackagesCommand)).toHaveLength(2);
  });

  test('fails instead of paging forever when a NextToken repeats', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [], NextToken: 'same' });
    await expect(resolve(undefined)).rejects.toThrow("returned the NextToken 'same' twice");
  });

  test('deploys nothing, with a clear message, when nothing is approved', async () => {
    // GIVEN
    sagemaker.on(ListModelPackagesCommand).resolves({});

    // WHEN
    const { resolution, log } = await resolve('');

    // THEN
    expect(resolution).toEqual({ deploy: false, reason: `no model package in group ${GROUP} is Approved` });
    expect(log[log.length - 1]).toBe(`Nothing to deploy: no model package in group ${GROUP} is Approved. Approve a model package version to deploy it.`);
    expect(sagemaker.commandCalls(DescribeModelPackageGroupCommand).map((c) => c.args[0].input)).toEqual([{ ModelPackageGroupName: GROUP }]);
  });

  test('fails, naming MODEL_PACKAGE_GROUP_NAME and the group, when the group does not exist (its empty list is not "nothing approved")', async () => {
    // GIVEN SageMaker lists a missing group as empty, and says so only when asked about the group
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    sagemaker.on(DescribeModelPackageGroupCommand).rejects(Object.assign(
      new Error(`ModelPackageGroup arn:aws:sagemaker:us-east-1:123456789012:model-package-group/${GROUP} does not exist.`), { name: 'ValidationException' }));

    // THEN
    const attempt = resolve('');
    await expect(attempt).rejects.toThrow(ModelPackageGroupNotFoundError);
    await expect(attempt).rejects.toThrow(`MODEL_PACKAGE_GROUP_NAME: model package group '${GROUP}' does not exist`);
  });

  test('names the group when it cannot be checked', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    sagemaker.on(DescribeModelPackageGroupCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await expect(resolve('')).rejects.toThrow(`Cannot check model package group '${GROUP}' (MODEL_PACKAGE_GROUP_NAME): AccessDeniedException: User is not authorized`);
  });
});

describe('who approved (AUTO_APPROVE_MODELS false)', () => {
  test.each<[string, Partial<DescribeModelPackageCommandOutput>]>([
    ['a reviewer approved a package the pipeline registered', { CreatedBy: by(PIPELINE_SESSION), LastModifiedBy: by(REVIEWER) }],
    ['a Studio user approved it', { LastModifiedBy: { UserProfileName: 'alice', UserProfileArn: 'arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-1/alice', DomainId: 'd-1' } }],
    ['an IAM user registered it as Approved', { CreatedBy: by('arn:aws:iam::123456789012:user/ci'), LastModifiedBy: undefined }],
    ['a role of the same name in another account approved it', { LastModifiedBy: by('arn:aws:sts::210987654321:assumed-role/churn-sagemaker-pipeline/x') }],
    ['a role whose name only starts like the pipeline role approved it', { LastModifiedBy: by('arn:aws:sts::123456789012:assumed-role/churn-sagemaker-pipeline-admin/x') }],
    ['an empty LastModifiedBy falls back to a reviewer as creator', { CreatedBy: by(REVIEWER), LastModifiedBy: {} }],
  ])('deploys when %s', async (_, who) => {
    sagemaker.on(DescribeModelPackageCommand).resolves(pkg(3, { CreatedBy: undefined, LastModifiedBy: undefined, ...who }));
    const { resolution } = await resolve(ARN(3));
    expect(resolution).toMatchObject({ deploy: true, modelPackageArn: ARN(3) });
  });

  test.each<[string, Partial<DescribeModelPackageCommandOutput>, string]>([
    ['the pipeline role approved it', { LastModifiedBy: by(PIPELINE_SESSION) },
      `Refusing to deploy model package ${ARN(3)}: it was approved by the SageMaker pipeline's own role (${PIPELINE_SESSION} (LastModifiedBy); SAGEMAKER_PIPELINE_ROLE_ARN is ${PIPELINE_ROLE}), not by a reviewer.`],
    ['the pipeline registered it as Approved (no later modification)', { CreatedBy: by(PIPELINE_SESSION), LastModifiedBy: undefined },
      `(${PIPELINE_SESSION} (CreatedBy);`],
    ['the pipeline role name differs only in case', { LastModifiedBy: by('arn:aws:sts::123456789012:assumed-role/Churn-SageMaker-Pipeline/s') },
      "approved by the SageMaker pipeline's own role"],
    ['the identity is the role ARN itself, with its path', { LastModifiedBy: by(PIPELINE_ROLE) },
      "approved by the SageMaker pipeline's own role"],
    ['neither field names anyone', { CreatedBy: undefined, LastModifiedBy: undefined },
      'DescribeModelPackage names no approver (neither LastModifiedBy nor CreatedBy holds an IAM identity or a Studio user profile)'],
    ['both fields are empty', { CreatedBy: {}, LastModifiedBy: { IamIdentity: {} } },
      'names no approver'],
    ['another role of the project approved it (the deploy build\'s own)', { LastModifiedBy: by(`arn:aws:sts::123456789012:assumed-role/${BUILD_ROLE_NAME}/AWSCodeBuild-1`) },
      `it was approved by a role of the project's automation (arn:aws:sts::123456789012:assumed-role/${BUILD_ROLE_NAME}/AWSCodeBuild-1 (LastModifiedBy), role arn:aws:iam::123456789012:role/${BUILD_ROLE_NAME}; see PROJECT_AUTOMATION_ROLES), not by a reviewer.`],
  ])('fails when %s', async (_, who, message) => {
    sagemaker.on(DescribeModelPackageCommand).resolves(pkg(3, who));
    const attempt = resolve(ARN(3));
    await expect(attempt).rejects.toThrow(ApprovalRefusedError);
    await expect(resolve(ARN(3))).rejects.toThrow(message);
  });

  test('fails when the newest approved package of a commit run was approved by the pipeline role', async () => {
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [summary(8)] });
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: ARN(8) }).resolves(pkg(8, { LastModifiedBy: by(PIPELINE_SESSION) }));
    await expect(resolve(undefined)).rejects.toThrow(`Refusing to deploy model package ${ARN(8)}: it was approved by the SageMaker pipeline's own role`);
  });
});

describe('who approved (AUTO_APPROVE_MODELS true)', () => {
  test.each<[string, Partial<DescribeModelPackageCommandOutput>]>([
    ['the pipeline role approved it', { LastModifiedBy: by(PIPELINE_SESSION) }],
    ['nobody is named', { CreatedBy: undefined, LastModifiedBy: undefined }],
  ])('deploys when %s, and says approvals are automatic', async (_, who) => {
    sagemaker.on(DescribeModelPackageCommand).resolves(pkg(3, who));
    const { resolution, log } = await resolve(ARN(3), { autoApprove: true, pipelineRoleArn: PIPELINE_ROLE });
    expect(resolution).toMatchObject({ deploy: true, modelPackageArn: ARN(3) });
    expect(log.join('\n')).toContain('AUTO_APPROVE_MODELS=true: approvals by the pipeline role are accepted');
  });
});

describe('helpers', () => {
  test.each<[string, string, boolean]>([
    [PIPELINE_SESSION, PIPELINE_ROLE, true],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/r/s', 'arn:aws-us-gov:iam::123456789012:role/r', true],
    ['arn:aws:sts::123456789012:assumed-role/r/s', 'arn:aws-cn:iam::123456789012:role/r', false],
    ['arn:aws:sts::123456789012:assumed-role/r/s', 'arn:aws:iam::123456789012:role/a/b/r', true],
    ['arn:aws:sts::123456789012:assumed-role/r/s', 'not-an-arn', false],
    ['arn:aws:iam::123456789012:user/r', 'arn:aws:iam::123456789012:role/r', false],
    ['arn:aws:sts::123456789012:federated-user/r', 'arn:aws:iam::123456789012:role/r', false],
  ])('isSessionOfRole(%s, %s) is %s', (identity, role, expected) => {
    expect(isSessionOfRole(identity, role)).toBe(expected);
  });

  test('approverOf prefers LastModifiedBy and ignores empty contexts', () => {
    expect(approverOf({ CreatedBy: by(REVIEWER), LastModifiedBy: by(PIPELINE_SESSION) })).toEqual({ field: 'LastModifiedBy', iamArn: PIPELINE_SESSION, userProfileName: undefined });
    expect(approverOf({ CreatedBy: by(REVIEWER), LastModifiedBy: { IamIdentity: { Arn: ' ' } } })).toEqual({ field: 'CreatedBy', iamArn: REVIEWER, userProfileName: undefined });
    expect(approverOf({})).toBeUndefined();
  });

  test('approvalProblem accepts anyone when approvals are automatic', () => {
    expect(approvalProblem(undefined, { autoApprove: true, pipelineRoleArn: PIPELINE_ROLE })).toBeUndefined();
  });
});
