import * as path from 'node:path';
import {
  App, Aws, DockerImageAssetLocation, FileAssetLocation, FileAssetPackaging, FileAssetSource, ISynthesisSession,
  Stack, StackProps, StackSynthesizer, Validations,
} from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LaunchRole, PROVISIONER_STACK_PREFIX, Provisioner } from './launch-role';
import { ProjectRoleBoundary } from './project-role-boundary';
import { managedPolicyFromNameOrArn } from '../private/iam';
import { defineStudioProjectTemplate, studioTemplateDescription } from './project-template';
import { ConnectionTemplateConstraints, ProjectOptions } from '../contract/options';
import { SageMakerProject } from '../project/sagemaker-project';
import { ConfigError } from '../contract/errors';
import type { SourceProviderName } from '../contract/options';
import type { DeploymentAccounts } from '../contract/accounts';

/** Tag that makes an S3 object (or a Service Catalog product) a template Studio lists. */
export const STUDIO_VISIBILITY_TAG = 'sagemaker:studio-visibility';
/** Tag of the Studio domain that names the S3 location of the templates. */
export const TEMPLATES_LOCATION_TAG = 'sagemaker:projectS3TemplatesLocation';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)*$/;

/**
 * Where a version of the S3-hosted template and its assets live: `s3://<bucket>/<prefix>`.
 *
 * - `<prefix>sagemaker-mlops-project-<version>.json`: the template (tagged for Studio), one per
 *   version: publishing a new version never changes what projects of an older one were created from;
 * - `<prefix>assets/<hash>.zip`: seed code and Lambda bundles, content-addressed, shared by versions;
 * - `<prefix>launch-role-<version>.json`: the optional launch role's template (not for Studio).
 */
export class StudioTemplateLocation {
  /** The bucket. */
  public readonly bucketName: string;
  /** The key prefix: empty, or ending with `/`. */
  public readonly prefix: string;
  /** The template version (`productVersion`). */
  public readonly version: string;

  /** Validates bucket and prefix; throws `ConfigError` with one line naming the bad value. */
  constructor(bucketName: string, prefix: string, version: string) {
    if (!BUCKET_NAME.test(bucketName) || bucketName.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucketName)) {
      throw new ConfigError(`\`--bucket\` must be an S3 bucket name (3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit); got '${bucketName}'`);
    }
    const normalized = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    if (!PREFIX.test(normalized) || normalized.split('/').some((part) => part === '.' || part === '..') || normalized.length > 512) {
      throw new ConfigError(`\`--prefix\` must be a key prefix of folders made of letters, digits and !_.*'()- separated by '/', not starting with '/' (like 'templates/' or 'ml/templates'); got '${prefix}'`);
    }
    this.bucketName = bucketName;
    this.prefix = normalized;
    this.version = version;
  }

  /** Key of the template. */
  public get templateKey(): string {
    return `${this.prefix}sagemaker-mlops-project-${this.version}.json`;
  }

  /** Key of the launch role's template. */
  public get launchRoleTemplateKey(): string {
    return `${this.prefix}launch-role-${this.version}.json`;
  }

  /** Key prefix of the assets. */
  public get assetPrefix(): string {
    return `${this.prefix}assets/`;
  }

  /** The value of the domain tag `sagemaker:projectS3TemplatesLocation`. */
  public get s3Url(): string {
    return `s3://${this.bucketName}/${this.prefix}`;
  }
}

/** A file the template refers to, and the key it is published under. */
export interface PublishedAsset {
  /** The staged file or folder, relative to the cloud assembly folder (or absolute). */
  readonly source: string;
  /** Whether `source` is a folder to be zipped or a file copied as is. */
  readonly packaging: FileAssetPackaging;
  /** Key in the template bucket. */
  readonly key: string;
}

/**
 * Synthesizes a stack into a template that needs nothing but its S3 location: assets are
 * referred to at `<prefix>assets/<hash><ext>` of the template bucket, and listed in {@link assets}
 * for the publisher. No CDK bootstrap resources (staging bucket, roles, version parameter).
 */
export class StudioTemplateSynthesizer extends StackSynthesizer {
  /** The file assets of the stack, to be uploaded beside the template. */
  public readonly assets: PublishedAsset[] = [];

  constructor(private readonly location: StudioTemplateLocation) {
    super();
  }

  public addFileAsset(asset: FileAssetSource): FileAssetLocation {
    if (!asset.fileName) throw new Error(`asset ${asset.sourceHash}: only file assets can be published beside an S3 template`);
    const packaging = asset.packaging ?? FileAssetPackaging.FILE;
    const extension = packaging === FileAssetPackaging.ZIP_DIRECTORY ? '.zip' : path.extname(asset.fileName);
    const key = `${this.location.assetPrefix}${asset.sourceHash}${extension}`;
    if (!this.assets.some((a) => a.key === key)) this.assets.push({ source: asset.fileName, packaging, key });
    const bucketName = this.location.bucketName;
    return {
      bucketName,
      objectKey: key,
      httpUrl: `https://s3.${Aws.REGION}.${Aws.URL_SUFFIX}/${bucketName}/${key}`,
      s3ObjectUrl: `s3://${bucketName}/${key}`,
    };
  }

