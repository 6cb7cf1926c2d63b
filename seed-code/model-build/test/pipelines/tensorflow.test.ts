/**
 * The TensorFlow pipeline: what is its own beyond what every shipped pipeline must do
 * (shipped.test.ts): training and evaluation on the project image exactly as the context names it
 * (by digest or content tag), the code as a channel (a script change needs no image), registration
 * with the region's TensorFlow serving container, and a quality gate on the MseThreshold parameter
 * whose Fail step states the value and the threshold.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runLocal } from '../../src/local/run-local';
import { PIPELINES, TRAINING_CODE_DIR, tensorflowImageUri } from '../../src/pipelines';
import { HYPERPARAMETERS, MSE_THRESHOLD } from '../../src/pipelines/tensorflow/pipeline';
import { PROJECT_IMAGES, shippedContext, stepNamed } from '../helpers/context';

const TAGGED = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-p-abc123-images:tensorflow-${'c'.repeat(64)}`;
const def = (extra = {}) => JSON.parse(PIPELINES.tensorflow.build(shippedContext('tensorflow', extra)).toJson());

describe('tensorflow pipeline', () => {
  test.each([
    ['by digest', PROJECT_IMAGES.tensorflow],
    ['by content tag', TAGGED],
  ])('trains and evaluates on the project image %s', (_, image) => {
    const d = def({ projectImages: { tensorflow: image } });
    expect(stepNamed(d, 'TrainTensorFlowModel').Arguments.AlgorithmSpecification.TrainingImage).toBe(image);
    expect(stepNamed(d, 'EvaluateTensorFlowModel').Arguments.AppSpecification.ImageUri).toBe(image);
    expect(stepNamed(d, 'PreprocessTensorFlowData').Arguments.AppSpecification.ImageUri).toMatch(/\/sagemaker-scikit-learn:/);
  });

  test('without the project image it fails saying how to provide it', () => {
    expect(() => def({ projectImages: {} })).toThrow(/project image 'tensorflow' \(containers\/tensorflow\/Dockerfile\), which has no URI: set IMAGE_REPOSITORY_URI/);
  });

  test('the training script comes as the code channel and gets the hyperparameters as arguments', () => {
    const args = stepNamed(def(), 'TrainTensorFlowModel').Arguments;
    expect(args.AlgorithmSpecification.ContainerEntrypoint).toEqual(['python3', `${TRAINING_CODE_DIR}/train.py`]);
    expect(args.AlgorithmSpecification.ContainerArguments).toEqual([
      '--train-dir', '/opt/ml/input/data/train', '--validation-dir', '/opt/ml/input/data/validation', '--model-dir', '/opt/ml/model',
      ...Object.entries(HYPERPARAMETERS).flat().map((v, i) => (i % 2 === 0 ? `--${v}` : v)),
    ]);
    expect(args.HyperParameters).toEqual(HYPERPARAMETERS);
    const code = args.InputDataConfig.find((c: any) => c.ChannelName === 'code');
    expect(code.DataSource.S3DataSource.S3Uri).toMatch(/^s3:\/\/sagemaker-project-p-abc123\/tensorflow-p-abc123\/code\/[0-9a-f]{64}\/$/);
    expect(args.InputDataConfig.map((c: any) => c.ChannelName)).toEqual(['train', 'validation', 'code']);
    // on demand: a script without checkpoint code would restart from scratch after a spot interruption
    expect(args.EnableManagedSpotTraining).toBeUndefined();
  });

  test('registers with the region\'s TensorFlow serving container, CSV in and out', () => {
    const spec = stepNamed(def({ region: 'ap-south-2' }), 'RegisterTensorFlowModel').Arguments.InferenceSpecification;
    expect(spec.Containers[0].Image).toBe('772153158452.dkr.ecr.ap-south-2.amazonaws.com/tensorflow-inference:2.19.0-cpu');
    expect(spec.Containers[0].Image).toBe(tensorflowImageUri('inference', 'ap-south-2'));
    expect(spec.SupportedContentTypes).toEqual(['text/csv']);
    expect(spec.SupportedResponseMIMETypes).toEqual(['text/csv']);
  });

  test('the gate compares the test MSE with the MseThreshold parameter', () => {
    const d = def();
    expect(d.Parameters).toContainEqual({ Name: 'MseThreshold', Type: 'Float', DefaultValue: MSE_THRESHOLD });
    const [condition] = stepNamed(d, 'CheckMSETensorFlowEvaluation').Arguments.Conditions;
    expect(condition.Type).toBe('LessThanOrEqualTo');
    expect(condition.LeftValue['Std:JsonGet'].Path).toBe('regression_metrics.mse.value');
    expect(condition.RightValue).toEqual({ Get: 'Parameters.MseThreshold' });
  });

  test.each([
    ['above', '0.5', 'Failed'],
    ['at', '1.25', 'Succeeded'],
  ])('an MSE %s the threshold %s the execution, the Fail message stating both', async (_, threshold, status) => {
    // The gate alone, the evaluation report's MSE (Std:JsonGet) replaced by 1.25: the local runner
    // evaluates the condition and the Fail message as the service does.
    const d = def();
    const gate = stepNamed(d, 'CheckMSETensorFlowEvaluation');
    const runDir = mkdtempSync(path.join(tmpdir(), 'tf-gate-'));
    const gateOnly = {
      ...d,
      Steps: [{
        ...gate,
        Arguments: {
          ...gate.Arguments,
          Conditions: gate.Arguments.Conditions.map((c: any) => ({ ...c, LeftValue: 1.25 })),
          IfSteps: [],
          ElseSteps: gate.Arguments.ElseSteps.map((f: any) => ({
            ...f,
            Arguments: { ErrorMessage: { 'Std:Join': { ...f.Arguments.ErrorMessage['Std:Join'], Values: f.Arguments.ErrorMessage['Std:Join'].Values.map((v: any) => (v['Std:JsonGet'] ? 1.25 : v)) } } },
          })),
        },
      }],
    };
    const result = await runLocal({ definition: gateOnly, pipelineName: 'p', bucket: 'b', parameters: { MseThreshold: threshold }, code: [], runDir, python: '/nonexistent/python3', log: () => undefined });
    expect(result.status).toBe(status);
    if (status === 'Failed') {
      expect(result.failureReason).toContain('Model not registered: test MSE 1.25 is above the threshold MseThreshold of 0.5');
    }
  });
});
