/**
 * run-pipeline --plan and --max-cost against aws-sdk-client-mock (moto has no
 * ListPipelineExecutionSteps): the plan compares the definition about to be upserted with the
 * deployed one and the last successful execution, prices the worst case, and nothing is uploaded,
 * created or started when planning or when the worst case is above the budget.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreatePipelineCommand,
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineParametersForExecutionCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  UpdatePipelineCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { buildPipeline } from '../../src/cli/build';
import { differences, planRun, volatileArguments } from '../../src/cli/plan';
import PRICES from '../../src/cli/prices.json';
import { main } from '../../src/cli/run-pipeline';
import { resolveProjectSettings } from '../../src/cli/settings';
import { jobResources } from '../../src/workflow';
import { CODEBUILD_ENV } from '../helpers/env';
import { stepsOf } from '../helpers/context';
import { captureIo } from '../helpers/io';

const PIPELINE = 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/abalone-p-abcdef123456';
const LAST = `${PIPELINE}/execution/last0good`;

const sagemakerMock = mockClient(SageMakerClient);
const s3Mock = mockClient(S3Client);

/** The definition run-pipeline builds for the CodeBuild environment. */
function definition(): any {
  return JSON.parse(buildPipeline(resolveProjectSettings({}, CODEBUILD_ENV, false)).pipeline.toJson());
}

async function run(argv: string[]) {
  const io = captureIo(CODEBUILD_ENV);
  const code = await main(argv, { io, sagemaker: new SageMakerClient({ region: 'eu-west-1' }), s3: new S3Client({ region: 'eu-west-1' }) });
  return { code, out: io.out(), err: io.err() };
}

/** A deployed pipeline (this definition) whose last execution succeeded with these parameter values. */
function deployed(def: any, parameters: Record<string, string> = {}) {
  sagemakerMock.on(DescribePipelineCommand).resolves({ PipelineArn: PIPELINE, PipelineDefinition: JSON.stringify(def) });
  sagemakerMock.on(ListPipelineExecutionsCommand).resolves({
    PipelineExecutionSummaries: [
      { PipelineExecutionArn: `${PIPELINE}/execution/newer0failed`, PipelineExecutionStatus: 'Failed' },
      { PipelineExecutionArn: LAST, PipelineExecutionStatus: 'Succeeded' },
    ],
  });
  sagemakerMock.on(ListPipelineParametersForExecutionCommand, { PipelineExecutionArn: LAST })
    .resolves({ PipelineParameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value })) });
  sagemakerMock.on(ListPipelineExecutionStepsCommand, { PipelineExecutionArn: LAST })
    .resolves({ PipelineExecutionSteps: stepsOf(def).filter((s) => s.Name !== 'FailAbaloneModelQuality').map((s) => ({ StepName: s.Name, StepStatus: 'Succeeded' })) });
}

/** The printed line of a step. */
const lineOf = (out: string, step: string) => out.split('\n').find((l) => l.trimStart().startsWith(`${step} `))?.trim().replace(/\s+/g, ' ');

function nothingChanged(): void {
  expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  expect(sagemakerMock.commandCalls(CreatePipelineCommand)).toHaveLength(0);
  expect(sagemakerMock.commandCalls(UpdatePipelineCommand)).toHaveLength(0);
  expect(sagemakerMock.commandCalls(StartPipelineExecutionCommand)).toHaveLength(0);
}

beforeEach(() => {
  sagemakerMock.reset();
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  sagemakerMock.on(DescribePipelineCommand).rejects(Object.assign(new Error('Pipeline does not exist'), { name: 'ResourceNotFound' }));
  sagemakerMock.on(CreatePipelineCommand).resolves({ PipelineArn: PIPELINE });
  sagemakerMock.on(UpdatePipelineCommand).resolves({ PipelineArn: PIPELINE });
  sagemakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: `${PIPELINE}/execution/new` });
});

test('--plan --max-cost 0.01 on a first run: every step new, the worst case above the budget, exit 1, nothing created', async () => {
  const { code, out, err } = await run(['--plan', '--max-cost', '0.01']);

  expect(code).toBe(1);
  expect(out).toContain('plan (no pipeline deployed yet: every step is new):');
  expect(lineOf(out, 'TrainAbaloneModel')).toBe('TrainAbaloneModel new');
  expect(err).toMatch(/^run-pipeline: the worst case of this run, \d+\.\d\d USD, is above --max-cost 0.01 USD; nothing was uploaded, created or started\n$/);
  nothingChanged();
});

