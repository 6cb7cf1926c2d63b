/**
 * `npm run doctor` against moto_server (CloudFormation, S3, SageMaker, CodePipeline names, STS,
 * IAM, CodeCommit): an unprepared account (a region nothing was created in) blocks with the
 * bootstrap command to run, a prepared one passes with every check ok (CodeCommit answering that
 * the project's repositories do not exist), a bucket of the project's name that the project stack
 * does not hold blocks, credentials of an account the project does not use block; and no check
 * writes. Service Quotas is mocked (aws-sdk-client-mock): moto_server does not list SageMaker's
 * quotas. A repository that exists is tested in aws.test.ts: moto_server's GetRepository answers
 * creationDate in a form the SDK cannot parse.
 */
import { CloudFormationClient, CreateStackCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { STSClient } from '@aws-sdk/client-sts';
import { ListAWSDefaultServiceQuotasCommand, ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { parseProjectConfig } from '../../../lib/config/project-config';
import { main } from '../../../scripts/doctor';
import { sdkDoctorAws } from '../../../scripts/doctor/aws';
import { doctorPlan } from '../../../scripts/doctor/plan';
import { MOTO_CLIENT_CONFIG, useMoto } from '../../support/moto';
import { CONSUMPTION } from './account';

const moto = useMoto();
const credentials = MOTO_CLIENT_CONFIG.credentials;

function lines() {
  const text: string[] = [];
  return { write: (t: string) => text.push(t), text: () => text.join('') };
}

async function doctor(region: string, args: string[] = []) {
  const out = lines();
  const err = lines();
  const code = await main(args, out, err, () => sdkDoctorAws({ region, endpoint: moto(), credentials }), () => CONSUMPTION);
  return { code, out: out.text(), err: err.text() };
}

/** moto_server's account. */
const MOTO_ACCOUNT = '123456789012';

/** Service Quotas with room for whatever the seeds request, and the account limits' defaults. */
const serviceQuotas = mockClient(ServiceQuotasClient);
beforeAll(() => {
  const needs = doctorPlan(parseProjectConfig({}), { consumption: CONSUMPTION }).instances.map((n) => ({ QuotaName: `${n.instanceType} for ${n.usage}`, Value: n.count + 1 }));
  serviceQuotas.on(ListServiceQuotasCommand).resolves({ Quotas: [] });
  serviceQuotas.on(ListAWSDefaultServiceQuotasCommand).resolves({ Quotas: [] });
  serviceQuotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'sagemaker' })
    .resolves({ Quotas: [...needs, { QuotaName: 'Maximum number of pipelines allowed per account', Value: 500 }] });
  serviceQuotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'events' }).resolves({ Quotas: [{ QuotaName: 'Number of rules', QuotaCode: 'L-244521F2', Value: 300 }] });
  serviceQuotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'codebuild' })
    .resolves({ Quotas: [{ QuotaName: 'Concurrently running builds for Linux/Small environment', Value: 60 }] });
  serviceQuotas.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'codepipeline' })
    .resolves({ Quotas: [{ QuotaName: 'Number of pipelines per Region', Value: 1000 }] });
});
afterAll(() => serviceQuotas.restore());

/** A unique project id per run: buckets are global, and moto may be shared between suites. */
const uniqueId = () => `p-${Date.now().toString(36).padStart(12, '0').slice(-12)}`;

async function bootstrap(region: string): Promise<void> {
  const cfn = new CloudFormationClient({ region, endpoint: moto(), credentials });
  await cfn.send(new CreateStackCommand({
    StackName: 'CDKToolkit',
    TemplateBody: JSON.stringify({
      Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: { BootstrapVersion: { Value: '28' } },
    }),
  }));
}

test('an unprepared account blocks, with the `cdk bootstrap` command to run, and nothing is written', async () => {
  const region = 'ap-southeast-2';
  const cfn = new CloudFormationClient({ region, endpoint: moto(), credentials });
  const s3 = new S3Client({ region, endpoint: moto(), credentials, forcePathStyle: true });
  const before = [(await cfn.send(new ListStacksCommand({}))).StackSummaries, (await s3.send(new ListBucketsCommand({}))).Buckets];

  const result = await doctor(region, ['-c', `projectId=${uniqueId()}`]);

  expect(result.code).toBe(1);
  expect(result.out).toMatch(/^PROBLEM {2}CDK bootstrap: account 123456789012 in ap-southeast-2 is not bootstrapped \(no CDKToolkit stack\) -> run `npx cdk bootstrap aws:\/\/123456789012\/ap-southeast-2`$/m);
  expect([(await cfn.send(new ListStacksCommand({}))).StackSummaries, (await s3.send(new ListBucketsCommand({}))).Buckets]).toEqual(before);
});

