#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addProjectStacks, ConfigError, parseProjectConfig } from '../lib';

const app = new App();
try {
  addProjectStacks(app, parseProjectConfig(app.node.getAllContext()), {
    // The CLI's account and region name the product's asset bucket (see docs/service-catalog.md).
    serviceCatalogEnv: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (e) {
  if (e instanceof ConfigError) {
    // A configuration mistake is the user's to fix: one clear line, no stack trace.
    process.stderr.write(`Configuration error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
