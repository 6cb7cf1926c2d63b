/**
 * Values that SageMaker resolves while a pipeline runs: parameters, execution variables, step
 * properties, `Std:Join` and `Std:JsonGet`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */

/** A JSON value as it appears in a pipeline definition. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The scalar types a pipeline value can resolve to. */
export type Scalar = string | number | boolean;

/**
 * Something an expression reads, collected so the pipeline can check that it resolves before the
 * definition is emitted.
 */
export type Reference =
  | { readonly kind: 'parameter'; readonly parameter: Parameter<Scalar> }
  | { readonly kind: 'step'; readonly step: StepLike; readonly path: string }
  | { readonly kind: 'propertyFile'; readonly step: StepLike; readonly propertyFile: string };

/**
 * The part of a step that expressions need. Declared here, not imported from steps.ts, so that
 * expressions do not depend on the step classes.
 */
export interface StepLike {
  /** The step name, unique across the pipeline. */
  readonly name: string;
  /** Property files the step declares (only processing steps have any). */
  readonly propertyFileNames: readonly string[];
}

declare const valueType: unique symbol;

/**
 * Base class of every runtime value. `T` is the type the value resolves to; it is only used by the
 * type checker, so that an Integer parameter cannot be passed where the API wants a string.
 */
export abstract class Expression<T = unknown> {
  /** Phantom field carrying `T`; never set. */
  declare readonly [valueType]?: T;

  /** The JSON form of this value in the definition. */
  public abstract toDefinition(): JsonValue;

  /** What this value reads. */
  public abstract references(): readonly Reference[];
}

/** A literal or an expression resolving to `T`. */
export type PipelineValue<T extends Scalar> = T | Expression<T>;

/** Parameter types of the definition language. */
export type ParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

/**
 * A pipeline parameter: declared once in the pipeline, overridable at each start.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */
export abstract class Parameter<T extends Scalar> extends Expression<T> {
  /** The definition type name. */
  public abstract readonly type: ParameterType;

  protected constructor(
    /** Parameter name, `[A-Za-z0-9\-_]`. */
    public readonly name: string,
    /** Value used when a start does not override it. */
    public readonly defaultValue?: T,
  ) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Get: `Parameters.${this.name}` };
  }

  public references(): readonly Reference[] {
    return [{ kind: 'parameter', parameter: this }];
  }

  /** The entry of the definition's `Parameters` list. */
  public declaration(): JsonValue {
    return this.defaultValue === undefined
      ? { Name: this.name, Type: this.type }
      : { Name: this.name, Type: this.type, DefaultValue: this.defaultValue };
  }
}

/** A `String` parameter. */
export class ParameterString extends Parameter<string> {
  public readonly type = 'String' as const;
  public constructor(name: string, defaultValue?: string) {
    super(name, defaultValue);
  }
}

/** An `Integer` parameter. */
export class ParameterInteger extends Parameter<number> {
  public readonly type = 'Integer' as const;
  public constructor(name: string, defaultValue?: number) {
    super(name, defaultValue);
  }
}

/** A `Float` parameter. */
export class ParameterFloat extends Parameter<number> {
  public readonly type = 'Float' as const;
  public constructor(name: string, defaultValue?: number) {
    super(name, defaultValue);
  }
}

/** A `Boolean` parameter. */
export class ParameterBoolean extends Parameter<boolean> {
  public readonly type = 'Boolean' as const;
  public constructor(name: string, defaultValue?: boolean) {
    super(name, defaultValue);
  }
}

/** A variable the service sets for each execution (`{"Get": "Execution.X"}`). */
export class ExecutionVariable extends Expression<string> {
  public constructor(public readonly variable: string) {
    super();
  }

  public toDefinition(): JsonValue {
    return { Get: `Execution.${this.variable}` };
  }

  public references(): readonly Reference[] {
    return [];
  }
}

/**
 * The execution variables SageMaker provides.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */
export const ExecutionVariables = {
  /** Start time of the execution. */
  START_DATETIME: new ExecutionVariable('StartDateTime'),
  /** Time the variable is resolved. */
  CURRENT_DATETIME: new ExecutionVariable('CurrentDateTime'),
  /** Name of the pipeline. */
  PIPELINE_NAME: new ExecutionVariable('PipelineName'),
  /** ARN of the pipeline. */
  PIPELINE_ARN: new ExecutionVariable('PipelineArn'),
  /** Id of the execution (the last part of its ARN). */
  PIPELINE_EXECUTION_ID: new ExecutionVariable('PipelineExecutionId'),
  /** ARN of the execution. */
  PIPELINE_EXECUTION_ARN: new ExecutionVariable('PipelineExecutionArn'),
} as const;

/** Renders a literal or expression as it appears in the definition. */
export function renderValue(value: unknown): JsonValue {
  return value instanceof Expression ? value.toDefinition() : (value as JsonValue);
}

/** References of a literal (none) or an expression. */
export function referencesOf(value: unknown): readonly Reference[] {
  return value instanceof Expression ? value.references() : [];
}

/** Properties of {@link Join}. */
export interface JoinProps {
  /** Separator placed between the values. @default '' */
  readonly on?: string;
  /** Values to join; literals and expressions of any scalar type. */
  readonly values: ReadonlyArray<Scalar | Expression<unknown>>;
}

/**
 * `Std:Join`: concatenates values at run time, e.g. to build an S3 URI from the execution id.
 */
export class Join extends Expression<string> {
  public readonly on: string;
  public readonly values: ReadonlyArray<Scalar | Expression<unknown>>;

  public constructor(props: JoinProps) {
    super();
    this.on = props.on ?? '';
    this.values = [...props.values];
  }

  public toDefinition(): JsonValue {
    return { 'Std:Join': { On: this.on, Values: this.values.map(renderValue) } };
  }

  public references(): readonly Reference[] {
    return this.values.flatMap(referencesOf);
  }
}

/** Properties of {@link JsonGet}. */
export interface JsonGetProps {
  /** The processing step that writes the property file. */
  readonly step: StepLike;
  /** Name of a property file the step declares. */
  readonly propertyFile: string;
  /** JSON path inside the file, e.g. `regression_metrics.mse.value`. */
  readonly path: string;
}

/**
 * `Std:JsonGet`: reads a value from a JSON property file written by a processing step. `T` is the
 * type the caller expects at `path` (the service does not know it).
 */
export class JsonGet<T extends Scalar = number> extends Expression<T> {
  public readonly step: StepLike;
  public readonly propertyFile: string;
  public readonly path: string;

  public constructor(props: JsonGetProps) {
    super();
    this.step = props.step;
    this.propertyFile = props.propertyFile;
    this.path = props.path;
  }

  public toDefinition(): JsonValue {
    return {
      'Std:JsonGet': {
        PropertyFile: { Get: `Steps.${this.step.name}.PropertyFiles.${this.propertyFile}` },
        Path: this.path,
      },
    };
  }

  public references(): readonly Reference[] {
    return [{ kind: 'propertyFile', step: this.step, propertyFile: this.propertyFile }];
  }
}
