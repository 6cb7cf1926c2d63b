import { HYPERPARAMETERS, MSE_THRESHOLD, abalone, createAbalonePipeline } from '../../src/pipelines/abalone/pipeline';
import { PipelineContext } from '../../src/pipelines';

const KMS = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const context: PipelineContext = {
  region: 'eu-west-1',
  pipelineName: 'abalone-p-abc123',
  modelPackageGroupName: 'abalone-p-abc123',
  roleArn: 'arn:aws:iam::123456789012:role/pipeline',
  bucket: 'sagemaker-project-p-abc123',
  kmsKeyArn: KMS,
  scriptUris: {
    preprocess: 's3://sagemaker-project-p-abc123/abalone-p-abc123/code/aaa/preprocess.py',
    evaluate: 's3://sagemaker-project-p-abc123/abalone-p-abc123/code/bbb/evaluate.py',
  },
};
const XGBOOST = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const SKLEARN = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

const get = (path: string) => ({ Get: path });
const output = (step: string, name: string) => get(`Steps.${step}.ProcessingOutputConfig.Outputs['${name}'].S3Output.S3Uri`);
const mse = {
  'Std:JsonGet': {
    PropertyFile: get('Steps.EvaluateAbaloneModel.PropertyFiles.AbaloneEvaluationReport'),
    Path: 'regression_metrics.mse.value',
  },
};

function definition(ctx: PipelineContext = context): any {
  return JSON.parse(createAbalonePipeline(ctx).toJson());
}

function step(def: any, name: string): any {
  const all = def.Steps.flatMap((s: any) => [s, ...(s.Arguments.IfSteps ?? []), ...(s.Arguments.ElseSteps ?? [])]);
  const found = all.find((s: any) => s.Name === name);
  if (!found) {
    throw new Error(`no step ${name}`);
  }
  return found;
}

