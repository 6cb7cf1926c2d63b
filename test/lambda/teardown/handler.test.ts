import {
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteModelPackageCommand,
  DeletePipelineCommand,
  DescribeModelPackageGroupCommand,
  DescribePipelineCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionsCommand,
  ListTagsCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { isComplete, onEvent, type TeardownEvent } from '../../../lambda/teardown';
import { mockedTeardown } from './mocked-handlers';

const PROJECT_ID = 'p-abc123';
const STAGING = 'sagemaker-abalone-p-abc123-deploy-staging';
const PROD = 'sagemaker-abalone-p-abc123-deploy-prod';
const PIPELINE = 'abalone-p-abc123';
const PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/abalone-p-abc123';
const GROUP_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/abalone-p-abc123';
const OURS = [{ Key: 'sagemaker:project-id', Value: PROJECT_ID }];
const FOREIGN = [{ Key: 'sagemaker:project-id', Value: 'p-other' }];

const properties = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ProjectName: 'abalone',
  ProjectId: PROJECT_ID,
  StackNames: [STAGING, PROD],
  PipelineName: PIPELINE,
  ModelPackageGroupName: PIPELINE,
  RetainData: 'true',
};

function event(requestType: TeardownEvent['RequestType'], overrides: Partial<typeof properties> = {}): TeardownEvent {
  return {
    RequestType: requestType,
    LogicalResourceId: 'Teardown',
    PhysicalResourceId: requestType === 'Create' ? undefined : `teardown-${PROJECT_ID}`,
    ResourceProperties: { ...properties, ...overrides },
  };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

const { cfn, sm, handlers } = mockedTeardown();
let logs: Array<Record<string, unknown>>;

/** Makes DescribeStacks answer for `name`: a stack in `status`, or "does not exist". */
function givenStack(name: string, status: StackStatus | 'missing', tags = OURS, reason?: string): void {
  const describe = cfn.on(DescribeStacksCommand, { StackName: name });
  if (status === 'missing') {
    describe.rejects(awsError('ValidationError', `Stack with id ${name} does not exist`));
  } else {
    describe.resolves({ Stacks: [{ StackName: name, StackStatus: status, StackStatusReason: reason, Tags: tags, CreationTime: new Date() }] });
  }
}

/** Makes the pipeline exist with `tags` and executions in the given statuses, or not exist. */
function givenPipeline(tags: typeof OURS | 'missing', executionStatuses: string[] = ['Succeeded']): void {
  if (tags === 'missing') {
    sm.on(DescribePipelineCommand).rejects(awsError('ResourceNotFound', `Pipeline '${PIPELINE_ARN}' does not exist.`));
  } else {
    sm.on(DescribePipelineCommand, { PipelineName: PIPELINE }).resolves({ PipelineArn: PIPELINE_ARN, PipelineName: PIPELINE, PipelineStatus: 'Active' });
    sm.on(ListTagsCommand, { ResourceArn: PIPELINE_ARN }).resolves({ Tags: tags });
    sm.on(ListPipelineExecutionsCommand, { PipelineName: PIPELINE }).resolves({
      PipelineExecutionSummaries: executionStatuses.map((status, i) => ({
        PipelineExecutionArn: `${PIPELINE_ARN}/execution/e${i}`,
        PipelineExecutionStatus: status as never,
      })),
    });
  }
}

function deletedPipelines(): unknown[] {
  return sm.commandCalls(DeletePipelineCommand).map((call) => call.args[0].input.PipelineName);
}

function stoppedExecutions(): unknown[] {
  return sm.commandCalls(StopPipelineExecutionCommand).map((call) => call.args[0].input.PipelineExecutionArn);
}

function givenGroup(tags: typeof OURS | 'missing', packagePages: string[][] = []): void {
  if (tags === 'missing') {
    sm.on(DescribeModelPackageGroupCommand).rejects(awsError('ValidationException', `ModelPackageGroup ${GROUP_ARN} does not exist.`));
    return;
  }
  sm.on(DescribeModelPackageGroupCommand, { ModelPackageGroupName: PIPELINE }).resolves({ ModelPackageGroupArn: GROUP_ARN, ModelPackageGroupName: PIPELINE });
  sm.on(ListTagsCommand, { ResourceArn: GROUP_ARN }).resolves({ Tags: tags });
  const pages = packagePages.length === 0 ? [[]] : packagePages;
  pages.forEach((arns, page) => {
    const input = page === 0 ? { ModelPackageGroupName: PIPELINE } : { ModelPackageGroupName: PIPELINE, NextToken: `page-${page}` };
    sm.on(ListModelPackagesCommand, input).resolves({
      ModelPackageSummaryList: arns.map((arn) => ({ ModelPackageArn: arn, ModelPackageGroupName: PIPELINE, CreationTime: new Date(), ModelPackageStatus: 'Completed' })),
      NextToken: page + 1 < pages.length ? `page-${page + 1}` : undefined,
    });
  });
}

function deletedStacks(): unknown[] {
  return cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input.StackName);
}

