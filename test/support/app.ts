import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { MlopsProjectStack } from '../../lib/stacks/mlops-project-stack';
import { parseProjectConfig } from '../../lib/config/project-config';
import { addProjectStacks } from '../../lib/project-app';

/** The feature flags of cdk.json, so tests build what `cdk synth` builds. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/**
 * App properties that make a synthesis cheaper without changing any template, for tests that read
 * templates (or annotations) only: no creation stack traces in the metadata, no copy of the assets
 * into the cloud assembly (its manifest names them where they are), no tree.json. Not for a test
 * that reads the assembly's asset folders, metadata or tree.
 */
export function templateOnlyAppProps(): { treeMetadata: false; context: Record<string, unknown> } {
  return {
    treeMetadata: false,
    context: {
      'aws:cdk:disable-creation-stack-traces': true,
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:disable-asset-staging': true,
    },
  };
}

/** Options of {@link projectApp}. */
export interface ProjectAppOptions {
  /** Configuration context (as `-c key=value` would give it). */
  readonly config?: Record<string, unknown>;
  /** Run esbuild for the Lambda functions (slower; one test keeps it on). */
  readonly bundle?: boolean;
  /** Output folder of the cloud assembly. */
  readonly outdir?: string;
  /** Synthesize for reading templates only ({@link templateOnlyAppProps}). */
  readonly templateOnly?: boolean;
}

/** An app holding one project stack (and its target account stacks) configured as `bin/app.ts` would configure it. */
export function projectApp(options: ProjectAppOptions = {}): { app: App; stack: MlopsProjectStack } {
  const config = parseProjectConfig(options.config ?? {});
  const lean = options.templateOnly ? templateOnlyAppProps() : undefined;
  const app = new App({
    outdir: options.outdir,
    treeMetadata: lean?.treeMetadata,
    context: {
      ...cdkJsonContext(),
      ...lean?.context,
      // The CLI's own switch for skipping bundling: assertions need no real Lambda code.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const { stack } = addProjectStacks(app, config);
  return { app, stack };
}

/** The template of a project stack. */
export function projectTemplate(config: Record<string, unknown> = {}): Template {
  return Template.fromStack(projectApp({ config, templateOnly: true }).stack);
}
