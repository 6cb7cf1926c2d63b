/**
 * Checks a request against the AWS service model (botocore's, which moto_server's Python
 * environment installs): required members, unknown members, types, lengths, ranges, patterns and
 * enums, at every depth. The API reference is generated from the same model.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

interface ServiceModel {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, ServiceModel>();

/** The botocore model of a service (e.g. `sagemaker`). */
export function serviceModel(service: string): ServiceModel {
  let model = models.get(service);
  if (!model) {
    const botocore = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim();
    const dir = path.join(botocore, 'data', service);
    const version = fs.readdirSync(dir).sort().reverse()[0];
    const gz = path.join(dir, version, 'service-2.json.gz');
    const text = fs.existsSync(gz) ? zlib.gunzipSync(fs.readFileSync(gz)).toString('utf8') : fs.readFileSync(path.join(dir, version, 'service-2.json'), 'utf8');
    model = JSON.parse(text) as ServiceModel;
    models.set(service, model);
  }
  return model;
}

/** Every way `request` breaks the input shape of `operation`; empty when it is valid. */
export function requestProblems(service: string, operation: string, request: unknown): string[] {
  const model = serviceModel(service);
  const input = model.operations[operation]?.input?.shape;
  if (!input) {
    throw new Error(`${service} has no operation ${operation}`);
  }
  const problems: string[] = [];
  check(model, input, request, operation, problems);
  return problems;
}

function check(model: ServiceModel, shapeName: string, value: unknown, at: string, problems: string[]): void {
  const shape = model.shapes[shapeName];
  const bad = (rule: string) => problems.push(`${at}: ${rule}; got ${JSON.stringify(value)}`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return void bad('must be an object');
      const obj = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (obj[name] === undefined) problems.push(`${at}.${name}: is required`);
      }
      for (const [name, member] of Object.entries(obj)) {
        const memberShape = shape.members?.[name];
        if (!memberShape) {
          problems.push(`${at}.${name}: is not a member of ${shapeName}`);
        } else if (member !== undefined) {
          check(model, memberShape.shape, member, `${at}.${name}`, problems);
        }
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void bad('must be a list');
      if (shape.min !== undefined && value.length < shape.min) bad(`must have at least ${shape.min} items`);
      if (shape.max !== undefined && value.length > shape.max) bad(`must have at most ${shape.max} items`);
      value.forEach((item, i) => check(model, shape.member!.shape, item, `${at}[${i}]`, problems));
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null) return void bad('must be a map');
      for (const [k, v] of Object.entries(value)) {
        check(model, shape.key!.shape, k, `${at} key`, problems);
        check(model, shape.value!.shape, v, `${at}.${k}`, problems);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return void bad('must be a string');
      if (shape.min !== undefined && value.length < shape.min) bad(`must have at least ${shape.min} characters`);
      if (shape.max !== undefined && value.length > shape.max) bad(`must have at most ${shape.max} characters`);
      if (shape.enum && !shape.enum.includes(value)) bad(`must be one of ${shape.enum.join(', ')}`);
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value)) bad(`must match ${shape.pattern}`);
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return void bad('must be a whole number');
      if (shape.min !== undefined && value < shape.min) bad(`must be at least ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) bad(`must be at most ${shape.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') bad('must be true or false');
      return;
    default:
      return;
  }
}
