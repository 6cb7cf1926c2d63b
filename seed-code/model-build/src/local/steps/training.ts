/**
 * Training steps. With the built-in XGBoost algorithm, `xgboost_train.py` stands in for the
 * container, with the same hyperparameters and channels. A step with a `ContainerEntrypoint` (a
 * script of this repository on an image with its framework) runs that command like a processing
 * step: in its image with the step's `opt/ml` folder mounted, or with the host Python. Either way
 * the model folder becomes `model.tar.gz` where the service puts it
 * (`<S3OutputPath>/<job>/output/model.tar.gz`). Other training images cannot run.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../command';
import type { StepContext, StepExecutor } from './context';
import { runJob, runStepCommand } from './job';

const TRAIN_SCRIPT = path.join(__dirname, '..', 'xgboost_train.py');

/** The executor of `Training` steps. */
export const trainingStep: StepExecutor = {
  unsupported: (step) => {
    const spec = step.Arguments?.AlgorithmSpecification;
    const image = String(spec?.TrainingImage ?? '');
    return /\/sagemaker-xgboost:/.test(image) || Array.isArray(spec?.ContainerEntrypoint)
      ? undefined
      : `step '${step.Name}' trains with image '${image}'; the local run only stands in for the built-in XGBoost algorithm and runs training steps that name their ContainerEntrypoint`;
  },
  run: (step, context) => runJob(step, context, (args, stepDir, jobName) => runTraining(step.Name, args, stepDir, jobName, context)),
};

async function runTraining(stepName: string, args: any, stepDir: string, jobName: string, context: StepContext): Promise<any> {
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
  mkdirSync(modelDir, { recursive: true });
  const spec = args.AlgorithmSpecification ?? {};
  if (Array.isArray(spec.ContainerEntrypoint)) {
    // What the service writes for every training container.
    const config = path.join(stepDir, 'opt/ml/input/config');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'hyperparameters.json'), JSON.stringify(args.HyperParameters ?? {}));
    mkdirSync(path.join(stepDir, 'opt/ml/output'), { recursive: true });
    await runStepCommand(stepName, [...spec.ContainerEntrypoint, ...(spec.ContainerArguments ?? [])], stepDir, args.Environment ?? {}, context);
    packModel(modelDir, path.join(stepDir, 'model.tar.gz'));
  } else {
    await runCommand(
      ['python3', TRAIN_SCRIPT, '--hyperparameters', JSON.stringify(args.HyperParameters ?? {}), ...channels, '--model-dir', modelDir],
      stepDir,
      {},
      context.python,
    );
    copyFileSync(path.join(modelDir, 'model.tar.gz'), path.join(stepDir, 'model.tar.gz'));
  }
  const artifact = `${String(args.OutputDataConfig.S3OutputPath).replace(/\/$/, '')}/${jobName}/output/model.tar.gz`;
  const target = context.bucket.localPathOf(artifact);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(stepDir, 'model.tar.gz'), target);
  return { ...args, TrainingJobName: jobName, TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: artifact } };
}

/** `model.tar.gz` of the model folder's content, as the service packs `/opt/ml/model`. */
function packModel(modelDir: string, archive: string): void {
  const entries = readdirSync(modelDir);
  if (entries.length === 0) {
    throw new Error('the training script wrote nothing to /opt/ml/model');
  }
  const tar = spawnSync('tar', ['-czf', archive, '-C', modelDir, ...entries], { encoding: 'utf8' });
  if (tar.error || tar.status !== 0) {
    throw new Error(`cannot pack the model folder: ${tar.error?.message ?? tar.stderr.trim()}`);
  }
}
