/**
 * The pipeline builders, on a fixture pipeline of this test's own (so changes to the shipped
 * pipelines never break these tests).
 */
import { Conditions, ParameterInteger, ParameterString } from '../../src/workflow';
import { PipelineBuilder, PipelineContext } from '../../src/pipelines';
import { KMS, contextFor, stepNamed } from '../helpers/context';

const XGBOOST = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const SKLEARN = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const get = (path: string) => ({ Get: path });
const output = (step: string, name: string) => get(`Steps.${step}.ProcessingOutputConfig.Outputs['${name}'].S3Output.S3Uri`);
const BASE = 's3://sagemaker-project-p-abc123/fixture-p-abc123';

/** A small pipeline made only of builder steps. */
function fixture(ctx: PipelineContext = contextFor('fixture', ['prep', 'eval'])) {
  const b = new PipelineBuilder(ctx);
  const instanceType = new ParameterString('InstanceType', 'ml.c5.xlarge');
  const maxWait = new ParameterInteger('MaxWait', 5400);
  const data = new ParameterString('Data', 's3://data/x.csv');
  const prep = b.processing({
    name: 'Prep',
    framework: 'sklearn',
    code: 'prep',
    inputs: { data },
    outputs: ['train', 'test'],
    arguments: ['--seed', '7'],
    instanceType,
    cache: true,
  });
  const train = b.builtInTraining({
    name: 'Train',
    algorithm: 'xgboost',
    hyperparameters: { objective: 'reg:squarederror', num_round: '3' },
    channels: { train: prep.outputs('train').s3Uri },
    instanceType: 'ml.m5.large',
    spot: { maxWaitSeconds: maxWait },
    maxRuntimeSeconds: 1800,
  });
  const evaluate = b.evaluation({
    name: 'Eval',
    framework: 'xgboost',
    code: 'eval',
    model: train,
    inputs: { test: prep.outputs('test').s3Uri },
    instanceType: 'ml.m5.large',
    report: 'Report',
    modelInput: 'Input',
  });
  const score = evaluate.jsonGet<number>('Report', 'm.score.value');
  const register = b.registerModel({
    name: 'Register',
    description: 'fixture model',
    model: train,
    framework: 'xgboost',
    evaluation: evaluate,
    approvalStatus: 'Approved',
    featureCount: evaluate.jsonGet('Input', 'feature_count'),
  });
  const gate = b.qualityGate({
    name: 'Gate',
    conditions: [Conditions.greaterThan(score, 0.5)],
    ifSteps: [register],
    failStepName: 'Fail',
    failMessage: ['score', score, 'too low'],
  });
  return b.pipeline({ parameters: [instanceType, maxWait, data], steps: [prep, train, evaluate, gate] });
}

const def = (ctx?: PipelineContext) => JSON.parse(fixture(ctx).toJson());

