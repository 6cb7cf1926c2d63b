/**
 * Training steps with the built-in XGBoost algorithm: `xgboost_train.py` stands in for the
 * container, with the same hyperparameters and channels, and leaves `model.tar.gz` where the
 * service puts it (`<S3OutputPath>/<job>/output/model.tar.gz`). Other training images cannot run.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../command';
import type { StepContext, StepExecutor } from './context';
import { runJob } from './job';

const TRAIN_SCRIPT = path.join(__dirname, '..', 'xgboost_train.py');

/** The executor of `Training` steps. */
export const trainingStep: StepExecutor = {
  unsupported: (step) => {
    const image = String(step.Arguments?.AlgorithmSpecification?.TrainingImage ?? '');
    return /\/sagemaker-xgboost:/.test(image)
      ? undefined
      : `step '${step.Name}' trains with image '${image}'; the local run only stands in for the built-in XGBoost algorithm`;
  },
  run: (step, context) => runJob(step, context, runTraining),
};

async function runTraining(args: any, stepDir: string, jobName: string, context: StepContext): Promise<any> {
  const channels: string[] = [];
  for (const channel of args.InputDataConfig ?? []) {
    const uri = channel.DataSource?.S3DataSource?.S3Uri;
    if (typeof uri !== 'string') {
      throw new Error(`channel '${channel.ChannelName}' is not an S3 data source`);
    }
    const dir = path.join(stepDir, 'opt/ml/input/data', channel.ChannelName);
    await context.bucket.download(uri, dir);
    channels.push('--channel', `${channel.ChannelName}=${dir}`);
  }
  const modelDir = path.join(stepDir, 'opt/ml/model');
  await runCommand(
    ['python3', TRAIN_SCRIPT, '--hyperparameters', JSON.stringify(args.HyperParameters ?? {}), ...channels, '--model-dir', modelDir],
    stepDir,
    {},
    context.python,
  );
  const artifact = `${String(args.OutputDataConfig.S3OutputPath).replace(/\/$/, '')}/${jobName}/output/model.tar.gz`;
  const target = context.bucket.localPathOf(artifact);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(modelDir, 'model.tar.gz'), target);
  return { ...args, TrainingJobName: jobName, TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: artifact } };
}
