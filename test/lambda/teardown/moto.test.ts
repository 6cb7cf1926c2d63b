/**
 * The teardown handlers over the real AWS wire protocol, against moto_server (started for this
 * suite by useMoto(), or the one MOTO_ENDPOINT names). moto 5.2 implements everything the handler calls
 * except SageMaker DeleteModelPackage and StopPipelineExecution (500 "not implemented").
 * DeleteModelPackage is intercepted on the client and recorded (the listing it acts on still
 * comes from moto); stopping executions is covered by the mocked tests only, because moto
 * completes executions as soon as they start.
 */
import { STSClient } from '@aws-sdk/client-sts';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  CreatePipelineCommand,
  DescribePipelineCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { createTeardownHandlers, type TeardownEvent } from '../../../lambda/teardown';
import { MOTO_CLIENT_CONFIG, useMoto } from '../../support/moto';

const moto = useMoto();
const clientConfig = () => ({ endpoint: moto(), ...MOTO_CLIENT_CONFIG });
const TEMPLATE = JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
const PIPELINE_DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'test' } }],
});

let cloudFormation: CloudFormationClient;
let sageMaker: SageMakerClient;
let deletedPackages: string[];

/** A fresh, collision-free project per test: moto's state lives for the whole jest run. */
function newProject(retainData: 'true' | 'false' = 'true') {
  const id = `p-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const name = 'abalone';
  const event = (requestType: TeardownEvent['RequestType']): TeardownEvent => ({
    RequestType: requestType,
    LogicalResourceId: 'Teardown',
    PhysicalResourceId: requestType === 'Create' ? undefined : `teardown-${id}`,
    ResourceProperties: {
      ProjectName: name,
      ProjectId: id,
      StackNames: [`sagemaker-${name}-${id}-deploy-staging`, `sagemaker-${name}-${id}-deploy-prod`],
      PipelineName: `${name}-${id}`,
      ModelPackageGroupName: `${name}-${id}`,
      RetainData: retainData,
    },
  });
  return {
    id,
    staging: `sagemaker-${name}-${id}-deploy-staging`,
    prod: `sagemaker-${name}-${id}-deploy-prod`,
    pipeline: `${name}-${id}`,
    group: `${name}-${id}`,
    tags: [{ Key: 'sagemaker:project-name', Value: name }, { Key: 'sagemaker:project-id', Value: id }],
    event,
  };
}

async function createStack(stackName: string, tags: Tag[]): Promise<void> {
  await cloudFormation.send(new CreateStackCommand({ StackName: stackName, TemplateBody: TEMPLATE, Tags: tags }));
}

async function stackStatus(stackName: string): Promise<string> {
  try {
    const result = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return result.Stacks?.[0]?.StackStatus ?? 'missing';
  } catch (error) {
    if ((error as Error).message.includes('does not exist')) return 'missing';
    throw error;
  }
}

async function createPipeline(pipelineName: string, tags: Tag[]): Promise<void> {
  await sageMaker.send(new CreatePipelineCommand({
    PipelineName: pipelineName,
    RoleArn: 'arn:aws:iam::123456789012:role/pipeline',
    PipelineDefinition: PIPELINE_DEFINITION,
    Tags: tags,
  }));
}

async function pipelineExists(pipelineName: string): Promise<boolean> {
  try {
    await sageMaker.send(new DescribePipelineCommand({ PipelineName: pipelineName }));
    return true;
  } catch (error) {
    if ((error as Error).message.includes('Could not find')) return false;
    throw error;
  }
}

async function createGroupWithPackages(group: string, tags: Tag[], count: number): Promise<string[]> {
  await sageMaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group, Tags: tags }));
  const arns: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await sageMaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [{ Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1' }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    }));
    arns.push(created.ModelPackageArn!);
  }
  return arns;
}

beforeEach(() => {
  cloudFormation = new CloudFormationClient(clientConfig());
  sageMaker = new SageMakerClient(clientConfig());
  deletedPackages = [];
  sageMaker.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeleteModelPackageCommand') {
        deletedPackages.push((args.input as { ModelPackageName: string }).ModelPackageName);
        return { output: { $metadata: {} }, response: {} } as never;
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordDeleteModelPackage' },
  );
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  cloudFormation.destroy();
  sageMaker.destroy();
});

function handlers() {
  // Single-account: STS is never called.
  return createTeardownHandlers(() => ({ cloudFormation, sageMaker, sts: new STSClient(clientConfig()) }), { properties: (e) => e.ResourceProperties, stackIsBeingDeleted: async () => true });
}

describe('teardown against moto_server', () => {
  test('Create and Update touch nothing', async () => {
    // GIVEN
    const project = newProject();
    await createStack(project.staging, project.tags);

    // WHEN
    const created = await handlers().onEvent(project.event('Create'));
    const updated = await handlers().onEvent(project.event('Update'));

    // THEN
    expect(created.PhysicalResourceId).toBe(`teardown-${project.id}`);
    expect(updated.PhysicalResourceId).toBe(`teardown-${project.id}`);
    expect(await stackStatus(project.staging)).toBe('CREATE_COMPLETE');
  });

  test('Delete removes the owned endpoint stacks and pipeline (with past executions), then completes', async () => {
    // GIVEN (moto finishes executions at once, so this one is no longer running)
    const project = newProject();
    await createStack(project.staging, project.tags);
    await createStack(project.prod, project.tags);
    await createPipeline(project.pipeline, project.tags);
    await sageMaker.send(new StartPipelineExecutionCommand({ PipelineName: project.pipeline }));

    // WHEN
    await handlers().onEvent(project.event('Delete'));
    const result = await handlers().isComplete(project.event('Delete'));

    // THEN
    expect(result).toEqual({ IsComplete: true });
    expect(await stackStatus(project.staging)).toBe('missing');
    expect(await stackStatus(project.prod)).toBe('missing');
    expect(await pipelineExists(project.pipeline)).toBe(false);
  });

  test('Delete leaves a foreign stack and a foreign pipeline with the expected names alone', async () => {
    // GIVEN another project's resources squat on our names
    const project = newProject();
    const foreign = [{ Key: 'sagemaker:project-id', Value: 'p-someoneelse' }];
    await createStack(project.staging, foreign);
    await createStack(project.prod, project.tags);
    await createPipeline(project.pipeline, foreign);

    // WHEN
    await handlers().onEvent(project.event('Delete'));
    const result = await handlers().isComplete(project.event('Delete'));

    // THEN
    expect(result).toEqual({ IsComplete: true });
    expect(await stackStatus(project.staging)).toBe('CREATE_COMPLETE');
    expect(await stackStatus(project.prod)).toBe('missing');
    expect(await pipelineExists(project.pipeline)).toBe(true);
  });

  test('a second Delete after everything is gone succeeds', async () => {
    // GIVEN
    const project = newProject('false');
    await createStack(project.prod, project.tags);
    await createPipeline(project.pipeline, project.tags);
    await handlers().onEvent(project.event('Delete'));
    await handlers().isComplete(project.event('Delete'));

    // WHEN / THEN
    await expect(handlers().onEvent(project.event('Delete'))).resolves.toEqual({ PhysicalResourceId: `teardown-${project.id}` });
    await expect(handlers().isComplete(project.event('Delete'))).resolves.toEqual({ IsComplete: true });
    expect(deletedPackages).toEqual([]);
  });

  test.each([
    ['RetainData true keeps the model packages', 'true', 'own', false],
    ['RetainData false deletes the model packages', 'false', 'own', true],
    ['RetainData false leaves a foreign group alone', 'false', 'foreign', false],
  ] as const)('%s', async (_name, retain, owner, deleted) => {
    // GIVEN
    const project = newProject(retain);
    const tags = owner === 'own' ? project.tags : [{ Key: 'sagemaker:project-id', Value: 'p-someoneelse' }];
    const packages = await createGroupWithPackages(project.group, tags, 2);

    // WHEN
    await handlers().onEvent(project.event('Delete'));
    await expect(handlers().isComplete(project.event('Delete'))).resolves.toEqual({ IsComplete: true });

    // THEN
    expect(deletedPackages).toEqual(deleted ? packages : []);
    const listed = await sageMaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: project.group }));
    expect(listed.ModelPackageSummaryList).toHaveLength(2);
  });

  test('RetainData false with no model package group completes', async () => {
    const project = newProject('false');

    await handlers().onEvent(project.event('Delete'));
    await expect(handlers().isComplete(project.event('Delete'))).resolves.toEqual({ IsComplete: true });
    expect(deletedPackages).toEqual([]);
  });
});
