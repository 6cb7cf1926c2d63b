/**
 * The local run's evaluation of definitions, on fixture definitions that need no Python: parameters,
 * execution variables, Std:Join, conditions, Fail steps, branch choice and unsupported steps.
 * End-to-end runs of the shipped pipelines are in test/python/local-run.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as plan from '../../src/cli/plan';
import { main } from '../../src/cli/run-pipeline';
import { LocalRunUnsupportedError, isoDurationMs, runGraphLines, runLocal } from '../../src/local/run-local';
import { captureIo } from '../helpers/io';

function gate(conditions: unknown[]) {
  return {
    Parameters: [
      { Name: 'Score', Type: 'Float', DefaultValue: 0.9 },
      { Name: 'Mode', Type: 'String', DefaultValue: 'a' },
    ],
    Steps: [
      {
        Name: 'Gate',
        Type: 'Condition',
        Arguments: {
          Conditions: conditions,
          IfSteps: [],
          ElseSteps: [
            {
              Name: 'Stop',
              Type: 'Fail',
              Arguments: {
                ErrorMessage: { 'Std:Join': { On: ' ', Values: ['score', { Get: 'Parameters.Score' }, 'in', { Get: 'Execution.PipelineName' }] } },
              },
            },
          ],
        },
      },
    ],
    Version: '2020-12-01',
  };
}

async function run(definition: unknown, parameters: Record<string, string> = {}) {
  const lines: string[] = [];
  const result = await runLocal({
    definition,
    pipelineName: 'fixture-p-1',
    bucket: 'bucket',
    parameters,
    code: [],
    runDir: mkdtempSync(path.join(tmpdir(), 'local-')),
    python: '/usr/bin/python3',
    log: (line) => lines.push(line),
  });
  return { result, lines };
}

const atLeast = (value: number) => [{ Type: 'GreaterThanOrEqualTo', LeftValue: { Get: 'Parameters.Score' }, RightValue: value }];

describe('local run of a definition', () => {
  test('a condition that holds takes the if branch and the execution succeeds', async () => {
    const { result } = await run(gate(atLeast(0.8)));
    expect(result.status).toBe('Succeeded');
    expect(result.steps.map((s) => [s.name, s.status, s.note])).toEqual([['Gate', 'Succeeded', '0.9 >= 0.8 is true -> if branch']]);
  });

  test('otherwise the Fail step fails the execution with its resolved message', async () => {
    const { result } = await run(gate(atLeast(0.8)), { Score: '0.5' });
    expect(result.status).toBe('Failed');
    expect(result.failureReason).toBe('step Stop failed: score 0.5 in fixture-p-1');
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['Gate', 'Succeeded'],
      ['Stop', 'Failed'],
    ]);
  });

  test.each([
    [[{ Type: 'Not', Expression: atLeast(0.95)[0] }], true],
    [[{ Type: 'Or', Conditions: [...atLeast(0.95), { Type: 'Equals', LeftValue: { Get: 'Parameters.Mode' }, RightValue: 'a' }] }], true],
    [[{ Type: 'In', QueryValue: { Get: 'Parameters.Mode' }, Values: ['b', 'c'] }], false],
    [[...atLeast(0.5), { Type: 'LessThan', LeftValue: { Get: 'Parameters.Score' }, RightValue: 0.9 }], false],
  ])('evaluates %j as %s', async (conditions, expected) => {
    const { result } = await run(gate(conditions));
    expect(result.status).toBe(expected ? 'Succeeded' : 'Failed');
  });

  test.each([
    ['GreaterThan', false],
    ['GreaterThanOrEqualTo', true],
    ['Equals', true],
    ['LessThanOrEqualTo', true],
    ['LessThan', false],
  ])('a %s gate on a parameter equal to its threshold is %s', async (type, holds) => {
    const { result } = await run(gate([{ Type: type, LeftValue: { Get: 'Parameters.Score' }, RightValue: 0.8 }]), { Score: '0.8' });
    expect(result.status).toBe(holds ? 'Succeeded' : 'Failed');
  });

  test.each([
    ['a transform step', { Name: 'Batch', Type: 'Transform', Arguments: {} }, "step 'Batch' has type Transform, which the local run does not execute"],
    [
      'a training image other than built-in XGBoost',
      { Name: 'Fit', Type: 'Training', Arguments: { AlgorithmSpecification: { TrainingImage: '1.dkr.ecr.x.amazonaws.com/pytorch:2' } } },
      "step 'Fit' trains with image '1.dkr.ecr.x.amazonaws.com/pytorch:2'; the local run only stands in for the built-in XGBoost algorithm",
    ],
  ])('fails before running anything when the definition has %s', async (_, step, message) => {
    await expect(run({ Parameters: [], Steps: [step] })).rejects.toThrow(LocalRunUnsupportedError);
    await expect(run({ Parameters: [], Steps: [step] })).rejects.toThrow(message);
  });

  test('ISO 8601 cache expiry durations', () => {
    expect(isoDurationMs('P30D')).toBe(30 * 86_400_000);
    expect(isoDurationMs('PT12H')).toBe(12 * 3_600_000);
    expect(isoDurationMs('P1DT1M')).toBe(86_400_000 + 60_000);
  });
});

/**
 * A pipeline whose "evaluation" (a shell command, no Python) writes `content` as evaluation.json,
 * gated like the shipped pipelines: register when `metric.value <= 6`, else a Fail step with it.
 */
