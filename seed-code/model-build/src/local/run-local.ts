/**
 * Runs a pipeline definition on this machine, before any AWS cost: processing steps run their
 * script with a local Python, the built-in XGBoost training step runs the local stand-in
 * (`xgboost_train.py`), expressions, property files, conditions and Fail steps are evaluated as
 * the service does, and RegisterModel records what it would register in the run folder.
 *
 * S3 is a folder: `s3://<bucket>/<key>` is `<run-dir>/s3/<bucket>/<key>`; the code is "uploaded"
 * there content-addressed as run-pipeline uploads it. Container paths (`/opt/ml/...`) in a job's
 * entry point and arguments become `<run-dir>/executions/<id>/<step>/opt/ml/...`. S3 objects outside
 * the run folder are downloaded with the S3 client (credentials needed).
 *
 * Step caching follows the service's cache keys: for processing steps AppSpecification,
 * Environment and ProcessingInputs; for training steps AlgorithmSpecification, CheckpointConfig,
 * DebugHookConfig, DebugRuleConfigurations, Environment, HyperParameters and InputDataConfig
 * (all with runtime values resolved), within the step's ExpireAfter.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-default-keys.html
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { JsonValue, canonicalJson } from '../workflow';
import type { S3Api } from '../cli/aws';
import type { ScriptLocation } from '../cli/scripts';

/** The step types a local run executes. */
export const LOCAL_STEP_TYPES = ['Processing', 'Training', 'Condition', 'Fail', 'RegisterModel'] as const;

/** Thrown before anything runs when the definition cannot run locally (exit code 2). */
export class LocalRunUnsupportedError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'LocalRunUnsupportedError';
  }
}

/** Options of {@link runLocal}. */
export interface LocalRunOptions {
  /** The parsed pipeline definition. */
  readonly definition: any;
  readonly pipelineName: string;
  /** The project bucket the definition writes to: its objects live in the run folder. */
  readonly bucket: string;
  /** Parameter values by name (strings, as run-pipeline takes them); others use their defaults. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The code, placed in the run folder's bucket at its content-addressed keys. */
  readonly code: readonly ScriptLocation[];
  /** Folder for executions, the local bucket and the step cache. */
  readonly runDir: string;
  /** Absolute path of a Python with the packages the scripts need (and xgboost for training). */
  readonly python: string;
  /** Receives progress lines. */
  readonly log: (line: string) => void;
  /** Reads S3 objects outside the run folder. @default - such inputs fail the step */
  readonly s3?: S3Api;
  /** Clock for durations and cache expiry. @default Date.now */
  readonly now?: () => number;
}

/** What happened to one step. */
export interface LocalStepResult {
  readonly name: string;
  readonly type: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly durationMs: number;
  /** Cache hit source execution, the condition's outcome, the failure reason, ... */
  readonly note?: string;
}

/** Outcome of {@link runLocal}. */
export interface LocalRunResult {
  readonly executionId: string;
  readonly executionDir: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly failureReason?: string;
  readonly steps: readonly LocalStepResult[];
  /** The model-package file a RegisterModel step wrote, if one ran. */
  readonly registered?: string;
}

const LOCAL_ACCOUNT = '000000000000';
const TRAIN_SCRIPT = path.join(__dirname, 'xgboost_train.py');
const CACHE_KEYS: Record<string, readonly string[]> = {
  Processing: ['AppSpecification', 'Environment', 'ProcessingInputs'],
  Training: [
    'AlgorithmSpecification',
    'CheckpointConfig',
    'DebugHookConfig',
    'DebugRuleConfigurations',
    'Environment',
    'HyperParameters',
    'InputDataConfig',
  ],
};

/** Every step, condition branches included. */
function allSteps(steps: readonly any[]): any[] {
  return steps.flatMap((s) => [s, ...allSteps(s.Arguments?.IfSteps ?? []), ...allSteps(s.Arguments?.ElseSteps ?? [])]);
}

/**
 * Checks that every step can run locally.
 *
 * @throws LocalRunUnsupportedError naming the first step that cannot
 */
