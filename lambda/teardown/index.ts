/**
 * Teardown custom resource for a SageMaker MLOps project, for the CDK provider framework
 * (`custom-resources.Provider` with `onEventHandler` = `onEvent`, `isCompleteHandler` = `isComplete`).
 *
 * On project deletion it deletes what the project's CodePipelines and seed code created outside
 * CloudFormation's view (the staging and prod endpoint stacks, in the target accounts too, the SageMaker pipeline, the
 * running transform jobs of batch stages and, when data is not retained, the registered model
 * packages) and fails the deletion visibly
 * when an endpoint stack cannot be deleted. It never touches a resource that does not carry
 * this project's `sagemaker:project-id` tag.
 *
 * What it deletes comes from the function's own configuration (`TEARDOWN_PROPERTIES`, JSON of
 * `ProjectName`, `ProjectId`, `StackNames` (string array), `PipelineName`, `ModelPackageGroupName`,
 * `RetainData` (`'true'` | `'false'`) and, multi-account, `TargetAccounts`: the stacks it deletes
 * in each target account through that account's set-up), never from the invoking event; and a
 * Delete acts only while the project's stack (`PROJECT_STACK_ID`) is being deleted. A direct `lambda:Invoke` with a forged
 * event therefore deletes nothing, and removing the teardown from a live project (an update that
 * drops the resource) leaves the endpoints running.
 *
 * @see https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html#provider-framework
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { STSClient } from '@aws-sdk/client-sts';
import { logDecision } from './log';
import { parseProperties as parsePropertiesOf, type TeardownProperties } from './properties';
import { checkTeardown, startTeardown, type TeardownClients } from './teardown';

export type { TeardownClients } from './teardown';

/** The provider framework's request to the onEvent handler (the CloudFormation event without ResponseURL). */
export interface TeardownEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** The onEvent handler's answer to the provider framework. */
export interface TeardownOnEventResponse {
  readonly PhysicalResourceId: string;
}

/** The isComplete handler's answer to the provider framework. */
export interface TeardownIsCompleteResponse {
  readonly IsComplete: boolean;
}

/** The two handlers of the custom resource. */
export interface TeardownHandlers {
  /** Validates on Create/Update; on Delete starts the teardown. */
  onEvent(event: TeardownEvent): Promise<TeardownOnEventResponse>;
  /** On Delete polls the endpoint stacks (and then empties the registry); Create/Update complete at once. */
  isComplete(event: TeardownEvent): Promise<TeardownIsCompleteResponse>;
}

/** Where the handlers take what to delete, and whether now is the time. */
export interface TeardownConfiguration {
  /** The project's teardown properties (in the Lambda: the function's environment). */
  readonly properties: (event: TeardownEvent) => Record<string, unknown> | undefined;
  /** Whether the project's stack is being deleted now; a Delete at any other time deletes nothing. */
  readonly stackIsBeingDeleted: (clients: TeardownClients) => Promise<boolean>;
}

/**
 * Builds the handlers around the given AWS clients.
 *
 * @param clients called on first use, so a Create/Update never constructs a client
 * @param configuration what to delete and when (see {@link lambdaConfiguration})
 */