function evaluated(content: string) {
  const report = { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'metric.value' } };
  return {
    Parameters: [],
    Version: '2020-12-01',
    Steps: [
      {
        Name: 'Evaluate',
        Type: 'Processing',
        Arguments: {
          AppSpecification: { ImageUri: 'image:1', ContainerEntrypoint: ['sh', '-c', `printf '%s' '${content}' > /opt/ml/processing/evaluation/evaluation.json`] },
          ProcessingOutputConfig: {
            Outputs: [{ OutputName: 'evaluation', S3Output: { S3Uri: 's3://bucket/eval', LocalPath: '/opt/ml/processing/evaluation', S3UploadMode: 'EndOfJob' } }],
          },
        },
        PropertyFiles: [{ PropertyFileName: 'Report', OutputName: 'evaluation', FilePath: 'evaluation.json' }],
      },
      {
        Name: 'Gate',
        Type: 'Condition',
        Arguments: {
          Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: report, RightValue: 6 }],
          IfSteps: [{ Name: 'Register', Type: 'RegisterModel', Arguments: { ModelPackageGroupName: 'g', ModelApprovalStatus: 'PendingManualApproval' } }],
          ElseSteps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['metric', report, 'is above 6'] } } } }],
        },
      },
    ],
  };
}

describe('a quality gate on a metric, run locally as on SageMaker', () => {
  test.each([
    ['below the threshold', '{"metric": {"value": 4.5}}', 'Succeeded', [['Evaluate', 'Succeeded'], ['Gate', 'Succeeded'], ['Register', 'Succeeded']], undefined],
    ['equal to the threshold', '{"metric": {"value": 6.0}}', 'Succeeded', [['Evaluate', 'Succeeded'], ['Gate', 'Succeeded'], ['Register', 'Succeeded']], undefined],
    ['above the threshold', '{"metric": {"value": 6.5}}', 'Failed', [['Evaluate', 'Succeeded'], ['Gate', 'Succeeded'], ['Stop', 'Failed']], 'step Stop failed: metric 6.5 is above 6'],
    // Python's json.dump writes NaN; the gate's comparison is false, so the Fail step is reached
    ['NaN', '{"metric": {"value": NaN}}', 'Failed', [['Evaluate', 'Succeeded'], ['Gate', 'Succeeded'], ['Stop', 'Failed']], 'step Stop failed: metric nan is above 6'],
    ['null', '{"metric": {"value": null}}', 'Failed', [['Evaluate', 'Succeeded'], ['Gate', 'Failed']], "step Gate failed: Std:JsonGet 'metric.value' of Steps.Evaluate.PropertyFiles.Report is null"],
    ['missing', '{"metric": {}}', 'Failed', [['Evaluate', 'Succeeded'], ['Gate', 'Failed']], 'the file has no value at that path'],
    ['a string', '{"metric": {"value": "4.5"}}', 'Failed', [['Evaluate', 'Succeeded'], ['Gate', 'Failed']], 'LessThanOrEqualTo cannot order "4.5" (string) and 6 (number)'],
  ])('a metric %s: execution %s', async (_, content, status, steps, reason) => {
    const { result } = await run(evaluated(content));
    expect(result.status).toBe(status);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual(steps);
    if (reason) {
      expect(result.failureReason).toContain(reason);
    }
    // A model is registered only when the gate held.
    expect(result.registered !== undefined).toBe(steps.some(([name]) => name === 'Register'));
  });
});

