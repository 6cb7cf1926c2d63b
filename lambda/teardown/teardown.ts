/**
 * The AWS side of the teardown: reads the state of the project's endpoint stacks, SageMaker
 * pipeline and model registry, applies the pure decisions from `decisions.ts` and acts on them.
 */
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  paginateDescribeStackEvents,
} from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DeleteModelPackageCommand,
  DeletePipelineCommand,
  DescribeModelPackageGroupCommand,
  DescribePipelineCommand,
  ListTransformJobsCommand,
  paginateListModelPackages,
  paginateListPipelineExecutions,
  paginateListTags,
  SageMakerClient,
  StopPipelineExecutionCommand,
  StopTransformJobCommand,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import {
  decidePipeline,
  decideStack,
  deleteFailedMessage,
  type ExecutionState,
  failedResources,
  type FailedStack,
  isSageMakerNotFound,
  isStackNotFound,
  ownershipProblem,
  type Phase,
  type StackEventLike,
  type StackState,
} from './decisions';
import { logDecision } from './log';
import { PROJECT_ID_TAG, type TargetAccount, type TeardownProperties } from './properties';

/** The AWS clients the teardown uses; injectable so tests can point them at mocks or moto_server. */
export interface TeardownClients {
  readonly cloudFormation: CloudFormationClient;
  readonly sageMaker: SageMakerClient;
  /** Multi-account: assumes the target accounts' access roles (CloudFormation there runs with its credentials). */
  readonly sts: STSClient;
}

/**
 * First half of a project deletion (onEvent): starts deleting the project's endpoint stacks,
 * stops the SageMaker pipeline's running executions and deletes the pipeline if none runs.
 * Does not wait for anything.
 */
export async function startTeardown(props: TeardownProperties, clients: TeardownClients): Promise<void> {
  for (const stackName of props.stackNames) {
    await reconcileStack(stackName, props, clients.cloudFormation, 'start', { roleArn: props.stackRoleArns[stackName] });
  }
  for (const target of props.targetAccounts) {
    await reconcileTargetAccount(target, props, clients, 'start');
  }
  await reconcilePipeline(props, clients.sageMaker);
  await stopBatchTransformJobs(props, clients.sageMaker);
}

/**
 * Second half of a project deletion (isComplete): reports whether every endpoint stack and the
 * pipeline are gone, finishing what the first half could not start (a stack that was busy, a
 * pipeline whose executions were stopping). Once they are gone, and only if data is not
 * retained, it empties the model package group.
 *
 * @returns true when the teardown is complete
 * @throws Error naming every stack that ended in DELETE_FAILED, its reason and failed resources
 */
export async function checkTeardown(props: TeardownProperties, clients: TeardownClients): Promise<boolean> {
  const failures: FailedStack[] = [];
  let done = true;
  for (const stackName of props.stackNames) {
    const outcome = await reconcileStack(stackName, props, clients.cloudFormation, 'poll', { roleArn: props.stackRoleArns[stackName] });
    if (outcome === 'failed') {
      failures.push(await explainFailure(stackName, clients.cloudFormation));
    } else if (outcome === 'pending') {
      done = false;
    }
  }
  for (const target of props.targetAccounts) {
    const outcome = await reconcileTargetAccount(target, props, clients, 'poll');
    if (outcome === 'pending') done = false;
    else if (outcome !== 'done') failures.push(...outcome);
  }
  if (failures.length > 0) {
    throw new Error(deleteFailedMessage(failures));
  }
  const pipelineDone = (await reconcilePipeline(props, clients.sageMaker)) === 'done';
  // Again while polling: a schedule may have started a run before its stack was gone.
  await stopBatchTransformJobs(props, clients.sageMaker);
  if (!done || !pipelineDone) return false;
  // Only after the endpoints are gone: if a stack cannot be deleted, the models it may still
  // serve stay registered, and a failed teardown never loses data.
  if (!props.retainData) {
    await emptyModelPackageGroup(props, clients.sageMaker);
  }
  return true;
}

type StackOutcome = 'done' | 'pending' | 'failed';

/**
 * Multi-account: in one target account, as its set-up access role (assumed with a session tag of
 * the project id), stops the project's running batch transforms there, then deletes the project's
 * stacks with the set-up's execution role: the stages' endpoint (or batch) stacks first, the
 * project's resources stack there once they are gone (its roles, key and topic are what they use).
 * The jobs are stopped first, and again on every poll: a schedule may start one until its stack is
 * gone, and a running job would outlive its stack (and its model role) and go on billing.
 *
 * @returns `done`, `pending`, or the stacks whose deletion failed (poll phase only)
 * @throws Error naming the account and role when its transform jobs cannot be listed or stopped
 */
