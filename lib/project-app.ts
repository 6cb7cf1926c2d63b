import { Annotations, App, Environment } from 'aws-cdk-lib';
import { ProjectConfig, projectStackProps, serviceCatalogStackProps } from './config/project-config';
import { projectStackName } from './contract/names';
import { MlopsProjectStack } from './stacks/mlops-project-stack';
import { addTargetAccountStacks, TargetAccountStack } from './stacks/target-account-stack';
import { ServiceCatalogStack } from './studio/service-catalog-stack';

/** Options of {@link addProjectStacks}. */
export interface ProjectAppOptions {
  /**
   * Environment of the Service Catalog stack (with `serviceCatalog=true`): its account and region
   * name the product's asset bucket.
   * @default - environment-agnostic
   */
  readonly serviceCatalogEnv?: Environment;
}

/** The stacks {@link addProjectStacks} adds. */
export interface ProjectAppStacks {
  /** The project stack. */
  readonly stack: MlopsProjectStack;
  /** Multi-account: one stack per target account (none in single-account mode). */
  readonly targets: TargetAccountStack[];
  /** The Service Catalog stack, with `serviceCatalog=true`. */
  readonly serviceCatalog?: ServiceCatalogStack;
}

/**
 * What `cdk synth` builds for a configuration: the project stack (with a warning for every
 * setting that has no effect), its target account stacks, and the Service Catalog stack when
 * `serviceCatalog=true`. `bin/app.ts` runs it; tests build the same app with it.
 */
export function addProjectStacks(app: App, config: ProjectConfig, options: ProjectAppOptions = {}): ProjectAppStacks {
  const stack = new MlopsProjectStack(app, projectStackName(config), {
    ...projectStackProps(config),
    description: `SageMaker MLOps project ${config.projectName}: model building, training and deployment`,
  });
  // Settings that only the Service Catalog product reads: say so instead of ignoring them silently.
  for (const warning of config.warnings) Annotations.of(stack).addWarningV2('@mlops/config:ignored-setting', warning);
  // Multi-account: one stack per target account, deployed there after the project stack.
  const targets = addTargetAccountStacks(app, stack.project, config.deploymentAccounts, config.permissionsBoundary);
  const serviceCatalog = config.serviceCatalog
    ? new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', { ...serviceCatalogStackProps(config), env: options.serviceCatalogEnv })
    : undefined;
  return { stack, targets, serviceCatalog };
}
