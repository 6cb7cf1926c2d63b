/**
 * The abalone pipeline: preprocess (scikit-learn), train (built-in XGBoost), evaluate, then either
 * register the model (MSE within the threshold) or fail with the measured MSE.
 *
 * This is the file data scientists change: steps, hyperparameters and the quality gate live here.
 */
import * as path from 'node:path';
import {
  ConditionStep,
  Conditions,
  ExecutionVariables,
  FailStep,
  Join,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  RegisterModelStep,
  TrainingStep,
} from '../../workflow';
import { PipelineBlueprint, PipelineContext } from '../blueprint';
import { frameworkImageUri } from '../image-uris';

/** Evaluation report property file, read by the quality gate. */
export const EVALUATION_REPORT = 'AbaloneEvaluationReport';
/** Largest mean squared error (in rings squared) for which the model is registered. */
export const MSE_THRESHOLD = 6.0;
/** XGBoost hyperparameters of the training step (strings, as the API wants them). */
export const HYPERPARAMETERS: Readonly<Record<string, string>> = {
  objective: 'reg:squarederror',
  num_round: '50',
  max_depth: '5',
  eta: '0.2',
  gamma: '4',
  min_child_weight: '6',
  subsample: '0.7',
};

/** Where the processing containers find things; the scripts default to the same paths. */
const PROCESSING = '/opt/ml/processing';
const CODE_DIR = `${PROCESSING}/input/code`;

/** Default input: the abalone CSV SageMaker publishes in every region for its seed code. */
export function defaultInputDataUrl(region: string): string {
  return `s3://sagemaker-servicecatalog-seedcode-${region}/dataset/abalone-dataset.csv`;
}