async function reconcileTargetAccount(
  target: TargetAccount,
  props: TeardownProperties,
  clients: TeardownClients,
  phase: Phase,
): Promise<'done' | 'pending' | FailedStack[]> {
  const { cloudFormation: cfn, sageMaker } = await targetClients(target, props, clients);
  try {
    await stopBatchTransformJobs(props, sageMaker, target.account);
  } catch (error) {
    throw new Error(`Project teardown could not stop the running batch transform jobs of ${props.projectName} in account ${target.account} `
      + `as ${target.accessRoleArn}: ${(error as Error).message}. Its stacks there are not deleted while a job may still run. `
      + "If that account's set-up predates stopping them, deploy it again there (docs/multi-account.md), "
      + 'else stop the jobs there by hand; then retry deleting the project stack.');
  }
  const where = { account: target.account, roleArn: target.executionRoleArn };
  const failures: FailedStack[] = [];
  let endpointsDone = true;
  for (const stackName of target.stackNames) {
    const outcome = await reconcileStack(stackName, props, cfn, phase, where);
    if (outcome === 'failed') failures.push({ ...await explainFailure(stackName, cfn), account: target.account });
    else if (outcome === 'pending') endpointsDone = false;
  }
  if (failures.length > 0) return failures;
  if (!endpointsDone) {
    logDecision({
      resource: 'stack', name: target.resourcesStackName, projectId: props.projectId, phase, account: target.account,
      action: 'wait', reason: "the account's endpoint stacks are still being deleted; they use its roles, key and topic",
    });
    return 'pending';
  }
  const outcome = await reconcileStack(target.resourcesStackName, props, cfn, phase, where);
  if (outcome === 'failed') return [{ ...await explainFailure(target.resourcesStackName, cfn), account: target.account }];
  return outcome;
}

/**
 * CloudFormation and SageMaker in a target account, with the credentials of its access role. The
 * session tag is the project id: the access role admits this teardown only with it, and lets such a
 * session delete the stacks and stop the transform jobs of that project only.
 *
 * @throws Error naming the account and role when the role cannot be assumed (the account is not
 *   prepared, or its set-up predates project teardowns)
 */
async function targetClients(
  target: TargetAccount,
  props: TeardownProperties,
  clients: TeardownClients,
): Promise<{ readonly cloudFormation: CloudFormationClient; readonly sageMaker: SageMakerClient }> {
  let credentials;
  try {
    const out = await clients.sts.send(new AssumeRoleCommand({
      RoleArn: target.accessRoleArn,
      RoleSessionName: `teardown-${props.projectId}`.slice(0, 64),
      Tags: [{ Key: PROJECT_ID_TAG, Value: props.projectId }],
      DurationSeconds: 900,
    }));
    credentials = out.Credentials;
  } catch (error) {
    throw new Error(`Project teardown could not assume ${target.accessRoleArn} to delete its stacks in account ${target.account} `
      + `(${[...target.stackNames, target.resourcesStackName].join(', ')}): ${(error as Error).message}. `
      + "Deploy or update that account's set-up (docs/multi-account.md), or delete the stacks there by hand, then retry deleting the project stack.");
  }
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new Error(`Project teardown: AssumeRole of ${target.accessRoleArn} returned no credentials`);
  }
  const config = {
    region: await clients.cloudFormation.config.region(),
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    },
  };
  return { cloudFormation: new CloudFormationClient(config), sageMaker: new SageMakerClient(config) };
}

async function reconcileStack(
  stackName: string,
  props: TeardownProperties,
  cfn: CloudFormationClient,
  phase: Phase,
  where: { readonly account?: string; readonly roleArn?: string } = {},
): Promise<StackOutcome> {
  const stack = await describeStack(stackName, cfn);
  const decision = decideStack(stack, props.projectId, phase);
  const base = { resource: 'stack', name: stackName, projectId: props.projectId, phase, ...(where.account ? { account: where.account } : {}) } as const;
  switch (decision.kind) {
    case 'absent':
      logDecision({ ...base, action: 'none', reason: 'stack does not exist (any more)' });
      return 'done';
    case 'foreign':
      logDecision({ ...base, action: 'skip', reason: `left alone: ${decision.reason}` });
      return 'done';
    case 'deleting':
      logDecision({ ...base, action: 'wait', reason: 'DELETE_IN_PROGRESS; not calling DeleteStack again' });
      return 'pending';
    case 'busy':
      logDecision({ ...base, action: 'wait', reason: `${decision.status}; will delete once it settles` });
      return 'pending';
    case 'failed':
      logDecision({ ...base, action: 'fail', reason: `DELETE_FAILED: ${decision.reason}` });
      return 'failed';
    case 'delete':
      logDecision({ ...base, action: 'delete', reason: decision.reason });
      // With the stage's deploy role, or in a target account the set-up's execution role (the only
      // one its access role may pass).
      await cfn.send(new DeleteStackCommand({ StackName: stackName, ...(where.roleArn ? { RoleARN: where.roleArn } : {}) }));
      return 'pending';
  }
}

