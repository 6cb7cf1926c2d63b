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

/** How a test app is built ({@link testApp}). */
export interface TestAppOptions {
  /** Output folder of the cloud assembly. */
  readonly outdir?: string;
  /** Bundle the Lambda code as `cdk synth` does (default: not, with the CLI's own switch: assertions need no real code). */
  readonly bundle?: boolean;
  /**
   * Synthesize for reading templates (or annotations) only: no creation stack traces in the
   * metadata, no copy of the assets into the cloud assembly (its manifest names them where they
   * are), no tree.json. Templates are the same. Not for a test that reads the assembly's asset
   * folders, metadata or tree.
   */
  readonly templateOnly?: boolean;
}

/** An app with cdk.json's feature flags, so tests build what `cdk synth` builds. */
export function testApp(options: TestAppOptions = {}): App {
  return new App({
    outdir: options.outdir,
    ...(options.templateOnly ? { treeMetadata: false } : {}),
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...(options.templateOnly ? {
        'aws:cdk:disable-creation-stack-traces': true,
        'aws:cdk:disable-stack-trace': true,
        'aws:cdk:disable-asset-staging': true,
      } : {}),
    },
  });
}

/** Options of {@link projectApp}. */
export interface ProjectAppOptions extends TestAppOptions {
  /** Configuration context (as `-c key=value` would give it). */
  readonly config?: Record<string, unknown>;
}

/** An app holding one project stack (and its target account stacks) configured as `bin/app.ts` would configure it. */
export function projectApp(options: ProjectAppOptions = {}): { app: App; stack: MlopsProjectStack } {
  const config = parseProjectConfig(options.config ?? {});
  const app = testApp(options);
  const { stack } = addProjectStacks(app, config);
  return { app, stack };
}

/** The template of a project stack. */
export function projectTemplate(config: Record<string, unknown> = {}): Template {
  return Template.fromStack(projectApp({ config, templateOnly: true }).stack);
}
