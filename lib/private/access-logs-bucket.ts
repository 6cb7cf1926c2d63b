import { Duration, FeatureFlags, RemovalPolicy } from 'aws-cdk-lib/core';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Options of {@link accessLogsBucket}. */
export interface AccessLogsBucketOptions {
  /** @default - a name CloudFormation generates */
  readonly bucketName?: string;
  readonly removalPolicy: RemovalPolicy;
  /** Empty the bucket before CloudFormation deletes it. @default false */
  readonly autoDeleteObjects?: boolean;
}

/**
 * A bucket receiving another bucket's server access logs: S3-managed encryption (log delivery
 * cannot write to a KMS-encrypted bucket), private, TLS-only, versioned (an overwritten or
 * deleted log stays 30 days), logs kept a year.
 */
export function accessLogsBucket(scope: Construct, id: string, options: AccessLogsBucketOptions): s3.Bucket {
  // With this (recommended) feature flag, log delivery is granted by bucket policy and ACLs can
  // be disabled; apps without it fall back to the log-delivery ACL, which needs ObjectWriter.
  const logsByPolicy = FeatureFlags.of(scope).isEnabled('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy');
  return new s3.Bucket(scope, id, {
    bucketName: options.bucketName,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: logsByPolicy ? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED : s3.ObjectOwnership.OBJECT_WRITER,
    versioned: true,
    lifecycleRules: [
      { id: 'ExpireAccessLogs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
    ],
    removalPolicy: options.removalPolicy,
    autoDeleteObjects: options.autoDeleteObjects,
  });
}