describe('PipelineBuilder.processing', () => {
  test('runs the script on the framework image with every folder as an argument', () => {
    // WHEN
    const prep = stepNamed(def(), 'Prep');

    // THEN
    expect(prep.CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P30D' });
    expect(prep.Arguments.AppSpecification).toEqual({
      ImageUri: SKLEARN,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/prep.py'],
      ContainerArguments: [
        '--data-dir', '/opt/ml/processing/input/data',
        '--train-dir', '/opt/ml/processing/output/train',
        '--test-dir', '/opt/ml/processing/output/test',
        '--seed', '7',
      ],
    });
    expect(prep.Arguments.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['data', get('Parameters.Data'), '/opt/ml/processing/input/data'],
      ['code', `${BASE}/code/sha-prep/prep.py`, '/opt/ml/processing/input/code'],
    ]);
    expect(prep.Arguments.ProcessingResources.ClusterConfig).toEqual({
      InstanceCount: 1,
      InstanceType: get('Parameters.InstanceType'),
      VolumeSizeInGB: 30,
      VolumeKmsKeyId: KMS,
    });
    expect(prep.Arguments.ProcessingOutputConfig.KmsKeyId).toBe(KMS);
    expect(prep.Arguments.ProcessingOutputConfig.Outputs[0]).toEqual({
      OutputName: 'train',
      S3Output: {
        LocalPath: '/opt/ml/processing/output/train',
        S3UploadMode: 'EndOfJob',
        S3Uri: { 'Std:Join': { On: '/', Values: [BASE, get('Execution.PipelineExecutionId'), 'Prep', 'train'] } },
      },
    });
  });

  test('a code folder with requirements.txt installs it before running the entry point', () => {
    // GIVEN
    const ctx = contextFor('fixture', ['eval'], {
      code: {
        prep: { s3Uri: 's3://b/p/code/abc/', files: ['lib/util.py', 'requirements.txt', 'run.py', 'tools.py'] },
        eval: { s3Uri: 's3://b/p/code/def/eval.py', files: ['eval.py'] },
      },
    });
    const b = new PipelineBuilder(ctx);

    // WHEN
    const step = b.processing({ name: 'P', framework: 'sklearn', code: 'prep', entryPoint: 'run.py', instanceType: 'ml.m5.large' });

    // THEN
    const args = JSON.parse(JSON.stringify(step.toDefinition())).Arguments;
    expect(args.AppSpecification.ContainerEntrypoint).toEqual([
      'sh',
      '-c',
      'if [ -z "$PIPELINE_LOCAL_RUN" ]; then python3 -m pip install --quiet -r /opt/ml/processing/input/code/requirements.txt; fi && exec python3 "$0" "$@"',
      '/opt/ml/processing/input/code/run.py',
    ]);
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://b/p/code/abc/');
  });

  test.each([
    ['the code name is unknown', { code: 'nope' }, "no uploaded code named 'nope'; known: prep, eval"],
    ['the entry point is not in the code', { code: 'prep', entryPoint: 'x.py' }, "code 'prep' has no file 'x.py'; files: prep.py"],
  ])('fails when %s', (_, options, message) => {
    const b = new PipelineBuilder(contextFor('fixture', ['prep', 'eval']));
    expect(() => b.processing({ name: 'P', framework: 'sklearn', instanceType: 'ml.m5.large', ...options })).toThrow(message);
  });
});

describe('PipelineBuilder.builtInTraining', () => {
  test('trains on spot capacity with the wait from the parameter and checkpoints under the pipeline prefix', () => {
    const train = stepNamed(def(), 'Train').Arguments;
    expect(train.AlgorithmSpecification).toEqual({ TrainingImage: XGBOOST, TrainingInputMode: 'File' });
    expect(train.HyperParameters).toEqual({ objective: 'reg:squarederror', num_round: '3' });
    expect(train.InputDataConfig).toEqual([
      {
        ChannelName: 'train',
        ContentType: 'text/csv',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: output('Prep', 'train'), S3DataDistributionType: 'FullyReplicated' } },
      },
    ]);
    expect(train.EnableManagedSpotTraining).toBe(true);
    expect(train.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 1800, MaxWaitTimeInSeconds: get('Parameters.MaxWait') });
    const checkpoint = train.CheckpointConfig.S3Uri['Std:Join'];
    expect(checkpoint.On).toBe('/');
    expect(checkpoint.Values[0]).toBe(BASE);
    expect(checkpoint.Values.slice(1, 3)).toEqual(['checkpoints', 'Train']);
    expect(checkpoint.Values[3]).toMatch(/^[0-9a-f]{16}$/);
    // the upstream job's name, not the execution id: caching still works, new data gets a new path
    expect(checkpoint.Values[4]).toEqual(get('Steps.Prep.ProcessingJobName'));
    expect(train.OutputDataConfig).toEqual({ S3OutputPath: `${BASE}/Train`, KmsKeyId: KMS });
    expect(train.ResourceConfig).toEqual({ InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30, VolumeKmsKeyId: KMS });
  });

  test('fails validation when the default spot wait is shorter than the maximum runtime', () => {
    const b = new PipelineBuilder(contextFor('fixture'));
    const wait = new ParameterInteger('Wait', 60);
    const train = b.builtInTraining({ name: 'T', algorithm: 'xgboost', hyperparameters: {}, channels: { train: 's3://b/t' }, instanceType: 'ml.m5.large', spot: { maxWaitSeconds: wait } });
    expect(b.pipeline({ parameters: [wait], steps: [train] }).validate()).toEqual([
      "parameter Wait (default) 60 is shorter than step 'T' Arguments.StoppingCondition.MaxRuntimeInSeconds 3600; the spot wait must be at least the maximum runtime",
    ]);
  });

  test('other hyperparameters give another checkpoint path', () => {
    const b = new PipelineBuilder(contextFor('fixture'));
    const path = (hyperparameters: Record<string, string>) =>
      JSON.stringify(
        b.builtInTraining({ name: 'T', algorithm: 'xgboost', hyperparameters, channels: { train: 's3://b/t' }, instanceType: 'ml.m5.large', spot: { maxWaitSeconds: 7200 } }).toDefinition(),
      );
    expect(path({ eta: '0.1' })).not.toBe(path({ eta: '0.2' }));
    // data that does not come from a processing step: the execution id keeps runs apart
    expect(path({ eta: '0.1' })).toContain('Execution.PipelineExecutionId');
  });

  test('without spot there is no wait time, spot flag or checkpoint (the API refuses a wait without spot)', () => {
    const b = new PipelineBuilder(contextFor('fixture'));
    const step = b.builtInTraining({ name: 'T', algorithm: 'xgboost', hyperparameters: {}, channels: { train: 's3://b/t' }, instanceType: 'ml.m5.large', spot: false });
    const args = JSON.parse(JSON.stringify(step.toDefinition())).Arguments;
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(args.EnableManagedSpotTraining).toBeUndefined();
    expect(args.CheckpointConfig).toBeUndefined();
  });
});

