/**
 * `run-pipeline`: uploads the pipeline's scripts (content-addressed), creates or updates the
 * SageMaker pipeline with the project's tags, starts it with parameter overrides and waits,
 * printing each step's status change. Exit codes: 0 success, 1 execution failed (or an AWS call
 * failed, or the wait timed out), 2 bad usage.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { Parameter, Pipeline, Scalar, fitsInline, parameterValueProblem } from '../workflow';
import { S3Api, SageMakerApi, putObject, upsertPipeline, watchExecution } from './aws';
import { buildPipeline } from './build';
import { PLAN_FORMATS, PlanFormat, planLines, planMarkdown, planRun } from './plan';
import { LocalRunUnsupportedError, runGraphLines, runLocal, stepTableLines, verdictLine } from '../local/run-local';
import { CliIo, ExitCode, processIo, reportError } from './io';
import { sha256Hex } from './scripts';
import { PROJECT_OPTIONS, PROJECT_OPTIONS_HELP, UsageError, parseFlags, resolveProjectSettings } from './settings';
import { checkStartValues } from './start-values';

const COMMAND = 'run-pipeline';

const OPTIONS = {
  ...PROJECT_OPTIONS,
  parameter: { type: 'string', short: 'p', multiple: true },
  description: { type: 'string' },
  'no-wait': { type: 'boolean' },
  'timeout-minutes': { type: 'string' },
  'poll-seconds': { type: 'string' },
  local: { type: 'boolean' },
  'input-data': { type: 'string' },
  'run-dir': { type: 'string' },
  plan: { type: 'boolean' },
  'max-cost': { type: 'string' },
  format: { type: 'string' },
} as const;

const HELP = `Usage: ${COMMAND} [options]

Uploads the pipeline's scripts to s3://<bucket>/<pipeline>/code/<sha256>/, creates or updates the
SageMaker pipeline, starts it and waits for it, printing each step's status change.
Exit codes: 0 succeeded (or planned), 1 failed/stopped/timed out, above --max-cost or an AWS error,
2 bad usage.

Options:
  -p, --parameter <Name=Value>  override a pipeline parameter (repeatable); checked against what
                                SageMaker accepts before anything is uploaded or run
  --description <text>          pipeline description (not with --local)
  --no-wait                     start the execution and exit 0 without waiting (not with --local)
  --timeout-minutes <n>         stop waiting after n minutes (the execution keeps running), default 120
                                (not with --local)
  --poll-seconds <n>            seconds between status polls, default 30 (not with --local)
  --plan                        print what a run would do (per step: reused, will run and why, new,
                                removed) and its worst-case cost, then exit without changing anything
  --format <text|markdown>      how --plan prints the plan: text (default), or markdown (a table and
                                a Mermaid graph of the steps marked reused / will run / new, for a
                                pull-request comment)
  --max-cost <USD>              refuse to start (exit 1, nothing created) a run whose worst-case cost
                                is above this; prints the plan first (not with --local)
  --local                       run the pipeline on this machine instead (no AWS; see the README)
  --input-data <path>           only with --local: a local file or folder as InputDataUrl
  --run-dir <dir>               only with --local: executions, local bucket and step cache,
                                default .pipeline-local/<pipeline-name>
  -h, --help                    show this help

${PROJECT_OPTIONS_HELP}
`;

/** What run-pipeline talks to; tests inject clients pointed at moto or mocks, and a fake clock. */
export interface RunPipelineDeps {
  readonly io?: CliIo;
  readonly sagemaker?: SageMakerApi;
  readonly s3?: S3Api;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Definitions larger than this go through S3. @default 1 MiB, the CreatePipeline limit */
  readonly inlineLimitBytes?: number;
}

