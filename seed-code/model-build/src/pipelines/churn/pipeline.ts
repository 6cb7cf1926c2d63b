/**
 * The customer churn pipeline of the AWS walkthrough: preprocess `churn.txt` (scikit-learn image),
 * train a built-in XGBoost binary classifier on spot capacity, evaluate accuracy and AUC, then
 * register the model when its test accuracy reaches the threshold, else fail with it.
 * Select it with `PIPELINE=churn` or `--pipeline churn`.
 */
import * as path from 'node:path';
import { Conditions, ParameterInteger, ParameterString, Pipeline } from '../../workflow';
import { PipelineBlueprint, PipelineContext } from '../blueprint';
import { PipelineBuilder } from '../builders';

/** Smallest test accuracy for which the model is registered. */
export const ACCURACY_THRESHOLD = 0.8;
/** XGBoost hyperparameters of the training step (strings, as the API wants them). */
export const HYPERPARAMETERS = {
  objective: 'binary:logistic',
  eval_metric: 'auc',
  num_round: '100',
  max_depth: '5',
  eta: '0.2',
  gamma: '4',
  min_child_weight: '6',
  subsample: '0.8',
};

/**
 * Default input: the walkthrough's synthetic churn data. The pipeline role must be allowed to
 * read it (see the README, "Where input data may live"); or copy it to the project bucket and
 * pass `-p InputDataUrl=s3://<bucket>/...`.
 */
export const DEFAULT_INPUT_DATA_URL = 's3://sagemaker-sample-files/datasets/tabular/synthetic/churn.txt';

/** Builds the churn pipeline for a project. */
export function createChurnPipeline(ctx: PipelineContext): Pipeline {
  const b = new PipelineBuilder(ctx);
  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', 1);
  const processingInstanceType = new ParameterString('ProcessingInstanceType', 'ml.m5.xlarge');
  const trainingInstanceType = new ParameterString('TrainingInstanceType', 'ml.m5.xlarge');
  const maxWait = new ParameterInteger('TrainingMaxWaitSeconds', 7200);
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', 'PendingManualApproval');
  const inputDataUrl = new ParameterString('InputDataUrl', DEFAULT_INPUT_DATA_URL);

  const preprocess = b.processing({
    name: 'PreprocessChurnData',
    description: 'Drop phone and charges, one-hot encode, label Churn? as 1/0, split 70/15/15',
    framework: 'sklearn',
    code: 'preprocess',
    inputs: { data: inputDataUrl },
    outputs: ['train', 'validation', 'test'],
    instanceType: processingInstanceType,
    instanceCount: processingInstanceCount,
    cache: true,
  });
  const train = b.builtInTraining({
    name: 'TrainChurnModel',
    description: 'Train an XGBoost binary classifier of churn',
    algorithm: 'xgboost',
    hyperparameters: HYPERPARAMETERS,
    channels: { train: preprocess.outputs('train').s3Uri, validation: preprocess.outputs('validation').s3Uri },
    instanceType: trainingInstanceType,
    spot: { maxWaitSeconds: maxWait },
    cache: true,
  });
  const evaluate = b.evaluation({
    name: 'EvaluateChurnModel',
    description: 'Compute accuracy, AUC, precision, recall and F1 on the test split',
    framework: 'xgboost',
    code: 'evaluate',
    model: train,
    inputs: { test: preprocess.outputs('test').s3Uri },
    instanceType: processingInstanceType,
    report: 'ChurnEvaluationReport',
    modelInput: 'ChurnModelInput',
  });
  const accuracy = evaluate.jsonGet<number>('ChurnEvaluationReport', 'binary_classification_metrics.accuracy.value');
  const register = b.registerModel({
    name: 'RegisterChurnModel',
    description: 'Customer churn classifier (XGBoost)',
    model: train,
    framework: 'xgboost',
    evaluation: evaluate,
    approvalStatus: modelApprovalStatus,
    featureCount: evaluate.jsonGet('ChurnModelInput', 'feature_count'),
  });
  const gate = b.qualityGate({
    name: 'CheckAccuracyChurnEvaluation',
    description: `Register the model only when its test accuracy is at least ${ACCURACY_THRESHOLD}`,
    conditions: [Conditions.greaterThanOrEqualTo(accuracy, ACCURACY_THRESHOLD)],
    ifSteps: [register],
    failStepName: 'FailChurnModelQuality',
    failMessage: ['Model not registered: test accuracy', accuracy, `is below the threshold of ${ACCURACY_THRESHOLD}`],
  });
  return b.pipeline({
    parameters: [processingInstanceCount, processingInstanceType, trainingInstanceType, maxWait, modelApprovalStatus, inputDataUrl],
    steps: [preprocess, train, evaluate, gate],
  });
}

/** The churn pipeline as the CLIs see it. */
export const churn: PipelineBlueprint = {
  description: 'Customer churn classification: preprocess, train XGBoost, evaluate, register when accuracy >= 0.8',
  code: { preprocess: path.join(__dirname, 'preprocess.py'), evaluate: path.join(__dirname, 'evaluate.py') },
  build: createChurnPipeline,
};