function deletedPackages(): unknown[] {
  return sm.commandCalls(DeleteModelPackageCommand).map((call) => call.args[0].input.ModelPackageName);
}

function modelRegistryCalls(): number {
  return sm.commandCalls(DescribeModelPackageGroupCommand).length
    + sm.commandCalls(ListModelPackagesCommand).length
    + sm.commandCalls(DeleteModelPackageCommand).length;
}

beforeEach(() => {
  cfn.reset();
  sm.reset();
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => {
    logs.push(JSON.parse(line));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Create and Update', () => {
  test('Create returns a physical id derived from the project id and calls no AWS API', async () => {
    // WHEN
    const response = await handlers.onEvent(event('Create'));

    // THEN
    expect(response).toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
    expect(cfn.calls()).toHaveLength(0);
    expect(sm.calls()).toHaveLength(0);
  });

  test('fails when Create gets invalid properties', async () => {
    await expect(handlers.onEvent(event('Create', { RetainData: 'maybe' })))
      .rejects.toThrow("`RetainData` must be 'true' or 'false'; got 'maybe'");
  });

  test('Update keeps the physical id and calls no AWS API', async () => {
    const response = await handlers.onEvent({ ...event('Update'), OldResourceProperties: { ...properties, RetainData: 'false' } });

    expect(response).toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
    expect(cfn.calls()).toHaveLength(0);
    expect(sm.calls()).toHaveLength(0);
  });

  test('Update with a changed ProjectId keeps the old physical id so CloudFormation sends no Delete', async () => {
    // GIVEN the resource was created for p-old
    const update: TeardownEvent = {
      ...event('Update', { ProjectId: 'p-new' }),
      PhysicalResourceId: 'teardown-p-old',
      OldResourceProperties: { ...properties, ProjectId: 'p-old' },
    };

    // WHEN
    const response = await handlers.onEvent(update);

    // THEN
    expect(response).toEqual({ PhysicalResourceId: 'teardown-p-old' });
    expect(cfn.calls()).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ action: 'update', reason: expect.stringContaining("ProjectId changed from 'p-old'") }));
  });

  test.each(['Create', 'Update'] as const)('isComplete for %s is complete at once without AWS calls', async (type) => {
    await expect(handlers.isComplete(event(type))).resolves.toEqual({ IsComplete: true });
    expect(cfn.calls()).toHaveLength(0);
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('Delete: onEvent', () => {
  test('deletes both owned endpoint stacks and the owned pipeline', async () => {
    // GIVEN
    givenStack(STAGING, 'CREATE_COMPLETE');
    givenStack(PROD, 'UPDATE_COMPLETE');
    givenPipeline(OURS);

    // WHEN
    const response = await handlers.onEvent(event('Delete'));

    // THEN
    expect(response).toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
    expect(deletedStacks()).toEqual([STAGING, PROD]);
    expect(deletedPipelines()).toEqual([PIPELINE]);
    // The registry is only handled once the stacks are gone (isComplete).
    expect(modelRegistryCalls()).toBe(0);
  });

  test.each([
    ['does not exist', 'missing', OURS, false],
    ['is DELETE_COMPLETE', 'DELETE_COMPLETE', OURS, false],
    ['is already DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS', OURS, false],
    ['is still being updated by a deployment', 'UPDATE_IN_PROGRESS', OURS, false],
    ['is DELETE_FAILED from an earlier attempt', 'DELETE_FAILED', OURS, true],
    ['is ROLLBACK_COMPLETE', 'ROLLBACK_COMPLETE', OURS, true],
    ['is tagged with another project id', 'CREATE_COMPLETE', FOREIGN, false],
    ['has no project id tag', 'CREATE_COMPLETE', [{ Key: 'owner', Value: 'someone' }], false],
  ] as const)('a stack that %s: DeleteStack called = %s', async (_name, status, tags, deleted) => {
    // GIVEN
    givenStack(STAGING, status, [...tags]);
    givenStack(PROD, 'missing');
    givenPipeline('missing');

    // WHEN
    await handlers.onEvent(event('Delete'));

    // THEN
    expect(deletedStacks()).toEqual(deleted ? [STAGING] : []);
  });

  test("each stack named in StackRoles is deleted with its stage's role (start and poll); the others with the role they were deployed with", async () => {
    // GIVEN staging's deploy role is named; prod's stack is not in the map
    const stagingRole = 'arn:aws:iam::123456789012:role/abalone-staging-deploy';
    givenStack(STAGING, 'UPDATE_COMPLETE');
    givenStack(PROD, 'CREATE_COMPLETE');
    givenPipeline('missing');
    const withRoles = event('Delete', { StackRoles: [{ StackName: STAGING, RoleArn: stagingRole }] } as Partial<typeof properties>);

    // WHEN the deletion starts, and again when a poll finds staging settled after a deployment
    await handlers.onEvent(withRoles);
    await handlers.isComplete(withRoles);

    // THEN
    const calls = cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      { StackName: STAGING, RoleARN: stagingRole }, { StackName: PROD },
      { StackName: STAGING, RoleARN: stagingRole }, { StackName: PROD },
    ]);
  });

  test("a target account's teardown (no PipelineName) deletes its endpoint stack and looks for no SageMaker pipeline", async () => {
    // GIVEN
    givenStack(STAGING, 'CREATE_COMPLETE');

    // WHEN the stack is deleted, then gone
    await handlers.onEvent(event('Delete', { StackNames: [STAGING], PipelineName: undefined }));
    givenStack(STAGING, 'missing');
    const done = await handlers.isComplete(event('Delete', { StackNames: [STAGING], PipelineName: undefined }));

    // THEN the teardown is complete without any pipeline call
    expect(deletedStacks()).toEqual([STAGING]);
    expect(done).toEqual({ IsComplete: true });
    expect(sm.commandCalls(DescribePipelineCommand)).toHaveLength(0);
    expect(deletedPipelines()).toEqual([]);
  });

  test('leaves a foreign stack alone and logs why', async () => {
    givenStack(STAGING, 'CREATE_COMPLETE', FOREIGN);
    givenStack(PROD, 'missing');
    givenPipeline('missing');

    await handlers.onEvent(event('Delete'));

    expect(deletedStacks()).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({
      resource: 'stack',
      name: STAGING,
      action: 'skip',
      reason: "left alone: its 'sagemaker:project-id' tag is 'p-other', not 'p-abc123'",
      projectId: PROJECT_ID,
    }));
  });

  test('leaves a foreign pipeline alone and logs why', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline([{ Key: 'team', Value: 'fraud' }]);

    await handlers.onEvent(event('Delete'));

    expect(deletedPipelines()).toEqual([]);
    expect(sm.commandCalls(ListPipelineExecutionsCommand)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({
      resource: 'pipeline',
      action: 'skip',
      reason: expect.stringContaining("no 'sagemaker:project-id' tag"),
    }));
  });

  test('reads every page of pipeline tags before deciding', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS);
    sm.on(ListTagsCommand, { ResourceArn: PIPELINE_ARN }).resolves({ Tags: [{ Key: 'a', Value: 'b' }], NextToken: 't2' });
    sm.on(ListTagsCommand, { ResourceArn: PIPELINE_ARN, NextToken: 't2' }).resolves({ Tags: OURS });

    await handlers.onEvent(event('Delete'));

    expect(sm.commandCalls(DeletePipelineCommand)).toHaveLength(1);
  });

  test('a pipeline deleted by someone else between Describe and Delete is fine', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS);
    sm.on(DeletePipelineCommand).rejects(awsError('ResourceNotFound', 'Pipeline does not exist.'));

    await expect(handlers.onEvent(event('Delete'))).resolves.toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
  });

  test('stops running pipeline executions instead of deleting the pipeline under them', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS, ['Succeeded', 'Executing', 'Failed', 'Executing']);

    await handlers.onEvent(event('Delete'));

    expect(stoppedExecutions()).toEqual([`${PIPELINE_ARN}/execution/e1`, `${PIPELINE_ARN}/execution/e3`]);
    expect(deletedPipelines()).toEqual([]);
  });

  test('waits for stopping executions and does not stop them again', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS, ['Stopping']);

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: false });

    expect(stoppedExecutions()).toEqual([]);
    expect(deletedPipelines()).toEqual([]);
  });

  test('isComplete deletes the pipeline once its executions have stopped', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS, ['Stopped', 'Succeeded']);

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: true });

    expect(deletedPipelines()).toEqual([PIPELINE]);
  });

  test('an execution started just before DeletePipeline makes isComplete wait instead of fail', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS);
    sm.on(DeletePipelineCommand).rejects(awsError('ConflictException', 'Pipeline has running executions'));

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: false });
  });

  test('a pipeline already being deleted is not deleted again', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline(OURS);
    sm.on(DescribePipelineCommand).resolves({ PipelineArn: PIPELINE_ARN, PipelineStatus: 'Deleting' });

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: true });
    expect(deletedPipelines()).toEqual([]);
  });

  test.each([
    ['DescribeStacks is denied', () => cfn.on(DescribeStacksCommand).rejects(awsError('AccessDenied', 'not authorized to perform cloudformation:DescribeStacks'))],
    ['DeleteStack is rejected', () => {
      givenStack(STAGING, 'CREATE_COMPLETE');
      cfn.on(DeleteStackCommand).rejects(awsError('ValidationError', 'Stack cannot be deleted while TerminationProtection is enabled'));
    }],
    ['DescribePipeline is throttled', () => {
      givenStack(STAGING, 'missing');
      givenStack(PROD, 'missing');
      sm.on(DescribePipelineCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    }],
    ['DeletePipeline is denied', () => {
      givenStack(STAGING, 'missing');
      givenStack(PROD, 'missing');
      givenPipeline(OURS);
      sm.on(DeletePipelineCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform sagemaker:DeletePipeline'));
    }],
  ])('fails when %s', async (_name, arrange) => {
    arrange();
    await expect(handlers.onEvent(event('Delete'))).rejects.toThrow(/not authorized|TerminationProtection|Rate exceeded/);
  });

  test('a Delete whose properties never were valid succeeds without AWS calls', async () => {
    // GIVEN a Create that failed on bad properties: CloudFormation rolls back with a Delete
    await expect(handlers.onEvent(event('Delete', { ProjectId: '' }))).resolves.toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
    await expect(handlers.isComplete(event('Delete', { ProjectId: '' }))).resolves.toEqual({ IsComplete: true });

    expect(cfn.calls()).toHaveLength(0);
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('Delete: isComplete', () => {
  beforeEach(() => givenPipeline('missing'));

  test('is not complete while a stack is still deleting, and does not delete it again', async () => {
    givenStack(STAGING, 'DELETE_IN_PROGRESS');
    givenStack(PROD, 'missing');

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: false });
    expect(deletedStacks()).toEqual([]);
  });

  test('deletes a stack once the deployment that kept it busy has settled', async () => {
    givenStack(STAGING, 'UPDATE_COMPLETE');
    givenStack(PROD, 'missing');

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: false });
    expect(deletedStacks()).toEqual([STAGING]);
  });

  test('is complete when every stack is gone or foreign', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'CREATE_COMPLETE', FOREIGN);

    await expect(handlers.isComplete(event('Delete'))).resolves.toEqual({ IsComplete: true });
    expect(deletedStacks()).toEqual([]);
  });

  test('fails when a stack is stuck in DELETE_FAILED, naming the stack, its reason and failed resources', async () => {
    // GIVEN
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'DELETE_FAILED', OURS, 'The following resource(s) failed to delete: [Endpoint].');
    cfn.on(DescribeStackEventsCommand, { StackName: PROD }).resolves({
      StackEvents: [
        { StackId: 'id', StackName: PROD, EventId: '3', Timestamp: new Date(), LogicalResourceId: PROD, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: 'DELETE_FAILED' },
        { StackId: 'id', StackName: PROD, EventId: '2', Timestamp: new Date(), LogicalResourceId: 'Endpoint', ResourceType: 'AWS::SageMaker::Endpoint', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'User is not authorized to perform: sagemaker:DeleteEndpoint' },
        { StackId: 'id', StackName: PROD, EventId: '1', Timestamp: new Date(), LogicalResourceId: PROD, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: 'DELETE_IN_PROGRESS' },
      ],
    });
    givenGroup(OURS, [['arn:mp/1']]);

    // WHEN
    const result = handlers.isComplete(event('Delete', { RetainData: 'false' }));

    // THEN
    await expect(result).rejects.toThrow(
      `stack '${PROD}' is DELETE_FAILED: The following resource(s) failed to delete: [Endpoint]. `
        + 'Failed resources: Endpoint (User is not authorized to perform: sagemaker:DeleteEndpoint).',
    );
    expect(deletedStacks()).toEqual([]);
    // A failed teardown must not lose the models the surviving endpoint may still serve.
    expect(modelRegistryCalls()).toBe(0);
    expect(logs).toContainEqual(expect.objectContaining({ resource: 'stack', name: PROD, action: 'fail' }));
  });

  test('reports every failed stack, not just the first', async () => {
    givenStack(STAGING, 'DELETE_FAILED', OURS, 'staging reason');
    givenStack(PROD, 'DELETE_FAILED', OURS, 'prod reason');
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    const failure = await handlers.isComplete(event('Delete')).catch((e: Error) => e);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(`stack '${STAGING}' is DELETE_FAILED: staging reason`);
    expect((failure as Error).message).toContain(`stack '${PROD}' is DELETE_FAILED: prod reason`);
  });
});