async function describeStack(stackName: string, cfn: CloudFormationClient): Promise<StackState | undefined> {
  try {
    const result = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    if (stack === undefined) return undefined;
    return {
      stackName,
      status: stack.StackStatus ?? 'UNKNOWN',
      statusReason: stack.StackStatusReason,
      tags: stack.Tags ?? [],
    };
  } catch (error) {
    if (isStackNotFound(error)) return undefined;
    throw error;
  }
}

async function explainFailure(stackName: string, cfn: CloudFormationClient): Promise<FailedStack> {
  const stack = await describeStack(stackName, cfn);
  const events: StackEventLike[] = [];
  for await (const page of paginateDescribeStackEvents({ client: cfn }, { StackName: stackName })) {
    const batch = page.StackEvents ?? [];
    events.push(...batch);
    // The latest attempt's start is usually on the first page; older history is not needed.
    if (batch.some((e) => e.LogicalResourceId === stackName && e.ResourceStatus === 'DELETE_IN_PROGRESS')) break;
  }
  return {
    stackName,
    reason: stack?.statusReason ?? 'no reason given',
    resources: failedResources(events, stackName),
  };
}

async function reconcilePipeline(props: TeardownProperties, sm: SageMakerClient): Promise<'done' | 'pending'> {
  if (props.pipelineName === undefined) return 'done';
  const base = { resource: 'pipeline', name: props.pipelineName, projectId: props.projectId } as const;
  let pipeline: { arn?: string; status?: string } | undefined;
  try {
    const described = await sm.send(new DescribePipelineCommand({ PipelineName: props.pipelineName }));
    pipeline = { arn: described.PipelineArn, status: described.PipelineStatus };
  } catch (error) {
    if (!isSageMakerNotFound(error)) throw error;
  }
  if (pipeline?.arn === undefined || pipeline.status === 'Deleting') {
    logDecision({ ...base, action: 'none', reason: 'pipeline does not exist (any more)' });
    return 'done';
  }
  const arn = pipeline.arn;
  const problem = ownershipProblem(await listTags(arn, sm), props.projectId);
  if (problem !== undefined) {
    logDecision({ ...base, action: 'skip', reason: `left alone: ${problem}`, arn });
    return 'done';
  }
  const decision = decidePipeline(await listExecutions(props.pipelineName, sm));
  switch (decision.kind) {
    case 'stop':
      for (const executionArn of decision.executionArns) {
        logDecision({ ...base, action: 'stop-execution', reason: 'DeletePipeline is refused while an execution runs', arn, executionArn });
        await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: executionArn }));
      }
      return 'pending';
    case 'wait':
      logDecision({ ...base, action: 'wait', reason: decision.reason, arn });
      return 'pending';
    case 'delete':
      logDecision({ ...base, action: 'delete', reason: 'tagged with this project id, no execution running', arn });
      try {
        await sm.send(new DeletePipelineCommand({ PipelineName: props.pipelineName }));
      } catch (error) {
        // Someone else deleted it between Describe and Delete: the goal is reached.
        if (isSageMakerNotFound(error)) return 'done';
        // An execution started since the listing (e.g. a last commit): stop it on the next poll.
        if ((error as { name?: string }).name === 'ConflictException') {
          logDecision({ ...base, action: 'wait', reason: `DeletePipeline conflict: ${(error as Error).message}`, arn });
          return 'pending';
        }
        throw error;
      }
      return 'done';
  }
}

async function listExecutions(pipelineName: string, sm: SageMakerClient): Promise<ExecutionState[]> {
  const executions: ExecutionState[] = [];
  for await (const page of paginateListPipelineExecutions({ client: sm }, { PipelineName: pipelineName })) {
    for (const summary of page.PipelineExecutionSummaries ?? []) {
      if (summary.PipelineExecutionArn) {
        executions.push({ arn: summary.PipelineExecutionArn, status: summary.PipelineExecutionStatus ?? 'Unknown' });
      }
    }
  }
  return executions;
}

