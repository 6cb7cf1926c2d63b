import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, Duration, ILocalBundling } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LogSettings, projectLogGroup } from './log-settings';
import { sourceHash } from './source-hash';

/** Runtime of every Lambda function of the project (pinned: upgrades are deliberate). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * esbuild settings of every bundle (the same NodejsFunction would use: minified, CommonJS, AWS
 * SDK v3 left to the runtime); part of the bundle's hash.
 */
const ESBUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: false,
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
} as const;

/** The esbuild that bundles (a devDependency); part of the bundle's hash. */
function esbuildVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/**
 * Bundles a function's entry with esbuild's JavaScript API, in the synth process.
 *
 * NodejsFunction runs `npx --no-install esbuild` per bundle, and starting npx costs ~0.3 s each
 * time (measured in BENCHMARKS.md); the build itself takes a few milliseconds.
 */
class EsbuildInProcess implements ILocalBundling {
  // An ES private field: aws-cdk-lib hashes the bundling options as JSON, and an absolute path
  // there would make the asset hash (and the template) depend on where the app is checked out.
  readonly #entry: string;

  constructor(entry: string) {
    this.#entry = entry;
  }

  public tryBundle(outputDir: string): boolean {
    let esbuild: { buildSync: (options: object) => unknown };
    try {
      // Loaded only when a bundle is built, so synths that reuse bundles never pay for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load needs require()
      esbuild = require('esbuild');
    } catch {
      throw new Error(`Bundling ${this.#entry} needs esbuild: run \`npm ci\` in the app's folder (esbuild is a dependency of this package)`);
    }
    esbuild.buildSync({ ...ESBUILD_OPTIONS, entryPoints: [this.#entry], outfile: path.join(outputDir, 'index.js') });
    return true;
  }
}

/** Options of {@link bundledFunction}. */
export interface BundledFunctionOptions {
  /** The handler module: `lambda/<function>/index.ts`. Everything it imports lives in its folder. */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  readonly deadLetterQueue?: sqs.IQueue;
  readonly retryAttempts?: number;
  /** Encryption and retention of the function's log group. */
  readonly logs: LogSettings;
  /** @default 256 */
  readonly memorySize?: number;
  /** Role shared with other functions of one feature. @default - a role of its own */
  readonly role?: iam.Role;
}

/**
 * A Node.js Lambda function of this app's `lambda/` folder: bundled by the local esbuild,
 * minified, AWS SDK v3 left to the runtime, on arm64, with its own role and log group.
 *
 * The bundle's asset hash is the content of the function's folder plus the bundling settings:
 * known before bundling, it lets a repeated synth reuse the bundle already in cdk.out.
 */
export function bundledFunction(scope: Construct, id: string, options: BundledFunctionOptions): lambda.Function {
  const logGroup = projectLogGroup(scope, `${id}Logs`, options.logs);
  // Its own role writing to its own log group, instead of AWSLambdaBasicExecutionRole's
  // account-wide log permissions.
  const role = options.role ?? new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.description,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  const folder = path.dirname(options.entry);
  const code = lambda.Code.fromAsset(folder, {
    assetHashType: AssetHashType.CUSTOM,
    assetHash: sourceHash(folder, { ESBUILD_OPTIONS, entry: path.basename(options.entry), runtime: LAMBDA_RUNTIME.name, esbuild: esbuildVersion() }),
    bundling: {
      // Required by the API; never used, since local bundling always succeeds or throws.
      image: LAMBDA_RUNTIME.bundlingImage,
      local: new EsbuildInProcess(options.entry),
    },
  });
  return new lambda.Function(scope, id, {
    code,
    handler: `index.${options.handler ?? 'handler'}`,
    description: options.description,
    runtime: LAMBDA_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize ?? 256,
    timeout: options.timeout,
    environment: options.environment,
    deadLetterQueue: options.deadLetterQueue,
    retryAttempts: options.retryAttempts,
    logGroup,
    role,
  });
}
