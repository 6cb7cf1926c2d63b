import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { rolesOfAccount } from '../contract/accounts';
import { accessLogsBucket } from '../private/access-logs-bucket';
import { dataBucket } from '../private/data-bucket';
import { denyGrantsExceptForAwsResources } from '../private/iam';

/** Properties of an {@link ArtifactStore}. */
export interface ArtifactStoreProps {
  /** Name of the artifact bucket (`sagemaker-project-<id>`). */
  readonly bucketName: string;
  /** Name of the bucket receiving the artifact bucket's server access logs. */
  readonly accessLogsBucketName: string;
  /**
   * Whether bucket, key and logs survive deletion of the project.
   * When false, deleting the project empties and deletes both buckets and schedules the key's deletion.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * Bring your own KMS key for the project.
   * @default - a new customer-managed key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Name of the deploy CodePipeline's artifact bucket (multi-account: target accounts' roles are granted it by name).
   * @default - a name CloudFormation generates
   */
  readonly pipelineArtifactsBucketName?: string;
  /**
   * Name of the build CodePipeline's artifact bucket.
   * @default - a name CloudFormation generates
   */
  readonly buildPipelineArtifactsBucketName?: string;
}

/**
 * The project's data home: a customer-managed KMS key, the data bucket (the SageMaker pipeline's
 * data and models, endpoint data capture) and one artifact bucket per CodePipeline.
 *
 * Every bucket is KMS-encrypted with bucket keys, versioned, private, TLS-only and logs its
 * accesses to one more bucket (server access logs cannot be delivered to a KMS-encrypted bucket,
 * so that one uses S3-managed encryption).
 */
export class ArtifactStore extends Construct {
  /** The project's KMS key. */
  public readonly key: kms.IKey;
  /** The artifact bucket. */
  public readonly bucket: s3.IBucket;
  /** The server access log bucket. */
  public readonly accessLogsBucket: s3.IBucket;
  /**
   * The deploy CodePipeline's artifact bucket: source and build outputs of its runs, which expire.
   * Kept apart from the data bucket so that the pipelines' roles (and through them every build)
   * cannot delete data.
   */
  public readonly pipelineArtifactsBucket: s3.IBucket;
  /**
   * The build CodePipeline's artifact bucket, kept apart from the deploy pipeline's: code of one
   * repository cannot reach the other pipeline's artifacts through a shared bucket.
   */
  public readonly buildPipelineArtifactsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    const retain = props.retainData ?? true;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `SageMaker project ${props.bucketName}: artifacts, models, data capture`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });

    // CloudWatch Logs encrypts the project's log groups with the key, for this account's log groups only.
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ProjectLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));

    denyGrantsExceptForAwsResources(this.key);

    const logs = accessLogsBucket(this, 'AccessLogs', {
      bucketName: props.accessLogsBucketName,
      removalPolicy,
      autoDeleteObjects: !retain,
    });
    this.accessLogsBucket = logs;

    const bucket = dataBucket(this, 'Bucket', { bucketName: props.bucketName, key: this.key, accessLogs: logs, accessLogsPrefix: 'artifacts/', retain });
    this.bucket = bucket;

    const runArtifacts = (id: string, bucketName: string | undefined, logPrefix: string) => new s3.Bucket(this, id, {
      bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: logPrefix,
      versioned: true,
      lifecycleRules: [
        // A run's artifacts matter while it runs; a month covers retries and investigations.
        { id: 'ExpireRunArtifacts', expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Like the data: kept (and expiring) unless the project deletes its data.
      removalPolicy,
      autoDeleteObjects: !retain,
    });
    this.pipelineArtifactsBucket = runArtifacts('PipelineArtifacts', props.pipelineArtifactsBucketName, 'pipeline-artifacts/');
    this.buildPipelineArtifactsBucket = runArtifacts('BuildPipelineArtifacts', props.buildPipelineArtifactsBucketName, 'build-pipeline-artifacts/');

    // A retained bucket keeps its policy (TLS only, version protection); without it, it would
    // stay behind unprotected.
    for (const b of [bucket, logs, this.pipelineArtifactsBucket, this.buildPipelineArtifactsBucket]) b.policy?.applyRemovalPolicy(removalPolicy);
  }

  /**
   * Lets roles of another account read the data bucket's objects under a prefix, and decrypt them
   * with the project key through S3 only. The account principal with an `aws:PrincipalArn`
   * condition names the roles before they exist (S3 and KMS reject policies naming missing roles).
   */
  public grantReadToRolesOf(account: string, roleArns: readonly string[], prefix: string): void {
    const principal = rolesOfAccount(account, roleArns);
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: `ReadFrom${account}`,
      principals: [principal],
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: `DecryptThroughS3For${account}`,
      principals: [principal],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }
}