/** A cached processing step that reads the `Data` parameter's input and runs `script` in sh. */
function reading(script: string, data: string) {
  return {
    Parameters: [{ Name: 'Data', Type: 'String', DefaultValue: data }],
    Version: '2020-12-01',
    Steps: [
      {
        Name: 'Prep',
        Type: 'Processing',
        CacheConfig: { Enabled: true, ExpireAfter: 'P30D' },
        Arguments: {
          AppSpecification: { ImageUri: 'image:1', ContainerEntrypoint: ['sh', '-c', script] },
          ProcessingInputs: [
            { InputName: 'data', S3Input: { S3Uri: { Get: 'Parameters.Data' }, LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
          ],
        },
      },
    ],
  };
}

describe('local inputs', () => {
  test('a changed file at the same path is a cache hit, as on SageMaker, and the run says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'input-'));
    const data = path.join(dir, 'sample.csv');
    writeFileSync(data, 'a,b\n1,2\n');
    const runDir = mkdtempSync(path.join(tmpdir(), 'local-'));
    const again = async () => {
      const lines: string[] = [];
      const result = await runLocal({ definition: reading('true', `file://${data}`), pipelineName: 'p', bucket: 'b', parameters: {}, code: [], runDir, python: '/usr/bin/python3', log: (l) => lines.push(l) });
      return { note: result.steps[0].note ?? '', lines };
    };
    const first = await again();
    expect(first.note).toBe('');
    const unchanged = await again();
    expect(unchanged.note).toMatch(/^cache hit from local execution [0-9a-f]+$/);
    writeFileSync(data, 'a,b\n1,3\n');
    const changed = await again();
    expect(changed.note).toMatch(
      new RegExp(`^cache hit from local execution [0-9a-f]+; file://${data} changed since then, but the cache key holds the path, not the content, so SageMaker would reuse this step too`),
    );
    expect(changed.lines.join('\n')).toContain(`file://${data} changed since then`);
  });

  test("a failing script's message names the user's file, not the run folder's copy", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'input-'));
    const data = path.join(dir, 'sample.csv');
    writeFileSync(data, '');
    const { result } = await run(reading('echo "input file /opt/ml/processing/input/data/sample.csv is empty" >&2; exit 1', `file://${data}`));
    expect(result.status).toBe('Failed');
    expect(result.failureReason).toContain(`exit code 1: input file ${data} is empty`);
    // a folder input: the folder is named
    const folder = await run(reading('echo "no .csv file found under /opt/ml/processing/input/data" >&2; exit 1', `file://${dir}/`));
    expect(folder.result.failureReason).toContain(`no .csv file found under ${dir} (log:`);
  });
});

describe('run-pipeline --local usage errors', () => {
  test.each([
    ['the input data does not exist', ['--input-data', '/nonexistent/data.csv'], "--input-data must be an existing file or folder; got '/nonexistent/data.csv'"],
    ['a parameter is unknown', ['-p', 'Nope=1'], "--parameter 'Nope' is not a parameter of pipeline"],
    ['--no-wait is given', ['--no-wait'], '--no-wait does not apply to --local (a local run always runs to the end, on this machine); drop --no-wait or --local'],
    ['--poll-seconds 0 is given', ['--poll-seconds', '0'], '--poll-seconds does not apply to --local'],
    ['--timeout-minutes is given', ['--timeout-minutes', '5'], '--timeout-minutes does not apply to --local'],
    ['--description is given', ['--description', 'x'], '--description does not apply to --local'],
    // the checks a run in SageMaker applies, the same function
    [
      'the spot wait is shorter than the training runtime',
      ['-p', 'TrainingMaxWaitSeconds=600'],
      '--parameter TrainingMaxWaitSeconds 600 is shorter than step',
    ],
    [
      'an instance type with local storage gets a volume key',
      ['--kms-key-arn', 'arn:aws:kms:us-east-1:123456789012:key/k', '-p', 'TrainingInstanceType=ml.g4dn.xlarge'],
      "--parameter TrainingInstanceType 'ml.g4dn.xlarge' has local NVMe instance storage",
    ],
    ['the processing instance count is 0', ['-p', 'ProcessingInstanceCount=0'], '--parameter ProcessingInstanceCount 0 is out of range: SageMaker takes 1-100'],
    ['the approval status is not one of the enum', ['-p', 'ModelApprovalStatus=Maybe'], '--parameter ModelApprovalStatus "Maybe" is not a model approval status'],
  ])('fails when %s, exit 2', async (_, argv, message) => {
    const io = captureIo({});
    const code = await main(['--local', ...argv], { io });
    expect(code).toBe(2);
    expect(io.err()).toContain(`run-pipeline: ${message}`);
    expect(io.err().trim().split('\n')).toHaveLength(1);
  });
});

