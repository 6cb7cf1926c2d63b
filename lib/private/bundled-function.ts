import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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
      minify: true,
      target: 'node24',
      sourceMap: false,
      externalModules: ['@aws-sdk/*'],
      // The handlers import nothing that needs a lock-file-driven install.
      format: nodejs.OutputFormat.CJS,
    },
  });
}