  public addDockerImageAsset(): DockerImageAssetLocation {
    throw new Error('container image assets cannot be published beside an S3 template');
  }

  public synthesize(session: ISynthesisSession): void {
    this.synthesizeTemplate(session);
    this.emitArtifact(session);
  }
}

/** Properties of {@link StudioTemplateStack}. */
export interface StudioTemplateStackProps extends Pick<StackProps, 'description' | 'tags'> {
  /** Where the template and its assets are published. */
  readonly location: StudioTemplateLocation;
  /**
   * The project's settings, baked into the template and forwarded whole.
   * @default - the defaults of every setting
   */
  readonly project?: ProjectOptions;
  /**
   * Name or ARN of the permissions boundary of every role of the template: the organisation's
   * boundary (the `permissionsBoundary` setting), or the project role boundary its launch role
   * stack ships ({@link StudioTemplateLaunchRoleStack}, named {@link projectRoleBoundaryName}).
   * The launch role creates roles only with its boundary, so a template without one cannot be
   * launched with it.
   * @default - none
   */
  readonly permissionsBoundary?: string;
  /** What Studio users of a connection template may choose. @default - any connection and repository */
  readonly connectionConstraints?: ConnectionTemplateConstraints;
  /** Multi-account deployment, fixed at publishing. @default - single-account */
  readonly deploymentAccounts?: DeploymentAccounts;
}

/**
 * The project as an S3-hosted SageMaker project template: the same template body as the Service
 * Catalog product (parameters `SageMakerProjectName` / `SageMakerProjectId`, Studio metadata, the
 * `SageMakerProject` construct), synthesized to stand alone beside its assets.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-custom.html
 */
export class StudioTemplateStack extends Stack {
  /** The project. */
  public readonly project: SageMakerProject;
  /** The synthesizer, whose `assets` the publisher uploads. */
  public readonly templateSynthesizer: StudioTemplateSynthesizer;

  constructor(scope: Construct, id: string, props: StudioTemplateStackProps) {
    const { location, project, permissionsBoundary, connectionConstraints, deploymentAccounts, ...stackProps } = props;
    const synthesizer = new StudioTemplateSynthesizer(location);
    super(scope, id, {
      description: studioTemplateDescription(project),
      // No AWS::CDK::Metadata: the template is published, not deployed by the CDK CLI.
      analyticsReporting: false,
      ...stackProps,
      synthesizer,
    });
    this.templateSynthesizer = synthesizer;
    this.project = defineStudioProjectTemplate(this, { project, permissionsBoundary, connectionConstraints, deploymentAccounts }).project;
  }
}

/** Properties of {@link StudioTemplateLaunchRoleStack}. */
export interface StudioTemplateLaunchRoleStackProps extends Pick<StackProps, 'description' | 'tags'> {
  /** Where the template and its assets are published (the role reads them). */
  readonly location: StudioTemplateLocation;
  /**
   * Name of the launch role, chosen when a project is created.
   * @default 'SageMakerMlopsProjectLaunchRole' ('SageMakerMlopsProjectConnectionLaunchRole' for a
   * CodeConnections template)
   */
  readonly roleName?: string;
  /**
   * The project template this role provisions: the project role boundary the stack ships is
   * derived from its roles.
   */
  readonly template: Stack;
  /**
   * Name of the project role boundary this stack creates, which the template's roles carry.
   * @default projectRoleBoundaryName(roleName)
   */
  readonly projectRoleBoundaryName?: string;
  /**
   * Name or ARN of the organisation's permissions boundary (the `permissionsBoundary` setting):
   * the template's roles then carry it instead of the shipped project role boundary, the launch
   * role creates and changes roles only with it, and carries it itself.
   * @default - the template's roles carry the shipped project role boundary; the launch role none
   */
  readonly permissionsBoundary?: string;
  /**
   * The source provider the template was synthesized for: a connection template's launch role may
   * also pass connections to CodePipeline, and needs no CodeCommit permissions.
   * @default 'codecommit'
   */
  readonly sourceProvider?: SourceProviderName;
  /**
   * Whether the template deploys to target accounts: the launch role may then also create the
   * project's named multi-account roles and set the model package group's resource policy.
   * @default false
   */
  readonly multiAccount?: boolean;
}

/**
 * The launch role of the S3-hosted template, as a template of its own that the platform team
 * deploys once per account (with `aws cloudformation deploy`, no CDK bootstrap): CloudFormation
 * creates projects with it, limited to the template's resource types ({@link LaunchRole}).
 */
export class StudioTemplateLaunchRoleStack extends Stack {
  /** The launch role. */
  public readonly launchRole: iam.Role;
  /** The project role boundary it ships (none when the organisation's boundary is configured). */
  public readonly projectRoleBoundary?: ProjectRoleBoundary;

