import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, ArnFormat, Aspects, BOOTSTRAP_QUALIFIER_CONTEXT, DefaultStackSynthesizer, Duration, Names, RemovalPolicy, Stack, StackProps, Tags, Token, Validations } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct, IConstruct } from 'constructs';
import { PRODUCT_SNAPSHOT_DIR } from '../paths';
import { LaunchRole, PROVISIONER_STACK_PREFIX, Provisioner } from './launch-role';
import { ProjectRoleBoundary } from './project-role-boundary';
import { accessLogsBucket } from '../private/access-logs-bucket';
import { managedPolicyFromNameOrArn } from '../private/iam';
import { EventBridgeNotifications } from '../private/eventbridge-notifications';
import { AcknowledgeCompliancePacks } from '../private/compliance-pack-acknowledgements';
import { AcknowledgeWildcards } from '../private/wildcard-acknowledgements';
import { ConfigError } from '../contract/errors';
import { ConnectionTemplateConstraints, ProjectOptions, SourceProviderName } from '../contract/options';
import { PRODUCT_ASSET_ENCRYPTION, SageMakerProjectProductStack } from './product-stack';
import { CONNECTION_PARAMETER } from './project-template';
import { STUDIO_VISIBILITY_TAG } from './studio-template-stack';
import type { DeploymentAccounts } from '../contract/accounts';

/**
 * Whether a (released) product template deploys to target accounts: it has the role named
 * `sagemaker-<id>-deploy-pipeline` (`ProjectNames.deployPipelineRoleName`), which only a
 * multi-account project names. Its projects keep (and on an update to a single-account version
 * remove) that role and the smoke test's, so the launch role needs the multi-account permissions.
 */
export function deploysToTargetAccounts(template: unknown): boolean {
  const resources = Object.values((template as { Resources?: Record<string, { Type?: string; Properties?: { RoleName?: unknown } }> }).Resources ?? {});
  return resources.some((r) => r.Type === 'AWS::IAM::Role' && /-deploy-pipeline"\]\]\}$|-deploy-pipeline"$/.test(JSON.stringify(r.Properties?.RoleName ?? '')));
}

// Moved to their own files; still exported here for existing imports.

/** Properties of {@link ServiceCatalogStack}. */
export interface ServiceCatalogStackProps extends StackProps {
  /**
   * The project's settings, baked into the product template (its name and id are the template's
   * parameters, which Studio fills in).
   * @default - the defaults of every setting
   */
  readonly project?: ProjectOptions;
  /**
   * Name or ARN of a managed policy applied as permissions boundary to every role of this stack
   * and of the product (the `permissionsBoundary` setting); the launch role then creates roles
   * only with it.
   * @default - no permissions boundary
   */
  readonly boundaryPolicy?: string;
  /**
   * IAM role, user or group ARNs (Studio execution roles) the portfolio is shared with.
   * @default - shared with nobody (share it later in the console or with the CLI)
   */
  readonly portfolioPrincipals?: readonly string[];
  /**
   * Name of the product version this synth publishes; a new name publishes a new version, and
   * every version found in the snapshot folder stays.
   * @default 'v1'
   */
  readonly productVersion?: string;
  /** What Studio users of a connection product may choose. @default - any connection and repository */
  readonly connectionConstraints?: ConnectionTemplateConstraints;
  /**
   * Multi-account deployment of the product's projects, fixed here: a Studio user cannot change
   * the accounts the stages deploy to.
   * @default - single-account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
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
  /** The permissions boundary of the product's roles it ships (none when the organisation's boundary is configured). */
  public readonly projectRoleBoundary?: ProjectRoleBoundary;

