/** The step types a local run executes, one executor each, and the check that a definition can run. */
import { allSteps } from '../schedule';
import { DefinitionStep, LocalRunUnsupportedError } from '../types';
import { conditionStep } from './condition';
import type { StepExecutor } from './context';
import { failStep } from './fail';
import { processingStep } from './processing';
import { registerModelStep } from './register-model';
import { trainingStep } from './training';

/** The step types a local run executes. */
export const LOCAL_STEP_TYPES = ['Processing', 'Training', 'Condition', 'Fail', 'RegisterModel'] as const;

/** A step type the local run executes. */
export type LocalStepType = (typeof LOCAL_STEP_TYPES)[number];

const EXECUTORS: Record<LocalStepType, StepExecutor> = {
  Processing: processingStep,
  Training: trainingStep,
  Condition: conditionStep,
  Fail: failStep,
  RegisterModel: registerModelStep,
};

function isLocalStepType(type: string): type is LocalStepType {
  return (LOCAL_STEP_TYPES as readonly string[]).includes(type);
}

/**
 * Checks that every step can run locally.
 *
 * @throws LocalRunUnsupportedError naming the first step that cannot
 */
export function checkLocalSupport(definition: any): void {
  for (const step of allSteps(definition.Steps ?? [])) {
    if (!isLocalStepType(step.Type)) {
      throw new LocalRunUnsupportedError(
        `step '${step.Name}' has type ${step.Type}, which the local run does not execute (supported: ${LOCAL_STEP_TYPES.join(', ')}); ` +
          'run it in SageMaker with run-pipeline',
      );
    }
    const problem = EXECUTORS[step.Type].unsupported?.(step);
    if (problem) {
      throw new LocalRunUnsupportedError(problem);
    }
  }
}

/** The executor of a step (whose type {@link checkLocalSupport} has accepted). */
export function executorOf(step: DefinitionStep): StepExecutor {
  if (!isLocalStepType(step.Type)) {
    throw new LocalRunUnsupportedError(`step '${step.Name}' has type ${step.Type}, which the local run does not execute`);
  }
  return EXECUTORS[step.Type];
}
