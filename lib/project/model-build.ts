import { Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from './pipeline-props';
import { projectLogGroup } from '../private/log-settings';
import { commitTriggeredPipeline, scopedCodeBuildAction } from './commit-triggered-pipeline';
import { grantCreateGrantForAwsResources, grantPassRole, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from '../private/iam';

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

    this.pipeline = commitTriggeredPipeline(this, props, {
      pipelineName: names.modelBuildName,
      sourceActionName: 'ModelBuildCode',
      ruleName: names.buildRuleName,
      // Documentation-only commits do not run the SageMaker pipeline (where the provider filters paths).
      ignoredPaths: ['**/*.md', 'docs/**'],
      stages: (source) => [
        {
          stageName: 'Build',
          actions: [scopedCodeBuildAction(props.pipelineArtifactsBucket, {
            actionName: 'BuildAndExecuteSageMakerPipeline',
            project,
            input: source,
          })],
        },
      ],
    });
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
