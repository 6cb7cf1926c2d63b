import { DescribeEndpointCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { checkEndpointOwnership, EndpointOwnershipError } from '../lib/endpoint-ownership';

const sagemaker = mockClient(SageMakerClient);
beforeEach(() => sagemaker.reset());
const ARN = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${name}`;

function check(endpointNames = ['churn-staging']) {
  const log: string[] = [];
  return checkEndpointOwnership({ client: new SageMakerClient({ region: 'us-east-1' }), projectId: 'p-mine', endpointNames, log: (l) => log.push(l) })
    .then(() => log);
}

test('a missing endpoint is fine (the first deploy creates it), without reading tags', async () => {
  sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Could not find endpoint "churn-staging".'), { name: 'ValidationException' }));
  expect(await check()).toEqual(['Endpoint churn-staging does not exist yet: the deploy creates it.']);
  expect(sagemaker.commandCalls(ListTagsCommand)).toHaveLength(0);
});

test('reads every page of tags', async () => {
  // GIVEN the project tag is on the second page
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointArn: ARN('churn-staging') });
  sagemaker.on(ListTagsCommand)
    .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], NextToken: 'n' })
    .resolvesOnce({ Tags: [{ Key: 'sagemaker:project-id', Value: 'p-mine' }] });

  // THEN
  expect(await check()).toEqual(['Endpoint churn-staging exists and belongs to this project (sagemaker:project-id=p-mine).']);
  expect(sagemaker.commandCalls(ListTagsCommand).map((c) => c.args[0].input)).toEqual([
    { ResourceArn: ARN('churn-staging'), NextToken: undefined, MaxResults: 100 },
    { ResourceArn: ARN('churn-staging'), NextToken: 'n', MaxResults: 100 },
  ]);
});

test('fails when the endpoint belongs to another project, naming endpoint and tag', async () => {
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointArn: ARN('churn-staging') });
  sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'sagemaker:project-id', Value: 'p-theirs' }] });
  const attempt = check();
  await expect(attempt).rejects.toThrow(EndpointOwnershipError);
  await expect(check()).rejects.toThrow('Endpoint churn-staging already exists and is tagged sagemaker:project-id=p-theirs, not sagemaker:project-id=p-mine (this project); refusing to take it over.');
});

test('fails, naming the endpoint, when it cannot be described', async () => {
  sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
  await expect(check()).rejects.toThrow('Cannot check who owns endpoint churn-staging: AccessDeniedException: User is not authorized');
});

test('skips an endpoint of another account with one line, without calling SageMaker for it', async () => {
  // GIVEN staging in the project account (missing), prod in account 222222222222
  sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Could not find endpoint "churn-staging".'), { name: 'ValidationException' }));
  const log: string[] = [];

  // WHEN
  await checkEndpointOwnership({
    client: new SageMakerClient({ region: 'us-east-1' }),
    projectId: 'p-mine',
    endpointNames: ['churn-staging', 'churn-prod'],
    otherAccounts: { 'churn-prod': '222222222222' },
    log: (l) => log.push(l),
  });

  // THEN
  expect(log).toEqual([
    'Endpoint churn-staging does not exist yet: the deploy creates it.',
    'Endpoint churn-prod is in account 222222222222: not checked from the project account; there the deploy role updates only endpoints tagged sagemaker:project-id=p-mine.',
  ]);
  expect(sagemaker.commandCalls(DescribeEndpointCommand).map((c) => c.args[0].input.EndpointName)).toEqual(['churn-staging']);
});