async function emptyModelPackageGroup(props: TeardownProperties, sm: SageMakerClient): Promise<void> {
  const base = { resource: 'model-package-group', name: props.modelPackageGroupName, projectId: props.projectId } as const;
  let arn: string | undefined;
  try {
    const group = await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: props.modelPackageGroupName }));
    arn = group.ModelPackageGroupArn;
  } catch (error) {
    if (!isSageMakerNotFound(error)) throw error;
  }
  if (arn === undefined) {
    logDecision({ ...base, action: 'none', reason: 'model package group does not exist (any more)' });
    return;
  }
  const problem = ownershipProblem(await listTags(arn, sm), props.projectId);
  if (problem !== undefined) {
    logDecision({ ...base, action: 'skip', reason: `left alone: ${problem}`, arn });
    return;
  }
  const packages: string[] = [];
  // Both versioned and unversioned packages: the group cannot be deleted while any remains.
  const pages = paginateListModelPackages(
    { client: sm },
    { ModelPackageGroupName: props.modelPackageGroupName, ModelPackageType: 'Both' },
  );
  for await (const page of pages) {
    for (const summary of page.ModelPackageSummaryList ?? []) {
      if (summary.ModelPackageArn) packages.push(summary.ModelPackageArn);
    }
  }
  logDecision({
    ...base,
    action: packages.length > 0 ? 'empty' : 'none',
    reason: `RetainData is 'false'; ${packages.length} model package(s) to delete so the group can be deleted`,
    arn,
  });
  for (const packageArn of packages) {
    logDecision({ resource: 'model-package', name: packageArn, projectId: props.projectId, action: 'delete', reason: "RetainData is 'false'" });
    try {
      await sm.send(new DeleteModelPackageCommand({ ModelPackageName: packageArn }));
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
    }
  }
}

async function listTags(resourceArn: string, sm: SageMakerClient): Promise<Tag[]> {
  const tags: Tag[] = [];
  for await (const page of paginateListTags({ client: sm }, { ResourceArn: resourceArn })) {
    tags.push(...(page.Tags ?? []));
  }
  return tags;
}

/** The deploy seed's stages; a batch stage's transform jobs are named `<project name>-<stage>-<run id>`. */
const BATCH_STAGES = ['staging', 'prod'] as const;

/**
 * Stops the running transform jobs of the project's batch stages (started by their schedules, the
 * on-demand command or the staging test): deleting a stage's stack removes its schedule but not a
 * job already running, which would go on billing. Only jobs tagged with this project's id.
 *
 * @param sm SageMaker in the project account, or in a target account with its access role's credentials
 * @param account the target account `sm` works in (for the log lines); none in the project account
 */
async function stopBatchTransformJobs(props: TeardownProperties, sm: SageMakerClient, account?: string): Promise<void> {
  const prefixes = BATCH_STAGES.map((stage) => `${props.projectName}-${stage}-`.toLowerCase());
  let nextToken: string | undefined;
  do {
    const page = await sm.send(new ListTransformJobsCommand({ NameContains: `${props.projectName}-`, StatusEquals: 'InProgress', NextToken: nextToken }));
    for (const job of page?.TransformJobSummaries ?? []) {
      const name = job.TransformJobName ?? '';
      if (!job.TransformJobArn || !prefixes.some((prefix) => name.toLowerCase().startsWith(prefix))) continue;
      const base = { resource: 'transform-job', name, projectId: props.projectId, arn: job.TransformJobArn, ...(account ? { account } : {}) } as const;
      const problem = ownershipProblem(await listTags(job.TransformJobArn, sm), props.projectId);
      if (problem !== undefined) {
        logDecision({ ...base, action: 'skip', reason: `left alone: ${problem}` });
        continue;
      }
      logDecision({ ...base, action: 'stop', reason: 'a batch run of this project still running: its stage is being deleted' });
      try {
        await sm.send(new StopTransformJobCommand({ TransformJobName: name }));
      } catch (error) {
        // Finished (or gone) between the listing and the stop: nothing left to stop.
        if (!isSageMakerNotFound(error) && (error as { name?: string }).name !== 'ValidationException') throw error;
      }
    }
    nextToken = page?.NextToken || undefined;
  } while (nextToken !== undefined);
}
