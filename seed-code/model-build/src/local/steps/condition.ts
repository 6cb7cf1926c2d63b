/**
 * Condition steps: every condition must hold (`Equals`, `GreaterThan`, `GreaterThanOrEqualTo`,
 * `LessThan`, `LessThanOrEqualTo`, `In`, `Not`, `Or`), evaluated on resolved values; the step's
 * `Outcome` property is set and the branch it picks runs next.
 *
 * The service's semantics. The pipeline definition JSON schema
 * (https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/,
 * BinaryCondition) allows a string, boolean, integer or number on each side, never null. How the
 * service compares them is not documented; the local run follows AWS's own local executor, the
 * SageMaker Python SDK's `sagemaker/local/pipeline.py` (`_ConditionStepExecutor`), where a
 * comparison Python refuses fails the condition step instead of choosing a branch:
 * - a value that is null or missing fails the step before anything is compared (resolve.ts), so a
 *   missing metric never registers a model;
 * - `Equals` of values of different types (number, string, boolean) fails the step, as the SDK
 *   does. Integers and floats are one type here (our choice: JSON has one number type; the SDK
 *   would also refuse `Equals(1, 1.0)`);
 * - `GreaterThan`, `GreaterThanOrEqualTo`, `LessThan`, `LessThanOrEqualTo` compare two numbers
 *   numerically or two strings by Unicode code point (Python's order); a number against a string
 *   fails the step, as in the SDK. Booleans in an ordering fail too (our choice: Python would order
 *   them as 0 and 1, which no gate means);
 * - NaN compares as IEEE 754 says, as in Python: every comparison with NaN is false (so a
 *   `LessThanOrEqualTo` gate on a NaN metric takes the else branch and reaches the Fail step),
 *   and `Equals(NaN, NaN)` is false;
 * - `In` holds when a value of the same type is equal (never fails on a type mismatch, as
 *   Python's `in`); `Not` negates; `Or` holds when any holds; the step's list holds when all hold.
 *   Every condition is evaluated, so a type error anywhere fails the step (the SDK stops at the
 *   first false condition of the list, or the first true one of an `Or`; the service's order is not
 *   documented, and failing is the safe side).
 */
import { JsonValue } from '../../workflow';
import type { StepExecutor } from './context';

/** The result of conditions: the outcome and a readable account of the values compared. */
export interface ConditionResult {
  readonly outcome: boolean;
  readonly detail: string;
}

/** Resolves the runtime values a condition compares. */
export type Resolve = (value: unknown) => JsonValue;

type Kind = 'number' | 'string' | 'boolean';

const ORDERINGS: Record<string, readonly [symbol: string, holds: (order: number) => boolean]> = {
  GreaterThan: ['>', (o) => o > 0],
  GreaterThanOrEqualTo: ['>=', (o) => o >= 0],
  LessThan: ['<', (o) => o < 0],
  LessThanOrEqualTo: ['<=', (o) => o <= 0],
};

/** The condition types the local run evaluates. */
export const CONDITION_TYPES: readonly string[] = ['Equals', ...Object.keys(ORDERINGS), 'In', 'Not', 'Or'];

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

/**
 * All conditions must hold; returns the outcome and a readable account of the values.
 *
 * @throws Error when a value is null or missing, or two values cannot be compared (the step fails)
 */
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
      const value = operand(resolve(condition.QueryValue), 'In', 'QueryValue');
      const values = (condition.Values as unknown[]).map((v, i) => operand(resolve(v), 'In', `Values[${i}]`));
      return { outcome: values.some((v) => equal(v, value)), detail: `${show(value)} in [${values.map(show).join(', ')}]` };
    }
    case 'Equals': {
      const left = operand(resolve(condition.LeftValue), condition.Type, 'LeftValue');
      const right = operand(resolve(condition.RightValue), condition.Type, 'RightValue');
      if (kindOf(left) !== kindOf(right)) {
        throw new Error(`Equals cannot compare ${described(left)} with ${described(right)}: they are of different types`);
      }
      const outcome = equal(left, right);
      return { outcome, detail: `${show(left)} == ${show(right)} is ${outcome}` };
    }
    default: {
      const entry = ORDERINGS[condition.Type];
      if (!entry) {
        throw new Error(`condition type ${condition.Type} is unknown`);
      }
      const left = operand(resolve(condition.LeftValue), condition.Type, 'LeftValue');
      const right = operand(resolve(condition.RightValue), condition.Type, 'RightValue');
      const outcome = ordered(condition.Type, left, right, entry[1]);
      return { outcome, detail: `${show(left)} ${entry[0]} ${show(right)} is ${outcome}` };
    }
  }
}

/** A resolved value a condition may use: a string, number or boolean. */
function operand(value: JsonValue, type: string, field: string): string | number | boolean {
  if (value === null || value === undefined) {
    throw new Error(`${type} ${field} is null; a condition cannot compare null`);
  }
  if (typeof value === 'object') {
    throw new Error(`${type} ${field} is ${Array.isArray(value) ? 'a list' : 'an object'}, not a string, number or boolean`);
  }
  return value;
}

function kindOf(value: string | number | boolean): Kind {
  return typeof value as Kind;
}

function equal(a: string | number | boolean, b: string | number | boolean): boolean {
  return kindOf(a) === kindOf(b) && a === b;
}

function ordered(type: string, left: string | number | boolean, right: string | number | boolean, holds: (order: number) => boolean): boolean {
  if (typeof left === 'number' && typeof right === 'number') {
    // Every comparison with NaN is false, as in IEEE 754 and Python.
    return Number.isNaN(left) || Number.isNaN(right) ? false : holds(left < right ? -1 : left > right ? 1 : 0);
  }
  if (typeof left === 'string' && typeof right === 'string') {
    return holds(compareCodePoints(left, right));
  }
  throw new Error(
    `${type} cannot order ${described(left)} and ${described(right)}: only two numbers or two strings can be ordered`,
  );
}

/** Python's string order: by Unicode code point. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) {
      return d < 0 ? -1 : 1;
    }
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** A value in the step's note: strings as they are, numbers and booleans in JavaScript's form. */
function show(value: string | number | boolean): string {
  return String(value);
}

/** A value and its type, for error messages. */
function described(value: string | number | boolean): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} (${kindOf(value)})`;
}