test('a prepared account passes: every check ok, none skipped', async () => {
  const region = 'eu-central-1';
  await bootstrap(region);

  const result = await doctor(region, ['-c', `projectId=${uniqueId()}`]);

  expect(result.out).toMatch(/^ok {7}credentials: account 123456789012 as arn:aws:sts::123456789012:user\/moto$/m);
  expect(result.out).toMatch(/^ok {7}CDK bootstrap: version 28$/m);
  expect(result.out).toMatch(/^ok {7}names: no bucket, pipeline, model package group or repository of the project's names exists$/m);
  expect(result.out).toMatch(/^ok {7}endpoint names: mlops-demo-staging, mlops-demo-prod: free$/m);
  expect(result.out).toMatch(/^ok {7}quota ml\.m5\.xlarge for spot training job usage: 2 \(needed: 1\)$/m);
  expect(result.out).toMatch(/^ok {7}limit IAM roles: \d+ of 1000 used; the project adds 17 \(IAM GetAccountSummary\)$/m);
  expect(result.out).toMatch(/^ok {7}limit EventBridge rules: \d+ of 300 used; the project adds 3 \(quota L-244521F2\)$/m);
  expect(result.out).toMatch(/^ok {7}limit CodeBuild concurrency Linux\/Small: 60; the project runs 2 at once: /m);
  expect(result.out.split('\n').filter((l) => l && !/^ok /.test(l))).toEqual([]);
  expect(result.code).toBe(0);
});

test('credentials of an account the multi-account project does not use block, naming its accounts', async () => {
  const accounts = ['-c', 'projectAccount=111111111111', '-c', 'stagingAccount=222222222222', '-c', 'prodAccount=333333333333'];

  const result = await doctor('eu-south-1', ['-c', `projectId=${uniqueId()}`, ...accounts]);

  expect(result.code).toBe(1);
  expect(result.out).toContain(`PROBLEM  account: account ${MOTO_ACCOUNT} is neither the project account (111111111111) nor a target account (222222222222, 333333333333)`);
});

test('a bucket of the project\'s name that no project stack holds blocks, naming it', async () => {
  const region = 'eu-west-3';
  await bootstrap(region);
  const id = uniqueId();
  await new S3Client({ region, endpoint: moto(), credentials, forcePathStyle: true })
    .send(new CreateBucketCommand({ Bucket: `sagemaker-project-${id}`, CreateBucketConfiguration: { LocationConstraint: region } }));

  const result = await doctor(region, ['-c', `projectId=${id}`]);

  expect(result.code).toBe(1);
  expect(result.out).toContain(`PROBLEM  names: already exist, and the project stack does not hold them: bucket sagemaker-project-${id} (in this account: retained by an earlier project?)`);
});

test('no check writes: every API call of an unprepared and a prepared run, recorded, is a read (Describe, Get, List, Head)', async () => {
  // Every SDK client the adapter builds, recorded at send(); Service Quotas through its mock.
  const clients = [CloudFormationClient, CodeCommitClient, CodePipelineClient, CodeStarConnectionsClient, IAMClient, S3Client, SageMakerClient, STSClient];
  const spies = clients.map((client) => jest.spyOn(client.prototype, 'send'));
  serviceQuotas.resetHistory();
  try {
    const unprepared = await doctor('ap-northeast-3', ['-c', `projectId=${uniqueId()}`]);
    await bootstrap('ca-central-1');
    const prepared = await doctor('ca-central-1', ['-c', `projectId=${uniqueId()}`, '-c', 'sourceProvider=codeconnections',
      '-c', 'connectionArn=arn:aws:codeconnections:ca-central-1:123456789012:connection/12345678-1234-1234-1234-123456789012',
      '-c', 'buildRepository=o/build', '-c', 'deployRepository=o/deploy']);
    expect(unprepared.code).toBe(1);
    // moto_server has no such connection: the connection check is a problem line, asked with a Get
    expect(prepared.out).toMatch(/^(ok|PROBLEM) {2}connection: /m);

    const calls = [
      ...spies.flatMap((spy) => spy.mock.calls.map(([command]) => (command as object).constructor.name)),
      ...serviceQuotas.calls().map((call) => (call.args[0] as object).constructor.name),
    ];
    // the bootstrap fixture's CreateStack is the test's own, not the doctor's
    const doctors = calls.filter((name) => name !== 'CreateStackCommand');
    expect(doctors.filter((name) => !/^(Describe|Get|List|Head)[A-Za-z]*Command$/.test(name))).toEqual([]);
    // and the recording saw the services the checks ask
    for (const expected of ['GetCallerIdentityCommand', 'DescribeStacksCommand', 'HeadBucketCommand', 'DescribePipelineCommand', 'ListPipelinesCommand',
      'GetAccountSummaryCommand', 'GetConnectionCommand', 'ListServiceQuotasCommand', 'ListAWSDefaultServiceQuotasCommand']) {
      expect(doctors).toContain(expected);
    }
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
});
