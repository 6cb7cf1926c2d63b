/**
 * The front door of the package: what a platform team composes in its own CDK app. Everything
 * exported here is supported; the modules behind it may move.
 *
 * - the project construct ({@link SageMakerProject}) and the stacks that hold it
 *   ({@link MlopsProjectStack}; {@link TargetAccountSetupStack}, the one-time preparation of a
 *   multi-account project's staging or prod account);
 * - where the code lives ({@link SourceProvider});
 * - the naming contract ({@link ProjectNames}), the settings, their defaults and rules;
 * - the configuration parser `bin/app.ts` uses (CDK context to stack properties);
 * - the ways to publish a project to SageMaker Studio (Service Catalog product, S3 template).
 */

// The naming contract, the settings and their rules.
export { ConfigError } from './contract/errors';
export {
  DEPLOYMENT_STAGES, NAME_LIMITS, ProjectNames, projectStackName, stackDerivedProjectId, TARGET_ROLE_KINDS,
} from './contract/names';
export type { DeploymentStage, NameLimit, TargetRoleKind } from './contract/names';
export { DEFAULT_PROJECT_NAME, DEFAULT_PROJECT_SETTINGS, LOG_RETENTION_DAYS, SOURCE_PROVIDERS } from './contract/options';
export type { ProjectOptions, ProjectSettings, SourceProviderName } from './contract/options';
export type { DeploymentAccounts } from './contract/accounts';

// Where the code lives.
export { SourceProvider } from './source/source-provider';
export type {
  CommitTriggerOptions, ConnectionSourceOptions, IProjectRepository, ProjectRepositories, RepositoryOutput, SourceBindOptions,
} from './source/source-provider';

// The project and its stacks.
export { projectPropsFromSettings, SageMakerProject } from './project/sagemaker-project';
export type { SageMakerProjectProps, SageMakerProjectSettings } from './project/sagemaker-project';
export { MlopsProjectStack } from './stacks/mlops-project-stack';
export type { MlopsProjectStackProps } from './stacks/mlops-project-stack';
export { TargetAccountSetupStack } from './stacks/target-account-setup-stack';
export type { TargetAccountSetupStackProps } from './stacks/target-account-setup-stack';
export { TargetAccountResources, targetAccountResourcesStack } from './project/target-account-resources';
export type { TargetAccountResourcesProps, TargetAccountSettings, TargetStageRoles } from './project/target-account-resources';
export { TARGET_SETUP } from './contract/accounts';

// CDK context to configuration, as `bin/app.ts` reads it.
export { CONFIG_KEYS, parseProjectConfig, parseTargetAccountSetup, projectStackProps, serviceCatalogStackProps } from './config/project-config';
export type { ParseOptions, ProjectConfig, TargetAccountSetupConfig } from './config/project-config';

// SageMaker Studio: the Service Catalog product and the S3-hosted template.
export { ServiceCatalogStack } from './studio/service-catalog-stack';
export type { ServiceCatalogStackProps } from './studio/service-catalog-stack';
export { SageMakerProjectProductStack } from './studio/product-stack';
export type { SageMakerProjectProductStackProps } from './studio/product-stack';
export {
  STUDIO_VISIBILITY_TAG, StudioTemplateLaunchRoleStack, StudioTemplateLocation, StudioTemplateStack, studioTemplateApp,
} from './studio/studio-template-stack';
export type { StudioTemplateLaunchRoleStackProps, StudioTemplateSettings, StudioTemplateStackProps } from './studio/studio-template-stack';
export { LaunchRole, launchPermissions, Provisioner } from './studio/launch-role';
export type { LaunchPermission, LaunchRoleProps } from './studio/launch-role';

// The app `cdk synth` builds from a configuration.
export { addProjectStacks, addTargetAccountSetupStack } from './project-app';
export type { ProjectAppOptions, ProjectAppStacks } from './project-app';
