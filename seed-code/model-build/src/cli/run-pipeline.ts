/**
 * `run-pipeline`: uploads the pipeline's scripts (content-addressed), creates or updates the
 * SageMaker pipeline with the project's tags, starts it with parameter overrides and waits,
 * printing each step's status change. Exit codes: 0 success, 1 execution failed (or an AWS call
 * failed, or the wait timed out), 2 bad usage.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient, StartPipelineExecutionCommand, Tag } from '@aws-sdk/client-sagemaker';
import { Parameter, Pipeline, Scalar, fitsInline, parameterValueProblem } from '../workflow';
import { S3Api, SageMakerApi, putObject, upsertPipeline, watchExecution } from './aws';
import { buildPipeline } from './build';
import { CliIo, ExitCode, processIo, reportError } from './io';
import { sha256Hex } from './scripts';
import { PROJECT_OPTIONS, PROJECT_OPTIONS_HELP, UsageError, parseFlags, resolveProjectSettings } from './settings';

const COMMAND = 'run-pipeline';

const OPTIONS = {
  ...PROJECT_OPTIONS,
  tags: { type: 'string' },
  parameter: { type: 'string', short: 'p', multiple: true },
  description: { type: 'string' },
  'no-wait': { type: 'boolean' },
  'timeout-minutes': { type: 'string' },
  'poll-seconds': { type: 'string' },
} as const;

const HELP = `Usage: ${COMMAND} [options]

Uploads the pipeline's scripts to s3://<bucket>/<pipeline>/code/<sha256>/, creates or updates the
SageMaker pipeline, starts it and waits for it, printing each step's status change.
Exit codes: 0 succeeded, 1 failed/stopped/timed out or an AWS error, 2 bad usage.

Options:
  -p, --parameter <Name=Value>  override a pipeline parameter (repeatable)
  --tags <json>                 extra tags as a JSON object, default PROJECT_TAGS or {}
  --description <text>          pipeline description
  --no-wait                     start the execution and exit 0 without waiting
  --timeout-minutes <n>         stop waiting after n minutes (the execution keeps running), default 120
  --poll-seconds <n>            seconds between status polls, default 30
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

/** Maximum number of tags on a SageMaker resource. */
const MAX_TAGS = 50;

/** Parses `--tags` / PROJECT_TAGS and adds the project tags, which always win. */
export function projectTags(raw: string | undefined, projectName: string, projectId: string): Tag[] {
  const source = raw === undefined ? undefined : raw.trim();
  let extra: Record<string, unknown> = {};
  if (source) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new UsageError(`--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got '${source}'`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError(`--tags (PROJECT_TAGS) must be a JSON object of string values such as {"team":"ml"}; got '${source}'`);
    }
    extra = parsed as Record<string, unknown>;
  }
  const tags = new Map<string, string>();
  for (const key of Object.keys(extra).sort()) {
    const value = extra[key];
    if (typeof value !== 'string') {
      throw new UsageError(`--tags (PROJECT_TAGS) tag '${key}' must have a string value; got ${JSON.stringify(value)}`);
    }
    if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      throw new UsageError(`--tags (PROJECT_TAGS) tag key must be 1-128 characters not starting with 'aws:'; got '${key}'`);
    }
    if (value.length > 256) {
      throw new UsageError(`--tags (PROJECT_TAGS) tag '${key}' value must be at most 256 characters; got ${value.length}`);
    }
    tags.set(key, value);
  }
  tags.set('sagemaker:project-name', projectName);
  tags.set('sagemaker:project-id', projectId);
  if (tags.size > MAX_TAGS) {
    throw new UsageError(`--tags (PROJECT_TAGS) may hold at most ${MAX_TAGS - 2} tags besides the project tags; got ${tags.size - 2}`);
  }
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
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
    const settings = resolveProjectSettings(flags, io.env, false);
    const tags = projectTags(
      typeof flags.tags === 'string' ? flags.tags : io.env.PROJECT_TAGS,
      settings.projectName,
      settings.projectId,
    );
    const timeoutMinutes = positiveNumber('timeout-minutes', flags['timeout-minutes'], 120);
    const pollSeconds = positiveNumber('poll-seconds', flags['poll-seconds'], 30);
    const { pipeline, scripts } = buildPipeline(settings);
    // Validates the whole definition before anything is uploaded.
    const definition = pipeline.toJson();
    const overrides = parameterOverrides(flags.parameter ?? [], pipeline);

    const s3 = deps.s3 ?? new S3Client({ region: settings.region });
    const sagemaker = deps.sagemaker ?? new SageMakerClient({ region: settings.region });

    for (const script of scripts) {
      await putObject(s3, {
        bucket: settings.bucket,
        key: script.key,
        body: script.body,
        contentType: 'text/x-python',
        kmsKeyArn: settings.kmsKeyArn,
      });
      log(`uploaded ${script.name}: s3://${settings.bucket}/${script.key}`);
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