describe('abalone pipeline', () => {
  test('declares the instance, approval and input parameters with their defaults', () => {
    expect(definition().Parameters).toEqual([
      { Name: 'ProcessingInstanceCount', Type: 'Integer', DefaultValue: 1 },
      { Name: 'ProcessingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval' },
      {
        Name: 'InputDataUrl',
        Type: 'String',
        DefaultValue: 's3://sagemaker-servicecatalog-seedcode-eu-west-1/dataset/abalone-dataset.csv',
      },
    ]);
  });

  test('runs preprocess, train, evaluate, then the MSE gate with register or fail branches', () => {
    const def = definition();
    expect(def.Version).toBe('2020-12-01');
    expect(def.Steps.map((s: any) => [s.Name, s.Type])).toEqual([
      ['PreprocessAbaloneData', 'Processing'],
      ['TrainAbaloneModel', 'Training'],
      ['EvaluateAbaloneModel', 'Processing'],
      ['CheckMSEAbaloneEvaluation', 'Condition'],
    ]);
    const gate = step(def, 'CheckMSEAbaloneEvaluation');
    expect(gate.Arguments.Conditions).toEqual([{ Type: 'LessThanOrEqualTo', LeftValue: mse, RightValue: MSE_THRESHOLD }]);
    expect(gate.Arguments.IfSteps.map((s: any) => [s.Name, s.Type])).toEqual([['RegisterAbaloneModel', 'RegisterModel']]);
    expect(gate.Arguments.ElseSteps.map((s: any) => [s.Name, s.Type])).toEqual([['FailAbaloneModelQuality', 'Fail']]);
  });

  test('preprocess reads InputDataUrl and its uploaded script with the scikit-learn image, cached', () => {
    const prep = step(definition(), 'PreprocessAbaloneData');
    expect(prep.CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P30D' });
    expect(prep.Arguments.AppSpecification).toEqual({
      ImageUri: SKLEARN,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
    });
    expect(prep.Arguments.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['input', get('Parameters.InputDataUrl'), '/opt/ml/processing/input/data'],
      ['code', context.scriptUris.preprocess, '/opt/ml/processing/input/code'],
    ]);
    expect(prep.Arguments.ProcessingResources.ClusterConfig).toEqual({
      InstanceCount: get('Parameters.ProcessingInstanceCount'),
      InstanceType: get('Parameters.ProcessingInstanceType'),
      VolumeSizeInGB: 30,
      VolumeKmsKeyId: KMS,
    });
    expect(prep.Arguments.ProcessingOutputConfig.KmsKeyId).toBe(KMS);
    expect(prep.Arguments.ProcessingOutputConfig.Outputs).toEqual(
      ['train', 'validation', 'test'].map((name) => ({
        OutputName: name,
        S3Output: {
          LocalPath: `/opt/ml/processing/${name}`,
          S3UploadMode: 'EndOfJob',
          S3Uri: {
            'Std:Join': {
              On: '/',
              Values: [
                's3://sagemaker-project-p-abc123/abalone-p-abc123',
                get('Execution.PipelineExecutionId'),
                'PreprocessAbaloneData',
                name,
              ],
            },
          },
        },
      })),
    );
  });

  test('train uses the XGBoost image, the reference hyperparameters and the train/validation outputs, cached', () => {
    const train = step(definition(), 'TrainAbaloneModel');
    expect(train.CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P30D' });
    expect(train.Arguments.AlgorithmSpecification).toEqual({ TrainingImage: XGBOOST, TrainingInputMode: 'File' });
    expect(train.Arguments.HyperParameters).toEqual({
      objective: 'reg:squarederror',
      num_round: '50',
      max_depth: '5',
      eta: '0.2',
      gamma: '4',
      min_child_weight: '6',
      subsample: '0.7',
    });
    expect(HYPERPARAMETERS.objective).toBe('reg:squarederror');
    expect(
      train.Arguments.InputDataConfig.map((c: any) => [c.ChannelName, c.ContentType, c.DataSource.S3DataSource.S3Uri]),
    ).toEqual([
      ['train', 'text/csv', output('PreprocessAbaloneData', 'train')],
      ['validation', 'text/csv', output('PreprocessAbaloneData', 'validation')],
    ]);
    expect(train.Arguments.ResourceConfig.InstanceType).toEqual(get('Parameters.TrainingInstanceType'));
    expect(train.Arguments.OutputDataConfig).toEqual({
      S3OutputPath: 's3://sagemaker-project-p-abc123/abalone-p-abc123/TrainAbaloneModel',
      KmsKeyId: KMS,
    });
  });

  test('evaluate reads the model artifact and the test split and declares the report property file', () => {
    const evaluate = step(definition(), 'EvaluateAbaloneModel');
    expect(evaluate.CacheConfig).toBeUndefined();
    expect(evaluate.Arguments.AppSpecification.ImageUri).toBe(XGBOOST);
    expect(evaluate.Arguments.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri])).toEqual([
      ['model', get('Steps.TrainAbaloneModel.ModelArtifacts.S3ModelArtifacts')],
      ['test', output('PreprocessAbaloneData', 'test')],
      ['code', context.scriptUris.evaluate],
    ]);
    expect(evaluate.PropertyFiles).toEqual([
      { PropertyFileName: 'AbaloneEvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' },
    ]);
  });

  test('register puts the model in the project group with approval from the parameter and metrics from evaluation.json', () => {
    const register = step(definition(), 'RegisterAbaloneModel');
    expect(register.Arguments).toEqual({
      ModelPackageGroupName: 'abalone-p-abc123',
      ModelPackageDescription: 'Abalone rings regressor (XGBoost)',
      ModelApprovalStatus: get('Parameters.ModelApprovalStatus'),
      InferenceSpecification: {
        Containers: [{ Image: XGBOOST, ModelDataUrl: get('Steps.TrainAbaloneModel.ModelArtifacts.S3ModelArtifacts') }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: { 'Std:Join': { On: '/', Values: [output('EvaluateAbaloneModel', 'evaluation'), 'evaluation.json'] } },
          },
        },
      },
    });
  });

  test('the fail branch reports the measured MSE', () => {
    expect(step(definition(), 'FailAbaloneModelQuality').Arguments).toEqual({
      ErrorMessage: {
        'Std:Join': { On: ' ', Values: ['Model not registered: test MSE', mse, 'is above the threshold of 6'] },
      },
    });
  });

  test('without a KMS key no KmsKeyId is emitted', () => {
    const json = createAbalonePipeline({ ...context, kmsKeyArn: undefined }).toJson();
    expect(json).not.toContain('KmsKeyId');
  });

  test('image URIs can be overridden for regions outside the table', () => {
    const def = definition({ ...context, region: 'xx-new-1', imageUris: { sklearn: 'my/sklearn:1', xgboost: 'my/xgb:1' } });
    expect(step(def, 'PreprocessAbaloneData').Arguments.AppSpecification.ImageUri).toBe('my/sklearn:1');
    expect(step(def, 'TrainAbaloneModel').Arguments.AlgorithmSpecification.TrainingImage).toBe('my/xgb:1');
  });

  test('fails when a region is outside the image table and no image is given', () => {
    expect(() => createAbalonePipeline({ ...context, region: 'xx-new-1' })).toThrow("region 'xx-new-1' has no sklearn/xgboost image");
  });

  test('fails when a script URI is missing', () => {
    expect(() => createAbalonePipeline({ ...context, scriptUris: { preprocess: 's3://b/p.py' } })).toThrow(
      "no S3 URI given for script 'evaluate'",
    );
  });

  test('the blueprint lists both scripts that exist on disk', () => {
    expect(Object.keys(abalone.scripts).sort()).toEqual(['evaluate', 'preprocess']);
    expect(abalone.scripts.preprocess).toMatch(/abalone\/preprocess\.py$/);
  });
});