describe('PipelineBuilder.pipeline: the definition is safe to start from Studio', () => {
  const b = () => new PipelineBuilder(contextFor('fixture'));
  const training = (builder: PipelineBuilder, spot: { maxWaitSeconds: number | ParameterInteger } | false, name = 'T') =>
    builder.builtInTraining({ name, algorithm: 'xgboost', hyperparameters: {}, channels: { train: 's3://b/t' }, instanceType: 'ml.m5.large', maxRuntimeSeconds: 1800, spot });

  test('a spot wait parameter puts every step behind a check of the wait against the maximum runtime', () => {
    const definition = def();
    expect(definition.Steps.map((s: any) => s.Name)).toEqual(['CheckTrainingMaxWait']);
    const check = definition.Steps[0].Arguments;
    expect(check.Conditions).toEqual([{ Type: 'GreaterThanOrEqualTo', LeftValue: get('Parameters.MaxWait'), RightValue: 1800 }]);
    expect(check.IfSteps.map((s: any) => s.Name)).toEqual(['Prep', 'Train', 'Eval', 'Gate']);
    expect(check.ElseSteps).toEqual([
      {
        Name: 'FailTrainingMaxWait',
        Type: 'Fail',
        Description: 'Stop before any job: CreateTrainingJob refuses a spot wait below the maximum runtime',
        Arguments: {
          ErrorMessage: {
            'Std:Join': {
              On: ' ',
              Values: [
                'Not started: parameter MaxWait is',
                get('Parameters.MaxWait'),
                'but step Train has MaxRuntimeInSeconds 1800;',
                'the spot wait must be at least the maximum runtime (set MaxWait to 1800 or more)',
              ],
            },
          },
        },
      },
    ]);
  });

  test('each training step with a wait parameter is checked', () => {
    const builder = b();
    const w1 = new ParameterInteger('W1', 3600);
    const w2 = new ParameterInteger('W2', 3600);
    const definition = JSON.parse(builder.pipeline({ parameters: [w1, w2], steps: [training(builder, { maxWaitSeconds: w1 }, 'A'), training(builder, { maxWaitSeconds: w2 }, 'B')] }).toJson());
    expect(definition.Steps[0].Arguments.Conditions.map((c: any) => c.LeftValue.Get)).toEqual(['Parameters.W1', 'Parameters.W2']);
    expect(definition.Steps[0].Arguments.ElseSteps[0].Arguments.ErrorMessage['Std:Join'].Values).toContain('/');
  });

  test('a literal spot wait (checked when the definition is built) needs no check step', () => {
    const builder = b();
    const definition = JSON.parse(builder.pipeline({ parameters: [], steps: [training(builder, { maxWaitSeconds: 3600 })] }).toJson());
    expect(definition.Steps.map((s: any) => s.Name)).toEqual(['T']);
  });

  test('with spot off, the unused wait parameter is dropped from the definition, and there is no check step', () => {
    const builder = b();
    const wait = new ParameterInteger('MaxWait', 7200);
    const used = new ParameterString('Used', 'x');
    const step = training(builder, false);
    const definition = JSON.parse(
      builder
        .pipeline({ parameters: [used, wait], steps: [step, builder.qualityGate({ name: 'G', conditions: [Conditions.equals(used, 'x')], ifSteps: [], failStepName: 'F', failMessage: ['no'] })] })
        .toJson(),
    );
    expect(definition.Parameters).toEqual([{ Name: 'Used', Type: 'String', DefaultValue: 'x' }]);
    expect(definition.Steps.map((s: any) => s.Name)).toEqual(['T', 'G']);
  });
});

