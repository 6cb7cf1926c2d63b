import { randomUUID } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { IncomingEvent } from '../../../lambda/start-deploy/decide';
import { Deps, startDeploy } from '../../../lambda/start-deploy/index';
import { describePackage } from '../../../lambda/start-deploy/model-packages';
import { MOTO_CLIENT_CONFIG, useMoto } from '../../support/moto';

/** start-deploy against moto_server's SageMaker, over the real wire protocol (CodePipeline mocked: moto lacks it). */
const moto = useMoto();
let client: SageMakerClient;
beforeAll(() => {
  client = new SageMakerClient({ endpoint: moto(), ...MOTO_CLIENT_CONFIG });
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

const codePipeline = mockClient(CodePipelineClient);
jest.setTimeout(60_000);

beforeEach(() => {
  codePipeline.reset();
  codePipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: 'exec' });
});

/** What the handler does for a state change of a package of the group, as moto reports it. */
async function handle(groupName: string, arn: string, status: 'Approved' | 'Rejected') {
  const deps: Deps = {
    sageMaker: client, codePipeline: new CodePipelineClient({ region: 'us-east-1' }), pipelineName: 'deploy', groupName,
    variableName: 'ModelPackageArn', account: arn.split(':')[4], region: 'us-east-1',
    automationRoles: { pipelineRoleArn: 'arn:aws:iam::123456789012:role/pipeline', roleNames: [] }, allowPipelineApprovals: false, log: () => undefined,
  };
  const event: IncomingEvent = {
    id: randomUUID(), account: deps.account, region: 'us-east-1',
    detail: { ModelPackageGroupName: groupName, ModelPackageArn: arn, ModelApprovalStatus: status },
  };
  return startDeploy(event, deps);
}

describe('start-deploy against moto_server', () => {
  test('approve A: A deploys; approve B: B deploys; reject B: A redeploys', async () => {
    const g = await group();
    const a = await g.register();
    const b = await g.register();
    await g.set(a, 'Approved');
    expect(await handle(g.name, a, 'Approved')).toMatchObject({ result: 'started', modelPackageArn: a });
    await g.set(b, 'Approved');
    expect(await handle(g.name, b, 'Approved')).toMatchObject({ result: 'started', modelPackageArn: b });
    await g.set(b, 'Rejected');
    expect((await describePackage(client, b)).ModelApprovalStatus).toBe('Rejected');
    expect(await handle(g.name, b, 'Rejected')).toMatchObject({ result: 'started', modelPackageArn: a });
  });

  test('one approval handled twice starts with one token; a new approval of the same package with another', async () => {
    const g = await group();
    const a = await g.register();
    await g.set(a, 'Approved');
    await handle(g.name, a, 'Approved');
    await handle(g.name, a, 'Approved');
    await new Promise((r) => setTimeout(r, 1100)); // moto's modification times have one-second steps at worst
    await g.set(a, 'Rejected');
    await g.set(a, 'Approved');
    await handle(g.name, a, 'Approved');
    const tokens = codePipeline.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input.clientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  test('reject the only approved package: nothing left to deploy', async () => {
    const g = await group();
    const a = await g.register();
    await g.set(a, 'Approved');
    await g.set(a, 'Rejected');
    expect(await handle(g.name, a, 'Rejected')).toMatchObject({ result: 'nothing-to-deploy' });
    expect(codePipeline.calls()).toHaveLength(0);
  });
});
