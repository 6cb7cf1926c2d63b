import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { EventBridgeEvent } from 'aws-lambda';
import { decide, ModelPackageStateChange, requestToken } from './decide';
import { approvalStatus, newestApproved } from './model-packages';

/** Clients and settings of the handler; tests pass their own. */
export interface Deps {
  readonly sageMaker: SageMakerClient;
  readonly codePipeline: CodePipelineClient;
  readonly pipelineName: string;
  readonly groupName: string;
  readonly variableName: string;
  readonly log: (entry: Record<string, unknown>) => void;
}

/** What one invocation did, returned for tests and logged for people. */
export type Outcome =
  | { readonly result: 'ignored'; readonly reason: string }
  | { readonly result: 'nothing-to-deploy'; readonly reason: string }
  | { readonly result: 'started'; readonly modelPackageArn: string; readonly executionId?: string };

let defaults: Deps | undefined;
function defaultDeps(): Deps {
  defaults ??= {
    sageMaker: new SageMakerClient({}),
    codePipeline: new CodePipelineClient({}),
    pipelineName: requiredEnv('DEPLOY_PIPELINE_NAME'),
    groupName: requiredEnv('MODEL_PACKAGE_GROUP_NAME'),
    variableName: process.env.MODEL_PACKAGE_ARN_VARIABLE ?? 'ModelPackageArn',
    log: (entry) => console.log(JSON.stringify(entry)),
  };
  return defaults;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * Starts the deploy pipeline when a model package of the project is approved, and redeploys the
 * newest still-approved package when one is rejected. AWS errors propagate, so Lambda's
 * asynchronous retries and then the dead-letter queue take over.
 */
export async function handler(event: EventBridgeEvent<string, ModelPackageStateChange>): Promise<Outcome> {
  return startDeploy(event, defaultDeps());
}

/** The handler's logic with explicit dependencies. */
export async function startDeploy(
  event: EventBridgeEvent<string, ModelPackageStateChange>,
  deps: Deps,
): Promise<Outcome> {
  const decision = decide(event.detail, deps.groupName);
  const base = { eventId: event.id, modelPackageArn: event.detail?.ModelPackageArn, status: event.detail?.ModelApprovalStatus };
  let outcome: Outcome;
  if (decision.kind === 'ignore') {
    outcome = { result: 'ignored', reason: decision.reason };
  } else if (decision.kind === 'deploy') {
    // The event may arrive late: deploy only what is still approved now.
    const current = await approvalStatus(deps.sageMaker, decision.modelPackageArn);
    outcome = current === 'Approved'
      ? await start(deps, decision.modelPackageArn, event.id)
      : { result: 'ignored', reason: `package is '${current}' now, no longer approved` };
  } else {
    const previous = await newestApproved(deps.sageMaker, deps.groupName, decision.rejectedArn);
    outcome = previous
      ? await start(deps, previous, event.id)
      : { result: 'nothing-to-deploy', reason: `no approved package left in ${deps.groupName}; endpoints left as they are` };
  }
  deps.log({ ...base, ...outcome });
  return outcome;
}

async function start(deps: Deps, modelPackageArn: string, eventId: string): Promise<Outcome> {
  const out = await deps.codePipeline.send(new StartPipelineExecutionCommand({
    name: deps.pipelineName,
    variables: [{ name: deps.variableName, value: modelPackageArn }],
    clientRequestToken: requestToken(eventId),
  }));
  return { result: 'started', modelPackageArn, executionId: out.pipelineExecutionId };
}
