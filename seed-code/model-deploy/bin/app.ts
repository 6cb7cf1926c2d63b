#!/usr/bin/env node
/**
 * CDK app entry: the staging and prod endpoint stacks of this project.
 *
 * Project name and id come from the CodeBuild environment when set, else from CDK context
 * (`cdk.json` has demo values), so `npx cdk synth` with no flags shows what will be deployed.
 * The model package, role, bucket and key are CloudFormation parameters, filled in by the
 * build's template configuration files (see scripts/build-output.ts).
 */
import { App } from 'aws-cdk-lib';
import { createDeployApp, parseTags } from '../lib/deploy-app';

try {
  // No synthesis on exit: after an error nothing is written to cdk.out (app.synth() below writes it).
  const app = new App({ autoSynth: false });
  createDeployApp({
    app,
    projectName: process.env.SAGEMAKER_PROJECT_NAME || String(app.node.tryGetContext('projectName') ?? 'demo'),
    projectId: process.env.SAGEMAKER_PROJECT_ID || String(app.node.tryGetContext('projectId') ?? 'p-placeholder0000'),
    extraTags: parseTags('PROJECT_TAGS', process.env.PROJECT_TAGS),
  });
  app.synth();
} catch (e) {
  // A bad setting is the user's to fix, not a crash: its message alone (it names the file, the
  // setting and the value), without a stack trace. The CDK CLI then reports the exit code.
  console.error((e as Error).message);
  process.exitCode = 1;
}
