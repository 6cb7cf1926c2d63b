import { randomUUID } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { approvalStatus, newestApproved } from '../../../lambda/start-deploy/model-packages';

/** The start-deploy look-ups against moto_server, over SageMaker's real wire protocol. */
const client = new SageMakerClient({
  endpoint: process.env.MOTO_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

async function group(): Promise<{ name: string; register: () => Promise<string>; set: (arn: string, status: 'Approved' | 'Rejected') => Promise<void> }> {
  const name = `g-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name }));
  return {
    name,
    register: async () => {
      const out = await client.send(new CreateModelPackageCommand({
        ModelPackageGroupName: name,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://b/model.tar.gz' }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
      }));
      // Distinct creation times: moto stamps packages with the clock.
      await new Promise((r) => setTimeout(r, 5));
      return out.ModelPackageArn!;
    },
    set: async (arn, status) => {
      await client.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status }));
    },
  };
}

beforeAll(() => {
  if (!process.env.MOTO_ENDPOINT) throw new Error('MOTO_ENDPOINT is not set: run through the root jest config (it starts moto_server)');
});

describe('model package look-ups against moto_server', () => {
  test('nothing approved: no package', async () => {
    const g = await group();
    await g.register();
    expect(await newestApproved(client, g.name)).toBeUndefined();
  });

  test('approve A, approve B, reject B: A is the one to redeploy', async () => {
    const g = await group();
    const a = await g.register();
    const b = await g.register();
    await g.set(a, 'Approved');
    expect(await newestApproved(client, g.name)).toBe(a);
    await g.set(b, 'Approved');
    expect(await newestApproved(client, g.name)).toBe(b);
    expect(await approvalStatus(client, b)).toBe('Approved');
    await g.set(b, 'Rejected');
    expect(await approvalStatus(client, b)).toBe('Rejected');
    expect(await newestApproved(client, g.name, b)).toBe(a);
  });

  test('reject the only approved package: nothing left to deploy', async () => {
    const g = await group();
    const a = await g.register();
    await g.set(a, 'Approved');
    await g.set(a, 'Rejected');
    expect(await newestApproved(client, g.name, a)).toBeUndefined();
  });
});
