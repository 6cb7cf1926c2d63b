/**
 * The CDK context as `cdk synth` reads it for this app: cdk.json's `context`, then `-c key=value`
 * arguments over it. Shared by the command lines that read the project's settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A `-c` argument that is not `key=value`. */
export class ContextArgumentError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ContextArgumentError';
  }
}

/** `-c key=value` arguments as context entries (values stay strings, as the CDK CLI passes them). */
export function contextArguments(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => {
    const i = pair.indexOf('=');
    if (i < 1) throw new ContextArgumentError(`\`-c\` takes key=value (like -c productVersion=v2); got '${pair}'`);
    return [pair.slice(0, i), pair.slice(i + 1)];
  }));
}

/** cdk.json's context: the feature flags and the project's settings, as `cdk synth` reads them. */
export function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(__dirname, '..', 'cdk.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}