describe('PipelineBuilder evaluation, registration and gate', () => {
  test('evaluation passes the model and declares evaluation.json as the report', () => {
    const evaluate = stepNamed(def(), 'Eval');
    expect(evaluate.Arguments.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri])).toEqual([
      ['model', get('Steps.Train.ModelArtifacts.S3ModelArtifacts')],
      ['test', output('Prep', 'test')],
      ['code', `${BASE}/code/sha-eval/eval.py`],
    ]);
    expect(evaluate.Arguments.AppSpecification.ContainerArguments).toEqual([
      '--model-dir', '/opt/ml/processing/input/model',
      '--test-dir', '/opt/ml/processing/input/test',
      '--evaluation-dir', '/opt/ml/processing/output/evaluation',
    ]);
    expect(evaluate.PropertyFiles).toEqual([
      { PropertyFileName: 'Report', OutputName: 'evaluation', FilePath: 'evaluation.json' },
      { PropertyFileName: 'Input', OutputName: 'evaluation', FilePath: 'model-input.json' },
    ]);
  });

  test('registration records the short name, the model and evaluation.json as model quality', () => {
    expect(stepNamed(def(), 'Register').Arguments).toEqual({
      ModelPackageGroupName: 'fixture-p-abc123',
      ModelPackageDescription: 'fixture model',
      ModelApprovalStatus: 'Approved',
      CustomerMetadataProperties: {
        pipeline: 'fixture',
        feature_count: {
          'Std:Join': { On: '', Values: [{ 'Std:JsonGet': { PropertyFile: get('Steps.Eval.PropertyFiles.Input'), Path: 'feature_count' } }] },
        },
      },
      InferenceSpecification: {
        Containers: [{ Image: XGBOOST, ModelDataUrl: get('Steps.Train.ModelArtifacts.S3ModelArtifacts') }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: { 'Std:Join': { On: '/', Values: [output('Eval', 'evaluation'), 'evaluation.json'] } },
          },
        },
      },
    });
  });

  test('the gate fails with the measured value in the message', () => {
    const score = { 'Std:JsonGet': { PropertyFile: get('Steps.Eval.PropertyFiles.Report'), Path: 'm.score.value' } };
    expect(stepNamed(def(), 'Fail').Arguments).toEqual({ ErrorMessage: { 'Std:Join': { On: ' ', Values: ['score', score, 'too low'] } } });
  });

  test('the context job tags are on every job step', () => {
    const d = def();
    for (const name of ['Prep', 'Train', 'Eval']) {
      expect(stepNamed(d, name).Arguments.Tags).toEqual([
        { Key: 'sagemaker:project-name', Value: 'fixture' },
        { Key: 'sagemaker:project-id', Value: 'p-abc123' },
      ]);
    }
  });

  test('without a KMS key no KmsKeyId is emitted', () => {
    expect(fixture(contextFor('fixture', ['prep', 'eval'], { kmsKeyArn: undefined })).toJson()).not.toContain('KmsKeyId');
  });

  test('image URIs can be overridden for regions outside the table', () => {
    const d = def(contextFor('fixture', ['prep', 'eval'], { region: 'xx-new-1', imageUris: { sklearn: 'my/sklearn:1', xgboost: 'my/xgb:1' } }));
    expect(stepNamed(d, 'Prep').Arguments.AppSpecification.ImageUri).toBe('my/sklearn:1');
    expect(stepNamed(d, 'Train').Arguments.AlgorithmSpecification.TrainingImage).toBe('my/xgb:1');
  });

  test('fails when a region is outside the image table and no image is given', () => {
    expect(() => fixture(contextFor('fixture', ['prep', 'eval'], { region: 'xx-new-1' }))).toThrow("region 'xx-new-1' has no sklearn/xgboost image");
  });
});