export function checkLocalSupport(definition: any): void {
  for (const step of allSteps(definition.Steps ?? [])) {
    if (!(LOCAL_STEP_TYPES as readonly string[]).includes(step.Type)) {
      throw new LocalRunUnsupportedError(
        `step '${step.Name}' has type ${step.Type}, which the local run does not execute (supported: ${LOCAL_STEP_TYPES.join(', ')}); ` +
          'run it in SageMaker with run-pipeline',
      );
    }
    if (step.Type === 'Training') {
      const image = String(step.Arguments?.AlgorithmSpecification?.TrainingImage ?? '');
      if (!/\/sagemaker-xgboost:/.test(image)) {
        throw new LocalRunUnsupportedError(
          `step '${step.Name}' trains with image '${image}'; the local run only stands in for the built-in XGBoost algorithm`,
        );
      }
    }
  }
}

/** Runs the definition locally. */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  checkLocalSupport(options.definition);
  return new LocalRun(options).run();
}

class StepFailed extends Error {}

interface PropertyFileLocation {
  readonly file: string;
}

class LocalRun {
  private readonly now: () => number;
  private readonly executionId: string;
  private readonly executionDir: string;
  private readonly startTime: string;
  private readonly parameters = new Map<string, JsonValue>();
  /** Describe*-shaped properties of each finished step. */
  private readonly properties = new Map<string, any>();
  private readonly propertyFiles = new Map<string, PropertyFileLocation>();
  private readonly results: LocalStepResult[] = [];
  private registered?: string;

  public constructor(private readonly options: LocalRunOptions) {
    this.now = options.now ?? Date.now;
    this.executionId = randomBytes(6).toString('hex');
    this.executionDir = path.join(options.runDir, 'executions', this.executionId);
    this.startTime = new Date(this.now()).toISOString();
    for (const declared of options.definition.Parameters ?? []) {
      const raw = options.parameters[declared.Name];
      this.parameters.set(declared.Name, raw === undefined ? declared.DefaultValue : typedValue(declared.Type, raw));
    }
  }

  public async run(): Promise<LocalRunResult> {
    mkdirSync(this.executionDir, { recursive: true });
    this.placeCode();
    this.options.log(`local execution ${this.executionId}: ${this.executionDir}`);
    try {
      await this.runSteps(this.options.definition.Steps ?? []);
    } catch (error) {
      if (error instanceof StepFailed) {
        return this.result('Failed', error.message);
      }
      throw error;
    }
    return this.result('Succeeded');
  }

  private result(status: 'Succeeded' | 'Failed', failureReason?: string): LocalRunResult {
    return {
      executionId: this.executionId,
      executionDir: this.executionDir,
      status,
      failureReason,
      steps: this.results,
      registered: this.registered,
    };
  }

