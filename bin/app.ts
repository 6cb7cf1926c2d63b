#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { App, Errors } from 'aws-cdk-lib';
import { addProjectStacks, addTargetAccountSetupStack, ConfigError, parseProjectConfig, parseTargetAccountSetup } from '../lib';

// aws-cdk-lib checks the templates with a WebAssembly engine (9 MB) that V8 compiles at synth.
// By default V8 also recompiles the engine's busiest functions with its optimizing compiler, on
// background threads, and a process waits for those compilations before it exits: in this
// one-shot process they cost about 1.5 CPU s and 0.5 s of a 4 to 5 s synth, for code that has
// already done its work (BENCHMARKS.md, "Synth"). V8's baseline compiler alone does the same work.
// Set before the first synth compiles the engine; it changes nothing but speed.
setFlagsFromString('--liftoff-only');

// Synthesized here rather than on exit, so that aws-cdk-lib's own refusals (a locked Service
// Catalog product version whose template changed, a validation of the tree) reach the handler.
const app = new App({ autoSynth: false });
try {
  const context = app.node.getAllContext();
  // `-c prepareTargetAccount=true`: the one-time set-up of a staging or prod account instead of a project.
  const setup = parseTargetAccountSetup(context);
  if (setup !== undefined) addTargetAccountSetupStack(app, setup);
  else addProjectStacks(app, parseProjectConfig(context), {
    // The CLI's account and region name the product's asset bucket (see docs/service-catalog.md).
    serviceCatalogEnv: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  app.synth();
} catch (e) {
  if (e instanceof ConfigError) {
    // A configuration mistake is the user's to fix: one clear line, no stack trace.
    process.stderr.write(`Configuration error: ${e.message}\n`);
    process.exit(1);
  }
  if (Errors.isConstructError(e) || Errors.isValidationError(e)) {
    // aws-cdk-lib's refusal of what the settings produced: its message, once, without a stack trace.
    process.stderr.write(`${e.message.trim()}\n`);
    process.exit(1);
  }
  throw e;
}
