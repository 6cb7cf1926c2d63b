import { Duration, Stack, Validations } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from './pipeline-props';
import { projectLogGroup } from '../private/log-settings';
import { commitTriggeredPipeline, scopedCodeBuildAction } from './commit-triggered-pipeline';
import { dlcRegistryAccounts } from '../private/dlc-registries';
import { ImageRepository, KEPT_TAG_PREFIX } from './image-repository';
import { ECR_PULL_ACTIONS, grantCreateGrantForAwsResources, grantPassRole, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';

/** The approval statuses a package may be registered with when the project does not approve automatically. */
export const UNAPPROVED_STATUSES = ['PendingManualApproval', 'Rejected'];

/** Properties of {@link ModelBuild}. */
export interface ModelBuildProps extends ProjectPipelineProps {
  /**
   * Maximum duration of one build, including the wait for the SageMaker pipeline.
   * @default Duration.hours(8)
   */
  readonly buildTimeout?: Duration;
  /**
   * Extra S3 locations (`bucket` or `bucket/prefix`) the SageMaker pipeline may read.
   * @default - none
   */
  readonly dataLocations?: readonly string[];
  /**
   * Whether the pipeline may register packages as `Approved` (`autoApproveModels`). Off, its role
   * may register them only as `PendingManualApproval` or `Rejected`.
   * @default false
   */
  readonly autoApproveModels?: boolean;
  /**
   * The project's image repository: a privileged CodeBuild action before the run action builds and
   * pushes the build repository's `containers/<name>/` images to it, and the SageMaker pipeline's
   * jobs may pull them.
   * @default - no image build: the pipelines run SageMaker's own images only
   */
  readonly imageRepository?: ImageRepository;
}

/** Name of the image build's output artifact: the run action finds it in `$CODEBUILD_SRC_DIR_<name>`. */
export const IMAGES_ARTIFACT = 'Images';


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
  /** The privileged CodeBuild project that builds and pushes the project's images, when there is a repository. */
  public readonly imageProject?: codebuild.Project;

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
    grantCreateGrantForAwsResources(executionRole, key);
    // SageMaker Pipelines names the jobs it starts `pipelines-<execution>-<step>-<hash>`, the same
    // in every project: the project-id tag, which every job step of the seed passes in its
    // request (SageMaker does not document that Pipelines propagates the pipeline's own tags), is
    // what keeps one project's role off another project's jobs.
    const jobs = [
      sageMakerArn(this, 'processing-job', 'pipelines-*'),
      sageMakerArn(this, 'training-job', 'pipelines-*'),
      sageMakerArn(this, 'transform-job', 'pipelines-*'),
    ];
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'StartProjectJobs',
      actions: ['sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateTransformJob'],
      resources: jobs,
      conditions: { StringEquals: { 'aws:RequestTag/sagemaker:project-id': names.projectId } },
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagProjectJobsOnCreation',
      // Tag-on-create: the request carries this project's id, and no existing job of another
      // project can be re-tagged into this one.
      actions: ['sagemaker:AddTags'],
      resources: jobs,
      conditions: {
        StringEquals: { 'aws:RequestTag/sagemaker:project-id': names.projectId },
        StringEqualsIfExists: { 'aws:ResourceTag/sagemaker:project-id': names.projectId },
      },
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WatchProjectJobs',
      actions: [
        'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
        'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob',
        'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob',
      ],
      resources: jobs,
      conditions: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
    }));
    const packages = [
      sageMakerArn(this, 'model-package-group', names.pipelineNameInArn),
      sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`),
    ];
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RegisterModels',
      // Unless the project approves automatically, a package can be registered only awaiting
      // review (or rejected): `sagemaker:ModelApprovalStatus` is the request's status (absent:
      // SageMaker's default, PendingManualApproval). start-deploy and the deploy build still
      // refuse a package approved by this role (second line).
      actions: ['sagemaker:CreateModelPackage'],
      resources: packages,
      ...(props.autoApproveModels ? {} : {
        conditions: { StringEqualsIfExists: { 'sagemaker:ModelApprovalStatus': UNAPPROVED_STATUSES } },
      }),
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackageGroup',
      actions: ['sagemaker:DescribeModelPackageGroup'],
      resources: packages,
    }));
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagModelPackages',
      actions: ['sagemaker:AddTags'],
      resources: packages,
      conditions: { StringEqualsIfExists: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } },
    }));
    // The pipelines' default inputs: the public sample data of SageMaker (abalone in the seed-code
    // bucket of the region, churn in the sample-files bucket), then the configured locations.
    const locations = [
      `sagemaker-servicecatalog-seedcode-${region}/dataset`,
      'sagemaker-sample-files/datasets/tabular/synthetic',
      ...(props.dataLocations ?? []),
    ];
    locations.forEach((location, i) => grantReadLocation(executionRole, this, location, i < 2 ? `ReadSampleData${i}` : `ReadDataLocation${i - 2}`));
    grantSageMakerLogging(executionRole, this, ['ProcessingJobs', 'TrainingJobs', 'TransformJobs'].map((kind) => ({
      group: `/aws/sagemaker/${kind}`,
      streamPrefix: 'pipelines-',
    })));
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
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'ProjectLogs', props.logs) } },
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
        ...(props.imageRepository ? {
          IMAGE_REPOSITORY_URI: { value: props.imageRepository.repository.repositoryUri },
          IMAGE_KEEP_TAG_PREFIX: { value: KEPT_TAG_PREFIX },
        } : {}),
      },
    });
    // run-pipeline reads and writes only where it uploads: content-addressed scripts and large
    // definitions (it checks whether a script is there before uploading it).
    bucket.grantRead(project, `${names.pipelineName}/code/*`);
    bucket.grantPut(project, `${names.pipelineName}/code/*`);
    bucket.grantPut(project, `${names.pipelineName}/definitions/*`);
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'UpsertAndRunSageMakerPipeline',
      actions: [
        'sagemaker:CreatePipeline', 'sagemaker:UpdatePipeline', 'sagemaker:DescribePipeline',
        'sagemaker:StartPipelineExecution', 'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps', 'sagemaker:StopPipelineExecution',
        'sagemaker:AddTags', 'sagemaker:ListTags',
        // The buildspec prints `run-pipeline --plan` first: it compares with the last successful execution.
        'sagemaker:ListPipelineExecutions', 'sagemaker:ListPipelineParametersForExecution',
      ],
      resources: [
        sageMakerArn(this, 'pipeline', names.pipelineNameInArn),
        sageMakerArn(this, 'pipeline', `${names.pipelineNameInArn}/execution/*`),
      ],
    }));
    grantPassRole(project, executionRole, SAGEMAKER_SERVICE);
    this.project = project;

    const images = props.imageRepository;
    const imagesArtifact = new codepipeline.Artifact(IMAGES_ARTIFACT);
    if (images) {
      // The jobs pull the project's images; the run action marks those of a successful execution
      // as kept (a new tag on an existing manifest: the lifecycle never expires them).
      images.grantPull(executionRole);
      project.addToRolePolicy(new iam.PolicyStatement({
        sid: 'KeepImagesOfSuccessfulRuns',
        actions: ['ecr:BatchGetImage', 'ecr:PutImage'],
        resources: [images.repository.repositoryArn],
      }));
      this.imageProject = this.imageBuildProject(props, images);
    }

    this.pipeline = commitTriggeredPipeline(this, props, {
      pipelineName: names.modelBuildName,
      sourceActionName: 'ModelBuildCode',
      ruleName: names.buildRuleName,
      // Documentation-only commits do not run the SageMaker pipeline (where the provider filters paths).
      ignoredPaths: ['**/*.md', 'docs/**'],
      stages: (source) => [
        {
          stageName: 'Build',
          actions: [
            ...(this.imageProject ? [scopedCodeBuildAction(props.pipelineArtifactsBucket, {
              actionName: 'BuildImages',
              project: this.imageProject,
              input: source,
              outputs: [imagesArtifact],
              runOrder: 1,
            })] : []),
            scopedCodeBuildAction(props.pipelineArtifactsBucket, {
              actionName: 'BuildAndExecuteSageMakerPipeline',
              project,
              input: source,
              ...(this.imageProject ? { extraInputs: [imagesArtifact], runOrder: 2 } : {}),
            }),
          ],
        },
      ],
    });
  }

  /**
   * The image build: the only privileged CodeBuild project of the project (Docker needs it), running
   * the build repository's own `buildspec-images.yml`. It may push to this project's repository
   * only, and pull base images from SageMaker's deep learning container registries.
   */
  private imageBuildProject(props: ModelBuildProps, images: ImageRepository): codebuild.PipelineProject {
    const { names, key } = props;
    const stack = Stack.of(this);
    const imageProject = new codebuild.PipelineProject(this, 'ImageProject', {
      projectName: names.imageBuildName,
      description: `Builds and pushes the container images of ${names.pipelineName} (containers/<name>/)`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec-images.yml'),
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        // Deep learning base images are several GB: the medium type's disk and network.
        computeType: codebuild.ComputeType.MEDIUM,
        privileged: true,
      },
      encryptionKey: key,
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'ImageProjectLogs', props.logs) } },
      timeout: Duration.hours(2),
      environmentVariables: {
        IMAGE_REPOSITORY_URI: { value: images.repository.repositoryUri },
      },
    });
    imageProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'PushProjectImages',
      actions: [
        ...ECR_PULL_ACTIONS, 'ecr:DescribeImages',
        'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
      ],
      resources: [images.repository.repositoryArn],
    }));
    imageProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'LogInToRegistries',
      // GetAuthorizationToken has no resource type in IAM: it can only be granted on '*'. The token
      // carries the role's own rights, nothing more.
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }));
    imageProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'PullDeepLearningContainerBaseImages',
      actions: ECR_PULL_ACTIONS,
      resources: dlcRegistryAccounts().map((account) => stack.formatArn({ service: 'ecr', account, resource: 'repository', resourceName: '*' })),
    }));
    Validations.of(imageProject).acknowledge({
      id: 'AwsSolutions-CB3',
      reason: 'Docker builds the project\'s container images (containers/<name>/ of the build repository) and needs privileged mode; '
        + 'this project only builds and pushes images to the project\'s repository and holds no other rights (the SageMaker pipeline runs in a separate, unprivileged project)',
    });
    return imageProject;
  }
}

/** Read-only access to `bucket` or `bucket/prefix`: objects under it, and listing only there. */
function grantReadLocation(role: iam.IRole, scope: Construct, location: string, sid: string): void {
  const partition = Stack.of(scope).partition;
  const [bucket, ...rest] = location.split('/');
  const prefix = rest.join('/');
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sid}Objects`,
    actions: ['s3:GetObject'],
    resources: [`arn:${partition}:s3:::${bucket}/${prefix ? `${prefix}/` : ''}*`],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sid}List`,
    actions: ['s3:ListBucket'],
    resources: [`arn:${partition}:s3:::${bucket}`],
    conditions: prefix ? { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } : undefined,
  }));
}
