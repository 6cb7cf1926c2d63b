/**
 * The smoke test's clients in a multi-account project: STS is mocked (the AssumeRole of
 * fromTemporaryCredentials), SageMaker is not, so the tests see the requests the clients sign.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, DescribeTransformJobCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
// The STS client that @aws-sdk/credential-providers' fromTemporaryCredentials sends AssumeRole
// with (a dependency of that package): mocking this class intercepts exactly those calls.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { SMOKE_TEST_SESSION_NAME, smokeTestClients } from '../lib/smoke-test';

describe('smokeTestClients', () => {
  const ROLE = 'arn:aws:iam::111111111111:role/churn-p-abc123def456-staging-smoke-test';
  const sts = mockClient(STSClient);
  const ASSUMED = {
    AccessKeyId: 'ASIASTAGINGACCOUNT01',
    SecretAccessKey: 'staging-secret',
    SessionToken: 'staging-session-token',
    Expiration: new Date(Date.now() + 3_600_000),
  };
  beforeEach(() => sts.reset());

  test('with a role, both clients sign with credentials of that role, assumed with a named session', async () => {
    // GIVEN
    sts.on(AssumeRoleCommand).resolves({ Credentials: ASSUMED });

    // WHEN
    const clients = await smokeTestClients({ region: 'eu-west-1', roleArn: ROLE });

    // THEN every AssumeRole asks for the staging role under the smoke test's session name
    for (const client of [clients.sagemaker, clients.runtime]) {
      expect(await client.config.credentials()).toMatchObject({
        accessKeyId: ASSUMED.AccessKeyId,
        secretAccessKey: ASSUMED.SecretAccessKey,
        sessionToken: ASSUMED.SessionToken,
      });
      expect(await client.config.region()).toBe('eu-west-1');
    }
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.args[0].input)).toEqual(calls.map(() => ({ RoleArn: ROLE, RoleSessionName: SMOKE_TEST_SESSION_NAME })));
  });

  test('with a role, the SageMaker calls carry the assumed credentials on the wire', async () => {
    // GIVEN the staging role, and an HTTP layer that records each signed request instead of sending it
    sts.on(AssumeRoleCommand).resolves({ Credentials: ASSUMED });
    const clients = await smokeTestClients({ region: 'eu-west-1', roleArn: ROLE });
    const signed: Array<Record<string, string>> = [];
    for (const client of [clients.sagemaker, clients.runtime]) {
      const record = () => async (args: { request: { headers: Record<string, string> } }) => {
        signed.push(args.request.headers);
        throw Object.assign(new Error('not sent'), { name: 'RecordedOnly' });
      };
      client.middlewareStack.addRelativeTo(record as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'recordSignedRequest' });
    }

    // WHEN
    await expect(clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'churn-staging' }))).rejects.toThrow('not sent');
    await expect(clients.runtime.send(new InvokeEndpointCommand({ EndpointName: 'churn-staging', ContentType: 'text/csv', Body: new TextEncoder().encode('1,2') })))
      .rejects.toThrow('not sent');

    // THEN DescribeEndpoint and InvokeEndpoint were both signed by the staging role's session
    expect(signed).toHaveLength(2);
    for (const headers of signed) {
      expect(headers.authorization).toContain(`Credential=${ASSUMED.AccessKeyId}/`);
      expect(headers['x-amz-security-token']).toBe(ASSUMED.SessionToken);
    }
  });

  test('with a role, the batch staging test\'s calls (its stack, its bucket, its transform job) carry the assumed credentials too', async () => {
    // GIVEN the staging role, and an HTTP layer that records each signed request instead of sending it
    sts.on(AssumeRoleCommand).resolves({ Credentials: ASSUMED });
    const clients = await smokeTestClients({ region: 'eu-west-1', roleArn: ROLE });
    const signed: Array<Record<string, string>> = [];
    for (const client of [clients.cloudFormation, clients.s3, clients.sagemaker]) {
      const record = () => async (args: { request: { headers: Record<string, string> } }) => {
        signed.push(args.request.headers);
        throw Object.assign(new Error('not sent'), { name: 'RecordedOnly' });
      };
      client.middlewareStack.addRelativeTo(record as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'recordSignedRequest' });
    }

    // WHEN the batch test's three kinds of call are made
    await expect(clients.cloudFormation.send(new DescribeStacksCommand({ StackName: 'sagemaker-churn-p-abc123def456-deploy-staging' }))).rejects.toThrow('not sent');
    await expect(clients.s3.send(new PutObjectCommand({ Bucket: 'sagemaker-project-p-abc123def456-capture-111111111111', Key: 'batch-input/smoke-test/t1/sample', Body: '1,2\n' })))
      .rejects.toThrow('not sent');
    await expect(clients.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'churn-staging-t1' }))).rejects.toThrow('not sent');

    // THEN each was signed by the staging role's session, in the project's region
    expect(signed).toHaveLength(3);
    for (const headers of signed) {
      expect(headers.authorization).toContain(`Credential=${ASSUMED.AccessKeyId}/`);
      expect(headers['x-amz-security-token']).toBe(ASSUMED.SessionToken);
    }
    expect(await clients.s3.config.region()).toBe('eu-west-1');
    expect(await clients.cloudFormation.config.region()).toBe('eu-west-1');
  });

  test('without a role, assumes nothing', async () => {
    const clients = await smokeTestClients({ region: 'eu-west-1' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(await clients.runtime.config.region()).toBe('eu-west-1');
  });

  test('fails, naming the role, when it cannot be assumed', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/testing/x is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    await expect(smokeTestClients({ region: 'eu-west-1', roleArn: ROLE })).rejects.toThrow(
      `Cannot assume SMOKE_TEST_ROLE_ARN ${ROLE} (session ${SMOKE_TEST_SESSION_NAME}): AccessDenied: User: arn:aws:sts::123456789012:assumed-role/testing/x is not authorized to perform: sts:AssumeRole. `
      + "The staging account's smoke-test role must trust this test project's role");
  });
});
