import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { decide, IncomingEvent, requestToken } from './decide';
import { AutomationRoles, parseAutomationRoles, PROJECT_AUTOMATION_ROLES_VARIABLE } from '../../seed-code/model-deploy/lib/approver-rule';
import { approvalProblem, approvedPackages, changedAt, describePackage } from './model-packages';

/** Clients and settings of the handler; tests pass their own. */
export interface Deps {
  readonly sageMaker: SageMakerClient;
  readonly codePipeline: CodePipelineClient;
  readonly pipelineName: string;
  readonly groupName: string;
  readonly variableName: string;
  /** The project's account and region: events from anywhere else are ignored. */
  readonly account: string;
  readonly region: string;
  /** The project's automation roles (the SageMaker pipeline's and the stack's others): their approvals do not deploy... */
  readonly automationRoles: AutomationRoles;
  /** ...unless the project allows them (`autoApproveModels`). */
  readonly allowPipelineApprovals: boolean;
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
    account: requiredEnv('PROJECT_ACCOUNT_ID'),
    region: requiredEnv('AWS_REGION'),
    automationRoles: {
      pipelineRoleArn: requiredEnv('SAGEMAKER_PIPELINE_ROLE_ARN'),
      roleNames: parseAutomationRoles(process.env[PROJECT_AUTOMATION_ROLES_VARIABLE]),
    },
    allowPipelineApprovals: process.env.AUTO_APPROVE_MODELS === 'true',
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
 * newest still-approved package when one is rejected. Events that are not this project's, or
 * malformed, are ignored with a log line; AWS errors propagate, so Lambda's asynchronous retries
 * and then the dead-letter queue take over.
 */
export async function handler(event: IncomingEvent): Promise<Outcome> {
  return startDeploy(event, defaultDeps());
}

/** The handler's logic with explicit dependencies. */
export async function startDeploy(event: IncomingEvent, deps: Deps): Promise<Outcome> {
  const decision = decide(event, { account: deps.account, region: deps.region, groupName: deps.groupName });
  const detail = event && typeof event === 'object' && event.detail && typeof event.detail === 'object' ? event.detail : undefined;
  const base = { eventId: event?.id, modelPackageArn: detail?.ModelPackageArn, status: detail?.ModelApprovalStatus };
  let outcome: Outcome;
  if (decision.kind === 'ignore') {
    outcome = { result: 'ignored', reason: decision.reason };
  } else if (decision.kind === 'deploy') {
    // The event may arrive late: deploy only what is still approved now, and approved by a reviewer.
    const pkg = await describePackage(deps.sageMaker, decision.modelPackageArn);
    const problem = pkg.ModelApprovalStatus !== 'Approved'
      ? `package is '${pkg.ModelApprovalStatus}' now, no longer approved`
      : approvalProblem(pkg, deps.automationRoles, deps.allowPipelineApprovals);
    outcome = problem
      ? { result: 'ignored', reason: `not deploying ${decision.modelPackageArn}: ${problem}` }
      : await start(deps, decision.modelPackageArn, requestToken(decision.modelPackageArn, 'Approved', changedAt(pkg)));
  } else {
    const rejected = await describePackage(deps.sageMaker, decision.rejectedArn);
    const token = requestToken(decision.rejectedArn, 'Rejected', changedAt(rejected));
    const previous = await newestDeployable(deps, decision.rejectedArn);
    outcome = previous
      ? await start(deps, previous, token)
      : { result: 'nothing-to-deploy', reason: `no approved package left in ${deps.groupName}; endpoints left as they are` };
  }
  deps.log({ ...base, ...outcome });
  return outcome;
}

/**
 * The newest package that is approved, by a reviewer, skipping the one just rejected (the registry
 * is eventually consistent and may still list it as approved).
 */
async function newestDeployable(deps: Deps, exclude: string): Promise<string | undefined> {
  for await (const arn of approvedPackages(deps.sageMaker, deps.groupName)) {
    if (arn === exclude) continue;
    const pkg = await describePackage(deps.sageMaker, arn);
    if (pkg.ModelApprovalStatus !== 'Approved') continue;
    const problem = approvalProblem(pkg, deps.automationRoles, deps.allowPipelineApprovals);
    if (!problem) return arn;
    deps.log({ skipped: arn, reason: problem });
  }
  return undefined;
}

async function start(deps: Deps, modelPackageArn: string, clientRequestToken: string): Promise<Outcome> {
  const out = await deps.codePipeline.send(new StartPipelineExecutionCommand({
    name: deps.pipelineName,
    variables: [{ name: deps.variableName, value: modelPackageArn }],
    clientRequestToken,
  }));
  return { result: 'started', modelPackageArn, executionId: out.pipelineExecutionId };
}
