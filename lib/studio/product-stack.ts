import { CfnParameter } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { defineStudioProjectTemplate, studioTemplateDescription } from './project-template';
import { ConnectionTemplateConstraints, ProjectOptions } from '../contract/options';
import { SageMakerProject } from '../project/sagemaker-project';
import type { DeploymentAccounts } from '../contract/accounts';

/** Encryption of the product's assets: SSE-S3, which Lambda and CodeCommit read without KMS grants. */
export const PRODUCT_ASSET_ENCRYPTION = s3deploy.ServerSideEncryption.AES_256;

/** Properties of {@link SageMakerProjectProductStack}: the project's settings but its name and id. */
export interface SageMakerProjectProductStackProps {
  /**
   * The project's settings, baked into the product template and forwarded whole.
   * @default - the defaults of every setting
   */
  readonly project?: ProjectOptions;
  /** Bucket the product's assets (seed code, Lambda code) are copied to. */
  readonly assetBucket: s3.IBucket;
  /**
   * Permissions boundary applied to every role of the product: a policy, or its name (in the
   * account the product is launched in) or ARN. The launch role creates roles only with the
   * boundary it is given, so a product without one cannot be launched with it.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy | string;
  /** What Studio users of a connection product may choose. @default - any connection and repository */
  readonly connectionConstraints?: ConnectionTemplateConstraints;
  /** Multi-account deployment, fixed when the product is published. @default - single-account */
  readonly deploymentAccounts?: DeploymentAccounts;
}

/**
 * The template of the Service Catalog product: one SageMaker project whose name and id are the
 * CloudFormation parameters SageMaker Studio passes, `SageMakerProjectName` and `SageMakerProjectId`.
 *
 * The same {@link SageMakerProject} construct as the `cdk deploy` path, and the same template body
 * as the S3-hosted template (`StudioTemplateStack`); the parameters' own constraints (pattern,
 * length) validate what the construct cannot check at synth time.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-custom.html
 */
export class SageMakerProjectProductStack extends servicecatalog.ProductStack {
  /** The project. */
  public readonly project: SageMakerProject;
  /** The `SageMakerProjectName` parameter. */
  public readonly projectNameParameter: CfnParameter;
  /** The `SageMakerProjectId` parameter. */
  public readonly projectIdParameter: CfnParameter;

  constructor(scope: Construct, id: string, props: SageMakerProjectProductStackProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      // Must match the asset bucket's default encryption (SSE-S3, which Lambda and CodeCommit read without KMS grants).
      serverSideEncryption: PRODUCT_ASSET_ENCRYPTION,
      description: studioTemplateDescription(props.project),
    });
    const template = defineStudioProjectTemplate(this, {
      project: props.project, permissionsBoundary: props.permissionsBoundary, connectionConstraints: props.connectionConstraints,
      deploymentAccounts: props.deploymentAccounts,
    });
    this.project = template.project;
    this.projectNameParameter = template.projectNameParameter;
    this.projectIdParameter = template.projectIdParameter;
  }
}