/** The printed graph's nodes: step name to [mark, class]; and its edges as `from -> to` by step name. */
function graphOf(lines: readonly string[]) {
  const start = lines.indexOf('```mermaid');
  const graph = lines.slice(start, lines.indexOf('```', start + 1) + 1);
  const nodes = new Map(graph.flatMap((l) => {
    const m = /^ {2}(s\d+)\["([^"<]+)<br\/>([a-z ]+)"\]:::(\w+)$/.exec(l);
    return m ? [[m[1], { step: m[2], mark: m[3], cls: m[4] }] as const] : [];
  }));
  const edges = graph.flatMap((l) => {
    const m = /^ {2}(s\d+) --> (s\d+)$/.exec(l);
    return m ? [`${nodes.get(m[1])!.step} -> ${nodes.get(m[2])!.step}`] : [];
  });
  return { graph, marks: Object.fromEntries([...nodes.values()].map((n) => [n.step, n.mark])), nodes: [...nodes.values()], edges };
}

describe('the picture of a local run: the pipeline graph of --plan --format markdown, each step marked', () => {
  test('a gate that fails: the steps that ran, the Fail step failed, the branch not taken skipped; printed and written as run.md', async () => {
    const { result, lines } = await runWithGraph(evaluated('{"metric": {"value": 6.5}}'));

    expect(result.status).toBe('Failed');
    const { marks, edges, nodes } = graphOf(lines);
    expect(marks).toEqual({ Evaluate: 'ran', Gate: 'ran', Register: 'skipped', Stop: 'failed' });
    expect(nodes.map((n) => n.cls)).toEqual(['ran', 'ran', 'skipped', 'failed']);
    // the Fail step's message reads the evaluation's property file: an edge of its own
    expect(edges).toEqual(['Evaluate -> Gate', 'Gate -> Register', 'Gate -> Stop', 'Evaluate -> Stop']);
    const markdown = readFileSync(result.reportFile, 'utf8');
    expect(result.reportFile).toBe(path.join(result.executionDir, 'run.md'));
    expect(markdown).toContain('Failed: step Stop failed: metric 6.5 is above 6.');
    expect(markdown).toContain('| Register | skipped |  |  |');
    expect(markdown).toMatch(/\| Stop \| failed \| \d+\.\d s \| metric 6\.5 is above 6 \|/);
    // the same graph in the file as printed
    expect(markdown).toContain(graphOf(lines).graph.join('\n'));
  });

  test('a re-run: a step reused from the step cache is marked cached, as the plan marks it reused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'input-'));
    writeFileSync(path.join(dir, 'sample.csv'), 'a,b\n1,2\n');
    const runDir = mkdtempSync(path.join(tmpdir(), 'local-'));
    const definition = reading('true', `file://${dir}/sample.csv`);

    const first = await runWithGraph(definition, runDir);
    const second = await runWithGraph(definition, runDir);

    expect(graphOf(first.lines).marks).toEqual({ Prep: 'ran' });
    expect(graphOf(second.lines).marks).toEqual({ Prep: 'cached' });
    expect(second.result.steps[0].cached).toBe(true);
    // cached is drawn as the plan draws reused
    const style = (lines: readonly string[], cls: string) => lines.find((l) => l.startsWith(`  classDef ${cls} `))!.split(' ').pop();
    const planned = plan.planMarkdown({ deployed: true, steps: [{ step: 'Prep', status: 'reused', reasons: [] }], costs: [], unpriced: [], worstCaseUsd: 0 }, 'eu-west-1').split('\n');
    expect(style(graphOf(second.lines).graph, 'cached')).toBe(style(planned, 'reused'));
  });

  test('the graph is the plan\'s: same nodes and edges as --plan --format markdown draws for the definition', async () => {
    const definition = evaluated('{"metric": {"value": 4.5}}');
    const { lines } = await runWithGraph(definition);
    const { steps, edges } = plan.definitionGraph(definition);
    const planned = plan.planMarkdown(
      { deployed: false, steps: steps.map((step) => ({ step, status: 'new', reasons: [] })), costs: [], unpriced: [], worstCaseUsd: 0, edges },
      'eu-west-1',
    ).split('\n');

    const shape = (graph: readonly string[]) => graph.filter((l) => !l.includes('classDef')).map((l) => l.replace(/<br\/>[a-z ]+"\]:::\w+$/, ''));
    expect(shape(graphOf(lines).graph)).toEqual(shape(graphOf(planned).graph));
    expect(graphOf(lines).marks).toEqual({ Evaluate: 'ran', Gate: 'ran', Register: 'ran', Stop: 'skipped' });
  });
});

/** A local run that prints its graph, as run-pipeline --local does at the end. */
async function runWithGraph(definition: unknown, runDir = mkdtempSync(path.join(tmpdir(), 'local-'))) {
  const lines: string[] = [];
  const result = await runLocal({ definition, pipelineName: 'p', bucket: 'bucket', parameters: {}, code: [], runDir, python: '/usr/bin/python3', log: (l) => lines.push(l) });
  lines.push(...runGraphLines(definition, result.steps));
  return { result, lines };
}
