/**
 * The TensorFlow pipeline of the MLOps workshop: preprocess the abalone data (scikit-learn image,
 * the abalone pipeline's script), train a TensorFlow regression network on the project's own image
 * (`containers/tensorflow/`, built FROM SageMaker's TensorFlow training container), evaluate its
 * mean squared error on the same image, then register the model with SageMaker's TensorFlow
 * serving container when the MSE is at most the `MseThreshold` parameter, else fail with both.
 * Select it with `PIPELINE=tensorflow` or `--pipeline tensorflow`.
 */
import * as path from 'node:path';
import { Conditions, ParameterFloat, ParameterInteger, ParameterString, Pipeline } from '../../workflow';
import { defaultInputDataUrl } from '../abalone/pipeline';
import { PipelineBlueprint, PipelineContext } from '../blueprint';
import { PipelineBuilder } from '../builders';
import { tensorflowImageUri } from '../image-uris';

/** The project image (folder `containers/<name>/`) the training and evaluation run on. */
export const PROJECT_IMAGE = 'tensorflow';
/** Default of the `MseThreshold` parameter: the largest test MSE (rings squared) that is registered. */
export const MSE_THRESHOLD = 6.0;
/** Hyperparameters of the training script (strings, as the API wants them; `--<name> <value>` to train.py). */
export const HYPERPARAMETERS = {
  epochs: '100',
  'batch-size': '64',
  'learning-rate': '0.001',
  'hidden-units': '64,32',
};

/** Builds the TensorFlow pipeline for a project. */
export function createTensorFlowPipeline(ctx: PipelineContext): Pipeline {
  const b = new PipelineBuilder(ctx);
  const image = b.projectImage(PROJECT_IMAGE);
  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', 1);
  const processingInstanceType = new ParameterString('ProcessingInstanceType', 'ml.m5.xlarge');
  const trainingInstanceType = new ParameterString('TrainingInstanceType', 'ml.m5.xlarge');
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', 'PendingManualApproval');
  const inputDataUrl = new ParameterString('InputDataUrl', defaultInputDataUrl(ctx.region));
  const mseThreshold = new ParameterFloat('MseThreshold', MSE_THRESHOLD);

  const preprocess = b.processing({
    name: 'PreprocessTensorFlowData',
    description: 'Impute, scale and one-hot encode the abalone data, then split it 70/15/15',
    framework: 'sklearn',
    code: 'preprocess',
    inputs: { data: inputDataUrl },
    outputs: ['train', 'validation', 'test'],
    instanceType: processingInstanceType,
    instanceCount: processingInstanceCount,
    cache: true,
  });
  const train = b.scriptTraining({
    name: 'TrainTensorFlowModel',
    description: 'Train a TensorFlow dense network that predicts the number of rings',
    imageUri: image,
    code: 'tensorflow',
    entryPoint: 'train.py',
    hyperparameters: HYPERPARAMETERS,
    channels: { train: preprocess.outputs('train').s3Uri, validation: preprocess.outputs('validation').s3Uri },
    instanceType: trainingInstanceType,
    cache: true,
  });
  const evaluate = b.evaluation({
    name: 'EvaluateTensorFlowModel',
    description: 'Compute the mean squared error of the model on the test split',
    imageUri: image,
    code: 'tensorflow',
    entryPoint: 'evaluate.py',
    model: train,
    inputs: { test: preprocess.outputs('test').s3Uri },
    instanceType: processingInstanceType,
    report: 'TensorFlowEvaluationReport',
    modelInput: 'TensorFlowModelInput',
  });
  const mse = evaluate.jsonGet<number>('TensorFlowEvaluationReport', 'regression_metrics.mse.value');
  const register = b.registerModel({
    name: 'RegisterTensorFlowModel',
    description: 'Abalone rings regressor (TensorFlow)',
    model: train,
    // SageMaker's serving container, not the project image: it serves the SavedModel with
    // TensorFlow Serving and runs the archive's code/inference.py, which the training image lacks.
    imageUri: tensorflowImageUri('inference', ctx.region),
    evaluation: evaluate,
    approvalStatus: modelApprovalStatus,
    featureCount: evaluate.jsonGet('TensorFlowModelInput', 'feature_count'),
  });
  const gate = b.qualityGate({
    name: 'CheckMSETensorFlowEvaluation',
    description: 'Register the model only when its test MSE is at most the MseThreshold parameter',
    conditions: [Conditions.lessThanOrEqualTo(mse, mseThreshold)],
    ifSteps: [register],
    failStepName: 'FailTensorFlowModelQuality',
    failMessage: ['Model not registered: test MSE', mse, 'is above the threshold MseThreshold of', mseThreshold],
  });
  return b.pipeline({
    parameters: [processingInstanceCount, processingInstanceType, trainingInstanceType, modelApprovalStatus, inputDataUrl, mseThreshold],
    steps: [preprocess, train, evaluate, gate],
  });
}

/** The TensorFlow pipeline as the CLIs see it. */
export const tensorflow: PipelineBlueprint = {
  description: 'Abalone rings regression with TensorFlow on the project image: preprocess, train, evaluate, register when MSE <= MseThreshold',
  code: { preprocess: path.join(__dirname, '..', 'abalone', 'preprocess.py'), tensorflow: path.join(__dirname, 'code') },
  build: createTensorFlowPipeline,
};
