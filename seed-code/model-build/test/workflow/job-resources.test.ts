import { PIPELINES } from '../../src/pipelines';
import { ParameterString, Pipeline, ProcessingStep, hasLocalInstanceStorage, jobResources, localStorageProblems } from '../../src/workflow';
import { contextFor } from '../helpers/context';
import { processingArgs } from '../helpers/fixtures';

describe('hasLocalInstanceStorage', () => {
  test.each([
    'ml.m5d.xlarge', 'ml.c5d.2xlarge', 'ml.r5d.large', 'ml.m6id.large', 'ml.g4dn.xlarge', 'ml.p3dn.24xlarge',
    'ml.p4d.24xlarge', 'ml.p4de.24xlarge', 'ml.g5.xlarge', 'ml.g6.2xlarge', 'ml.g6e.xlarge', 'ml.p5.48xlarge', 'ml.trn1.32xlarge',
  ])('%s has local NVMe storage', (type) => {
    expect(hasLocalInstanceStorage(type)).toBe(true);
  });

  test.each(['ml.m5.xlarge', 'ml.c5.xlarge', 'ml.c5n.xlarge', 'ml.r5.large', 'ml.t3.medium', 'ml.p3.2xlarge', 'ml.g4.xlarge', 'ml.inf2.xlarge', 'not-a-type'])(
    '%s has not',
    (type) => {
      expect(hasLocalInstanceStorage(type)).toBe(false);
    },
  );
});

describe('local storage with a volume key', () => {
  const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/k';
  const instanceType = new ParameterString('ProcessingInstanceType', 'ml.m5.xlarge');
  function step(type: string | ParameterString, key: string | null = KEY) {
    const args = processingArgs();
    return new ProcessingStep({
      name: 'Prep',
      arguments: { ...args, ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: type as 'ml.m5.xlarge', VolumeSizeInGB: 30, VolumeKmsKeyId: key ?? undefined } } },
    });
  }

  test('an override with local storage is a problem naming the parameter, the value and the step', () => {
    const problems = localStorageProblems([step(instanceType)], new Map([['ProcessingInstanceType', 'ml.g4dn.xlarge']]));
    expect(problems).toEqual([
      "parameter ProcessingInstanceType 'ml.g4dn.xlarge' has local NVMe instance storage, for which SageMaker refuses a volume KMS key, " +
        "but step 'Prep' sets Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId; choose an instance type without local storage " +
        "(e.g. 'ml.m5.xlarge' instead of 'ml.m5d.xlarge') or build the pipeline without a KMS key",
    ]);
  });

  test('without a volume key any instance type is fine', () => {
    expect(localStorageProblems([step(instanceType, null)], new Map([['ProcessingInstanceType', 'ml.g4dn.xlarge']]))).toEqual([]);
  });

  test.each([
    ['a literal instance type has local storage', step('ml.m5d.xlarge'), "Arguments.ProcessingResources.ClusterConfig.InstanceType 'ml.m5d.xlarge' has local NVMe"],
    ['a parameter default has local storage', step(new ParameterString('T', 'ml.g5.xlarge')), "parameter T (default) 'ml.g5.xlarge' has local NVMe"],
  ])('fails validation when %s', (_, s, message) => {
    const type = s.arguments.ProcessingResources?.ClusterConfig?.InstanceType;
    const parameters = type instanceof ParameterString ? [type] : [];
    const pipeline = new Pipeline({ name: 'p', parameters, steps: [s] });
    expect(pipeline.validate().join('\n')).toContain(message);
  });
});

describe('jobResources', () => {
  const steps = PIPELINES.abalone.build(contextFor('abalone')).allSteps();

  test('reads each job step\'s instance type, count, runtime and spot from the parameters\' defaults', () => {
    const byStep = Object.fromEntries(jobResources(steps).map((r) => [r.step, r]));
    expect(Object.keys(byStep).sort()).toEqual(['EvaluateAbaloneModel', 'PreprocessAbaloneData', 'TrainAbaloneModel']);
    expect(byStep.PreprocessAbaloneData).toMatchObject({ type: 'Processing', instanceType: 'ml.m5.xlarge', instanceCount: 1, spot: false });
    expect(byStep.TrainAbaloneModel).toMatchObject({ type: 'Training', instanceType: 'ml.m5.xlarge', instanceCount: 1, spot: true, maxWaitSeconds: 7200 });
    expect(byStep.TrainAbaloneModel.maxRuntimeSeconds).toBeGreaterThan(0);
  });

  test('a parameter value given wins over the default, numbers as numbers', () => {
    const values = new Map([['TrainingInstanceType', 'ml.c5.2xlarge'], ['ProcessingInstanceCount', '3']]);
    const byStep = Object.fromEntries(jobResources(steps, values).map((r) => [r.step, r]));
    expect(byStep.TrainAbaloneModel.instanceType).toBe('ml.c5.2xlarge');
    expect(byStep.PreprocessAbaloneData.instanceCount).toBe(3);
  });
});
