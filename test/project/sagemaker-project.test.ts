import { Match } from 'aws-cdk-lib/assertions';
import { projectTemplate } from '../support/app';
import { actionsOf, allStatements, flatten, ID, NAME, PREFIX, statementsOf } from '../support/project-parts';

/*
 * The composition of the project: what spans its constructs (tags, outputs, the roles of the whole
 * project, the order of deletion) and how settings reach them. Each construct of lib/project/ has
 * its own test file building it alone on a bare Stack. One synthesis per configuration.
 */

// GIVEN the demo project, synthesized once for the whole file
const template = projectTemplate({ projectId: ID });

describe('SageMakerProject, default configuration', () => {
  test('creates the model package group <name>-<id>, kept on delete', () => {
    template.hasResource('AWS::SageMaker::ModelPackageGroup', {
      Properties: { ModelPackageGroupName: `${NAME}-${ID}` },
      DeletionPolicy: 'Retain',
    });
  });

  test.each([
    ['modelbuild'],
    ['modeldeploy'],
  ])('seeds the CodeCommit repository sagemaker-<name>-<id>-%s on branch main', (kind) => {
    template.hasResource('AWS::CodeCommit::Repository', {
      Properties: {
        RepositoryName: `${PREFIX}-${kind}`,
        Code: { BranchName: 'main', S3: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.zip$') } },
      },
      DeletionPolicy: 'Retain',
    });
  });
  test('the approval trigger starts this project\'s deploy pipeline and knows its SageMaker pipeline role', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DEPLOY_PIPELINE_NAME: { Ref: Match.stringLikeRegexp('^ProjectModelDeployPipeline') },
          SAGEMAKER_PIPELINE_ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProjectModelBuildSageMakerPipelineRole'), 'Arn'] },
        }),
      },
    });
  });

  test('every resource that takes tags carries sagemaker:project-name and sagemaker:project-id', () => {
    const taggable = ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::SageMaker::ModelPackageGroup', 'AWS::CodeCommit::Repository',
      'AWS::CodeBuild::Project', 'AWS::CodePipeline::Pipeline', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::SQS::Queue',
      'AWS::Logs::LogGroup', 'AWS::SNS::Topic'];
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: { Tags?: unknown } }>;
    const checked = Object.entries(resources).filter(([, r]) => taggable.includes(r.Type));
    expect(checked.length).toBeGreaterThan(20);
    for (const [id, resource] of checked) {
      expect({ id, tags: resource.Properties.Tags }).toEqual({
        id,
        tags: expect.arrayContaining([
          { Key: 'sagemaker:project-name', Value: NAME },
          { Key: 'sagemaker:project-id', Value: ID },
        ]),
      });
    }
  });

  test('outputs clone URLs, pipeline names, bucket and model package group', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn', 'ArtifactBucketName', 'ModelBuildPipelineName', 'ModelBuildRepositoryCloneUrlGrc', 'ModelBuildRepositoryCloneUrlHttp',
      'ModelDeployPipelineName', 'ModelDeployRepositoryCloneUrlGrc', 'ModelDeployRepositoryCloneUrlHttp',
      'ModelPackageGroupName', 'ProjectId', 'SageMakerPipelineName',
    ]);
    expect(outputs.SageMakerPipelineName.Value).toBe(`${NAME}-${ID}`);
    expect(outputs.ModelPackageGroupName.Value).toBe(`${NAME}-${ID}`);
  });
});