/** Parses `--parameter Name=Value` overrides against the pipeline's declared parameters. */
export function parameterOverrides(raw: readonly string[], pipeline: Pipeline): { Name: string; Value: string }[] {
  const declared = new Map<string, Parameter<Scalar>>(pipeline.parameters.map((p) => [p.name, p]));
  const names = [...declared.keys()].join(', ');
  const overrides = new Map<string, string>();
  for (const item of raw) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`--parameter must be Name=Value with Name one of ${names}; got '${item}'`);
    }
    const name = item.slice(0, eq);
    const value = item.slice(eq + 1);
    const parameter = declared.get(name);
    if (!parameter) {
      throw new UsageError(`--parameter '${name}' is not a parameter of pipeline ${pipeline.name}; allowed: ${names}`);
    }
    const problem = parameterValueProblem(parameter.type, parseScalar(parameter.type, value));
    if (problem) {
      // Echo the value as typed: the parsed one (NaN, a string) would hide what was wrong.
      const echoed = parameter.type === 'String' ? problem : problem.replace(/; got .*$/, `; got '${value}'`);
      throw new UsageError(`--parameter ${name} (${parameter.type}) ${echoed}`);
    }
    overrides.set(name, value);
  }
  return [...overrides].map(([Name, Value]) => ({ Name, Value }));
}

function parseScalar(type: Parameter<Scalar>['type'], value: string): Scalar {
  switch (type) {
    case 'String':
      return value;
    case 'Integer':
    case 'Float':
      return value.trim() === '' ? Number.NaN : Number(value);
    case 'Boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
  }
}

function positiveNumber(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${flag} must be a positive number; got '${raw}'`);
  }
  return value;
}

function nonNegativeNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${flag} must be a number of USD, 0 or more; got '${raw}'`);
  }
  return value;
}