  constructor(scope: Construct, id: string, props: ServiceCatalogStackProps) {
    super(scope, id, {
      description: 'Service Catalog portfolio and product: the SageMaker MLOps project as a SageMaker Studio organization template',
      ...props,
    });
    const project = props.project ?? {};
    const productVersion = props.productVersion ?? 'v1';
    const snapshotDirectory = props.snapshotDirectory ?? PRODUCT_SNAPSHOT_DIR;

    this.assetBucket = this.createAssetBucket(props.assetBucketName);
    const boundary = this.permissionsBoundary(props.boundaryPolicy);
    // Without the organisation's boundary, the product's roles carry the one this stack ships.
    const projectRoleBoundaryName = `${this.stackName}-ProjectRoles`;
    this.productStack = new SageMakerProjectProductStack(this, 'ProductStack', {
      assetBucket: this.assetBucket,
      project: props.project,
      connectionConstraints: props.connectionConstraints,
      deploymentAccounts: props.deploymentAccounts,
      permissionsBoundary: props.boundaryPolicy ?? projectRoleBoundaryName,
    });
    this.productStackHistory = new servicecatalog.ProductStackHistory(this, 'ProductStackHistory', {
      productStack: this.productStack,
      currentVersionName: productVersion,
      // A released version never changes under existing projects: a changed template needs a new name.
      currentVersionLocked: true,
      directory: snapshotDirectory,
    });
    const previousVersions = this.releasedVersions(snapshotDirectory).filter((v) => v !== productVersion);
    this.refuseMixedVariants(snapshotDirectory, previousVersions, project.sourceProvider ?? 'codecommit');

    this.product = new servicecatalog.CloudFormationProduct(this, 'Product', {
      productName: project.sourceProvider === 'codeconnections'
        ? 'SageMaker MLOps project (model building, training and deployment, your Git repositories)'
        : 'SageMaker MLOps project (model building, training and deployment)',
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
    (props.portfolioPrincipals ?? []).forEach((arn, i) => this.sharePortfolio(`Principal${i}`, arn));
    this.portfolio.addProduct(this.product);

    if (!boundary) {
      this.projectRoleBoundary = new ProjectRoleBoundary(this, 'ProjectRoleBoundary', {
        managedPolicyName: projectRoleBoundaryName,
        // Every released version's roles, so that projects of older versions keep what they need.
        templates: [this.productStack, ...previousVersions.map((v) => this.snapshotTemplate(snapshotDirectory, v))],
        stackPrefix: PROVISIONER_STACK_PREFIX[Provisioner.SERVICE_CATALOG],
      });
    }
    this.launchRole = new LaunchRole(this, 'LaunchRole', {
      provisioner: Provisioner.SERVICE_CATALOG,
      projectRoleBoundary: boundary ?? this.projectRoleBoundary!.policy,
      permissionsBoundary: boundary,
      sourceProvider: project.sourceProvider,
      // Projects of a released multi-account version keep (and on update remove) their named roles.
      multiAccount: props.deploymentAccounts !== undefined
        || previousVersions.some((v) => deploysToTargetAccounts(this.snapshotTemplate(snapshotDirectory, v))),
    }).role;
    // Every role of this stack too (the asset deployment's), not only the product's.
    if (boundary) iam.PermissionsBoundary.of(this).apply(boundary);
    this.assetBucket.grantRead(this.launchRole);
    this.portfolio.setLaunchRole(this.product, this.launchRole, {
      description: 'Provisions the SageMaker project with a role limited to what the product creates',
    });
  }

  /**
   * Refuses a product whose released versions are of the other source provider: a project updated
   * from a CodeCommit version to a CodeConnections one (or back) would replace its repositories, so
   * one product offers one variant.
   */
  private refuseMixedVariants(directory: string, versions: readonly string[], current: SourceProviderName): void {
    const other = versions.filter((v) => snapshotProvider(path.join(directory, this.snapshotFileName(v))) !== current);
    if (other.length === 0) return;
    const otherProvider: SourceProviderName = current === 'codecommit' ? 'codeconnections' : 'codecommit';
    throw new ConfigError(`\`sourceProvider\` '${current}' cannot be a version of this product: its released version(s) ${other.join(', ')} `
      + `(snapshots in ${directory}) are ${otherProvider} versions, and a project updated from one to the other would replace its repositories; `
      + `offer the ${current} variant as an S3 template (npm run publish-template, docs/publish-to-studio.md), or set \`sourceProvider\` ${otherProvider}`);
  }

  /** ProductStackHistory's file name: <history id>.<product stack artifact id>.<version>.product.template.json */
  private snapshotFileName(version: string): string {
    return `${Names.uniqueId(this.productStackHistory)}.${this.productStack.artifactId}.${version}.product.template.json`;
  }

  /** The version names of the snapshots in a folder, in natural order (v2 before v10). */
  private releasedVersions(directory: string): string[] {
    if (!fs.existsSync(directory)) return [];
    const [prefix, suffix] = this.snapshotFileName('\0').split('\0');
    return fs.readdirSync(directory)
      .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
      .map((f) => f.slice(prefix.length, -suffix.length))
      // File dates change with every clone; an order from names keeps the template stable.
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /** The product template of a released version, from its snapshot. */
  private snapshotTemplate(directory: string, version: string): unknown {
    const file = `${Names.uniqueId(this.productStackHistory)}.${this.productStack.artifactId}.${version}.product.template.json`;
    return JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8'));
  }

  private permissionsBoundary(nameOrArn?: string): iam.IManagedPolicy | undefined {
    return nameOrArn ? managedPolicyFromNameOrArn(this, 'PermissionsBoundary', nameOrArn) : undefined;
  }

  private sharePortfolio(id: string, arn: string): void {
    const resource = Stack.of(this).splitArn(arn, ArnFormat.SLASH_RESOURCE_NAME).resource;
    if (resource === 'user') this.portfolio.giveAccessToUser(iam.User.fromUserArn(this, id, arn));
    else if (resource === 'group') this.portfolio.giveAccessToGroup(iam.Group.fromGroupArn(this, id, arn));
    else this.portfolio.giveAccessToRole(iam.Role.fromRoleArn(this, id, arn, { mutable: false }));
  }

  private createAssetBucket(bucketName?: string): s3.Bucket {
    const name = bucketName ?? this.defaultAssetBucketName();
    const accessLogs = accessLogsBucket(this, 'AssetAccessLogs', { removalPolicy: RemovalPolicy.RETAIN });
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
      // Asset keys are content hashes: a noncurrent version is a re-upload of the same bytes.
      lifecycleRules: [
        { id: 'ExpireReuploads', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Projects created from any released version still read their assets: never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Retained buckets keep their policies (TLS only; the log delivery grant): without them they
    // would stay behind unprotected.
    for (const b of [bucket, accessLogs]) b.policy?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.createAssetDeployment(bucket);
    Aspects.of(this).add(new EventBridgeNotifications());
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
      serverSideEncryption: PRODUCT_ASSET_ENCRYPTION,
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
    // HIPAA Security and NIST 800-53 R5 findings of the stack's own resources (asset bucket, BucketDeployment, launch role).
    Aspects.of(this).add(new AcknowledgeCompliancePacks());
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

/** The source provider a product template snapshot was made for: the CodeConnections variant takes the connection as a parameter. */
function snapshotProvider(file: string): SourceProviderName {
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Parameters?: Record<string, unknown> };
  return template.Parameters && CONNECTION_PARAMETER in template.Parameters ? 'codeconnections' : 'codecommit';
}