describe('IAM', () => {
  test('has one role per service', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const principals = Object.entries(roles).map(([id, r]) => [
      id.replace(/[0-9A-F]{8}$/, ''),
      r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service,
    ]);
    expect(principals.sort()).toEqual([
      ['ProjectEventsRole', 'events.amazonaws.com'],
      ['ProjectModelApprovalTriggerFunctionRole', 'lambda.amazonaws.com'],
      ['ProjectModelBuildImageProjectRole', 'codebuild.amazonaws.com'],
      ['ProjectModelBuildPipelineRole', 'codepipeline.amazonaws.com'],
      ['ProjectModelBuildProjectRole', 'codebuild.amazonaws.com'],
      ['ProjectModelBuildSageMakerPipelineRole', 'sagemaker.amazonaws.com'],
      ['ProjectModelDeployBuildProjectRole', 'codebuild.amazonaws.com'],
      ['ProjectModelDeployEndpointDeployRole', 'cloudformation.amazonaws.com'],
      ['ProjectModelDeployModelExecutionRole', 'sagemaker.amazonaws.com'],
      ['ProjectModelDeployPipelineRole', 'codepipeline.amazonaws.com'],
      ['ProjectModelDeployProdBatchModelRole', 'sagemaker.amazonaws.com'],
      ['ProjectModelDeployProdBatchScheduleRole', 'scheduler.amazonaws.com'],
      ['ProjectModelDeployReleaseVerificationProjectRole', 'codebuild.amazonaws.com'],
      ['ProjectModelDeployStagingBatchModelRole', 'sagemaker.amazonaws.com'],
      ['ProjectModelDeployStagingBatchScheduleRole', 'scheduler.amazonaws.com'],
      ['ProjectModelDeployStagingEndpointDeployRole', 'cloudformation.amazonaws.com'],
      ['ProjectModelDeployTestProjectRole', 'codebuild.amazonaws.com'],
      ['ProjectTeardownHandlerRole', 'lambda.amazonaws.com'],
      ['ProjectTeardownProviderOnEventRole', 'lambda.amazonaws.com'],
      ['ProjectTeardownProviderWaiterRole', 'lambda.amazonaws.com'],
      ['ProjectTeardownProviderwaiterstatemachineRole', 'states.amazonaws.com'],
    ]);
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('no statement grants a * action, and iam:PassRole always names the receiving service', () => {
    const statements = allStatements(template);
    expect(statements.length).toBeGreaterThan(30);
    for (const s of statements) {
      const actions = ([] as string[]).concat(s.Action);
      expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      if (actions.includes('iam:PassRole')) {
        expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': expect.stringMatching(/\.amazonaws\.com$/) } });
      }
    }
  });

  test('a statement on "*" holds only actions that have no resource type', () => {
    const statements = allStatements(template)
      .filter((s) => s.Resource === '*');
    expect(actionsOf(statements)).toEqual([
      'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingActivities',
      'application-autoscaling:DescribeScalingPolicies', 'cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricData',
      // the image build's registry login
      'ecr:GetAuthorizationToken',
      // aws-cdk-lib's Step Functions logging grant (the teardown's waiter): vended log delivery
      'logs:CreateLogDelivery', 'logs:CreateLogStream', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutLogEvents',
      'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
      'sagemaker:ListModelPackages', 'sagemaker:ListTransformJobs',
    ]);
    const metrics = statements.find((s) => s.Action === 'cloudwatch:PutMetricData');
    expect(metrics?.Condition).toEqual({ StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*'] } });
  });

  /** What each stage's endpoint deploy role may do (on its own stage's resources only: test/project/endpoint-deploy-role.test.ts). */
  const ENDPOINT_DEPLOY_ACTIONS = [
    'application-autoscaling:DeleteScalingPolicy', 'application-autoscaling:DeregisterScalableTarget',
    'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingActivities',
    'application-autoscaling:DescribeScalingPolicies', 'application-autoscaling:ListTagsForResource',
    'application-autoscaling:PutScalingPolicy', 'application-autoscaling:RegisterScalableTarget',
    'application-autoscaling:TagResource', 'application-autoscaling:UntagResource',
    'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource',
    'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource', 'cloudwatch:UntagResource',
    // Batch stages: their failed-run rule and their schedule (group).
    'events:DeleteRule', 'events:DescribeRule', 'events:DisableRule', 'events:EnableRule',
    'events:ListTagsForResource', 'events:ListTargetsByRule', 'events:PutRule', 'events:PutTargets',
    'events:RemoveTargets', 'events:TagResource', 'events:UntagResource',
    'iam:CreateServiceLinkedRole', 'iam:PassRole', 'kms:CreateGrant', 'kms:DescribeKey', 'sagemaker:AddTags',
    // ...InferenceComponent...: stages that scale to zero.
    'sagemaker:CreateEndpoint', 'sagemaker:CreateEndpointConfig', 'sagemaker:CreateInferenceComponent', 'sagemaker:CreateModel',
    'sagemaker:DeleteEndpoint', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DeleteInferenceComponent', 'sagemaker:DeleteModel',
    'sagemaker:DeleteTags', 'sagemaker:DescribeEndpoint', 'sagemaker:DescribeEndpointConfig',
    'sagemaker:DescribeInferenceComponent', 'sagemaker:DescribeModel',
    'sagemaker:DescribeModelPackage', 'sagemaker:ListTags', 'sagemaker:UpdateEndpoint',
    'sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:UpdateInferenceComponent',
    'sagemaker:UpdateInferenceComponentRuntimeConfig',
    'scheduler:CreateSchedule', 'scheduler:CreateScheduleGroup', 'scheduler:DeleteSchedule',
    'scheduler:DeleteScheduleGroup', 'scheduler:GetSchedule', 'scheduler:GetScheduleGroup',
    'scheduler:ListTagsForResource', 'scheduler:TagResource', 'scheduler:UntagResource', 'scheduler:UpdateSchedule',
  ];
  // The reviewed action set of every role: a change here is a change of the project's permissions.
  const REVIEWED_ACTIONS: Array<[string, string[]]> = [
    ['ProjectEventsRole', [
      'codepipeline:StartPipelineExecution',
    ]],
    ['ProjectModelApprovalTriggerFunctionRole', [
      'codepipeline:StartPipelineExecution', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*',
      'logs:CreateLogStream', 'logs:PutLogEvents', 'sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
    ]],
    ['ProjectModelBuildPipelineRole', [
      'codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild', 'codecommit:CancelUploadArchive',
      'codecommit:GetBranch', 'codecommit:GetCommit', 'codecommit:GetUploadArchiveStatus', 'codecommit:UploadArchive',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 's3:Abort*',
      's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:PutObject', 's3:PutObjectLegalHold',
      's3:PutObjectRetention', 's3:PutObjectTagging', 's3:PutObjectVersionTagging',
    ]],
    ['ProjectModelBuildImageProjectRole', [
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport',
      'codebuild:CreateReportGroup', 'codebuild:UpdateReport', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage',
      'ecr:CompleteLayerUpload', 'ecr:DescribeImages', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer',
      'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart', 'kms:Decrypt',
      'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream',
      // Its input and its output artifact (the images file) only: scopedCodeBuildAction's grants, no list, no delete.
      'logs:PutLogEvents', 's3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject',
    ]],
    ['ProjectModelBuildProjectRole', [
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport',
      'codebuild:CreateReportGroup', 'codebuild:UpdateReport', 'ecr:BatchGetImage', 'ecr:PutImage', 'iam:PassRole', 'kms:Decrypt', 'kms:DescribeKey',
      'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream',
      'logs:PutLogEvents', 's3:Abort*', 's3:GetBucket*', 's3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetObject',
      's3:GetObject*', 's3:GetObjectVersion', 's3:List*', 's3:PutObject',
      's3:PutObjectLegalHold', 's3:PutObjectRetention', 's3:PutObjectTagging', 's3:PutObjectVersionTagging',
      'sagemaker:AddTags', 'sagemaker:CreatePipeline', 'sagemaker:DescribePipeline',
      'sagemaker:DescribePipelineExecution', 'sagemaker:ListPipelineExecutionSteps', 'sagemaker:ListPipelineExecutions',
      'sagemaker:ListPipelineParametersForExecution', 'sagemaker:ListTags',
      'sagemaker:StartPipelineExecution', 'sagemaker:StopPipelineExecution', 'sagemaker:UpdatePipeline',
    ]],
    ['ProjectModelBuildSageMakerPipelineRole', [
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'iam:PassRole', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt',
      'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream',
      'logs:DescribeLogStreams', 'logs:PutLogEvents', 's3:Abort*', 's3:GetBucket*', 's3:GetObject', 's3:GetObject*',
      's3:List*', 's3:ListBucket', 's3:PutObject', 's3:PutObjectLegalHold', 's3:PutObjectRetention',
      's3:PutObjectTagging', 's3:PutObjectVersionTagging', 'sagemaker:AddTags', 'sagemaker:CreateModelPackage',
      'sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateTransformJob',
      'sagemaker:DescribeModelPackageGroup', 'sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob',
      'sagemaker:DescribeTransformJob', 'sagemaker:StopProcessingJob', 'sagemaker:StopTrainingJob',
      'sagemaker:StopTransformJob',
    ]],
    ['ProjectModelDeployBuildProjectRole', [
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport',
      'codebuild:CreateReportGroup', 'codebuild:UpdateReport', 'kms:Decrypt', 'kms:Encrypt',
      'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
      // Its pipeline's artifacts: read, and write its own output (the templates) only.
      's3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject',
      'sagemaker:DescribeEndpoint', 'sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup',
      'sagemaker:ListModelPackages', 'sagemaker:ListTags',
    ]],
    ['ProjectModelDeployEndpointDeployRole', ENDPOINT_DEPLOY_ACTIONS],
    ['ProjectModelDeployStagingEndpointDeployRole', ENDPOINT_DEPLOY_ACTIONS],
    ['ProjectModelDeployModelExecutionRole', [
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*',
      'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:PutObject', 's3:PutObjectLegalHold',
      's3:PutObjectRetention', 's3:PutObjectTagging', 's3:PutObjectVersionTagging',
    ]],
    ['ProjectModelDeployProdBatchModelRole', [
      // A batch stage's model: the project's artifacts and images; its own stage's batch folders, by exact action.
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*',
      'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:GetBucket*', 's3:GetObject', 's3:GetObject*', 's3:List*', 's3:ListBucket', 's3:PutObject',
    ]],
    ['ProjectModelDeployProdBatchScheduleRole', [
      'kms:CreateGrant', 'kms:DescribeKey', 'sagemaker:AddTags', 'sagemaker:CreateTransformJob',
    ]],
    ['ProjectModelDeployReleaseVerificationProjectRole', [
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport',
      'codebuild:CreateReportGroup', 'codebuild:UpdateReport', 'kms:Decrypt', 'kms:Encrypt',
      'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
      // Its pipeline's artifacts: read, and write its own output (the release) only.
      's3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject',
    ]],
    ['ProjectModelDeployStagingBatchModelRole', [
      // A batch stage's model: the project's artifacts and images; its own stage's batch folders, by exact action.
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*',
      'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:GetBucket*', 's3:GetObject', 's3:GetObject*', 's3:List*', 's3:ListBucket', 's3:PutObject',
    ]],
    ['ProjectModelDeployStagingBatchScheduleRole', [
      'kms:CreateGrant', 'kms:DescribeKey', 'sagemaker:AddTags', 'sagemaker:CreateTransformJob',
    ]],
    ['ProjectModelDeployPipelineRole', [
      'cloudformation:CreateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStack*',
      'cloudformation:GetStackPolicy', 'cloudformation:GetTemplate*', 'cloudformation:SetStackPolicy',
      'cloudformation:UpdateStack', 'cloudformation:ValidateTemplate', 'codebuild:BatchGetBuilds',
      'codebuild:StartBuild', 'codebuild:StopBuild', 'codecommit:CancelUploadArchive', 'codecommit:GetBranch',
      'codecommit:GetCommit', 'codecommit:GetUploadArchiveStatus', 'codecommit:UploadArchive', 'iam:PassRole',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 's3:Abort*',
      's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:PutObject', 's3:PutObjectLegalHold',
      's3:PutObjectRetention', 's3:PutObjectTagging', 's3:PutObjectVersionTagging',
    ]],
    ['ProjectModelDeployTestProjectRole', [
      // A batch staging stage's test: its stack's run definition, its sample in, one transform, its output back.
      'cloudformation:DescribeStacks',
      'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport',
      'codebuild:CreateReportGroup', 'codebuild:UpdateReport', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt',
      'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject',
      'sagemaker:AddTags', 'sagemaker:CreateTransformJob', 'sagemaker:DescribeEndpoint', 'sagemaker:DescribeTransformJob',
      'sagemaker:InvokeEndpoint',
    ]],
    ['ProjectTeardownHandlerRole', [
      'cloudformation:DeleteStack', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks', 'iam:PassRole',
      'logs:CreateLogStream', 'logs:PutLogEvents', 'sagemaker:DeletePipeline', 'sagemaker:DescribePipeline',
      'sagemaker:ListPipelineExecutions', 'sagemaker:ListTags', 'sagemaker:ListTransformJobs',
      'sagemaker:StopPipelineExecution', 'sagemaker:StopTransformJob',
    ]],
    ['ProjectTeardownProviderOnEventRole', [
      'lambda:GetFunction', 'lambda:InvokeFunction', 'states:StartExecution',
    ]],
    ['ProjectTeardownProviderWaiterRole', [
      'lambda:GetFunction', 'lambda:InvokeFunction',
    ]],
    ['ProjectTeardownProviderwaiterstatemachineRole', [
      'lambda:InvokeFunction', 'logs:CreateLogDelivery', 'logs:CreateLogStream', 'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries',
      'logs:PutLogEvents', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
    ]],
  ];
  test.each(REVIEWED_ACTIONS)('%s may do exactly the reviewed actions', (role, expected) => {
    expect(actionsOf(statementsOf(template, role))).toEqual(expected);
  });

  test('sagemaker:AddTags never lets a role re-tag another project\'s resources', () => {
    const addTags = allStatements(template)
      .filter((st) => ([] as string[]).concat(st.Action).includes('sagemaker:AddTags'));
    expect(addTags.length).toBeGreaterThanOrEqual(3);
    for (const st of addTags) {
      const condition = st.Condition as Record<string, Record<string, unknown>> | undefined;
      const guarded = condition?.StringEqualsIfExists?.['aws:ResourceTag/sagemaker:project-id'] === ID
        || condition?.StringEquals?.['aws:ResourceTag/sagemaker:project-id'] === ID;
      // The build project tags only the SageMaker pipeline it creates, named after the project.
      expect({ sid: st.Sid, guarded: guarded || st.Sid === 'UpsertAndRunSageMakerPipeline' }).toEqual({ sid: st.Sid, guarded: true });
    }
  });

  test('kms:CreateGrant only for grants AWS services make for their resources', () => {
    const grants = allStatements(template)
      .filter((st) => ([] as string[]).concat(st.Action).includes('kms:CreateGrant'));
    // The SageMaker pipeline role, the two stages' endpoint deploy roles, the two batch schedule
    // roles and the staging test role (their transform jobs' encrypted volumes).
    expect(grants).toHaveLength(6);
    for (const st of grants) {
      expect(st.Action).toBe('kms:CreateGrant');
      expect(st.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    }
  });

  test('service trusts name this account as the source, but for services that do not send it', () => {
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      const [statement] = role.Properties.AssumeRolePolicyDocument.Statement;
      const service = statement.Principal.Service;
      const expected = ['lambda.amazonaws.com', 'cloudformation.amazonaws.com'].includes(service)
        ? undefined
        // A batch schedule role: also its stage's schedule group only.
        : service === 'scheduler.amazonaws.com'
          ? { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': expect.anything() } }
          : { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
      expect({ id, condition: statement.Condition }).toEqual({ id, condition: expected });
    }
  });

  test('no role may delete objects of the data bucket; CodePipeline artifacts live in their own bucket', () => {
    const deletes = allStatements(template)
      .filter((st) => ([] as string[]).concat(st.Action).some((a) => a.startsWith('s3:Delete')))
      .flatMap((st) => ([] as unknown[]).concat(st.Resource).map(flatten));
    expect(deletes.length).toBeGreaterThan(0);
    for (const resource of deletes) expect(resource).toMatch(/^<ProjectArtifactStore(Build)?PipelineArtifacts[0-9A-F]{8}\.Arn>/);
    // Each pipeline its own bucket.
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Name: `${PREFIX}-modeldeploy`,
      ArtifactStore: { Location: { Ref: Match.stringLikeRegexp('^ProjectArtifactStorePipelineArtifacts') }, Type: 'S3' },
    });
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Name: `${PREFIX}-modelbuild`,
      ArtifactStore: { Location: { Ref: Match.stringLikeRegexp('^ProjectArtifactStoreBuildPipelineArtifacts') }, Type: 'S3' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireRunArtifacts', ExpirationInDays: 30 })]) },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
    });
  });

  test('the list above covers every role of the project', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).map((id) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(roles.sort()).toEqual(REVIEWED_ACTIONS.map(([role]) => role).sort());
  });

  test('SageMaker statements are scoped to the project: pipeline, group, jobs, endpoints', () => {
    const sageMakerArns = allStatements(template)
      .flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten))
      .filter((arn) => arn.includes(':sagemaker:'))
      .map((arn) => arn.replace(/^arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:/, ''));
    expect([...new Set(sageMakerArns)].sort()).toEqual([
      'endpoint-config/*',
      `endpoint/${NAME}-prod`,
      `endpoint/${NAME}-staging`,
      `inference-component/${NAME}-prod-model`,
      `inference-component/${NAME}-staging-model`,
      'model-package-group/' + `${NAME}-${ID}`,
      'model-package/' + `${NAME}-${ID}/*`,
      'model/*',
      `pipeline/${NAME}-${ID}`,
      `pipeline/${NAME}-${ID}/execution/*`,
      'processing-job/pipelines-*',
      'training-job/pipelines-*',
      `transform-job/${NAME}-prod-*`,
      `transform-job/${NAME}-staging-*`,
      'transform-job/pipelines-*',
    ]);
  });

});

