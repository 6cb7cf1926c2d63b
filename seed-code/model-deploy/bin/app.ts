#!/usr/bin/env node
/**
 * CDK app entry: the staging and prod endpoint stacks of this project.
 *
 * Project name and id come from the CodeBuild environment when set, else from CDK context
 * (`cdk.json` has demo values), so `npx cdk synth` with no flags shows what will be deployed.
 * The model package, role, bucket and key are CloudFormation parameters, filled in by the
 * build's template configuration files (see scripts/build-output.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { App } from 'aws-cdk-lib';
import { createDeployApp, parseTags } from '../lib/deploy-app';

// aws-cdk-lib checks the templates with a WebAssembly engine that V8 compiles at synth. V8's
// optimizing compiler would recompile its busiest functions in the background, and the process
// waits for that before it exits: about 1 CPU s of this one-shot synth, for nothing. Only V8's
// baseline compiler, then; it changes nothing but speed.
setFlagsFromString('--liftoff-only');

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
