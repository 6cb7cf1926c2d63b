import { CfnResource, IAspect, Stack, Validations } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import {
  ACCESS_LOG_BUCKETS, ASSET_BUCKET, BUCKET_DEPLOYMENT_LOG_GROUP, controlTowerReason, FUNCTIONS, RECORD_BUCKETS, REPRODUCIBLE_BUCKETS,
} from './control-tower-acknowledgements';

/**
 * cdk-nag's compliance packs this table answers: HIPAA Security (`HIPAASecurityChecks`) and NIST
 * 800-53 rev. 5 (`NIST80053R5Checks`). Their rules share names (`HIPAA.Security-LambdaDLQ`,
 * `NIST.800.53.R5-LambdaDLQ`), so one entry acknowledges a rule in both.
 */
export const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5'] as const;

/** A compliance-pack finding the project accepts, on which resources, and why. */
export interface CompliancePackAcknowledgement {
  /** The rule without its pack prefix (`LambdaDLQ`). */
  readonly rule: string;
  /** CloudFormation type of the resources it covers (`AWS::Lambda::Function`). */
  readonly type: string;
  /** Logical ids of the resources it covers. @default - every resource of the type that `holds` accepts */
  readonly resources?: RegExp;
  /** What must hold of the resource for the reason to be true of it. @default - nothing more */
  readonly holds?: (resource: CfnResource) => boolean;
  /** Why the rule cannot or need not be met there; shown to reviewers. */
  readonly reason: string;
}

/** aws-cdk-lib's custom resource functions that their provider framework or its waiter invoke synchronously. */
const SYNCHRONOUS_PROVIDER_FUNCTIONS = /^(Project)?Teardown(OnEvent|IsComplete|Providerframework(isComplete|onTimeout))[0-9A-F]{8}$/;
/** The custom resource functions CloudFormation invokes: the teardown provider's entry point, the catalog's BucketDeployment. */
const CLOUDFORMATION_INVOKED_FUNCTIONS = /^((Project)?TeardownProviderframeworkonEvent|CustomCDKBucketDeployment[0-9A-F]{32})[0-9A-F]{8}$/;

const NO_REPLICA = 'Replication needs a second bucket (in another Region or account) to copy to, which this stack does not create: a platform team that needs one adds the replication rule and its destination';

