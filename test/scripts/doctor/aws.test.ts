/**
 * The doctor's SDK adapter for the services moto_server lacks or cannot stage, with
 * aws-sdk-client-mock: Service Quotas (applied values, AWS defaults where none is applied), CodeStar
 * Connections (status and the sagemaker=true tag), IAM's role count at its quota and a CodeCommit
 * repository that exists (moto_server's GetRepository answer does not parse). Each feeds the checks,
 * which must say ok or PROBLEM accordingly.
 */
import { CodeCommitClient, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CodeStarConnectionsClient, GetConnectionCommand, ListTagsForResourceCommand } from '@aws-sdk/client-codestar-connections';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListAWSDefaultServiceQuotasCommand, ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { parseProjectConfig } from '../../../lib/config/project-config';
import { sdkDoctorAws } from '../../../scripts/doctor/aws';
import { CheckResult, runChecks } from '../../../scripts/doctor/checks';
import { doctorPlan } from '../../../scripts/doctor/plan';
import { account, CONSUMPTION } from './account';

const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/12345678-1234-1234-1234-123456789012';
const sdk = () => sdkDoctorAws({ region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const byCheck = (results: CheckResult[], check: string) => results.find((r) => r.check === check);

const quotas = mockClient(ServiceQuotasClient);
const connections = mockClient(CodeStarConnectionsClient);
const iam = mockClient(IAMClient);
const codecommit = mockClient(CodeCommitClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  quotas.reset();
  connections.reset();
  iam.reset();
  codecommit.reset();
  events.reset();
});
afterAll(() => {
  quotas.restore();
  connections.restore();
  iam.restore();
  codecommit.restore();
});

describe('Service Quotas', () => {
  const quota = (QuotaName: string, Value: number) => ({ QuotaName, Value, QuotaCode: `L-${QuotaName.length}`, ServiceCode: 'sagemaker' });

  test('applied values first, across pages; the AWS default where no value is applied; one listing per service', async () => {
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'sagemaker' }).resolvesOnce({ Quotas: [quota('ml.m5.large for endpoint usage', 4)], NextToken: 'p2' })
      .resolvesOnce({ Quotas: [quota('ml.m5.xlarge for processing job usage', 2)] });
    quotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'sagemaker' }).resolves({
      Quotas: [quota('ml.m5.large for endpoint usage', 0), quota('ml.m5.xlarge for spot training job usage', 0)],
    });
    const aws = sdk();

    const listed = await aws.quotas!('sagemaker');
    await aws.quotas!('sagemaker');

    expect(Object.fromEntries(listed.map((q) => [q.name, q.value]))).toEqual({
      'ml.m5.large for endpoint usage': 4, 'ml.m5.xlarge for processing job usage': 2, 'ml.m5.xlarge for spot training job usage': 0,
    });
    expect(quotas.commandCalls(ListServiceQuotasCommand)).toHaveLength(2);
    expect(quotas.commandCalls(ListAWSDefaultServiceQuotasCommand)).toHaveLength(1);
  });

  test('instance quotas: enough is ok, a spot training quota of 0 blocks', async () => {
    quotas.on(ListServiceQuotasCommand).resolves({ Quotas: [] });
    quotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'sagemaker' }).resolves({
      Quotas: [
        quota('ml.m5.xlarge for processing job usage', 4), quota('ml.m5.xlarge for spot training job usage', 0),
        quota('ml.m5.large for endpoint usage', 4), quota('Maximum number of pipelines allowed per account', 500),
      ],
    });

    const results = await runChecks(doctorPlan(parseProjectConfig({}), { consumption: CONSUMPTION }), account({ quotas: sdk().quotas }));

    expect(byCheck(results, 'quota ml.m5.large for endpoint usage')).toMatchObject({ status: 'ok', detail: '4 (needed: 3)' });
    expect(byCheck(results, 'quota ml.m5.xlarge for spot training job usage')).toMatchObject({ status: 'problem', detail: expect.stringMatching(/^0, but /) });
  });

  test('account limits: CodePipeline pipelines in use against the quota, ok and at the quota', async () => {
    quotas.on(ListServiceQuotasCommand).resolves({ Quotas: [] });
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'codepipeline' }).resolves({ Quotas: [quota('Number of pipelines per Region', 3)] });
    quotas.on(ListAWSDefaultServiceQuotasCommand).resolves({ Quotas: [] });
    const plan = doctorPlan(parseProjectConfig({}), { consumption: CONSUMPTION });

    const roomy = await runChecks(plan, account({ quotas: sdk().quotas, codePipelineNames: async () => ['one'] }));
    const full = await runChecks(plan, account({ quotas: sdk().quotas, codePipelineNames: async () => ['one', 'two'] }));

    expect(byCheck(roomy, 'limit CodePipeline pipelines')).toMatchObject({ status: 'ok', detail: "1 of 3 used; the project adds 2 (quota 'Number of pipelines per Region', matched by name: no quota code confirmed from the AWS documentation)" });
    expect(byCheck(full, 'limit CodePipeline pipelines')).toMatchObject({ status: 'problem', detail: expect.stringMatching(/^2 of 3 used; the project adds 2 /) });
  });
});