test('--plan on an unchanged second run: every cacheable step reused, only the others priced', async () => {
  deployed(definition());

  const { code, out } = await run(['--plan']);

  expect(code).toBe(0);
  expect(out).toContain(`and its last successful execution ${LAST}`);
  expect(lineOf(out, 'PreprocessAbaloneData')).toBe('PreprocessAbaloneData reused');
  expect(lineOf(out, 'TrainAbaloneModel')).toBe('TrainAbaloneModel reused');
  expect(lineOf(out, 'EvaluateAbaloneModel')).toBe('EvaluateAbaloneModel will run caching off');
  expect(lineOf(out, 'RegisterAbaloneModel')).toBe('RegisterAbaloneModel will run not a job: runs every time, bills nothing');
  // The evaluation job alone, at its instance count and type for its maximum runtime.
  const evaluate = jobResources(buildPipeline(resolveProjectSettings({}, CODEBUILD_ENV, false)).pipeline.allSteps()).find((j) => j.step === 'EvaluateAbaloneModel')!;
  const price = (PRICES.perInstanceHour as Record<string, number>)[evaluate.instanceType!];
  const worst = evaluate.instanceCount! * price * evaluate.maxRuntimeSeconds! / 3600;
  expect(out).toContain(`worst case: ${worst.toFixed(2)} USD, every job that runs at its maximum runtime (an estimate from the ${PRICES.region} on-demand prices of ${PRICES.asOf} (src/cli/prices.json); prices in eu-west-1 differ)`);
  nothingChanged();
});

test('a changed parameter re-runs the steps that read it and the steps that read from them, saying which and why', async () => {
  deployed(definition(), { TrainingInstanceType: 'ml.m5.xlarge' });

  const { code, out } = await run(['--plan', '-p', 'TrainingInstanceType=ml.m5.2xlarge']);

  expect(code).toBe(0);
  expect(lineOf(out, 'PreprocessAbaloneData')).toBe('PreprocessAbaloneData reused');
  expect(lineOf(out, 'TrainAbaloneModel')).toBe('TrainAbaloneModel will run parameter TrainingInstanceType: ml.m5.xlarge -> ml.m5.2xlarge');
  expect(lineOf(out, 'EvaluateAbaloneModel')).toBe('EvaluateAbaloneModel will run caching off; reads from TrainAbaloneModel, which runs');
  expect(out).toMatch(/TrainAbaloneModel +1 x ml\.m5\.2xlarge x \d+\.\d\d h = \d+\.\d\d USD \(managed spot: billed at the spot price, at most this\)/);
});

test('changed arguments are named by path; steps only in the new definition are new, steps only in the deployed one removed', async () => {
  const old = definition();
  const train = stepsOf(old).find((s) => s.Name === 'TrainAbaloneModel');
  train.Arguments.HyperParameters.eta = '0.3';
  stepsOf(old).find((s) => s.Name === 'PreprocessAbaloneData').Name = 'PreprocessOld';
  deployed(old);

  const { out } = await run(['--plan']);

  expect(lineOf(out, 'PreprocessAbaloneData')).toBe('PreprocessAbaloneData new');
  expect(lineOf(out, 'PreprocessOld')).toBe('PreprocessOld removed');
  expect(lineOf(out, 'TrainAbaloneModel')).toMatch(/^TrainAbaloneModel will run arguments changed: HyperParameters\.eta; reads from PreprocessAbaloneData, which runs$/);
});

test('--max-cost above the worst case: the plan is printed and the run goes on', async () => {
  const { code, out } = await run(['--no-wait', '--max-cost', '1000']);

  expect(code).toBe(0);
  expect(out).toContain('worst case:');
  expect(sagemakerMock.commandCalls(StartPipelineExecutionCommand)).toHaveLength(1);
});

test('an instance type without a price: --max-cost refuses, as the worst case is unknown', async () => {
  // An instance type the table does not price (whatever prices a user adds to it).
  const unpriced = ['ml.p3.2xlarge', 'ml.p3.8xlarge', 'ml.p3.16xlarge'].find((t) => !(t in PRICES.perInstanceHour))!;
  const { code, err } = await run(['--plan', '--max-cost', '1000', '-p', `TrainingInstanceType=${unpriced}`]);

  expect(code).toBe(1);
  expect(err).toBe(`run-pipeline: --max-cost 1000 cannot be checked, the worst case is unknown (TrainAbaloneModel: no price for ${unpriced} in src/cli/prices.json); nothing was started\n`);
  nothingChanged();
});

test('usage errors: --plan with --local, a negative --max-cost', async () => {
  expect(await run(['--plan', '--local'])).toMatchObject({ code: 2, err: expect.stringContaining('--plan does not apply to --local') });
  expect(await run(['--max-cost=-1'])).toMatchObject({ code: 2, err: expect.stringContaining("--max-cost must be a number of USD, 0 or more; got '-1'") });
});

test('differences names the paths where two values differ', () => {
  expect(differences({ a: { b: [1, 2], c: 'x' } }, { a: { b: [1, 3], c: 'x', d: true } })).toEqual(['a.b[1]', 'a.d']);
});

