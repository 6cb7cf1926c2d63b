import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ModelPackageStateChange } from '../../../lambda/start-deploy/decide';
import { Deps, startDeploy } from '../../../lambda/start-deploy/index';

const GROUP = 'churn-p-abc123def456';
const arn = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/${v}`;

const sageMaker = mockClient(SageMakerClient);
const codePipeline = mockClient(CodePipelineClient);
const logs: Array<Record<string, unknown>> = [];
const deps: Deps = {
  sageMaker: new SageMakerClient({ region: 'us-east-1' }),
  codePipeline: new CodePipelineClient({ region: 'us-east-1' }),
  pipelineName: 'sagemaker-churn-p-abc123def456-modeldeploy',
  groupName: GROUP,
  variableName: 'ModelPackageArn',
  log: (entry) => logs.push(entry),
};

function event(detail: Partial<ModelPackageStateChange> | undefined, id = 'event-1'): EventBridgeEvent<string, ModelPackageStateChange> {
  return {
    'id': id, 'version': '0', 'account': '123456789012', 'time': '2026-11-23T00:00:00Z', 'region': 'us-east-1',
    'resources': [], 'source': 'aws.sagemaker', 'detail-type': 'SageMaker Model Package State Change',
    'detail': detail as ModelPackageStateChange,
  };
}

beforeEach(() => {
  sageMaker.reset();
  codePipeline.reset();
  logs.length = 0;
  codePipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec-1' });
});

describe('start-deploy', () => {
  test('an approval starts the deploy pipeline for that package, keyed by the event id', async () => {
    // GIVEN
    sageMaker.on(DescribeModelPackageCommand).resolves({ ModelApprovalStatus: 'Approved' });
    // WHEN
    const outcome = await startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved' }, 'ev-42'), deps);
    // THEN
    expect(outcome).toEqual({ result: 'started', modelPackageArn: arn(3), executionId: 'exec-1' });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)[0].args[0].input).toEqual({
      name: deps.pipelineName,
      variables: [{ name: 'ModelPackageArn', value: arn(3) }],
      clientRequestToken: 'ev-42',
    });
    expect(logs).toEqual([expect.objectContaining({ eventId: 'ev-42', result: 'started', modelPackageArn: arn(3) })]);
  });

  test('the same event delivered twice asks CodePipeline with the same idempotency token', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves({ ModelApprovalStatus: 'Approved' });
    const approved = event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved' }, 'dup-1');
    await startDeploy(approved, deps);
    await startDeploy(approved, deps);
    const tokens = codePipeline.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input.clientRequestToken);
    expect(tokens).toEqual(['dup-1', 'dup-1']);
  });

  test('an approval that arrives after the package was rejected starts nothing', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves({ ModelApprovalStatus: 'Rejected' });
    const outcome = await startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved' }), deps);
    expect(outcome).toEqual({ result: 'ignored', reason: "package is 'Rejected' now, no longer approved" });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
  });

  test('a rejection redeploys the newest package still approved, never the rejected one', async () => {
    // GIVEN: the list still shows the just-rejected v3 as approved (eventual consistency)
    sageMaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        { ModelPackageArn: arn(3), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(3), ModelPackageStatus: 'Completed' },
        { ModelPackageArn: arn(2), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(2), ModelPackageStatus: 'Completed' },
      ],
    });
    // WHEN
    const outcome = await startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(3), ModelApprovalStatus: 'Rejected' }), deps);
    // THEN
    expect(outcome).toEqual({ result: 'started', modelPackageArn: arn(2), executionId: 'exec-1' });
    expect(sageMaker.commandCalls(ListModelPackagesCommand)[0].args[0].input).toMatchObject({
      ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending',
    });
  });

  test('a rejection looks through every page of the registry', async () => {
    sageMaker.on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: [], NextToken: 'page-2' })
      .resolvesOnce({ ModelPackageSummaryList: [{ ModelPackageArn: arn(1), ModelApprovalStatus: 'Approved', ModelPackageGroupName: GROUP, CreationTime: new Date(1), ModelPackageStatus: 'Completed' }] });
    const outcome = await startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(2), ModelApprovalStatus: 'Rejected' }), deps);
    expect(outcome).toMatchObject({ result: 'started', modelPackageArn: arn(1) });
    expect(sageMaker.commandCalls(ListModelPackagesCommand)[1].args[0].input.NextToken).toBe('page-2');
  });

  test('rejecting the only approved package deploys nothing and says so', async () => {
    sageMaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    const outcome = await startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(1), ModelApprovalStatus: 'Rejected' }), deps);
    expect(outcome).toEqual({
      result: 'nothing-to-deploy',
      reason: `no approved package left in ${GROUP}; endpoints left as they are`,
    });
    expect(codePipeline.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
    expect(logs[0]).toMatchObject({ result: 'nothing-to-deploy' });
  });

  test.each<[string, Partial<ModelPackageStateChange> | undefined, string]>([
    ['another group', { ModelPackageGroupName: 'other-p-000000000000', ModelPackageArn: arn(1), ModelApprovalStatus: 'Approved' },
      `model package group 'other-p-000000000000' is not this project's group '${GROUP}'`],
    ['a pending package', { ModelPackageGroupName: GROUP, ModelPackageArn: arn(1), ModelApprovalStatus: 'PendingManualApproval' },
      "approval status 'PendingManualApproval' starts no deployment"],
    ['no package ARN', { ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved' }, 'event has no ModelPackageArn'],
    ['no detail', undefined, 'event has no detail'],
  ])('ignores and logs an event for %s', async (_what, detail, reason) => {
    const outcome = await startDeploy(event(detail), deps);
    expect(outcome).toEqual({ result: 'ignored', reason });
    expect(sageMaker.calls()).toHaveLength(0);
    expect(codePipeline.calls()).toHaveLength(0);
    expect(logs).toEqual([expect.objectContaining({ result: 'ignored', reason })]);
  });

  test('AWS errors propagate so Lambda retries and then dead-letters the event', async () => {
    sageMaker.on(DescribeModelPackageCommand).resolves({ ModelApprovalStatus: 'Approved' });
    codePipeline.on(StartPipelineExecutionCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
    await expect(startDeploy(event({ ModelPackageGroupName: GROUP, ModelPackageArn: arn(1), ModelApprovalStatus: 'Approved' }), deps))
      .rejects.toThrow('Rate exceeded');
  });
});