describe('CodeStar Connections', () => {
  const plan = doctorPlan(parseProjectConfig({ sourceProvider: 'codeconnections', connectionArn: CONNECTION, buildRepository: 'o/build', deployRepository: 'o/deploy' }), { consumption: CONSUMPTION });

  test('AVAILABLE with sagemaker=true: ok, asked in the connection\'s region', async () => {
    connections.on(GetConnectionCommand, { ConnectionArn: CONNECTION }).resolves({ Connection: { ConnectionArn: CONNECTION, ConnectionStatus: 'AVAILABLE' } });
    connections.on(ListTagsForResourceCommand, { ResourceArn: CONNECTION }).resolves({ Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'sagemaker', Value: 'true' }] });

    const results = await runChecks(plan, account({ connection: sdk().connection }));

    expect(byCheck(results, 'connection')).toMatchObject({ status: 'ok', detail: `${CONNECTION} is AVAILABLE` });
    expect(byCheck(results, 'connection tag')).toMatchObject({ status: 'ok' });
    expect(await connections.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  test('PENDING without the tag: both block', async () => {
    connections.on(GetConnectionCommand).resolves({ Connection: { ConnectionArn: CONNECTION, ConnectionStatus: 'PENDING' } });
    connections.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'sagemaker', Value: 'false' }] });

    const results = await runChecks(plan, account({ connection: sdk().connection }));

    expect(byCheck(results, 'connection')).toMatchObject({ status: 'problem', detail: expect.stringContaining('is PENDING') });
    expect(byCheck(results, 'connection tag')).toMatchObject({ status: 'problem' });
  });

  test('a connection that does not exist is a problem line naming the error', async () => {
    connections.on(GetConnectionCommand).rejects(Object.assign(new Error('Connection not found'), { name: 'ResourceNotFoundException' }));

    const results = await runChecks(plan, account({ connection: sdk().connection }));

    expect(byCheck(results, 'connection')).toMatchObject({ status: 'problem', detail: 'cannot check: ResourceNotFoundException: Connection not found' });
  });
});

test('IAM: every role of the quota in use blocks (moto_server cannot stage it: its quota is 1000)', async () => {
  iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 1000, RolesQuota: 1000 } });

  const results = await runChecks(doctorPlan(parseProjectConfig({}), { consumption: CONSUMPTION }), account({ roleUsage: sdk().roleUsage }));

  expect(byCheck(results, 'limit IAM roles')).toMatchObject({ status: 'problem', detail: '1000 of 1000 used; the project adds 17 (IAM GetAccountSummary)' });
});

test('EventBridge: the rules of the default bus counted over every page of ListRules', async () => {
  events.on(ListRulesCommand, { NextToken: undefined }).resolves({ Rules: [{ Name: 'a' }, { Name: 'b' }], NextToken: 'page-2' });
  events.on(ListRulesCommand, { NextToken: 'page-2' }).resolves({ Rules: [{ Name: 'c' }] });

  expect(await sdk().eventBridgeRuleCount!()).toBe(3);
  expect(events.commandCalls(ListRulesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
});

describe('CodeCommit', () => {
  const plan = doctorPlan(parseProjectConfig({ projectId: 'p-abc123def456' }), { consumption: CONSUMPTION });
  const missing = Object.assign(new Error('does not exist'), { name: 'RepositoryDoesNotExistException' });

  test('a repository of the project\'s name blocks, naming it; absent ones are ok', async () => {
    codecommit.on(GetRepositoryCommand).rejects(missing);
    codecommit.on(GetRepositoryCommand, { repositoryName: 'sagemaker-mlops-demo-p-abc123def456-modeldeploy' })
      .resolves({ repositoryMetadata: { repositoryName: 'sagemaker-mlops-demo-p-abc123def456-modeldeploy' } });

    const results = await runChecks(plan, account({ repositoryExists: sdk().repositoryExists }));

    expect(byCheck(results, 'names')).toMatchObject({
      status: 'problem', detail: 'already exist, and the project stack does not hold them: CodeCommit repository sagemaker-mlops-demo-p-abc123def456-modeldeploy',
    });
    expect(codecommit.commandCalls(GetRepositoryCommand).map((c) => c.args[0].input.repositoryName))
      .toEqual(['sagemaker-mlops-demo-p-abc123def456-modelbuild', 'sagemaker-mlops-demo-p-abc123def456-modeldeploy']);
  });

  test('none of the project\'s names: ok', async () => {
    codecommit.on(GetRepositoryCommand).rejects(missing);

    const results = await runChecks(plan, account({ repositoryExists: sdk().repositoryExists }));

    expect(byCheck(results, 'names')).toMatchObject({ status: 'ok' });
  });
});