describe('--plan --format markdown', () => {
  test('on an unchanged second run: a table of the steps and a Mermaid graph with each step marked, nothing changed', async () => {
    deployed(definition());

    const { code, out } = await run(['--plan', '--format', 'markdown']);

    expect(code).toBe(0);
    expect(out).toContain('| Step | Plan | Why |\n|---|---|---|\n');
    expect(out).toContain('| TrainAbaloneModel | reused |  |');
    expect(out).toContain('| EvaluateAbaloneModel | will run | caching off |');
    expect(out).toMatch(/\*\*worst case: \d+\.\d\d USD, every job that runs at its maximum runtime/);
    const graph = out.slice(out.indexOf('```mermaid\nflowchart TD\n'), out.lastIndexOf('```'));
    const node = (step: string) => new RegExp(`  (s\\d+)\\["${step}<br/>([a-z ]+)"\\]:::(\\w+)`).exec(graph);
    expect(node('PreprocessAbaloneData')?.slice(2)).toEqual(['reused', 'reused']);
    expect(node('TrainAbaloneModel')?.slice(2)).toEqual(['reused', 'reused']);
    expect(node('EvaluateAbaloneModel')?.slice(2)).toEqual(['will run', 'willrun']);
    // Training reads the preprocessing outputs, evaluation the model: both edges are drawn.
    expect(graph).toContain(`  ${node('PreprocessAbaloneData')![1]} --> ${node('TrainAbaloneModel')![1]}`);
    expect(graph).toContain(`  ${node('TrainAbaloneModel')![1]} --> ${node('EvaluateAbaloneModel')![1]}`);
    expect(out).not.toContain('plan (compared with');
    nothingChanged();
  });

  test('on a first run every node is new', async () => {
    const { code, out } = await run(['--plan', '--format', 'markdown']);

    expect(code).toBe(0);
    expect(out).toContain('No pipeline deployed yet: every step is new.');
    const classes = [...out.matchAll(/"\]:::(\w+)/g)].map((m) => m[1]);
    expect(classes.length).toBe(stepsOf(definition()).length);
    expect(new Set(classes)).toEqual(new Set(['new']));
  });

  test('usage errors: an unknown format, a format without a plan', async () => {
    expect(await run(['--plan', '--format', 'html'])).toMatchObject({ code: 2, err: expect.stringContaining("--format must be one of text, markdown; got 'html'") });
    expect(await run(['--format', 'markdown'])).toMatchObject({ code: 2, err: expect.stringContaining('--format only applies with --plan or --max-cost; got --format markdown without them') });
    nothingChanged();
  });
});

describe('arguments that change on every run', () => {
  test('are flagged with their path and what they look like', () => {
    expect(volatileArguments({
      ProcessingJobName: 'prep-2026-12-06T10:15:00',
      // A UUID is not flagged (KMS key ids look the same), nor an ARN's digits.
      Environment: { KEY: '1f0e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', SEED: '42', STAMP: '1765016100', ROLE: 'arn:aws:iam::159999999999:role/r-20261206101500' },
      Outputs: [{ S3Uri: { 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }] } } }],
    })).toEqual([
      'Environment.STAMP (an epoch time)',
      'ProcessingJobName (a timestamp)',
    ]);
  });

  test('the shipped pipeline has none: no step is flagged', async () => {
    deployed(definition());
    const { out } = await run(['--plan']);
    expect(out).not.toContain('never reused');
  });

  test('a job step with one is reported as never reused, in text and Markdown', async () => {
    const next = definition();
    stepsOf(next).find((s) => s.Name === 'TrainAbaloneModel').Arguments.HyperParameters.run_started = '20261206-101500';
    deployed(next);
    const { pipeline } = buildPipeline(resolveProjectSettings({}, CODEBUILD_ENV, false));

    const plan = await planRun(new SageMakerClient({ region: 'eu-west-1' }), { pipeline, definitionJson: JSON.stringify(next), overrides: new Map() });

    const train = plan.steps.find((s) => s.step === 'TrainAbaloneModel')!;
    expect(train.volatile).toEqual(['HyperParameters.run_started (a timestamp)']);
    const { planLines, planMarkdown } = await import('../../src/cli/plan');
    expect(planLines(plan, 'eu-west-1').find((l) => l.trimStart().startsWith('TrainAbaloneModel'))).toContain('never reused: argument HyperParameters.run_started (a timestamp) changes on every run');
    expect(planMarkdown(plan, 'eu-west-1')).toContain('| TrainAbaloneModel | reused | never reused: argument HyperParameters.run_started (a timestamp) changes on every run |');
  });
});

test('the build buildspec prints the plan before every run, in the same build phase', () => {
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'buildspec.yml'), 'utf8');
  const build = text.slice(text.indexOf('\n  build:'));
  const plan = build.indexOf('- npx run-pipeline --plan\n');
  const runs = build.indexOf('- npx run-pipeline --timeout-minutes');
  expect(plan).toBeGreaterThan(0);
  expect(runs).toBeGreaterThan(plan);
});
