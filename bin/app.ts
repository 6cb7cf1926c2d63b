#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { MlopsProjectStack } from '../lib/stacks/mlops-project-stack';
import { parseProjectConfig } from '../lib/config/project-config';
import { ServiceCatalogStack } from '../lib/studio/service-catalog-stack';
import { addTargetAccountStacks } from '../lib/stacks/target-account-stack';
import { ConfigError } from '../lib/contract/errors';
import { projectStackName } from '../lib/contract/names';

const app = new App();
try {
  const config = parseProjectConfig(app.node.getAllContext());
  const { project } = new MlopsProjectStack(app, projectStackName(config), {
    config,
    description: `SageMaker MLOps project ${config.projectName}: model building, training and deployment`,
  });
  // Multi-account: one stack per target account, deployed there after the project stack.
  addTargetAccountStacks(app, project, config.deploymentAccounts, config.permissionsBoundary);
  if (config.serviceCatalog) {
    // The CLI's account and region name the product's asset bucket (see docs/service-catalog.md).
    new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', {
      config,
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    });
  }
} catch (e) {
  if (e instanceof ConfigError) {
    // A configuration mistake is the user's to fix: one clear line, no stack trace.
    process.stderr.write(`Configuration error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