describe('script training and other images', () => {
  const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/images@sha256:${'d'.repeat(64)}`;
  const ctx = contextFor('fixture', [], {
    code: { code: { s3Uri: 's3://sagemaker-project-p-abc123/fixture-p-abc123/code/abc/', files: ['helpers.py', 'run.py', 'score.py'] } },
  });

  test('runs the code channel\'s entry point on the given image, hyperparameters as arguments, on demand', () => {
    const b = new PipelineBuilder(ctx);
    const step = b.scriptTraining({
      name: 'Fit', imageUri: IMAGE, code: 'code', entryPoint: 'run.py', hyperparameters: { epochs: '2' },
      channels: { train: 's3://b/train/' }, instanceType: 'ml.m5.large', maxRuntimeSeconds: 600,
    });
    const args = JSON.parse(JSON.stringify(step.arguments));
    expect(args.AlgorithmSpecification).toEqual({
      TrainingImage: IMAGE, TrainingInputMode: 'File', ContainerEntrypoint: ['python3', '/opt/ml/input/data/code/run.py'],
      ContainerArguments: ['--train-dir', '/opt/ml/input/data/train', '--model-dir', '/opt/ml/model', '--epochs', '2'],
    });
    expect(args.InputDataConfig.map((c: any) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri])).toEqual([
      ['train', 's3://b/train/'],
      ['code', 's3://sagemaker-project-p-abc123/fixture-p-abc123/code/abc/'],
    ]);
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 600 });
    expect(args.EnableManagedSpotTraining).toBeUndefined();
    expect(args.ResourceConfig.VolumeKmsKeyId).toBe(KMS);
  });

  test('refuses a channel named code, and an entry point the code lacks', () => {
    const b = new PipelineBuilder(ctx);
    const base = { name: 'Fit', imageUri: IMAGE, code: 'code', hyperparameters: {}, instanceType: 'ml.m5.large' } as const;
    expect(() => b.scriptTraining({ ...base, entryPoint: 'run.py', channels: { code: 's3://b/x/' } })).toThrow("step 'Fit': the channel name 'code' is taken by the script's code");
    expect(() => b.scriptTraining({ ...base, entryPoint: 'nope.py', channels: {} })).toThrow("code 'code' has no file 'nope.py'");
  });

  test('processing and registration take an image URI instead of a framework, exactly one of them', () => {
    const b = new PipelineBuilder(ctx);
    const prep = b.processing({ name: 'Score', imageUri: IMAGE, code: 'code', entryPoint: 'score.py', instanceType: 'ml.m5.large' });
    expect(prep.arguments.AppSpecification?.ImageUri).toBe(IMAGE);
    expect(() => b.processing({ name: 'Both', imageUri: IMAGE, framework: 'sklearn', code: 'code', entryPoint: 'score.py', instanceType: 'ml.m5.large' })).toThrow("step 'Both': give exactly one of framework and imageUri");
    expect(() => b.processing({ name: 'None', code: 'code', entryPoint: 'score.py', instanceType: 'ml.m5.large' })).toThrow("step 'None': give exactly one of framework and imageUri");
  });
});