  /** Puts the code where run-pipeline would upload it. */
  private placeCode(): void {
    for (const location of this.options.code) {
      for (const file of location.files) {
        const target = this.localPathOf(`s3://${this.options.bucket}/${file.key}`);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, file.body);
      }
    }
  }

  /** Runs steps in dependency order (definition order among independent steps). */
  private async runSteps(steps: readonly any[]): Promise<void> {
    const names = new Set(steps.map((s) => s.Name));
    const done = new Set<string>();
    const pending = [...steps];
    while (pending.length > 0) {
      const index = pending.findIndex((step) => [...dependenciesOf(step)].every((d) => !names.has(d) || done.has(d)));
      if (index < 0) {
        throw new LocalRunUnsupportedError(`steps ${pending.map((s) => `'${s.Name}'`).join(', ')} depend on each other in a cycle`);
      }
      const [step] = pending.splice(index, 1);
      await this.runStep(step);
      done.add(step.Name);
    }
  }

  private async runStep(step: any): Promise<void> {
    const started = this.now();
    const finish = (status: 'Succeeded' | 'Failed', note?: string) => {
      const result = { name: step.Name, type: step.Type, status, durationMs: this.now() - started, note };
      this.results.push(result);
      this.options.log(`  step ${step.Name}: ${status}${note ? ` (${note})` : ''}`);
    };
    this.options.log(`  step ${step.Name}: Executing`);
    try {
      switch (step.Type) {
        case 'Processing':
        case 'Training': {
          const note = await this.runJob(step);
          finish('Succeeded', note);
          return;
        }
        case 'Condition': {
          const { outcome, detail } = this.evaluateConditions(step.Arguments.Conditions ?? []);
          this.properties.set(step.Name, { Outcome: outcome });
          finish('Succeeded', `${detail} -> ${outcome ? 'if' : 'else'} branch`);
          await this.runSteps(outcome ? step.Arguments.IfSteps ?? [] : step.Arguments.ElseSteps ?? []);
          return;
        }
        case 'Fail': {
          const message = String(this.resolve(step.Arguments?.ErrorMessage ?? ''));
          finish('Failed', message);
          throw new StepFailed(`step ${step.Name} failed: ${message}`);
        }
        case 'RegisterModel':
          finish('Succeeded', `would register: ${this.register(step)}`);
          return;
      }
    } catch (error) {
      if (error instanceof StepFailed) {
        throw error;
      }
      const reason = (error as Error).message;
      finish('Failed', reason);
      throw new StepFailed(`step ${step.Name} failed: ${reason}`);
    }
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** Runs (or reuses from the cache) a processing or training job; returns a note. */
  private async runJob(step: any): Promise<string | undefined> {
    const args = this.resolve(step.Arguments) as any;
    const cacheKey = step.CacheConfig?.Enabled ? this.cacheKey(step, args) : undefined;
    if (cacheKey) {
      const hit = this.cacheLookup(step, cacheKey);
      if (hit) {
        this.properties.set(step.Name, hit.properties);
        this.registerPropertyFiles(step, hit.properties);
        return `cache hit from local execution ${hit.executionId}`;
      }
    }
    const stepDir = path.join(this.executionDir, step.Name);
    rmSync(stepDir, { recursive: true, force: true });
    mkdirSync(stepDir, { recursive: true });
    const jobName = `pipelines-${this.executionId}-${step.Name}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63);
    const properties = step.Type === 'Processing' ? await this.runProcessing(args, stepDir, jobName) : await this.runTraining(args, stepDir, jobName);
    this.properties.set(step.Name, properties);
    this.registerPropertyFiles(step, properties);
    if (cacheKey) {
      const file = path.join(this.options.runDir, 'cache', step.Name, `${cacheKey}.json`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ executionId: this.executionId, finishedAt: this.now(), properties }, null, 2));
    }
    return undefined;
  }

  private cacheKey(step: any, args: any): string {
    const relevant: Record<string, JsonValue> = { Type: step.Type, Name: step.Name };
    for (const key of CACHE_KEYS[step.Type] ?? []) {
      relevant[key] = args[key];
    }
    return createHash('sha256').update(canonicalJson(relevant)).digest('hex');
  }

  private cacheLookup(step: any, key: string): { executionId: string; properties: any } | undefined {
    const file = path.join(this.options.runDir, 'cache', step.Name, `${key}.json`);
    if (!existsSync(file)) {
      return undefined;
    }
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    const expireAfter = step.CacheConfig?.ExpireAfter;
    if (expireAfter && entry.finishedAt + isoDurationMs(expireAfter) < this.now()) {
      return undefined;
    }
    return entry;
  }

  private registerPropertyFiles(step: any, properties: any): void {
    for (const file of step.PropertyFiles ?? []) {
      const output = (properties.ProcessingOutputConfig?.Outputs ?? []).find((o: any) => o.OutputName === file.OutputName);
      if (!output) {
        throw new Error(`property file ${file.PropertyFileName} names output '${file.OutputName}', which the step does not have`);
      }
      this.propertyFiles.set(`${step.Name}.${file.PropertyFileName}`, {
        file: path.join(this.localPathOf(output.S3Output.S3Uri), file.FilePath),
      });
    }
  }

  private async runProcessing(args: any, stepDir: string, jobName: string): Promise<any> {
    const containerPath = (p: string) => path.join(stepDir, p);
    for (const input of args.ProcessingInputs ?? []) {
      if (!input.S3Input) {
        throw new Error(`input '${input.InputName}' is not an S3 input; the local run reads only S3 inputs`);
      }
      await this.download(input.S3Input.S3Uri, containerPath(input.S3Input.LocalPath));
    }
    const outputs = args.ProcessingOutputConfig?.Outputs ?? [];
    for (const output of outputs) {
      mkdirSync(containerPath(output.S3Output.LocalPath), { recursive: true });
    }
    const command = [...(args.AppSpecification.ContainerEntrypoint ?? []), ...(args.AppSpecification.ContainerArguments ?? [])].map(
      (part: string) => part.split('/opt/ml/').join(`${stepDir}/opt/ml/`),
    );
    if (command.length === 0) {
      throw new Error('no ContainerEntrypoint: the local run needs the command to run');
    }
    await this.exec(command, stepDir, args.Environment ?? {});
    for (const output of outputs) {
      const target = this.localPathOf(output.S3Output.S3Uri);
      mkdirSync(target, { recursive: true });
      cpSync(containerPath(output.S3Output.LocalPath), target, { recursive: true });
    }
    return { ...args, ProcessingJobName: jobName, ProcessingJobStatus: 'Completed' };
  }

  private async runTraining(args: any, stepDir: string, jobName: string): Promise<any> {
    const channels: string[] = [];
    for (const channel of args.InputDataConfig ?? []) {
      const uri = channel.DataSource?.S3DataSource?.S3Uri;
      if (typeof uri !== 'string') {
        throw new Error(`channel '${channel.ChannelName}' is not an S3 data source`);
      }
      const dir = path.join(stepDir, 'opt/ml/input/data', channel.ChannelName);
      await this.download(uri, dir);
      channels.push('--channel', `${channel.ChannelName}=${dir}`);
    }
    const modelDir = path.join(stepDir, 'opt/ml/model');
    await this.exec(
      ['python3', TRAIN_SCRIPT, '--hyperparameters', JSON.stringify(args.HyperParameters ?? {}), ...channels, '--model-dir', modelDir],
      stepDir,
      {},
    );
    const artifact = `${String(args.OutputDataConfig.S3OutputPath).replace(/\/$/, '')}/${jobName}/output/model.tar.gz`;
    const target = this.localPathOf(artifact);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(modelDir, 'model.tar.gz'), target);
    return { ...args, TrainingJobName: jobName, TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: artifact } };
  }

  /** Runs a command with `python3` meaning the configured interpreter; output goes to the step's log. */
  private exec(command: string[], cwd: string, environment: Record<string, string>): Promise<void> {
    // `python3` inside entry points (e.g. `sh -c '... exec python3 ...'`) is the configured one.
    const bin = path.join(this.executionDir, 'bin');
    if (!existsSync(path.join(bin, 'python3'))) {
      mkdirSync(bin, { recursive: true });
      symlinkSync(this.options.python, path.join(bin, 'python3'));
    }
    const [program, ...rest] = command;
    const executable = program === 'python3' ? this.options.python : program;
    return new Promise((resolve, reject) => {
      const child = spawn(executable, rest, {
        cwd,
        env: { ...process.env, ...environment, PIPELINE_LOCAL_RUN: '1', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', (error) => reject(new Error(`cannot run ${executable}: ${error.message}`)));
      child.on('close', (status) => {
        writeFileSync(path.join(cwd, 'output.log'), output);
        if (status === 0) {
          resolve();
        } else {
          const last = output.trim().split('\n').pop() ?? '';
          reject(new Error(`exit code ${status}: ${last} (log: ${path.join(cwd, 'output.log')})`));
        }
      });
    });
  }

  // ---- S3 as a folder -------------------------------------------------------------------

  /** The run folder's path of an `s3://` URI (or the path of a `file://` URI). */
  private localPathOf(uri: string): string {
    if (uri.startsWith('file://')) {
      return uri.slice('file://'.length);
    }
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) {
      throw new Error(`'${uri}' is not an s3:// or file:// URI`);
    }
    return path.join(this.options.runDir, 's3', match[1], match[2]);
  }

  /** Copies an `S3Prefix` input to `target`: a file keeps its name, a folder its content. */
  private async download(uri: string, target: string): Promise<void> {
    mkdirSync(target, { recursive: true });
    const local = this.localPathOf(uri);
    if (existsSync(local)) {
      if (statSync(local).isDirectory()) {
        cpSync(local, target, { recursive: true });
      } else {
        copyFileSync(local, path.join(target, path.basename(local)));
      }
      return;
    }
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match || match[1] === this.options.bucket) {
      throw new Error(`input ${uri} does not exist${uri.startsWith('s3://') ? ' in the local run folder' : ''}`);
    }
    await this.downloadFromS3(uri, match[1], match[2], target);
  }

  private async downloadFromS3(uri: string, bucket: string, prefix: string, target: string): Promise<void> {
    if (!this.options.s3) {
      throw new Error(`input ${uri} is in S3; pass --input-data PATH for a local copy`);
    }
    try {
      let token: string | undefined;
      let count = 0;
      do {
        const page = await this.options.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const key = object.Key ?? '';
          const relative = key === prefix ? path.basename(key) : key.slice(prefix.length).replace(/^\//, '');
          if (!relative || key.endsWith('/')) {
            continue;
          }
          const body = await this.options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const file = path.join(target, relative);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, Buffer.from(await body.Body!.transformToByteArray()));
          count++;
        }
        token = page.NextContinuationToken;
      } while (token);
      if (count === 0) {
        throw new Error('no object under that prefix');
      }
    } catch (error) {
      const e = error as Error;
      throw new Error(`cannot read ${uri} (${e.name}: ${e.message.split('\n')[0]}); pass --input-data PATH for a local copy`);
    }
  }

  // ---- registration ---------------------------------------------------------------------

  private register(step: any): string {
    const args = this.resolve(step.Arguments) as any;
    const metrics: Record<string, unknown> = {};
    const walk = (value: any, at: string) => {
      if (value && typeof value === 'object') {
        if (typeof value.S3Uri === 'string' && value.ContentType === 'application/json') {
          const file = this.localPathOf(value.S3Uri);
          metrics[at] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : `(missing: ${value.S3Uri})`;
        }
        for (const [key, member] of Object.entries(value)) {
          walk(member, at ? `${at}.${key}` : key);
        }
      }
    };
    walk(args.ModelMetrics, 'ModelMetrics');
    const file = path.join(this.executionDir, step.Name, 'model-package.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ request: args, metrics }, null, 2) + '\n');
    this.registered = file;
    this.properties.set(step.Name, {
      ModelPackageArn: `arn:aws:sagemaker:local:${LOCAL_ACCOUNT}:model-package/${args.ModelPackageGroupName}/local`,
      ModelApprovalStatus: args.ModelApprovalStatus,
    });
    return file;
  }

  // ---- expressions and conditions -------------------------------------------------------

  /** Resolves every runtime value in `value`, as the service does before calling the API. */
  private resolve(value: unknown): JsonValue {
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
      const jsonGet = object['Std:JsonGet'];
      const reference = String(jsonGet.PropertyFile?.Get ?? '');
      const match = /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(reference);
      const location = match ? this.propertyFiles.get(`${match[1]}.${match[2]}`) : undefined;
      if (!location) {
        throw new Error(`property file ${reference} is not available (has its step run?)`);
      }
      if (!existsSync(location.file)) {
        throw new Error(`property file ${reference} was not written: ${location.file} does not exist`);
      }
      const found = walkPath(JSON.parse(readFileSync(location.file, 'utf8')), String(jsonGet.Path));
      if (found === undefined) {
        throw new Error(`property file ${reference} has no value at '${jsonGet.Path}'`);
      }
      return found as JsonValue;
    }
    // IfSteps/ElseSteps are run, not resolved, by their condition step.
    return Object.fromEntries(
      Object.entries(object)
        .filter(([key]) => key !== 'IfSteps' && key !== 'ElseSteps')
        .map(([key, member]) => [key, this.resolve(member)]),
    );
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
      const pipelineArn = `arn:aws:sagemaker:local:${LOCAL_ACCOUNT}:pipeline/${this.options.pipelineName}`;
      const variables: Record<string, string> = {
        PipelineExecutionId: this.executionId,
        PipelineExecutionArn: `${pipelineArn}/execution/${this.executionId}`,
        PipelineName: this.options.pipelineName,
        PipelineArn: pipelineArn,
        StartDateTime: this.startTime,
        CurrentDateTime: new Date(this.now()).toISOString(),
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

  /** All conditions must hold; returns the outcome and a readable account of the values. */
  private evaluateConditions(conditions: readonly any[]): { outcome: boolean; detail: string } {
    const parts = conditions.map((c) => this.evaluateCondition(c));
    return { outcome: parts.every((p) => p.outcome), detail: parts.map((p) => p.detail).join(' and ') };
  }

  private evaluateCondition(condition: any): { outcome: boolean; detail: string } {
    switch (condition.Type) {
      case 'Not': {
        const inner = this.evaluateCondition(condition.Expression);
        return { outcome: !inner.outcome, detail: `not (${inner.detail})` };
      }
      case 'Or': {
        const parts = (condition.Conditions as any[]).map((c) => this.evaluateCondition(c));
        return { outcome: parts.some((p) => p.outcome), detail: parts.map((p) => p.detail).join(' or ') };
      }
      case 'In': {
        const value = this.resolve(condition.QueryValue);
        const values = (condition.Values as unknown[]).map((v) => this.resolve(v));
        return { outcome: values.some((v) => v === value), detail: `${stringOf(value)} in [${values.map(stringOf).join(', ')}]` };
      }
      default: {
        const left = this.resolve(condition.LeftValue);
        const right = this.resolve(condition.RightValue);
        const compare: Record<string, [string, (a: any, b: any) => boolean]> = {
          Equals: ['==', (a, b) => a === b],
          GreaterThan: ['>', (a, b) => a > b],
          GreaterThanOrEqualTo: ['>=', (a, b) => a >= b],
          LessThan: ['<', (a, b) => a < b],
          LessThanOrEqualTo: ['<=', (a, b) => a <= b],
        };
        const entry = compare[condition.Type];
        if (!entry) {
          throw new Error(`condition type ${condition.Type} is unknown`);
        }
        const outcome = entry[1](left, right);
        return { outcome, detail: `${stringOf(left)} ${entry[0]} ${stringOf(right)} is ${outcome}` };
      }
    }
  }
}

/** Names of the steps a step reads from or depends on. */
function dependenciesOf(step: any): Set<string> {
  const found = new Set<string>(step.DependsOn ?? []);
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, member] of Object.entries(value)) {
        if (key === 'Get' && typeof member === 'string') {
          const match = /^Steps\.([^.[]+)/.exec(member);
          if (match) {
            found.add(match[1]);
          }
        } else if (key !== 'IfSteps' && key !== 'ElseSteps') {
          walk(member);
        }
      }
    }
  };
  walk(step.Arguments);
  // A condition also waits for what its branches read, as the service does.
  for (const branch of [...(step.Arguments?.IfSteps ?? []), ...(step.Arguments?.ElseSteps ?? [])]) {
    dependenciesOf(branch).forEach((d) => found.add(d));
  }
  found.delete(step.Name);
  return found;
}

/** Follows `a.b[0]['name'].c` through objects and lists (a name picks the item whose `*Name` matches). */
function walkPath(root: unknown, pathText: string): unknown {
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

function typedValue(type: string, raw: string): JsonValue {
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

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Milliseconds of an ISO 8601 duration such as `P30D` or `PT1H` (months as 30 days, years as 365). */
export function isoDurationMs(duration: string): number {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (!match) {
    return Number.POSITIVE_INFINITY;
  }
  const [y, mo, w, d, h, mi, s] = match.slice(1).map((v) => Number(v ?? 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}
