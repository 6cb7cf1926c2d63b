/**
 * Processing steps: the entry point runs with the configured Python as `python3`, every
 * `/opt/ml/...` path in the entry point and arguments mapped into the step's folder; inputs are
 * copied there first and outputs copied back to the local bucket.
 */
import { cpSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../command';
import type { StepContext, StepExecutor } from './context';
import { runJob } from './job';

/** The executor of `Processing` steps. */
export const processingStep: StepExecutor = {
  run: (step, context) => runJob(step, context, runProcessing),
};

async function runProcessing(args: any, stepDir: string, jobName: string, context: StepContext): Promise<any> {
  const containerPath = (p: string) => path.join(stepDir, p);
  for (const input of args.ProcessingInputs ?? []) {
    if (!input.S3Input) {
      throw new Error(`input '${input.InputName}' is not an S3 input; the local run reads only S3 inputs`);
    }
    await context.bucket.download(input.S3Input.S3Uri, containerPath(input.S3Input.LocalPath));
  }
  const outputs = args.ProcessingOutputConfig?.Outputs ?? [];
  for (const output of outputs) {
    mkdirSync(containerPath(output.S3Output.LocalPath), { recursive: true });
  }
  const command = [...(args.AppSpecification.ContainerEntrypoint ?? []), ...(args.AppSpecification.ContainerArguments ?? [])].map(
    (part: string) => part.split('/opt/ml/').join(`${stepDir}/opt/ml/`),
  );
  if (command.length === 0) {
    throw new Error('no ContainerEntrypoint: the local run needs the command to run');
  }
  await runCommand(command, stepDir, args.Environment ?? {}, context.python);
  for (const output of outputs) {
    const target = context.bucket.localPathOf(output.S3Output.S3Uri);
    mkdirSync(target, { recursive: true });
    cpSync(containerPath(output.S3Output.LocalPath), target, { recursive: true });
  }
  return { ...args, ProcessingJobName: jobName, ProcessingJobStatus: 'Completed' };
}