describe('teardown', () => {
  test('on by default: deletes endpoint stacks and SageMaker pipeline of this project, after nothing it needs', () => {
    const [id, resource] = Object.entries(template.findResources('Custom::SageMakerProjectTeardown'))[0];
    expect(id).toMatch(/^ProjectTeardown/);
    expect(resource.Properties).toEqual({
      ServiceToken: expect.anything(),
      ProjectName: NAME,
      ProjectId: ID,
      StackNames: [`${PREFIX}-deploy-staging`, `${PREFIX}-deploy-prod`],
      // each stage's stack deleted with its own stage's deploy role
      StackRoles: [
        { StackName: `${PREFIX}-deploy-staging`, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelDeployStagingEndpointDeployRole[0-9A-F]{8}$/), 'Arn'] } },
        { StackName: `${PREFIX}-deploy-prod`, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelDeployEndpointDeployRole[0-9A-F]{8}$/), 'Arn'] } },
      ],
      PipelineName: `${NAME}-${ID}`,
      ModelPackageGroupName: `${NAME}-${ID}`,
      RetainData: 'true',
    });
    // Deleted before the roles CloudFormation needs to delete the endpoint stacks (each stage's), and the group.
    expect(resource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ProjectModelDeployEndpointDeployRole[0-9A-F]{8}$/),
      expect.stringMatching(/^ProjectModelDeployEndpointDeployRoleDefaultPolicy/),
      expect.stringMatching(/^ProjectModelDeployStagingEndpointDeployRole[0-9A-F]{8}$/),
      expect.stringMatching(/^ProjectModelDeployStagingEndpointDeployRoleDefaultPolicy/),
      expect.stringMatching(/^ProjectModelPackageGroup/),
    ]));
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent', Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x' });
    // Pipelines and the approval rule are deleted before the teardown runs.
    for (const [logicalId, r] of Object.entries({
      ...template.findResources('AWS::CodePipeline::Pipeline'),
      ...template.findResources('AWS::Events::Rule', { Properties: { Name: `${PREFIX}-model` } }),
    })) {
      expect({ logicalId, dependsOn: r.DependsOn }).toEqual({ logicalId, dependsOn: expect.arrayContaining([id]) });
    }
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  test('teardown=false creates no teardown', () => {
    const template = projectTemplate({ projectId: ID, teardown: false });
    template.resourceCountIs('Custom::SageMakerProjectTeardown', 0);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
  });
});