/** The HIPAA Security and NIST 800-53 R5 findings of every template the app synthesizes, each with its reason. */
export const COMPLIANCE_PACK_ACKNOWLEDGEMENTS: readonly CompliancePackAcknowledgement[] = [
  {
    rule: 'IAMNoInlinePolicy',
    type: 'AWS::IAM::Policy',
    // One role and no user or group: the one-to-one use that IAM recommends inline policies for.
    holds: (r) => r instanceof iam.CfnPolicy && oneRole(r),
    reason: 'The inline policy of exactly one role: it is deleted with the role and can never be attached to another principal. '
      + 'The project templates are also launched by roles that may put role policies but not create managed policies '
      + '(the Studio and Service Catalog launch roles hold no iam:CreatePolicy)',
  },
  {
    rule: 'LambdaConcurrency',
    type: 'AWS::Lambda::Function',
    resources: FUNCTIONS,
    reason: "Reserved concurrency is taken from the account's unreserved pool, and Lambda refuses a reservation that would leave "
      + 'less than 100 unreserved (an account with a low concurrency quota cannot reserve any), so a reservation could keep '
      + 'the stack from deploying; these functions run on rare events (a model approval, a stack creation or deletion, a '
      + 'catalog deployment), not on a request stream',
  },
  {
    rule: 'LambdaInsideVPC',
    type: 'AWS::Lambda::Function',
    resources: FUNCTIONS,
    reason: controlTowerReason('CT.LAMBDA.PR.3', FUNCTIONS),
  },
  {
    rule: 'LambdaDLQ',
    type: 'AWS::Lambda::Function',
    resources: SYNCHRONOUS_PROVIDER_FUNCTIONS,
    reason: "Invoked synchronously (by aws-cdk-lib's custom resource provider framework or its waiter state machine), which "
      + 'gets the error back and reports it to CloudFormation; Lambda sends only asynchronous invocations to a dead-letter queue',
  },
  {
    rule: 'LambdaDLQ',
    type: 'AWS::Lambda::Function',
    resources: CLOUDFORMATION_INVOKED_FUNCTIONS,
    reason: 'A custom resource handler that CloudFormation invokes: it reports every failure to CloudFormation, which fails '
      + 'the stack operation with the reason; a queued copy of the event would have no consumer (CloudFormation does not '
      + 'retry from it)',
  },
  {
    rule: 'S3BucketReplicationEnabled',
    type: 'AWS::S3::Bucket',
    resources: RECORD_BUCKETS,
    reason: `${NO_REPLICA}. Within the Region the bucket is versioned and denies s3:DeleteObjectVersion while data is retained`,
  },
  {
    rule: 'S3BucketReplicationEnabled',
    type: 'AWS::S3::Bucket',
    resources: REPRODUCIBLE_BUCKETS,
    reason: `${NO_REPLICA}. Its content is reproducible: run artifacts CodePipeline writes anew on every run, or template assets every catalog deployment republishes`,
  },
  {
    rule: 'S3BucketReplicationEnabled',
    type: 'AWS::S3::Bucket',
    resources: ACCESS_LOG_BUCKETS,
    reason: `${NO_REPLICA}. It holds the server access logs of the stack's buckets, versioned, for 365 days`,
  },
  {
    rule: 'S3DefaultEncryptionKMS',
    type: 'AWS::S3::Bucket',
    resources: ACCESS_LOG_BUCKETS,
    reason: controlTowerReason('CT.S3.PR.10', ACCESS_LOG_BUCKETS),
  },
  {
    rule: 'S3DefaultEncryptionKMS',
    type: 'AWS::S3::Bucket',
    resources: ASSET_BUCKET,
    reason: controlTowerReason('CT.S3.PR.10', ASSET_BUCKET),
  },
  {
    rule: 'CloudWatchLogGroupEncrypted',
    type: 'AWS::Logs::LogGroup',
    resources: BUCKET_DEPLOYMENT_LOG_GROUP,
    reason: controlTowerReason('CT.CLOUDWATCH.PR.3', BUCKET_DEPLOYMENT_LOG_GROUP),
  },
  {
    rule: 'CodeBuildProjectSourceRepoUrl',
    type: 'AWS::CodeBuild::Project',
    holds: (r) => r instanceof codebuild.CfnProject && Stack.of(r).resolve(r.source)?.type === 'CODEPIPELINE',
    reason: 'The source is CODEPIPELINE: the pipeline hands the build its source artifact, so the project holds no repository '
      + 'URL and no credentials for OAuth to protect',
  },
];

/**
 * Acknowledges cdk-nag's HIPAA Security and NIST 800-53 R5 findings ({@link COMPLIANCE_PACKS}) of
 * this project per resource, with the reason of the first entry of `acknowledgements` whose type,
 * logical id and properties fit it. A finding no entry fits stays unacknowledged.
 */
export class AcknowledgeCompliancePacks implements IAspect {
  constructor(private readonly acknowledgements: readonly CompliancePackAcknowledgement[] = COMPLIANCE_PACK_ACKNOWLEDGEMENTS) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const stack = Stack.of(node);
    const logicalId = String(stack.resolve(node.logicalId));
    const done = new Set<string>();
    for (const ack of this.acknowledgements) {
      if (done.has(ack.rule) || node.cfnResourceType !== ack.type || !(ack.resources?.test(logicalId) ?? true)) continue;
      if (ack.holds && !ack.holds(node)) continue;
      done.add(ack.rule);
      for (const pack of COMPLIANCE_PACKS) {
        Validations.of(node).acknowledge({ id: `${pack}-${ack.rule}`, reason: ack.reason });
      }
    }
  }
}

/** Whether an inline policy is attached to exactly one role and to no user or group. */
function oneRole(policy: iam.CfnPolicy): boolean {
  const stack = Stack.of(policy);
  const [roles, users, groups] = [policy.roles, policy.users, policy.groups].map((list) => stack.resolve(list) as unknown[] | undefined);
  return roles?.length === 1 && !users?.length && !groups?.length;
}
