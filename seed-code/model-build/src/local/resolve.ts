/**
 * Definition resolution: the runtime values of an execution (parameters, execution variables, the
 * properties of finished steps, their property files) and the evaluation of the expressions that
 * read them (`Get`, `Std:Join`, `Std:JsonGet`), as the service does before calling an API.
 *
 * What the service does, and where this comes from. AWS documents the definition language's shapes
 * (the pipeline definition JSON schema, https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/)
 * but not how it evaluates them; where it is silent, the local run follows AWS's own local
 * executor, the SageMaker Python SDK's `sagemaker/local/pipeline.py` (LocalPipelineSession), and
 * says so below:
 * - Parameters have the type they are declared with (String, Integer, Float, Boolean); a value
 *   given at start is converted to it (run-pipeline checks it first). A parameter with no default
 *   and no start value has no value: the step that reads it fails (SDK: "... is undefined").
 * - `Std:JsonGet` reads the property file the processing step wrote. A file that is missing or
 *   not JSON, a path that does not exist, and a value that is JSON `null` fail the step reading it
 *   (SDK: "Invalid json path", "... is undefined"); so does a value that is an object or a list
 *   (our choice: the schema only has string, number and boolean values). The file is read as
 *   Python's json module reads it, so `NaN`, `Infinity` and `-Infinity` (what `json.dump` writes
 *   for those floats) are numbers, not a parse error.
 * - `Std:Join` turns each value into text as the SDK's local executor does, with Python's `str()`:
 *   strings as they are; integers in decimal; floats in Python's shortest form (`6.0`, `0.1`,
 *   `1e-05`, `1e+16`, `nan`, `inf`); booleans `True` / `False`. AWS does not document the
 *   service's formatting; this is the choice, and it is unverified against the service. A float is
 *   a Float parameter, a JSON number written with a fraction or exponent (`5.0`, `1e3`), NaN or
 *   infinity, or any non-integral number; an integral number elsewhere is an integer (the
 *   definition is JSON, so a literal `6.0` in TypeScript reaches the service as `6`).
 * - A value of an expression that is `null` or missing (a step property the step does not have)
 *   fails the step (SDK: "... is undefined").
 */
import { existsSync, readFileSync } from 'node:fs';
import { JsonValue } from '../workflow';
import { LOCAL_ACCOUNT } from './types';

/** What the `Execution.*` variables are made of. */
export interface ExecutionInfo {
  readonly executionId: string;
  readonly pipelineName: string;
  /** ISO 8601 time the execution started. */
  readonly startTime: string;
  readonly now: () => number;
}

/** A resolved value and, for numbers, whether the service holds it as a float (for `Std:Join`). */
interface Typed {
  readonly value: JsonValue;
  readonly float?: boolean;
  /** Exact decimal text of an integer read from a property file (beyond 2^53 too). */
  readonly integerText?: string;
}

/** The runtime values of one execution, and the evaluation of expressions against them. */
export class DefinitionResolver {
  private readonly parameters = new Map<string, { readonly type: string; readonly value: JsonValue | undefined }>();
  /** Describe*-shaped properties of each finished step. */
  private readonly properties = new Map<string, any>();
  /** Local file of each property file, by `<step>.<property file>`. */
  private readonly propertyFiles = new Map<string, string>();

  /**
   * @param declared the definition's `Parameters`
   * @param values parameter values by name, as strings; others take their defaults
   */
  public constructor(
    declared: readonly any[],
    values: Readonly<Record<string, string>>,
    private readonly execution: ExecutionInfo,
  ) {
    for (const parameter of declared) {
      const raw = values[parameter.Name];
      const type = String(parameter.Type ?? 'String');
      this.parameters.set(parameter.Name, { type, value: raw === undefined ? parameter.DefaultValue : typedValue(type, raw) });
    }
  }

  /** Records the properties of a finished step (what `Steps.<name>.*` reads). */
  public setProperties(stepName: string, properties: any): void {
    this.properties.set(stepName, properties);
  }

  /** Records where a step's property file is (what `Std:JsonGet` reads). */
  public setPropertyFile(stepName: string, propertyFileName: string, file: string): void {
    this.propertyFiles.set(`${stepName}.${propertyFileName}`, file);
  }

