import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, ArnFormat, Aspects, BOOTSTRAP_QUALIFIER_CONTEXT, CfnParameter, DefaultStackSynthesizer, Duration, FeatureFlags, Names, RemovalPolicy, Stack, StackProps, Tags, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct, IConstruct } from 'constructs';
import {
  PROJECT_NAME_MAX_LENGTH,
  PROJECT_NAME_PATTERN,
  STUDIO_PROJECT_ID_MAX_LENGTH,
  STUDIO_PROJECT_ID_PATTERN,
  ProjectConfig,
} from './project-config';
import { AcknowledgeWildcards, WildcardReason } from './private/wildcard-acknowledgements';
import { ProjectOptions } from './project-options';
import { SageMakerProject } from './sagemaker-project';

/** Folder of the product template snapshots, one per released version (commit it). */
export const PRODUCT_SNAPSHOT_DIR = path.join(__dirname, '..', 'product-stack-snapshots');

/** Encryption of the product's assets: SSE-S3, which Lambda and CodeCommit read without KMS grants. */
const ASSET_ENCRYPTION = s3deploy.ServerSideEncryption.AES_256;

/** Tag that makes a Service Catalog product appear under Studio's organization templates. */
export const STUDIO_VISIBILITY_TAG = 'sagemaker:studio-visibility';

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
   * Permissions boundary applied to every role of the product.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * The template of the Service Catalog product: one SageMaker project whose name and id are the
 * CloudFormation parameters SageMaker Studio passes, `SageMakerProjectName` and `SageMakerProjectId`.
 *
 * The same {@link SageMakerProject} construct as the `cdk deploy` path; the parameters' own
 * constraints (pattern, length) validate what the construct cannot check at synth time.
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
      serverSideEncryption: ASSET_ENCRYPTION,
      description: 'SageMaker MLOps project: model building, training and deployment (CodeCommit, CodePipeline)',
    });
    this.projectNameParameter = new CfnParameter(this, 'SageMakerProjectName', {
      type: 'String',
      description: 'Name of the project',
      allowedPattern: PROJECT_NAME_PATTERN,
      minLength: 1,
      maxLength: PROJECT_NAME_MAX_LENGTH,
      constraintDescription: `1-${PROJECT_NAME_MAX_LENGTH} letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
    });
    this.projectIdParameter = new CfnParameter(this, 'SageMakerProjectId', {
      type: 'String',
      description: 'Service generated Id of the project',
      allowedPattern: STUDIO_PROJECT_ID_PATTERN,
      minLength: 1,
      maxLength: STUDIO_PROJECT_ID_MAX_LENGTH,
      constraintDescription: "'p-' followed by lowercase letters or digits (SageMaker generates it)",
    });
    this.project = new SageMakerProject(this, 'Project', {
      ...props.project,
      projectName: this.projectNameParameter.valueAsString,
      projectId: this.projectIdParameter.valueAsString,
    });
    if (props.permissionsBoundary) iam.PermissionsBoundary.of(this).apply(props.permissionsBoundary);
    Aspects.of(this).add(new AcknowledgeWildcards(TOKEN_NAME_WILDCARD_REASONS));
  }
}

/**
 * Wildcards the project has only with unresolved names. SageMaker lower-cases names in ARNs and a
 * CloudFormation parameter cannot be lower-cased, so the project matches `*-<id>` (see
 * `ProjectNames.pipelineNameInArn`); project ids are lower-case and unique per account.
 */
const TOKEN_NAME_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(pipeline|model-package-group)\/\*-<SageMakerProjectId>$/,
    reason: "This project's SageMaker pipeline or model package group <name>-<id>; the name is a parameter SageMaker lower-cases in ARNs, so the id scopes it",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(model-package\/\*-<SageMakerProjectId>\/\*|pipeline\/\*-<SageMakerProjectId>\/execution\/\*)$/,
    reason: "Versions of this project's model package group, or executions of its pipeline (generated ids), scoped by the project id",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint\/\*-(staging|prod)$/,
    reason: "This project's endpoints <name>-<stage>; the name is a parameter SageMaker lower-cases in ARNs; every statement requires the project-id tag",
  },
  {
    finding: /^Resource::<\w+\.Arn>\/<SageMakerProjectName>-<SageMakerProjectId>\/\*$/,
    reason: "Objects under this project's <name>-<id>/ prefix of its own artifact bucket; keys are created at run time",
  },
];

/** Properties of {@link ServiceCatalogStack}. */
export interface ServiceCatalogStackProps extends StackProps {
  /** The validated configuration (`portfolioPrincipals`, `productVersion`, project defaults). */
  readonly config: ProjectConfig;
  /**
   * Name of the bucket holding the product's assets. Must be a plain string: the product template
   * refers to its objects by literal bucket name.
   * @default - `sagemaker-mlops-catalog-<account>-<region>` when the stack's environment is known,
   * otherwise a name derived from the stack's path (with a warning)
   */
  readonly assetBucketName?: string;
  /**
   * Folder of the product template snapshots. Every version found there besides the current one
   * stays a version of the product, so projects created from it keep working.
   * @default PRODUCT_SNAPSHOT_DIR (`product-stack-snapshots/` of this app)
   */
  readonly snapshotDirectory?: string;
}

/**
 * Publishes the SageMaker project as a Service Catalog product that SageMaker Studio offers under
 * "Create project > Organization templates".
 *
 * Holds the product (tagged `sagemaker:studio-visibility=true`, one version per snapshot), a
 * portfolio shared with the configured principals (Studio execution roles), the launch role the
 * product is provisioned with, and the bucket of the product's assets.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-custom.html
 */
export class ServiceCatalogStack extends Stack {
  /** The product template. */
  public readonly productStack: SageMakerProjectProductStack;
  /** The snapshots of the product template, one per released version. */
  public readonly productStackHistory: servicecatalog.ProductStackHistory;
  /** The product. */
  public readonly product: servicecatalog.CloudFormationProduct;
  /** The portfolio shared with Studio's execution roles. */
  public readonly portfolio: servicecatalog.Portfolio;
  /** The role Service Catalog provisions the product with. */
  public readonly launchRole: iam.Role;
  /** The bucket of the product's assets. */
  public readonly assetBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ServiceCatalogStackProps) {
    super(scope, id, {
      description: 'Service Catalog portfolio and product: the SageMaker MLOps project as a SageMaker Studio organization template',
      ...props,
    });
    const { config } = props;
    const snapshotDirectory = props.snapshotDirectory ?? PRODUCT_SNAPSHOT_DIR;

    this.assetBucket = this.createAssetBucket(props.assetBucketName);
    this.productStack = new SageMakerProjectProductStack(this, 'ProductStack', {
      assetBucket: this.assetBucket,
      project: config.project,
      permissionsBoundary: this.permissionsBoundary(config.permissionsBoundary),
    });
    this.productStackHistory = new servicecatalog.ProductStackHistory(this, 'ProductStackHistory', {
      productStack: this.productStack,
      currentVersionName: config.productVersion,
      // A released version never changes under existing projects: a changed template needs a new name.
      currentVersionLocked: true,
      directory: snapshotDirectory,
    });
    const previousVersions = this.releasedVersions(snapshotDirectory).filter((v) => v !== config.productVersion);

    this.product = new servicecatalog.CloudFormationProduct(this, 'Product', {
      productName: 'SageMaker MLOps project (model building, training and deployment)',
      owner: 'Platform team',
      description: 'A SageMaker project with model build and deploy repositories, CodePipelines, model registry '
        + 'and approval-driven staging and production endpoints.',
      distributor: 'sagemaker-mlops-cdk',
      // Versions keep their ids when the list changes, so provisioned products stay attached to theirs.
      replaceProductVersionIds: false,
      productVersions: [
        ...previousVersions.map((v) => this.productStackHistory.versionFromSnapshot(v)),
        this.productStackHistory.currentVersion(),
      ],
    });
    Tags.of(this.product).add(STUDIO_VISIBILITY_TAG, 'true');

    this.portfolio = new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: 'SageMaker MLOps projects',
      providerName: 'Platform team',
      description: 'SageMaker project templates for SageMaker Studio (Create project > Organization templates)',
    });
    config.portfolioPrincipals.forEach((arn, i) => this.sharePortfolio(`Principal${i}`, arn));
    this.portfolio.addProduct(this.product);

    this.launchRole = new LaunchRole(this, 'LaunchRole', { assetBucket: this.assetBucket }).role;
    this.portfolio.setLaunchRole(this.product, this.launchRole, {
      description: 'Provisions the SageMaker project with a role limited to what the product creates',
    });
  }

  /** The version names of the snapshots in a folder, in natural order (v2 before v10). */
  private releasedVersions(directory: string): string[] {
    if (!fs.existsSync(directory)) return [];
    // ProductStackHistory's file name: <history id>.<product stack artifact id>.<version>.product.template.json
    const prefix = `${Names.uniqueId(this.productStackHistory)}.${this.productStack.artifactId}.`;
    const suffix = '.product.template.json';
    return fs.readdirSync(directory)
      .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
      .map((f) => f.slice(prefix.length, -suffix.length))
      // File dates change with every clone; an order from names keeps the template stable.
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  private permissionsBoundary(nameOrArn?: string): iam.IManagedPolicy | undefined {
    if (!nameOrArn) return undefined;
    return nameOrArn.startsWith('arn:')
      ? iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', nameOrArn)
      : iam.ManagedPolicy.fromManagedPolicyName(this, 'PermissionsBoundary', nameOrArn);
  }

  private sharePortfolio(id: string, arn: string): void {
    const resource = Stack.of(this).splitArn(arn, ArnFormat.SLASH_RESOURCE_NAME).resource;
    if (resource === 'user') this.portfolio.giveAccessToUser(iam.User.fromUserArn(this, id, arn));
    else if (resource === 'group') this.portfolio.giveAccessToGroup(iam.Group.fromGroupArn(this, id, arn));
    else this.portfolio.giveAccessToRole(iam.Role.fromRoleArn(this, id, arn, { mutable: false }));
  }

  private createAssetBucket(bucketName?: string): s3.Bucket {
    const name = bucketName ?? this.defaultAssetBucketName();
    // As in ArtifactStore: without this feature flag, log delivery needs the ACL and ObjectWriter.
    const logsByPolicy = FeatureFlags.of(this).isEnabled('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy');
    const accessLogs = new s3.Bucket(this, 'AssetAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: logsByPolicy ? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED : s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the asset bucket\'s server access logs; logging it into itself would loop',
    });
    const bucket = new s3.Bucket(this, 'AssetBucket', {
      bucketName: name,
      // SSE-S3: Lambda and CodeCommit read the objects with the launch role, without KMS grants.
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'assets/',
      // Projects created from any released version still read their assets: never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.createAssetDeployment(bucket);
    return bucket;
  }

  /** The CDK staging bucket of the default synthesizer, as cdk-nag names it in findings. */
  private stagingBucketName(): string {
    const qualifier = this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    return `cdk-${qualifier}-assets-${account}-${region}`;
  }

  private defaultAssetBucketName(): string {
    if (!Token.isUnresolved(this.account) && !Token.isUnresolved(this.region)) {
      return `sagemaker-mlops-catalog-${this.account}-${this.region}`;
    }
    Annotations.of(this).addWarningV2('sagemaker-mlops:assetBucketName',
      'The stack has no account and region, so the asset bucket name cannot contain them and may be taken in another '
      + 'account: deploy with credentials (bin/app.ts passes CDK_DEFAULT_ACCOUNT/REGION) or set `assetBucketName`');
    return `sagemaker-mlops-catalog-${Names.uniqueId(this).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30)}`;
  }

  /**
   * ProductStack copies the product's assets with a BucketDeployment that it creates during
   * synthesis under this id, unless one exists; creating it here makes its options explicit and
   * lets its cdk-nag findings be acknowledged on the constructs that have them.
   */
  private createAssetDeployment(bucket: s3.Bucket): void {
    const deployment = new s3deploy.BucketDeployment(bucket, 'ProductAssetsDeployment', {
      sources: [],
      destinationBucket: bucket,
      extract: false,
      // Projects created from older versions still need their assets.
      prune: false,
      retainOnDelete: true,
      serverSideEncryption: ASSET_ENCRYPTION,
      outputObjectKeys: false,
    });
    // aws-cdk-lib's singleton function behind every BucketDeployment of this stack.
    const handler = deployment.handlerRole.node.scope as IConstruct;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "aws-cdk-lib's BucketDeployment function writes its logs with AWSLambdaBasicExecutionRole (logs only)",
      },
      { id: 'AwsSolutions-L1', reason: "aws-cdk-lib's BucketDeployment function: aws-cdk-lib pins its runtime" },
      {
        // The grant on the source is added while the product stack synthesizes, after aspects ran.
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${this.stagingBucketName()}/*]`,
        reason: 'Read-only: the CDK staging bucket the product assets are copied from (keys are asset hashes)',
      },
    );
    Aspects.of(this).add(new AcknowledgeWildcards([
      {
        finding: /^Action::s3:(Abort\*|DeleteObject\*|GetBucket\*|GetObject\*|List\*)$/,
        reason: "aws-cdk-lib's bucket grant action groups, on the asset bucket and the CDK staging bucket only",
      },
      {
        finding: /^Resource::(<AssetBucket\w+\.Arn>|arn:[^:]+:s3:::cdk-[\w-]+)\/\*$/,
        reason: 'Objects of the asset bucket (keys are asset hashes) or of the CDK staging bucket the assets are copied from',
      },
    ]));
  }
}

