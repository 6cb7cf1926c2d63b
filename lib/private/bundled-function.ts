import * as fs from 'node:fs';
import * as path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { sourceHash } from './source-hash';

/** esbuild settings of every bundle; part of the bundle's hash. */
const BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  target: 'node24',
  sourceMap: false,
  externalModules: ['@aws-sdk/*'],
  format: nodejs.OutputFormat.CJS,
};

/** The esbuild that bundles (a devDependency); part of the bundle's hash. */
const ESBUILD_VERSION = readEsbuildVersion();

function readEsbuildVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Runtime of every Lambda function of the project (pinned: upgrades are deliberate). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Options of {@link bundledFunction}. */
export interface BundledFunctionOptions {
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  readonly timeout: nodejs.NodejsFunctionProps['timeout'];
  readonly environment?: Record<string, string>;
  readonly deadLetterQueue?: nodejs.NodejsFunctionProps['deadLetterQueue'];
  readonly retryAttempts?: number;
  readonly logRetention: logs.RetentionDays;
  readonly memorySize?: number;
  /** Role shared with other functions of one feature. @default - a role of its own */
  readonly role?: iam.Role;
}

/**
 * A Node.js Lambda function of this app's `lambda/` folder: bundled by the local esbuild,
 * minified, AWS SDK v3 left to the runtime, on arm64, with its own log group.
 */
export function bundledFunction(scope: Construct, id: string, options: BundledFunctionOptions): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: options.logRetention });
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
  return new nodejs.NodejsFunction(scope, id, {
    entry: options.entry,
    handler: options.handler ?? 'handler',
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
    bundling: {
      ...BUNDLING,
      // Each function's folder holds all its code (the SDK comes with the runtime), so its
      // content and the settings decide the bundle: known before bundling, this hash lets a
      // repeated synth reuse the bundle in cdk.out instead of running esbuild again.
      assetHash: sourceHash(path.dirname(options.entry), { BUNDLING, runtime: LAMBDA_RUNTIME.name, esbuild: ESBUILD_VERSION }),
    },
  });
}
