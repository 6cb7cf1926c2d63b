import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, DescribeModelPackageCommandOutput, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { IncomingEvent, ModelPackageStateChange, requestToken } from '../../../lambda/start-deploy/decide';
import { Deps, startDeploy } from '../../../lambda/start-deploy/index';
import { isSessionOfRole } from '../../../seed-code/model-deploy/lib/approver-rule';

const GROUP = 'churn-p-abc123def456';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/project/sagemaker-churn-pipeline-role`;
/** Another role of the project stack (CloudFormation names it). */
const DEPLOY_BUILD_ROLE = 'mlops-demo-ProjectModelDeployBuildProjectRole-1376EBF4';
const arn = (v: number) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${GROUP}/${v}`;

const sageMaker = mockClient(SageMakerClient);
const codePipeline = mockClient(CodePipelineClient);
const logs: Array<Record<string, unknown>> = [];
const deps: Deps = {
  sageMaker: new SageMakerClient({ region: REGION }),
  codePipeline: new CodePipelineClient({ region: REGION }),
  pipelineName: 'sagemaker-churn-p-abc123def456-modeldeploy',
  groupName: GROUP,
  variableName: 'ModelPackageArn',
  account: ACCOUNT,
  region: REGION,
  automationRoles: { pipelineRoleArn: PIPELINE_ROLE, roleNames: [DEPLOY_BUILD_ROLE, 'mlops-demo-ProjectTeardownHandlerRole-0A759C26'] },
  allowPipelineApprovals: false,
  log: (entry) => logs.push(entry),
};

/** Identities as DescribeModelPackage reports them. */
const REVIEWER = { IamIdentity: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/MLReviewer/alice` } };
const PIPELINE = { IamIdentity: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sagemaker-churn-pipeline-role/SageMaker-abc` } };
const APPROVED_AT = new Date('2026-11-23T10:00:00Z');

/** A package described as approved by a reviewer (override any field). */
function described(fields: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
  return {
    $metadata: {}, ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved', ModelPackageStatus: 'Completed',
    CreationTime: new Date('2026-11-23T09:00:00Z'), CreatedBy: PIPELINE, LastModifiedTime: APPROVED_AT, LastModifiedBy: REVIEWER,
    ModelPackageStatusDetails: undefined as never, ...fields,
  } as DescribeModelPackageCommandOutput;
}

function event(detail: Partial<ModelPackageStateChange> | undefined, id: unknown = 'event-1', where: Partial<IncomingEvent> = {}): IncomingEvent {
  return {
    'id': id, 'version': '0', 'account': ACCOUNT, 'time': '2026-11-23T00:00:00Z', 'region': REGION,
    'resources': [], 'source': 'aws.sagemaker', 'detail-type': 'SageMaker Model Package State Change',
    'detail': detail as ModelPackageStateChange, ...where,
  } as IncomingEvent;
}

const approved = (v = 3) => ({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(v), ModelApprovalStatus: 'Approved' });
const rejected = (v: number) => ({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(v), ModelApprovalStatus: 'Rejected' });
const tokens = () => codePipeline.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input.clientRequestToken);

beforeEach(() => {
  sageMaker.reset();
  codePipeline.reset();
  logs.length = 0;
  codePipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-1' });
});

