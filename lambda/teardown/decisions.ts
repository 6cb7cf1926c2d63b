/**
 * Pure decision logic of the teardown handler: what to do with a stack in a given state,
 * whether a resource belongs to the project, how to recognise "not found" errors, and how
 * to explain a failed stack deletion. No AWS calls here.
 */
import { PROJECT_ID_TAG } from './properties';

/** A key/value tag as both the CloudFormation and SageMaker APIs return it. */
export interface TagLike {
  readonly Key?: string;
  readonly Value?: string;
}

/** The parts of a DescribeStacks result the decisions depend on. */
export interface StackState {
  readonly stackName: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly tags: readonly TagLike[];
}

/**
 * Which handler is asking: `start` is onEvent (first attempt, may retry a failed deletion),
 * `poll` is isComplete (a failed deletion is final and must be reported).
 */
export type Phase = 'start' | 'poll';

/** What to do with one endpoint stack. */
export type StackDecision =
  /** The stack does not exist (or finished deleting): nothing to do, counts as done. */
  | { readonly kind: 'absent' }
  /** The stack is not tagged with this project's id: never touched, counts as done. */
  | { readonly kind: 'foreign'; readonly reason: string }
  /** Call DeleteStack now. */
  | { readonly kind: 'delete'; readonly reason: string }
  /** Deletion already running: do not call DeleteStack again, keep polling. */
  | { readonly kind: 'deleting' }
  /** Another operation (a deployment, a rollback) is running: wait until it settles, then delete. */
  | { readonly kind: 'busy'; readonly status: string }
  /** Deletion failed and will not recover by waiting. */
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Decides what to do with an endpoint stack.
 *
 * @param stack the stack as DescribeStacks returned it, or undefined when it does not exist
 */
export function decideStack(stack: StackState | undefined, projectId: string, phase: Phase): StackDecision {
  if (stack === undefined || stack.status === 'DELETE_COMPLETE') {
    return { kind: 'absent' };
  }
  const ownership = ownershipProblem(stack.tags, projectId);
  if (ownership !== undefined) {
    return { kind: 'foreign', reason: ownership };
  }
  if (stack.status === 'DELETE_IN_PROGRESS') {
    return { kind: 'deleting' };
  }
  if (stack.status === 'DELETE_FAILED') {
    // A fresh project deletion (onEvent) retries: the user may have fixed the cause since the
    // last attempt. While polling, DELETE_FAILED is the outcome of our own attempt: report it.
    return phase === 'start'
      ? { kind: 'delete', reason: `retrying a previous failed deletion (${stack.statusReason ?? 'no reason given'})` }
      : { kind: 'failed', reason: stack.statusReason ?? 'no reason given' };
  }
  if (stack.status.endsWith('_IN_PROGRESS')) {
    // DeleteStack is rejected while an update is running, and a running create would race us.
    return { kind: 'busy', status: stack.status };
  }
  return { kind: 'delete', reason: `stack is ${stack.status}` };
}

/** The parts of a ListPipelineExecutions summary the pipeline decision depends on. */
export interface ExecutionState {
  readonly arn: string;
  readonly status: string;
}

/** What to do with an owned SageMaker pipeline. */
export type PipelineDecision =
  /** No execution is running: DeletePipeline now. */
  | { readonly kind: 'delete' }
  /** Stop these running executions first (DeletePipeline refuses while any runs), then wait. */
  | { readonly kind: 'stop'; readonly executionArns: readonly string[] }
  /** Executions are stopping: wait for them. */
  | { readonly kind: 'wait'; readonly reason: string };

/**
 * Decides how to delete an owned pipeline given its executions.
 * DeletePipeline fails while an execution runs, and a running execution keeps starting
 * (billed) training and processing jobs, so running ones are stopped first.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeletePipeline.html
 */
export function decidePipeline(executions: readonly ExecutionState[]): PipelineDecision {
  const running = executions.filter((e) => e.status === 'Executing').map((e) => e.arn);
  if (running.length > 0) {
    return { kind: 'stop', executionArns: running };
  }
  const stopping = executions.filter((e) => e.status === 'Stopping').length;
  if (stopping > 0) {
    return { kind: 'wait', reason: `${stopping} execution(s) still stopping` };
  }
  return { kind: 'delete' };
}