/** `--format`: text or markdown, and only with a plan to print (else it would be ignored in silence). */
function planFormat(raw: string | undefined, planning: boolean): PlanFormat {
  if (raw === undefined) return 'text';
  if (!(PLAN_FORMATS as readonly string[]).includes(raw)) {
    throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}; got '${raw}'`);
  }
  if (!planning) throw new UsageError(`--format only applies with --plan or --max-cost; got --format ${raw} without them`);
  return raw as PlanFormat;
}

/** Flags of one mode only: given in the other mode they would be ignored in silence. */
const LOCAL_ONLY = ['input-data', 'run-dir'] as const;
const SAGEMAKER_ONLY = ['no-wait', 'timeout-minutes', 'poll-seconds', 'description', 'plan', 'max-cost', 'format'] as const;

/** Refuses flags that do not apply to the chosen mode (`--local` or a run in SageMaker). */
function checkModeFlags(flags: Readonly<Record<string, unknown>>): void {
  if (flags.local) {
    const given = SAGEMAKER_ONLY.find((flag) => flags[flag] !== undefined);
    if (given) {
      throw new UsageError(`--${given} does not apply to --local (a local run always runs to the end, on this machine); drop --${given} or --local`);
    }
    return;
  }
  const given = LOCAL_ONLY.find((flag) => flags[flag] !== undefined);
  if (given === 'input-data') {
    throw new UsageError(
      '--input-data only applies to --local: a run in SageMaker would ignore the file; ' +
        'add --local, or upload the data and pass -p InputDataUrl=s3://<bucket>/<key>',
    );
  }
  if (given) {
    throw new UsageError(`--${given} only applies to --local; add --local or drop --${given}`);
  }
}

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], deps: RunPipelineDeps = {}): Promise<number> {
  const io = deps.io ?? processIo();
  const log = (line: string): void => io.stdout(`${line}\n`);
  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help) {
      io.stdout(HELP);
      return ExitCode.SUCCESS;
    }
    checkModeFlags(flags);
    if (flags.local) {
      return await runLocally(flags, deps, io);
    }
    const settings = resolveProjectSettings(flags, io.env, false);
    const tags = settings.tags;
    const timeoutMinutes = positiveNumber('timeout-minutes', flags['timeout-minutes'], 120);
    const pollSeconds = positiveNumber('poll-seconds', flags['poll-seconds'], 30);
    const { pipeline, scripts } = buildPipeline(settings);
    // Validates the whole definition before anything is uploaded.
    const definition = pipeline.toJson();
    const overrides = parameterOverrides(flags.parameter ?? [], pipeline);

    // Refused before anything is uploaded: SageMaker would only reject these when the job starts.
    checkStartValues(pipeline, new Map(overrides.map((o) => [o.Name, o.Value])));

    const maxCost = flags['max-cost'] === undefined ? undefined : nonNegativeNumber('max-cost', flags['max-cost']);
    const format = planFormat(flags.format, Boolean(flags.plan) || maxCost !== undefined);
    const sagemaker = deps.sagemaker ?? new SageMakerClient({ region: settings.region });
    if (flags.plan || maxCost !== undefined) {
      // Read-only, before anything is uploaded, created or started.
      const plan = await planRun(sagemaker, { pipeline, definitionJson: definition, overrides: new Map(overrides.map((o) => [o.Name, o.Value])) });
      if (format === 'markdown') io.stdout(planMarkdown(plan, settings.region));
      else planLines(plan, settings.region).forEach(log);
      if (maxCost !== undefined && plan.worstCaseUsd === undefined) {
        io.stderr(`${COMMAND}: --max-cost ${maxCost} cannot be checked, the worst case is unknown (${plan.unpriced.join('; ')}); nothing was started\n`);
        return ExitCode.FAILURE;
      }
      if (maxCost !== undefined && plan.worstCaseUsd! > maxCost) {
        io.stderr(`${COMMAND}: the worst case of this run, ${plan.worstCaseUsd!.toFixed(2)} USD, is above --max-cost ${maxCost} USD; nothing was uploaded, created or started\n`);
        return ExitCode.FAILURE;
      }
      if (flags.plan) {
        return ExitCode.SUCCESS;
      }
    }
    const s3 = deps.s3 ?? s3Client(settings.region, io.env);

    try {
      for (const script of scripts) {
        for (const file of script.files) {
          await putObject(s3, {
            bucket: settings.bucket,
            key: file.key,
            body: file.body,
            contentType: file.relativePath.endsWith('.py') ? 'text/x-python' : 'application/octet-stream',
            kmsKeyArn: settings.kmsKeyArn,
          });
        }
        log(`uploaded ${script.name}: ${script.s3Uri}`);
      }
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchBucket') {
        throw new UsageError(
          `--bucket (ARTIFACT_BUCKET) '${settings.bucket}' does not exist (S3 NoSuchBucket in ${settings.region}); ` +
            "use the project's artifact bucket, sagemaker-project-<project-id>",
        );
      }
      throw error;
    }

    let source: { inline: string } | { s3: { bucket: string; key: string } } = { inline: definition };
    if (!fitsInline(definition, deps.inlineLimitBytes)) {
      const key = `${settings.pipelineName}/definitions/${sha256Hex(definition)}.json`;
      await putObject(s3, {
        bucket: settings.bucket,
        key,
        body: definition,
        contentType: 'application/json',
        kmsKeyArn: settings.kmsKeyArn,
      });
      log(`definition is ${Buffer.byteLength(definition)} bytes, above the inline limit: uploaded to s3://${settings.bucket}/${key}`);
      source = { s3: { bucket: settings.bucket, key } };
    }

    const { action, pipelineArn } = await upsertPipeline(sagemaker, {
      pipelineName: settings.pipelineName,
      definition: source,
      roleArn: settings.roleArn,
      description: typeof flags.description === 'string' ? flags.description : settings.blueprint.description,
      tags,
    });
    log(`${action} pipeline ${pipelineArn}`);

    const commit = io.env.CODEBUILD_RESOLVED_SOURCE_VERSION;
    const started = await sagemaker.send(
      new StartPipelineExecutionCommand({
        PipelineName: settings.pipelineName,
        PipelineParameters: overrides.length > 0 ? overrides : undefined,
        PipelineExecutionDescription: commit ? `Started by run-pipeline for commit ${commit}` : 'Started by run-pipeline',
      }),
    );
    const executionArn = started.PipelineExecutionArn ?? '';
    log(`started execution ${executionArn}`);
    if (flags['no-wait']) {
      return ExitCode.SUCCESS;
    }

    const outcome = await watchExecution(sagemaker, {
      executionArn,
      pollIntervalMs: pollSeconds * 1000,
      timeoutMs: timeoutMinutes * 60_000,
      log,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: deps.now ?? Date.now,
    });
    return report(outcome, executionArn, timeoutMinutes, io);
  } catch (error) {
    return reportError(error, io, COMMAND);
  }
}