describe('start-deploy', () => {
  test('an approval starts the deploy pipeline for that package, keyed by the state change', async () => {
    // GIVEN
    sageMaker.on(DescribeModelPackageCommand).resolves(described());
    // WHEN
    const outcome = await startDeploy(event(approved(3), 'ev-42'), deps);
    // THEN
    expect(outcome).toEqual({ result: 'started', modelPackageArn: arn(3), executionId: 'exec-1' });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)[0].args[0].input).toEqual({
      name: deps.pipelineName,
      variables: [{ name: 'ModelPackageArn', value: arn(3) }],
      clientRequestToken: requestToken(arn(3), 'Approved', APPROVED_AT),
    });
    expect(tokens()[0]).toMatch(/^[a-zA-Z0-9-]{1,128}$/);
    expect(logs).toEqual([expect.objectContaining({ eventId: 'ev-42', result: 'started', modelPackageArn: arn(3) })]);
  });

  test('two events for one approval (or one event delivered twice) ask CodePipeline with one token', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves(described());
    await startDeploy(event(approved(3), 'first-event'), deps);
    await startDeploy(event(approved(3), 'second-event'), deps);
    await startDeploy(event(approved(3), 'second-event'), deps);
    expect(new Set(tokens()).size).toBe(1);
  });

  test('a later approval of the same package (approved, rejected, approved again) gets a new token', async () => {
    sageMaker.on(DescribeModelPackageCommand)
      .resolvesOnce(described())
      .resolvesOnce(described({ LastModifiedTime: new Date('2026-11-24T10:00:00Z') }));
    await startDeploy(event(approved(3)), deps);
    await startDeploy(event(approved(3)), deps);
    expect(new Set(tokens()).size).toBe(2);
  });

  test('an approval that arrives after the package was rejected starts nothing', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves(described({ ModelApprovalStatus: 'Rejected' }));
    const outcome = await startDeploy(event(approved(3)), deps);
    expect(outcome).toEqual({ result: 'ignored', reason: `not deploying ${arn(3)}: package is 'Rejected' now, no longer approved` });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
  });

  describe('approvals by the SageMaker pipeline itself', () => {
    test.each([
      ['registered as Approved by the pipeline role', { CreatedBy: PIPELINE, LastModifiedBy: undefined, LastModifiedTime: undefined }],
      ['set to Approved by the pipeline role later', { CreatedBy: PIPELINE, LastModifiedBy: PIPELINE }],
      ['of unknown approver', { CreatedBy: {}, LastModifiedBy: undefined }],
    ])('are not deployed when the package was %s', async (_what, fields) => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described(fields));
      const outcome = await startDeploy(event(approved(3)), deps);
      expect(outcome).toMatchObject({ result: 'ignored', reason: expect.stringContaining(`not deploying ${arn(3)}: `) });
      expect(codePipeline.calls()).toHaveLength(0);
    });

    test('name the role and the way out', async () => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described({ LastModifiedBy: PIPELINE }));
      const outcome = await startDeploy(event(approved(3)), deps);
      expect(outcome).toMatchObject({
        reason: expect.stringMatching(/approved by the SageMaker pipeline's own role \(arn:aws:sts::123456789012:assumed-role\/sagemaker-churn-pipeline-role\/SageMaker-abc\).*autoApproveModels=true/),
      });
    });

    test('are deployed when the project enables automatic approval', async () => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described({ CreatedBy: PIPELINE, LastModifiedBy: undefined }));
      const outcome = await startDeploy(event(approved(3)), { ...deps, allowPipelineApprovals: true });
      expect(outcome).toMatchObject({ result: 'started', modelPackageArn: arn(3) });
    });

    test('a Studio user\'s approval counts', async () => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described({
        LastModifiedBy: { UserProfileArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/d-1/alice`, UserProfileName: 'alice' },
      }));
      expect(await startDeploy(event(approved(3)), deps)).toMatchObject({ result: 'started' });
    });
  });

  test.each([
    ['an assumed-role session of the role', 'arn:aws:sts::123456789012:assumed-role/sagemaker-churn-pipeline-role/s', true],
    ['the role itself', PIPELINE_ROLE, true],
    ['a role of the same name in another account', 'arn:aws:sts::210987654321:assumed-role/sagemaker-churn-pipeline-role/s', false],
    ['a role whose name extends it', 'arn:aws:sts::123456789012:assumed-role/sagemaker-churn-pipeline-role-2/s', false],
    ['another role', 'arn:aws:sts::123456789012:assumed-role/MLReviewer/s', false],
    ['a user', 'arn:aws:iam::123456789012:user/sagemaker-churn-pipeline-role', false],
  ])('isSessionOfRole: %s -> %s', (_what, principal, expected) => {
    expect(isSessionOfRole(principal, PIPELINE_ROLE)).toBe(expected);
  });

  describe('approvals by another role of the project (PROJECT_AUTOMATION_ROLES)', () => {
    const BUILD = { IamIdentity: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${DEPLOY_BUILD_ROLE.toUpperCase()}/AWSCodeBuild-1234` } };

    test('are not deployed: the deploy build\'s role cannot approve what it then deploys', async () => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described({ LastModifiedBy: BUILD }));
      expect(await startDeploy(event(approved(3)), deps)).toMatchObject({
        result: 'ignored',
        reason: expect.stringContaining(`approved by a role of the project's automation (${BUILD.IamIdentity.Arn}, role arn:aws:iam::${ACCOUNT}:role/${DEPLOY_BUILD_ROLE})`),
      });
      expect(codePipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
    });

    test('a role of the same name in another account is not the project\'s', async () => {
      sageMaker.on(DescribeModelPackageCommand).resolves(described({
        LastModifiedBy: { IamIdentity: { Arn: `arn:aws:sts::210987654321:assumed-role/${DEPLOY_BUILD_ROLE}/s` } },
      }));
      expect(await startDeploy(event(approved(3)), deps)).toMatchObject({ result: 'started' });
    });
  });

  test('a rejection redeploys the newest package still approved, never the rejected one', async () => {
    // GIVEN: the list still shows the just-rejected v3 as approved (eventual consistency)
    sageMaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        { ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(3), ModelPackageStatus: 'Completed' },
        { ModelPackageArn: arn(2), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(2), ModelPackageStatus: 'Completed' },
      ],
    });
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(3) }).resolves(described({ ModelApprovalStatus: 'Rejected' }));
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(2) }).resolves(described({ ModelPackageArn: arn(2) }));
    // WHEN
    const outcome = await startDeploy(event(rejected(3)), deps);
    // THEN
    expect(outcome).toEqual({ result: 'started', modelPackageArn: arn(2), executionId: 'exec-1' });
    expect(tokens()).toEqual([requestToken(arn(3), 'Rejected', APPROVED_AT)]);
    expect(sageMaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toMatchObject({
      ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending',
    });
  });

  test('a rejection skips approved packages the pipeline approved itself', async () => {
    sageMaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [2, 1].map((v) => ({ ModelPackageArn: arn(v), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(v), ModelPackageStatus: 'Completed' })),
    });
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(3) }).resolves(described({ ModelApprovalStatus: 'Rejected' }));
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(2) }).resolves(described({ LastModifiedBy: PIPELINE }));
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(1) }).resolves(described());
    expect(await startDeploy(event(rejected(3)), deps)).toMatchObject({ result: 'started', modelPackageArn: arn(1) });
  });

  test('a rejection looks through every page of the registry, empty pages included', async () => {
    sageMaker.on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: 'page-2' })
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: 'page-3' })
      .resolvesOnce({ ModelPackageSummaryList: [{ ModelPackageArn: arn(1), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(1), ModelPackageStatus: 'Completed' }] });
    sageMaker.on(DescribeModelPackageCommand).resolves(described());
    const outcome = await startDeploy(event(rejected(2)), deps);
    expect(outcome).toMatchObject({ result: 'started', modelPackageArn: arn(1) });
    expect(sageMaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
  });

  test('rejecting the only approved package deploys nothing and says so', async () => {
    sageMaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    sageMaker.on(DescribeModelPackageCommand).resolves(described({ ModelApprovalStatus: 'Rejected' }));
    const outcome = await startDeploy(event(rejected(1)), deps);
    expect(outcome).toEqual({
      result: 'nothing-to-deploy',
      reason: `no approved package left in ${GROUP}; endpoints left as they are`,
    });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
    expect(logs[0]).toMatchObject({ result: 'nothing-to-deploy' });
  });

  test.each<[string, IncomingEvent, RegExp]>([
    ['another group', event({ ...approved(1), ModelPackageGroupName: 'other-p-000000000000' }),
      /^model package group 'other-p-000000000000' is not this project's group 'churn-p-abc123def456'$/],
    ['a pending package', event({ ...approved(1), ModelApprovalStatus: 'PendingManualApproval' }),
      /^approval status 'PendingManualApproval' starts no deployment$/],
    ['no package ARN', event({ ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' }),
      /^ModelPackageArn undefined is not a model package ARN/],
    ['a package ARN that is a number', event({ ...approved(1), ModelPackageArn: 42 }), /^ModelPackageArn 42 is not a model package ARN/],
    ['a package ARN of another form', event({ ...approved(1), ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/x` }),
      /^ModelPackageArn 'arn:aws:sagemaker:us-east-1:123456789012:model\/x' is not a model package ARN/],
    ['a package of another account', event({ ...approved(1), ModelPackageArn: arn(1).replace(ACCOUNT, '210987654321') }),
      /is not a package of this project's group/],
    ['no detail', event(undefined), /^the event has no detail$/],
    ['a missing event id', event(approved(1), 'x', { id: undefined }), /^the event id is missing or not a string \(undefined\)$/],
    ['a numeric event id', event(approved(1), 7), /^the event id is missing or not a string \(7\)$/],
    ['another account', event(approved(1), 'e', { account: '210987654321' }),
      /^the event comes from account '210987654321' in 'us-east-1', not this project's account 123456789012 in us-east-1$/],
    ['another region', event(approved(1), 'e', { region: 'eu-west-1' }), /^the event comes from account '123456789012' in 'eu-west-1'/],
  ])('ignores and logs an event with %s, calling nothing and throwing nothing', async (_what, incoming, reason) => {
    const outcome = await startDeploy(incoming, deps);
    expect(outcome).toEqual({ result: 'ignored', reason: expect.stringMatching(reason) });
    expect(sageMaker.calls()).toHaveLength(0);
    expect(codePipeline.calls()).toHaveLength(0);
    expect(logs).toEqual([expect.objectContaining({ result: 'ignored', reason: expect.stringMatching(reason) })]);
  });

  test('AWS errors propagate so Lambda retries and then dead-letters the event', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves(described());
    codePipeline.on(StartPipelineExecutionCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
    await expect(startDeploy(event(approved(1)), deps)).rejects.toThrow('Rate exceeded');
  });
});