/** Properties of {@link LaunchRole}. */
interface LaunchRoleProps {
  readonly assetBucket: s3.IBucket;
}

/** One group of launch role permissions: the CloudFormation resource types it serves. */
export interface LaunchPermission {
  /** Statement id. */
  readonly sid: string;
  /** CloudFormation resource types these permissions create, update, tag and delete. */
  readonly resourceTypes: readonly string[];
  /** IAM actions. */
  readonly actions: readonly string[];
  /** Resource ARN patterns, built in the stack. */
  readonly resources: (stack: Stack) => string[];
  /** Conditions, if any. */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /** Why the resources hold a wildcard (acknowledged for cdk-nag with this reason). */
  readonly wildcardReason: string;
}

const arn = (service: string, resource: string, resourceName: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
  (stack: Stack) => [stack.formatArn({ service, resource, resourceName, arnFormat })];
/** Tag every project resource carries (SageMaker and the project construct set it). */
const PROJECT_TAG = 'sagemaker:project-id';

/** Services the product's roles are handed to by CloudFormation, per resource type. */
export const PASS_ROLE_SERVICES: Readonly<Record<string, string>> = {
  'AWS::CodeBuild::Project': 'codebuild.amazonaws.com',
  'AWS::CodePipeline::Pipeline': 'codepipeline.amazonaws.com',
  'AWS::Events::Rule': 'events.amazonaws.com',
  'AWS::Lambda::Function': 'lambda.amazonaws.com',
  'AWS::StepFunctions::StateMachine': 'states.amazonaws.com',
};

/**
 * What the launch role may do, per CloudFormation resource type of the product template. The test
 * derives the types from the synthesized product and fails on one that is missing here.
 *
 * Names: CloudFormation names unnamed resources `<stack name>-<logical id>-<suffix>`, and Service
 * Catalog names the stacks it launches `SC-<account>-pp-<id>`, hence `SC-*`; named resources follow
 * the project's naming contract (`sagemaker-*`, `*-p-*`).
 */
export const LAUNCH_PERMISSIONS: readonly LaunchPermission[] = [
  {
    sid: 'ProductStacks',
    resourceTypes: [],
    actions: [
      'cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack',
      'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResource',
      'cloudformation:DescribeStackResources', 'cloudformation:GetTemplate', 'cloudformation:SetStackPolicy',
      'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteChangeSet', 'cloudformation:TagResource', 'cloudformation:UntagResource',
    ],
    resources: arn('cloudformation', 'stack', 'SC-*/*'),
    wildcardReason: 'Service Catalog names the stacks it launches SC-<account>-pp-<id>; the ARN ends with the generated stack id',
  },
  {
    sid: 'ValidateTemplates',
    resourceTypes: [],
    // No resource types in IAM.
    actions: ['cloudformation:ValidateTemplate', 'cloudformation:GetTemplateSummary'],
    resources: () => ['*'],
    wildcardReason: 'ValidateTemplate and GetTemplateSummary have no resource type in IAM',
  },
  {
    sid: 'ReadProvisioningTemplates',
    resourceTypes: [],
    // Service Catalog's copy of the product template, in a bucket it owns and tags.
    actions: ['s3:GetObject'],
    resources: () => ['*'],
    wildcardReason: "Service Catalog's copy of the template is in a bucket it owns; only objects it tags servicecatalog:provisioning=true",
    conditions: { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } },
  },
  {
    sid: 'Roles',
    resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::Policy'],
    actions: [
      'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
      'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:ListRoleTags', 'iam:PutRolePolicy',
      'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
    ],
    resources: (stack) => [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'SC-*' })],
    wildcardReason: 'CloudFormation names these <stack name>-<logical id>-<suffix>; Service Catalog stacks are SC-<account>-pp-<id>',
  },
  {
    sid: 'Buckets',
    resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
    actions: [
      's3:CreateBucket', 's3:DeleteBucket', 's3:GetBucketLocation', 's3:PutBucketPolicy', 's3:GetBucketPolicy',
      's3:DeleteBucketPolicy', 's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration',
      's3:PutBucketVersioning', 's3:GetBucketVersioning', 's3:PutBucketPublicAccessBlock',
      's3:GetBucketPublicAccessBlock', 's3:PutLifecycleConfiguration', 's3:GetLifecycleConfiguration',
      's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutBucketOwnershipControls', 's3:GetBucketOwnershipControls',
      's3:PutBucketTagging', 's3:GetBucketTagging',
    ],
    resources: (stack) => [stack.formatArn({ service: 's3', region: '', account: '', resource: 'sagemaker-project-*' })],
    wildcardReason: "The project's buckets: sagemaker-project-<id> and its access-log bucket",
  },
  {
    sid: 'CreateKeys',
    resourceTypes: ['AWS::KMS::Key'],
    // CreateKey has no resource type; the request must carry the project tag.
    actions: ['kms:CreateKey', 'kms:TagResource'],
    resources: () => ['*'],
    wildcardReason: 'CreateKey has no resource type in IAM; the request must carry the sagemaker:project-id tag',
    conditions: { Null: { [`aws:RequestTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ManageKeys',
    resourceTypes: ['AWS::KMS::Key'],
    actions: [
      'kms:DescribeKey', 'kms:EnableKeyRotation', 'kms:GetKeyRotationStatus', 'kms:PutKeyPolicy', 'kms:GetKeyPolicy',
      'kms:UpdateKeyDescription', 'kms:ListResourceTags', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion',
    ],
    resources: arn('kms', 'key', '*'),
    wildcardReason: 'KMS key ids are generated; only keys tagged with a sagemaker:project-id',
    conditions: { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ModelPackageGroups',
    resourceTypes: ['AWS::SageMaker::ModelPackageGroup'],
    actions: [
      'sagemaker:CreateModelPackageGroup', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:DeleteModelPackageGroup',
      'sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags',
    ],
    resources: arn('sagemaker', 'model-package-group', '*-p-*'),
    wildcardReason: "The project's model package group <name>-<id>; SageMaker ids start with p-",
  },
  {
    sid: 'Repositories',
    resourceTypes: ['AWS::CodeCommit::Repository'],
    actions: [
      'codecommit:CreateRepository', 'codecommit:DeleteRepository', 'codecommit:GetRepository',
      'codecommit:UpdateRepositoryDescription', 'codecommit:CreateCommit', 'codecommit:CreateBranch',
      'codecommit:GetBranch', 'codecommit:TagResource', 'codecommit:UntagResource', 'codecommit:ListTagsForResource',
    ],
    resources: (stack) => [stack.formatArn({ service: 'codecommit', resource: 'sagemaker-*' })],
    wildcardReason: "The project's repositories sagemaker-<name>-<id>-model{build,deploy}",
  },
  {
    sid: 'BuildProjects',
    resourceTypes: ['AWS::CodeBuild::Project'],
    actions: ['codebuild:CreateProject', 'codebuild:UpdateProject', 'codebuild:DeleteProject', 'codebuild:BatchGetProjects'],
    resources: arn('codebuild', 'project', 'sagemaker-*'),
    wildcardReason: "The project's CodeBuild projects sagemaker-<name>-<id>-*",
  },
  {
    sid: 'Pipelines',
    resourceTypes: ['AWS::CodePipeline::Pipeline'],
    actions: [
      'codepipeline:CreatePipeline', 'codepipeline:UpdatePipeline', 'codepipeline:DeletePipeline',
      'codepipeline:GetPipeline', 'codepipeline:GetPipelineState', 'codepipeline:TagResource',
      'codepipeline:UntagResource', 'codepipeline:ListTagsForResource',
    ],
    resources: (stack) => [stack.formatArn({ service: 'codepipeline', resource: 'sagemaker-*' })],
    wildcardReason: "The project's CodePipelines sagemaker-<name>-<id>-model{build,deploy}",
  },
  {
    sid: 'Rules',
    resourceTypes: ['AWS::Events::Rule'],
    actions: [
      'events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:EnableRule', 'events:DisableRule',
      'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule', 'events:TagResource',
      'events:UntagResource', 'events:ListTagsForResource',
    ],
    resources: arn('events', 'rule', 'sagemaker-*'),
    wildcardReason: "The project's EventBridge rules sagemaker-<name>-<id>-{build,code,model}",
  },
  {
    sid: 'Queues',
    resourceTypes: ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy'],
    actions: [
      'sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:GetQueueUrl',
      'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:ListQueueTags',
    ],
    resources: (stack) => [stack.formatArn({ service: 'sqs', resource: 'SC-*' })],
    wildcardReason: 'CloudFormation names these <stack name>-<logical id>-<suffix>; Service Catalog stacks are SC-<account>-pp-<id>',
  },
  {
    sid: 'LogGroups',
    resourceTypes: ['AWS::Logs::LogGroup'],
    actions: [
      'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
      'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource', 'logs:TagLogGroup', 'logs:UntagLogGroup',
    ],
    resources: arn('logs', 'log-group', 'SC-*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names these <stack name>-<logical id>-<suffix>; Service Catalog stacks are SC-<account>-pp-<id>',
  },
  {
    sid: 'Functions',
    resourceTypes: [
      'AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::Permission',
      // Lambda-backed custom resources: CloudFormation invokes the function with the launch role.
      'Custom::SageMakerProjectTeardown', 'Custom::S3AutoDeleteObjects',
    ],
    actions: [
      'lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:UntagResource',
      'lambda:ListTags', 'lambda:PutFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig',
      'lambda:GetFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig', 'lambda:AddPermission',
      'lambda:RemovePermission', 'lambda:InvokeFunction',
    ],
    resources: arn('lambda', 'function', 'SC-*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names these <stack name>-<logical id>-<suffix>; Service Catalog stacks are SC-<account>-pp-<id>',
  },
  {
    sid: 'CreateStateMachines',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    // CloudFormation names state machines <logical id>-<suffix>, without the stack name: scope by tag.
    actions: ['states:CreateStateMachine', 'states:TagResource'],
    resources: arn('states', 'stateMachine', '*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names state machines <logical id>-<suffix>, without the stack name; the request must carry the sagemaker:project-id tag',
    conditions: { Null: { [`aws:RequestTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'ManageStateMachines',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    actions: [
      'states:DescribeStateMachine', 'states:UpdateStateMachine', 'states:DeleteStateMachine',
      'states:ListTagsForResource', 'states:UntagResource',
    ],
    resources: arn('states', 'stateMachine', '*', ArnFormat.COLON_RESOURCE_NAME),
    wildcardReason: 'CloudFormation names state machines <logical id>-<suffix>, without the stack name; only state machines tagged with a sagemaker:project-id',
    conditions: { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'false' } },
  },
  {
    sid: 'StateMachineLogDelivery',
    resourceTypes: ['AWS::StepFunctions::StateMachine'],
    // Vended log delivery for state machine logging accepts only '*'.
    actions: [
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ],
    resources: () => ['*'],
    wildcardReason: 'CloudWatch Logs vended log delivery (state machine logging) accepts only *',
  },
  {
    sid: 'PassProjectRoles',
    resourceTypes: [],
    actions: ['iam:PassRole'],
    resources: (stack) => [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'SC-*' })],
    conditions: { StringEquals: { 'iam:PassedToService': [...new Set(Object.values(PASS_ROLE_SERVICES))].sort() } },
    wildcardReason: "The product's own roles (CloudFormation names them after the SC-* stack), only to the services that use them",
  },
];