  /**
   * Resolves every runtime value in `value`, as the service does before calling the API.
   *
   * @throws Error naming the expression when one has no value (the step fails)
   */
  public resolve(value: unknown): JsonValue {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v));
    }
    if (value === null || typeof value !== 'object') {
      return value as JsonValue;
    }
    if (isExpression(value)) {
      return this.typed(value).value;
    }
    // IfSteps/ElseSteps are run, not resolved, by their condition step.
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => key !== 'IfSteps' && key !== 'ElseSteps')
        .map(([key, member]) => [key, this.resolve(member)]),
    );
  }

  /** An expression's value, with what `Std:Join` needs to format it. */
  private typed(expression: Record<string, any>): Typed {
    if ('Get' in expression) {
      return this.get(String(expression.Get));
    }
    if ('Std:JsonGet' in expression) {
      return this.jsonGet(expression['Std:JsonGet']);
    }
    const join = expression['Std:Join'];
    const values = (join.Values ?? []) as unknown[];
    return { value: values.map((v) => pythonStr(this.operand(v))).join(join.On ?? '') };
  }

  /** A value inside an expression: a literal or a nested expression. */
  private operand(value: unknown): Typed {
    if (value !== null && typeof value === 'object' && isExpression(value)) {
      return this.typed(value as Record<string, any>);
    }
    if (value === null || value === undefined) {
      throw new Error('a Std:Join value is null, which has no text');
    }
    return { value: value as JsonValue, float: typeof value === 'number' && !Number.isInteger(value) };
  }

  private jsonGet(jsonGet: any): Typed {
    const reference = String(jsonGet.PropertyFile?.Get ?? '');
    const at = `Std:JsonGet '${jsonGet.Path}' of ${reference}`;
    const match = /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(reference);
    const file = match ? this.propertyFiles.get(`${match[1]}.${match[2]}`) : undefined;
    if (!file) {
      throw new Error(`property file ${reference} is not available (has its step run?)`);
    }
    if (!existsSync(file)) {
      throw new Error(`property file ${reference} was not written: ${file} does not exist`);
    }
    let root: unknown;
    try {
      root = parsePythonJson(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`property file ${reference} is not valid JSON (${(error as Error).message}): ${file}`);
    }
    const found = walkPath(root, String(jsonGet.Path));
    if (found === undefined) {
      throw new Error(`${at}: the file has no value at that path, so the step fails as on SageMaker (${file})`);
    }
    if (found === null) {
      throw new Error(`${at} is null; a pipeline value cannot be null, so the step fails as on SageMaker (${file})`);
    }
    if (found instanceof JsonNumber) {
      return found.float ? { value: found.value, float: true } : { value: found.value, integerText: BigInt(found.text).toString() };
    }
    if (typeof found === 'object') {
      throw new Error(`${at} is ${Array.isArray(found) ? 'a list' : 'an object'}, not a string, number or boolean (${file})`);
    }
    return { value: found as JsonValue };
  }

  private get(reference: string): Typed {
    const [scope, ...rest] = reference.split('.');
    const name = rest.join('.');
    if (scope === 'Parameters') {
      const parameter = this.parameters.get(name);
      if (!parameter) {
        throw new Error(`parameter ${name} is not declared`);
      }
      if (parameter.value === undefined || parameter.value === null) {
        throw new Error(`parameter ${name} has no value: it has no default and the execution did not set one`);
      }
      return { value: parameter.value, float: parameter.type === 'Float' };
    }
    if (scope === 'Execution') {
      const { executionId, pipelineName, startTime, now } = this.execution;
      const pipelineArn = `arn:aws:sagemaker:local:${LOCAL_ACCOUNT}:pipeline/${pipelineName}`;
      const variables: Record<string, string> = {
        PipelineExecutionId: executionId,
        PipelineExecutionArn: `${pipelineArn}/execution/${executionId}`,
        PipelineName: pipelineName,
        PipelineArn: pipelineArn,
        StartDateTime: startTime,
        CurrentDateTime: new Date(now()).toISOString(),
      };
      if (!Object.prototype.hasOwnProperty.call(variables, name)) {
        throw new Error(`execution variable ${name} is unknown`);
      }
      return { value: variables[name] };
    }
    if (scope === 'Steps') {
      const [stepName] = rest;
      const properties = this.properties.get(stepName);
      if (properties === undefined) {
        throw new Error(`step ${stepName} has not run, so ${reference} has no value`);
      }
      const found = walkPath(properties, rest.slice(1).join('.'));
      if (found === undefined || found === null) {
        throw new Error(`${reference} has no value locally`);
      }
      return { value: found as JsonValue, float: typeof found === 'number' && !Number.isInteger(found) };
    }
    throw new Error(`cannot resolve {"Get": "${reference}"}`);
  }
}

/** Whether a definition object is an expression (`Get`, `Std:Join`, `Std:JsonGet`) rather than a structure. */
function isExpression(value: object): boolean {
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    return false;
  }
  const [key] = keys;
  return (key === 'Get' && typeof (value as any).Get === 'string') || key === 'Std:Join' || key === 'Std:JsonGet';
}

