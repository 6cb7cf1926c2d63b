/**
 * Condition steps: every condition must hold (`Equals`, `GreaterThan`, `GreaterThanOrEqualTo`,
 * `LessThan`, `LessThanOrEqualTo`, `In`, `Not`, `Or`), evaluated on resolved values; the step's
 * `Outcome` property is set and the branch it picks runs next.
 */
import { JsonValue } from '../../workflow';
import { stringOf } from '../resolve';
import type { StepExecutor } from './context';

/** The result of conditions: the outcome and a readable account of the values compared. */
export interface ConditionResult {
  readonly outcome: boolean;
  readonly detail: string;
}

/** Resolves the runtime values a condition compares. */
export type Resolve = (value: unknown) => JsonValue;

const COMPARISONS: Record<string, readonly [symbol: string, holds: (a: any, b: any) => boolean]> = {
  Equals: ['==', (a, b) => a === b],
  GreaterThan: ['>', (a, b) => a > b],
  GreaterThanOrEqualTo: ['>=', (a, b) => a >= b],
  LessThan: ['<', (a, b) => a < b],
  LessThanOrEqualTo: ['<=', (a, b) => a <= b],
};

/** The condition types the local run evaluates. */
export const CONDITION_TYPES: readonly string[] = [...Object.keys(COMPARISONS), 'In', 'Not', 'Or'];

/** The executor of `Condition` steps. */
export const conditionStep: StepExecutor = {
  run: async (step, context) => {
    const { outcome, detail } = evaluateConditions(step.Arguments.Conditions ?? [], (value) => context.resolver.resolve(value));
    context.resolver.setProperties(step.Name, { Outcome: outcome });
    return {
      status: 'Succeeded',
      note: `${detail} -> ${outcome ? 'if' : 'else'} branch`,
      next: outcome ? step.Arguments.IfSteps ?? [] : step.Arguments.ElseSteps ?? [],
    };
  },
};

/** All conditions must hold; returns the outcome and a readable account of the values. */
export function evaluateConditions(conditions: readonly any[], resolve: Resolve): ConditionResult {
  const parts = conditions.map((c) => evaluateCondition(c, resolve));
  return { outcome: parts.every((p) => p.outcome), detail: parts.map((p) => p.detail).join(' and ') };
}

function evaluateCondition(condition: any, resolve: Resolve): ConditionResult {
  switch (condition.Type) {
    case 'Not': {
      const inner = evaluateCondition(condition.Expression, resolve);
      return { outcome: !inner.outcome, detail: `not (${inner.detail})` };
    }
    case 'Or': {
      const parts = (condition.Conditions as any[]).map((c) => evaluateCondition(c, resolve));
      return { outcome: parts.some((p) => p.outcome), detail: parts.map((p) => p.detail).join(' or ') };
    }
    case 'In': {
      const value = resolve(condition.QueryValue);
      const values = (condition.Values as unknown[]).map((v) => resolve(v));
      return { outcome: values.some((v) => v === value), detail: `${stringOf(value)} in [${values.map(stringOf).join(', ')}]` };
    }
    default: {
      const left = resolve(condition.LeftValue);
      const right = resolve(condition.RightValue);
      const entry = COMPARISONS[condition.Type];
      if (!entry) {
        throw new Error(`condition type ${condition.Type} is unknown`);
      }
      const outcome = entry[1](left, right);
      return { outcome, detail: `${stringOf(left)} ${entry[0]} ${stringOf(right)} is ${outcome}` };
    }
  }
}
