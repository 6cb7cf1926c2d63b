/**
 * A failed AWS Control Tower proactive control the project accepts, on which resources, and why.
 *
 * Control Tower's proactive controls are elective: a platform team turns on the ones it wants, and
 * then CloudFormation refuses a stack that fails one of them. Each entry here says why the project
 * cannot meet a control; a team that enforces it has to exempt these resources or cannot use the
 * project. The test fails once an entry no longer matches anything, so fixed controls leave the list.
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

/** The server access log buckets: the project's, a target account stack's, and the Service Catalog asset bucket's. */
export const ACCESS_LOG_BUCKETS = /^(ProjectArtifactStoreAccessLogs|AccessLogs|ResourcesAccessLogs|AssetAccessLogs)[0-9A-F]{8}$/;
/**
 * The buckets whose policy denies s3:DeleteObjectVersion while data is retained: the project's data
 * bucket and a target account stack's data capture bucket.
 */
export const RECORD_BUCKETS = /^(ProjectArtifactStoreBucket|DataCapture|ResourcesDataCapture)[0-9A-F]{8}$/;
/** The buckets of reproducible content: the CodePipeline artifact buckets and the Service Catalog asset bucket. */
export const REPRODUCIBLE_BUCKETS = /^(ProjectArtifactStore(Build)?PipelineArtifacts|AssetBucket)[0-9A-F]{8}$/;

/** The project's Lambda functions and aws-cdk-lib's (custom resource providers, auto-delete, BucketDeployment). */
export const FUNCTIONS = /^(ProjectModelApprovalTriggerFunction|(Project)?Teardown\w+|(Project)?RepositorySeedFailuresFunction|CustomS3AutoDeleteObjectsCustomResourceProviderHandler|CustomCDKBucketDeployment[0-9A-F]{32}|AWS679f53fac002430cb0da5b7982bd2287)[0-9A-F]{8}$/;
/** The Service Catalog asset bucket. */
export const ASSET_BUCKET = /^AssetBucket[0-9A-F]{8}$/;
/** The log group of aws-cdk-lib's BucketDeployment function in the Service Catalog stack. */
export const BUCKET_DEPLOYMENT_LOG_GROUP = /^CustomCDKBucketDeployment[0-9A-F]{32}LogGroup[0-9A-F]{8}$/;

/** The failed controls of every template the app synthesizes, each with its reason. */
export const CONTROL_TOWER_ACKNOWLEDGEMENTS: readonly ControlTowerAcknowledgement[] = [
  {
    control: 'CT.LAMBDA.PR.3',
    resources: FUNCTIONS,
    reason: 'The project owns no VPC and its functions only call AWS APIs (SageMaker, CodePipeline, CloudFormation, S3) '
      + 'with signed TLS requests (with a CodeConnections source, aws-cdk-lib\'s AwsCustomResource function only starts the two seeding jobs, and the seeding failure reporter only signals their wait conditions); in a VPC they would need NAT or an interface endpoint per service to do the same. '
      + "aws-cdk-lib's S3 auto-delete handler (retainData=false) cannot be put in a VPC at all",
  },
  {
    control: 'CT.CODEBUILD.PR.4',
    resources: /^ProjectModelBuildImageProject[0-9A-F]{8}$/,
    reason: "The image build: Docker builds and pushes the project's container images (containers/<name>/ of the build repository) "
      + 'and needs privileged mode. It is the only privileged project; its role may push to the project\'s image repository only and pull '
      + "SageMaker's deep learning container base images; the SageMaker pipeline runs in a separate, unprivileged project",
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
    resources: ASSET_BUCKET,
    reason: 'The Service Catalog asset bucket is SSE-S3 so that Lambda and CodeCommit read the product\'s code and seed archives '
      + 'with the launch role of any project, without KMS grants to every launch',
  },
  {
    control: 'CT.CLOUDWATCH.PR.3',
    resources: BUCKET_DEPLOYMENT_LOG_GROUP,
    reason: "aws-cdk-lib's BucketDeployment function of the Service Catalog stack, which holds no KMS key of its own; it logs "
      + 'only the keys of the product\'s template assets it copies (every log group of a project is encrypted with the project key)',
  },
  {
    control: 'CT.S3.PR.9',
    resources: ACCESS_LOG_BUCKETS,
    reason: 'S3 does not deliver server access logs to a bucket with an Object Lock default retention period, and Object Lock '
      + 'without one locks nothing; it cannot be switched off and would replace existing buckets. The bucket is versioned, '
      + 'and logs expire after 365 days',
  },
  {
    control: 'CT.S3.PR.9',
    resources: RECORD_BUCKETS,
    reason: 'Versioning with a bucket policy that denies s3:DeleteObjectVersion to everyone (while data is retained) keeps every '
      + 'version until its lifecycle expiry; Object Lock would also stop retainData=false from deleting the project\'s data, '
      + 'cannot be switched off, and would replace existing buckets',
  },
  {
    control: 'CT.S3.PR.9',
    resources: REPRODUCIBLE_BUCKETS,
    reason: 'Run artifacts (CodePipeline writes them anew on every run and they expire after 30 days) and template assets '
      + '(republished by every deployment of the catalog) are not records to lock; the bucket is versioned, with no '
      + 'deletion deny. Object Lock would stop retainData=false and the lifecycle rules from deleting them, cannot be '
      + 'switched off, and would replace existing buckets',
  },
  {
    control: 'CT.SQS.PR.1',
    resources: /^ProjectModelApprovalTriggerDeadLetterQueue[0-9A-F]{8}$/,
    reason: 'This queue is the dead-letter queue itself (of start-deploy and its EventBridge target), not a queue with consumers; '
      + "the control's only passing form for it, RedriveAllowPolicy allowAll, would let any queue of the account dead-letter into it",
  },
  {
    control: 'CT.STEPFUNCTIONS.PR.2',
    resources: /^(Project)?TeardownProviderwaiterstatemachine[0-9A-F]{8}$/,
    reason: "aws-cdk-lib's provider framework waiter only polls the teardown's isComplete every 30 s during project deletion; "
      + 'X-Ray traces would add cost and show nothing its logs (kept, encrypted) do not',
  },
];

/**
 * The reason of the Control Tower acknowledgement of `control` on `resources` (the same RegExp
 * object), for other tables that acknowledge the same fact on the same resources.
 * @throws Error when there is no such acknowledgement
 */
export function controlTowerReason(control: string, resources: RegExp): string {
  const found = CONTROL_TOWER_ACKNOWLEDGEMENTS.find((a) => a.control === control && a.resources === resources);
  if (!found) throw new Error(`no Control Tower acknowledgement of ${control} on ${resources}`);
  return found.reason;
}
