import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribePipelineCommand,
  ListTagsCommand,
  ListTransformJobsCommand,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { type TeardownEvent } from '../../../lambda/teardown';
import { mockedTeardown } from './mocked-handlers';

/**
 * Deleting the project stops the batch transforms its batch stages still run (a schedule's, the
 * on-demand command's, the staging test's): deleting a stage's stack does not stop them.
 */
const PROJECT_ID = 'p-abc123';
const OURS = [{ Key: 'sagemaker:project-id', Value: PROJECT_ID }];
const FOREIGN = [{ Key: 'sagemaker:project-id', Value: 'p-other' }];
const jobArn = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${name.toLowerCase()}`;

const event: TeardownEvent = {
  RequestType: 'Delete',
  LogicalResourceId: 'Teardown',
  PhysicalResourceId: `teardown-${PROJECT_ID}`,
  ResourceProperties: {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ProjectName: 'Churn',
    ProjectId: PROJECT_ID,
    StackNames: ['sagemaker-Churn-p-abc123-deploy-staging', 'sagemaker-Churn-p-abc123-deploy-prod'],
    PipelineName: 'Churn-p-abc123',
    ModelPackageGroupName: 'Churn-p-abc123',
    RetainData: 'true',
  },
};

const { cfn, sm, handlers } = mockedTeardown();
let logs: Array<Record<string, unknown>>;

function givenJobs(pages: Array<Array<{ name: string; tags: typeof OURS }>>): void {
  pages.forEach((jobs, page) => {
    const input = { NameContains: 'Churn-', StatusEquals: 'InProgress' as const, NextToken: page === 0 ? undefined : `page-${page}` };
    sm.on(ListTransformJobsCommand, input).resolves({
      TransformJobSummaries: jobs.map((job) => ({
        TransformJobName: job.name, TransformJobArn: jobArn(job.name), TransformJobStatus: 'InProgress', CreationTime: new Date(),
      })),
      NextToken: page + 1 < pages.length ? `page-${page + 1}` : undefined,
    });
    for (const job of jobs) sm.on(ListTagsCommand, { ResourceArn: jobArn(job.name) }).resolves({ Tags: job.tags });
  });
}

const stopped = () => sm.commandCalls(StopTransformJobCommand).map((call) => call.args[0].input.TransformJobName);

beforeEach(() => {
  cfn.reset();
  sm.reset();
  // The stacks and the pipeline are gone already: only the jobs are left.
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' }));
  sm.on(DescribePipelineCommand).rejects(Object.assign(new Error('Pipeline does not exist.'), { name: 'ResourceNotFound' }));
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => {
    logs.push(JSON.parse(line));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

test('onEvent stops the running jobs of both batch stages that carry the project id, on every page', async () => {
  givenJobs([
    [{ name: 'Churn-staging-d32c5kddcf5bb8c3', tags: OURS }, { name: 'Churn-staging-other', tags: FOREIGN }],
    [{ name: 'Churn-prod-r0123456789abcdef', tags: OURS }, { name: 'Churn-dev-x', tags: OURS }],
  ]);

  await handlers.onEvent(event);

  expect(stopped()).toEqual(['Churn-staging-d32c5kddcf5bb8c3', 'Churn-prod-r0123456789abcdef']);
  // A job of another stage name is not a batch stage's; a foreign one is left alone, and logged.
  expect(sm.commandCalls(ListTagsCommand).map((c) => c.args[0].input.ResourceArn)).not.toContain(jobArn('Churn-dev-x'));
  expect(logs).toContainEqual(expect.objectContaining({ resource: 'transform-job', name: 'Churn-staging-other', action: 'skip' }));
  expect(logs).toContainEqual(expect.objectContaining({ resource: 'transform-job', name: 'Churn-prod-r0123456789abcdef', action: 'stop' }));
});

test('isComplete stops a job a schedule started meanwhile, and completes', async () => {
  givenJobs([[{ name: 'Churn-prod-d32c5kddcf5bb8c3', tags: OURS }]]);
  await expect(handlers.isComplete(event)).resolves.toEqual({ IsComplete: true });
  expect(stopped()).toEqual(['Churn-prod-d32c5kddcf5bb8c3']);
});

test('a job that finished between the listing and the stop is no error', async () => {
  givenJobs([[{ name: 'Churn-staging-d32c5kddcf5bb8c3', tags: OURS }]]);
  sm.on(StopTransformJobCommand).rejects(Object.assign(new Error('Transform job is not InProgress'), { name: 'ValidationException' }));
  await expect(handlers.onEvent(event)).resolves.toBeDefined();
});

test('any other error of the stop fails the deletion visibly', async () => {
  givenJobs([[{ name: 'Churn-staging-d32c5kddcf5bb8c3', tags: OURS }]]);
  sm.on(StopTransformJobCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
  await expect(handlers.onEvent(event)).rejects.toThrow('not authorized');
});
