/**
 * Conditions evaluated by a condition step.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#step-type-condition
 */
import { Expression, JsonValue, Reference, Scalar, referencesOf, renderValue } from './expressions';

/** A literal or any runtime value that can be compared. */
export type Operand = Scalar | Expression<unknown>;

/** A condition of a condition step; build them with {@link Conditions}. */
export abstract class Condition {
  /** The condition type name in the definition. */
  public abstract readonly type: string;

  /** The JSON form of this condition. */
  public abstract toDefinition(): JsonValue;

  /** What this condition reads. */
  public abstract references(): readonly Reference[];

  /** Structural problems of this condition (and nested ones), for validation. */
  public problems(): string[] {
    return [];
  }
}

/** Condition types that compare two values. */
export type ComparisonType = 'Equals' | 'GreaterThan' | 'GreaterThanOrEqualTo' | 'LessThan' | 'LessThanOrEqualTo';

class Comparison extends Condition {
  public constructor(
    public readonly type: ComparisonType,
    public readonly left: Operand,
    public readonly right: Operand,
  ) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Type: this.type, LeftValue: renderValue(this.left), RightValue: renderValue(this.right) };
  }

  public references(): readonly Reference[] {
    return [...referencesOf(this.left), ...referencesOf(this.right)];
  }
}

class InCondition extends Condition {
  public readonly type = 'In';
  public constructor(
    public readonly value: Operand,
    public readonly values: readonly Operand[],
  ) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Type: this.type, QueryValue: renderValue(this.value), Values: this.values.map(renderValue) };
  }

  public references(): readonly Reference[] {
    return [...referencesOf(this.value), ...this.values.flatMap(referencesOf)];
  }

  public override problems(): string[] {
    return this.values.length === 0 ? ["'In' needs at least one value in Values"] : [];
  }
}

class NotCondition extends Condition {
  public readonly type = 'Not';
  public constructor(public readonly expression: Condition) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Type: this.type, Expression: this.expression.toDefinition() };
  }

  public references(): readonly Reference[] {
    return this.expression.references();
  }

  public override problems(): string[] {
    return this.expression.problems();
  }
}

class OrCondition extends Condition {
  public readonly type = 'Or';
  public constructor(public readonly conditions: readonly Condition[]) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Type: this.type, Conditions: this.conditions.map((c) => c.toDefinition()) };
  }

  public references(): readonly Reference[] {
    return this.conditions.flatMap((c) => c.references());
  }

  public override problems(): string[] {
    const own = this.conditions.length === 0 ? ["'Or' needs at least one condition in Conditions"] : [];
    return [...own, ...this.conditions.flatMap((c) => c.problems())];
  }
}

/**
 * Factories for every condition type of the definition language. A condition step ANDs its list,
 * so there is no `and`.
 */
export const Conditions = {
  /** `left == right`. */
  equals: (left: Operand, right: Operand): Condition => new Comparison('Equals', left, right),
  /** `left > right`. */
  greaterThan: (left: Operand, right: Operand): Condition => new Comparison('GreaterThan', left, right),
  /** `left >= right`. */
  greaterThanOrEqualTo: (left: Operand, right: Operand): Condition =>
    new Comparison('GreaterThanOrEqualTo', left, right),
  /** `left < right`. */
  lessThan: (left: Operand, right: Operand): Condition => new Comparison('LessThan', left, right),
  /** `left <= right`. */
  lessThanOrEqualTo: (left: Operand, right: Operand): Condition => new Comparison('LessThanOrEqualTo', left, right),
  /** `value` is one of `values`. */
  in: (value: Operand, values: readonly Operand[]): Condition => new InCondition(value, [...values]),
  /** Negation. */
  not: (expression: Condition): Condition => new NotCondition(expression),
  /** True when any of `conditions` is true. */
  or: (...conditions: Condition[]): Condition => new OrCondition(conditions),
} as const;