/**
 * The launch role: assumed by Service Catalog, limited to the resource types of the product and
 * to the names they get.
 */
class LaunchRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: LaunchRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Resource', {
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
      description: 'Service Catalog launch role of the SageMaker MLOps project product',
    });
    const policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: LAUNCH_PERMISSIONS.map((p) => new iam.PolicyStatement({
        sid: p.sid,
        actions: [...p.actions],
        resources: p.resources(stack),
        conditions: p.conditions,
      })),
    });
    props.assetBucket.grantRead(this.role);

    // Each wildcard of the launch policy with the reason of its statement.
    const acknowledged = new Set<string>();
    const onStar: string[] = [];
    for (const p of LAUNCH_PERMISSIONS) {
      for (const resource of p.resources(stack).map((r) => flatten(stack.resolve(r)))) {
        if (resource === '*') onStar.push(`${p.sid}: ${p.wildcardReason}`);
        else if (resource.includes('*') && !acknowledged.has(resource)) {
          acknowledged.add(resource);
          Validations.of(policy.node.defaultChild!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: p.wildcardReason });
        }
      }
    }
    Validations.of(policy.node.defaultChild!).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: onStar.join('; ') });
  }
}

/** Renders a resolved ARN the way cdk-nag names it in findings (`arn:<AWS::Partition>:...`). */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  const join = v['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flatten).join(String(join[0]));
  return JSON.stringify(value);
}
