#!/usr/bin/env node
/**
 * The benchmark's yardstick: a CDK app holding one stack with one S3 bucket, synthesized exactly
 * like the project (same CLI, same aws-cdk-lib from the root node_modules, same app command style,
 * same feature flags read from the root cdk.json, template validation on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

const rootCdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
const app = new App({ context: rootCdkJson.context ?? {} });
const stack = new Stack(app, 'bench-one-bucket');
new s3.Bucket(stack, 'Bucket');
