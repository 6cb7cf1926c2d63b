import {
  decidePipeline,
  decideStack,
  deleteFailedMessage,
  failedResources,
  isOwnedBy,
  isSageMakerNotFound,
  isStackNotFound,
  ownershipProblem,
  type StackState,
} from '../../../lambda/teardown/decisions';

const PROJECT_ID = 'p-abc123';
const ours = [{ Key: 'sagemaker:project-name', Value: 'abalone' }, { Key: 'sagemaker:project-id', Value: PROJECT_ID }];

function stack(status: string, tags = ours, statusReason?: string): StackState {
  return { stackName: 'sagemaker-abalone-p-abc123-deploy-prod', status, tags, statusReason };
}

describe('decideStack', () => {
  test.each([
    ['CREATE_COMPLETE', 'start', 'delete'],
    ['UPDATE_COMPLETE', 'start', 'delete'],
    ['UPDATE_ROLLBACK_COMPLETE', 'start', 'delete'],
    ['ROLLBACK_COMPLETE', 'start', 'delete'],
    ['CREATE_FAILED', 'start', 'delete'],
    ['UPDATE_COMPLETE', 'poll', 'delete'],
    ['DELETE_IN_PROGRESS', 'start', 'deleting'],
    ['DELETE_IN_PROGRESS', 'poll', 'deleting'],
    ['DELETE_COMPLETE', 'start', 'absent'],
    ['DELETE_COMPLETE', 'poll', 'absent'],
    ['DELETE_FAILED', 'start', 'delete'],
    ['DELETE_FAILED', 'poll', 'failed'],
    ['UPDATE_IN_PROGRESS', 'start', 'busy'],
    ['CREATE_IN_PROGRESS', 'poll', 'busy'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'start', 'busy'],
    ['REVIEW_IN_PROGRESS', 'start', 'busy'],
  ] as const)('an owned stack in %s during %s -> %s', (status, phase, kind) => {
    expect(decideStack(stack(status), PROJECT_ID, phase).kind).toBe(kind);
  });

  test('a missing stack is absent', () => {
    expect(decideStack(undefined, PROJECT_ID, 'start')).toEqual({ kind: 'absent' });
  });

  test.each([
    ['has no project-id tag', [{ Key: 'sagemaker:project-name', Value: 'abalone' }], "no 'sagemaker:project-id' tag"],
    ['has another project-id', [{ Key: 'sagemaker:project-id', Value: 'p-other' }], "tag is 'p-other', not 'p-abc123'"],
    ['has no tags', [], "no 'sagemaker:project-id' tag"],
  ])('a stack that %s is foreign, whatever its state', (_name, tags, reason) => {
    for (const status of ['CREATE_COMPLETE', 'DELETE_FAILED', 'UPDATE_IN_PROGRESS']) {
      const decision = decideStack(stack(status, tags), PROJECT_ID, 'start');
      expect(decision.kind).toBe('foreign');
      expect(decision.kind === 'foreign' && decision.reason).toContain(reason);
    }
  });

  test('a failed deletion carries the stack status reason while polling', () => {
    expect(decideStack(stack('DELETE_FAILED', ours, 'The following resource(s) failed to delete: [Endpoint].'), PROJECT_ID, 'poll'))
      .toEqual({ kind: 'failed', reason: 'The following resource(s) failed to delete: [Endpoint].' });
  });
});

describe('decidePipeline', () => {
  const executions = (...statuses: string[]) => statuses.map((status, i) => ({ arn: `e${i}`, status }));

  test.each([
    [[], { kind: 'delete' }],
    [['Succeeded', 'Failed', 'Stopped'], { kind: 'delete' }],
    [['Succeeded', 'Executing', 'Stopping', 'Executing'], { kind: 'stop', executionArns: ['e1', 'e3'] }],
    [['Stopping', 'Failed'], { kind: 'wait', reason: '1 execution(s) still stopping' }],
  ])('executions %j -> %j', (statuses, decision) => {
    expect(decidePipeline(executions(...statuses))).toEqual(decision);
  });
});

