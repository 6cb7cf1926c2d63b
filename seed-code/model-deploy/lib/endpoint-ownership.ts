import { DescribeEndpointCommand, ListTagsCommand, SageMakerClient, Tag } from '@aws-sdk/client-sagemaker';
import { TAG_KEYS } from './endpoint-stack';

/** Inputs of {@link checkEndpointOwnership}. */
export interface EndpointOwnershipOptions {
  readonly client: SageMakerClient;
  /** This project's id: an existing endpoint must carry it in its `sagemaker:project-id` tag. */
  readonly projectId: string;
  /** The endpoints the deploy would create or update, `<projectName>-<stage>`. */
  readonly endpointNames: readonly string[];
  /**
   * Endpoints of `endpointNames` that live in another account, by name, with that account:
   * they are skipped with one log line each.
   *
   * The build runs in the project account and cannot read another account's endpoints; a target
   * account's CloudFormation deploy role may only touch endpoints tagged with this project's id,
   * so a foreign endpoint of the same name there makes the deploy fail instead of taking it over.
   * @default - every endpoint is in the build's account
   */
  readonly otherAccounts?: Readonly<Record<string, string>>;
  /**
   * Receives one line per endpoint.
   * @default - no logging
   */
  readonly log?: (line: string) => void;
}

/** An existing endpoint of that name belongs to something else; deploying would take it over. */
export class EndpointOwnershipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointOwnershipError';
  }
}

/**
 * Refuses to deploy over an endpoint this project does not own.
 *
 * Endpoint names are `<projectName>-<stage>`, unique per account and region only by convention:
 * two projects of the same name (different ids) would share them. An existing endpoint is this
 * project's when its `sagemaker:project-id` tag equals the project id; an endpoint that does not
 * exist yet is fine (the first deploy creates it).
 *
 * Needs `sagemaker:DescribeEndpoint` and `sagemaker:ListTags` on the endpoints, without a tag
 * condition (the point is to read a foreign endpoint's tag).
 *
 * @returns the tags of each existing endpoint that was checked, by name
 * @throws EndpointOwnershipError naming the endpoint and the tag it found
 */
export async function checkEndpointOwnership(options: EndpointOwnershipOptions): Promise<Record<string, Tag[]>> {
  const log = options.log ?? (() => undefined);
  const existing: Record<string, Tag[]> = {};
  for (const name of options.endpointNames) {
    const account = options.otherAccounts?.[name];
    if (account !== undefined) {
      log(`Endpoint ${name} is in account ${account}: not checked from the project account; there the deploy role updates only endpoints tagged ${TAG_KEYS.projectId}=${options.projectId}.`);
      continue;
    }
    const arn = await endpointArn(options.client, name);
    if (arn === undefined) {
      log(`Endpoint ${name} does not exist yet: the deploy creates it.`);
      continue;
    }
    const tags = await listTags(options.client, arn);
    const owner = tags.find((tag) => tag.Key === TAG_KEYS.projectId)?.Value;
    if (owner !== options.projectId) {
      const found = owner === undefined ? `has no ${TAG_KEYS.projectId} tag` : `is tagged ${TAG_KEYS.projectId}=${owner}`;
      throw new EndpointOwnershipError(`Endpoint ${name} already exists and ${found}, not ${TAG_KEYS.projectId}=${options.projectId} (this project); `
        + 'refusing to take it over. Another project or person uses this name: delete that endpoint, or give this project another name.');
    }
    log(`Endpoint ${name} exists and belongs to this project (${TAG_KEYS.projectId}=${owner}).`);
    existing[name] = tags;
  }
  return existing;
}

/** The endpoint's ARN, or undefined when there is no endpoint of that name. */
async function endpointArn(client: SageMakerClient, name: string): Promise<string | undefined> {
  try {
    const described = await client.send(new DescribeEndpointCommand({ EndpointName: name }));
    if (!described?.EndpointArn) {
      throw new Error(`DescribeEndpoint of ${name} returned no EndpointArn`);
    }
    return described.EndpointArn;
  } catch (e) {
    // SageMaker answers a missing endpoint with ValidationException "Could not find endpoint ...".
    const error = e as Error;
    if (error.name === 'ValidationException' && /could not find endpoint/i.test(error.message)) {
      return undefined;
    }
    throw new Error(`Cannot check who owns endpoint ${name}: ${error.name}: ${error.message}`);
  }
}

async function listTags(client: SageMakerClient, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListTagsCommand({ ResourceArn: arn, NextToken: nextToken, MaxResults: 100 }));
    tags.push(...(page?.Tags ?? []));
    nextToken = page?.NextToken || undefined;
  } while (nextToken !== undefined);
  return tags;
}