/** True when `tags` carry `sagemaker:project-id` = `projectId`. */
export function isOwnedBy(tags: readonly TagLike[] | undefined, projectId: string): boolean {
  return ownershipProblem(tags ?? [], projectId) === undefined;
}

/**
 * Explains why a resource with these tags does not belong to the project,
 * or returns undefined when it does.
 */
export function ownershipProblem(tags: readonly TagLike[], projectId: string): string | undefined {
  const values = tags.filter((tag) => tag.Key === PROJECT_ID_TAG).map((tag) => tag.Value);
  if (values.length === 0) {
    return `it has no '${PROJECT_ID_TAG}' tag, so it was not created by project '${projectId}'`;
  }
  if (!values.includes(projectId)) {
    return `its '${PROJECT_ID_TAG}' tag is '${values.join("', '")}', not '${projectId}'`;
  }
  return undefined;
}

/** The fields of an SDK error the classifiers look at. */
export interface ErrorLike {
  readonly name?: string;
  readonly message?: string;
}

/** True for CloudFormation's "Stack with id X does not exist" (a ValidationError, not a 404). */
export function isStackNotFound(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  return e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '');
}

/**
 * True for SageMaker's not-found answers: `ResourceNotFound` from the service, and the
 * `ValidationException` "Could not find ..." / "... does not exist" some SageMaker APIs
 * (and moto) use for a missing pipeline or model package group.
 */
export function isSageMakerNotFound(error: unknown): boolean {
  const e = error as ErrorLike | undefined;
  if (e?.name === 'ResourceNotFound' || e?.name === 'ResourceNotFoundException') return true;
  return e?.name === 'ValidationException' && /could not find|does not exist|not found/i.test(e.message ?? '');
}

/** The parts of a DescribeStackEvents event needed to explain a failed deletion. */
export interface StackEventLike {
  readonly LogicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceStatus?: string;
  readonly ResourceStatusReason?: string;
}

/** A resource that CloudFormation could not delete, and why. */
export interface FailedResource {
  readonly logicalId: string;
  readonly reason: string;
}

/**
 * Picks the resources that failed to delete in the latest deletion attempt.
 *
 * @param events DescribeStackEvents output, newest first (as the API returns them)
 * @returns one entry per logical id, most recent failure first
 */
export function failedResources(events: readonly StackEventLike[], stackName: string): FailedResource[] {
  const seen = new Map<string, FailedResource>();
  for (const event of events) {
    const isStackItself = event.ResourceType === 'AWS::CloudFormation::Stack' && event.LogicalResourceId === stackName;
    if (isStackItself) {
      // Events are newest first: the stack's own DELETE_IN_PROGRESS marks the start of the
      // latest attempt; anything older belongs to an earlier attempt that may since be fixed.
      if (event.ResourceStatus === 'DELETE_IN_PROGRESS') break;
      continue;
    }
    if (event.ResourceStatus === 'DELETE_FAILED' && event.LogicalResourceId && !seen.has(event.LogicalResourceId)) {
      seen.set(event.LogicalResourceId, {
        logicalId: event.LogicalResourceId,
        reason: event.ResourceStatusReason ?? 'no reason given',
      });
    }
  }
  return [...seen.values()];
}

/** A stack whose deletion ended in DELETE_FAILED, with what CloudFormation said about it. */
export interface FailedStack {
  readonly stackName: string;
  /** Multi-account: the target account the stack is in (absent: the project's own account). */
  readonly account?: string;
  readonly reason: string;
  readonly resources: readonly FailedResource[];
}

/** Builds the error message the provider framework reports as the project stack's failure reason. */
export function deleteFailedMessage(failures: readonly FailedStack[]): string {
  const parts = failures.map((failure) => {
    const resources = failure.resources.length === 0
      ? 'no failed resources reported'
      : failure.resources.map((r) => `${r.logicalId} (${withoutFinalPeriod(r.reason)})`).join('; ');
    const where = failure.account === undefined ? '' : ` (account ${failure.account})`;
    return `stack '${failure.stackName}'${where} is DELETE_FAILED: ${withoutFinalPeriod(failure.reason)}. Failed resources: ${resources}.`;
  });
  return `Project teardown could not delete its stacks: ${parts.join(' ')} `
    + 'Fix or retain those resources, delete the stack(s) by hand or retry deleting the project stack.';
}

function withoutFinalPeriod(text: string): string {
  return text.replace(/\.\s*$/, '');
}