/** Builds the abalone pipeline for a project. */
export function createAbalonePipeline(ctx: PipelineContext): Pipeline {
  const sklearnImage = ctx.imageUris?.sklearn ?? frameworkImageUri('sklearn', ctx.region);
  const xgboostImage = ctx.imageUris?.xgboost ?? frameworkImageUri('xgboost', ctx.region);
  const base = `s3://${ctx.bucket}/${ctx.pipelineName}`;
  const scriptUri = (name: string): string => {
    const uri = ctx.scriptUris[name];
    if (!uri) {
      throw new Error(`no S3 URI given for script '${name}'`);
    }
    return uri;
  };
  // Per-execution prefixes keep concurrent runs apart; processing outputs are not part of the
  // cache key, so they do not defeat step caching.
  const outputUri = (step: string, output: string): Join =>
    new Join({ on: '/', values: [base, ExecutionVariables.PIPELINE_EXECUTION_ID, step, output] });

  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', 1);
  const processingInstanceType = new ParameterString('ProcessingInstanceType', 'ml.m5.xlarge');
  const trainingInstanceType = new ParameterString('TrainingInstanceType', 'ml.m5.xlarge');
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', 'PendingManualApproval');
  const inputDataUrl = new ParameterString('InputDataUrl', defaultInputDataUrl(ctx.region));

  const codeInput = (name: string) =>
    ({
      InputName: 'code',
      S3Input: {
        S3Uri: scriptUri(name),
        LocalPath: CODE_DIR,
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
      },
    }) as const;

  const splits = ['train', 'validation', 'test'] as const;
  const preprocess = new ProcessingStep({
    name: 'PreprocessAbaloneData',
    description: 'Impute, scale and one-hot encode the abalone data, then split it 70/15/15',
    cache: { enabled: true, expireAfter: 'P30D' },
    arguments: {
      RoleArn: ctx.roleArn,
      AppSpecification: {
        ImageUri: sklearnImage,
        ContainerEntrypoint: ['python3', `${CODE_DIR}/preprocess.py`],
      },
      ProcessingResources: {
        ClusterConfig: {
          InstanceCount: processingInstanceCount,
          InstanceType: processingInstanceType,
          VolumeSizeInGB: 30,
          VolumeKmsKeyId: ctx.kmsKeyArn,
        },
      },
      ProcessingInputs: [
        {
          InputName: 'input',
          S3Input: {
            S3Uri: inputDataUrl,
            LocalPath: `${PROCESSING}/input/data`,
            S3DataType: 'S3Prefix',
            S3InputMode: 'File',
            S3DataDistributionType: 'FullyReplicated',
          },
        },
        codeInput('preprocess'),
      ],
      ProcessingOutputConfig: {
        KmsKeyId: ctx.kmsKeyArn,
        Outputs: splits.map((split) => ({
          OutputName: split,
          S3Output: {
            S3Uri: outputUri('PreprocessAbaloneData', split),
            LocalPath: `${PROCESSING}/${split}`,
            S3UploadMode: 'EndOfJob',
          },
        })),
      },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  });

  const csvChannel = (split: 'train' | 'validation') =>
    ({
      ChannelName: split,
      ContentType: 'text/csv',
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: preprocess.outputs(split).s3Uri,
          S3DataDistributionType: 'FullyReplicated',
        },
      },
    }) as const;

  const train = new TrainingStep({
    name: 'TrainAbaloneModel',
    description: 'Train an XGBoost regressor that predicts the number of rings',
    cache: { enabled: true, expireAfter: 'P30D' },
    retryPolicies: [{ exceptionTypes: ['SageMaker.CAPACITY_ERROR'], intervalSeconds: 60, backoffRate: 2, maxAttempts: 3 }],
    arguments: {
      RoleArn: ctx.roleArn,
      AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File' },
      HyperParameters: { ...HYPERPARAMETERS },
      InputDataConfig: [csvChannel('train'), csvChannel('validation')],
      // The service appends the generated job name, so runs never overwrite each other.
      OutputDataConfig: { S3OutputPath: `${base}/TrainAbaloneModel`, KmsKeyId: ctx.kmsKeyArn },
      ResourceConfig: {
        InstanceCount: 1,
        InstanceType: trainingInstanceType,
        VolumeSizeInGB: 30,
        VolumeKmsKeyId: ctx.kmsKeyArn,
      },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    },
  });

  const evaluate = new ProcessingStep({
    name: 'EvaluateAbaloneModel',
    description: 'Compute the mean squared error of the model on the test split',
    arguments: {
      RoleArn: ctx.roleArn,
      AppSpecification: {
        ImageUri: xgboostImage,
        ContainerEntrypoint: ['python3', `${CODE_DIR}/evaluate.py`],
      },
      ProcessingResources: {
        ClusterConfig: {
          InstanceCount: 1,
          InstanceType: processingInstanceType,
          VolumeSizeInGB: 30,
          VolumeKmsKeyId: ctx.kmsKeyArn,
        },
      },
      ProcessingInputs: [
        {
          InputName: 'model',
          S3Input: {
            S3Uri: train.properties.ModelArtifacts.S3ModelArtifacts,
            LocalPath: `${PROCESSING}/model`,
            S3DataType: 'S3Prefix',
            S3InputMode: 'File',
            S3DataDistributionType: 'FullyReplicated',
          },
        },
        {
          InputName: 'test',
          S3Input: {
            S3Uri: preprocess.outputs('test').s3Uri,
            LocalPath: `${PROCESSING}/test`,
            S3DataType: 'S3Prefix',
            S3InputMode: 'File',
            S3DataDistributionType: 'FullyReplicated',
          },
        },
        codeInput('evaluate'),
      ],
      ProcessingOutputConfig: {
        KmsKeyId: ctx.kmsKeyArn,
        Outputs: [
          {
            OutputName: 'evaluation',
            S3Output: {
              S3Uri: outputUri('EvaluateAbaloneModel', 'evaluation'),
              LocalPath: `${PROCESSING}/evaluation`,
              S3UploadMode: 'EndOfJob',
            },
          },
        ],
      },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
    propertyFiles: [{ name: EVALUATION_REPORT, outputName: 'evaluation', path: 'evaluation.json' }],
  });

  const mse = evaluate.jsonGet<number>(EVALUATION_REPORT, 'regression_metrics.mse.value');

  const register = new RegisterModelStep({
    name: 'RegisterAbaloneModel',
    description: 'Register the model in the project model package group',
    retryPolicies: [{ exceptionTypes: ['Step.SERVICE_FAULT', 'Step.THROTTLING'], intervalSeconds: 10, backoffRate: 2, maxAttempts: 5 }],
    arguments: {
      ModelPackageGroupName: ctx.modelPackageGroupName,
      ModelPackageDescription: 'Abalone rings regressor (XGBoost)',
      ModelApprovalStatus: modelApprovalStatus,
      InferenceSpecification: {
        Containers: [{ Image: xgboostImage, ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: new Join({ on: '/', values: [evaluate.outputs('evaluation').s3Uri, 'evaluation.json'] }),
          },
        },
      },
    },
  });

  const fail = new FailStep({
    name: 'FailAbaloneModelQuality',
    description: 'Stop the execution when the model is not good enough to register',
    errorMessage: new Join({
      on: ' ',
      values: ['Model not registered: test MSE', mse, `is above the threshold of ${MSE_THRESHOLD}`],
    }),
  });

  const gate = new ConditionStep({
    name: 'CheckMSEAbaloneEvaluation',
    description: `Register the model only when its test MSE is at most ${MSE_THRESHOLD}`,
    conditions: [Conditions.lessThanOrEqualTo(mse, MSE_THRESHOLD)],
    ifSteps: [register],
    elseSteps: [fail],
  });

  return new Pipeline({
    name: ctx.pipelineName,
    parameters: [processingInstanceCount, processingInstanceType, trainingInstanceType, modelApprovalStatus, inputDataUrl],
    steps: [preprocess, train, evaluate, gate],
  });
}

/** The abalone pipeline as the CLIs see it. */
export const abalone: PipelineBlueprint = {
  description: 'Abalone rings regression: preprocess, train XGBoost, evaluate, register when MSE <= 6',
  scripts: {
    preprocess: path.join(__dirname, 'preprocess.py'),
    evaluate: path.join(__dirname, 'evaluate.py'),
  },
  build: createAbalonePipeline,
};
