import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DeploymentAccounts, rolesOfAccount, targetAccounts, targetRoleArn } from '../contract/accounts';
import { ProjectNames } from '../contract/names';
import { ECR_PULL_ACTIONS, SAGEMAKER_SERVICE } from '../private/iam';

/**
 * Prefix of the tag the build's run action adds to the images of a successful SageMaker pipeline
 * execution (`_kept-<name>-<sha256>`). It starts with `_`, which no image folder name (and so no
 * content tag `<name>-<sha256>`) can, so only that marking step carries it.
 */
export const KEPT_TAG_PREFIX = '_kept-';
/** Days after its push an image no successful execution used (no {@link KEPT_TAG_PREFIX} tag) expires. */
export const UNKEPT_IMAGE_DAYS = 90;
/**
 * How many kept images the lifecycle retains: the one count rule that protects them. Kept images
 * beyond it (the oldest first) would expire; ECR's default quota of images per repository is smaller.
 */
export const KEPT_IMAGE_COUNT = 9999;


/** Properties of {@link ImageRepository}. */
export interface ImageRepositoryProps {
  /** The project's naming contract (`imageRepositoryName`). */
  readonly names: ProjectNames;
  /** The project key: encrypts the images. */
  readonly key: kms.IKey;
  /** Whether the repository and its images survive deletion of the project (`retainData`). */
  readonly retainData: boolean;
  /**
   * Multi-account: the stages' target accounts, whose model roles pull the images of the packages
   * they deploy.
   * @default - single account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
}

/**
 * The project's own container images (`containers/<name>/` of the build repository): an ECR
 * repository encrypted with the project key, with immutable tags (an image tag, once pushed,
 * always names the same image) and scan on push.
 *
 * Lifecycle: ECR cannot see the model registry, so the build marks what to keep. The image build
 * pushes content tags (`<name>-<sha256>`); after a SageMaker pipeline execution succeeds (which
 * for the seed pipelines is when it registered a model version), the run action adds a
 * `_kept-<name>-<sha256>` tag to the images it used. Rule 1 matches the kept images and expires
 * none while there are fewer than {@link KEPT_IMAGE_COUNT}; an image matched by a rule cannot be
 * expired by a later rule. Rule 2 expires untagged images after a day (images lose their tags only
 * when someone deletes them); rule 3 expires any other image {@link UNKEPT_IMAGE_DAYS} days after
 * its push (built, but never used by a successful execution). So no image a registered version
 * names by digest expires; a registered version whose execution did not succeed has no model to deploy.
 */
export class ImageRepository extends Construct {
  /** The repository. */
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const retain = props.retainData;
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.names.imageRepositoryName,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: props.key,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      // retainData=false: CloudFormation deletes the images with the repository (EmptyOnDelete).
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      emptyOnDelete: !retain,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: `Keep the images of successful pipeline executions (tag ${KEPT_TAG_PREFIX}...)`,
          tagStatus: ecr.TagStatus.TAGGED,
          tagPrefixList: [KEPT_TAG_PREFIX],
          maxImageCount: KEPT_IMAGE_COUNT,
        },
        {
          rulePriority: 2,
          description: 'Expire images whose tags were deleted',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(1),
        },
        {
          rulePriority: 3,
          description: `Expire images no successful execution used, ${UNKEPT_IMAGE_DAYS} days after their push`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageAge: Duration.days(UNKEPT_IMAGE_DAYS),
        },
      ],
    });

    // SageMaker pulls with the jobs' and models' execution roles; the service itself only from this account.
    this.repository.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'SageMakerPull',
      principals: [new iam.ServicePrincipal(SAGEMAKER_SERVICE)],
      actions: ECR_PULL_ACTIONS,
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    for (const { account, stages } of targetAccounts(props.deploymentAccounts)) {
      this.repository.addToResourcePolicy(new iam.PolicyStatement({
        sid: `ModelRolesPullFrom${account}`,
        principals: [rolesOfAccount(account, stages.map((stage) => targetRoleArn(props.names, account, stage, 'model')))],
        actions: ECR_PULL_ACTIONS,
      }));
    }
  }

  /** Lets `grantee` pull the images (identity policy; same account). */
  public grantPull(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ECR_PULL_ACTIONS, resourceArns: [this.repository.repositoryArn] });
  }
}
