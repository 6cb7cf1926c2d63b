import { runSimulation } from '@cloud-copilot/iam-simulate';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { artifactObjects } from '../../lib/project/commit-triggered-pipeline';
import { ModelBuild } from '../../lib/project/model-build';
import { ModelDeploy } from '../../lib/project/model-deploy';
import { TemplateRole, templateRoles } from '../support/multi-account';
import { projectParts } from '../support/project-parts';

/**
 * Each pipeline has its artifact bucket, and each CodeBuild project of a pipeline may write its
 * own output artifacts there, nothing else: the deploy build (code of the deploy repository)
 * cannot replace the release waiting for prod, nor the build pipeline's source.
 * Decided by @cloud-copilot/iam-simulate on the synthesized policies.
 */
const ACCOUNT = '111111111111';
const parts = projectParts();
const stack = parts.stack;
const pipelineRole = new iam.Role(parts.scope, 'SageMakerPipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
const build = new ModelBuild(parts.scope, 'ModelBuild', parts.pipelineProps('build'));
const deploy = new ModelDeploy(parts.scope, 'ModelDeploy', {
  ...parts.pipelineProps('deploy'), pipelineRole, alarmTopic: new sns.Topic(parts.scope, 'AlarmTopic'),
});
const template = Template.fromStack(stack);

const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const BUILD_BUCKET = 'build-artifacts';
const DEPLOY_BUCKET = 'deploy-artifacts';
const DATA_BUCKET = 'data';
const attributes = {
  [`${logicalId(parts.store.buildPipelineArtifactsBucket)}.Arn`]: `arn:aws:s3:::${BUILD_BUCKET}`,
  [`${logicalId(parts.store.pipelineArtifactsBucket)}.Arn`]: `arn:aws:s3:::${DEPLOY_BUCKET}`,
  [`${logicalId(parts.store.bucket)}.Arn`]: `arn:aws:s3:::${DATA_BUCKET}`,
};
const roles = templateRoles(template, ACCOUNT, attributes);
const roleOf = (project: codebuild.IProject): TemplateRole => roles.find((r) => r.logicalId === logicalId(project.role as iam.Role))!;
const verifyProject = deploy.node.findChild('ReleaseVerification').node.findChild('Project') as codebuild.IProject;

/** Object keys as CodePipeline makes them: first 20 characters of the pipeline name, artifact name cut to 10, a random key. */
const BUILD_PREFIX = parts.names.modelBuildName.slice(0, 20);
const DEPLOY_PREFIX = parts.names.modelDeployName.slice(0, 20);
const object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

async function decide(role: TemplateRole, action: string, resource: string): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:role/${role.logicalId}`,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: {},
    },
    identityPolicies: [{ name: role.logicalId, policy: { Version: '2012-10-17', Statement: role.statements } }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

test('each pipeline stores its artifacts in a bucket of its own', () => {
  const stores = Object.values(template.findResources('AWS::CodePipeline::Pipeline')).map((p) => p.Properties.ArtifactStore.Location);
  expect(stores).toEqual(expect.arrayContaining([
    { Ref: logicalId(parts.store.buildPipelineArtifactsBucket) },
    { Ref: logicalId(parts.store.pipelineArtifactsBucket) },
  ]));
  expect(new Set(stores.map((s) => s.Ref)).size).toBe(2);
  expect(build.pipeline.artifactBucket).toBe(parts.store.buildPipelineArtifactsBucket);
  expect(deploy.pipeline.artifactBucket).toBe(parts.store.pipelineArtifactsBucket);
});

describe('the deploy build (code of the deploy repository)', () => {
  const role = roleOf(deploy.buildProject);

  test('writes its own output, the templates', async () => {
    expect(await decide(role, 's3:PutObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Templates/Ab1Cd2E`))).toBe('Allowed');
  });

  test.each([
    ['(write) the release that staging tested and prod deploys', 's3:PutObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Release/Ab1Cd2E`)],
    ['(write) the deploy pipeline\'s source', 's3:PutObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/SourceArti/Ab1Cd2E`)],
    ['(write) the build pipeline\'s source', 's3:PutObject', object(BUILD_BUCKET, `${BUILD_PREFIX}/SourceArti/Ab1Cd2E`)],
    ['(write) anything in the build pipeline\'s bucket', 's3:PutObject', object(BUILD_BUCKET, 'x')],
    ['(write) a release named like the templates elsewhere', 's3:PutObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Release/Templates`)],
    ['(delete) its own or any other output', 's3:DeleteObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Templates/Ab1Cd2E`)],
    ['(list) the keys of other runs\' outputs', 's3:ListBucket', `arn:aws:s3:::${DEPLOY_BUCKET}`],
    ['(read) the build pipeline\'s artifacts', 's3:GetObject', object(BUILD_BUCKET, `${BUILD_PREFIX}/SourceArti/Ab1Cd2E`)],
  ])('cannot touch %s', async (_what, action, resource) => {
    expect(await decide(role, action, resource)).toBe('ImplicitlyDenied');
  });

  test('reads its input, the deploy pipeline\'s source', async () => {
    expect(await decide(role, 's3:GetObject', object(DEPLOY_BUCKET, `${DEPLOY_PREFIX}/SourceArti/Ab1Cd2E`))).toBe('Allowed');
  });
});

describe('the release check (the project\'s own buildspec)', () => {
  const role = roleOf(verifyProject);

  test.each([
    ['writes the release', `${DEPLOY_PREFIX}/Release/Ab1Cd2E`, 'Allowed'],
    ['cannot write the templates', `${DEPLOY_PREFIX}/Templates/Ab1Cd2E`, 'ImplicitlyDenied'],
    ['cannot write the source', `${DEPLOY_PREFIX}/SourceArti/Ab1Cd2E`, 'ImplicitlyDenied'],
  ])('%s', async (_what, key, expected) => {
    expect(await decide(role, 's3:PutObject', object(DEPLOY_BUCKET, key))).toBe(expected);
  });
});

describe.each([
  ['the smoke test (code of the deploy repository)', () => roleOf(deploy.testProject)],
  ['the build pipeline\'s build (code of the build repository)', () => roleOf(build.project)],
])('%s', (_what, role) => {
  test.each([
    [DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Release/Ab1Cd2E`],
    [DEPLOY_BUCKET, `${DEPLOY_PREFIX}/Templates/Ab1Cd2E`],
    [BUILD_BUCKET, `${BUILD_PREFIX}/SourceArti/Ab1Cd2E`],
  ])('writes no pipeline artifact (%s/%s)', async (bucket, key) => {
    expect(await decide(role(), 's3:PutObject', object(bucket, key))).toBe('ImplicitlyDenied');
  });
});

describe('artifactObjects', () => {
  const bucket = s3.Bucket.fromBucketName(new Stack(), 'Bucket', 'bucket');

  test('names the objects of one output artifact under any pipeline prefix', () => {
    expect(bucket.stack.resolve(artifactObjects(bucket, new codepipeline.Artifact('Templates'))))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bucket/*/Templates/*']] });
  });

  test('refuses an artifact name that CodePipeline would cut in its keys', () => {
    expect(() => artifactObjects(bucket, new codepipeline.Artifact('BuildArtifact')))
      .toThrow("output artifact 'BuildArtifact' of a project build: name it with at most 10 characters (CodePipeline cuts longer names in its object keys, which the build's write grant is scoped to)");
  });
});
