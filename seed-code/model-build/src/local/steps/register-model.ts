/**
 * RegisterModel steps: write the request they would send, with the metrics files it names resolved
 * from the local bucket, to `executions/<id>/<step>/model-package.json`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_ACCOUNT } from '../types';
import type { StepExecutor } from './context';

/** The executor of `RegisterModel` steps. */
export const registerModelStep: StepExecutor = {
  run: async (step, context) => {
    const args = context.resolver.resolve(step.Arguments) as any;
    const metrics: Record<string, unknown> = {};
    const walk = (value: any, at: string) => {
      if (value && typeof value === 'object') {
        if (typeof value.S3Uri === 'string' && value.ContentType === 'application/json') {
          const file = context.bucket.localPathOf(value.S3Uri);
          metrics[at] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : `(missing: ${value.S3Uri})`;
        }
        for (const [key, member] of Object.entries(value)) {
          walk(member, at ? `${at}.${key}` : key);
        }
      }
    };
    walk(args.ModelMetrics, 'ModelMetrics');
    const file = path.join(context.executionDir, step.Name, 'model-package.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ request: args, metrics }, null, 2) + '\n');
    context.resolver.setProperties(step.Name, {
      ModelPackageArn: `arn:aws:sagemaker:local:${LOCAL_ACCOUNT}:model-package/${args.ModelPackageGroupName}/local`,
      ModelApprovalStatus: args.ModelApprovalStatus,
    });
    return { status: 'Succeeded', note: `would register: ${file}`, registered: file };
  },
};
