import { Annotations, App, Environment } from 'aws-cdk-lib/core';
import { ProjectConfig, projectStackProps, serviceCatalogStackProps, TargetAccountSetupConfig } from './config/project-config';
import { TARGET_SETUP } from './contract/accounts';
import { projectStackName } from './contract/names';
import { MlopsProjectStack } from './stacks/mlops-project-stack';
import { TargetAccountSetupStack } from './stacks/target-account-setup-stack';
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
  /** The Service Catalog stack, with `serviceCatalog=true`. */
  readonly serviceCatalog?: ServiceCatalogStack;
}

/**
 * What `cdk synth` builds for a configuration: the project stack (with a warning for every
 * setting that has no effect) and the Service Catalog stack when `serviceCatalog=true`. A
 * multi-account project needs nothing else: its deploy pipeline deploys what it needs in the
 * target accounts, once they are prepared ({@link addTargetAccountSetupStack}). `bin/app.ts` runs
 * it; tests build the same app with it.
 */
export function addProjectStacks(app: App, config: ProjectConfig, options: ProjectAppOptions = {}): ProjectAppStacks {
  const stack = new MlopsProjectStack(app, projectStackName(config), {
    ...projectStackProps(config),
    description: `SageMaker MLOps project ${config.projectName}: model building, training and deployment`,
  });
  // Settings that only the Service Catalog product reads: say so instead of ignoring them silently.
  for (const warning of config.warnings) Annotations.of(stack).addWarningV2('@mlops/config:ignored-setting', warning);
  const serviceCatalog = config.serviceCatalog
    ? new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', { ...serviceCatalogStackProps(config), env: options.serviceCatalogEnv })
    : undefined;
  return { stack, serviceCatalog };
}

/**
 * What `cdk synth -c prepareTargetAccount=true -c projectAccount=<id>` builds: the one-time set-up
 * of a staging or production account (stack `mlops-target-account-setup`), deployed with that
 * account's credentials, without a CDK bootstrap there.
 */
export function addTargetAccountSetupStack(app: App, config: TargetAccountSetupConfig): TargetAccountSetupStack {
  const stack = new TargetAccountSetupStack(app, TARGET_SETUP.stackName, {
    projectAccount: config.projectAccount,
    description: `Target account of the SageMaker MLOps projects of account ${config.projectAccount}: their deploy pipelines' access, once for all projects`,
  });
  for (const key of config.ignoredKeys) {
    Annotations.of(stack).addWarningV2('@mlops/config:ignored-setting', `\`${key}\` is ignored: \`prepareTargetAccount=true\` synthesizes the account's set-up, which no project setting changes`);
  }
  return stack;
}
