import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import {
  DescribePipelineCommand,
  ListTagsCommand,
  type ListTagsCommandInput,
  ListTransformJobsCommand,
  type ListTransformJobsCommandInput,
  SageMakerClient,
  StopTransformJobCommand,
  type TransformJobStatus,
} from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type TeardownEvent } from '../../../lambda/teardown';
import { parseProperties } from '../../../lambda/teardown/properties';
import { mockedTeardown, PROJECT_ACCOUNT_KEY } from './mocked-handlers';

/**
 * Multi-account: the teardown deletes the project's stacks in each target account, as that
 * account's set-up access role (assumed with the project's session tag) and with its execution
 * role, endpoint stacks first, then the project's resources stack there.
 */
const PROJECT_ID = 'p-abc123def456';
const OURS = [{ Key: 'sagemaker:project-id', Value: PROJECT_ID }];
const STAGING_ACCOUNT = '222222222222';
const PROD_ACCOUNT = '333333333333';
const STAGING = `sagemaker-churn-${PROJECT_ID}-deploy-staging`;
const PROD = `sagemaker-churn-${PROJECT_ID}-deploy-prod`;
const resources = (account: string) => `sagemaker-churn-${PROJECT_ID}-target-${account}`;
const access = (account: string) => `arn:aws:iam::${account}:role/mlops-target-account/sagemaker-mlops-deploy-access`;
const execution = (account: string) => `arn:aws:iam::${account}:role/mlops-target-account/sagemaker-mlops-cfn-execution`;
const keyOf = (account: string) => `ASIA${account}`;

const target = (account: string, stackNames: string[]) => ({
  Account: account, AccessRoleArn: access(account), ExecutionRoleArn: execution(account), StackNames: stackNames, ResourcesStackName: resources(account),
});
const properties = {
  ProjectName: 'churn',
  ProjectId: PROJECT_ID,
  // Both stages in target accounts: nothing in the project account.
  StackNames: [],
  ModelPackageGroupName: `churn-${PROJECT_ID}`,
  RetainData: 'true',
  TargetAccounts: [target(STAGING_ACCOUNT, [STAGING]), target(PROD_ACCOUNT, [PROD])],
};
const event = (properties_: Record<string, unknown> = properties): TeardownEvent => ({
  RequestType: 'Delete', LogicalResourceId: 'Teardown', PhysicalResourceId: `teardown-${PROJECT_ID}`, ResourceProperties: properties_,
});

const { cfn, sm, sts, handlers } = mockedTeardown();
let logs: Array<Record<string, unknown>>;

