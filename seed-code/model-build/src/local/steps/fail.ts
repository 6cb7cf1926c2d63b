/** Fail steps: end the execution as failed with their resolved error message. */
import type { StepExecutor } from './context';

/** The executor of `Fail` steps. */
export const failStep: StepExecutor = {
  run: async (step, context) => ({ status: 'Failed', note: String(context.resolver.resolve(step.Arguments?.ErrorMessage ?? '')) }),
};
