/**
 * On-demand run of a batch stage (`"inference": "batch"`): starts, now, the same batch transform
 * its schedule starts, from the definition its deployed stack holds.
 *
 * Usage: npm run batch-run -- <staging|prod> [--wait]
 * Project name and id: SAGEMAKER_PROJECT_NAME and SAGEMAKER_PROJECT_ID when set, else cdk.json's
 * context (set them there once). Credentials and region: the AWS SDK's usual ones (AWS_PROFILE,
 * AWS_REGION, ...), of the stage's account. With --wait it waits for the job to finish and fails
 * when the job fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { startRun, waitForTransformJob } from '../lib/batch-run';
import { endpointStackName } from '../lib/endpoint-stack';
import { STAGES } from '../lib/stage-config';

async function main(): Promise<void> {
  const [stage, ...flags] = process.argv.slice(2);
  const unknown = flags.filter((f) => f !== '--wait');
  if (!(STAGES as readonly string[]).includes(stage ?? '') || unknown.length > 0) {
    throw new Error(`Usage: npm run batch-run -- <${STAGES.join('|')}> [--wait]; got '${process.argv.slice(2).join(' ')}'`);
  }
  const context = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  const projectName = process.env.SAGEMAKER_PROJECT_NAME || String(context.projectName ?? '');
  const projectId = process.env.SAGEMAKER_PROJECT_ID || String(context.projectId ?? '');
  const sagemaker = new SageMakerClient({});
  const run = await startRun({
    clients: { cloudFormation: new CloudFormationClient({}), sagemaker },
    stackName: endpointStackName(projectName, projectId, stage),
    log: (line) => console.log(line),
  });
  if (flags.includes('--wait')) {
    await waitForTransformJob({ sagemaker, jobName: run.jobName, timeoutMs: 24 * 60 * 60_000, log: (line) => console.log(line) });
    console.log(`Output: ${run.outputUri}`);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
