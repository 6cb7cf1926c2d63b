import { IAspect } from 'aws-cdk-lib/core';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/**
 * Turns on S3's EventBridge notifications for every bucket in scope, on the bucket resource itself
 * (aws-cdk-lib's `eventBridgeEnabled` goes through a notifications custom resource, which Control
 * Tower's CT.S3.PR.4 does not see). S3 events on the default event bus cost nothing until a rule
 * matches them; they let a platform team audit or react to object changes without touching the
 * project.
 */
export class EventBridgeNotifications implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof s3.CfnBucket && node.notificationConfiguration === undefined) {
      node.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
  }
}
