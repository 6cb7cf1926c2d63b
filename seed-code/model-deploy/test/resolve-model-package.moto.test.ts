/**
 * Resolution against moto_server: real SageMaker wire protocol, real SDK client, real
 * registry semantics (versions, approval filter, creation-time order).
 */
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  ModelApprovalStatus,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { resolveModelPackage } from '../lib/resolve-model-package';
import { MOTO_CLIENT_CONFIG, useMotoServer } from './support/moto-server';

const moto = useMotoServer();
let client: SageMakerClient;
beforeAll(() => {
  client = new SageMakerClient({ endpoint: moto(), ...MOTO_CLIENT_CONFIG });
});
const PIPELINE_ROLE = 'arn:aws:iam::123456789012:role/service-role/sagemaker-pipeline';

let counter = 0;
/** A fresh group per test, so tests never see each other's packages. */
async function newGroup(): Promise<string> {
  const name = `moto-${process.pid}-${Date.now()}-${++counter}`;
  await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name }));
  return name;
}

async function register(group: string): Promise<string> {
  const created = await client.send(new CreateModelPackageCommand({
    ModelPackageGroupName: group,
    ModelApprovalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
    InferenceSpecification: {
      Containers: [{ Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://bucket/model.tar.gz' }],
      SupportedContentTypes: ['text/csv'],
      SupportedResponseMIMETypes: ['text/csv'],
      SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
    },
  }));
  return created.ModelPackageArn!;
}

async function setStatus(arn: string, status: ModelApprovalStatus): Promise<void> {
  await client.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
}

/** What a run started by the approval event (or by a commit, with no ARN) would deploy. */
async function deployed(group: string, requestedArn?: string): Promise<string | undefined> {
  // moto records a Studio user profile as creator and modifier, never the pipeline role.
  const resolution = await resolveModelPackage({ client, modelPackageGroupName: group, requestedArn, approval: { autoApprove: false, pipelineRoleArn: PIPELINE_ROLE } });
  return resolution.deploy ? resolution.modelPackageArn : undefined;
}

test('moto is available', () => {
  expect(moto()).toMatch(/^https?:\/\//);
});

test('a new group with only pending packages deploys nothing', async () => {
  const group = await newGroup();
  await register(group);
  expect(await deployed(group)).toBeUndefined();
});

test('a group that does not exist is an error naming it, not "nothing to deploy"', async () => {
  await expect(deployed(`missing-${process.pid}-${Date.now()}`)).rejects.toThrow(/^MODEL_PACKAGE_GROUP_NAME: model package group 'missing-\d+-\d+' does not exist/);
});

test('approve A, approve B, reject B: A, B, then A again', async () => {
  // GIVEN
  const group = await newGroup();
  const a = await register(group);
  const b = await register(group);
  expect(a).toMatch(new RegExp(`model-package/${group}/1$`));
  expect(b).toMatch(new RegExp(`model-package/${group}/2$`));

  // WHEN A is approved, the event's run deploys A
  await setStatus(a, ModelApprovalStatus.APPROVED);
  expect(await deployed(group, a)).toBe(a);

  // WHEN B is approved, B (newer) is deployed, with or without the variable
  await setStatus(b, ModelApprovalStatus.APPROVED);
  expect(await deployed(group, b)).toBe(b);
  expect(await deployed(group)).toBe(b);

  // WHEN B is rejected, the rejection run (no longer-approved B, or no variable) redeploys A
  await setStatus(b, ModelApprovalStatus.REJECTED);
  expect(await deployed(group, b)).toBe(a);
  expect(await deployed(group)).toBe(a);
});

test('reject the only approved package: nothing to deploy', async () => {
  // GIVEN
  const group = await newGroup();
  const a = await register(group);
  await setStatus(a, ModelApprovalStatus.APPROVED);
  expect(await deployed(group, a)).toBe(a);

  // WHEN
  await setStatus(a, ModelApprovalStatus.REJECTED);

  // THEN
  expect(await deployed(group, a)).toBeUndefined();
  expect(await deployed(group)).toBeUndefined();
});

test('approving an older package while a newer one is approved keeps the newest by creation time', async () => {
  // GIVEN
  const group = await newGroup();
  const a = await register(group);
  const b = await register(group);
  await setStatus(b, ModelApprovalStatus.APPROVED);

  // WHEN the older A is approved later, the run for A deploys A (the request wins) ...
  await setStatus(a, ModelApprovalStatus.APPROVED);
  expect(await deployed(group, a)).toBe(a);
  // ... while a commit-triggered run goes by creation time
  expect(await deployed(group)).toBe(b);
});

test('packages of another group are never chosen, and requesting one fails', async () => {
  // GIVEN
  const mine = await newGroup();
  const other = await newGroup();
  const foreign = await register(other);
  await setStatus(foreign, ModelApprovalStatus.APPROVED);

  // THEN
  expect(await deployed(mine)).toBeUndefined();
  await expect(deployed(mine, foreign)).rejects.toThrow(`belongs to model package group '${other}', not to this project's group '${mine}'`);
});

test('a commit run takes the newest package that is still approved among several', async () => {
  // GIVEN three approved packages, the newest then rejected
  const group = await newGroup();
  const packages = [await register(group), await register(group), await register(group)];
  for (const arn of packages) {
    await setStatus(arn, ModelApprovalStatus.APPROVED);
  }
  await setStatus(packages[2], ModelApprovalStatus.REJECTED);

  // THEN
  expect(await deployed(group)).toBe(packages[1]);
});