function givenStack(name: string, status: StackStatus | 'missing', tags = OURS, reason?: string): void {
  const describe = cfn.on(DescribeStacksCommand, { StackName: name });
  if (status === 'missing') describe.rejects(Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError', $metadata: {} }));
  else describe.resolves({ Stacks: [{ StackName: name, StackStatus: status, StackStatusReason: reason, Tags: tags, CreationTime: new Date() }] });
}

/** Each DeleteStack: the stack, the role passed, and the access key of the credentials it was signed with. */
async function deletions(): Promise<Array<[unknown, unknown, string]>> {
  return Promise.all(cfn.commandCalls(DeleteStackCommand).map(async (call) => {
    const credentials = await (call.thisValue as CloudFormationClient).config.credentials();
    return [call.args[0].input.StackName, call.args[0].input.RoleARN, credentials.accessKeyId] as [unknown, unknown, string];
  }));
}

beforeEach(() => {
  cfn.reset();
  sm.reset();
  sts.reset();
  for (const account of [STAGING_ACCOUNT, PROD_ACCOUNT]) {
    sts.on(AssumeRoleCommand, { RoleArn: access(account) }).resolves({
      Credentials: { AccessKeyId: keyOf(account), SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) },
    });
  }
  // No SageMaker pipeline (a target-only project's teardown still looks for its batch jobs).
  sm.on(DescribePipelineCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFound', $metadata: {} }));
  sm.on(ListTransformJobsCommand).resolves({ TransformJobSummaries: [] });
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(JSON.parse(line)); });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Delete in the target accounts', () => {
  test('onEvent assumes each access role with the project\'s session tag and deletes the endpoint stacks there, with the execution role and those credentials', async () => {
    givenStack(STAGING, 'CREATE_COMPLETE');
    givenStack(PROD, 'UPDATE_COMPLETE');
    givenStack(resources(STAGING_ACCOUNT), 'CREATE_COMPLETE');
    givenStack(resources(PROD_ACCOUNT), 'CREATE_COMPLETE');

    await handlers.onEvent(event());

    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT].map((account) => ({
      RoleArn: access(account),
      RoleSessionName: `teardown-${PROJECT_ID}`,
      Tags: [{ Key: 'sagemaker:project-id', Value: PROJECT_ID }],
      DurationSeconds: 900,
    })));
    // The resources stacks stay while the endpoint stacks that use their roles, key and topic are deleted.
    expect(await deletions()).toEqual([
      [STAGING, execution(STAGING_ACCOUNT), keyOf(STAGING_ACCOUNT)],
      [PROD, execution(PROD_ACCOUNT), keyOf(PROD_ACCOUNT)],
    ]);
    expect(logs).toContainEqual(expect.objectContaining({ name: resources(PROD_ACCOUNT), account: PROD_ACCOUNT, action: 'wait' }));
  });

  test('isComplete deletes an account\'s resources stack once its endpoint stacks are gone, and completes once it is gone too', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'DELETE_IN_PROGRESS');
    givenStack(resources(STAGING_ACCOUNT), 'CREATE_COMPLETE');
    givenStack(resources(PROD_ACCOUNT), 'CREATE_COMPLETE');

    await expect(handlers.isComplete(event())).resolves.toEqual({ IsComplete: false });
    // Staging's account is ready; prod's endpoint is still being deleted.
    expect(await deletions()).toEqual([[resources(STAGING_ACCOUNT), execution(STAGING_ACCOUNT), keyOf(STAGING_ACCOUNT)]]);

    cfn.reset();
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenStack(resources(STAGING_ACCOUNT), 'DELETE_COMPLETE');
    givenStack(resources(PROD_ACCOUNT), 'UPDATE_ROLLBACK_COMPLETE');
    await expect(handlers.isComplete(event())).resolves.toEqual({ IsComplete: false });
    expect(await deletions()).toEqual([[resources(PROD_ACCOUNT), execution(PROD_ACCOUNT), keyOf(PROD_ACCOUNT)]]);

    cfn.reset();
    for (const name of [STAGING, PROD, resources(STAGING_ACCOUNT), resources(PROD_ACCOUNT)]) givenStack(name, 'missing');
    await expect(handlers.isComplete(event())).resolves.toEqual({ IsComplete: true });
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  test('a resources stack that failed to delete fails the project\'s deletion, naming the stack, its account and the failed resources', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenStack(resources(STAGING_ACCOUNT), 'missing');
    givenStack(resources(PROD_ACCOUNT), 'DELETE_FAILED', OURS, 'The following resource(s) failed to delete: [ModelRole].');
    cfn.on(DescribeStackEventsCommand, { StackName: resources(PROD_ACCOUNT) }).resolves({
      StackEvents: [
        { StackId: 'id', StackName: resources(PROD_ACCOUNT), EventId: '2', Timestamp: new Date(), LogicalResourceId: 'ModelRole', ResourceType: 'AWS::IAM::Role', ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'Cannot delete entity, must detach all policies first.' },
        { StackId: 'id', StackName: resources(PROD_ACCOUNT), EventId: '1', Timestamp: new Date(), LogicalResourceId: resources(PROD_ACCOUNT), ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: 'DELETE_IN_PROGRESS' },
      ],
    });

    await expect(handlers.isComplete(event())).rejects.toThrow(
      `Project teardown could not delete its stacks: stack '${resources(PROD_ACCOUNT)}' (account ${PROD_ACCOUNT}) is DELETE_FAILED: The following resource(s) failed to delete: [ModelRole]. `
      + 'Failed resources: ModelRole (Cannot delete entity, must detach all policies first).');
  });

  test('an endpoint stack that failed to delete fails the deletion, and the account\'s resources stack is kept', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'DELETE_FAILED', OURS, 'Endpoint could not be deleted');
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    givenStack(resources(STAGING_ACCOUNT), 'missing');
    givenStack(resources(PROD_ACCOUNT), 'CREATE_COMPLETE');

    await expect(handlers.isComplete(event())).rejects.toThrow(`stack '${PROD}' (account ${PROD_ACCOUNT}) is DELETE_FAILED: Endpoint could not be deleted`);
    expect(await deletions()).toEqual([]);
  });

  test('an account whose access role cannot be assumed fails the deletion with the role, the account and what to do; nothing is deleted', async () => {
    sts.on(AssumeRoleCommand, { RoleArn: access(PROD_ACCOUNT) })
      .rejects(Object.assign(new Error(`User is not authorized to perform: sts:AssumeRole on resource: ${access(PROD_ACCOUNT)}`), { name: 'AccessDenied', $metadata: {} }));
    givenStack(STAGING, 'missing');
    givenStack(resources(STAGING_ACCOUNT), 'missing');

    await expect(handlers.onEvent(event())).rejects.toThrow(
      `Project teardown could not assume ${access(PROD_ACCOUNT)} to delete its stacks in account ${PROD_ACCOUNT} (${PROD}, ${resources(PROD_ACCOUNT)}): `
      + `User is not authorized to perform: sts:AssumeRole on resource: ${access(PROD_ACCOUNT)}. Deploy or update that account's set-up`);
    expect(await deletions()).toEqual([]);
  });

  test('a stack there without this project\'s tag is left alone', async () => {
    givenStack(STAGING, 'missing');
    givenStack(PROD, 'missing');
    givenStack(resources(STAGING_ACCOUNT), 'CREATE_COMPLETE', [{ Key: 'sagemaker:project-id', Value: 'p-other' }]);
    givenStack(resources(PROD_ACCOUNT), 'CREATE_COMPLETE', []);

    await expect(handlers.isComplete(event())).resolves.toEqual({ IsComplete: true });
    expect(await deletions()).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ name: resources(PROD_ACCOUNT), action: 'skip' }));
  });
});

