/**
 * The checks of run values against what SageMaker accepts (src/cli/start-values.ts), on fixture
 * steps: each rule at its boundaries, for overrides, defaults and literals, naming step and field.
 */
import { serviceValueProblems } from '../../src/cli/start-values';
import { ParameterInteger, ParameterString, RegisterModelStep, Step, TrainingStep } from '../../src/workflow';
import { processingArgs, processingStep, trainingStep } from '../helpers/fixtures';

const count = new ParameterInteger('Count', 1);
const type = new ParameterString('Type', 'ml.m5.xlarge');
const status = new ParameterString('Status', 'PendingManualApproval');
const prep = processingStep('Prep', {
  arguments: { ...processingArgs(), ProcessingResources: { ClusterConfig: { InstanceCount: count, InstanceType: type, VolumeSizeInGB: 10 } } },
});
const register = new RegisterModelStep({ name: 'Reg', arguments: { ModelPackageGroupName: 'g', ModelApprovalStatus: status } });
const problems = (overrides: Record<string, string>, steps: Step[] = [prep, register]) => serviceValueProblems(steps, new Map(Object.entries(overrides)));

describe('values SageMaker refuses only when a step starts', () => {
  test.each([
    [{ Count: '1' }],
    [{ Count: '100' }],
    [{ Type: 'ml.c5.2xlarge' }],
    [{ Status: 'Approved' }],
    [{ Status: 'Rejected' }],
  ])('accepts %j', (overrides) => {
    expect(problems(overrides)).toEqual([]);
  });

  test.each([
    [{ Count: '0' }, "--parameter Count 0 is out of range: SageMaker takes 1-100 (used by step 'Prep' Arguments.ProcessingResources.ClusterConfig.InstanceCount)"],
    [{ Count: '101' }, '--parameter Count 101 is out of range: SageMaker takes 1-100'],
    [{ Type: 'ml.m5.huge' }, '--parameter Type "ml.m5.huge" is not a processing instance type SageMaker offers; sizes of ml.m5 for processing: '],
    [{ Type: 'ml.zz9.large' }, '--parameter Type "ml.zz9.large" is not a processing instance type SageMaker offers: there is no family zz9 for processing; families: '],
    [{ Type: 'large' }, '--parameter Type "large" is not an instance type: SageMaker takes ml.<family>.<size>'],
    [{ Status: 'approved' }, "--parameter Status \"approved\" is not a model approval status: SageMaker takes Approved, PendingManualApproval, Rejected (used by step 'Reg' Arguments.ModelApprovalStatus)"],
  ])('refuses %j', (overrides, message) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  test('checks defaults when there is no override, and literals', () => {
    const badDefault = new ParameterInteger('N', 0);
    const step = processingStep('P', {
      arguments: { ...processingArgs(), ProcessingResources: { ClusterConfig: { InstanceCount: badDefault, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } } },
    });
    expect(problems({}, [step])).toEqual([
      "parameter N (default) 0 is out of range: SageMaker takes 1-100 (used by step 'P' Arguments.ProcessingResources.ClusterConfig.InstanceCount)",
    ]);
    // a literal the type checker would refuse, as a JavaScript user could still write it
    const literal = new TrainingStep({
      name: 'T',
      arguments: { ...trainingStep('T').arguments, ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.bogus' as never, VolumeSizeInGB: 10 } },
    });
    expect(problems({}, [literal])[0]).toContain(`step 'T' Arguments.ResourceConfig.InstanceType "ml.m5.bogus" is not a training instance type`);
  });
});