describe('Delete: model registry', () => {
  beforeEach(() => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline('missing');
  });

  test('RetainData true never touches the model registry', async () => {
    givenGroup(OURS, [['arn:mp/1']]);

    await handlers.onEvent(event('Delete', { RetainData: 'true' }));
    await expect(handlers.isComplete(event('Delete', { RetainData: 'true' }))).resolves.toEqual({ IsComplete: true });

    expect(modelRegistryCalls()).toBe(0);
  });

  test('RetainData false deletes every model package of an owned group, across pages', async () => {
    givenGroup(OURS, [['arn:mp/1', 'arn:mp/2'], ['arn:mp/3']]);

    await handlers.onEvent(event('Delete', { RetainData: 'false' }));
    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: true });

    expect(deletedPackages()).toEqual(['arn:mp/1', 'arn:mp/2', 'arn:mp/3']);
  });

  test('RetainData false waits for the endpoint stacks before deleting model packages', async () => {
    givenStack(PROD, 'DELETE_IN_PROGRESS');
    givenGroup(OURS, [['arn:mp/1']]);

    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: false });

    expect(modelRegistryCalls()).toBe(0);
  });

  test('RetainData false leaves a foreign group alone and logs why', async () => {
    givenGroup(FOREIGN, [['arn:mp/1']]);

    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: true });

    expect(deletedPackages()).toEqual([]);
    expect(sm.commandCalls(ListModelPackagesCommand)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ resource: 'model-package-group', action: 'skip' }));
  });

  test('RetainData false with no group (nothing was ever registered) is complete', async () => {
    givenGroup('missing');

    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: true });
    expect(deletedPackages()).toEqual([]);
  });

  test('a model package already gone is not an error', async () => {
    givenGroup(OURS, [['arn:mp/1', 'arn:mp/2']]);
    sm.on(DeleteModelPackageCommand, { ModelPackageName: 'arn:mp/1' }).rejects(awsError('ValidationException', 'Model package arn:mp/1 does not exist.'));

    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: true });
    expect(deletedPackages()).toEqual(['arn:mp/1', 'arn:mp/2']);
  });

  test('fails when a model package cannot be deleted', async () => {
    givenGroup(OURS, [['arn:mp/1']]);
    sm.on(DeleteModelPackageCommand).rejects(awsError('ConflictException', 'Model package is in use'));

    await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).rejects.toThrow('Model package is in use');
  });
});

