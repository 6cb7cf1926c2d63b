/**
 * The abalone pipeline: preprocess (scikit-learn), train (built-in XGBoost on spot capacity),
 * evaluate, then register the model when its test MSE is within the threshold, else fail with it.
 * This is the file data scientists change: parameters, hyperparameters and the quality gate.
 */
import * as path from 'node:path';
import { Conditions, ParameterInteger, ParameterString, Pipeline } from '../../workflow';
import { PipelineBlueprint, PipelineContext } from '../blueprint';
import { PipelineBuilder } from '../builders';

/** Largest mean squared error (in rings squared) for which the model is registered. */
export const MSE_THRESHOLD = 6.0;
/** XGBoost hyperparameters of the training step (strings, as the API wants them). */
export const HYPERPARAMETERS = {
  objective: 'reg:squarederror',
  num_round: '50',
  max_depth: '5',
  eta: '0.2',
  gamma: '4',
  min_child_weight: '6',
  subsample: '0.7',
};

/** Default input: the abalone CSV SageMaker publishes in every region for its seed code. */
export function defaultInputDataUrl(region: string): string {
  return `s3://sagemaker-servicecatalog-seedcode-${region}/dataset/abalone-dataset.csv`;
}

/** Builds the abalone pipeline for a project. */
export function createAbalonePipeline(ctx: PipelineContext): Pipeline {
  const b = new PipelineBuilder(ctx);
  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', 1);
  const processingInstanceType = new ParameterString('ProcessingInstanceType', 'ml.m5.xlarge');
  const trainingInstanceType = new ParameterString('TrainingInstanceType', 'ml.m5.xlarge');
  const maxWait = new ParameterInteger('TrainingMaxWaitSeconds', 7200);
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', 'PendingManualApproval');
  const inputDataUrl = new ParameterString('InputDataUrl', defaultInputDataUrl(ctx.region));

  const preprocess = b.processing({
    name: 'PreprocessAbaloneData',
    description: 'Impute, scale and one-hot encode the abalone data, then split it 70/15/15',
    framework: 'sklearn',
    code: 'preprocess',
    inputs: { data: inputDataUrl },
    outputs: ['train', 'validation', 'test'],
    instanceType: processingInstanceType,
    instanceCount: processingInstanceCount,
    cache: true,
  });
  const train = b.builtInTraining({
    name: 'TrainAbaloneModel',
    description: 'Train an XGBoost regressor that predicts the number of rings',
    algorithm: 'xgboost',
    hyperparameters: HYPERPARAMETERS,
    channels: { train: preprocess.outputs('train').s3Uri, validation: preprocess.outputs('validation').s3Uri },
    instanceType: trainingInstanceType,
    spot: { maxWaitSeconds: maxWait },
    cache: true,
  });
  const evaluate = b.evaluation({
    name: 'EvaluateAbaloneModel',
    description: 'Compute the mean squared error of the model on the test split',
    framework: 'xgboost',
    code: 'evaluate',
    model: train,
    inputs: { test: preprocess.outputs('test').s3Uri },
    instanceType: processingInstanceType,
    report: 'AbaloneEvaluationReport',
    modelInput: 'AbaloneModelInput',
  });
  const mse = evaluate.jsonGet<number>('AbaloneEvaluationReport', 'regression_metrics.mse.value');
  const register = b.registerModel({
    name: 'RegisterAbaloneModel',
    description: 'Abalone rings regressor (XGBoost)',
    model: train,
    framework: 'xgboost',
    evaluation: evaluate,
    approvalStatus: modelApprovalStatus,
    featureCount: evaluate.jsonGet('AbaloneModelInput', 'feature_count'),
  });
  const gate = b.qualityGate({
    name: 'CheckMSEAbaloneEvaluation',
    description: `Register the model only when its test MSE is at most ${MSE_THRESHOLD}`,
    conditions: [Conditions.lessThanOrEqualTo(mse, MSE_THRESHOLD)],
    ifSteps: [register],
    failStepName: 'FailAbaloneModelQuality',
    failMessage: ['Model not registered: test MSE', mse, `is above the threshold of ${MSE_THRESHOLD}`],
  });
  return b.pipeline({
    parameters: [processingInstanceCount, processingInstanceType, trainingInstanceType, maxWait, modelApprovalStatus, inputDataUrl],
    steps: [preprocess, train, evaluate, gate],
  });
}

/** The abalone pipeline as the CLIs see it. */
export const abalone: PipelineBlueprint = {
  description: 'Abalone rings regression: preprocess, train XGBoost, evaluate, register when MSE <= 6',
  code: { preprocess: path.join(__dirname, 'preprocess.py'), evaluate: path.join(__dirname, 'evaluate.py') },
  build: createAbalonePipeline,
};
