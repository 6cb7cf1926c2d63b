/**
 * A failed AWS Control Tower proactive control the project accepts, on which resources, and why.
 *
 * Control Tower's proactive controls are elective: a platform team turns on the ones it wants, and
 * then CloudFormation refuses a stack that fails one of them. Each entry here says why the project
 * cannot meet a control; a team that enforces it has to exempt these resources or cannot use the
 * project. Entries whose reason starts with `TODO-fix-by-lead` are known fixable failures, kept
 * here only until the fix lands (the test fails once an entry no longer matches anything).
 *
 * @see https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 */
export interface ControlTowerAcknowledgement {
  /** The control as Control Tower names it (`CT.LAMBDA.PR.3`). */
  readonly control: string;
  /** Logical ids of the resources it covers, in any template the app synthesizes. */
  readonly resources: RegExp;
  /** Why the control cannot apply to them; shown to reviewers. */
  readonly reason: string;
}

/** The server access log buckets: the project's, and the Service Catalog asset bucket's. */
const ACCESS_LOG_BUCKETS = /^(ProjectArtifactStoreAccessLogs|AssetAccessLogs)[0-9A-F]{8}$/;
/** The project's data bucket and CodePipeline artifact bucket, and the Service Catalog asset bucket. */
const DATA_BUCKETS = /^(ProjectArtifactStoreBucket|ProjectArtifactStorePipelineArtifacts|AssetBucket)[0-9A-F]{8}$/;

/** The failed controls of every template the app synthesizes, each with its reason. */
export const CONTROL_TOWER_ACKNOWLEDGEMENTS: readonly ControlTowerAcknowledgement[] = [
  {
    control: 'CT.LAMBDA.PR.3',
    resources: /^(ProjectModelApprovalTriggerFunction|ProjectTeardown\w+|CustomS3AutoDeleteObjectsCustomResourceProviderHandler|CustomCDKBucketDeployment[0-9A-F]{32})[0-9A-F]{8}$/,
    reason: 'The project owns no VPC and its functions only call AWS APIs (SageMaker, CodePipeline, CloudFormation, S3) '
      + 'with signed TLS requests; in a VPC they would need NAT or an interface endpoint per service to do the same. '
      + "aws-cdk-lib's S3 auto-delete handler (retainData=false) cannot be put in a VPC at all",
  },
  {
    control: 'CT.S3.PR.10',
    resources: ACCESS_LOG_BUCKETS,
    reason: 'S3 server access logging delivers only to target buckets encrypted with SSE-S3; SSE-KMS is not supported on a log target bucket',
  },
  {
    control: 'CT.S3.PR.2',
    resources: ACCESS_LOG_BUCKETS,
    reason: 'This bucket receives the server access logs; logging it into itself would loop, and another log bucket would only move the finding',
  },
  {
    control: 'CT.S3.PR.10',
    resources: /^AssetBucket[0-9A-F]{8}$/,
    reason: 'The Service Catalog asset bucket is SSE-S3 so that Lambda and CodeCommit read the product\'s code and seed archives '
      + 'with the launch role of any project, without KMS grants to every launch',
  },
  {
    control: 'CT.KMS.PR.3',
    resources: /^ProjectArtifactStoreKey[0-9A-F]{8}$/,
    reason: "TODO-fix-by-lead: add a key policy statement Deny kms:CreateGrant to Principal AWS '*' on Resource '*' with "
      + "BoolIfExists {kms:GrantIsForAWSResource: 'false', aws:PrincipalIsAWSService: 'false'} (no other condition keys)",
  },
  {
    control: 'CT.CLOUDWATCH.PR.2',
    resources: /^ProjectModelApprovalTriggerFunctionLogs[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: retention of at least one year (RetentionDays.ONE_YEAR) or none (never expire)',
  },
  {
    control: 'CT.CLOUDWATCH.PR.3',
    resources: /^(ProjectModelApprovalTriggerFunctionLogs|ProjectTeardown(OnEvent|IsComplete|Provider|Waiter)Logs|CustomCDKBucketDeployment[0-9A-F]{32}LogGroup)[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: encrypt the log groups with the project key (catalog stack: a key of its own, passed to BucketDeployment\'s logGroup); '
      + "the key policy must allow logs.<region>.amazonaws.com with the kms:EncryptionContext:aws:logs:arn condition",
  },
  {
    control: 'CT.CODEBUILD.PR.3',
    resources: /^ProjectModel(Build|DeployBuild|DeployTest)Project[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: set logging.cloudWatch.logGroup (LogsConfig.CloudWatchLogs) to a log group of the project, KMS-encrypted, with retention',
  },
  {
    control: 'CT.S3.PR.11',
    resources: new RegExp(`${ACCESS_LOG_BUCKETS.source}|^ProjectArtifactStorePipelineArtifacts[0-9A-F]{8}$`),
    reason: 'TODO-fix-by-lead: versioned: true on the access log buckets and the CodePipeline artifact bucket '
      + '(their expiration rules keep CT.S3.PR.3 green; add noncurrentVersionExpiration)',
  },
  {
    control: 'CT.S3.PR.3',
    resources: /^AssetBucket[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: an enabled lifecycle rule on the versioned asset bucket that deletes no current object '
      + '(noncurrentVersionExpiration and abortIncompleteMultipartUploadAfter)',
  },
  {
    control: 'CT.S3.PR.6',
    resources: /^AssetBucket[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: same lifecycle rule as CT.S3.PR.3',
  },
  {
    control: 'CT.S3.PR.4',
    resources: new RegExp(`${ACCESS_LOG_BUCKETS.source}|${DATA_BUCKETS.source}`),
    reason: 'TODO-fix-by-lead: NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled=true on the CfnBucket '
      + "(the L2 eventBridgeEnabled goes through aws-cdk-lib's notifications custom resource, which the control does not see)",
  },
  {
    control: 'CT.S3.PR.9',
    resources: ACCESS_LOG_BUCKETS,
    reason: 'S3 does not deliver server access logs to a bucket with Object Lock enabled',
  },
  {
    control: 'CT.S3.PR.9',
    resources: DATA_BUCKETS,
    reason: 'TODO-fix-by-lead: objectLockEnabled: true (a GOVERNANCE default retention on the data bucket is one way to close '
      + 'finding 4; teardown with retainData=false then needs s3:BypassGovernanceRetention); check whether it replaces existing buckets',
  },
  {
    control: 'CT.SQS.PR.1',
    resources: /^ProjectModelApprovalTriggerDeadLetterQueue[0-9A-F]{8}$/,
    reason: 'TODO-fix-by-lead: this queue is itself a dead-letter queue; the control accepts it with RedriveAllowPolicy '
      + "redrivePermission 'allowAll' (or 'byQueue' with source queues, of which there are none)",
  },
  {
    control: 'CT.STEPFUNCTIONS.PR.2',
    resources: /^ProjectTeardownProviderwaiterstatemachine[0-9A-F]{8}$/,
    reason: "TODO-fix-by-lead: TracingConfiguration.Enabled=true on the teardown Provider's waiter state machine (escape hatch), "
      + 'and the X-Ray write actions for its role',
  },
  {
    control: 'CT.CLOUDWATCH.PR.1',
    resources: /^Alarms(Invocation5XXErrors|ModelLatency)[0-9A-F]{8}$/,
    reason: "TODO-fix-by-lead: endpoint alarms with AlarmActions (the project's SNS topic, issue 10 item 13)",
  },
];