  constructor(scope: Construct, id: string, props: StudioTemplateLaunchRoleStackProps) {
    const { location, roleName: givenRoleName, permissionsBoundary, sourceProvider, multiAccount, template, projectRoleBoundaryName: boundaryName, ...stackProps } = props;
    super(scope, id, {
      description: 'Launch role of the SageMaker MLOps project template (S3): CloudFormation creates projects with it',
      analyticsReporting: false,
      ...stackProps,
      synthesizer: new StudioTemplateSynthesizer(location),
    });
    // Both variants' launch roles (and boundaries) can live side by side in one account.
    const roleName = givenRoleName ?? defaultLaunchRoleName(sourceProvider);
    const organisationBoundary = permissionsBoundary === undefined ? undefined : managedPolicyFromNameOrArn(this, 'PermissionsBoundary', permissionsBoundary);
    if (!organisationBoundary) {
      this.projectRoleBoundary = new ProjectRoleBoundary(this, 'ProjectRoleBoundary', {
        managedPolicyName: boundaryName ?? projectRoleBoundaryName(roleName),
        templates: [template],
        stackPrefix: PROVISIONER_STACK_PREFIX[Provisioner.S3_TEMPLATE],
      });
    }
    const launchRole = new LaunchRole(this, 'LaunchRole', {
      provisioner: Provisioner.S3_TEMPLATE,
      roleName,
      sourceProvider,
      multiAccount,
      projectRoleBoundary: organisationBoundary ?? this.projectRoleBoundary!.policy,
      permissionsBoundary: organisationBoundary,
    });
    this.launchRole = launchRole.role;
    // CloudFormation reads the Lambda and seed-code assets with the launch role.
    const objects = (pattern: string) => this.formatArn({ service: 's3', region: '', account: '', resource: location.bucketName, resourceName: pattern });
    launchRole.policy.addStatements(new iam.PolicyStatement({
      sid: 'ReadTemplateAssets',
      actions: ['s3:GetObject'],
      resources: [objects(`${location.assetPrefix}*`)],
      // The template bucket of this account: a bucket of the same name elsewhere (deleted, then
      // created by someone else) is not read from.
      conditions: { StringEquals: { 's3:ResourceAccount': this.account } },
    }));
    Validations.of(launchRole.policy.node.defaultChild!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${location.bucketName}/${location.assetPrefix}*]`,
      reason: "Read-only: the template's assets (keys are content hashes) beside it in the template bucket",
    });
  }
}

/** The launch role's name unless one is given: one per source provider, so both fit in one account. */
export function defaultLaunchRoleName(sourceProvider?: SourceProviderName): string {
  return sourceProvider === 'codeconnections' ? 'SageMakerMlopsProjectConnectionLaunchRole' : 'SageMakerMlopsProjectLaunchRole';
}

/** Name of the project role boundary a launch role stack ships: the launch role's name and `-ProjectRoles`. */
export function projectRoleBoundaryName(launchRoleName: string): string {
  return `${launchRoleName}-ProjectRoles`;
}

/** Stack ids of the publisher's app. */
export const STUDIO_TEMPLATE_STACK_ID = 'sagemaker-mlops-project-template';
export const STUDIO_LAUNCH_ROLE_STACK_ID = 'sagemaker-mlops-project-launch-role';

/** What {@link studioTemplateApp} bakes into the template (a parsed configuration has both). */
export interface StudioTemplateSettings {
  /** The project's settings. @default - the defaults of every setting */
  readonly project?: ProjectOptions;
  /** Name or ARN of the permissions boundary of every role. @default - none */
  readonly permissionsBoundary?: string;
  /** What Studio users of a connection template may choose. @default - any connection and repository */
  readonly connectionConstraints?: ConnectionTemplateConstraints;
  /** Multi-account deployment, fixed at publishing. @default - single-account */
  readonly deploymentAccounts?: DeploymentAccounts;
}

/** The publisher's app: the template and its launch role for one location and configuration. */
export function studioTemplateApp(app: App, config: StudioTemplateSettings, location: StudioTemplateLocation): {
  template: StudioTemplateStack;
  launchRole: StudioTemplateLaunchRoleStack;
} {
  const sourceProvider = config.project?.sourceProvider;
  // The template's roles carry the organisation's boundary, or the one the launch role stack ships.
  const template = new StudioTemplateStack(app, STUDIO_TEMPLATE_STACK_ID, {
    location,
    project: config.project,
    connectionConstraints: config.connectionConstraints,
    deploymentAccounts: config.deploymentAccounts,
    permissionsBoundary: config.permissionsBoundary ?? projectRoleBoundaryName(defaultLaunchRoleName(sourceProvider)),
  });
  return {
    template,
    launchRole: new StudioTemplateLaunchRoleStack(app, STUDIO_LAUNCH_ROLE_STACK_ID, {
      location,
      template,
      permissionsBoundary: config.permissionsBoundary,
      sourceProvider,
      multiAccount: config.deploymentAccounts !== undefined,
    }),
  };
}