describe('running batch transforms in the target accounts', () => {
  const FOREIGN = [{ Key: 'sagemaker:project-id', Value: 'p-other' }];
  const jobArn = (account: string, name: string) => `arn:aws:sagemaker:us-east-1:${account}:transform-job/${name.toLowerCase()}`;
  interface Job { readonly account: string; readonly name: string; readonly tags: typeof OURS; readonly status?: TransformJobStatus }
  /** What the project's handlers did, in order: `stop <job> <key>` and `delete <stack> <key>`, by the access key of the client. */
  let actions: string[];
  const keyOfClient = async (client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }) => (await client.config.credentials()).accessKeyId;

  /** The jobs of each account, as SageMaker there answers ListTransformJobs (by the access key of the call's client) and ListTags. */
  function givenJobs(jobs: Job[]): void {
    const accountOfKey: Record<string, string> = { [keyOf(STAGING_ACCOUNT)]: STAGING_ACCOUNT, [keyOf(PROD_ACCOUNT)]: PROD_ACCOUNT, [PROJECT_ACCOUNT_KEY]: '111111111111' };
    sm.on(ListTransformJobsCommand).callsFake(async (input: ListTransformJobsCommandInput, getClient: () => SageMakerClient) => {
      const account = accountOfKey[await keyOfClient(getClient())];
      return {
        TransformJobSummaries: jobs
          .filter((j) => j.account === account && (j.status ?? 'InProgress') === input.StatusEquals && j.name.includes(input.NameContains ?? ''))
          .map((j) => ({ TransformJobName: j.name, TransformJobArn: jobArn(j.account, j.name), TransformJobStatus: j.status ?? 'InProgress', CreationTime: new Date() })),
      };
    });
    sm.on(ListTagsCommand).callsFake(async (input: ListTagsCommandInput) => ({
      Tags: jobs.find((j) => jobArn(j.account, j.name) === input.ResourceArn)?.tags ?? [],
    }));
  }

  beforeEach(() => {
    actions = [];
    sm.on(StopTransformJobCommand).callsFake(async (input: { TransformJobName: string }, getClient: () => SageMakerClient) => {
      actions.push(`stop ${input.TransformJobName} ${await keyOfClient(getClient())}`);
      return {};
    });
    cfn.on(DeleteStackCommand).callsFake(async (input: { StackName: string }, getClient: () => CloudFormationClient) => {
      actions.push(`delete ${input.StackName} ${await keyOfClient(getClient())}`);
      return {};
    });
  });

  test('onEvent stops this project\'s running jobs in each account, with that account\'s credentials, before deleting its stacks there', async () => {
    for (const name of [STAGING, PROD, resources(STAGING_ACCOUNT), resources(PROD_ACCOUNT)]) givenStack(name, 'CREATE_COMPLETE');
    givenJobs([
      { account: STAGING_ACCOUNT, name: 'churn-staging-r1', tags: OURS },
      // Another project's job of the same name pattern, a finished one, a job of no batch stage.
      { account: STAGING_ACCOUNT, name: 'churn-staging-r2', tags: FOREIGN },
      { account: STAGING_ACCOUNT, name: 'churn-staging-r3', tags: OURS, status: 'Completed' },
      { account: PROD_ACCOUNT, name: 'churn-dev-r4', tags: OURS },
      { account: PROD_ACCOUNT, name: 'churn-prod-r5', tags: OURS },
    ]);

    await handlers.onEvent(event());

    expect(actions).toEqual([
      `stop churn-staging-r1 ${keyOf(STAGING_ACCOUNT)}`,
      `delete ${STAGING} ${keyOf(STAGING_ACCOUNT)}`,
      `stop churn-prod-r5 ${keyOf(PROD_ACCOUNT)}`,
      `delete ${PROD} ${keyOf(PROD_ACCOUNT)}`,
    ]);
    expect(logs).toContainEqual(expect.objectContaining({ resource: 'transform-job', name: 'churn-staging-r2', account: STAGING_ACCOUNT, action: 'skip' }));
    expect(logs).toContainEqual(expect.objectContaining({ resource: 'transform-job', name: 'churn-prod-r5', account: PROD_ACCOUNT, action: 'stop' }));
  });

  test('isComplete stops a job a schedule started meanwhile, also once the stacks there are gone', async () => {
    for (const name of [STAGING, PROD, resources(STAGING_ACCOUNT), resources(PROD_ACCOUNT)]) givenStack(name, 'missing');
    givenJobs([{ account: PROD_ACCOUNT, name: 'churn-prod-r6', tags: OURS }]);

    await expect(handlers.isComplete(event())).resolves.toEqual({ IsComplete: true });
    expect(actions).toEqual([`stop churn-prod-r6 ${keyOf(PROD_ACCOUNT)}`]);
  });

  test.each([
    ['a job cannot be stopped', StopTransformJobCommand, 'AccessDeniedException', 'not authorized to perform: sagemaker:StopTransformJob'],
    ['the jobs cannot be listed (a set-up older than this)', ListTransformJobsCommand, 'AccessDeniedException', 'not authorized to perform: sagemaker:ListTransformJobs'],
  ] as const)('when %s, the deletion fails naming the account, the role and what to do, and that account\'s stacks stay', async (_what, command, name, message) => {
    for (const stack of [STAGING, PROD, resources(STAGING_ACCOUNT), resources(PROD_ACCOUNT)]) givenStack(stack, 'CREATE_COMPLETE');
    givenJobs([{ account: PROD_ACCOUNT, name: 'churn-prod-r7', tags: OURS }]);
    const denied = Object.assign(new Error(message), { name, $metadata: {} });
    if (command === StopTransformJobCommand) sm.on(StopTransformJobCommand).rejects(denied);
    else sm.on(ListTransformJobsCommand).callsFake(async (_input: unknown, getClient: () => SageMakerClient) => {
      if (await keyOfClient(getClient()) === keyOf(PROD_ACCOUNT)) throw denied;
      return { TransformJobSummaries: [] };
    });

    await expect(handlers.onEvent(event())).rejects.toThrow(
      `Project teardown could not stop the running batch transform jobs of churn in account ${PROD_ACCOUNT} as ${access(PROD_ACCOUNT)}: ${message}. `
      + 'Its stacks there are not deleted while a job may still run. If that account\'s set-up predates stopping them, deploy it again there');
    // Staging's account came first and is being deleted; nothing in prod's.
    expect(actions.filter((a) => a.startsWith('delete'))).toEqual([`delete ${STAGING} ${keyOf(STAGING_ACCOUNT)}`]);
  });
});