describe('ownership', () => {
  test.each([
    [ours, true],
    [[{ Key: 'sagemaker:project-id', Value: 'P-ABC123' }], false],
    [[{ Key: 'sagemaker:project-id' }], false],
    [undefined, false],
  ])('tags %j owned: %s', (tags, owned) => {
    expect(isOwnedBy(tags, PROJECT_ID)).toBe(owned);
  });

  test('says nothing is wrong for an owned resource', () => {
    expect(ownershipProblem(ours, PROJECT_ID)).toBeUndefined();
  });
});

describe('not-found classification', () => {
  const err = (name: string, message: string) => Object.assign(new Error(message), { name });

  test.each([
    [err('ValidationError', 'Stack with id sagemaker-x-deploy-prod does not exist'), true],
    [err('ValidationError', 'Stack [x] cannot be deleted while TerminationProtection is enabled'), false],
    [err('AccessDenied', 'User is not authorized to perform: cloudformation:DescribeStacks'), false],
    [undefined, false],
  ])('isStackNotFound(%s) is %s', (error, expected) => {
    expect(isStackNotFound(error)).toBe(expected);
  });

  test.each([
    [err('ResourceNotFound', "Pipeline 'arn:aws:sagemaker:us-east-1:1:pipeline/x' does not exist."), true],
    [err('ValidationException', 'Could not find pipeline with PipelineName x.'), true],
    [err('ValidationException', 'ModelPackageGroup arn:aws:sagemaker:us-east-1:1:model-package-group/x does not exist.'), true],
    [err('ValidationException', '1 validation error detected: Value at pipelineName failed to satisfy constraint'), false],
    [err('AccessDeniedException', 'not authorized'), false],
    [err('ThrottlingException', 'Rate exceeded'), false],
  ])('isSageMakerNotFound(%s) is %s', (error, expected) => {
    expect(isSageMakerNotFound(error)).toBe(expected);
  });
});

describe('failedResources', () => {
  const name = 'sagemaker-abalone-p-abc123-deploy-prod';
  const self = (status: string) => ({ LogicalResourceId: name, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: status });

  test('keeps only the latest attempt, one entry per resource', () => {
    // GIVEN events newest first: the latest attempt failed on Endpoint twice and on Model,
    // an older attempt failed on EndpointConfig
    const events = [
      { ...self('DELETE_FAILED'), ResourceStatusReason: 'The following resource(s) failed to delete: [Endpoint, Model].' },
      { LogicalResourceId: 'Model', ResourceType: 'AWS::SageMaker::Model', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'Access denied' },
      { LogicalResourceId: 'Endpoint', ResourceType: 'AWS::SageMaker::Endpoint', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'Endpoint is updating' },
      { LogicalResourceId: 'Endpoint', ResourceType: 'AWS::SageMaker::Endpoint', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'first try' },
      { LogicalResourceId: 'Endpoint', ResourceType: 'AWS::SageMaker::Endpoint', ResourceStatus: 'DELETE_IN_PROGRESS' },
      self('DELETE_IN_PROGRESS'),
      { LogicalResourceId: 'EndpointConfig', ResourceType: 'AWS::SageMaker::EndpointConfig', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'old' },
      self('DELETE_IN_PROGRESS'),
    ];

    // WHEN / THEN
    expect(failedResources(events, name)).toEqual([
      { logicalId: 'Model', reason: 'Access denied' },
      { logicalId: 'Endpoint', reason: 'Endpoint is updating' },
    ]);
  });

  test('is empty when no resource failed', () => {
    expect(failedResources([self('DELETE_FAILED'), self('DELETE_IN_PROGRESS')], name)).toEqual([]);
  });
});

describe('deleteFailedMessage', () => {
  test('names every stack, its reason and its failed resources', () => {
    const message = deleteFailedMessage([
      { stackName: 'stack-a', reason: 'reason a', resources: [{ logicalId: 'Endpoint', reason: 'busy' }, { logicalId: 'Model', reason: 'denied' }] },
      { stackName: 'stack-b', reason: 'reason b', resources: [] },
    ]);

    expect(message).toContain("stack 'stack-a' is DELETE_FAILED: reason a. Failed resources: Endpoint (busy); Model (denied).");
    expect(message).toContain("stack 'stack-b' is DELETE_FAILED: reason b. Failed resources: no failed resources reported.");
  });
});
