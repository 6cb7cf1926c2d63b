import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** How the project keeps the logs of its own functions and builds. */
export interface LogSettings {
  /** The project key: every log group the project creates is encrypted with it. */
  readonly key: kms.IKey;
  /** How long the logs are kept. */
  readonly retention: logs.RetentionDays;
}

/** A log group of the project: encrypted with the project key, kept as configured. */
export function projectLogGroup(scope: Construct, id: string, settings: LogSettings): logs.LogGroup {
  return new logs.LogGroup(scope, id, { encryptionKey: settings.key, retention: settings.retention });
}