/** `--local`: builds the definition with demo values for missing settings and runs it here. */
async function runLocally(flags: ReturnType<typeof parseFlags<typeof OPTIONS>>, deps: RunPipelineDeps, io: CliIo): Promise<number> {
  const log = (line: string): void => io.stdout(`${line}\n`);
  // Nothing reaches AWS, so the settings only shape the definition: demo values are fine.
  const region = flags.region ?? (io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || 'us-east-1');
  const settings = resolveProjectSettings({ ...flags, region }, io.env, true);
  const { pipeline, scripts } = buildPipeline(settings);
  const definition = JSON.parse(pipeline.toJson());
  const overrides = Object.fromEntries(parameterOverrides(flags.parameter ?? [], pipeline).map((o) => [o.Name, o.Value]));
  // The same checks as a run in SageMaker: the local run should not pass where SageMaker would fail.
  checkStartValues(pipeline, new Map(Object.entries(overrides)));
  if (typeof flags['input-data'] === 'string') {
    const input = path.resolve(flags['input-data']);
    if (!existsSync(input)) {
      throw new UsageError(`--input-data must be an existing file or folder; got '${flags['input-data']}'`);
    }
    if (!pipeline.parameters.some((p) => p.name === 'InputDataUrl')) {
      throw new UsageError(`--input-data needs a parameter InputDataUrl, which pipeline ${pipeline.name} does not declare`);
    }
    overrides.InputDataUrl = `file://${input}`;
  }
  const python = resolvePython(io.env.MODEL_BUILD_PYTHON || 'python3');
  const runDir = path.resolve(typeof flags['run-dir'] === 'string' ? flags['run-dir'] : path.join('.pipeline-local', settings.pipelineName));
  let result;
  try {
    result = await runLocal({
      definition,
      pipelineName: settings.pipelineName,
      bucket: settings.bucket,
      parameters: overrides,
      code: scripts,
      runDir,
      python,
      log,
      s3: deps.s3 ?? s3Client(settings.region, io.env),
      now: deps.now,
    });
  } catch (error) {
    if (error instanceof LocalRunUnsupportedError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  // The picture of the run, as `--plan --format markdown` draws the plan (paste it where Mermaid
  // renders), then the step table and the verdict.
  runGraphLines(definition, result.steps).forEach(log);
  log(`run report (Markdown): ${result.reportFile}`);
  stepTableLines(result.steps).forEach(log);
  if (result.status === 'Succeeded') {
    log(verdictLine(result));
    return ExitCode.SUCCESS;
  }
  io.stderr(`${COMMAND}: ${verdictLine(result)}\n`);
  return ExitCode.FAILURE;
}

/**
 * The S3 client; with `AWS_ENDPOINT_URL(_S3)` set (a local moto_server, say) it addresses buckets
 * by path, because `<bucket>.127.0.0.1` does not resolve.
 */
function s3Client(region: string, env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({ region, forcePathStyle: Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3) });
}

/** The absolute path of a Python interpreter given by name or path. */
function resolvePython(python: string): string {
  if (path.isAbsolute(python)) {
    return python;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, python);
    if (dir && existsSync(candidate)) {
      return candidate;
    }
  }
  throw new UsageError(`MODEL_BUILD_PYTHON '${python}' is not on PATH; set it to a python3 with pandas, scikit-learn and xgboost`);
}

function report(
  outcome: Awaited<ReturnType<typeof watchExecution>>,
  executionArn: string,
  timeoutMinutes: number,
  io: CliIo,
): number {
  const log = (line: string): void => io.stdout(`${line}\n`);
  log('steps:');
  for (const step of outcome.steps) {
    log(`  ${(step.StepName ?? '?').padEnd(32)} ${step.StepStatus ?? 'Unknown'}`);
  }
  if (outcome.status === 'Succeeded') {
    log(`execution succeeded: ${executionArn}`);
    return ExitCode.SUCCESS;
  }
  if (outcome.status === 'TimedOut') {
    io.stderr(
      `${COMMAND}: execution still running after ${timeoutMinutes} minutes; stopped waiting (it keeps running): ${executionArn}\n`,
    );
    return ExitCode.FAILURE;
  }
  const failed = outcome.steps.filter((s) => s.StepStatus === 'Failed' || s.StepStatus === 'Stopped');
  for (const step of failed) {
    const reason = step.FailureReason || step.Metadata?.Fail?.ErrorMessage || 'no reason given';
    io.stderr(`${COMMAND}: step ${step.StepName} ${step.StepStatus?.toLowerCase()}: ${reason}\n`);
  }
  io.stderr(
    `${COMMAND}: execution ${outcome.status.toLowerCase()}${outcome.failureReason ? `: ${outcome.failureReason}` : ''}: ${executionArn}\n`,
  );
  return ExitCode.FAILURE;
}

/** Entry point of the `bin` shim. */
export function cli(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
