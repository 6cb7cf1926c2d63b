import { Token } from 'aws-cdk-lib';

/** Stages the deploy pipeline deploys to, in order. */
export const DEPLOYMENT_STAGES = ['staging', 'prod'] as const;
/** A deployment stage. */
export type DeploymentStage = (typeof DEPLOYMENT_STAGES)[number];

/**
 * The naming contract of a SageMaker project: the names SageMaker Studio and users' scripts
 * rely on, composed from project name and id. Works with resolved strings and with tokens
 * (CloudFormation parameters, when the project is a Service Catalog product).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-sm.html
 */
export class ProjectNames {
  /** SageMaker pipeline name = model package group name = job name prefix: `<name>-<id>`. */
  public readonly pipelineName: string;
  /** Model package group `<name>-<id>`. */
  public readonly modelPackageGroupName: string;
  /** Artifact bucket `sagemaker-project-<id>`. */
  public readonly artifactBucketName: string;
  /** Server access log bucket for the artifact bucket. */
  public readonly accessLogsBucketName: string;
  /** CodeCommit repository, CodeBuild project and CodePipeline of model building. */
  public readonly modelBuildName: string;
  /** CodeCommit repository, CodeBuild project and CodePipeline of model deployment. */
  public readonly modelDeployName: string;
  /** CodeBuild project that tests the staging endpoint. */
  public readonly testingName: string;
  /** EventBridge rule: commit to the build repository. */
  public readonly buildRuleName: string;
  /** EventBridge rule: commit to the deploy repository. */
  public readonly codeRuleName: string;
  /** EventBridge rule: model package approval state change. */
  public readonly modelRuleName: string;

  constructor(public readonly projectName: string, public readonly projectId: string) {
    const prefix = `sagemaker-${projectName}-${projectId}`;
    this.pipelineName = `${projectName}-${projectId}`;
    this.modelPackageGroupName = this.pipelineName;
    this.artifactBucketName = `sagemaker-project-${projectId}`;
    this.accessLogsBucketName = `sagemaker-project-${projectId}-access-logs`;
    this.modelBuildName = `${prefix}-modelbuild`;
    this.modelDeployName = `${prefix}-modeldeploy`;
    this.testingName = `${prefix}-testing`;
    this.buildRuleName = `${prefix}-build`;
    this.codeRuleName = `${prefix}-code`;
    this.modelRuleName = `${prefix}-model`;
  }

  /** CloudFormation stack of an endpoint stage: `sagemaker-<name>-<id>-deploy-<stage>`. */
  public deployStackName(stage: DeploymentStage): string {
    return `sagemaker-${this.projectName}-${this.projectId}-deploy-${stage}`;
  }

  /** Endpoint of a stage: `<name>-<stage>`. */
  public endpointName(stage: DeploymentStage): string {
    return `${this.projectName}-${stage}`;
  }

  /**
   * The `<name>-<id>` part of SageMaker resource ARNs, for IAM resource patterns.
   *
   * SageMaker lower-cases resource names in ARNs, while project names may hold capitals; IAM
   * matches ARNs case-sensitively. With a resolved name we lower-case it; with a token (a
   * CloudFormation parameter, which has no lower-case function) we match `*-<id>`: project ids
   * are lower-case and unique per account, so the scope stays this project.
   */
  public get pipelineNameInArn(): string {
    if (Token.isUnresolved(this.projectName)) return `*-${this.projectId}`;
    return `${this.projectName.toLowerCase()}-${this.projectId}`;
  }

  /** Endpoint name of a stage as it appears in ARNs (see `pipelineNameInArn`). */
  public endpointNameInArn(stage: DeploymentStage): string {
    if (Token.isUnresolved(this.projectName)) return `*-${stage}`;
    return `${this.projectName.toLowerCase()}-${stage}`;
  }
}