/** Follows `a.b[0]['name'].c` through objects and lists (a name picks the item whose `*Name` matches). */
export function walkPath(root: unknown, pathText: string): unknown {
  let current: any = root;
  const own = (object: any, key: string) => (Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined);
  const tokens = pathText.matchAll(/\.?([A-Za-z0-9_:-]+)|\[(\d+)\]|\['([^']*)'\]/g);
  for (const [, member, index, name] of tokens) {
    if (current === undefined || current === null || typeof current !== 'object' || current instanceof JsonNumber) {
      return undefined;
    }
    if (member !== undefined) {
      current = Array.isArray(current) ? undefined : own(current, member);
    } else if (index !== undefined) {
      current = Array.isArray(current) ? current[Number(index)] : undefined;
    } else if (Array.isArray(current)) {
      current = current.find((item) => Object.entries(item ?? {}).some(([k, v]) => k.endsWith('Name') && v === name));
    } else {
      current = own(current, name);
    }
  }
  return current;
}

/** A parameter value given as a string, typed as the parameter declares. */
export function typedValue(type: string, raw: string): JsonValue {
  switch (type) {
    case 'Integer':
    case 'Float':
      return Number(raw);
    case 'Boolean':
      return raw === 'true';
    default:
      return raw;
  }
}

/**
 * A value as Python's `str()` writes it, which is how `Std:Join` turns values into text (see the
 * module comment for the source and what is unverified).
 */
function pythonStr(typed: Typed): string {
  const { value } = typed;
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (typed.integerText !== undefined) {
      return typed.integerText;
    }
    return typed.float || !Number.isInteger(value) ? pythonFloat(value) : String(value);
  }
  throw new Error(`a Std:Join value is ${Array.isArray(value) ? 'a list' : 'an object'}, which has no text`);
}

/**
 * Python's `repr(float)` (which `str` uses): the shortest digits that read back as the same float,
 * in fixed notation for decimal exponents from -4 to 15 (with `.0` for integral values) and
 * scientific notation with a two-digit exponent otherwise.
 */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) {
    return 'nan';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0.0' : '0.0';
  }
  // toExponential() without digits gives the shortest round-trip digits, as Python's repr does.
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const scaled = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${scaled}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) {
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction || '0'}`;
}

/** A number of a property file: its value and whether Python reads it as a float. */
export class JsonNumber {
  public constructor(
    public readonly value: number,
    /** The source text (for integers, their exact digits). */
    public readonly text: string,
    public readonly float: boolean,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * Parses JSON as Python's `json.loads` does: also `NaN`, `Infinity` and `-Infinity`, which
 * `json.dump` writes for those floats. Numbers become {@link JsonNumber}s.
 *
 * @throws Error with the offset of the first problem
 */
export function parsePythonJson(text: string): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${at}`);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) {
      at++;
    }
  };
  const literal = (word: string, value: unknown) => {
    if (text.startsWith(word, at)) {
      at += word.length;
      return value;
    }
    return fail(`unexpected '${text[at]}'`);
  };
  const value = (): unknown => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const object: Record<string, unknown> = {};
      space();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        space();
        if (text[at] !== '"') {
          fail('expected a string key');
        }
        const key = string();
        space();
        if (text[at] !== ':') {
          fail("expected ':'");
        }
        at++;
        object[key] = value();
        space();
        if (text[at] === ',') {
          at++;
        } else if (text[at] === '}') {
          at++;
          return object;
        } else {
          fail("expected ',' or '}'");
        }
      }
    }
    if (c === '[') {
      at++;
      const list: unknown[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return list;
      }
      for (;;) {
        list.push(value());
        space();
        if (text[at] === ',') {
          at++;
        } else if (text[at] === ']') {
          at++;
          return list;
        } else {
          fail("expected ',' or ']'");
        }
      }
    }
    if (c === '"') {
      return string();
    }
    if (c === 't') {
      return literal('true', true);
    }
    if (c === 'f') {
      return literal('false', false);
    }
    if (c === 'n') {
      return literal('null', null);
    }
    if (c === 'N') {
      return literal('NaN', new JsonNumber(Number.NaN, 'NaN', true));
    }
    if (c === 'I') {
      return literal('Infinity', new JsonNumber(Number.POSITIVE_INFINITY, 'Infinity', true));
    }
    if (text.startsWith('-Infinity', at)) {
      return literal('-Infinity', new JsonNumber(Number.NEGATIVE_INFINITY, '-Infinity', true));
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (!number) {
      return fail(at >= text.length ? 'unexpected end' : `unexpected '${c}'`);
    }
    at += number[0].length;
    return new JsonNumber(Number(number[0]), number[0], number[1] !== undefined || number[2] !== undefined);
  };
  const string = (): string => {
    STRING.lastIndex = at;
    const match = STRING.exec(text);
    if (!match) {
      return fail('bad string');
    }
    at += match[0].length;
    return JSON.parse(match[0]);
  };
  const result = value();
  space();
  if (at < text.length) {
    fail(`unexpected '${text[at]}' after the value`);
  }
  return result;
}