describe('idempotent re-delete', () => {
  test('a second delete run after everything is gone succeeds without any Delete call', async () => {
    // GIVEN the first run deleted everything
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenPipeline('missing');
    givenGroup(OURS, []);

    // WHEN the provider framework retries the whole deletion
    for (let run = 0; run < 2; run++) {
      await expect(handlers.onEvent(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
      await expect(handlers.isComplete(event('Delete', { RetainData: 'false' }))).resolves.toEqual({ IsComplete: true });
    }

    // THEN
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(sm.commandCalls(DeletePipelineCommand)).toHaveLength(0);
    expect(sm.commandCalls(DeleteModelPackageCommand)).toHaveLength(0);
  });
});

describe('Lambda entry points: their own configuration, and only while the project is deleted', () => {
  const PROJECT_STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/sagemaker-abalone/0f1e2d3c-aaaa-bbbb-cccc-123456789012';
  // What a forged direct invocation would ask for: another project's stacks and pipeline.
  const forged = event('Delete', { ProjectId: 'p-victim', StackNames: ['sagemaker-victim-p-victim-deploy-prod'], PipelineName: 'victim-p-victim' });
  beforeEach(() => {
    process.env.TEARDOWN_PROPERTIES = JSON.stringify(properties);
    process.env.PROJECT_STACK_ID = PROJECT_STACK;
  });
  afterEach(() => {
    delete process.env.TEARDOWN_PROPERTIES;
    delete process.env.PROJECT_STACK_ID;
  });

  test('delete what the function is configured with, whatever the event says', async () => {
    // GIVEN (aws-sdk-client-mock intercepts every client instance, including the handler's own)
    givenStack(PROJECT_STACK, 'DELETE_IN_PROGRESS');
    givenStack(STAGING, 'CREATE_COMPLETE');
    givenStack(PROD, 'missing');
    givenPipeline('missing');
    // WHEN
    await expect(onEvent(forged)).resolves.toEqual({ PhysicalResourceId: 'teardown-p-abc123' });
    await expect(isComplete(event('Create'))).resolves.toEqual({ IsComplete: true });
    // THEN
    expect(deletedStacks()).toEqual([STAGING]);
    expect(cfn.commandCalls(DescribeStacksCommand, { StackName: 'sagemaker-victim-p-victim-deploy-prod' })).toHaveLength(0);
  });

  test.each(['CREATE_COMPLETE', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'] as const)(
    'delete nothing when the project stack is %s (a direct invocation, or the teardown removed from a live project)',
    async (status) => {
      givenStack(PROJECT_STACK, status);
      givenStack(STAGING, 'CREATE_COMPLETE');
      givenPipeline(OURS);
      await onEvent(event('Delete'));
      await expect(isComplete(event('Delete'))).resolves.toEqual({ IsComplete: true });
      expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
      expect(sm.commandCalls(DeletePipelineCommand)).toHaveLength(0);
      expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'skip', reason: expect.stringContaining('nothing deleted') })]));
    },
  );

  test('delete nothing without a configuration', async () => {
    delete process.env.TEARDOWN_PROPERTIES;
    givenStack(PROJECT_STACK, 'DELETE_IN_PROGRESS');
    await onEvent(forged);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});
