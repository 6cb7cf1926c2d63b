/**
 * Processing steps: the entry point runs in the step's image (the step's folder mounted at
 * `/opt/ml`), or with the configured Python as `python3`, every `/opt/ml/...` path in the entry
 * point and arguments mapped into the step's folder; inputs are copied there first and outputs
 * copied back to the local bucket.
 */
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { StepContext, StepExecutor } from './context';
import { runJob, runStepCommand } from './job';

/** The executor of `Processing` steps. */
export const processingStep: StepExecutor = {
  run: (step, context) => runJob(step, context, (args, stepDir, jobName) => runProcessing(step.Name, args, stepDir, jobName, context)),
};

async function runProcessing(stepName: string, args: any, stepDir: string, jobName: string, context: StepContext): Promise<any> {
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
  const command: string[] = [...(args.AppSpecification.ContainerEntrypoint ?? []), ...(args.AppSpecification.ContainerArguments ?? [])];
  if (command.length === 0) {
    throw new Error('no ContainerEntrypoint: the local run needs the command to run');
  }
  try {
    await runStepCommand(stepName, command, stepDir, args.Environment ?? {}, context);
  } catch (error) {
    throw new Error(withSourcePaths((error as Error).message, args.ProcessingInputs ?? [], containerPath));
  }
  for (const output of outputs) {
    const target = context.bucket.localPathOf(output.S3Output.S3Uri);
    mkdirSync(target, { recursive: true });
    cpSync(containerPath(output.S3Output.LocalPath), target, { recursive: true });
  }
  return { ...args, ProcessingJobName: jobName, ProcessingJobStatus: 'Completed' };
}

/**
 * A failure message with the step folder's copies of the inputs named by where they came from
 * (the user's own path for a `file://` input, else the URI), e.g. "input file /home/me/sample.csv
 * is empty" instead of a path inside the run folder.
 */
function withSourcePaths(message: string, inputs: readonly any[], containerPath: (p: string) => string): string {
  let result = message;
  for (const input of inputs) {
    const uri = input.S3Input?.S3Uri;
    if (typeof uri !== 'string') {
      continue;
    }
    const copy = containerPath(input.S3Input.LocalPath);
    const source = uri.startsWith('file://') ? uri.slice('file://'.length) : uri;
    if (uri.startsWith('file://') && existsSync(source) && !statSync(source).isDirectory()) {
      // a file input is copied into the folder under its own name
      result = result.split(path.join(copy, path.basename(source))).join(source);
    }
    result = result.split(copy).join(source.replace(/\/$/, ''));
  }
  return result;
}
