/**
 * `npm run doctor` against moto_server: an unprepared account (a region nothing was created in)
 * blocks with the bootstrap command to run, a prepared one passes, a bucket of the project's name
 * that the project stack does not hold blocks; and no check writes.
 */
import { CloudFormationClient, CreateStackCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { main } from '../../../scripts/doctor';
import { sdkDoctorAws } from '../../../scripts/doctor/aws';
import { MOTO_CLIENT_CONFIG, useMoto } from '../../support/moto';

const moto = useMoto();
const credentials = MOTO_CLIENT_CONFIG.credentials;

function lines() {
  const text: string[] = [];
  return { write: (t: string) => text.push(t), text: () => text.join('') };
}

async function doctor(region: string, args: string[] = []) {
  const out = lines();
  const err = lines();
  const code = await main(args, out, err, () => sdkDoctorAws({ region, endpoint: moto(), credentials }));
  return { code, out: out.text(), err: err.text() };
}

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
  expect(result.out).toMatch(/^PROBLEM {2}CDK bootstrap: this account in ap-southeast-2 is not bootstrapped \(no CDKToolkit stack\) -> run `npx cdk bootstrap aws:\/\/<account>\/ap-southeast-2`$/m);
  expect([(await cfn.send(new ListStacksCommand({}))).StackSummaries, (await s3.send(new ListBucketsCommand({}))).Buckets]).toEqual(before);
});

test('a prepared account passes: every check ok, or skipped where this installation cannot ask', async () => {
  const region = 'eu-central-1';
  await bootstrap(region);

  const result = await doctor(region, ['-c', `projectId=${uniqueId()}`]);

  expect(result.out).toMatch(/^ok {7}CDK bootstrap: version 28$/m);
  expect(result.out).toMatch(/^ok {7}names: no bucket, pipeline or model package group of the project's names exists$/m);
  expect(result.out).toMatch(/^ok {7}endpoint names: mlops-demo-staging, mlops-demo-prod: free$/m);
  expect(result.out.split('\n').filter((l) => l && !/^(ok|skipped) /.test(l))).toEqual([]);
  expect(result.code).toBe(0);
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
