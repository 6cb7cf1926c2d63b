/**
 * Step properties: typed references to fields of the Describe* response of a step's job, such as
 * `train.properties.ModelArtifacts.S3ModelArtifacts`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html#build-and-manage-properties
 */
import { Expression, JsonValue, Reference, StepLike } from './expressions';

/** Maps a Describe* field type to the scalar its property resolves to (timestamps are strings). */
type LeafValue<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : string;

/**
 * A list or map in a Describe* response: list items are addressed by index or, for named items
 * such as processing outputs or metrics, by name; map entries (hyperparameters, environment) by key.
 */
export interface PropertyList<T> {
  /** The item at `key`: a number renders `[0]`, a string renders `['train']`. */
  get(key: string | number): PropertiesOf<T>;
}

/**
 * The property tree of a Describe* response type `T`: objects become nested property objects,
 * lists and maps become {@link PropertyList}, scalars become {@link StepProperty} values usable in
 * arguments.
 */
export type PropertiesOf<T> = [NonNullable<T>] extends [string | number | boolean | Date]
  ? StepProperty<LeafValue<NonNullable<T>>>
  : [NonNullable<T>] extends [ReadonlyArray<infer U>]
    ? PropertyList<U>
    : [NonNullable<T>] extends [object]
      ? string extends keyof NonNullable<T>
        ? PropertyList<NonNullable<T>[string & keyof NonNullable<T>]>
        : { readonly [K in keyof NonNullable<T>]-?: PropertiesOf<NonNullable<T>[K]> }
      : never;

/** A reference to one field of a step's Describe* response: `{"Get": "Steps.<step>.<path>"}`. */
export class StepProperty<T = unknown> extends Expression<T> {
  public constructor(
    /** The step whose job is described. */
    public readonly step: StepLike,
    /** Path below the step, e.g. `ModelArtifacts.S3ModelArtifacts`. */
    public readonly path: string,
  ) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Get: `Steps.${this.step.name}.${this.path}` };
  }

  public references(): readonly Reference[] {
    return [{ kind: 'step', step: this.step, path: this.path }];
  }
}

/**
 * Builds the property tree of `step`. Every node is a {@link StepProperty} wrapped in a Proxy that
 * extends the path on member access; no shape knowledge is needed at run time because list items
 * are reached through `get()`, which a Describe* member is never called (they are PascalCase).
 */
export function propertiesOf<T>(step: StepLike, path = ''): PropertiesOf<T> {
  const node = new StepProperty(step, path);
  return new Proxy(node, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target) {
        return Reflect.get(target, key, receiver);
      }
      // Not Describe* members; answering them would make the node look like a promise or
      // hijack JSON.stringify.
      if (key === 'then' || key === 'toJSON') {
        return undefined;
      }
      if (key === 'get') {
        return (item: string | number) => {
          if (typeof item === 'number') {
            return propertiesOf(step, `${path}[${item}]`);
          }
          return propertiesOf(step, `${path}['${item}']`);
        };
      }
      return propertiesOf(step, path === '' ? key : `${path}.${key}`);
    },
  }) as unknown as PropertiesOf<T>;
}