describe('TargetAccounts property', () => {
  test('parses each account', () => {
    expect(parseProperties(properties).targetAccounts).toEqual([{
      account: STAGING_ACCOUNT, accessRoleArn: access(STAGING_ACCOUNT), executionRoleArn: execution(STAGING_ACCOUNT),
      stackNames: [STAGING], resourcesStackName: resources(STAGING_ACCOUNT),
    }, {
      account: PROD_ACCOUNT, accessRoleArn: access(PROD_ACCOUNT), executionRoleArn: execution(PROD_ACCOUNT),
      stackNames: [PROD], resourcesStackName: resources(PROD_ACCOUNT),
    }]);
  });

  test.each([
    ['not an array', 'x', "`TargetAccounts` must be an array of target accounts; got 'x'"],
    ['a bad account', [{ ...target(PROD_ACCOUNT, [PROD]), Account: '333' }], "`TargetAccounts[0].Account` must be a 12-digit account id; got '333'"],
    ['no resources stack', [{ ...target(PROD_ACCOUNT, [PROD]), ResourcesStackName: '' }], "`TargetAccounts[0].ResourcesStackName` must be a non-empty string; got ''"],
  ])('refuses %s', (_what, value, message) => {
    expect(() => parseProperties({ ...properties, TargetAccounts: value })).toThrow(message);
  });
});
