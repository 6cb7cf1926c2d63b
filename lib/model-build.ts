import { Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from './project-pipeline-props';
import { commitTriggeredPipeline } from './private/commit-triggered-pipeline';
import { grantPassRole, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from './private/iam';

/** Properties of {@link ModelBuild}. */
export interface ModelBuildProps extends ProjectPipelineProps {
  /**
   * Maximum duration of one build, including the wait for the SageMaker pipeline.
   * @default Duration.hours(8)
   */
  readonly buildTimeout?: Duration;
}

/**
 * Model building: on every commit to the build repository, CodePipeline runs a CodeBuild
 * project that upserts and runs the SageMaker pipeline `<name>-<id>` defined in that repository.
 *
 * Owns the SageMaker pipeline execution role: the role the pipeline's processing and training
 * jobs run as, limited to this project's bucket, key, jobs and model package group.
 */
export class ModelBuild extends Construct {
  /** Role of the SageMaker pipeline and of the jobs it starts. */
  public readonly pipelineExecutionRole: iam.IRole;
  /** The CodeBuild project that runs the SageMaker pipeline. */
  public readonly project: codebuild.IProject;
  /** The build CodePipeline. */
  public readonly pipeline: codepipeline.Pipeline;

  constructor(scope: Construct, id: string, props: ModelBuildProps) {
    super(scope, id);
    const { names, bucket, key } = props;
    const region = Stack.of(this).region;

    const executionRole = new iam.Role(this, 'SageMakerPipelineRole', {
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `SageMaker pipeline ${names.pipelineName} and its jobs`,
    });
    // Input data may sit anywhere in the project's bucket; outputs (datasets, models, reports)
    // go under the pipeline's own prefix.
    bucket.grantRead(executionRole);
    bucket.grantPut(executionRole, `${names.pipelineName}/*`);
    key.grant(executionRole, 'kms:DescribeKey', 'kms:CreateGrant');
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PipelineJobs',
      actions: [
        'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
        'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob',
        'sagemaker:AddTags',
      ],
      // SageMaker Pipelines names the jobs it starts `pipelines-<execution>-<step>-<hash>`.
      resources: [
        sageMakerArn(this, 'processing-job', 'pipelines-*'),
        sageMakerArn(this, 'training-job', 'pipelines-*'),
      ],
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RegisterModels',
      actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:AddTags'],
      resources: [
        sageMakerArn(this, 'model-package-group', names.pipelineNameInArn),
        sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`),
      ],
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadSampleDataset',
      // The demo's InputDataUrl default: SageMaker's public seed-code bucket of the region.
      actions: ['s3:GetObject', 's3:ListBucket'],
      resources: [
        `arn:${Stack.of(this).partition}:s3:::sagemaker-servicecatalog-seedcode-${region}`,
        `arn:${Stack.of(this).partition}:s3:::sagemaker-servicecatalog-seedcode-${region}/dataset/*`,
      ],
    }));
    grantSageMakerLogging(executionRole, this, ['/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/TrainingJobs']);
    // Jobs started by the pipeline run as this same role.
    grantPassRole(executionRole, executionRole, SAGEMAKER_SERVICE);
    this.pipelineExecutionRole = executionRole;

    const project = new codebuild.PipelineProject(this, 'Project', {
      projectName: names.modelBuildName,
      description: `Builds and runs the SageMaker pipeline ${names.pipelineName}`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      encryptionKey: key,
      timeout: props.buildTimeout ?? Duration.hours(8),
      environmentVariables: {
        SAGEMAKER_PROJECT_NAME: { value: names.projectName },
        SAGEMAKER_PROJECT_ID: { value: names.projectId },
        SAGEMAKER_PIPELINE_NAME: { value: names.pipelineName },
        MODEL_PACKAGE_GROUP_NAME: { value: names.modelPackageGroupName },
        ARTIFACT_BUCKET: { value: bucket.bucketName },
        SAGEMAKER_PIPELINE_ROLE_ARN: { value: executionRole.roleArn },
        KMS_KEY_ARN: { value: key.keyArn },
        PROJECT_TAGS: { value: JSON.stringify(props.projectTags) },
      },
    });
    // Reading the bucket and using the key come with the pipeline's CodeBuild action; writing
    // only where run-pipeline uploads: content-addressed scripts and large definitions.
    bucket.grantPut(project, `${names.pipelineName}/code/*`);
    bucket.grantPut(project, `${names.pipelineName}/definitions/*`);
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'UpsertAndRunSageMakerPipeline',
      actions: [
        'sagemaker:CreatePipeline', 'sagemaker:UpdatePipeline', 'sagemaker:DescribePipeline',
        'sagemaker:StartPipelineExecution', 'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps', 'sagemaker:StopPipelineExecution',
        'sagemaker:AddTags', 'sagemaker:ListTags',
      ],
      resources: [
        sageMakerArn(this, 'pipeline', names.pipelineNameInArn),
        sageMakerArn(this, 'pipeline', `${names.pipelineNameInArn}/execution/*`),
      ],
    }));
    grantPassRole(project, executionRole, SAGEMAKER_SERVICE);
    this.project = project;

    this.pipeline = commitTriggeredPipeline(this, props, {
      pipelineName: names.modelBuildName,
      sourceActionName: 'ModelBuildCode',
      ruleName: names.buildRuleName,
      stages: (source) => [
        {
          stageName: 'Build',
          actions: [new actions.CodeBuildAction({
            actionName: 'BuildAndExecuteSageMakerPipeline',
            project,
            input: source,
          })],
        },
      ],
    });
  }
}
