import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Options of {@link dataBucket}. */
export interface DataBucketOptions {
  /** @default - a name CloudFormation generates */
  readonly bucketName?: string;
  /** The KMS key of the objects (with an S3 bucket key). */
  readonly key: kms.IKey;
  /** Bucket its server access logs go to, under {@link accessLogsPrefix}. */
  readonly accessLogs: s3.IBucket;
  readonly accessLogsPrefix: string;
  /** Whether the bucket (and its policy) survive deletion, and no object version can be deleted. */
  readonly retain: boolean;
  /**
   * What CloudFormation does with the bucket when its stack goes; a destroyed bucket is emptied
   * first (a custom resource, whose function is an asset).
   * @default - RETAIN if `retain`, else DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A bucket of the project's data (the project bucket, a target account's data capture): KMS,
 * private, TLS-only, versioned with old versions expiring after 90 days, access-logged. Retained,
 * it keeps its policy on deletion and denies `s3:DeleteObjectVersion` to everyone, so only its
 * lifecycle rule (S3 itself, which no bucket policy stops) removes old versions; otherwise it is
 * emptied and deleted with its stack.
 */
export function dataBucket(scope: Construct, id: string, options: DataBucketOptions): s3.Bucket {
  const removalPolicy = options.removalPolicy ?? (options.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
  const bucket = new s3.Bucket(scope, id, {
    bucketName: options.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: options.accessLogs,
    serverAccessLogsPrefix: options.accessLogsPrefix,
    lifecycleRules: [
      // Versioning protects against overwrites; old versions need not live forever.
      { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(90) },
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ],
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  });
  if (options.retain) {
    // Versioning keeps what a build overwrites or deletes; only the lifecycle rule above removes
    // old versions: nobody, whatever their IAM rights, deletes a version. (Versioning and
    // lifecycle settings stay the stack's to change.)
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'KeepDataVersions',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:DeleteObjectVersion'],
      resources: [bucket.arnForObjects('*')],
    }));
  }
  return bucket;
}
