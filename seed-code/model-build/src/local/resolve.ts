/**
 * Definition resolution: the runtime values of an execution (parameters, execution variables, the
 * properties of finished steps, their property files) and the evaluation of the expressions that
 * read them (`Get`, `Std:Join`, `Std:JsonGet`), as the service does before calling an API.
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

/** The runtime values of one execution, and the evaluation of expressions against them. */
export class DefinitionResolver {
  private readonly parameters = new Map<string, JsonValue>();
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
      this.parameters.set(parameter.Name, raw === undefined ? parameter.DefaultValue : typedValue(parameter.Type, raw));
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

  /** Resolves every runtime value in `value`, as the service does before calling the API. */
  public resolve(value: unknown): JsonValue {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v));
    }
    if (value === null || typeof value !== 'object') {
      return value as JsonValue;
    }
    const object = value as Record<string, any>;
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === 'Get' && typeof object.Get === 'string') {
      return this.get(object.Get);
    }
    if (keys.length === 1 && keys[0] === 'Std:Join') {
      const join = object['Std:Join'];
      return (join.Values as unknown[]).map((v) => stringOf(this.resolve(v))).join(join.On ?? '');
    }
    if (keys.length === 1 && keys[0] === 'Std:JsonGet') {
      return this.jsonGet(object['Std:JsonGet']);
    }
    // IfSteps/ElseSteps are run, not resolved, by their condition step.
    return Object.fromEntries(
      Object.entries(object)
        .filter(([key]) => key !== 'IfSteps' && key !== 'ElseSteps')
        .map(([key, member]) => [key, this.resolve(member)]),
    );
  }

  private jsonGet(jsonGet: any): JsonValue {
    const reference = String(jsonGet.PropertyFile?.Get ?? '');
    const match = /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(reference);
    const file = match ? this.propertyFiles.get(`${match[1]}.${match[2]}`) : undefined;
    if (!file) {
      throw new Error(`property file ${reference} is not available (has its step run?)`);
    }
    if (!existsSync(file)) {
      throw new Error(`property file ${reference} was not written: ${file} does not exist`);
    }
    const found = walkPath(JSON.parse(readFileSync(file, 'utf8')), String(jsonGet.Path));
    if (found === undefined) {
      throw new Error(`property file ${reference} has no value at '${jsonGet.Path}'`);
    }
    return found as JsonValue;
  }

  private get(reference: string): JsonValue {
    const [scope, ...rest] = reference.split('.');
    const name = rest.join('.');
    if (scope === 'Parameters') {
      if (!this.parameters.has(name)) {
        throw new Error(`parameter ${name} is not declared`);
      }
      return this.parameters.get(name)!;
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
      if (!(name in variables)) {
        throw new Error(`execution variable ${name} is unknown`);
      }
      return variables[name];
    }
    if (scope === 'Steps') {
      const [stepName] = rest;
      const properties = this.properties.get(stepName);
      if (properties === undefined) {
        throw new Error(`step ${stepName} has not run, so ${reference} has no value`);
      }
      const found = walkPath(properties, rest.slice(1).join('.'));
      if (found === undefined) {
        throw new Error(`${reference} has no value locally`);
      }
      return found as JsonValue;
    }
    throw new Error(`cannot resolve {"Get": "${reference}"}`);
  }
}

/** Follows `a.b[0]['name'].c` through objects and lists (a name picks the item whose `*Name` matches). */
export function walkPath(root: unknown, pathText: string): unknown {
  let current: any = root;
  const tokens = pathText.matchAll(/\.?([A-Za-z0-9_:-]+)|\[(\d+)\]|\['([^']*)'\]/g);
  for (const [, member, index, name] of tokens) {
    if (current === undefined || current === null) {
      return undefined;
    }
    if (member !== undefined) {
      current = current[member];
    } else if (index !== undefined) {
      current = current[Number(index)];
    } else if (Array.isArray(current)) {
      current = current.find((item) => Object.entries(item ?? {}).some(([k, v]) => k.endsWith('Name') && v === name));
    } else {
      current = current[name];
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

/** A resolved value as text: strings as they are, anything else as JSON. */
export function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
