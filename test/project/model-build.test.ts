import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelBuild, ModelBuildProps } from '../../lib/project/model-build';
import { expectCommitRule, flatten, ID, NAME, PREFIX, projectParts, statementsOf } from '../support/project-parts';

/** ModelBuild alone (with the store, repositories and events role it takes) on a bare stack. */
function modelBuildTemplate(props: Partial<ModelBuildProps> = {}): Template {
  const parts = projectParts();
  new ModelBuild(parts.scope, 'ModelBuild', { ...parts.pipelineProps('build'), ...props });
  return Template.fromStack(parts.stack);
}

describe('ModelBuild, default props', () => {
  const template = modelBuildTemplate();

  test('builds with a CodeBuild project carrying the project environment, 8 h timeout, project key', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: `${PREFIX}-modelbuild`,
      TimeoutInMinutes: 480,
      EncryptionKey: Match.anyValue(),
      Source: { Type: 'CODEPIPELINE', BuildSpec: 'buildspec.yml' },
      Environment: {
        Image: 'aws/codebuild/standard:7.0',
        ComputeType: 'BUILD_GENERAL1_SMALL',
        PrivilegedMode: false,
        EnvironmentVariables: Match.arrayWith([
          { Name: 'SAGEMAKER_PROJECT_NAME', Type: 'PLAINTEXT', Value: NAME },
          { Name: 'SAGEMAKER_PROJECT_ID', Type: 'PLAINTEXT', Value: ID },
          { Name: 'SAGEMAKER_PIPELINE_NAME', Type: 'PLAINTEXT', Value: `${NAME}-${ID}` },
          { Name: 'MODEL_PACKAGE_GROUP_NAME', Type: 'PLAINTEXT', Value: `${NAME}-${ID}` },
          { Name: 'ARTIFACT_BUCKET', Type: 'PLAINTEXT', Value: Match.anyValue() },
          { Name: 'SAGEMAKER_PIPELINE_ROLE_ARN', Type: 'PLAINTEXT', Value: Match.anyValue() },
          { Name: 'KMS_KEY_ARN', Type: 'PLAINTEXT', Value: Match.anyValue() },
          { Name: 'PROJECT_TAGS', Type: 'PLAINTEXT', Value: '{}' },
        ]),
      },
    });
  });

  test('build pipeline (V2): Source -> Build that runs the SageMaker pipeline', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Name: `${PREFIX}-modelbuild`,
      PipelineType: 'V2',
      ArtifactStore: { Type: 'S3', Location: Match.anyValue(), EncryptionKey: { Type: 'KMS', Id: Match.anyValue() } },
      Stages: [
        {
          Name: 'Source',
          Actions: [Match.objectLike({
            Name: 'ModelBuildCode',
            ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeCommit', Version: '1' },
            Configuration: { RepositoryName: Match.anyValue(), BranchName: 'main', PollForSourceChanges: false },
          })],
        },
        {
          Name: 'Build',
          Actions: [Match.objectLike({
            Name: 'BuildAndExecuteSageMakerPipeline',
            ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
          })],
        },
      ],
    });
  });

  test('rule sagemaker-<name>-<id>-build starts the pipeline on commits to main of its repository', () => {
    expectCommitRule(template, 'build', 'ModelBuildPipeline');
  });

  test('job actions of the SageMaker pipeline role need this project\'s tag: in the request to create, on the job to watch', () => {
    const statements = statementsOf(template, 'ProjectModelBuildSageMakerPipelineRole');
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    expect(bySid('StartProjectJobs')?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/sagemaker:project-id': ID } });
    expect(bySid('WatchProjectJobs')?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/sagemaker:project-id': ID } });
    expect(bySid('TagProjectJobsOnCreation')?.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/sagemaker:project-id': ID },
      StringEqualsIfExists: { 'aws:ResourceTag/sagemaker:project-id': ID },
    });
    // No other statement of the role grants a job action.
    const jobActions = statements.filter((st) => ([] as string[]).concat(st.Action).some((a) => /Job$/.test(a)));
    expect(jobActions.map((st) => st.Sid).sort()).toEqual(['StartProjectJobs', 'WatchProjectJobs']);
  });

  test('the build project writes only where run-pipeline uploads: scripts and large definitions', () => {
    const puts = statementsOf(template, 'ProjectModelBuildProjectRole')
      .filter((s) => ([] as string[]).concat(s.Action).includes('s3:PutObject'))
      .flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten));
    expect(puts.sort()).toEqual([
      `<ProjectArtifactStoreBucketA8ED1D3C.Arn>/${NAME}-${ID}/code/*`,
      `<ProjectArtifactStoreBucketA8ED1D3C.Arn>/${NAME}-${ID}/definitions/*`,
    ]);
  });

  test('without dataLocations the SageMaker pipeline reads only the two public sample locations', () => {
    const sids = statementsOf(template, 'ProjectModelBuildSageMakerPipelineRole').map((s) => s.Sid).filter((sid) => /^Read(SampleData|DataLocation)/.test(sid ?? ''));
    expect(sids.sort()).toEqual(['ReadSampleData0List', 'ReadSampleData0Objects', 'ReadSampleData1List', 'ReadSampleData1Objects']);
  });
});

describe('ModelBuild, configured', () => {
  const template = modelBuildTemplate({
    dataLocations: ['my-lake/churn', 'shared-features'],
    buildTimeout: Duration.hours(2),
    projectTags: { 'cost-center': 'ml-42' },
  });

  test('dataLocations lets the SageMaker pipeline read there, and list only under the prefix', () => {
    const statements = statementsOf(template, 'ProjectModelBuildSageMakerPipelineRole');
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    const arn = (sid: string) => flatten(bySid(sid)?.Resource);
    expect([bySid('ReadDataLocation0Objects')?.Action, arn('ReadDataLocation0Objects')]).toEqual(['s3:GetObject', 'arn:<AWS::Partition>:s3:::my-lake/churn/*']);
    expect([bySid('ReadDataLocation0List')?.Action, arn('ReadDataLocation0List')]).toEqual(['s3:ListBucket', 'arn:<AWS::Partition>:s3:::my-lake']);
    expect(bySid('ReadDataLocation0List')?.Condition).toEqual({ StringLike: { 's3:prefix': ['churn', 'churn/*'] } });
    expect(arn('ReadDataLocation1Objects')).toBe('arn:<AWS::Partition>:s3:::shared-features/*');
    expect(bySid('ReadDataLocation1List')?.Condition).toBeUndefined();
    expect(bySid('ReadDataLocation2Objects')).toBeUndefined();
  });

  test('buildTimeout bounds the build', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', { Name: `${PREFIX}-modelbuild`, TimeoutInMinutes: 120 });
  });

  test('projectTags reach the build as PROJECT_TAGS', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([{ Name: 'PROJECT_TAGS', Type: 'PLAINTEXT', Value: '{"cost-center":"ml-42"}' }]),
      }),
    });
  });
});