export function createTeardownHandlers(clients: () => TeardownClients, configuration: TeardownConfiguration): TeardownHandlers {
  const parseProperties = (event: TeardownEvent) => parsePropertiesOf(configuration.properties(event));
  const parsePropertiesForDelete = (event: TeardownEvent, physicalId: string) => parseForDelete(configuration.properties(event), physicalId);
  return {
    async onEvent(event) {
      switch (event.RequestType) {
        case 'Create': {
          // Fail the deployment early on a wiring mistake instead of at deletion time.
          const props = parseProperties(event);
          const physicalId = physicalIdFor(props);
          logDecision({ resource: 'custom-resource', name: physicalId, projectId: props.projectId, action: 'create', reason: 'nothing to do until the project is deleted' });
          return { PhysicalResourceId: physicalId };
        }
        case 'Update': {
          const props = parseProperties(event);
          // Keep the physical id even if ProjectId changed: a new id would make CloudFormation
          // send a Delete for the old one during the update, which would tear down live endpoints.
          const physicalId = event.PhysicalResourceId ?? physicalIdFor(props);
          const oldProjectId = event.OldResourceProperties?.ProjectId;
          const changed = typeof oldProjectId === 'string' && oldProjectId !== props.projectId;
          logDecision({
            resource: 'custom-resource',
            name: physicalId,
            projectId: props.projectId,
            action: 'update',
            reason: changed
              ? `ProjectId changed from '${oldProjectId}'; the new id is used at deletion, resources of the old id are not touched`
              : 'nothing to do until the project is deleted',
          });
          return { PhysicalResourceId: physicalId };
        }
        case 'Delete': {
          const physicalId = event.PhysicalResourceId ?? 'teardown';
          const props = parsePropertiesForDelete(event, physicalId);
          if (props !== undefined && await beingDeleted(props, physicalId)) {
            await startTeardown(props, clients());
          }
          return { PhysicalResourceId: physicalId };
        }
      }
    },

    async isComplete(event) {
      if (event.RequestType !== 'Delete') {
        return { IsComplete: true };
      }
      const physicalId = event.PhysicalResourceId ?? 'teardown';
      const props = parsePropertiesForDelete(event, physicalId);
      if (props === undefined || !await configuration.stackIsBeingDeleted(clients())) {
        return { IsComplete: true };
      }
      return { IsComplete: await checkTeardown(props, clients()) };
    },
  };

  async function beingDeleted(props: TeardownProperties, physicalId: string): Promise<boolean> {
    if (await configuration.stackIsBeingDeleted(clients())) return true;
    logDecision({
      resource: 'custom-resource', name: physicalId, projectId: props.projectId, action: 'skip',
      reason: 'a Delete while the project stack is not being deleted (the teardown was removed from a live project, or a direct invocation): nothing deleted',
    });
    return false;
  }
}

function physicalIdFor(props: TeardownProperties): string {
  return `teardown-${props.projectId}`;
}

/**
 * Invalid properties on Delete mean the Create failed on them, so nothing was ever set up;
 * throwing would leave the stack stuck in DELETE_FAILED for a resource that never existed.
 */
function parseForDelete(raw: Record<string, unknown> | undefined, physicalId: string): TeardownProperties | undefined {
  try {
    return parsePropertiesOf(raw);
  } catch (error) {
    logDecision({ resource: 'custom-resource', name: physicalId, action: 'skip', reason: `invalid properties, nothing to tear down: ${(error as Error).message}` });
    return undefined;
  }
}

let defaultClients: TeardownClients | undefined;

/** Clients for the Lambda runtime: region from the environment, credentials from the role. */
function lambdaClients(): TeardownClients {
  defaultClients ??= {
    cloudFormation: new CloudFormationClient({ region: process.env.AWS_REGION }),
    sageMaker: new SageMakerClient({ region: process.env.AWS_REGION }),
    sts: new STSClient({ region: process.env.AWS_REGION }),
  };
  return defaultClients;
}

/**
 * The Lambda's configuration: properties from `TEARDOWN_PROPERTIES`, the stack from
 * `PROJECT_STACK_ID` (both set by the construct), never from the event.
 */
export function lambdaConfiguration(env: NodeJS.ProcessEnv = process.env): TeardownConfiguration {
  return {
    properties: () => {
      try {
        return JSON.parse(env.TEARDOWN_PROPERTIES ?? '') as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
    stackIsBeingDeleted: async (clients) => {
      const stackId = env.PROJECT_STACK_ID;
      if (!stackId) return false;
      const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
      return out.Stacks?.[0]?.StackStatus === 'DELETE_IN_PROGRESS';
    },
  };
}

const handlers = createTeardownHandlers(lambdaClients, lambdaConfiguration());

/** Provider framework `onEventHandler` entry point (`handler: 'onEvent'`). */
export const onEvent = (event: TeardownEvent): Promise<TeardownOnEventResponse> => handlers.onEvent(event);

/** Provider framework `isCompleteHandler` entry point (`handler: 'isComplete'`). */
export const isComplete = (event: TeardownEvent): Promise<TeardownIsCompleteResponse> => handlers.isComplete(event);
