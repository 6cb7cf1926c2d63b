import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ArtifactStore } from '../../lib/project/artifact-store';
import { bareStack, ID } from '../support/project-parts';

/** The artifact store alone on a bare stack. */
function storeTemplate(props: Partial<ConstructorParameters<typeof ArtifactStore>[2]> = {}): { template: Template; store: ArtifactStore } {
  const stack = bareStack();
  const store = new ArtifactStore(stack, 'ArtifactStore', {
    bucketName: `sagemaker-project-${ID}`, accessLogsBucketName: `sagemaker-project-${ID}-access-logs`, ...props,
  });
  return { template: Template.fromStack(stack), store };
}

describe('ArtifactStore, default props', () => {
  const { template } = storeTemplate();

  test('has a customer-managed KMS key with rotation, kept on delete', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('has the artifact bucket sagemaker-project-<id>: KMS, versioned, private, logged, kept on delete', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketName: `sagemaker-project-${ID}`,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: { BucketName: `sagemaker-project-${ID}-access-logs` },
      DeletionPolicy: 'Retain',
    });
  });

  test('denies plain-HTTP access to every bucket, and keeps the policies with retained buckets', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(4);
    for (const policy of Object.values(policies)) expect(policy.DeletionPolicy).toBe('Retain');
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]));
    }
  });

  test('retained data keeps every version: the bucket policy denies deleting versions to everyone', () => {
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: Match.stringLikeRegexp('^ArtifactStoreBucket') } },
    }));
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([expect.objectContaining({
      Sid: 'KeepDataVersions', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:DeleteObjectVersion',
    })]));
  });

  test('each pipeline\'s artifacts live in a KMS bucket of its own (names generated), logged, expiring after 30 days', () => {
    template.resourceCountIs('AWS::S3::Bucket', 4);
    const runBuckets = Object.entries(template.findResources('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireRunArtifacts', ExpirationInDays: 30 })]) } },
    }));
    expect(runBuckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['ArtifactStoreBuildPipelineArtifacts', 'ArtifactStorePipelineArtifacts']);
    const prefixes = [];
    for (const [, bucket] of runBuckets) {
      expect(bucket.Properties.BucketName).toBeUndefined();
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      prefixes.push(bucket.Properties.LoggingConfiguration.LogFilePrefix);
    }
    expect(prefixes.sort()).toEqual(['build-pipeline-artifacts/', 'pipeline-artifacts/']);
  });

  test('the key lets CloudWatch Logs encrypt for this account\'s log groups only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'ProjectLogGroups',
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
      })]) },
    });
  });
});

describe('ArtifactStore, configured', () => {
  test('retainData=false deletes key and buckets (emptied first) with the stack', () => {
    const { template } = storeTemplate({ retainData: false });
    for (const type of ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect({ type, policy: resource.DeletionPolicy }).toEqual({ type, policy: 'Delete' });
      }
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });

  test('encryptionKey: the given key encrypts the buckets, and no key is created', () => {
    const stack = bareStack();
    const key = new kms.Key(stack, 'OwnKey');
    const store = new ArtifactStore(stack, 'ArtifactStore', { bucketName: 'bucket', accessLogsBucketName: 'bucket-logs', encryptionKey: key });
    const template = Template.fromStack(stack);
    expect(store.key).toBe(key);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    const encrypted = Object.values(template.findResources('AWS::S3::Bucket'))
      .filter((b) => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms');
    expect(encrypted).toHaveLength(3);
    for (const bucket of encrypted) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual(keyArn);
    }
  });

  test('pipelineArtifactsBucketName and buildPipelineArtifactsBucketName name the pipelines\' artifact buckets', () => {
    const { template, store } = storeTemplate({ pipelineArtifactsBucketName: 'my-pipeline-artifacts', buildPipelineArtifactsBucketName: 'my-build-artifacts' });
    expect(store.buildPipelineArtifactsBucket).not.toBe(store.pipelineArtifactsBucket);
    for (const name of ['my-pipeline-artifacts', 'my-build-artifacts']) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: name, LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireRunArtifacts' })]) },
      });
    }
  });

  test('grantReadToRolesOf lets exactly those roles of the account read under the prefix, and decrypt through S3 only', () => {
    const stack = bareStack();
    const store = new ArtifactStore(stack, 'ArtifactStore', { bucketName: 'bucket', accessLogsBucketName: 'bucket-logs' });
    const roles = ['arn:aws:iam::222222222222:role/model'];
    store.grantReadToRolesOf('222222222222', roles, 'pipeline/');
    const template = Template.fromStack(stack);
    const principal = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } };
    const condition = { ArnEquals: { 'aws:PrincipalArn': roles } };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^ArtifactStoreBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'ReadFrom222222222222', Effect: 'Allow', Action: 's3:GetObject', Principal: principal, Condition: condition,
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ArtifactStoreBucket'), 'Arn'] }, '/pipeline/*']] },
      })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'DecryptThroughS3For222222222222', Action: 'kms:Decrypt', Principal: principal,
        Condition: { ...condition, StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      })]) },
    });
  });
});