describe('SageMakerProject, retainData=false', () => {
  const template = projectTemplate({ projectId: ID, retainData: false });

  test('retainData=false lets the teardown empty the model registry, and only the project\'s group', () => {
    const statements = statementsOf(template, 'ProjectTeardownHandlerRole');
    const registry = statements.find((s) => s.Sid === 'EmptyModelRegistry');
    expect(([] as string[]).concat(registry!.Action).sort()).toEqual(
      ['sagemaker:DeleteModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListTags']);
    expect(JSON.stringify(registry!.Resource)).toContain(`:model-package/${NAME}-${ID}/*`);
    template.hasResourceProperties('Custom::SageMakerProjectTeardown', { RetainData: 'false' });
  });

  test('retainData=false deletes key, buckets (emptied first), group and repositories with the project', () => {
    for (const type of ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::SageMaker::ModelPackageGroup', 'AWS::CodeCommit::Repository']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect({ type, policy: resource.DeletionPolicy }).toEqual({ type, policy: 'Delete' });
      }
    }
    // Data, access logs, and each pipeline's artifact bucket.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });
});

describe('SageMakerProject, configured', () => {
  // Settings that change names, tags and policies but not the set of resources: one synthesis.
  const template = projectTemplate({
    projectName: 'Churn', projectId: 'p-abcdef123456', branch: 'develop', tags: { 'cost-center': 'ml-42' },
    logRetentionDays: '90', permissionsBoundary: 'ProjectBoundary',
  });

  test('every log group the project creates is encrypted with the project key and kept logRetentionDays', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // start-deploy, teardown onEvent + isComplete, provider + waiter, five CodeBuild projects (build, images, deploy, verify-release, test)
    expect(groups).toHaveLength(10);
    for (const group of groups) {
      expect(group.Properties).toMatchObject({
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectArtifactStoreKey/), 'Arn'] },
        RetentionInDays: 90,
      });
    }
    // CodeBuild writes to them, not to log groups it would create unencrypted.
    for (const project of Object.values(template.findResources('AWS::CodeBuild::Project'))) {
      expect(project.Properties.LogsConfig.CloudWatchLogs).toMatchObject({ Status: 'ENABLED', GroupName: { Ref: expect.stringMatching(/Logs/) } });
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'ProjectLogGroups',
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
      })]) },
    });
  });

  test('name, id, branch and tags flow into names, triggers and tags', () => {
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: 'Churn-p-abcdef123456' });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'sagemaker-project-p-abcdef123456' });
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'sagemaker-Churn-p-abcdef123456-build',
      EventPattern: Match.objectLike({ detail: Match.objectLike({ referenceName: ['develop'] }) }),
    });
    template.hasResourceProperties('AWS::CodeCommit::Repository', { Code: Match.objectLike({ BranchName: 'develop' }) });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([{ Name: 'PROJECT_TAGS', Type: 'PLAINTEXT', Value: '{"cost-center":"ml-42"}' }]),
      }),
    });
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      Tags: Match.arrayWith([{ Key: 'cost-center', Value: 'ml-42' }]),
    });
    // SageMaker ARNs are lower-case; IAM matches case-sensitively.
    expect(JSON.stringify(template.toJSON())).toContain(':pipeline/churn-p-abcdef123456');
  });

  test('permissionsBoundary applies to every role', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(5);
    for (const role of roles) {
      expect(JSON.stringify(role.Properties.PermissionsBoundary)).toContain(':policy/ProjectBoundary');
    }
  });
});
